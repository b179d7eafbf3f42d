/* Calls whose effect the sandbox has already or cannot have, answered as
 * Linux answers them: sync(2), syncfs(2), readahead(2), mlockall(2),
 * munlockall(2), membarrier(2).
 *
 * The sandbox's writable files live in the memory file (nothing to flush)
 * and the host side is the gofer's; memory is never swapped out by the
 * sentry, so locking it changes nothing the app can observe. */
#include <fcntl.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

long sys_sync(struct task *t, const uint64_t a[6])
{
	(void)t;
	(void)a;
	return 0;
}

long sys_syncfs(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

/* readahead(2): EBADF unless open for reading; EINVAL for files that
 * cannot be read ahead (not regular). */
long sys_readahead(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	struct kstat st;
	long r = 0;
	if (!f)
		return -EBADF;
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		r = -EBADF;
	else if (vfs_fstat(f, &st) < 0 || !S_ISREG(st.mode))
		r = -EINVAL;
	file_put(f);
	return r;
}

long sys_mlockall(struct task *t, const uint64_t a[6])
{
	(void)t;
	uint64_t fl = a[0];
	/* MCL_ONFAULT needs MCL_CURRENT or MCL_FUTURE with it. */
	if (!fl || (fl & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    fl == MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

long sys_munlockall(struct task *t, const uint64_t a[6])
{
	(void)t;
	(void)a;
	return 0;
}

/* membarrier(2): no command is offered (QUERY answers an empty set), so
 * runtimes fall back to their own barriers. */
long sys_membarrier(struct task *t, const uint64_t a[6])
{
	(void)t;
	if (a[0] == MEMBARRIER_CMD_QUERY)
		return a[1] ? -EINVAL : 0;
	return -EINVAL;
}
