/* Extended attributes: getxattr(2), setxattr(2), listxattr(2),
 * removexattr(2) and their l/f variants.
 *
 * Filesystems that store them (the host tree written through the gofer:
 * --overlay=none, writable volumes) implement the inode's xattr
 * operations; the checks Linux makes before asking a filesystem (name,
 * size, flags, namespace, permission, read-only mount) are made here.
 * Every other file has none (ENODATA, an empty list), and setting one is
 * refused the way Linux refuses it on a filesystem without xattr support
 * (ENOTSUP; EROFS on a read-only mount). Programs such as `ls -l` and
 * `cp -a` treat these answers as "nothing to show or preserve". The path
 * or fd is still resolved so that a missing file, a bad fd or a bad
 * pointer gives the error Linux gives. */
#include <fcntl.h>
#include <sys/mount.h>
#include <string.h>
#include <sys/xattr.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/fs.h"
#include "sentry/vfs/namei.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

#define XATTR_NAME_MAX 255

#define XATTR_SIZE_MAX 65536
#define XATTR_LIST_MAX 65536

/* What a call is about: a path or an open file's dentry, referenced. */
struct xtarget {
	struct path p;      /* p.dentry NULL for an fd target */
	struct file *f;
	struct dentry *d;
	bool rdonly;
};

static void xtarget_put(struct xtarget *x)
{
	if (x->p.dentry)
		path_put(&x->p);
	if (x->f)
		file_put(x->f);
}

/* Resolve the target: path (follow or not) or fd. */
static long xattr_target(struct task *t, bool is_fd, uint64_t arg,
			 bool follow, struct xtarget *x)
{
	memset(x, 0, sizeof(*x));
	if (is_fd) {
		struct file *f = fd_get(t->files, (int)arg);
		if (!f)
			return -EBADF;
		x->f = f;
		x->d = f->dentry;
		x->rdonly = f->mnt && (f->mnt->sb->rdonly ||
				       (f->mnt->flags & MS_RDONLY));
		return 0;
	}
	char *path;
	long r = vfs_getname(t, arg, &path);
	if (r)
		return r;
	r = vfs_lookup(t, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &x->p);
	free(path);
	if (r < 0) {
		x->p.dentry = NULL;
		return r;
	}
	x->d = x->p.dentry;
	x->rdonly = vfs_path_rdonly(&x->p);
	return 0;
}

static long xattr_name(struct task *t, uint64_t uname, char *name)
{
	ssize_t n = mm_copy_in_str(t->mm, name, uname, XATTR_NAME_MAX + 1);
	if (n == -ENAMETOOLONG)
		return -ERANGE;
	if (n < 0)
		return n;
	if (n == 0)
		return -ERANGE;
	return 0;
}

/* The target (a[0]) and the attribute name (a[1]) of the get, set and
 * remove calls, checked in Linux's order. */
