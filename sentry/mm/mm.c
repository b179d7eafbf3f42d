/* Address spaces: the VMA list and the system calls that change it (mmap,
 * munmap, mprotect, mremap, madvise, brk, ...), fork's copy-on-write
 * duplicate and /proc/[pid]/maps. Faults and copies are in fault.c.
 *
 * VMAs live in an array sorted by address: lookups are a binary search,
 * insertions a memmove, which stays cheap for the few thousand VMAs of a
 * big python process. Every change happens under mm->lock; the platform
 * address space only ever maps pages that the page table records as
 * PTE_MAPPED, so dropping a page always knows whether to unmap it. */
#include "sentry/mm/mm_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include "sentry/mm/memfile.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

_Static_assert(MM_MAP_TOP == PLATFORM_USER_TOP,
	       "the app maps nothing over the platform's stub pages");

#define PROT_RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#ifndef PROT_SEM
#define PROT_SEM 0x8 /* <asm-generic/mman-common.h> */
#endif

/* --- platform --------------------------------------------------------- */

int mm_as_map(struct mm *mm, uint64_t va, uint64_t len, uint64_t off,
	      int prot)
{
	if (!mm->plat)
		return 0;
	return mm->plat->ops->as_map(mm->as, va, len, off, prot);
}

int mm_as_unmap(struct mm *mm, uint64_t va, uint64_t len)
{
	if (!mm->plat || !len)
		return 0;
	return mm->plat->ops->as_unmap(mm->as, va, len);
}

int mm_as_protect(struct mm *mm, uint64_t va, uint64_t len, int prot)
{
	if (!mm->plat || !len)
		return 0;
	return mm->plat->ops->as_protect(mm->as, va, len, prot);
}

/* --- page references ---------------------------------------------------- */

void page_batch_flush(struct page_batch *b)
{
	if (!b->n)
		return;
	if (b->inc)
		memfile_incref(b->off, b->n);
	else
		memfile_decref(b->off, b->n);
	b->n = 0;
}

void page_batch_add(struct page_batch *b, uint64_t off)
{
	if (b->n && b->off + (b->n << RV_PAGE_SHIFT) == off) {
		b->n++;
		return;
	}
	page_batch_flush(b);
	b->off = off;
	b->n = 1;
}

/* --- VMA array ---------------------------------------------------------- */

