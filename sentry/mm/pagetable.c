/* The per-mm page table: see pagetable.h. */
#include "sentry/mm/pagetable.h"

#include <stdlib.h>

#include "sentry/util.h"

#define PT_BITS 9
#define PT_ENTRIES (1U << PT_BITS)
#define PT_LEVELS 4

static unsigned pt_index(uint64_t va, int level)
{
	return (va >> (RV_PAGE_SHIFT + PT_BITS * level)) & (PT_ENTRIES - 1);
}

uint64_t *pt_slot(struct pagetable *pt, uint64_t va, bool create)
{
	void **node;

	/* The tree covers 48 bits; anything above is a caller bug since
	 * every address was range-checked against MM_USER_TOP. */
	RV_BUG_ON(va >> 48);
	if (!pt->root) {
		if (!create)
			return NULL;
		pt->root = rv_xcalloc(PT_ENTRIES, sizeof(void *));
	}
	node = pt->root;
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		void **next = &node[pt_index(va, level)];
		if (!*next) {
			if (!create)
				return NULL;
			/* Level 1 points at a leaf of uint64_t entries; same
			 * size as a node of pointers. */
			*next = rv_xcalloc(PT_ENTRIES, sizeof(uint64_t));
		}
		node = *next;
	}
	return &((uint64_t *)node)[pt_index(va, 0)];
}

static int pt_walk_level(void **node, int level, uint64_t base,
			 uint64_t start, uint64_t end, pt_fn fn, void *arg)
{
	uint64_t span = 1ULL << (RV_PAGE_SHIFT + PT_BITS * level);
	unsigned i = start > base ? (start - base) / span : 0;

	for (; i < PT_ENTRIES; i++) {
		uint64_t s = base + i * span;
		int rc;

		if (s >= end)
			break;
		if (level == 0) {
			uint64_t *e = &((uint64_t *)node)[i];
			if (!*e)
				continue;
			rc = fn(s, e, arg);
		} else {
			if (!node[i])
				continue;
			rc = pt_walk_level(node[i], level - 1, s, start, end,
					   fn, arg);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int pt_walk(struct pagetable *pt, uint64_t start, uint64_t end, pt_fn fn,
	    void *arg)
{
	if (!pt->root || start >= end)
		return 0;
	return pt_walk_level(pt->root, PT_LEVELS - 1, 0, rv_page_down(start),
			     end, fn, arg);
}

static void pt_free_level(void **node, int level)
{
	if (level > 0)
		for (unsigned i = 0; i < PT_ENTRIES; i++)
			if (node[i])
				pt_free_level(node[i], level - 1);
	free(node);
}

void pt_destroy(struct pagetable *pt)
{
	if (pt->root)
		pt_free_level(pt->root, PT_LEVELS - 1);
	pt->root = NULL;
}
