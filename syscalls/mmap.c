/* Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
 * msync, mincore, mlock, munlock. The work is in sentry/mm; handlers only
 * decode arguments and look up the file of mmap. */
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

long sys_brk(struct task *t, const uint64_t a[6])
{
	/* brk(2): on failure the old break is returned. */
	if (t->tg->rlim[RLIMIT_AS].rlim_cur != RLIM_INFINITY && a[0]) {
		int64_t cur = mm_brk(t->mm, 0);
		if (cur > 0 && a[0] > (uint64_t)cur &&
		    as_limit_exceeded(t, rv_page_up(a[0]) -
					     rv_page_up((uint64_t)cur)))
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
	    as_limit_exceeded(t, rv_page_up(a[1]))) {
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
