/* Namespace and attribute system calls: mkdir, unlink, rmdir, rename,
 * symlink, link, mknod, chmod, chown, truncate, utimensat. Paths are copied
 * in once (vfs_getname) and the VFS does the checks. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

static long mkdir_at(struct task *t, int dirfd, uint64_t up, mode_t mode)
{
	char *p;
	int err = vfs_getname(t, up, &p);
	if (err)
		return err;
	err = vfs_mkdirat(t, dirfd, p, mode);
	free(p);
	return err;
}

long sys_mkdir(struct task *t, const uint64_t a[6])
{
	return mkdir_at(t, AT_FDCWD, a[0], (mode_t)a[1]);
}

long sys_mkdirat(struct task *t, const uint64_t a[6])
{
	return mkdir_at(t, (int)a[0], a[1], (mode_t)a[2]);
}

static long mknod_at(struct task *t, int dirfd, uint64_t up, mode_t mode,
		     dev_t dev)
{
	char *p;
	int err = vfs_getname(t, up, &p);
	if (err)
		return err;
	err = vfs_mknodat(t, dirfd, p, mode, dev);
	free(p);
	return err;
}

long sys_mknod(struct task *t, const uint64_t a[6])
{
	return mknod_at(t, AT_FDCWD, a[0], (mode_t)a[1], (dev_t)a[2]);
}

long sys_mknodat(struct task *t, const uint64_t a[6])
{
	return mknod_at(t, (int)a[0], a[1], (mode_t)a[2], (dev_t)a[3]);
}

static long unlink_at(struct task *t, int dirfd, uint64_t up, int flags)
{
	char *p;
	int err = vfs_getname(t, up, &p);
	if (err)
		return err;
	err = vfs_unlinkat(t, dirfd, p, flags);
	free(p);
	return err;
}

long sys_unlink(struct task *t, const uint64_t a[6])
{
	return unlink_at(t, AT_FDCWD, a[0], 0);
}

long sys_unlinkat(struct task *t, const uint64_t a[6])
{
	return unlink_at(t, (int)a[0], a[1], (int)a[2]);
}

long sys_rmdir(struct task *t, const uint64_t a[6])
{
	return unlink_at(t, AT_FDCWD, a[0], AT_REMOVEDIR);
}

/* Two paths: both copied before anything is done. */
static int getnames(struct task *t, uint64_t u1, uint64_t u2, char **p1,
		    char **p2)
{
	int err = vfs_getname(t, u1, p1);
	if (err)
		return err;
	err = vfs_getname(t, u2, p2);
	if (err)
		free(*p1);
	return err;
}

static long rename_at(struct task *t, int od, uint64_t uo, int nd,
		      uint64_t un, unsigned int flags)
{
	char *o, *n;
	int err = getnames(t, uo, un, &o, &n);
	if (err)
		return err;
	err = vfs_renameat2(t, od, o, nd, n, flags);
	free(o);
	free(n);
	return err;
}

