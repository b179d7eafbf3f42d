/* Page faults and the sentry's access to application memory.
 *
 * Both go through the page table: a page is either absent (never touched,
 * or dropped), present in the memory file, or present and also mapped into
 * the platform address space (PTE_MAPPED, with PTE_MAPW when writable
 * there). Private pages shared after fork (memory file refcount > 1) are
 * mapped read-only; the first write copies them. */
#include "sentry/mm/mm_internal.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "sentry/mm/memfile.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

#define FILL_SIGBUS 1 /* fill_range: the page lies beyond end of file */

/* Where faults go, printed under --debug when the sentry exits: the
 * figures that show whether start-up time is faults, file reads or
 * platform maps. Relaxed atomics: tasks of different mms fault at once. */
static struct {
	uint64_t faults, fault_ns, anon_pages, file_reads, file_bytes,
		file_ns, cache_pages, maps, map_pages, map_ns, cows, upgrades,
		spurious, exec_pages, around_pages;
} mm_st;
#define ST_ADD(f, n) __atomic_fetch_add(&mm_st.f, (n), __ATOMIC_RELAXED)

static __attribute__((destructor)) void mm_stats_print(void)
{
	if (!rv_debug || !mm_st.faults)
		return;
	rv_dbg("mm: %lu faults (%lu us), %lu anon pages, %lu file reads "
	       "(%lu KiB, %lu us), %lu cached file pages, %lu maps (%lu "
	       "pages, %lu us), %lu cow, %lu upgrades, %lu spurious, %lu "
	       "pages read at exec, %lu cached pages mapped ahead",
	       mm_st.faults, mm_st.fault_ns / 1000, mm_st.anon_pages,
	       mm_st.file_reads, mm_st.file_bytes >> 10, mm_st.file_ns / 1000,
	       mm_st.cache_pages, mm_st.maps, mm_st.map_pages,
	       mm_st.map_ns / 1000, mm_st.cows, mm_st.upgrades,
	       mm_st.spurious, mm_st.exec_pages, mm_st.around_pages);
}

static const uint8_t *zero_page;
static pthread_once_t zero_once = PTHREAD_ONCE_INIT;

/* Reads of never-touched anonymous memory see this page instead of
 * allocating one. Read-only, so a sentry bug writing through a read
 * iovec crashes loudly instead of corrupting every zero read. */
