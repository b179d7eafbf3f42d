/* Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
 * msync, mincore, mlock, munlock. The work is in sentry/mm; handlers only
 * decode arguments and look up the file of mmap. Also the NUMA policy
 * calls (one node) and memory protection keys (none). */
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

/* RLIMIT_AS (`ulimit -v`): Linux's may_expand_vm() refuses a mapping
 * that would take the address space past the limit with ENOMEM. Checked
 * here for what grows it (mmap, mremap, brk) against the mapped total;
 * a MAP_FIXED mapping is not checked, as it may only replace pages
 * already counted (ld.so maps a library's segments over its own
 * reservation). */
static bool as_limit_exceeded(struct task *t, uint64_t grow)
{
	uint64_t lim = t->tg->rlim[RLIMIT_AS].rlim_cur;
	if (lim == RLIM_INFINITY || !grow)
		return false;
	uint64_t vsize = mm_vsize_bytes(t->mm);
	return vsize > lim || grow > lim - vsize;
}

/* RLIMIT_DATA (`ulimit -d`, setrlimit(2)): Linux's may_expand_vm()
 * refuses growing the private writable non-stack mappings (data_vm)
 * past the limit. A limit of 0 is Linux's special case: allowed up to
 * the hard limit (old programs set it to 0 meaning "none"). */
static bool data_limit_exceeded(struct task *t, uint64_t grow)
{
	uint64_t lim = t->tg->rlim[RLIMIT_DATA].rlim_cur;
	if (lim == RLIM_INFINITY || !grow)
		return false;
	if (lim == 0)
		lim = t->tg->rlim[RLIMIT_DATA].rlim_max;
	if (lim == RLIM_INFINITY)
		return false;
	uint64_t data = mm_data_bytes(t->mm);
	return data > lim || grow > lim - data;
}

long sys_brk(struct task *t, const uint64_t a[6])
{
	/* brk(2): on failure the old break is returned. */
	if ((t->tg->rlim[RLIMIT_AS].rlim_cur != RLIM_INFINITY ||
	     t->tg->rlim[RLIMIT_DATA].rlim_cur != RLIM_INFINITY) && a[0]) {
		int64_t cur = mm_brk(t->mm, 0);
		struct mm_layout *l = mm_layout(t->mm);
		uint64_t dlim = t->tg->rlim[RLIMIT_DATA].rlim_cur;
		if (cur <= 0 || a[0] <= (uint64_t)cur)
			return mm_brk(t->mm, a[0]);
		uint64_t grow = rv_page_up(a[0]) - rv_page_up((uint64_t)cur);
		if (as_limit_exceeded(t, grow))
			return cur;
		/* check_data_rlimit(): the heap plus the data segment */
		if (dlim != RLIM_INFINITY && a[0] > l->start_brk &&
		    (a[0] - l->start_brk) + (l->end_data - l->start_data) >
			    dlim)
			return cur;
		if (data_limit_exceeded(t, grow))
			return cur;
	}
	return mm_brk(t->mm, a[0]);
}

long sys_mmap(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[3];
	struct file *f = NULL;
	int64_t ret;

	if (!(flags & MAP_ANONYMOUS)) {
		f = fd_get(t->files, (int)a[4]);
		if (!f)
			return -EBADF;
	}
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) && a[1] &&
	    a[1] <= UINT64_MAX - RV_PAGE_SIZE &&
	    (as_limit_exceeded(t, rv_page_up(a[1])) ||
	     ((a[2] & PROT_WRITE) && !(flags & (MAP_SHARED | MAP_GROWSDOWN)) &&
	      data_limit_exceeded(t, rv_page_up(a[1]))))) {
		if (f)
			file_put(f);
		return -ENOMEM;
	}
	ret = mm_mmap(t->mm, a[0], a[1], (int)a[2], flags, f, a[5]);
	if (f)
		file_put(f); /* mm holds its own reference */
	return ret;
}

long sys_munmap(struct task *t, const uint64_t a[6])
{
	return mm_munmap(t->mm, a[0], a[1]);
}

long sys_mprotect(struct task *t, const uint64_t a[6])
{
	return mm_mprotect(t->mm, a[0], a[1], (int)a[2]);
}

long sys_mremap(struct task *t, const uint64_t a[6])
{
	if (a[2] > a[1] && a[2] <= UINT64_MAX - RV_PAGE_SIZE &&
	    as_limit_exceeded(t, rv_page_up(a[2]) - rv_page_up(a[1])))
		return -ENOMEM;
	return mm_mremap(t->mm, a[0], a[1], a[2], (int)a[3], a[4]);
}