size_t mm_vma_lower(struct mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->nvma;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (mm->vmas[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

struct vma *mm_vma_find(struct mm *mm, uint64_t addr)
{
	size_t i = mm_vma_lower(mm, addr);

	if (i < mm->nvma && mm->vmas[i].start <= addr)
		return &mm->vmas[i];
	return NULL;
}

/* The array is a deque inside vbuf: free slots are kept at both ends and
 * an insertion or removal moves the shorter side. Top-down mmap inserts
 * near the front, so this keeps it O(1) where a plain array would move
 * every VMA each time. */
static void vma_recenter(struct mm *mm)
{
	size_t cap = mm->vcap;

	if (cap < 2 * mm->nvma + 8)
		cap = RV_MAX(64, 3 * mm->nvma);
	struct vma *nb = rv_xcalloc(cap, sizeof(*nb));
	size_t head = (cap - mm->nvma) / 2;
	if (mm->nvma)
		memcpy(nb + head, mm->vmas, mm->nvma * sizeof(*nb));
	free(mm->vbuf);
	mm->vbuf = nb;
	mm->vcap = cap;
	mm->vhead = head;
	mm->vmas = nb + head;
}

static void vma_insert_at(struct mm *mm, size_t i, const struct vma *v)
{
	struct vma *a;

	if (mm->vhead == 0 || mm->vhead + mm->nvma == mm->vcap)
		vma_recenter(mm);
	a = mm->vmas;
	if (i < mm->nvma / 2) {
		memmove(a - 1, a, i * sizeof(*a));
		mm->vhead--;
	} else {
		memmove(a + i + 1, a + i, (mm->nvma - i) * sizeof(*a));
	}
	mm->vmas = mm->vbuf + mm->vhead;
	mm->vmas[i] = *v;
	mm->nvma++;
}

/* Remove vmas[i0..i1) (already released). */
static void vma_remove_range(struct mm *mm, size_t i0, size_t i1)
{
	struct vma *a = mm->vmas;
	size_t n = i1 - i0;

	if (!n)
		return;
	if (i0 < mm->nvma - i1) {
		memmove(a + n, a, i0 * sizeof(*a));
		mm->vhead += n;
	} else {
		memmove(a + i0, a + i1, (mm->nvma - i1) * sizeof(*a));
	}
	mm->vmas = mm->vbuf + mm->vhead;
	mm->nvma -= n;
}

static void vma_remove_at(struct mm *mm, size_t i)
{
	vma_remove_range(mm, i, i + 1);
}

static void vma_release(struct vma *v)
{
	/* A shared mapping of a file whose pages are a cache (host files)
	 * is written back as it goes: munmap, exit and MAP_FIXED over it
	 * all come here, and after them the host file holds the stores. */
	if (v->file && (v->flags & VMA_SHARED) &&
	    v->file->ops->mmap_writeback)
		v->file->ops->mmap_writeback(v->file, v->off,
					     v->end - v->start, false);
	if (v->file)
		file_put(v->file);
	free(v->name);
	v->file = NULL;
	v->name = NULL;
}

/* A copy of v that owns its own references. */
static struct vma vma_dup(const struct vma *v)
{
	struct vma n = *v;

	if (n.file)
		file_get(n.file);
	if (n.name)
		n.name = rv_xstrdup(n.name);
	return n;
}

/* Split vmas[i] at at (strictly inside): [start, at) stays at i, [at, end)
 * becomes i + 1. */
static void vma_split(struct mm *mm, size_t i, uint64_t at)
{
	struct vma hi = vma_dup(&mm->vmas[i]);

	RV_BUG_ON(at <= hi.start || at >= hi.end || !rv_page_aligned(at));
	if (hi.file)
		hi.off += at - hi.start;
	hi.start = at;
	mm->vmas[i].end = at;
	vma_insert_at(mm, i + 1, &hi);
}

static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	if (a->end != b->start || a->prot != b->prot ||
	    a->maxprot != b->maxprot || a->flags != b->flags ||
	    a->file != b->file)
		return false;
	if (a->file && a->off + (a->end - a->start) != b->off)
		return false;
	if (!a->name || !b->name)
		return a->name == b->name;
	return strcmp(a->name, b->name) == 0;
}

/* Merge neighbours among vmas[lo..hi] (indices clamped), as Linux's
 * vma_merge does, so that malloc's many adjacent mmaps stay one VMA. */
static void vma_merge_range(struct mm *mm, size_t lo, size_t hi)
{
	if (lo > 0)
		lo--;
	hi++;
	if (hi >= mm->nvma)
		hi = mm->nvma ? mm->nvma - 1 : 0;
	for (size_t j = hi; j > lo; j--) {
		if (j >= mm->nvma)
			continue;
		struct vma *a = &mm->vmas[j - 1], *b = &mm->vmas[j];
		if (!vma_mergeable(a, b))
			continue;
		a->end = b->end;
		vma_release(b);
		vma_remove_at(mm, j);
	}
}

/* Split so that [start, end) is covered by whole VMAs; returns in *i0 the
 * first VMA inside the range and in *i1 one past the last. */
static void vma_isolate(struct mm *mm, uint64_t start, uint64_t end,
			size_t *i0, size_t *i1)
{
	size_t i = mm_vma_lower(mm, start);

	if (i < mm->nvma && mm->vmas[i].start < start)
		vma_split(mm, i++, start);
	*i0 = i;
	while (i < mm->nvma && mm->vmas[i].start < end) {
		if (mm->vmas[i].end > end)
			vma_split(mm, i, end);
		i++;
	}
	*i1 = i;
}

/* Is [start, end) covered by VMAs without a hole? */
static bool vma_covered(struct mm *mm, uint64_t start, uint64_t end)
{
	size_t i = mm_vma_lower(mm, start);
	uint64_t pos = start;

	for (; i < mm->nvma && pos < end; i++) {
		if (mm->vmas[i].start > pos)
			return false;
		pos = mm->vmas[i].end;
	}
	return pos >= end;
}

/* Linux's vm.max_map_count: a program cannot grow the sentry's VMA array
 * (sentry memory) without bound. An operation may add up to 3 VMAs (two
 * splits and a new one). */
#define MM_MAX_MAP_COUNT 65530

static bool vma_room(struct mm *mm)
{
	return mm->nvma + 3 <= MM_MAX_MAP_COUNT;
}

/* Lowest address a mapping may use below v: growsdown VMAs keep Linux's
 * guard gap free beneath them. */
static uint64_t vma_gap_start(const struct vma *v)
{
	if (!(v->flags & VMA_GROWSDOWN))
		return v->start;
	return v->start > MM_STACK_GUARD ? v->start - MM_STACK_GUARD : 0;
}

/* Address space was freed in [start, end): the search cache must look
 * there again. */
static void gap_cache_freed(struct mm *mm, uint64_t start, uint64_t end)
{
	(void)start;
	if (mm->gap_top && end > mm->gap_top)
		mm->gap_top = mm->gap_hole = 0;
}

/* --- pages -------------------------------------------------------------- */

struct zap {
	struct mm *mm;
	struct page_batch dec;
	uint64_t mlo, mhi; /* span of platform-mapped pages seen */
	bool keep_pages;    /* only unmap from the platform */
};

static int zap_one(uint64_t va, uint64_t *pte, void *arg)
{
	struct zap *z = arg;

	if (*pte & PTE_MAPPED) {
		if (z->mlo > va)
			z->mlo = va;
		if (z->mhi < va + RV_PAGE_SIZE)
			z->mhi = va + RV_PAGE_SIZE;
	}
	if (z->keep_pages) {
		*pte &= ~(PTE_MAPPED | PTE_MAPW);
		return 0;
	}
	page_batch_add(&z->dec, pte_off(*pte));
	*pte = 0;
	__atomic_fetch_sub(&z->mm->rss_pages, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Drop the pages of [start, end) (or with keep_pages only their platform
 * mappings), and unmap them from the platform with one call. */
static void zap_range(struct mm *mm, uint64_t start, uint64_t end,
		      bool keep_pages)
{
	struct zap z = {.mm = mm, .mlo = UINT64_MAX, .mhi = 0,
			.keep_pages = keep_pages};

	pt_walk(&mm->pt, start, end, zap_one, &z);
	/* Unmap before the pages can be reused by someone else: a stale
	 * platform mapping would let this app see another's memory. */
	if (z.mhi > z.mlo) {
		int rc = mm_as_unmap(mm, z.mlo, z.mhi - z.mlo);
		if (rc < 0)
			rv_panic("mm: platform unmap failed: %d", rc);
	}
	page_batch_flush(&z.dec);
}

static void munmap_locked(struct mm *mm, uint64_t start, uint64_t end)
{
	size_t i0, i1;

	vma_isolate(mm, start, end, &i0, &i1);
	for (size_t i = i0; i < i1; i++)
		vma_release(&mm->vmas[i]);
	vma_remove_range(mm, i0, i1);
	gap_cache_freed(mm, start, end);
	zap_range(mm, start, end, false);
}

/* --- lifecycle ---------------------------------------------------------- */

/* Every live mm: truncate looks for the VMAs of a file in each (a walk
 * instead of Linux's per-file i_mmap tree; sandboxes have few mms). */
static pthread_mutex_t mm_all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mm *mm_all;

static void mm_all_add(struct mm *mm)
{
	pthread_mutex_lock(&mm_all_lock);
	mm->all_next = mm_all;
	if (mm_all)
		mm_all->all_prev = mm;
	mm_all = mm;
	pthread_mutex_unlock(&mm_all_lock);
}

static void mm_all_del(struct mm *mm)
{
	pthread_mutex_lock(&mm_all_lock);
	if (mm->all_prev)
		mm->all_prev->all_next = mm->all_next;
	else
		mm_all = mm->all_next;
	if (mm->all_next)
		mm->all_next->all_prev = mm->all_prev;
	pthread_mutex_unlock(&mm_all_lock);
}

struct mm *mm_create(struct platform *p)
{
	struct mm *mm = rv_xcalloc(1, sizeof(*mm));

	pthread_mutex_init(&mm->lock, NULL);
	atomic_init(&mm->refs, 1);
	mm->plat = p;
	mm->mmap_base = MM_MMAP_BASE;
	if (p) {
		mm->as = p->ops->as_create(p);
		if (!mm->as) {
			free(mm);
			return NULL;
		}
	}
	mm_all_add(mm);
	return mm;
}

struct platform_as *mm_platform_as(struct mm *mm) { return mm->as; }

void mm_set_mmap_base(struct mm *mm, uint64_t base)
{
	base &= RV_PAGE_MASK;
	RV_BUG_ON(base <= MM_MIN_ADDR || base > MM_MAP_TOP);
	pthread_mutex_lock(&mm->lock);
	mm->mmap_base = base;
	mm->gap_top = mm->gap_hole = 0;
	pthread_mutex_unlock(&mm->lock);
}

uint64_t mm_mmap_base(struct mm *mm) { return mm->mmap_base; }

void mm_get(struct mm *mm) { atomic_fetch_add(&mm->refs, 1); }

static int put_one(uint64_t va, uint64_t *pte, void *arg)
{
	(void)va;
	page_batch_add(arg, pte_off(*pte));
	return 0;
}

void mm_put(struct mm *mm)
{
	struct page_batch dec = {0};

	if (!mm || atomic_fetch_sub(&mm->refs, 1) != 1)
		return;
	mm_all_del(mm);
	/* Destroying the platform address space removes every mapping at
	 * once; only then may the pages go back to the memory file. */
	if (mm->plat && mm->as)
		mm->plat->ops->as_destroy(mm->as);
	pt_walk(&mm->pt, 0, MM_USER_TOP, put_one, &dec);
	page_batch_flush(&dec);
	pt_destroy(&mm->pt);
	for (size_t i = 0; i < mm->nvma; i++)
		vma_release(&mm->vmas[i]);
	free(mm->vbuf);
	if (mm->exe)
		file_put(mm->exe);
	pthread_mutex_destroy(&mm->lock);
	free(mm);
}

/* A reference on mm unless it is already dying (refs reached 0 and
 * mm_put is about to unlist it). mm_all_lock held. */
static bool mm_tryget(struct mm *mm)
{
	int r = atomic_load(&mm->refs);
	while (r > 0)
		if (atomic_compare_exchange_weak(&mm->refs, &r, r + 1))
			return true;
	return false;
}

static void truncate_mm(struct mm *mm, struct inode *ino, uint64_t pg)
{
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vmas[i];
		if (!v->file || v->file->inode != ino)
			continue;
		uint64_t vpg = v->off >> RV_PAGE_SHIFT;
		uint64_t npg = (v->end - v->start) >> RV_PAGE_SHIFT;
		if (pg >= vpg + npg)
			continue;
		uint64_t s = pg <= vpg ? v->start
				       : v->start + ((pg - vpg) << RV_PAGE_SHIFT);
		/* Shared pages past the end are gone from the file, and
		 * private copies go too (even_cows): the next touch faults
		 * and finds no page, hence SIGBUS, as on Linux. */
		zap_range(mm, s, v->end, false);
	}
	pthread_mutex_unlock(&mm->lock);
}

void mm_truncate_inode(struct inode *ino, uint64_t size)
{
	struct mm **list = NULL;
	size_t n = 0, cap = 0;

	if (size > UINT64_MAX - RV_PAGE_SIZE)
		return;
	uint64_t pg = (size + RV_PAGE_SIZE - 1) >> RV_PAGE_SHIFT;
	/* Collect references first: mm_put of the last one unlists the mm
	 * under mm_all_lock, and each mm's lock is taken without it. */
	pthread_mutex_lock(&mm_all_lock);
	for (struct mm *mm = mm_all; mm; mm = mm->all_next) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			list = rv_xrealloc(list, cap * sizeof(*list));
		}
		if (mm_tryget(mm))
			list[n++] = mm;
	}
	pthread_mutex_unlock(&mm_all_lock);
	for (size_t i = 0; i < n; i++) {
		truncate_mm(list[i], ino, pg);
		mm_put(list[i]);
	}
	free(list);
}

/* --- mmap --------------------------------------------------------------- */

/* Highest address in [lo, hi) where len bytes fit between VMAs (and their
 * guard gaps): Linux's top-down allocator. 0 when none. *skipped gets the
 * largest hole passed over on the way down. */
static uint64_t find_gap(struct mm *mm, uint64_t len, uint64_t lo,
			 uint64_t hi, uint64_t *skipped)
{
	size_t i = mm_vma_lower(mm, hi);
	uint64_t top = hi;

	if (skipped)
		*skipped = 0;
	if (i < mm->nvma && vma_gap_start(&mm->vmas[i]) < top)
		top = vma_gap_start(&mm->vmas[i]);
	for (;;) {
		uint64_t bottom = i == 0 ? lo : RV_MAX(lo, mm->vmas[i - 1].end);
		if (top >= len && top - len >= bottom)
			return top - len;
		if (skipped && top > bottom && top - bottom > *skipped)
			*skipped = top - bottom;
		if (i == 0)
			return 0;
		i--;
		top = RV_MIN(top, vma_gap_start(&mm->vmas[i]));
		if (top <= lo)
			return 0;
	}
}

/* find_gap() below mm->mmap_base, starting where the last search ended
 * unless a hole above might now fit (free_area_cache): a program making
 * thousands of mappings does not rescan them all each time. */
static uint64_t find_gap_default(struct mm *mm, uint64_t len)
{
	uint64_t skipped, addr = 0;

	if (mm->gap_top && len > mm->gap_hole) {
		addr = find_gap(mm, len, MM_MIN_ADDR, mm->gap_top, &skipped);
		if (addr) {
			mm->gap_hole = RV_MAX(mm->gap_hole, skipped);
			mm->gap_top = addr;
			return addr;
		}
	}
	addr = find_gap(mm, len, MM_MIN_ADDR, mm->mmap_base, &skipped);
	if (addr) {
		mm->gap_hole = skipped;
		mm->gap_top = addr;
	}
	return addr;
}


static bool range_free(struct mm *mm, uint64_t addr, uint64_t len,
		       bool with_gap)
{
	size_t i = mm_vma_lower(mm, addr);

	if (i == mm->nvma)
		return true;
	uint64_t s = with_gap ? vma_gap_start(&mm->vmas[i])
			      : mm->vmas[i].start;
	return s >= addr + len;
}

#define MAP_KNOWN_FLAGS                                                     \
	(MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_32BIT | \
	 MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED |      \
	 MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK |          \
	 MAP_HUGETLB | MAP_SYNC | MAP_FIXED_NOREPLACE | 0x4000000 /*UNINIT*/ | \
	 (0x3fU << 26) /* huge page size bits */)

int64_t mm_mmap(struct mm *mm, uint64_t addr, uint64_t len, int prot,
		int flags, struct file *file, uint64_t off)
{
	struct vma v = {0};
	int type = flags & 0x0f; /* MAP_TYPE */
	bool shared;
	int rc;

	if (flags & MAP_ANONYMOUS)
		file = NULL;
	switch (type) {
	case MAP_SHARED:
	case MAP_PRIVATE:
		break;
	case MAP_SHARED_VALIDATE:
		/* mmap(2): unknown flags are an error only with VALIDATE. */
		if (flags & ~MAP_KNOWN_FLAGS)
			return -EOPNOTSUPP;
		break;
	default:
		return -EINVAL;
	}
	shared = type != MAP_PRIVATE;
	if (!len || (off & ~RV_PAGE_MASK))
		return -EINVAL;
	if (len > MM_MAP_TOP)
		return -ENOMEM;
	len = rv_page_up(len);
	if (file && off + len < off)
		return -EOVERFLOW;
	if (flags & MAP_HUGETLB)
		return -ENOMEM; /* no huge pages reserved, as on most hosts */
	prot &= PROT_RWX;

	v.prot = prot;
	v.maxprot = PROT_RWX;
	v.flags = (shared ? VMA_SHARED : 0) |
		  (flags & MAP_GROWSDOWN ? VMA_GROWSDOWN : 0);
	if (file) {
		rc = vfs_mmap_check(file, prot, flags);
		if (rc < 0)
			return rc;
		if (shared && (file->flags & O_ACCMODE) != O_RDWR)
			v.maxprot &= ~PROT_WRITE;
		if (shared && !file->ops->get_page) {
			/* No shared pages to map (host files): a read-only
			 * shared mapping is served as a private copy, which
			 * differs only if the file changes underneath; a
			 * writable one cannot be honoured. */
			if (v.maxprot & PROT_WRITE)
				return -ENODEV;
			v.flags &= ~VMA_SHARED;
		}
		v.file = file;
		v.off = off;
	}

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (addr & ~RV_PAGE_MASK)
			return -EINVAL;
		if (rv_range_bad(addr, len) || addr + len > MM_MAP_TOP)
			return -ENOMEM;
		/* vm.mmap_min_addr keeps page zero unmappable: NULL
		 * dereferences must fault. */
		if (addr < MM_MIN_ADDR)
			return -EPERM;
	}

	pthread_mutex_lock(&mm->lock);
	if (!vma_room(mm)) {
		pthread_mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	if (flags & MAP_FIXED_NOREPLACE) {
		if (!range_free(mm, addr, len, false)) {
			pthread_mutex_unlock(&mm->lock);
			return -EEXIST;
		}
	} else if (flags & MAP_FIXED) {
		munmap_locked(mm, addr, addr + len);
	} else {
		uint64_t hint = rv_page_up(addr);
		if (!(addr && hint >= MM_MIN_ADDR && hint <= MM_MAP_TOP &&
		      len <= MM_MAP_TOP - hint &&
		      range_free(mm, hint, len, true))) {
			if (flags & MAP_32BIT)
				hint = find_gap(mm, len, 0x40000000ULL,
						0x80000000ULL, NULL);
			else
				hint = find_gap_default(mm, len);
			if (!hint && !(flags & MAP_32BIT))
				/* Below the base is full: try above it, as
				 * Linux falls back to bottom-up search. */
				hint = find_gap(mm, len, mm->mmap_base,
						MM_MAP_TOP, NULL);
		}
		if (!hint) {
			pthread_mutex_unlock(&mm->lock);
			return -ENOMEM;
		}
		addr = hint;
	}
	v.start = addr;
	v.end = addr + len;
	if (v.file)
		file_get(v.file);
	size_t i = mm_vma_lower(mm, addr);
	vma_insert_at(mm, i, &v);
	vma_merge_range(mm, i, i);
	pthread_mutex_unlock(&mm->lock);
	return (int64_t)addr;
}

int mm_munmap(struct mm *mm, uint64_t addr, uint64_t len)
{
	if ((addr & ~RV_PAGE_MASK) || !len)
		return -EINVAL;
	if (len > MM_MAP_TOP)
		return -EINVAL;
	len = rv_page_up(len);
	if (rv_range_bad(addr, len) || addr + len > MM_MAP_TOP)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (!vma_room(mm)) {
		pthread_mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	munmap_locked(mm, addr, addr + len);
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

/* --- mprotect ----------------------------------------------------------- */

struct reprot {
	bool shared_w;
	uint64_t mlo, mhi;
};

static int reprot_one(uint64_t va, uint64_t *pte, void *arg)
{
	struct reprot *r = arg;

	if (!(*pte & PTE_MAPPED))
		return 0;
	if (r->mlo > va)
		r->mlo = va;
	r->mhi = va + RV_PAGE_SIZE;
	if (r->shared_w)
		*pte |= PTE_MAPW;
	else
		*pte &= ~PTE_MAPW;
	return 0;
}

/* Bring the platform mappings of v in line with v->prot. Private pages
 * are mapped without write: the first write faults and fault.c decides
 * between copy-on-write and simply upgrading. */
static void vma_reprotect(struct mm *mm, struct vma *v)
{
	bool shared = v->flags & VMA_SHARED;
	struct reprot r = {.shared_w = shared && (v->prot & PROT_WRITE),
			   .mlo = UINT64_MAX};

	pt_walk(&mm->pt, v->start, v->end, reprot_one, &r);
	if (r.mhi > r.mlo) {
		int p = shared ? v->prot : v->prot & ~PROT_WRITE;
		int rc = mm_as_protect(mm, r.mlo, r.mhi - r.mlo, p);
		if (rc < 0)
			rv_panic("mm: platform protect failed: %d", rc);
	}
}

int mm_mprotect(struct mm *mm, uint64_t addr, uint64_t len, int prot)
{
	size_t i0, i1;
	uint64_t end;

	if (addr & ~RV_PAGE_MASK)
		return -EINVAL;
	if (prot & ~(PROT_RWX | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	if ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))
		return -EINVAL;
	if (!len)
		return 0;
	if (len > MM_MAP_TOP)
		return -ENOMEM;
	len = rv_page_up(len);
	if (rv_range_bad(addr, len) || addr + len > MM_MAP_TOP)
		return -ENOMEM;
	end = addr + len;

	pthread_mutex_lock(&mm->lock);
	if (prot & PROT_GROWSDOWN) {
		/* mprotect(2): extend down to the start of a growsdown
		 * mapping. */
		struct vma *v = mm_vma_find(mm, addr);
		if (!v || !(v->flags & VMA_GROWSDOWN)) {
			pthread_mutex_unlock(&mm->lock);
			return v ? -EINVAL : -ENOMEM;
		}
		addr = v->start;
	}
	prot &= PROT_RWX;
	/* Check the whole range first so a failure changes nothing. */
	if (!vma_covered(mm, addr, end) || !vma_room(mm)) {
		pthread_mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	for (size_t i = mm_vma_lower(mm, addr);
	     i < mm->nvma && mm->vmas[i].start < end; i++) {
		if (prot & ~mm->vmas[i].maxprot) {
			pthread_mutex_unlock(&mm->lock);
			return -EACCES;
		}
	}
	vma_isolate(mm, addr, end, &i0, &i1);
	for (size_t i = i0; i < i1; i++) {
		struct vma *v = &mm->vmas[i];
		if (v->prot == prot)
			continue;
		v->prot = prot;
		vma_reprotect(mm, v);
	}
	vma_merge_range(mm, i0, i1);
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

/* --- mremap ------------------------------------------------------------- */

struct move {
	struct mm *mm;
	uint64_t from, to;
	uint64_t mlo, mhi;
};

static int move_one(uint64_t va, uint64_t *pte, void *arg)
{
	struct move *m = arg;
	uint64_t *dst = pt_slot(&m->mm->pt, va - m->from + m->to, true);

	if (*pte & PTE_MAPPED) {
		if (m->mlo > va)
			m->mlo = va;
		m->mhi = va + RV_PAGE_SIZE;
	}
	RV_BUG_ON(*dst);
	*dst = *pte & ~(PTE_MAPPED | PTE_MAPW);
	*pte = 0;
	return 0;
}

/* Move the VMA that is exactly [old, old + old_len) to new, grown to
 * new_len. The pages move with it (no copy); they are mapped in the
 * platform again lazily at the next fault. */
static void vma_move(struct mm *mm, size_t i, uint64_t new_addr,
		     uint64_t new_len, bool dontunmap)
{
	struct vma v = mm->vmas[i];
	struct move m = {.mm = mm, .from = v.start, .to = new_addr,
			 .mlo = UINT64_MAX};

	pt_walk(&mm->pt, v.start, v.end, move_one, &m);
	if (m.mhi > m.mlo) {
		int rc = mm_as_unmap(mm, m.mlo, m.mhi - m.mlo);
		if (rc < 0)
			rv_panic("mm: platform unmap failed: %d", rc);
	}
	if (dontunmap) {
		/* MREMAP_DONTUNMAP: the old range stays mapped, empty. */
		v = vma_dup(&v);
	} else {
		vma_remove_at(mm, i); /* v keeps the references */
		gap_cache_freed(mm, v.start, v.end);
	}
	v.start = new_addr;
	v.end = new_addr + new_len;
	i = mm_vma_lower(mm, new_addr);
	vma_insert_at(mm, i, &v);
	vma_merge_range(mm, i, i);
}

int64_t mm_mremap(struct mm *mm, uint64_t old_addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr)
{
	struct vma *v;
	size_t i0, i1;
	int64_t ret;

	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (old_addr & ~RV_PAGE_MASK)
		return -EINVAL;
	if (old_len > MM_MAP_TOP || new_len > MM_MAP_TOP)
		return -EINVAL;
	old_len = rv_page_up(old_len);
	new_len = rv_page_up(new_len);
	/* old_len 0 duplicates a shared mapping in Linux; not supported. */
	if (!new_len || !old_len)
		return -EINVAL;
	/* mremap(2): DONTUNMAP moves without resizing. */
	if ((flags & MREMAP_DONTUNMAP) &&
	    (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (rv_range_bad(old_addr, old_len) || old_addr + old_len > MM_MAP_TOP)
		return -EFAULT;
	if (flags & MREMAP_FIXED) {
		if (new_addr & ~RV_PAGE_MASK)
			return -EINVAL;
		if (rv_range_bad(new_addr, new_len) ||
		    new_addr + new_len > MM_MAP_TOP || new_addr < MM_MIN_ADDR)
			return -EINVAL;
		if (new_addr < old_addr + old_len &&
		    old_addr < new_addr + new_len)
			return -EINVAL;
	}

	pthread_mutex_lock(&mm->lock);
	v = mm_vma_find(mm, old_addr);
	if (!v || old_addr + old_len > v->end) {
		ret = -EFAULT;
		goto out;
	}
	if (!vma_room(mm)) {
		ret = -ENOMEM;
		goto out;
	}
	if (flags & MREMAP_FIXED) {
		munmap_locked(mm, new_addr, new_addr + new_len);
		if (old_len > new_len) {
			munmap_locked(mm, old_addr + new_len,
				      old_addr + old_len);
			old_len = new_len;
		}
		vma_isolate(mm, old_addr, old_addr + old_len, &i0, &i1);
		vma_move(mm, i0, new_addr, new_len,
			 flags & MREMAP_DONTUNMAP);
		ret = (int64_t)new_addr;
		goto out;
	}
	if (new_len <= old_len && !(flags & MREMAP_DONTUNMAP)) {
		munmap_locked(mm, old_addr + new_len, old_addr + old_len);
		ret = (int64_t)old_addr;
		goto out;
	}
	/* Grow in place when nothing follows. */
	if (!(flags & MREMAP_DONTUNMAP) && old_addr + old_len == v->end &&
	    new_len <= MM_MAP_TOP - old_addr &&
	    range_free(mm, v->end, old_addr + new_len - v->end, true)) {
		size_t i = v - mm->vmas;
		v->end = old_addr + new_len;
		vma_merge_range(mm, i, i);
		ret = (int64_t)old_addr;
		goto out;
	}
	if (!(flags & MREMAP_MAYMOVE)) {
		ret = -ENOMEM;
		goto out;
	}
	new_addr = find_gap_default(mm, new_len);
	if (!new_addr) {
		ret = -ENOMEM;
		goto out;
	}
	vma_isolate(mm, old_addr, old_addr + old_len, &i0, &i1);
	vma_move(mm, i0, new_addr, new_len, flags & MREMAP_DONTUNMAP);
	ret = (int64_t)new_addr;
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

/* --- madvise, msync, mincore, mlock ------------------------------------- */

static int check_range(uint64_t addr, uint64_t *len)
{
	if (addr & ~RV_PAGE_MASK)
		return -EINVAL;
	if (*len > MM_MAP_TOP)
		return -ENOMEM;
	*len = rv_page_up(*len);
	if (rv_range_bad(addr, *len) || addr + *len > MM_MAP_TOP)
		return -ENOMEM;
	return 0;
}

int mm_madvise(struct mm *mm, uint64_t addr, uint64_t len, int advice)
{
	size_t i0, i1;
	int rc = 0;
	uint64_t end;

	if (addr & ~RV_PAGE_MASK)
		return -EINVAL;
	switch (advice) {
	case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL:
	case MADV_WILLNEED: case MADV_DONTNEED: case MADV_FREE:
	case MADV_REMOVE: case MADV_DONTFORK: case MADV_DOFORK:
	case MADV_MERGEABLE: case MADV_UNMERGEABLE: case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE: case MADV_DONTDUMP: case MADV_DODUMP:
	case MADV_WIPEONFORK: case MADV_KEEPONFORK: case MADV_COLD:
	case MADV_PAGEOUT: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
		break;
	default:
		return -EINVAL;
	}
	if (len > MM_MAP_TOP)
		return -EINVAL;
	len = rv_page_up(len);
	if (!len)
		return 0;
	if (rv_range_bad(addr, len) || addr + len > MM_MAP_TOP)
		return -ENOMEM;
	end = addr + len;

	pthread_mutex_lock(&mm->lock);
	/* madvise(2): the advice applies to the mapped parts; a hole makes
	 * the call fail with ENOMEM afterwards. */
	bool hole = !vma_covered(mm, addr, end);
	if (!vma_room(mm)) {
		pthread_mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	switch (advice) {
	case MADV_DONTNEED:
	case MADV_FREE:
	case MADV_REMOVE:
		for (size_t i = mm_vma_lower(mm, addr);
		     i < mm->nvma && mm->vmas[i].start < end; i++) {
			struct vma *v = &mm->vmas[i];
			uint64_t s = RV_MAX(v->start, addr);
			uint64_t e = RV_MIN(v->end, end);
			bool shared = v->flags & VMA_SHARED;
			if (v->flags & VMA_LOCKED) {
				rc = -EINVAL;
				break;
			}
			if (advice == MADV_REMOVE && !shared) {
				rc = -EINVAL;
				break;
			}
			if (advice == MADV_FREE && (shared || v->file))
				continue;
			/* Private pages go: the next touch sees zeroes
			 * (anonymous) or the file again. Shared pages are
			 * the memory itself; only the mapping goes. */
			zap_range(mm, s, e,
				  shared && advice != MADV_REMOVE);
		}
		break;
	case MADV_DONTFORK:
	case MADV_DOFORK:
	case MADV_WIPEONFORK:
	case MADV_KEEPONFORK:
		if (advice == MADV_WIPEONFORK) {
			for (size_t i = mm_vma_lower(mm, addr);
			     i < mm->nvma && mm->vmas[i].start < end; i++)
				if (mm->vmas[i].file ||
				    (mm->vmas[i].flags & VMA_SHARED))
					rc = -EINVAL;
			if (rc)
				break;
		}
		vma_isolate(mm, addr, end, &i0, &i1);
		for (size_t i = i0; i < i1; i++) {
			unsigned *f = &mm->vmas[i].flags;
			if (advice == MADV_DONTFORK)
				*f |= VMA_DONTFORK;
			else if (advice == MADV_DOFORK)
				*f &= ~VMA_DONTFORK;
			else if (advice == MADV_WIPEONFORK)
				*f |= VMA_WIPEONFORK;
			else
				*f &= ~VMA_WIPEONFORK;
		}
		vma_merge_range(mm, i0, i1);
		break;
	default:
		break; /* hints without an effect here */
	}
	pthread_mutex_unlock(&mm->lock);
	if (!rc && hole)
		rc = -ENOMEM;
	return rc;
}

/* Write back the shared host-file pages of mm in [addr, addr + len).
 * Shared pages of tmpfs and memfds are the file's own pages: nothing to
 * write back. Host files' pages are a cache: written back here, after
 * the lock, from references taken under it. covered: the range must be
 * mapped whole (msync's ENOMEM). */
static int writeback_range(struct mm *mm, uint64_t addr, uint64_t len,
			   bool covered, bool sync)
{
	pthread_mutex_lock(&mm->lock);
	int rc = !covered || vma_covered(mm, addr, addr + len) ? 0 : -ENOMEM;
	struct wb {
		struct file *f;
		uint64_t off, len;
	} *wb = NULL;
	size_t nwb = 0;
	for (size_t i = 0; !rc && i < mm->nvma; i++) {
		struct vma *v = &mm->vmas[i];
		if (v->end <= addr || v->start >= addr + len)
			continue;
		if (!v->file || !(v->flags & VMA_SHARED) ||
		    !v->file->ops->mmap_writeback)
			continue;
		uint64_t s = RV_MAX(v->start, addr);
		uint64_t e = RV_MIN(v->end, addr + len);
		wb = rv_xrealloc(wb, (nwb + 1) * sizeof(*wb));
		wb[nwb++] = (struct wb){file_get(v->file),
					v->off + (s - v->start), e - s};
	}
	pthread_mutex_unlock(&mm->lock);
	for (size_t i = 0; i < nwb; i++) {
		int r = wb[i].f->ops->mmap_writeback(wb[i].f, wb[i].off,
						     wb[i].len, sync);
		if (r < 0 && !rc)
			rc = r;
		file_put(wb[i].f);
	}
	free(wb);
	return rc;
}

int mm_msync(struct mm *mm, uint64_t addr, uint64_t len, int flags)
{
	int rc;

	if (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	rc = check_range(addr, &len);
	if (rc < 0)
		return rc;
	/* MS_ASYNC writes back too: it costs little and the host sees the
	 * stores sooner. */
	return writeback_range(mm, addr, len, true, flags & MS_SYNC);
}

int mm_writeback_all(struct mm *mm)
{
	return writeback_range(mm, 0, MM_USER_TOP, false, true);
}

int mm_mincore(struct mm *mm, uint64_t addr, uint64_t len, uint64_t vec)
{
	uint8_t buf[512];
	int rc;

	rc = check_range(addr, &len);
	if (rc < 0)
		return rc == -ENOMEM ? -ENOMEM : rc;
	/* mincore(2): the vector is checked before the range. */
	if (len && rv_range_bad(vec, len >> RV_PAGE_SHIFT))
		return -EFAULT;
	for (uint64_t done = 0; done < len;) {
		size_t n = RV_MIN(sizeof(buf), (len - done) >> RV_PAGE_SHIFT);
		uint64_t va = addr + done;

		pthread_mutex_lock(&mm->lock);
		if (!vma_covered(mm, va, va + (n << RV_PAGE_SHIFT))) {
			pthread_mutex_unlock(&mm->lock);
			return -ENOMEM;
		}
		for (size_t k = 0; k < n; k++) {
			uint64_t *e = pt_slot(&mm->pt,
					      va + (k << RV_PAGE_SHIFT), false);
			buf[k] = e && (*e & PTE_PRESENT);
		}
		pthread_mutex_unlock(&mm->lock);
		rc = mm_copy_out(mm, vec + (done >> RV_PAGE_SHIFT), buf, n);
		if (rc < 0)
			return rc;
		done += n << RV_PAGE_SHIFT;
	}
	return 0;
}

/* mlock/munlock: memory is never swapped out here, so only the range
 * check and the VMA flag (which madvise(DONTNEED) honours) remain. */
int mm_mlock(struct mm *mm, uint64_t addr, uint64_t len, bool lock)
{
	size_t i0, i1;
	uint64_t start = rv_page_down(addr);
	int rc = 0;

	if (len > MM_MAP_TOP)
		return -ENOMEM;
	len = rv_page_up(len + (addr - start));
	if (!len)
		return 0;
	if (rv_range_bad(start, len) || start + len > MM_MAP_TOP)
		return -ENOMEM;
	pthread_mutex_lock(&mm->lock);
	if (!vma_covered(mm, start, start + len) || !vma_room(mm)) {
		rc = -ENOMEM;
	} else {
		vma_isolate(mm, start, start + len, &i0, &i1);
		for (size_t i = i0; i < i1; i++) {
			if (lock)
				mm->vmas[i].flags |= VMA_LOCKED;
			else
				mm->vmas[i].flags &= ~VMA_LOCKED;
		}
		vma_merge_range(mm, i0, i1);
	}
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

/* --- brk ---------------------------------------------------------------- */

void mm_set_brk_base(struct mm *mm, uint64_t base)
{
	pthread_mutex_lock(&mm->lock);
	mm->layout.start_brk = mm->layout.brk = base;
	pthread_mutex_unlock(&mm->lock);
}

int64_t mm_brk(struct mm *mm, uint64_t addr)
{
	struct mm_layout *l = &mm->layout;
	uint64_t oldbrk, newbrk;
	int64_t ret;

	pthread_mutex_lock(&mm->lock);
	ret = (int64_t)l->brk;
	/* brk(2) never fails in the kernel: a bad request returns the old
	 * break, which is how glibc detects failure. */
	if (!l->start_brk || addr < l->start_brk || addr > MM_MAP_TOP ||
	    !vma_room(mm))
		goto out;
	oldbrk = rv_page_up(l->brk);
	newbrk = rv_page_up(addr);
	if (newbrk < oldbrk) {
		munmap_locked(mm, newbrk, oldbrk);
	} else if (newbrk > oldbrk) {
		/* Keep a page free below the next mapping, like Linux. */
		if (newbrk + RV_PAGE_SIZE > MM_MAP_TOP ||
		    !range_free(mm, oldbrk, newbrk - oldbrk + RV_PAGE_SIZE,
				true))
			goto out;
		struct vma v = {.start = oldbrk, .end = newbrk,
				.prot = PROT_READ | PROT_WRITE,
				.maxprot = PROT_RWX};
		size_t i = mm_vma_lower(mm, oldbrk);
		vma_insert_at(mm, i, &v);
		vma_merge_range(mm, i, i);
	}
	l->brk = addr;
	ret = (int64_t)addr;
out:
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

/* --- layout, names, exe ------------------------------------------------- */

struct mm_layout *mm_layout(struct mm *mm) { return &mm->layout; }

void mm_set_exe(struct mm *mm, struct file *exe)
{
	if (exe)
		file_get(exe);
	pthread_mutex_lock(&mm->lock);
	struct file *old = mm->exe;
	mm->exe = exe;
	pthread_mutex_unlock(&mm->lock);
	if (old)
		file_put(old);
}

struct file *mm_exe(struct mm *mm) { return mm->exe; }

void mm_set_vma_name(struct mm *mm, uint64_t addr, const char *name)
{
	pthread_mutex_lock(&mm->lock);
	struct vma *v = mm_vma_find(mm, addr);
	if (v) {
		free(v->name);
		v->name = name ? rv_xstrdup(name) : NULL;
	}
	pthread_mutex_unlock(&mm->lock);
}

int mm_map_pages(struct mm *mm, uint64_t addr, size_t npages,
		 uint64_t memfile_off, int prot, bool shared,
		 const char *name)
{
	uint64_t len = (uint64_t)npages << RV_PAGE_SHIFT;
	struct vma v = {.start = addr, .end = addr + len,
			.prot = prot & PROT_RWX,
			.maxprot = shared ? prot & PROT_RWX : PROT_RWX,
			.flags = shared ? VMA_SHARED : 0};

	if (!npages || (addr & ~RV_PAGE_MASK) || (memfile_off & ~RV_PAGE_MASK) ||
	    npages > MM_MAP_TOP >> RV_PAGE_SHIFT || rv_range_bad(addr, len) ||
	    addr + len > MM_MAP_TOP || addr < MM_MIN_ADDR)
		return -EINVAL;
	pthread_mutex_lock(&mm->lock);
	if (!vma_room(mm)) {
		pthread_mutex_unlock(&mm->lock);
		return -ENOMEM;
	}
	munmap_locked(mm, addr, addr + len);
	memfile_incref(memfile_off, npages);
	for (size_t k = 0; k < npages; k++) {
		uint64_t *e = pt_slot(&mm->pt, addr + (k << RV_PAGE_SHIFT), true);
		*e = (memfile_off + (k << RV_PAGE_SHIFT)) | PTE_PRESENT;
	}
	__atomic_fetch_add(&mm->rss_pages, npages, __ATOMIC_RELAXED);
	v.name = name ? rv_xstrdup(name) : NULL;
	size_t i = mm_vma_lower(mm, addr);
	vma_insert_at(mm, i, &v);
	pthread_mutex_unlock(&mm->lock);
	return 0;
}

uint64_t mm_rss_bytes(struct mm *mm)
{
	return __atomic_load_n(&mm->rss_pages, __ATOMIC_RELAXED)
	       << RV_PAGE_SHIFT;
}

uint64_t mm_vsize_bytes(struct mm *mm)
{
	uint64_t sum = 0;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nvma; i++)
		sum += mm->vmas[i].end - mm->vmas[i].start;
	pthread_mutex_unlock(&mm->lock);
	return sum;
}

/* Linux's data_vm: private writable mappings that are not the stack
 * (is_data_mapping()), the pages RLIMIT_DATA limits. */
uint64_t mm_data_bytes(struct mm *mm)
{
	uint64_t sum = 0;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vmas[i];
		if ((v->prot & PROT_WRITE) &&
		    !(v->flags & (VMA_SHARED | VMA_GROWSDOWN)))
			sum += v->end - v->start;
	}
	pthread_mutex_unlock(&mm->lock);
	return sum;
}

/* Does any VMA meet [start, end)? For mbind, which (since Linux 6.x)
 * fails with EFAULT only when the whole range is unmapped. */
bool mm_range_has_vma(struct mm *mm, uint64_t start, uint64_t end)
{
	bool any;

	pthread_mutex_lock(&mm->lock);
	size_t i = mm_vma_lower(mm, start);
	any = i < mm->nvma && mm->vmas[i].start < end &&
	      mm->vmas[i].end > start;
	pthread_mutex_unlock(&mm->lock);
	return any;
}

/* --- fork --------------------------------------------------------------- */

struct fork_walk {
	struct mm *child;
	bool private;
	int prot;          /* the VMA's */
	struct page_batch inc;
	uint64_t mlo, mhi; /* parent pages to write-protect */
	uint64_t cva, coff, cn; /* run of child pages to map */
	int err;
};

/* The pages the parent had mapped are mapped in the child too, read-only
 * when private (as Linux copies the page tables at fork): its first write
 * to one is then a protection fault that the platform can tell is a
 * write, so it copies at once; without the mapping, the ptrace platform
 * cannot tell the first (not-present) fault's access, maps the page
 * read-only, and the write faults a second time. Reads then do not fault
 * at all. One as_map per run contiguous in the memory file. */
static void fork_map_flush(struct fork_walk *f)
{
	if (!f->cn)
		return;
	int prot = f->private ? f->prot & ~PROT_WRITE : f->prot;
	int rc = mm_as_map(f->child, f->cva, f->cn << RV_PAGE_SHIFT, f->coff,
			   prot);
	if (rc < 0) {
		f->err = rc;
	} else {
		for (uint64_t k = 0; k < f->cn; k++)
			*pt_slot(&f->child->pt, f->cva + (k << RV_PAGE_SHIFT),
				 false) |= PTE_MAPPED |
					   (prot & PROT_WRITE ? PTE_MAPW : 0);
	}
	f->cn = 0;
}

static int fork_one(uint64_t va, uint64_t *pte, void *arg)
{
	struct fork_walk *f = arg;
	uint64_t *dst = pt_slot(&f->child->pt, va, true);

	page_batch_add(&f->inc, pte_off(*pte));
	*dst = pte_off(*pte) | PTE_PRESENT;
	f->child->rss_pages++;
	if ((*pte & PTE_MAPPED) && f->prot && !f->err) {
		if (f->cn && va == f->cva + (f->cn << RV_PAGE_SHIFT) &&
		    pte_off(*pte) == f->coff + (f->cn << RV_PAGE_SHIFT)) {
			f->cn++;
		} else {
			fork_map_flush(f);
			f->cva = va;
			f->coff = pte_off(*pte);
			f->cn = 1;
		}
	}
	/* A private page now has two owners: the parent's writable mapping
	 * must go read-only so its next write copies. */
	if (f->private && (*pte & PTE_MAPW)) {
		*pte &= ~PTE_MAPW;
		if (f->mlo > va)
			f->mlo = va;
		f->mhi = va + RV_PAGE_SIZE;
	}
	return 0;
}

struct mm *mm_fork(struct mm *parent)
{
	struct mm *child = mm_create(parent->plat);

	if (!child)
		return NULL;
	pthread_mutex_lock(&parent->lock);
	for (size_t i = 0; i < parent->nvma; i++) {
		struct vma *v = &parent->vmas[i];
		if (v->flags & VMA_DONTFORK)
			continue;
		struct vma c = vma_dup(v);
		vma_insert_at(child, child->nvma, &c);
		if (v->flags & VMA_WIPEONFORK)
			continue; /* the child sees fresh zero pages */
		/* Shared anonymous memory has no object behind it but its
		 * pages: allocate them all now, or pages first touched
		 * after fork would not be shared. */
		if ((v->flags & VMA_SHARED) && !v->file &&
		    mm_populate_locked(parent, v, v->start, v->end) < 0) {
			pthread_mutex_unlock(&parent->lock);
			mm_put(child);
			return NULL;
		}
		struct fork_walk f = {.child = child,
				      .private = !(v->flags & VMA_SHARED),
				      .prot = v->prot,
				      .inc = {.inc = true},
				      .mlo = UINT64_MAX};
		pt_walk(&parent->pt, v->start, v->end, fork_one, &f);
		page_batch_flush(&f.inc);
		fork_map_flush(&f);
		if (f.err) {
			pthread_mutex_unlock(&parent->lock);
			mm_put(child);
			return NULL;
		}
		if (f.mhi > f.mlo) {
			int rc = mm_as_protect(parent, f.mlo, f.mhi - f.mlo,
					       v->prot & ~PROT_WRITE);
			if (rc < 0)
				rv_panic("mm: platform protect failed: %d",
					 rc);
		}
	}
	child->layout = parent->layout;
	child->mmap_base = parent->mmap_base;
	if (parent->exe)
		child->exe = file_get(parent->exe);
	pthread_mutex_unlock(&parent->lock);
	return child;
}

/* --- /proc/[pid]/maps --------------------------------------------------- */

/* /proc/[pid]/smaps: what the pages present in a VMA add up to. Pss
 * shares each page among the mappings holding a reference to it (the
 * memory file's refcount, as Linux's page mapcount), in 1/4096 kB units
 * like Linux's PSS_SHIFT so that the sum rounds the same way. */
struct smaps_acc {
	uint64_t rss, pss_x, shared, priv, dirty_shared, dirty_priv, anon;
	bool dirty_vma, anon_vma;
};

static int smaps_page(uint64_t va, uint64_t *pte, void *arg)
{
	struct smaps_acc *a = arg;
	(void)va;
	if (!(*pte & PTE_PRESENT))
		return 0;
	uint32_t ref = memfile_refcount(pte_off(*pte));
	if (!ref)
		ref = 1;
	/* Anonymous memory and pages of a writable mapping are counted
	 * dirty: the sentry keeps no dirty bit, and such pages are (or
	 * may be) the app's own data, as Linux's are once written. */
	bool dirty = a->dirty_vma || (*pte & PTE_MAPW);
	a->rss += RV_PAGE_SIZE;
	a->pss_x += ((uint64_t)RV_PAGE_SIZE << 12) / ref;
	if (ref > 1) {
		a->shared += RV_PAGE_SIZE;
		a->dirty_shared += dirty ? RV_PAGE_SIZE : 0;
	} else {
		a->priv += RV_PAGE_SIZE;
		a->dirty_priv += dirty ? RV_PAGE_SIZE : 0;
	}
	if (a->anon_vma)
		a->anon += RV_PAGE_SIZE;
	return 0;
}

static size_t smaps_block(char *out, size_t cap, uint64_t size,
			  const struct smaps_acc *a, const char *vmflags,
			  bool rollup)
{
	uint64_t pss_dirty = a->dirty_priv + a->dirty_shared; /* approx */
	if (pss_dirty > a->pss_x >> 12)
		pss_dirty = a->pss_x >> 12;
	int n = 0;
	if (!rollup)
		n += snprintf(out + n, cap - n,
			      "Size:           %8lu kB\n"
			      "KernelPageSize: %8d kB\n"
			      "MMUPageSize:    %8d kB\n",
			      (unsigned long)(size >> 10),
			      (int)(RV_PAGE_SIZE >> 10),
			      (int)(RV_PAGE_SIZE >> 10));
	n += snprintf(out + n, cap - n,
		      "Rss:            %8lu kB\n"
		      "Pss:            %8lu kB\n"
		      "Pss_Dirty:      %8lu kB\n",
		      (unsigned long)(a->rss >> 10),
		      (unsigned long)(a->pss_x >> 22),
		      (unsigned long)(pss_dirty >> 10));
	if (rollup) {
		uint64_t pss_anon = a->rss ? (a->pss_x >> 12) * (a->anon >> 10) /
						     (a->rss >> 10) : 0;
		n += snprintf(out + n, cap - n,
			      "Pss_Anon:       %8lu kB\n"
			      "Pss_File:       %8lu kB\n"
			      "Pss_Shmem:      %8d kB\n",
			      (unsigned long)(pss_anon >> 10),
			      (unsigned long)(((a->pss_x >> 12) - pss_anon) >> 10),
			      0);
	}
	n += snprintf(out + n, cap - n,
		      "Shared_Clean:   %8lu kB\n"
		      "Shared_Dirty:   %8lu kB\n"
		      "Private_Clean:  %8lu kB\n"
		      "Private_Dirty:  %8lu kB\n"
		      "Referenced:     %8lu kB\n"
		      "Anonymous:      %8lu kB\n"
		      "KSM:                   0 kB\n"
		      "LazyFree:              0 kB\n"
		      "AnonHugePages:         0 kB\n"
		      "ShmemPmdMapped:        0 kB\n"
		      "FilePmdMapped:         0 kB\n"
		      "Shared_Hugetlb:        0 kB\n"
		      "Private_Hugetlb:       0 kB\n"
		      "Swap:                  0 kB\n"
		      "SwapPss:               0 kB\n"
		      "Locked:                0 kB\n",
		      (unsigned long)((a->shared - a->dirty_shared) >> 10),
		      (unsigned long)(a->dirty_shared >> 10),
		      (unsigned long)((a->priv - a->dirty_priv) >> 10),
		      (unsigned long)(a->dirty_priv >> 10),
		      (unsigned long)(a->rss >> 10),
		      (unsigned long)(a->anon >> 10));
	if (!rollup)
		n += snprintf(out + n, cap - n,
			      "THPeligible:           0\nVmFlags: %s\n",
			      vmflags);
	return n < 0 ? 0 : RV_MIN((size_t)n, cap - 1);
}

/* show_smap_vma_flags(): the two-letter names of the flags that apply. */
static void smaps_vmflags(const struct vma *v, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s%s%s%s%s",
		 v->prot & PROT_READ ? "rd " : "",
		 v->prot & PROT_WRITE ? "wr " : "",
		 v->prot & PROT_EXEC ? "ex " : "",
		 v->flags & VMA_SHARED ? "sh " : "",
		 v->maxprot & PROT_READ ? "mr " : "",
		 v->maxprot & PROT_WRITE ? "mw " : "",
		 v->maxprot & PROT_EXEC ? "me " : "",
		 v->flags & VMA_GROWSDOWN ? "gd " : "",
		 v->flags & VMA_LOCKED ? "lo " : "");
	if (v->flags & VMA_DONTFORK)
		strncat(out, "dc ", cap - strlen(out) - 1);
	/* VM_ACCOUNT: accountable_mapping(), private and writable */
	if (!(v->flags & VMA_SHARED) && (v->prot & PROT_WRITE))
		strncat(out, "ac ", cap - strlen(out) - 1);
	if (v->flags & VMA_WIPEONFORK)
		strncat(out, "wf ", cap - strlen(out) - 1);
}

static size_t format_vmas(struct mm *mm, char *buf, size_t len, int mode);

size_t mm_format_maps(struct mm *mm, char *buf, size_t len)
{
	return format_vmas(mm, buf, len, 0);
}

size_t mm_format_smaps(struct mm *mm, char *buf, size_t len, bool rollup)
{
	return format_vmas(mm, buf, len, rollup ? 2 : 1);
}

/* mode 0: maps; 1: smaps; 2: smaps_rollup (one block for all VMAs). */
static size_t format_vmas(struct mm *mm, char *buf, size_t len, int mode)
{
	size_t pos = 0;
	char line[PATH_MAX + 1280], path[PATH_MAX];
	struct smaps_acc total = {0};

	if (!len)
		return 0;
	buf[0] = 0;
	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nvma; i++) {
		struct vma *v = &mm->vmas[i];
		struct kstat st = {0};
		const char *name = v->name;
		uint64_t off = 0;
		int n;

		if (v->file) {
			off = v->off;
			if (vfs_fstat(v->file, &st) < 0)
				memset(&st, 0, sizeof(st));
			if (vfs_file_path(v->file, path, sizeof(path)) >= 0)
				name = path;
		} else if (!name && v->start <= mm->layout.brk &&
			   v->end >= mm->layout.start_brk &&
			   mm->layout.start_brk) {
			name = "[heap]"; /* as Linux decides it */
		}
		/* show_map_vma(): padded to 72 columns, a space, the name. */
		n = snprintf(line, sizeof(line),
			     "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ",
			     (unsigned long)v->start, (unsigned long)v->end,
			     v->prot & PROT_READ ? 'r' : '-',
			     v->prot & PROT_WRITE ? 'w' : '-',
			     v->prot & PROT_EXEC ? 'x' : '-',
			     v->flags & VMA_SHARED ? 's' : 'p',
			     (unsigned long long)off, major(st.dev),
			     minor(st.dev), (unsigned long)st.ino);
		if (name)
			n += snprintf(line + n, sizeof(line) - n, "%*s%s",
				      n < 72 ? 72 - n + 1 : 1, "", name);
		n += snprintf(line + n, sizeof(line) - n, "\n");
		if (n < 0 || (size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
		if (mode) {
			struct smaps_acc a = {
				.dirty_vma = !v->file && !(v->flags & VMA_SHARED),
				.anon_vma = !v->file,
			};
			char fl[64];
			pt_walk(&mm->pt, v->start, v->end, smaps_page, &a);
			if (mode == 2) {
				total.rss += a.rss;
				total.pss_x += a.pss_x;
				total.shared += a.shared;
				total.priv += a.priv;
				total.dirty_shared += a.dirty_shared;
				total.dirty_priv += a.dirty_priv;
				total.anon += a.anon;
				continue;
			}
			smaps_vmflags(v, fl, sizeof(fl));
			n += smaps_block(line + n, sizeof(line) - n,
					 v->end - v->start, &a, fl, false);
		}
		/* Too small: fill the buffer (snprintf-like), so that a
		 * return of len - 1 tells the caller to retry bigger. */
		if (pos + n + 1 > len) {
			memcpy(buf + pos, line, len - 1 - pos);
			pos = len - 1;
			buf[pos] = 0;
			break;
		}
		memcpy(buf + pos, line, n + 1);
		pos += n;
	}
	if (mode == 2) {
		/* show_smaps_rollup(): the span of all VMAs, named. */
		uint64_t lo = mm->nvma ? mm->vmas[0].start : 0;
		uint64_t hi = mm->nvma ? mm->vmas[mm->nvma - 1].end : 0;
		int n = snprintf(line, sizeof(line),
				 "%08lx-%08lx ---p 00000000 00:00 0",
				 (unsigned long)lo, (unsigned long)hi);
		n += snprintf(line + n, sizeof(line) - n, "%*s[rollup]\n",
			      n < 72 ? 72 - n + 1 : 1, "");
		n += smaps_block(line + n, sizeof(line) - n, 0, &total, "",
				 true);
		if (pos + n + 1 > len) {
			memcpy(buf + pos, line, len - 1 - pos);
			pos = len - 1;
			buf[pos] = 0;
		} else {
			memcpy(buf + pos, line, n + 1);
			pos += n;
		}
	}
	pthread_mutex_unlock(&mm->lock);
	return pos;
}