static void zero_page_init(void)
{
	void *p = mmap(NULL, RV_PAGE_SIZE, PROT_READ,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		rv_panic("mm: cannot map the zero page");
	zero_page = p;
}

/* Protection to map a present page with: a private page with other owners
 * stays read-only until a write copies it. */
static int page_prot(const struct vma *v, uint64_t pte)
{
	if (!(v->flags & VMA_SHARED) && (v->prot & PROT_WRITE) &&
	    memfile_refcount(pte_off(pte)) > 1)
		return v->prot & ~PROT_WRITE;
	return v->prot;
}

static bool pte_absent(struct mm *mm, uint64_t va)
{
	uint64_t *e = pt_slot(&mm->pt, va, false);
	return !e || !*e;
}

static void install(struct mm *mm, uint64_t va, uint64_t off)
{
	uint64_t *e = pt_slot(&mm->pt, va, true);

	RV_BUG_ON(*e);
	*e = off | PTE_PRESENT;
	__atomic_fetch_add(&mm->rss_pages, 1, __ATOMIC_RELAXED); /* /proc reads it unlocked */
}

/* Does v map its file's cached pages (get_page) rather than copies read
 * with read()? A file whose pages are a cache of another store (host
 * files) maps them shared only: a private mapping reads its own copy, so
 * that the cache lives only as long as shared mappings need it. A file
 * whose pages cannot change (private_copy: read-only host trees) shares
 * them with read-only private mappings (mprotect to writable then copies
 * on write), but a writable private mapping reads its own copy at once:
 * sharing would cost a fault per written page. */
static bool maps_file_cache(const struct vma *v)
{
	bool priv_w = !(v->flags & VMA_SHARED) && (v->prot & PROT_WRITE);

	return v->file && v->file->ops->get_page &&
	       ((v->flags & VMA_SHARED) || !v->file->ops->mmap_writeback) &&
	       !(priv_w && v->file->ops->private_copy);
}

/* Mappings of a file whose pages live in the memory file (tmpfs, memfd):
 * the file's own pages. Shared mappings write them; private ones map them
 * read-only (the page has the file's reference too) and copy on the first
 * write, so an unmodified private page still sees later writes to the
 * file, as with Linux's page cache. */
static int fill_file_pages(struct mm *mm, struct vma *v, uint64_t ws,
			    uint64_t we, uint64_t must)
{
	for (uint64_t va = ws; va < we; va += RV_PAGE_SIZE) {
		uint64_t off;
		int rc;

		if (!pte_absent(mm, va))
			continue;
		rc = v->file->ops->get_page(v->file,
					    (v->off + (va - v->start)) >>
						    RV_PAGE_SHIFT,
					    (v->flags & VMA_SHARED) &&
						    (v->prot & PROT_WRITE),
					    &off);
		if (rc < 0) {
			/* Beyond end of file (or an I/O error): SIGBUS for
			 * the page the app touched, nothing for the rest. */
			if (va == rv_page_down(must))
				return rc == -ENOMEM ? -ENOMEM : FILL_SIGBUS;
			continue;
		}
		install(mm, va, off);
		ST_ADD(cache_pages, 1);
	}
	return 0;
}

/* Make every page of [ws, we) (within v) present: anonymous ones zero,
 * private file ones read from the file. Missing pages are allocated as
 * one memory file run so that one as_map covers them. Returns 0,
 * FILL_SIGBUS when must's page lies beyond end of file, or -ENOMEM. */
static int fill_range(struct mm *mm, struct vma *v, uint64_t ws, uint64_t we,
		      uint64_t must)
{
	uint64_t missing = 0, k = 0;
	int64_t base;
	int ret = 0;

	if (maps_file_cache(v))
		return fill_file_pages(mm, v, ws, we, must);
	for (uint64_t va = ws; va < we; va += RV_PAGE_SIZE)
		missing += pte_absent(mm, va);
	if (!missing)
		return 0;
	base = memfile_alloc(missing);
	if (base < 0) {
		/* Memory is short: settle for the one page needed. */
		if (!pte_absent(mm, must))
			return 0;
		ws = rv_page_down(must);
		we = ws + RV_PAGE_SIZE;
		base = memfile_alloc(1);
		if (base < 0)
			return -ENOMEM;
	}
	for (uint64_t va = ws; va < we;) {
		uint64_t rs, roff, rlen, valid;

		if (!pte_absent(mm, va)) {
			va += RV_PAGE_SIZE;
			continue;
		}
		rs = va;
		roff = base + (k << RV_PAGE_SHIFT);
		while (va < we && pte_absent(mm, va)) {
			va += RV_PAGE_SIZE;
			k++;
		}
		rlen = va - rs;
		valid = rlen;
		if (v->file) {
			/* Fresh pages are zero: a short read leaves the
			 * tail of the last file page zeroed, as Linux does. */
			uint64_t t0 = rv_debug ? rv_now_ns() : 0;
			/* Fresh memory-file pages are not yet in the
			 * sentry's page table: the copy below would take a
			 * host page fault per 4 KiB page (1600 for python's
			 * start). One madvise allocates and maps the run;
			 * failure only costs the faults. */
			madvise(memfile_ptr(roff), rlen, MADV_POPULATE_WRITE);
			ssize_t r = vfs_pread(v->file, memfile_ptr(roff), rlen,
					      v->off + (rs - v->start));
			valid = r < 0 ? 0 : rv_page_up((uint64_t)r);
			/* The app reaches the pages through its own mapping
			 * (ptrace): not the sentry's too (memfile.h). */
			memfile_drop_ptes(roff, rlen);
			if (rv_debug) {
				ST_ADD(file_ns, rv_now_ns() - t0);
				ST_ADD(file_reads, 1);
				ST_ADD(file_bytes, r < 0 ? 0 : (uint64_t)r);
			}
		} else {
			ST_ADD(anon_pages, rlen >> RV_PAGE_SHIFT);
		}
		for (uint64_t o = 0; o < valid; o += RV_PAGE_SIZE)
			install(mm, rs + o, roff + o);
		if (valid < rlen) {
			memfile_decref(roff + valid,
				       (rlen - valid) >> RV_PAGE_SHIFT);
			if (must >= rs + valid && must < rs + rlen)
				ret = FILL_SIGBUS;
		}
	}
	return ret;
}

int mm_populate_locked(struct mm *mm, struct vma *v, uint64_t start,
		       uint64_t end)
{
	const uint64_t step = 512 * RV_PAGE_SIZE;

	for (uint64_t s = start; s < end; s += step) {
		uint64_t e = end - s > step ? s + step : end;
		if (fill_range(mm, v, s, e, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void mark_mapped(struct mm *mm, uint64_t va, uint64_t n, int prot)
{
	for (uint64_t k = 0; k < n; k++) {
		uint64_t *e = pt_slot(&mm->pt, va + (k << RV_PAGE_SHIFT),
				      false);
		*e |= PTE_MAPPED | (prot & PROT_WRITE ? PTE_MAPW : 0);
	}
}

/* Map the present, not yet mapped pages of [ws, we) into the platform:
 * one as_map per run that is contiguous in the memory file and has one
 * protection. */
static int map_range(struct mm *mm, struct vma *v, uint64_t ws, uint64_t we)
{
	uint64_t rs = 0, roff = 0, n = 0;
	int rprot = 0;

	if (!v->prot)
		return 0;
	for (uint64_t va = ws; va <= we; va += RV_PAGE_SIZE) {
		uint64_t *e = va < we ? pt_slot(&mm->pt, va, false) : NULL;
		bool ok = e && (*e & PTE_PRESENT) && !(*e & PTE_MAPPED);
		int p = ok ? page_prot(v, *e) : 0;

		if (n && ok && pte_off(*e) == roff + (n << RV_PAGE_SHIFT) &&
		    p == rprot) {
			n++;
			continue;
		}
		if (n) {
			uint64_t t0 = rv_debug ? rv_now_ns() : 0;
			int rc = mm_as_map(mm, rs, n << RV_PAGE_SHIFT, roff,
					   rprot);
			if (rv_debug) {
				ST_ADD(map_ns, rv_now_ns() - t0);
				ST_ADD(maps, 1);
				ST_ADD(map_pages, n);
			}
			if (rc < 0)
				return rc;
			mark_mapped(mm, rs, n, rprot);
			n = 0;
		}
		if (ok) {
			rs = va;
			roff = pte_off(*e);
			rprot = p;
			n = 1;
		}
	}
	return 0;
}

/* Install the pages of [ws, we) in v (a mapping of its file's cache)
 * that are absent here and that the file's cache already holds: never a
 * read or an allocation. */
static void install_cached(struct mm *mm, struct vma *v, uint64_t ws,
			   uint64_t we)
{
	size_t (*peek)(struct file *, uint64_t, size_t, uint64_t *) =
		v->file->ops->peek_pages;
	uint64_t offs[64];

	for (uint64_t va = ws; va < we;) {
		uint64_t rs = va;
		size_t n = 0;

		while (va < we && n < RV_ARRAY_SIZE(offs) &&
		       pte_absent(mm, va)) {
			va += RV_PAGE_SIZE;
			n++;
		}
		if (!n) {
			va += RV_PAGE_SIZE;
			continue;
		}
		if (!peek(v->file, (v->off + (rs - v->start)) >> RV_PAGE_SHIFT,
			  n, offs))
			continue;
		for (size_t k = 0; k < n; k++) {
			if (offs[k] == UINT64_MAX)
				continue;
			install(mm, rs + (k << RV_PAGE_SHIFT), offs[k]);
			ST_ADD(around_pages, 1);
		}
	}
}

/* Exec looks at no more pages than this (128 MiB) for mm_map_present. */
#define EXEC_MAP_MAX_PAGES 32768
/* A read-only segment of the program this small (1 MiB) is read whole at
 * exec: a fault per 64 KiB costs more than reading the rest of it. */
#define EXEC_READ_MAX_PAGES 256

void mm_map_present(struct mm *mm)
{
	uint64_t budget = EXEC_MAP_MAX_PAGES;

	pthread_mutex_lock(&mm->lock);
	for (size_t i = 0; i < mm->nvma && budget; i++) {
		struct vma *v = &mm->vmas[i];
		uint64_t end;

		if (!v->prot)
			continue;
		end = v->end - v->start > (budget << RV_PAGE_SHIFT)
			      ? v->start + (budget << RV_PAGE_SHIFT)
			      : v->end;
		budget -= (end - v->start) >> RV_PAGE_SHIFT;
		const struct file_operations *ops =
			v->file ? v->file->ops : NULL;
		bool read = ops && ops->private_copy &&
			    !(v->prot & PROT_WRITE) &&
			    v->end - v->start <=
				    (EXEC_READ_MAX_PAGES << RV_PAGE_SHIFT);
		if (maps_file_cache(v) && read) {
			for (uint64_t va = v->start; va < end;
			     va += RV_PAGE_SIZE) {
				uint64_t off;

				if (!pte_absent(mm, va) ||
				    ops->get_page(v->file,
						  (v->off + (va - v->start)) >>
							  RV_PAGE_SHIFT,
						  false, &off))
					continue;
				install(mm, va, off);
				ST_ADD(exec_pages, 1);
			}
		} else if (maps_file_cache(v) && ops->peek_pages) {
			install_cached(mm, v, v->start, end);
		}
		/* A failure only leaves the pages to the faults. */
		if (map_range(mm, v, v->start, end) < 0)
			break;
	}
	pthread_mutex_unlock(&mm->lock);
}

/* The chunk of pages handled together around va. */
static void chunk_window(const struct vma *v, uint64_t va, uint64_t *ws,
			 uint64_t *we)
{
	const uint64_t chunk = MM_CHUNK_PAGES * RV_PAGE_SIZE;
	uint64_t s = va & ~(chunk - 1);

	*ws = RV_MAX(s, v->start);
	*we = RV_MIN(s + chunk, v->end);
}

/* The window of fault-around: MM_AROUND_PAGES aligned, within v. */
static void around_window(const struct vma *v, uint64_t va, uint64_t *ws,
			  uint64_t *we)
{
	const uint64_t w = MM_AROUND_PAGES * RV_PAGE_SIZE;
	uint64_t s = va & ~(w - 1);

	*ws = RV_MAX(s, v->start);
	*we = RV_MIN(s + w, v->end);
}

/* The VMA containing addr, growing a growsdown stack down to it when addr
 * is below one (Linux's expand_stack: within RLIMIT_STACK, and never into
 * the guard gap above the previous mapping). */
static struct vma *vma_find_expand(struct mm *mm, uint64_t addr)
{
	struct vma *v = mm_vma_find(mm, addr), *prev;
	size_t i;
	uint64_t start = rv_page_down(addr);

	if (v)
		return v;
	i = mm_vma_lower(mm, addr);
	if (i == mm->nvma)
		return NULL;
	v = &mm->vmas[i];
	if (!(v->flags & VMA_GROWSDOWN) || v->file)
		return NULL;
	if (v->end - start > MM_STACK_MAX || start < MM_MIN_ADDR)
		return NULL;
	prev = i ? &mm->vmas[i - 1] : NULL;
	if (prev && (start < prev->end ||
		     start - prev->end < MM_STACK_GUARD))
		return NULL;
	v->start = start;
	return v;
}

/* Give a private page of v its own copy when others share it. On return
 * *e is the page to write; a platform mapping of the old page is replaced
 * by the new one, writable. 0 or -ENOMEM. */
static int cow_break(struct mm *mm, struct vma *v, uint64_t va, uint64_t *e)
{
	uint64_t old = pte_off(*e);
	int64_t n;

	if ((v->flags & VMA_SHARED) || memfile_refcount(old) <= 1)
		return 0;
	n = memfile_alloc(1);
	if (n < 0)
		return -ENOMEM;
	ST_ADD(cows, 1);
	memcpy(memfile_ptr(n), memfile_ptr(old), RV_PAGE_SIZE);
	bool mapped = *e & PTE_MAPPED;
	*e = (uint64_t)n | PTE_PRESENT;
	if (mapped) {
		int rc = mm_as_map(mm, rv_page_down(va), RV_PAGE_SIZE, n,
				   v->prot);
		if (rc < 0)
			rv_panic("mm: platform map failed: %d", rc);
		*e |= PTE_MAPPED | (v->prot & PROT_WRITE ? PTE_MAPW : 0);
	}
	/* Only now: the old page must stay alive while still mapped. */
	memfile_decref(old, 1);
	return 0;
}

/* Make the mapped, read-only, private pages around va that have no other
 * owner writable again (after mprotect, or after fork once the other side
 * copied or exited): one as_protect for the run. */
static int upgrade_run(struct mm *mm, struct vma *v, uint64_t va)
{
	uint64_t ws, we, s, e;

	chunk_window(v, va, &ws, &we);
#define UPGRADABLE(a)                                                       \
	({                                                                  \
		uint64_t *_e = pt_slot(&mm->pt, (a), false);                \
		_e && (*_e & PTE_MAPPED) && !(*_e & PTE_MAPW) &&            \
			memfile_refcount(pte_off(*_e)) == 1;                \
	})
	s = rv_page_down(va);
	while (s > ws && UPGRADABLE(s - RV_PAGE_SIZE))
		s -= RV_PAGE_SIZE;
	e = rv_page_down(va) + RV_PAGE_SIZE;
	while (e < we && UPGRADABLE(e))
		e += RV_PAGE_SIZE;
#undef UPGRADABLE
	int rc = mm_as_protect(mm, s, e - s, v->prot);
	if (rc < 0)
		return rc;
	ST_ADD(upgrades, 1);
	for (uint64_t a = s; a < e; a += RV_PAGE_SIZE)
		*pt_slot(&mm->pt, a, false) |= PTE_MAPW;
	return 0;
}

/* The same address faulting again and again with nothing to fix is a real
 * violation the platform could not classify, not a race. Per task thread. */
static __thread uint64_t spurious_addr;
static __thread int spurious_count;
static __thread bool spurious_hit;
#define SPURIOUS_MAX 3

static int spurious(uint64_t addr, int *code)
{
	spurious_hit = true;
	ST_ADD(spurious, 1);
	if (spurious_addr != rv_page_down(addr)) {
		spurious_addr = rv_page_down(addr);
		spurious_count = 0;
	}
	if (++spurious_count < SPURIOUS_MAX)
		return 0;
	spurious_count = 0;
	*code = SEGV_ACCERR;
	return SIGSEGV;
}

static int fault_locked(struct mm *mm, uint64_t addr, int access,
			bool present, int *code)
{
	struct vma *v = vma_find_expand(mm, addr);
	uint64_t ws, we, *e;
	int allowed, rc;

	if (!v) {
		*code = SEGV_MAPERR;
		return SIGSEGV;
	}
	/* x86 cannot map write-only or execute-only pages. */
	allowed = v->prot ? v->prot | PROT_READ : 0;
	if (!allowed || (access & ~allowed)) {
		*code = SEGV_ACCERR;
		return SIGSEGV;
	}
	chunk_window(v, addr, &ws, &we);
	e = pt_slot(&mm->pt, addr, false);
	if (!e || !*e) {
		uint64_t pg = rv_page_down(addr);
		if (pg == mm->seq_next) {
			mm->seq_pages = RV_MIN(mm->seq_pages * 2,
					       MM_CHUNK_MAX_PAGES);
			ws = pg;
			we = v->end - pg > (mm->seq_pages << RV_PAGE_SHIFT)
				     ? pg + (mm->seq_pages << RV_PAGE_SHIFT)
				     : v->end;
		} else {
			mm->seq_pages = MM_CHUNK_PAGES;
		}
		/* A window cut short by the end of its VMA does not start
		 * a run: a heap one page long, grown by brk and touched
		 * again after it, is not a sequential sweep (each static
		 * program's start, where it cost 64 KiB of zero pages). */
		mm->seq_next = we == v->end && we - ws < (MM_CHUNK_PAGES
							  << RV_PAGE_SHIFT)
				       ? 0
				       : we;
		rc = fill_range(mm, v, ws, we, addr);
		if (rc == FILL_SIGBUS) {
			*code = BUS_ADRERR;
			return SIGBUS;
		}
		if (rc < 0)
			goto oom;
		e = pt_slot(&mm->pt, addr, false);
	}
	bool want_write = (v->prot & PROT_WRITE) &&
			  (access == 0 || (access & PLATFORM_ACC_WRITE));
	if (!(*e & PTE_MAPPED)) {
		if (access & PLATFORM_ACC_WRITE) {
			if (cow_break(mm, v, addr, e) < 0)
				goto oom;
		}
		/* Fault-around: also map what is already in memory in a
		 * wider window, never reading or allocating for it: pages
		 * of the file's cache (a library another process loaded),
		 * and present pages not yet mapped here (a forked child's
		 * copy-on-write pages, read-only until written). */
		uint64_t aws, awe;
		around_window(v, addr, &aws, &awe);
		if (maps_file_cache(v) && v->file->ops->peek_pages)
			install_cached(mm, v, aws, awe);
		if (map_range(mm, v, RV_MIN(ws, aws), RV_MAX(we, awe)) < 0)
			goto oom;
		return 0;
	}
	if (!present) {
		/* Mapped, yet the hardware found nothing: another thread of
		 * this mm mapped it after this fault was taken (or the
		 * platform lost it). Map the page again and retry. */
		int p = *e & PTE_MAPW ? v->prot : v->prot & ~PROT_WRITE;
		if (p && mm_as_map(mm, rv_page_down(addr), RV_PAGE_SIZE,
				   pte_off(*e), p) < 0)
			goto oom;
		return spurious(addr, code);
	}
	if (want_write && !(*e & PTE_MAPW)) {
		if (v->flags & VMA_SHARED) {
			rc = mm_as_protect(mm, rv_page_down(addr),
					   RV_PAGE_SIZE, v->prot);
			*e |= PTE_MAPW;
		} else if (memfile_refcount(pte_off(*e)) > 1) {
			rc = cow_break(mm, v, addr, e);
		} else {
			rc = upgrade_run(mm, v, addr);
		}
		if (rc < 0)
			goto oom;
		return 0;
	}
	/* Mapped with everything the VMA allows (a forbidden access the
	 * platform classified was refused above). Either another thread
	 * upgraded the page (copy-on-write, mprotect) after this fault was
	 * taken, or the access is one the platform could not classify:
	 * retry, and call it SEGV_ACCERR when it repeats. */
	return spurious(addr, code);
oom:
	/* Out of memory (or the platform failed to map): Linux's OOM
	 * killer would take the process. */
	*code = 0;
	return SIGKILL;
}

int mm_handle_fault(struct mm *mm, uint64_t addr, int access, bool present,
		    int *code)
{
	int sig;

	if (addr >= MM_USER_TOP) {
		*code = SEGV_MAPERR;
		return SIGSEGV;
	}
	uint64_t t0 = rv_debug ? rv_now_ns() : 0;
	pthread_mutex_lock(&mm->lock);
	spurious_hit = false;
	sig = fault_locked(mm, addr, access, present, code);
	if (!spurious_hit)
		spurious_count = 0; /* only consecutive ones count */
	pthread_mutex_unlock(&mm->lock);
	ST_ADD(faults, 1);
	if (rv_debug)
		ST_ADD(fault_ns, rv_now_ns() - t0);
	return sig;
}

/* --- the sentry's access to app memory ---------------------------------- */

/* The sentry pointer to the page holding va, for reading or writing, with
 * the VMA's permissions. Reads of untouched anonymous memory see the zero
 * page; writes allocate and copy-on-write like a write fault. */
/* The page of v holding va, once its rights are checked: filled if
 * missing, copied if written while shared. */
static int vma_page(struct mm *mm, struct vma *v, uint64_t va, bool write,
		    uint8_t **page)
{
	uint64_t *e = pt_slot(&mm->pt, va, false), ws, we;

	if (!e || !*e) {
		if (!write && !v->file) {
			pthread_once(&zero_once, zero_page_init);
			*page = (uint8_t *)zero_page;
			return 0;
		}
		chunk_window(v, va, &ws, &we);
		if (fill_range(mm, v, ws, we, va) != 0)
			return -EFAULT;
		e = pt_slot(&mm->pt, va, false);
		if (!e || !*e)
			return -EFAULT;
	}
	if (write && cow_break(mm, v, va, e) < 0)
		return -EFAULT;
	*page = memfile_ptr(pte_off(*e));
	return 0;
}

static int access_page(struct mm *mm, uint64_t va, bool write,
		       uint8_t **page)
{
	struct vma *v = vma_find_expand(mm, va);

	if (!v || !v->prot || (write && !(v->prot & PROT_WRITE)))
		return -EFAULT;
	return vma_page(mm, v, va, write, page);
}

static int copy_locked(struct mm *mm, uint64_t va, uint8_t *buf, size_t len,
		       bool write, const uint8_t *src)
{
	while (len) {
		size_t in = va & (RV_PAGE_SIZE - 1);
		size_t n = RV_MIN(len, RV_PAGE_SIZE - in);
		uint8_t *p;
		int rc = access_page(mm, va, write, &p);

		if (rc < 0)
			return rc;
		if (!write)
			memcpy(buf, p + in, n);
		else if (src)
			memcpy(p + in, src, n);
		else
			memset(p + in, 0, n);
		va += n;
		len -= n;
		if (buf)
			buf += n;
		if (src)
			src += n;
	}
	return 0;
}

int mm_copy_in(struct mm *mm, void *dst, uint64_t src, size_t len)
{
	int rc;

	if (!len)
		return 0;
	if (rv_range_bad(src, len))
		return -EFAULT;
	pthread_mutex_lock(&mm->lock);
	rc = copy_locked(mm, src, dst, len, false, NULL);
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int mm_copy_out(struct mm *mm, uint64_t dst, const void *src, size_t len)
{
	int rc;

	if (!len)
		return 0;
	if (rv_range_bad(dst, len))
		return -EFAULT;
	pthread_mutex_lock(&mm->lock);
	rc = copy_locked(mm, dst, NULL, len, true, src);
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

int mm_zero(struct mm *mm, uint64_t dst, size_t len)
{
	int rc;

	if (!len)
		return 0;
	if (rv_range_bad(dst, len))
		return -EFAULT;
	pthread_mutex_lock(&mm->lock);
	rc = copy_locked(mm, dst, NULL, len, true, NULL);
	pthread_mutex_unlock(&mm->lock);
	return rc;
}

ssize_t mm_copy_in_str(struct mm *mm, char *dst, uint64_t src, size_t max)
{
	size_t done = 0;
	ssize_t ret = -ENAMETOOLONG;

	if (!max)
		return -ENAMETOOLONG;
	pthread_mutex_lock(&mm->lock);
	while (done < max) {
		uint64_t va = src + done;
		size_t in = va & (RV_PAGE_SIZE - 1);
		size_t n = RV_MIN(max - done, RV_PAGE_SIZE - in);
		uint8_t *p, *nul;

		if (va < src || va >= MM_USER_TOP ||
		    access_page(mm, va, false, &p) < 0) {
			ret = -EFAULT;
			break;
		}
		nul = memchr(p + in, 0, n);
		if (nul) {
			n = nul - (p + in);
			memcpy(dst + done, p + in, n + 1);
			ret = (ssize_t)(done + n);
			break;
		}
		memcpy(dst + done, p + in, n);
		done += n;
	}
	pthread_mutex_unlock(&mm->lock);
	return ret;
}

static int access_page_force(struct mm *mm, uint64_t va, bool write,
			     uint8_t **page);

/* The host iovecs of [va, va + len) in the memory file, merged where
 * pages are adjacent there; pinned when asked. force: with ptrace's
 * FOLL_FORCE rights (access_page_force, /proc/PID/mem), never at or
 * above MM_MAP_TOP. */
static int iovecs(struct mm *mm, uint64_t va, size_t len, bool write,
		  struct iovec *out, int max, size_t *covered, bool pin,
		  bool force)
{
	const uint64_t top = force ? MM_MAP_TOP : MM_USER_TOP;
	int cnt = 0;
	size_t done = 0;

	*covered = 0;
	if (!len || max <= 0)
		return 0;
	if (rv_range_bad(va, 1))
		return -EFAULT;
	pthread_mutex_lock(&mm->lock);
	while (done < len) {
		uint64_t a = va + done;
		size_t in = a & (RV_PAGE_SIZE - 1);
		size_t n = RV_MIN(len - done, RV_PAGE_SIZE - in);
		uint8_t *p;

		if (a < va || a >= top ||
		    (force ? access_page_force(mm, a, write, &p)
			   : access_page(mm, a, write, &p)) < 0)
			break;
		if (cnt && (uint8_t *)out[cnt - 1].iov_base +
					   out[cnt - 1].iov_len == p + in) {
			out[cnt - 1].iov_len += n;
		} else {
			if (cnt == max)
				break;
			out[cnt].iov_base = p + in;
			out[cnt].iov_len = n;
			cnt++;
		}
		/* Under mm->lock: the page cannot go between the lookup and
		 * the pin. The zero page is never freed. */
		if (pin && p != zero_page)
			memfile_pin((uint64_t)(p - memfile_base()), 1);
		done += n;
	}
	pthread_mutex_unlock(&mm->lock);
	if (!cnt)
		return -EFAULT;
	*covered = done;
	return cnt;
}

int mm_iovecs(struct mm *mm, uint64_t va, size_t len, bool write,
	      struct iovec *out, int max, size_t *covered)
{
	return iovecs(mm, va, len, write, out, max, covered, false, false);
}

int mm_iovecs_pin(struct mm *mm, uint64_t va, size_t len, bool write,
		  struct iovec *out, int max, size_t *covered)
{
	return iovecs(mm, va, len, write, out, max, covered, true, false);
}

void mm_iovecs_release(const struct iovec *iov, size_t n)
{
	const uint8_t *base = memfile_base();

	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = iov[i].iov_base;
		uint64_t s, e;

		if (!iov[i].iov_len || p < base ||
		    p >= base + MEMFILE_MAX_SIZE)
			continue; /* the zero page */
		/* An iovec spans consecutive memory file pages, each pinned
		 * once. */
		s = rv_page_down((uint64_t)(p - base));
		e = rv_page_up((uint64_t)(p - base) + iov[i].iov_len);
		memfile_unpin(s, (e - s) >> RV_PAGE_SHIFT);
	}
}

/* --- forced access (/proc/[pid]/mem) ------------------------------------ */

/* access_page() as Linux's get_user_pages with FOLL_FORCE (ptrace,
 * /proc/[pid]/mem): a read may also see a VMA the app cannot read
 * (PROT_NONE) as long as it may be made readable; a write may also go to
 * a private VMA the app cannot write, into a private copy of the page
 * (the file and other owners never see it), but never to a shared VMA
 * without PROT_WRITE. The stack is not grown. */
static int access_page_force(struct mm *mm, uint64_t va, bool write,
			     uint8_t **page)
{
	struct vma *v = mm_vma_find(mm, va);

	if (!v)
		return -EFAULT;
	if (write ? !(v->prot & PROT_WRITE) &&
			    ((v->flags & VMA_SHARED) ||
			     !(v->maxprot & PROT_WRITE))
		  : !(v->prot & PROT_READ) && !(v->maxprot & PROT_READ))
		return -EFAULT;
	return vma_page(mm, v, va, write, page);
}

int mm_iovecs_pin_force(struct mm *mm, uint64_t va, size_t len, bool write,
			struct iovec *out, int max, size_t *covered)
{
	return iovecs(mm, va, len, write, out, max, covered, true, true);
}
