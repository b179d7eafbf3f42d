/* inotify(7) system calls: instances, watches (the events come from the
 * VFS hooks, sentry/fs/inotify). */
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/resource.h>

#include "sentry/fs/inotify/inotify.h"
#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/namei.h"
#include "syscalls/table.h"

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

/* Every bit inotify_add_watch(2) knows (Linux's ALL_INOTIFY_BITS). */
#define IN_ALL_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | \
		     IN_IGNORED | IN_ONLYDIR | IN_DONT_FOLLOW | \
		     IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD | \
		     IN_ISDIR | IN_ONESHOT)

static long do_inotify_init(struct task *t, int flags)
{
	if (flags & ~(IN_NONBLOCK | IN_CLOEXEC))
		return -EINVAL;
	struct file *f;
	int err = inotify_create(flags, &f);
	if (err)
		return err;
	if (t->tg)
		fd_set_thread_limit(t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
	int fd = fd_install(t->files, f, 0, flags & IN_CLOEXEC);
	file_put(f);
	return fd;
}

long sys_inotify_init(struct task *t, const uint64_t a[6])
{
	(void)a;
	return do_inotify_init(t, 0);
}

long sys_inotify_init1(struct task *t, const uint64_t a[6])
{
	return do_inotify_init(t, (int)a[0]);
}

/* inotify_add_watch(2): Linux's order of checks (mask, fd, instance,
 * path, read permission). */
long sys_inotify_add_watch(struct task *t, const uint64_t a[6])
{
	uint32_t mask = (uint32_t)a[2];
	if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
		return -EINVAL;
	if (!(mask & IN_ALL_BITS))
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = -EINVAL;
	char *path = NULL;
	if (!file_is_inotify(f))
		goto out;
	r = vfs_getname(t, a[1], &path);
	if (r)
		goto out;
	unsigned int lf = (mask & IN_DONT_FOLLOW) ? 0 : LOOKUP_FOLLOW;
	if (mask & IN_ONLYDIR)
		lf |= LOOKUP_DIRECTORY;
	struct path p;
	r = vfs_lookup(t, AT_FDCWD, path, lf, &p);
	if (r)
		goto out;
	r = inode_permission(&t->cred, p.dentry->inode, MAY_READ);
	if (!r)
		r = inotify_add(f, p.dentry->inode, mask);
	path_put(&p);
out:
	free(path);
	file_put(f);
	return r;
}

long sys_inotify_rm_watch(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = file_is_inotify(f) ? inotify_rm(f, (int)a[1]) : -EINVAL;
	file_put(f);
	return r;
}
