/* Metadata and directory system calls: stat family, statx, statfs,
 * getdents64, readlink, access, getcwd, chdir, umask. Results are built in
 * sentry memory and copied out with mm_copy_out (EFAULT on a bad pointer). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/namei.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

/* The x86-64 kernel's struct stat is glibc's struct stat on this
 * architecture (144 bytes); fill it field by field. */
static int put_stat(struct task *t, uint64_t ubuf, const struct kstat *k)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_dev = k->dev;
	st.st_ino = k->ino;
	st.st_nlink = k->nlink;
	st.st_mode = k->mode;
	st.st_uid = k->uid;
	st.st_gid = k->gid;
	st.st_rdev = k->rdev;
	st.st_size = (off_t)k->size;
	st.st_blksize = k->blksize ? k->blksize : 4096;
	st.st_blocks = (blkcnt_t)k->blocks;
	st.st_atim = k->atime;
	st.st_mtim = k->mtime;
	st.st_ctim = k->ctime;
	return mm_copy_out(t->mm, ubuf, &st, sizeof(st));
}

static long statat(struct task *t, int dirfd, uint64_t upath, int flags,
		   struct kstat *k)
{
	char *path;
	int err = vfs_getname(t, upath, &path);
	if (err)
		return err;
	err = vfs_statat(t, dirfd, path, flags, k);
	free(path);
	return err;
}

static long stat_common(struct task *t, int dirfd, uint64_t upath,
			uint64_t ubuf, int flags)
{
	struct kstat k;
	long err = statat(t, dirfd, upath, flags, &k);
	if (err)
		return err;
	return put_stat(t, ubuf, &k);
}

long sys_stat(struct task *t, const uint64_t a[6])
{
	return stat_common(t, AT_FDCWD, a[0], a[1], 0);
}

long sys_lstat(struct task *t, const uint64_t a[6])
{
	return stat_common(t, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);
}

long sys_newfstatat(struct task *t, const uint64_t a[6])
{
	return stat_common(t, (int)a[0], a[1], a[2], (int)a[3]);
}

long sys_fstat(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	struct kstat k;
	long err = vfs_fstat(f, &k);
	file_put(f);
	if (err)
		return err;
	return put_stat(t, a[1], &k);
}

long sys_statx(struct task *t, const uint64_t a[6])
{
	int dirfd = (int)a[0], flags = (int)a[2];
	unsigned int mask = (unsigned int)a[3];
	if (mask & STATX__RESERVED)
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
		      AT_STATX_SYNC_TYPE))
		return -EINVAL;
	struct kstat k;
	long err = statat(t, dirfd, a[1], flags & ~AT_STATX_SYNC_TYPE, &k);
	if (err)
		return err;
	struct statx sx;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = k.blksize ? k.blksize : 4096;
	sx.stx_nlink = (uint32_t)k.nlink;
	sx.stx_uid = k.uid;
	sx.stx_gid = k.gid;
	sx.stx_mode = (uint16_t)k.mode;
	sx.stx_ino = k.ino;
	sx.stx_size = k.size;
	sx.stx_blocks = k.blocks;
	sx.stx_atime.tv_sec = k.atime.tv_sec;
	sx.stx_atime.tv_nsec = (uint32_t)k.atime.tv_nsec;
	sx.stx_mtime.tv_sec = k.mtime.tv_sec;
	sx.stx_mtime.tv_nsec = (uint32_t)k.mtime.tv_nsec;
	sx.stx_ctime.tv_sec = k.ctime.tv_sec;
	sx.stx_ctime.tv_nsec = (uint32_t)k.ctime.tv_nsec;
	if (k.btime.tv_sec) {
		sx.stx_mask |= STATX_BTIME;
		sx.stx_btime.tv_sec = k.btime.tv_sec;
		sx.stx_btime.tv_nsec = (uint32_t)k.btime.tv_nsec;
	}
	sx.stx_rdev_major = major(k.rdev);
	sx.stx_rdev_minor = minor(k.rdev);
	sx.stx_dev_major = major(k.dev);
	sx.stx_dev_minor = minor(k.dev);
	return mm_copy_out(t->mm, a[4], &sx, sizeof(sx));
}

long sys_statfs(struct task *t, const uint64_t a[6])
{
	char *path;
	int err = vfs_getname(t, a[0], &path);
	if (err)
		return err;
	struct statfs sf;
	err = vfs_statfsat(t, AT_FDCWD, path, 0, &sf);
	free(path);
	if (err)
		return err;
	return mm_copy_out(t->mm, a[1], &sf, sizeof(sf));
}

long sys_fstatfs(struct task *t, const uint64_t a[6])
{
	struct statfs sf;
	int err = vfs_statfsat(t, (int)a[0], "", AT_EMPTY_PATH, &sf);
	if (err)
		return err;
	return mm_copy_out(t->mm, a[1], &sf, sizeof(sf));
}

/* --- getdents64 ------------------------------------------------------------- */

struct dents_buf {
	struct dir_context ctx;
	char *buf;
	size_t len, cap;
	bool full;  /* an entry did not fit */
};

/* struct linux_dirent64: ino, off, reclen, type, name, 8-byte aligned. */
static int dents_emit(struct dir_context *c, const char *name, size_t nl,
		      uint64_t ino, unsigned char type, int64_t off)
{
	struct dents_buf *d = (struct dents_buf *)c;
	size_t reclen = (offsetof(struct dirent64, d_name) + nl + 1 + 7) & ~7UL;
	if (d->len + reclen > d->cap) {
		d->full = true;
		return 1;
	}
	struct dirent64 *de = (struct dirent64 *)(d->buf + d->len);
	memset(de, 0, reclen);
	de->d_ino = ino;
	de->d_off = off;
	de->d_reclen = (unsigned short)reclen;
	de->d_type = type;
	memcpy(de->d_name, name, nl);
	d->len += reclen;
	return 0;
}

