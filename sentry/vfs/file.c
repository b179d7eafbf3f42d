/* Open file descriptions: reference counting, the helpers other parts of
 * the sentry use on files (loader, mm, /proc), and small iovec helpers for
 * filesystems whose data sits in sentry buffers. */
#include "sentry/vfs/fs.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "sentry/fs/inotify/inotify.h"
#include "sentry/util.h"

struct file *file_alloc(const struct path *p, struct inode *inode,
			const struct file_operations *ops, unsigned int flags)
{
	struct file *f = rv_xcalloc(1, sizeof(*f));
	atomic_init(&f->refs, 1);
	f->ops = ops;
	f->flags = flags;
	pthread_mutex_init(&f->pos_lock, NULL);
	if (p) {
		f->mnt = mnt_get(p->mnt);
		f->dentry = dget(p->dentry);
	}
	if (inode)
		f->inode = inode_get(inode);
	return f;
}

struct file *file_get(struct file *f)
{
	if (f)
		atomic_fetch_add(&f->refs, 1);
	return f;
}

void file_put(struct file *f)
{
	if (!f || atomic_fetch_sub(&f->refs, 1) != 1)
		return;
	epoll_file_released(f);
	vfs_locks_release(f);
	if (f->dentry && !(f->flags & O_PATH)) {
		int acc = f->flags & O_ACCMODE;
		inotify_dentry(f->dentry, acc == O_WRONLY || acc == O_RDWR
						  ? IN_CLOSE_WRITE
						  : IN_CLOSE_NOWRITE);
	}
	if (f->ops && f->ops->release)
		f->ops->release(f);
	if (f->dentry)
		dput(f->dentry);
	if (f->mnt)
		mnt_put(f->mnt);
	if (f->inode)
		inode_put(f->inode);
	pthread_mutex_destroy(&f->pos_lock);
	free(f->anon_name);
	free(f);
}