long sys_madvise(struct task *t, const uint64_t a[6])
{
	return mm_madvise(t->mm, a[0], a[1], (int)a[2]);
}

long sys_msync(struct task *t, const uint64_t a[6])
{
	return mm_msync(t->mm, a[0], a[1], (int)a[2]);
}

long sys_mincore(struct task *t, const uint64_t a[6])
{
	return mm_mincore(t->mm, a[0], a[1], a[2]);
}

long sys_mlock(struct task *t, const uint64_t a[6])
{
	return mm_mlock(t->mm, a[0], a[1], true);
}

long sys_munlock(struct task *t, const uint64_t a[6])
{
	return mm_mlock(t->mm, a[0], a[1], false);
}

/* NUMA memory policy: the sandbox is one node (node 0), as Linux is on a
 * machine without NUMA. The calls check their arguments as Linux does
 * (mm/mempolicy.c) so that a policy Linux would refuse is refused, but a
 * policy set is not remembered: get_mempolicy always reports
 * MPOL_DEFAULT, the only policy whose placement differs from nothing on
 * one node. */

/* Linux's MAX_NUMNODES with Debian's NODES_SHIFT of 10: bits past it in a
 * user node mask must be zero. */
#define MPOL_MAX_NUMNODES 1024

/* sanitize_mpol_flags(): split mode into mode and flags. */
static int mpol_sanitize(int *mode, unsigned *flags)
{
	*flags = (unsigned)*mode & MPOL_MODE_FLAGS;
	*mode &= ~MPOL_MODE_FLAGS;
	if ((unsigned)*mode >= MPOL_MAX)
		return -EINVAL;
	if ((*flags & MPOL_F_STATIC_NODES) && (*flags & MPOL_F_RELATIVE_NODES))
		return -EINVAL;
	if ((*flags & MPOL_F_NUMA_BALANCING) && *mode != MPOL_BIND &&
	    *mode != MPOL_PREFERRED_MANY)
		return -EINVAL;
	return 0;
}

/* get_nodes(): read maxnode - 1 bits of the user's mask; *any is set when
 * a node (any node, present or not) is named. */
static int mpol_get_nodes(struct task *t, uint64_t nmask, uint64_t maxnode,
			  bool *any)
{
	uint64_t w[RV_PAGE_SIZE * 8 / 64];

	*any = false;
	if (!nmask || maxnode-- == 0 || maxnode == 0)
		return 0;
	if (maxnode > RV_PAGE_SIZE * 8)
		return -EINVAL;
	size_t nw = (maxnode + 63) / 64;
	if (mm_copy_in(t->mm, w, nmask, nw * 8))
		return -EFAULT;
	if (maxnode % 64)
		w[nw - 1] &= (UINT64_C(1) << (maxnode % 64)) - 1;
	for (size_t i = 0; i < nw; i++) {
		if (i >= MPOL_MAX_NUMNODES / 64 && w[i])
			return -EINVAL; /* a node Linux cannot have */
		if (w[i])
			*any = true;
	}
	return 0;
}

/* mpol_new() + mpol_set_nodemask(): does (mode, nodes) make a policy?
 * A named set of nodes is intersected with the allowed ones ({0}); Linux
 * refuses an empty result, which here is a mask without node 0 unless
 * MPOL_F_RELATIVE_NODES maps it onto node 0. */
static int mpol_check(struct task *t, int mode, unsigned flags,
		      uint64_t nmask, uint64_t maxnode)
{
	bool any;
	int rc = mpol_get_nodes(t, nmask, maxnode, &any);
	if (rc)
		return rc;
	if (mode == MPOL_DEFAULT)
		return any ? -EINVAL : 0;
	if (!any) {
		if (mode == MPOL_LOCAL)
			return 0;
		if (mode != MPOL_PREFERRED)
			return -EINVAL;
		return flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES) ?
			       -EINVAL : 0;
	}
	if (mode == MPOL_LOCAL)
		return -EINVAL;
	if (flags & MPOL_F_RELATIVE_NODES)
		return 0;
	uint64_t w0 = 0;
	if (maxnode > 1 && mm_copy_in(t->mm, &w0, nmask, 8))
		return -EFAULT;
	return w0 & 1 ? 0 : -EINVAL;
}

long sys_set_mempolicy(struct task *t, const uint64_t a[6])
{
	int mode = (int)a[0];
	unsigned flags;
	int rc = mpol_sanitize(&mode, &flags);
	if (rc)
		return rc;
	return mpol_check(t, mode, flags, a[1], a[2]);
}

