/* The host filesystem, read-only: every inode keeps a backend handle (an
 * O_PATH|O_NOFOLLOW host fd) and lookups walk one component at a time with
 * the backend, so the host never follows a symlink for the sandbox: the
 * sentry's path walk does, against the sandbox's root.
 *
 * By default dentries are not cached: each walk asks the backend again and
 * no host fd outlives its use. hostfs_enable_dcache() keeps up to a bound
 * of unused ones (least recently used evicted first): repeated walks then
 * cost no host call. Names missing on the host are never cached, so files
 * created on the host show at once. Every write-like operation is EROFS (the VFS checks
 * sb->rdonly before asking the filesystem).
 *
 * Device nodes of the host are not opened (EACCES, as on a nodev mount): a
 * host /dev/sda seen through --root must not become the sandbox's disk. */
#include "sentry/fs/host/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

#include "sentry/util.h"

struct host_sb {
	const struct hostfs_backend *be;
};

struct host_file {
	int fd;       /* host fd opened for I/O */
	/* directories: getdents64 buffer */
	char *dbuf;
	size_t dlen, doff;
	int64_t dpos;       /* position of the next entry in dbuf */
	bool eof;
};

static const struct inode_operations host_iops;
static const struct file_operations host_file_fops;
static const struct file_operations host_dir_fops;

static const struct hostfs_backend *BE(struct inode *i)
{
	return ((struct host_sb *)i->sb->priv)->be;
}

static int HFD(struct inode *i)
{
	return (int)(intptr_t)i->priv;
}

static void stat_to_inode(struct inode *i, const struct stat *st)
{
	i->ino = st->st_ino;
	i->mode = st->st_mode;
	i->uid = st->st_uid;
	i->gid = st->st_gid;
	i->nlink = st->st_nlink;
	i->size = (uint64_t)st->st_size;
	i->rdev = st->st_rdev;
	i->atime = st->st_atim;
	i->mtime = st->st_mtim;
	i->ctime = st->st_ctim;
}

static struct inode *host_inode(struct super_block *sb, int h,
				const struct stat *st)
{
	struct inode *i = inode_alloc(sb, st->st_mode);
	stat_to_inode(i, st);
	i->priv = (void *)(intptr_t)h;
	i->iops = &host_iops;
	if (S_ISDIR(st->st_mode))
		i->fops = &host_dir_fops;
	else if (S_ISREG(st->st_mode))
		i->fops = &host_file_fops;
	return i;
}

static void host_put_inode(struct inode *i)
{
	BE(i)->close(HFD(i));
}

static int host_lookup(struct inode *dir, struct dentry *parent,
		       const char *name, struct dentry **out)
{
	int h;
	struct stat st;
	/* The VFS never passes these; a backend must never see them. */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	int err = BE(dir)->walk(HFD(dir), name, &h, &st);
	if (err)
		return err;
	struct inode *i = host_inode(dir->sb, h, &st);
	struct dentry *d = d_alloc(parent, name, strlen(name));
	d_instantiate(d, i);
	inode_put(i);
	*out = d;
	return 0;
}

static ssize_t host_readlink(struct dentry *d, char *buf, size_t len)
{
	return BE(d->inode)->readlink(HFD(d->inode), buf, len);
}

static int host_getattr(struct dentry *d, struct kstat *k)
{
	struct stat st;
	struct inode *i = d->inode;
	int err = BE(i)->stat(HFD(i), &st);
	if (err)
		return err;
	memset(k, 0, sizeof(*k));
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->nlink = st.st_nlink;
	k->size = (uint64_t)st.st_size;
	k->blocks = (uint64_t)st.st_blocks;
	k->rdev = st.st_rdev;
	k->mode = st.st_mode;
	k->uid = st.st_uid;
	k->gid = st.st_gid;
	k->blksize = (uint32_t)st.st_blksize;
	k->atime = st.st_atim;
	k->mtime = st.st_mtim;
	k->ctime = st.st_ctim;
	return 0;
}