long sys_rename(struct task *t, const uint64_t a[6])
{
	return rename_at(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_renameat(struct task *t, const uint64_t a[6])
{
	return rename_at(t, (int)a[0], a[1], (int)a[2], a[3], 0);
}

long sys_renameat2(struct task *t, const uint64_t a[6])
{
	return rename_at(t, (int)a[0], a[1], (int)a[2], a[3],
			 (unsigned int)a[4]);
}

static long symlink_at(struct task *t, uint64_t utarget, int dirfd,
		       uint64_t upath)
{
	char *target, *path;
	int err = getnames(t, utarget, upath, &target, &path);
	if (err)
		return err;
	err = vfs_symlinkat(t, target, dirfd, path);
	free(target);
	free(path);
	return err;
}

long sys_symlink(struct task *t, const uint64_t a[6])
{
	return symlink_at(t, a[0], AT_FDCWD, a[1]);
}

long sys_symlinkat(struct task *t, const uint64_t a[6])
{
	return symlink_at(t, a[0], (int)a[1], a[2]);
}

static long link_at(struct task *t, int od, uint64_t uo, int nd, uint64_t un,
		    int flags)
{
	char *o, *n;
	int err = getnames(t, uo, un, &o, &n);
	if (err)
		return err;
	err = vfs_linkat(t, od, o, nd, n, flags);
	free(o);
	free(n);
	return err;
}

long sys_link(struct task *t, const uint64_t a[6])
{
	return link_at(t, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
}

long sys_linkat(struct task *t, const uint64_t a[6])
{
	return link_at(t, (int)a[0], a[1], (int)a[2], a[3], (int)a[4]);
}

/* --- attributes ------------------------------------------------------------ */

static long chmod_at(struct task *t, int dirfd, uint64_t up, mode_t mode,
		     int flags)
{
	char *p;
	int err = vfs_getname(t, up, &p);
	if (err)
		return err;
	err = vfs_chmodat(t, dirfd, p, mode, flags);
	free(p);
	return err;
}

long sys_chmod(struct task *t, const uint64_t a[6])
{
	return chmod_at(t, AT_FDCWD, a[0], (mode_t)a[1], 0);
}

long sys_fchmodat(struct task *t, const uint64_t a[6])
{
	/* fchmodat(2) has no flags argument in the kernel (glibc emulates
	 * AT_SYMLINK_NOFOLLOW); fchmodat2 is a separate call. */
	return chmod_at(t, (int)a[0], a[1], (mode_t)a[2], 0);
}

long sys_fchmod(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	bool opath = f->flags & O_PATH;
	file_put(f);
	if (opath)
		return -EBADF;
	return vfs_chmodat(t, (int)a[0], "", (mode_t)a[1], AT_EMPTY_PATH);
}

static long chown_at(struct task *t, int dirfd, uint64_t up, uint64_t uid,
		     uint64_t gid, int flags)
{
	char *p;
	int err = vfs_getname(t, up, &p);
	if (err)
		return err;
	err = vfs_chownat(t, dirfd, p, (uid_t)uid, (gid_t)gid, flags);
	free(p);
	return err;
}

long sys_chown(struct task *t, const uint64_t a[6])
{
	return chown_at(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_lchown(struct task *t, const uint64_t a[6])
{
	return chown_at(t, AT_FDCWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW);
}

long sys_fchownat(struct task *t, const uint64_t a[6])
{
	return chown_at(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}

long sys_fchown(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	bool opath = f->flags & O_PATH;
	file_put(f);
	if (opath)
		return -EBADF;
	return vfs_chownat(t, (int)a[0], "", (uid_t)a[1], (gid_t)a[2],
			   AT_EMPTY_PATH);
}

long sys_truncate(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	char *p;
	int err = vfs_getname(t, a[0], &p);
	if (err)
		return err;
	err = vfs_truncate(t, p, (int64_t)a[1]);
	free(p);
	return err;
}

long sys_utimensat(struct task *t, const uint64_t a[6])
{
	int dirfd = (int)a[0], flags = (int)a[3];
	struct timespec ts[2];
	const struct timespec *times = NULL;
	if (a[2]) {
		if (mm_copy_in(t->mm, ts, a[2], sizeof(ts)))
			return -EFAULT;
		times = ts;
	}
	/* utimensat(2): a NULL path means the file dirfd refers to
	 * (futimens), which must then not be AT_FDCWD. */
	if (!a[1]) {
		if (dirfd == AT_FDCWD)
			return -EFAULT;
		if (flags & ~AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		return vfs_utimensat(t, dirfd, "", times, AT_EMPTY_PATH);
	}
	char *p;
	int err = vfs_getname(t, a[1], &p);
	if (err)
		return err;
	err = vfs_utimensat(t, dirfd, p, times, flags);
	free(p);
	return err;
}

/* utimes(2)/utime(2): the old interfaces, in microseconds / seconds. */
long sys_utimes(struct task *t, const uint64_t a[6])
{
	struct timespec ts[2];
	const struct timespec *times = NULL;
	if (a[1]) {
		struct timeval tv[2];
		if (mm_copy_in(t->mm, tv, a[1], sizeof(tv)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
				return -EINVAL;
			ts[i].tv_sec = tv[i].tv_sec;
			ts[i].tv_nsec = tv[i].tv_usec * 1000;
		}
		times = ts;
	}
	char *p;
	int err = vfs_getname(t, a[0], &p);
	if (err)
		return err;
	err = vfs_utimensat(t, AT_FDCWD, p, times, 0);
	free(p);
	return err;
}

long sys_utime(struct task *t, const uint64_t a[6])
{
	struct timespec ts[2];
	const struct timespec *times = NULL;
	if (a[1]) {
		int64_t ut[2]; /* struct utimbuf: actime, modtime */
		if (mm_copy_in(t->mm, ut, a[1], sizeof(ut)))
			return -EFAULT;
		ts[0] = (struct timespec){ut[0], 0};
		ts[1] = (struct timespec){ut[1], 0};
		times = ts;
	}
	char *p;
	int err = vfs_getname(t, a[0], &p);
	if (err)
		return err;
	err = vfs_utimensat(t, AT_FDCWD, p, times, 0);
	free(p);
	return err;
}
