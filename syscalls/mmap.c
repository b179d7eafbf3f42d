/* Memory system calls: brk, mmap, munmap, mprotect, mremap, madvise,
 * msync, mincore, mlock, munlock. The work is in sentry/mm; handlers only
 * decode arguments and look up the file of mmap. */
#include <sys/mman.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

long sys_brk(struct task *t, const uint64_t a[6])
{
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
