/* The page table of one address space: which application pages exist and
 * where in the memory file they live. Internal to sentry/mm.
 *
 * A 4-level radix tree of 512-entry nodes, like x86-64's own page tables,
 * indexed by virtual page number. A leaf entry is the memory file offset of
 * the page ORed with PTE_* flags; 0 means no page. Interior nodes are only
 * created on demand, so a sparse address space (a 1 TiB PROT_NONE
 * reservation, say) costs nothing until touched, and walks skip absent
 * subtrees wholesale. */
#ifndef RV_MM_PAGETABLE_H
#define RV_MM_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_PRESENT 0x1ULL /* a memory file page backs this address */
#define PTE_MAPPED 0x2ULL  /* mapped into the platform address space */
#define PTE_MAPW 0x4ULL    /* ... with PROT_WRITE */
#define PTE_FLAGS 0xfffULL
#define pte_off(e) ((e) & ~PTE_FLAGS)

struct pagetable {
	void **root;
};

/* The entry of va's page, or NULL when its leaf does not exist and create
 * is false. */
uint64_t *pt_slot(struct pagetable *, uint64_t va, bool create);
/* Call fn for every non-zero entry in [start, end), in address order. fn
 * may change or clear the entry; a non-zero return stops the walk and is
 * returned. */
typedef int (*pt_fn)(uint64_t va, uint64_t *pte, void *arg);
int pt_walk(struct pagetable *, uint64_t start, uint64_t end, pt_fn fn,
	    void *arg);
/* Free the tree (entries must already be released). */
void pt_destroy(struct pagetable *);

#endif