static int host_setattr(struct dentry *d, const struct iattr *ia)
{
	(void)d;
	(void)ia;
	return -EROFS;
}

static int host_open(struct inode *i, struct file *f)
{
	if (S_ISCHR(i->mode) || S_ISBLK(i->mode))
		return -EACCES;
	if (S_ISFIFO(i->mode))
		return -ENXIO; /* a host fifo would block the sentry */
	if (!S_ISREG(i->mode) && !S_ISDIR(i->mode))
		return -ENXIO;
	int fd = BE(i)->open(HFD(i), S_ISDIR(i->mode) ? O_DIRECTORY : 0);
	if (fd < 0)
		return fd;
	struct host_file *hf = rv_xcalloc(1, sizeof(*hf));
	hf->fd = fd;
	hf->dpos = 2;
	f->priv = hf;
	return 0;
}

static const struct inode_operations host_iops = {
	.lookup = host_lookup,
	.readlink = host_readlink,
	.getattr = host_getattr,
	.setattr = host_setattr,
	.open = host_open,
};

static struct host_file *HF(struct file *f)
{
	return f->priv;
}

static ssize_t host_read(struct file *f, const struct iovec *iov, int iovcnt,
			 int64_t *pos)
{
	ssize_t n = preadv(HF(f)->fd, iov, iovcnt, *pos);
	if (n < 0)
		return -errno;
	*pos += n;
	return n;
}

static int64_t host_llseek(struct file *f, int64_t off, int whence)
{
	if (whence == SEEK_DATA || whence == SEEK_HOLE || whence == SEEK_END) {
		/* The host knows the size (and holes) best. */
		off_t r = lseek(HF(f)->fd, off, whence);
		if (r < 0)
			return -errno;
		return f->pos = r;
	}
	return generic_llseek(f, off, whence, 0);
}

static int host_fsync(struct file *f)
{
	(void)f;
	return 0; /* read-only: nothing to write back */
}

static void host_release(struct file *f)
{
	struct host_file *hf = HF(f);
	if (!hf)
		return;
	close(hf->fd);
	free(hf->dbuf);
	free(hf);
}

static const struct file_operations host_file_fops = {
	.read = host_read,
	.llseek = host_llseek,
	.fsync = host_fsync,
	.release = host_release,
};

/* Directory positions are the host's d_off cookies, except 0..2 which the
 * VFS owns ("." and ".."; 2 is the host's start). */
static int host_iterate(struct file *f, struct dir_context *ctx)
{
	struct host_file *hf = HF(f);
	if (!hf->dbuf)
		hf->dbuf = rv_xmalloc(32768);
	if (ctx->pos != hf->dpos) {
		/* seekdir/rewinddir: restart the host stream there. */
		off_t r = lseek(hf->fd, ctx->pos <= 2 ? 0 : ctx->pos, SEEK_SET);
		if (r < 0)
			return -errno;
		hf->dlen = hf->doff = 0;
		hf->dpos = ctx->pos;
		hf->eof = false;
	}
	for (;;) {
		if (hf->doff >= hf->dlen) {
			if (hf->eof)
				return 0;
			long n = syscall(SYS_getdents64, hf->fd, hf->dbuf,
					 32768);
			if (n < 0)
				return -errno;
			if (n == 0) {
				hf->eof = true;
				return 0;
			}
			hf->dlen = (size_t)n;
			hf->doff = 0;
		}
		struct dirent64 *de = (void *)(hf->dbuf + hf->doff);
		size_t nl = strlen(de->d_name);
		bool dots = !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, "..");
		/* A host cookie of 0..2 would alias the VFS's own positions;
		 * ext4/xfs/tmpfs never use them after real entries. */
		int64_t next = de->d_off <= 2 ? 3 : de->d_off;
		if (!dots && ctx->emit(ctx, de->d_name, nl, de->d_ino,
				       de->d_type, next))
			return 0;
		hf->doff += de->d_reclen;
		hf->dpos = ctx->pos = next;
	}
}

