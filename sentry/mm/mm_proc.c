/* What /proc/[pid]/pagemap, numa_maps and map_files read of an address
 * space (Linux's fs/proc/task_mmu.c and base.c walkers). */
#include "sentry/mm/mm_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sentry/mm/memfile.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

/* Is the page of pte in v a file page (Linux: !PageAnon)? Shared
 * mappings' pages are the file's (tmpfs, shm, memfd alike); a private
 * mapping's page is the file's while it shares it with the file's cache,
 * an anonymous copy once written (or when read into a copy of its own). */
static bool page_is_file(const struct vma *v, uint64_t pte)
{
	if (!v->file)
		return (v->flags & VMA_SHARED) != 0;
	if (v->flags & VMA_SHARED)
		return true;
	return memfile_refcount(pte_off(pte)) > 1;
}

void mm_pagemap(struct mm *mm, uint64_t va, uint64_t *out, size_t n)
{
	memset(out, 0, n * sizeof(*out));
	pthread_mutex_lock(&mm->lock);
	for (size_t k = 0; k < n; k++) {
		uint64_t a = va + ((uint64_t)k << RV_PAGE_SHIFT);
		if (a < va || a >= MM_MAP_TOP)
			break;
		struct vma *v = mm_vma_find(mm, a);
		if (!v) {
			/* Skip the hole up to the next VMA in one step. */
			size_t i = mm_vma_lower(mm, a);
			if (i == mm->nvma)
				break;
			uint64_t skip = (mm->vmas[i].start - a) >> RV_PAGE_SHIFT;
			if (skip > 1)
				k += skip - 1;
			continue;
		}
		/* New VMAs are VM_SOFTDIRTY until clear_refs 4, which the
		 * sentry does not track: every page of a VMA is soft-dirty. */
		uint64_t e = MM_PM_SOFT_DIRTY;
		uint64_t *p = pt_slot(&mm->pt, a, false);
		if (p && (*p & PTE_PRESENT)) {
			bool file = page_is_file(v, *p);
			uint32_t ref = memfile_refcount(pte_off(*p));
			e |= MM_PM_PRESENT;
			if (file)
				e |= MM_PM_FILE;
			/* Mapped once: the cache's own reference of a file
			 * page is no mapping. */
			if (ref - (file && v->file ? 1 : 0) <= 1)
				e |= MM_PM_EXCLUSIVE;
		}
		out[k] = e;
	}
	pthread_mutex_unlock(&mm->lock);
}

struct snap_walk {
	const struct vma *v;
	struct mm_vma_info *d;
};

static int snap_page(uint64_t va, uint64_t *pte, void *arg)
{
	struct snap_walk *w = arg;
	(void)va;
	if (!(*pte & PTE_PRESENT))
		return 0;
	uint32_t ref = memfile_refcount(pte_off(*pte));
	bool file = page_is_file(w->v, *pte);
	uint32_t maps = ref - (file && w->v->file ? 1 : 0);
	w->d->pages++;
	if (!file) {
		w->d->anon++;
		w->d->dirty++;
	} else if (*pte & PTE_MAPW) {
		w->d->dirty++;
	}
	if (maps > w->d->mapmax)
		w->d->mapmax = maps;
	return 0;
}

size_t mm_vma_snapshot(struct mm *mm, struct mm_vma_info **out, bool pages)
{
	pthread_mutex_lock(&mm->lock);
	size_t n = mm->nvma;
	struct mm_vma_info *a = rv_xcalloc(n ? n : 1, sizeof(*a));
	for (size_t i = 0; i < n; i++) {
		const struct vma *v = &mm->vmas[i];
		struct mm_vma_info *d = &a[i];
		d->start = v->start;
		d->end = v->end;
		d->prot = v->prot;
		d->shared = (v->flags & VMA_SHARED) != 0;
		d->off = v->off;
		if (v->file)
			d->file = file_get(v->file);
		d->heap = !v->file && mm->layout.start_brk &&
			  v->start <= mm->layout.brk &&
			  v->end >= mm->layout.start_brk;
		d->stack = !v->file && v->start <= mm->layout.start_stack &&
			   v->end >= mm->layout.start_stack;
		if (pages) {
			/* The walk skips absent subtrees: a huge sparse
			 * reservation costs nothing. */
			struct snap_walk w = {v, d};
			pt_walk(&mm->pt, v->start, v->end, snap_page, &w);
		}
	}
	pthread_mutex_unlock(&mm->lock);
	*out = a;
	return n;
}

void mm_vma_snapshot_free(struct mm_vma_info *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].file)
			file_put(a[i].file);
	free(a);
}
