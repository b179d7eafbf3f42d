/* Extended attributes: getxattr(2), setxattr(2), listxattr(2),
 * removexattr(2) and their l/f variants.
 *
 * No filesystem of the sandbox stores extended attributes yet: every file
 * has none (ENODATA, an empty list), and setting one is refused the way
 * Linux refuses it on a filesystem without xattr support (ENOTSUP; EROFS
 * on a read-only mount). Programs such as `ls -l` and `cp -a` treat these
 * answers as "nothing to show or preserve". The path or fd is still
 * resolved so that a missing file, a bad fd or a bad pointer gives the
 * error Linux gives. */
#include <fcntl.h>
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

/* Resolve the target: path (follow or not) or fd. Fills *rdonly. */
static long xattr_target(struct task *t, bool is_fd, uint64_t arg,
			 bool follow, bool *rdonly)
{
	if (is_fd) {
		struct file *f = fd_get(t->files, (int)arg);
		if (!f)
			return -EBADF;
		*rdonly = f->mnt && f->mnt->sb && f->mnt->sb->rdonly;
		file_put(f);
		return 0;
	}
	char *path;
	long r = vfs_getname(t, arg, &path);
	if (r)
		return r;
	struct path p;
	r = vfs_lookup(t, AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &p);
	free(path);
	if (r < 0)
		return r;
	*rdonly = p.mnt && p.mnt->sb && p.mnt->sb->rdonly;
	path_put(&p);
	return 0;
}

static long xattr_name(struct task *t, uint64_t uname)
{
	char name[XATTR_NAME_MAX + 1];
	ssize_t n = mm_copy_in_str(t->mm, name, uname, sizeof(name));
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
			      bool is_fd, bool follow, bool *ro)
{
	long r = xattr_target(t, is_fd, a[0], follow, ro);
	return r < 0 ? r : xattr_name(t, a[1]);
}

static long do_getxattr(struct task *t, const uint64_t a[6], bool is_fd,
			bool follow)
{
	bool ro;
	long r = xattr_target_name(t, a, is_fd, follow, &ro);
	return r < 0 ? r : -ENODATA;
}

static long do_listxattr(struct task *t, const uint64_t a[6], bool is_fd,
			 bool follow)
{
	bool ro;
	long r = xattr_target(t, is_fd, a[0], follow, &ro);
	return r < 0 ? r : 0;
}

static long do_setxattr(struct task *t, const uint64_t a[6], bool is_fd,
			bool follow)
{
	bool ro;
	long r = xattr_target_name(t, a, is_fd, follow, &ro);
	if (r < 0)
		return r;
	int flags = (int)a[4];
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	if (a[3] > 65536)
		return -E2BIG;
	if (ro)
		return -EROFS;
	if (flags & XATTR_REPLACE)
		return -ENODATA;
	return -ENOTSUP;
}

static long do_removexattr(struct task *t, const uint64_t a[6], bool is_fd,
			   bool follow)
{
	bool ro;
	long r = xattr_target_name(t, a, is_fd, follow, &ro);
	if (r < 0)
		return r;
	return ro ? -EROFS : -ENODATA;
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
