/* The memory file: see memfile.h.
 *
 * Allocation is page granular. Freed pages are punched out of the file
 * (their memory goes back to the host at once) and kept on a free list of
 * runs; an allocation takes the first run large enough, else grows the file
 * (a bump pointer within the reserved MEMFILE_MAX_SIZE). Reference counts
 * live in an array indexed by page number, reserved like the file itself so
 * that only the touched part costs memory. */
#include "sentry/mm/memfile.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>

#include "sentry/util.h"

uint8_t *memfile_base_ptr;
static int mf_fd = -1;
static uint32_t *mf_refs;       /* per page */
static uint32_t *mf_pins;       /* per page: memfile_pin()s held */
static uint64_t mf_top;         /* bytes handed out by the bump pointer */
static uint64_t mf_used_pages;  /* pages with refcount > 0 */
static uint64_t mf_limit_pages = MEMFILE_MAX_SIZE >> RV_PAGE_SHIFT;
static pthread_mutex_t mf_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*mf_grow_hook)(uint64_t);

/* Free runs, sorted by offset and merged with their neighbours, so that
 * their number stays that of the holes between live pages, not that of
 * the frees; a run that reaches the top gives its pages back to the bump
 * pointer. */
struct run {
	uint64_t off, npages;
};
static struct run *mf_free;
static size_t mf_nfree, mf_capfree;