static int64_t host_dir_llseek(struct file *f, int64_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	return generic_llseek(f, off, whence, INT64_MAX);
}

static const struct file_operations host_dir_fops = {
	.iterate = host_iterate,
	.llseek = host_dir_llseek,
	.fsync = host_fsync,
	.release = host_release,
};

static int host_statfs(struct super_block *sb, struct dentry *d,
		       struct statfs *sf)
{
	struct statfs h;
	(void)sb;
	int err = BE(d->inode)->statfs(HFD(d->inode), &h);
	if (err)
		return err;
	sf->f_type = h.f_type;
	sf->f_bsize = h.f_bsize;
	sf->f_frsize = h.f_frsize;
	sf->f_blocks = h.f_blocks;
	sf->f_bfree = h.f_bfree;
	sf->f_bavail = h.f_bavail;
	sf->f_files = h.f_files;
	sf->f_ffree = h.f_ffree;
	sf->f_namelen = h.f_namelen;
	return 0;
}

int hostfs_new_sb(const struct hostfs_backend *be, const char *root,
		  struct super_block **sbp, struct dentry **droot)
{
	int h;
	struct stat st;
	int err = be->attach(root, &h, &st);
	if (err)
		return err;
	if (!S_ISDIR(st.st_mode)) {
		be->close(h);
		return -ENOTDIR;
	}
	struct super_block *sb = rv_xcalloc(1, sizeof(*sb));
	struct host_sb *hs = rv_xcalloc(1, sizeof(*hs));
	hs->be = be;
	sb->fstype = "hostfs";
	sb->dev = st.st_dev;
	sb->rdonly = true;
	sb->cache_dentries = false;
	sb->put_inode = host_put_inode;
	sb->statfs = host_statfs;
	sb->priv = hs;
	struct inode *i = host_inode(sb, h, &st);
	struct dentry *d = d_alloc(NULL, "/", 1);
	d_instantiate(d, i);
	inode_put(i);
	*sbp = sb;
	*droot = d;
	return 0;
}

void hostfs_enable_dcache(struct super_block *sb, size_t max_unused)
{
	pthread_mutex_lock(&vfs_ns_lock);
	sb->lru_max = max_unused;
	sb->cache_dentries = max_unused > 0;
	pthread_mutex_unlock(&vfs_ns_lock);
}

/* --- the direct backend ------------------------------------------------------ */

static int direct_attach(const char *root, int *out, struct stat *st)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", st, AT_EMPTY_PATH) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*out = fd;
	return 0;
}

static int direct_walk(int dir, const char *name, int *out, struct stat *st)
{
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*out = fd;
	return 0;
}

static int direct_stat(int h, struct stat *st)
{
	if (fstatat(h, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int direct_open(int h, int flags)
{
	char p[64];
	/* Re-open the O_PATH fd itself (not its name, which may have been
	 * swapped for a symlink since the walk). */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
				 (flags & O_DIRECTORY));
	if (fd < 0)
		return -errno;
	/* O_NONBLOCK only guarded the open against host fifos swapped in. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

static ssize_t direct_readlink(int h, char *buf, size_t len)
{
	ssize_t n = readlinkat(h, "", buf, len);
	return n < 0 ? -errno : n;
}

static int direct_statfs(int h, struct statfs *sf)
{
	return fstatfs(h, sf) < 0 ? -errno : 0;
}

static void direct_close(int h)
{
	close(h);
}

const struct hostfs_backend hostfs_direct_backend = {
	.attach = direct_attach,
	.walk = direct_walk,
	.stat = direct_stat,
	.open = direct_open,
	.readlink = direct_readlink,
	.statfs = direct_statfs,
	.close = direct_close,
};
