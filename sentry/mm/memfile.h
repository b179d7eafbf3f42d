/* The memory file: one memfd that holds every page of application memory
 * (anonymous pages, tmpfs file pages, page cache). The sentry maps the whole
 * file once at memfile_base() and reaches app memory only through it;
 * platforms map ranges of it into the app (stub mmap for ptrace, guest
 * physical memory for KVM: guest physical address == file offset).
 *
 * Pages are reference counted so that fork's copy-on-write and shared
 * mappings can share them; a page whose count drops to zero is punched out
 * of the file (its memory returns to the host) and reused. */
#ifndef RV_MEMFILE_H
#define RV_MEMFILE_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* Largest memory file; the sentry reserves this much address space (not
 * memory). Also the size limit of the sandbox's memory. */
#define MEMFILE_MAX_SIZE (64ULL << 30)

int memfile_init(void);       /* 0 or -errno */
int memfile_fd(void);         /* the memfd, for platforms */
uint8_t *memfile_base(void);  /* sentry mapping of offset 0 */
uint64_t memfile_size(void);  /* bytes in use so far (high-water mark) */

static inline void *memfile_ptr(uint64_t off)
{
	extern uint8_t *memfile_base_ptr;
	return memfile_base_ptr + off;
}

/* Allocate npages contiguous zero-filled pages, refcount 1 each.
 * Returns the file offset or -ENOMEM. */
int64_t memfile_alloc(size_t npages);
/* Page reference counts (off page aligned). decref frees at zero. */
void memfile_incref(uint64_t off, size_t npages);
void memfile_decref(uint64_t off, size_t npages);
uint32_t memfile_refcount(uint64_t off);
/* Pins (get_user_pages): keep pages alive while the sentry holds pointers
 * to them (a blocking read into app memory) even when the app unmaps them
 * meanwhile, so they cannot be reused for other memory under the sentry's
 * writes. A pin is not an owner: memfile_refcount() does not count it, so
 * copy-on-write decisions are unchanged. A page is freed when both its
 * references and its pins are gone. memfile_pin needs a live page. */
void memfile_pin(uint64_t off, size_t npages);
void memfile_unpin(uint64_t off, size_t npages);
uint32_t memfile_pincount(uint64_t off);

/* Resident application memory in bytes (pages with refcount > 0). */
uint64_t memfile_used_bytes(void);

/* Most application memory the sandbox may hold (bytes, rounded down to
 * pages, at most MEMFILE_MAX_SIZE); beyond it memfile_alloc() fails with
 * -ENOMEM, so a memory hog is killed inside the sandbox instead of the
 * host's OOM killer taking the sentry. memfile_init() sets 3/4 of the
 * host's RAM. */
void memfile_set_limit(uint64_t bytes);
uint64_t memfile_limit(void);

/* The sentry's mapping of the file is only its window on app memory when
 * the app's address spaces map the file themselves (ptrace stubs): then
 * memfile_drop_ptes() drops that window's page-table entries of a range
 * the sentry has filled for the app (the pages stay in the file; a later
 * access by the sentry faults them back in), so that a page the app maps
 * is counted in the app's process only, as Linux counts a process's
 * pages in its VmRSS and not in the kernel's. Platforms whose app runs
 * through the sentry's own mapping (KVM's memory slots) never allow it;
 * memfile_drop_ptes() is then a no-op. */
void memfile_allow_pte_drop(void);
void memfile_drop_ptes(uint64_t off, uint64_t len);

/* Called by platforms that must be told when the file grows past what they
 * registered (KVM memory slots). Called with the new size; at most one. */
void memfile_set_grow_hook(void (*hook)(uint64_t new_size));

/* Called when an allocation would fail: a cache of pages nobody else
 * holds (hostfs's read-only page cache) frees up to npages of them and
 * returns how many it freed; the allocation is then retried once. The
 * hook may run with any caller's locks held, so it only tries its own.
 * At most one. */
void memfile_set_reclaim_hook(size_t (*hook)(size_t npages));

#endif