long sys_mbind(struct task *t, const uint64_t a[6])
{
	uint64_t start = a[0], len = a[1];
	int mode = (int)a[2];
	unsigned mflags, flags = (unsigned)a[5];
	int rc = mpol_sanitize(&mode, &mflags);
	if (rc)
		return rc;
	bool any;
	rc = mpol_get_nodes(t, a[3], a[4], &any);
	if (rc)
		return rc;
	if (flags & ~(unsigned)MPOL_MF_VALID)
		return -EINVAL;
	if (start & ~RV_PAGE_MASK)
		return -EINVAL;
	if (len > UINT64_MAX - RV_PAGE_SIZE)
		return -EINVAL;
	len = rv_page_up(len);
	if (start + len < start)
		return -EINVAL;
	if (!len)
		return 0;
	rc = mpol_check(t, mode, mflags, a[3], a[4]);
	if (rc)
		return rc;
	/* Linux 6.x (queue_pages_range()) fails only when no VMA meets
	 * the range; holes inside it are skipped (mbind(2) says any hole,
	 * which was true of older kernels). */
	return mm_range_has_vma(t->mm, start, start + len) ? 0 : -EFAULT;
}

long sys_get_mempolicy(struct task *t, const uint64_t a[6])
{
	uint64_t umode = a[0], nmask = a[1], maxnode = a[2], addr = a[3];
	uint64_t flags = a[4];
	uint64_t nodes = 0;
	int mode = MPOL_DEFAULT;

	/* kernel_get_mempolicy(): the mask must hold nr_node_ids (1) bits */
	if (nmask && maxnode < 1)
		return -EINVAL;
	if (flags & ~(uint64_t)(MPOL_F_NODE | MPOL_F_ADDR |
				MPOL_F_MEMS_ALLOWED))
		return -EINVAL;
	if (flags & MPOL_F_MEMS_ALLOWED) {
		if (flags & (MPOL_F_NODE | MPOL_F_ADDR))
			return -EINVAL;
		nodes = 1; /* the nodes the task may use: node 0 */
	} else {
		if (flags & MPOL_F_ADDR) {
			if (addr >= UINT64_MAX - 1 ||
			    !mm_range_has_vma(t->mm, addr, addr + 1))
				return -EFAULT; /* no VMA at addr */
		} else if (addr) {
			return -EINVAL;
		}
		/* MPOL_F_NODE: the node of the page at addr (0); without
		 * MPOL_F_ADDR it needs an interleave policy, never set. */
		if ((flags & MPOL_F_NODE) && !(flags & MPOL_F_ADDR))
			return -EINVAL;
		/* the default policy's node mask is empty */
	}
	if (umode && mm_copy_out(t->mm, umode, &mode, sizeof(mode)))
		return -EFAULT;
	if (nmask) {
		/* copy_nodes_to_user(): ALIGN(maxnode - 1, 64) / 8 bytes */
		uint64_t copy = ((maxnode - 1 + 63) & ~UINT64_C(63)) / 8;
		if (copy > 8) {
			if (copy > RV_PAGE_SIZE)
				return -EINVAL;
			if (mm_zero(t->mm, nmask + 8, copy - 8))
				return -EFAULT;
			copy = 8;
		}
		if (copy && mm_copy_out(t->mm, nmask, &nodes, copy))
			return -EFAULT;
	}
	return 0;
}

/* Memory protection keys: Linux on a CPU without PKU (arch_max_pkey() of
 * 1: only the default key 0, always allocated). The sandbox cannot offer
 * keys: WRPKRU is an unprivileged instruction the app would run without
 * the sentry seeing it, and the platforms do not carry PKRU. */
#define RV_PKEY_ACCESS_MASK (PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE)

long sys_pkey_alloc(struct task *t, const uint64_t a[6])
{
	(void)t;
	if (a[0] || (a[1] & ~(uint64_t)RV_PKEY_ACCESS_MASK))
		return -EINVAL;
	return -ENOSPC; /* pkey_alloc(2): how "no pkey support" shows */
}

long sys_pkey_free(struct task *t, const uint64_t a[6])
{
	(void)t;
	(void)a;
	/* Linux frees key 0 too, but on a CPU without PKU an app has no
	 * use for it; every key is "not allocated". */
	return -EINVAL;
}

long sys_pkey_mprotect(struct task *t, const uint64_t a[6])
{
	int pkey = (int)a[3];
	/* do_mprotect_pkey(): -1 is plain mprotect; key 0 is the default */
	if (pkey != -1 && pkey != 0)
		return -EINVAL;
	return mm_mprotect(t->mm, a[0], a[1], (int)a[2]);
}