ssize_t vfs_pread(struct file *f, void *buf, size_t len, uint64_t off)
{
	if (!f->ops || !f->ops->read)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_WRONLY || (f->flags & O_PATH))
		return -EBADF;
	if (off > INT64_MAX)
		return -EINVAL;
	size_t done = 0;
	/* Loop: a filesystem may return short counts (page boundaries). */
	while (done < len) {
		struct iovec iov = {(char *)buf + done, len - done};
		int64_t pos = (int64_t)(off + done);
		ssize_t n = f->ops->read(f, &iov, 1, f->ops->llseek ? &pos
								     : NULL);
		if (n < 0)
			return done ? (ssize_t)done : n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int vfs_fstat(struct file *f, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	if (f->dentry && f->dentry->inode && f->dentry->inode->iops &&
	    f->dentry->inode->iops->getattr)
		return f->dentry->inode->iops->getattr(f->dentry, st);
	if (f->inode && f->inode->iops && f->inode->iops->getattr) {
		/* Anonymous files (stdio) answer through their inode. */
		struct dentry anon = {.inode = f->inode};
		anon.parent = &anon;
		return f->inode->iops->getattr(&anon, st);
	}
	if (f->inode) {
		inode_fill_kstat(f->inode, st);
		return 0;
	}
	return -EBADF;
}

int vfs_file_path(struct file *f, char *buf, size_t len)
{
	if (f->mnt && f->dentry) {
		struct path p = {f->mnt, f->dentry};
		struct path root = {vfs_root_mount(), NULL};
		root.dentry = root.mnt ? root.mnt->root : NULL;
		pthread_mutex_lock(&vfs_ns_lock);
		int n = vfs_path_string(&p, &root, buf, len);
		pthread_mutex_unlock(&vfs_ns_lock);
		if (n < 0)
			return n;
		/* Linux appends " (deleted)" to unlinked files' links. */
		if (f->dentry->dead && (size_t)n + 11 < len) {
			memcpy(buf + n, " (deleted)", 11);
			n += 10;
		}
		return n;
	}
	if (f->anon_name) {
		int n = snprintf(buf, len, "%s", f->anon_name);
		return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : n;
	}
	int n = snprintf(buf, len, "anon_inode:[unknown]");
	return (n < 0 || (size_t)n >= len) ? -ENAMETOOLONG : n;
}

int vfs_mmap_check(struct file *f, int prot, int flags)
{
	if (f->flags & O_PATH)
		return -EBADF;
	/* Directories, pipes, sockets: no mmap (Linux: -ENODEV). */
	if (!f->inode || !(S_ISREG(f->inode->mode) || S_ISCHR(f->inode->mode)))
		return -ENODEV;
	if (!f->ops || !f->ops->read)
		return -ENODEV;
	/* mmap(2): EACCES when the fd is not open for reading, or
	 * MAP_SHARED with PROT_WRITE on a file not open read-write, or
	 * PROT_WRITE on an append-only file. */
	if ((f->flags & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	/* mmap(2): EPERM for PROT_EXEC of a file on a noexec mount. */
	if ((prot & PROT_EXEC) && vfs_file_noexec(f))
		return -EPERM;
	int type = flags & MAP_TYPE;
	if (type == MAP_SHARED || type == MAP_SHARED_VALIDATE) {
		/* memfd_create(2): F_SEAL_WRITE forbids shared writable
		 * mappings. */
		if ((prot & PROT_WRITE) &&
		    (f->inode->seals & (F_SEAL_WRITE | 0x0010)))
			return -EPERM;
		if ((prot & PROT_WRITE) && (f->flags & O_ACCMODE) != O_RDWR)
			return -EACCES;
		if ((prot & PROT_WRITE) && (f->flags & O_APPEND))
			return -EACCES;
		if (!f->ops->get_page && (prot & PROT_WRITE))
			return -ENODEV;
	}
	return 0;
}

/* --- iovec helpers for filesystems ---------------------------------------- */

size_t vfs_iov_length(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;
	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

ssize_t vfs_iov_copy_out(const struct iovec *iov, int iovcnt, size_t skip,
			 const void *src, size_t len)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t n = RV_MIN(iov[i].iov_len - skip, len - done);
		memcpy((char *)iov[i].iov_base + skip, (const char *)src + done,
		       n);
		done += n;
		skip = 0;
	}
	return (ssize_t)done;
}

ssize_t vfs_iov_copy_in(void *dst, size_t len, const struct iovec *iov,
			int iovcnt, size_t skip)
{
	size_t done = 0;
	for (int i = 0; i < iovcnt && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t n = RV_MIN(iov[i].iov_len - skip, len - done);
		memcpy((char *)dst + done, (const char *)iov[i].iov_base + skip,
		       n);
		done += n;
		skip = 0;
	}
	return (ssize_t)done;
}

int64_t generic_llseek(struct file *f, int64_t off, int whence, int64_t size)
{
	int64_t base;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	case SEEK_DATA:
		/* No holes are reported: all data up to size. */
		if (off < 0 || off >= size)
			return -ENXIO;
		return f->pos = off;
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		return f->pos = size;
	default:
		return -EINVAL;
	}
	int64_t np;
	if (__builtin_add_overflow(base, off, &np))
		return -EOVERFLOW;
	if (np < 0)
		return -EINVAL;
	return f->pos = np;
}

struct timespec vfs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

/* --- memfd seals (fcntl(2) F_ADD_SEALS / F_GET_SEALS) ----------------------- */

#define VFS_SEALS_ALL (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | \
		       F_SEAL_WRITE | 0x0010 /* F_SEAL_FUTURE_WRITE */)

int vfs_add_seals(struct file *f, unsigned int seals)
{
	struct inode *i = f->inode;
	if (!i || !i->sealable)
		return -EINVAL;
	if (seals & ~VFS_SEALS_ALL)
		return -EINVAL;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return -EPERM;
	int err = 0;
	pthread_mutex_lock(&i->lock);
	if (i->seals & F_SEAL_SEAL)
		err = -EPERM;
	else
		i->seals |= seals;
	pthread_mutex_unlock(&i->lock);
	return err;
}

int vfs_get_seals(struct file *f)
{
	struct inode *i = f->inode;
	if (!i || !i->sealable)
		return -EINVAL;
	pthread_mutex_lock(&i->lock);
	int r = (int)i->seals;
	pthread_mutex_unlock(&i->lock);
	return r;
}