int memfile_init(void)
{
	mf_fd = memfd_create("ringvisor-memory", MFD_CLOEXEC);
	if (mf_fd < 0)
		return -errno;
	if (ftruncate(mf_fd, MEMFILE_MAX_SIZE) < 0)
		return -errno;
	void *base = mmap(NULL, MEMFILE_MAX_SIZE, PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_NORESERVE, mf_fd, 0);
	if (base == MAP_FAILED)
		return -errno;
	size_t refsz = (MEMFILE_MAX_SIZE >> RV_PAGE_SHIFT) * sizeof(uint32_t);
	void *refs = mmap(NULL, refsz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (refs == MAP_FAILED)
		return -errno;
	void *pins = mmap(NULL, refsz, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pins == MAP_FAILED)
		return -errno;
	memfile_base_ptr = base;
	mf_refs = refs;
	mf_pins = pins;
	struct sysinfo si;
	if (sysinfo(&si) == 0 && si.totalram)
		memfile_set_limit((uint64_t)si.totalram * si.mem_unit / 4 * 3);
	return 0;
}

static bool mf_pte_drop;

void memfile_allow_pte_drop(void) { mf_pte_drop = true; }

/* MADV_DONTNEED on a shared mapping only unmaps: the pages and their
 * contents stay in the memfd, and a concurrent copy in or out of another
 * sentry thread refaults them. */
void memfile_drop_ptes(uint64_t off, uint64_t len)
{
	if (mf_pte_drop && len)
		madvise(memfile_base_ptr + off, len, MADV_DONTNEED);
}

void memfile_set_limit(uint64_t bytes)
{
	pthread_mutex_lock(&mf_lock);
	mf_limit_pages = RV_MIN(bytes, MEMFILE_MAX_SIZE) >> RV_PAGE_SHIFT;
	pthread_mutex_unlock(&mf_lock);
}

uint64_t memfile_limit(void)
{
	return mf_limit_pages << RV_PAGE_SHIFT;
}

int memfile_fd(void) { return mf_fd; }
uint8_t *memfile_base(void) { return memfile_base_ptr; }
uint64_t memfile_size(void) { return mf_top; }
uint64_t memfile_used_bytes(void) { return mf_used_pages << RV_PAGE_SHIFT; }
void memfile_set_grow_hook(void (*hook)(uint64_t)) { mf_grow_hook = hook; }

static size_t (*mf_reclaim_hook)(size_t);
void memfile_set_reclaim_hook(size_t (*hook)(size_t))
{
	__atomic_store_n(&mf_reclaim_hook, hook, __ATOMIC_RELEASE);
}

static uint64_t run_end(const struct run *r)
{
	return r->off + (r->npages << RV_PAGE_SHIFT);
}

static void free_run_add(uint64_t off, uint64_t npages)
{
	size_t lo = 0, hi = mf_nfree;

	while (lo < hi) { /* first run after off */
		size_t mid = lo + (hi - lo) / 2;
		if (mf_free[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	bool join_prev = lo > 0 && run_end(&mf_free[lo - 1]) == off;
	bool join_next = lo < mf_nfree &&
			 off + (npages << RV_PAGE_SHIFT) == mf_free[lo].off;
	if (join_prev && join_next) {
		mf_free[lo - 1].npages += npages + mf_free[lo].npages;
		memmove(&mf_free[lo], &mf_free[lo + 1],
			(mf_nfree - lo - 1) * sizeof(*mf_free));
		mf_nfree--;
		lo--;
	} else if (join_prev) {
		mf_free[--lo].npages += npages;
	} else if (join_next) {
		mf_free[lo].off = off;
		mf_free[lo].npages += npages;
	} else {
		if (mf_nfree == mf_capfree) {
			mf_capfree = mf_capfree ? mf_capfree * 2 : 64;
			mf_free = rv_xrealloc(mf_free,
					      mf_capfree * sizeof(*mf_free));
		}
		memmove(&mf_free[lo + 1], &mf_free[lo],
			(mf_nfree - lo) * sizeof(*mf_free));
		mf_free[lo] = (struct run){off, npages};
		mf_nfree++;
	}
	/* The last run touching the top shrinks the file's used part. */
	if (lo == mf_nfree - 1 && run_end(&mf_free[lo]) == mf_top) {
		mf_top = mf_free[lo].off;
		mf_nfree--;
	}
}

static int64_t memfile_alloc_once(size_t npages);

int64_t memfile_alloc(size_t npages)
{
	int64_t off = memfile_alloc_once(npages);
	size_t (*reclaim)(size_t) =
		__atomic_load_n(&mf_reclaim_hook, __ATOMIC_ACQUIRE);

	/* Caches give way to the app's memory before it is refused. */
	if (off == -ENOMEM && reclaim && reclaim(npages))
		off = memfile_alloc_once(npages);
	return off;
}

static int64_t memfile_alloc_once(size_t npages)
{
	int64_t off = -ENOMEM;
	void (*hook)(uint64_t) = NULL;
	uint64_t new_top = 0;

	if (npages == 0 || npages > (MEMFILE_MAX_SIZE >> RV_PAGE_SHIFT))
		return -ENOMEM;
	pthread_mutex_lock(&mf_lock);
	if (npages > mf_limit_pages - RV_MIN(mf_used_pages, mf_limit_pages)) {
		pthread_mutex_unlock(&mf_lock);
		return -ENOMEM;
	}
	for (size_t i = 0; i < mf_nfree; i++) {
		if (mf_free[i].npages < npages)
			continue;
		/* Take the front: the rest keeps its place in the order. */
		off = mf_free[i].off;
		mf_free[i].off += npages << RV_PAGE_SHIFT;
		mf_free[i].npages -= npages;
		if (mf_free[i].npages == 0) {
			memmove(&mf_free[i], &mf_free[i + 1],
				(mf_nfree - i - 1) * sizeof(*mf_free));
			mf_nfree--;
		}
		break;
	}
	if (off < 0 && mf_top + (npages << RV_PAGE_SHIFT) <= MEMFILE_MAX_SIZE) {
		off = mf_top;
		mf_top += npages << RV_PAGE_SHIFT;
		hook = mf_grow_hook;
		new_top = mf_top;
	}
	if (off >= 0) {
		for (size_t i = 0; i < npages; i++)
			mf_refs[(off >> RV_PAGE_SHIFT) + i] = 1;
		mf_used_pages += npages;
	}
	pthread_mutex_unlock(&mf_lock);
	if (hook)
		hook(new_top);
	return off;
}

void memfile_incref(uint64_t off, size_t npages)
{
	pthread_mutex_lock(&mf_lock);
	for (size_t i = 0; i < npages; i++) {
		uint32_t *r = &mf_refs[(off >> RV_PAGE_SHIFT) + i];
		RV_BUG_ON(*r == 0);
		(*r)++;
	}
	pthread_mutex_unlock(&mf_lock);
}

static void release_run(uint64_t off, uint64_t npages)
{
	/* Punching gives the memory back and makes the pages read as zero
	 * when they are handed out again, as fresh anonymous memory must. */
	if (fallocate(mf_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)(npages << RV_PAGE_SHIFT)) < 0)
		memset(memfile_base_ptr + off, 0, npages << RV_PAGE_SHIFT);
	free_run_add(off, npages);
}

void memfile_decref(uint64_t off, size_t npages)
{
	uint64_t run_off = 0, run_n = 0;

	pthread_mutex_lock(&mf_lock);
	for (size_t i = 0; i < npages; i++) {
		uint64_t o = off + (i << RV_PAGE_SHIFT);
		uint32_t *r = &mf_refs[o >> RV_PAGE_SHIFT];
		RV_BUG_ON(*r == 0);
		if (--(*r) != 0 || mf_pins[o >> RV_PAGE_SHIFT])
			continue;
		mf_used_pages--;
		if (run_n && run_off + (run_n << RV_PAGE_SHIFT) == o) {
			run_n++;
			continue;
		}
		if (run_n)
			release_run(run_off, run_n);
		run_off = o;
		run_n = 1;
	}
	if (run_n)
		release_run(run_off, run_n);
	pthread_mutex_unlock(&mf_lock);
}

void memfile_pin(uint64_t off, size_t npages)
{
	pthread_mutex_lock(&mf_lock);
	for (size_t i = 0; i < npages; i++) {
		size_t pg = (off >> RV_PAGE_SHIFT) + i;
		RV_BUG_ON(mf_refs[pg] == 0 && mf_pins[pg] == 0);
		RV_BUG_ON(mf_pins[pg] == UINT32_MAX);
		mf_pins[pg]++;
	}
	pthread_mutex_unlock(&mf_lock);
}

void memfile_unpin(uint64_t off, size_t npages)
{
	pthread_mutex_lock(&mf_lock);
	for (size_t i = 0; i < npages; i++) {
		uint64_t o = off + (i << RV_PAGE_SHIFT);
		size_t pg = o >> RV_PAGE_SHIFT;
		RV_BUG_ON(mf_pins[pg] == 0);
		if (--mf_pins[pg] != 0 || mf_refs[pg] != 0)
			continue;
		/* The last owner unmapped it while pinned: free it now. */
		mf_used_pages--;
		release_run(o, 1);
	}
	pthread_mutex_unlock(&mf_lock);
}

uint32_t memfile_pincount(uint64_t off)
{
	return __atomic_load_n(&mf_pins[off >> RV_PAGE_SHIFT], __ATOMIC_RELAXED);
}

uint32_t memfile_refcount(uint64_t off)
{
	return __atomic_load_n(&mf_refs[off >> RV_PAGE_SHIFT], __ATOMIC_RELAXED);
}
