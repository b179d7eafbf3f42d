/* Internals shared by the files of sentry/mm (not a public interface). */
#ifndef RV_MM_INTERNAL_H
#define RV_MM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform/platform.h"
#include "sentry/mm/mm.h"
#include "sentry/mm/pagetable.h"

/* vma.flags */
#define VMA_SHARED 0x1     /* MAP_SHARED: pages are never copied on write */
#define VMA_GROWSDOWN 0x2  /* stack: grows down on faults below it */
#define VMA_DONTFORK 0x4   /* madvise(MADV_DONTFORK) */
#define VMA_WIPEONFORK 0x8 /* madvise(MADV_WIPEONFORK) */
#define VMA_LOCKED 0x10    /* mlock: recorded, not enforced */

struct vma {
	uint64_t start, end; /* [start, end), page aligned */
	int prot;            /* PROT_READ | PROT_WRITE | PROT_EXEC */
	int maxprot;         /* what mprotect may grant (EACCES beyond) */
	unsigned flags;      /* VMA_* */
	struct file *file;   /* NULL: anonymous; else a reference held */
	uint64_t off;        /* file offset of start */
	char *name;          /* "[stack]"...; NULL for none */
};

/* Pages mapped into the platform per fault (and allocated per copy_out):
 * each as_map is an injected host system call on the ptrace platform, so
 * a fault maps a whole memory-file-contiguous chunk at once. */
#define MM_CHUNK_PAGES 16
/* A fault also maps what is already in memory (present pages, and pages
 * of the file's cache) in this aligned window (1 MiB), as Linux's
 * do_fault_around does within 64 KiB: a fault here costs tens of
 * microseconds, and one platform map covers a memory-file-contiguous
 * run (ptrace queues them all into one injection). */
#define MM_AROUND_PAGES 256
/* Sequential first touches double the chunk up to this (2 MiB), as
 * readahead and huge pages would: a big memset costs few faults. */
#define MM_CHUNK_MAX_PAGES 512

/* Linux's stack_guard_gap: nothing is placed within 256 pages below a
 * growsdown VMA, so the stack can grow and a runaway one faults. */
#define MM_STACK_GUARD (256ULL << RV_PAGE_SHIFT)

struct mm {
	pthread_mutex_t lock; /* VMAs, page table, layout */
	atomic_int refs;
	struct platform *plat; /* NULL in unit tests without a platform */
	struct platform_as *as;

	struct vma *vmas; /* sorted by start, never overlapping */
	size_t nvma;
	struct vma *vbuf; /* vmas == vbuf + vhead; see vma_insert_at() */
	size_t vhead, vcap;
	/* Where the top-down search for mmap starts (Linux's
	 * mm->mmap_base): MM_MMAP_BASE, or a random address the loader
	 * sets (mm_set_mmap_base). */
	uint64_t mmap_base;
	/* Top-down search cache (Linux 2.6's free_area_cache): no hole in
	 * [gap_top, mmap_base) is larger than gap_hole bytes. */
	uint64_t gap_top, gap_hole;
	/* Where the last fault's chunk ended, and its size in pages. */
	uint64_t seq_next, seq_pages;
	struct pagetable pt;
	uint64_t rss_pages; /* present PTEs */

	struct mm_layout layout; /* start_brk/brk live here */
	struct file *exe;
	/* Every live mm, for truncate's reverse map (mm_truncate_inode). */
	struct mm *all_prev, *all_next;
};

/* VMA lookup (mm locked): index of the first VMA with end > addr, or nvma. */
size_t mm_vma_lower(struct mm *, uint64_t addr);
/* The VMA containing addr or NULL. */
struct vma *mm_vma_find(struct mm *, uint64_t addr);

/* Platform calls; no-ops without a platform. */
int mm_as_map(struct mm *, uint64_t va, uint64_t len, uint64_t off, int prot);
int mm_as_unmap(struct mm *, uint64_t va, uint64_t len);
int mm_as_protect(struct mm *, uint64_t va, uint64_t len, int prot);

/* Memory file reference batching: consecutive offsets become one call. */
struct page_batch {
	uint64_t off, n;
	bool inc;
};
void page_batch_add(struct page_batch *, uint64_t off);
void page_batch_flush(struct page_batch *);

/* Allocate every missing page of [start, end) in v without mapping them
 * (fork of MAP_SHARED anonymous memory). 0 or -ENOMEM. */
int mm_populate_locked(struct mm *, struct vma *v, uint64_t start,
		       uint64_t end);

#endif