static long xattr_target_name(struct task *t, const uint64_t a[6],
			      bool is_fd, bool follow, struct xtarget *x,
			      char *name)
{
	long r = xattr_target(t, is_fd, a[0], follow, x);
	if (r < 0)
		return r;
	r = xattr_name(t, a[1], name);
	if (r < 0)
		xtarget_put(x);
	return r;
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* Linux's xattr_permission() for a filesystem that stores xattrs: the
 * namespace must be known (EOPNOTSUPP), trusted.* is for CAP_SYS_ADMIN
 * (the sandbox's root), user.* only on regular files and directories,
 * with the sticky-directory rule, and read or write permission. */
static long xattr_perm(struct task *t, struct inode *i, const char *name,
		       int mask)
{
	if (!has_prefix(name, "user.") && !has_prefix(name, "trusted.") &&
	    !has_prefix(name, "security.") && !has_prefix(name, "system."))
		return -EOPNOTSUPP;
	if (has_prefix(name, "trusted.")) {
		if (t->cred.euid != 0)
			return mask & MAY_WRITE ? -EPERM : -ENODATA;
		return 0;
	}
	if (!has_prefix(name, "user."))
		return 0;
	if (!S_ISREG(i->mode) && !S_ISDIR(i->mode))
		return mask & MAY_WRITE ? -EPERM : -ENODATA;
	if (S_ISDIR(i->mode) && (i->mode & S_ISVTX) && (mask & MAY_WRITE) &&
	    t->cred.fsuid != i->uid && t->cred.fsuid != 0)
		return -EPERM;
	return inode_permission(&t->cred, i, mask);
}

static const struct inode_operations *xops(struct dentry *d)
{
	return d && d->inode ? d->inode->iops : NULL;
}

static long do_getxattr(struct task *t, const uint64_t a[6], bool is_fd,
			bool follow)
{
	struct xtarget x;
	char name[XATTR_NAME_MAX + 1];
	long r = xattr_target_name(t, a, is_fd, follow, &x, name);
	if (r < 0)
		return r;
	const struct inode_operations *ops = xops(x.d);
	if (!ops || !ops->getxattr) {
		r = -ENODATA;
		goto out;
	}
	r = xattr_perm(t, x.d->inode, name, MAY_READ);
	if (r < 0)
		goto out;
	size_t size = RV_MIN((size_t)a[3], (size_t)XATTR_SIZE_MAX);
	void *buf = size ? rv_xmalloc(size) : NULL;
	r = ops->getxattr(x.d, name, buf, size);
	if (r > 0 && size && mm_copy_out(t->mm, a[2], buf, (size_t)r) < 0)
		r = -EFAULT;
	free(buf);
out:
	xtarget_put(&x);
	return r;
}

static long do_listxattr(struct task *t, const uint64_t a[6], bool is_fd,
			 bool follow)
{
	struct xtarget x;
	long r = xattr_target(t, is_fd, a[0], follow, &x);
	if (r < 0)
		return r;
	const struct inode_operations *ops = xops(x.d);
	if (!ops || !ops->listxattr) {
		xtarget_put(&x);
		return 0;
	}
	size_t size = RV_MIN((size_t)a[2], (size_t)XATTR_LIST_MAX);
	char *buf = size ? rv_xmalloc(size) : NULL;
	r = ops->listxattr(x.d, buf, size);
	if (r > 0 && size && mm_copy_out(t->mm, a[1], buf, (size_t)r) < 0)
		r = -EFAULT;
	free(buf);
	xtarget_put(&x);
	return r;
}

static long do_setxattr(struct task *t, const uint64_t a[6], bool is_fd,
			bool follow)
{
	struct xtarget x;
	char name[XATTR_NAME_MAX + 1];
	long r = xattr_target_name(t, a, is_fd, follow, &x, name);
	if (r < 0)
		return r;
	int flags = (int)a[4];
	void *val = NULL;
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) {
		r = -EINVAL;
		goto out;
	}
	if (a[3] > XATTR_SIZE_MAX) {
		r = -E2BIG;
		goto out;
	}
	if (a[3]) {
		val = rv_xmalloc((size_t)a[3]);
		if (mm_copy_in(t->mm, val, a[2], (size_t)a[3]) < 0) {
			r = -EFAULT;
			goto out;
		}
	}
	if (x.rdonly) {
		r = -EROFS;
		goto out;
	}
	const struct inode_operations *ops = xops(x.d);
	if (!ops || !ops->setxattr) {
		r = (flags & XATTR_REPLACE) ? -ENODATA : -ENOTSUP;
		goto out;
	}
	r = xattr_perm(t, x.d->inode, name, MAY_WRITE);
	if (r == 0)
		r = ops->setxattr(x.d, name, val, (size_t)a[3], flags);
out:
	free(val);
	xtarget_put(&x);
	return r;
}

static long do_removexattr(struct task *t, const uint64_t a[6], bool is_fd,
			   bool follow)
{
	struct xtarget x;
	char name[XATTR_NAME_MAX + 1];
	long r = xattr_target_name(t, a, is_fd, follow, &x, name);
	if (r < 0)
		return r;
	const struct inode_operations *ops = xops(x.d);
	if (x.rdonly)
		r = -EROFS;
	else if (!ops || !ops->removexattr)
		r = -ENODATA;
	else if ((r = xattr_perm(t, x.d->inode, name, MAY_WRITE)) == 0)
		r = ops->removexattr(x.d, name);
	xtarget_put(&x);
	return r;
}

long sys_getxattr(struct task *t, const uint64_t a[6]) { return do_getxattr(t, a, false, true); }
long sys_lgetxattr(struct task *t, const uint64_t a[6]) { return do_getxattr(t, a, false, false); }
long sys_fgetxattr(struct task *t, const uint64_t a[6]) { return do_getxattr(t, a, true, false); }
long sys_listxattr(struct task *t, const uint64_t a[6]) { return do_listxattr(t, a, false, true); }
long sys_llistxattr(struct task *t, const uint64_t a[6]) { return do_listxattr(t, a, false, false); }
long sys_flistxattr(struct task *t, const uint64_t a[6]) { return do_listxattr(t, a, true, false); }
long sys_setxattr(struct task *t, const uint64_t a[6]) { return do_setxattr(t, a, false, true); }
long sys_lsetxattr(struct task *t, const uint64_t a[6]) { return do_setxattr(t, a, false, false); }
long sys_fsetxattr(struct task *t, const uint64_t a[6]) { return do_setxattr(t, a, true, false); }
long sys_removexattr(struct task *t, const uint64_t a[6]) { return do_removexattr(t, a, false, true); }
long sys_lremovexattr(struct task *t, const uint64_t a[6]) { return do_removexattr(t, a, false, false); }
long sys_fremovexattr(struct task *t, const uint64_t a[6]) { return do_removexattr(t, a, true, false); }