/* The old getdents(2)'s struct linux_dirent: ino, off, reclen, name, a
 * NUL, then d_type in the record's last byte; long-aligned. Still used by
 * raw-syscall code such as the sanitizers' runtime (LeakSanitizer lists
 * /proc/self/task with it). */
struct linux_dirent_head {
	unsigned long d_ino, d_off;
	unsigned short d_reclen;
	char d_name[];
};

static int dents_emit_old(struct dir_context *c, const char *name, size_t nl,
			  uint64_t ino, unsigned char type, int64_t off)
{
	struct dents_buf *d = (struct dents_buf *)c;
	size_t reclen = (offsetof(struct linux_dirent_head, d_name) + nl + 2 +
			 sizeof(long) - 1) & ~(sizeof(long) - 1);
	if (d->len + reclen > d->cap) {
		d->full = true;
		return 1;
	}
	char *rec = d->buf + d->len;
	struct linux_dirent_head *de = (struct linux_dirent_head *)rec;
	memset(rec, 0, reclen);
	de->d_ino = ino;
	de->d_off = (unsigned long)off;
	de->d_reclen = (unsigned short)reclen;
	memcpy(de->d_name, name, nl);
	rec[reclen - 1] = (char)type;
	d->len += reclen;
	return 0;
}

static long do_getdents(struct task *t, const uint64_t a[6],
			int (*emit)(struct dir_context *, const char *, size_t,
				    uint64_t, unsigned char, int64_t))
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	size_t count = RV_MIN((size_t)a[2], (size_t)1 << 20);
	/* One sentry buffer; large requests are capped (a short result is
	 * fine: the caller asks again). */
	struct dents_buf d = {.ctx.emit = emit, .cap = count};
	d.buf = rv_xmalloc(count ? count : 1);
	long r = vfs_iterate_dir(f, &d.ctx);
	file_put(f);
	if (r == 0) {
		/* getdents(2): EINVAL when the next entry does not fit. */
		if (d.len == 0 && d.full)
			r = -EINVAL;
		if (r == 0 && d.len &&
		    mm_copy_out(t->mm, a[1], d.buf, d.len))
			r = -EFAULT;
		if (r == 0)
			r = (long)d.len;
	}
	free(d.buf);
	return r;
}

long sys_getdents64(struct task *t, const uint64_t a[6])
{
	return do_getdents(t, a, dents_emit);
}

long sys_getdents(struct task *t, const uint64_t a[6])
{
	return do_getdents(t, a, dents_emit_old);
}

/* --- links, access, cwd ----------------------------------------------------- */

static long do_readlinkat(struct task *t, int dirfd, uint64_t upath,
			  uint64_t ubuf, int64_t size)
{
	if (size <= 0)
		return -EINVAL;
	char *path;
	int err = vfs_getname(t, upath, &path);
	if (err)
		return err;
	size_t len = RV_MIN((size_t)size, (size_t)PATH_MAX);
	char *buf = rv_xmalloc(len);
	ssize_t n = vfs_readlinkat(t, dirfd, path, buf, len);
	free(path);
	if (n > 0 && mm_copy_out(t->mm, ubuf, buf, (size_t)n))
		n = -EFAULT;
	free(buf);
	return n;
}

long sys_readlink(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, AT_FDCWD, a[0], a[1], (int)a[2]);
}

long sys_readlinkat(struct task *t, const uint64_t a[6])
{
	return do_readlinkat(t, (int)a[0], a[1], a[2], (int)a[3]);
}

static long do_access(struct task *t, int dirfd, uint64_t upath, int mode,
		      int flags)
{
	char *path;
	int err = vfs_getname(t, upath, &path);
	if (err)
		return err;
	err = vfs_accessat(t, dirfd, path, mode, flags);
	free(path);
	return err;
}

long sys_access(struct task *t, const uint64_t a[6])
{
	return do_access(t, AT_FDCWD, a[0], (int)a[1], 0);
}

long sys_faccessat(struct task *t, const uint64_t a[6])
{
	return do_access(t, (int)a[0], a[1], (int)a[2], 0);
}

long sys_faccessat2(struct task *t, const uint64_t a[6])
{
	return do_access(t, (int)a[0], a[1], (int)a[2], (int)a[3]);
}

long sys_getcwd(struct task *t, const uint64_t a[6])
{
	char *buf = rv_xmalloc(PATH_MAX);
	long n = vfs_getcwd(t, buf, PATH_MAX);
	if (n >= 0) {
		/* The syscall returns the length including the NUL. */
		if ((uint64_t)n + 1 > a[1])
			n = -ERANGE;
		else if (mm_copy_out(t->mm, a[0], buf, (size_t)n + 1))
			n = -EFAULT;
		else
			n = n + 1;
	}
	free(buf);
	return n;
}

long sys_chdir(struct task *t, const uint64_t a[6])
{
	char *path;
	int err = vfs_getname(t, a[0], &path);
	if (err)
		return err;
	err = *path ? vfs_chdir(t, AT_FDCWD, path) : -ENOENT;
	free(path);
	return err;
}

long sys_fchdir(struct task *t, const uint64_t a[6])
{
	if ((int)a[0] == AT_FDCWD || (int)a[0] < 0)
		return -EBADF;
	return vfs_chdir(t, (int)a[0], "");
}

long sys_umask(struct task *t, const uint64_t a[6])
{
	return fs_context_umask(t->fs, (int)(a[0] & 0777));
}
