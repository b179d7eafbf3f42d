/* tmpfs: files whose data lives in memory-file pages (so MAP_SHARED
 * mappings share them with the file), directories that are the dcache
 * itself (like Linux's shmem/ramfs with simple_lookup).
 *
 * Each regular file keeps an array of page slots indexed by page number:
 * 0 is a hole (reads as zeros), otherwise the memory-file offset | 1. The
 * file holds one reference on each page; a shared mapping takes its own
 * (get_page), so a page outlives a truncate while mapped.
 *
 * Size limit: each mount has a page budget (TMPFS_DEFAULT_MAX_BYTES unless
 * the caller gives another); a write or a fault that would exceed it gets
 * ENOSPC, as tmpfs's size= option does. */
#include "sentry/fs/tmpfs/tmpfs.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"
#include "sentry/fs/pipe/pipe.h"

#define TMPFS_MAGIC 0x01021994
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
/* Linux's shmem reports 20 bytes per directory entry (BOGO_DIRENT_SIZE). */
#define BOGO_DIRENT_SIZE 20
/* Page slots live in a radix tree of RADIX_LEVELS levels of RADIX_FANOUT
 * entries: memory proportional to the pages a file has (a hostile sparse
 * write at a huge offset costs a few nodes, not a huge array). */
#define RADIX_SHIFT 6
#define RADIX_FANOUT (1 << RADIX_SHIFT)
#define RADIX_LEVELS 5
/* Largest file: what the tree indexes (4 TiB). */
#define TMPFS_MAX_FILE (1ULL << (RADIX_SHIFT * RADIX_LEVELS + RV_PAGE_SHIFT))

struct tmpfs_sb {
	_Atomic uint64_t used_pages;
	uint64_t max_pages;
};

struct radix_node {
	void *slot[RADIX_FANOUT]; /* inner: nodes; leaves: offset | 1 */
};

struct tmpfs_inode {
	struct radix_node *root;  /* leaf slot: memfile offset | 1; 0 = hole */
	uint64_t npages;          /* pages present */
	char *target;     /* symlink body */
	/* device nodes made by the sentry (/dev/null…): their open */
	int (*dev_open)(struct inode *, struct file *);
};

static const struct inode_operations tmpfs_dir_iops;
static const struct inode_operations tmpfs_file_iops;
static const struct inode_operations tmpfs_link_iops;
static const struct inode_operations tmpfs_special_iops;
static const struct file_operations tmpfs_file_fops;
static const struct file_operations tmpfs_dir_fops;

static struct tmpfs_inode *TI(struct inode *i)
{
	return i->priv;
}

static struct tmpfs_sb *TSB(struct inode *i)
{
	return i->sb->priv;
}

/* The leaf slot of page pg, creating the path when create is set. */
static uintptr_t *radix_slot(struct tmpfs_inode *ti, uint64_t pg,
			     bool create)
{
	struct radix_node **np = &ti->root;
	for (int lvl = RADIX_LEVELS - 1; lvl >= 0; lvl--) {
		if (!*np) {
			if (!create)
				return NULL;
			*np = rv_xcalloc(1, sizeof(struct radix_node));
		}
		unsigned idx = (pg >> (lvl * RADIX_SHIFT)) & (RADIX_FANOUT - 1);
		if (lvl == 0)
			return (uintptr_t *)&(*np)->slot[idx];
		np = (struct radix_node **)&(*np)->slot[idx];
	}
	return NULL;
}

/* Free the pages with index >= from below node n (covering base..) and
 * the nodes left empty. Returns true when n is now empty. */
static bool radix_trim(struct inode *i, struct radix_node *n, int lvl,
		       uint64_t base, uint64_t from)
{
	bool empty = true;
	uint64_t span = 1ULL << (lvl * RADIX_SHIFT);
	for (unsigned k = 0; k < RADIX_FANOUT; k++) {
		uint64_t first = base + k * span;
		if (!n->slot[k])
			continue;
		if (first + span <= from) {
			empty = false;
			continue;
		}
		if (lvl == 0) {
			memfile_decref((uintptr_t)n->slot[k] & ~1UL, 1);
			n->slot[k] = NULL;
			TI(i)->npages--;
			atomic_fetch_sub(&TSB(i)->used_pages, 1);
		} else if (radix_trim(i, n->slot[k], lvl - 1, first, from)) {
			free(n->slot[k]);
			n->slot[k] = NULL;
		} else {
			empty = false;
		}
	}
	return empty;
}

static void tmpfs_free_pages(struct inode *i, uint64_t from)
{
	struct tmpfs_inode *ti = TI(i);
	if (ti->root && radix_trim(i, ti->root, RADIX_LEVELS - 1, 0, from)) {
		free(ti->root);
		ti->root = NULL;
	}
}

static void tmpfs_put_inode(struct inode *i)
{
	struct tmpfs_inode *ti = TI(i);
	if (!ti)
		return;
	tmpfs_free_pages(i, 0);
	free(ti->target);
	free(ti);
}

static struct inode *tmpfs_new_inode(struct super_block *sb,
				     struct inode *dir, uint32_t mode,
				     const struct cred *c)
{
	struct inode *i = inode_alloc(sb, mode);
	i->priv = rv_xcalloc(1, sizeof(struct tmpfs_inode));
	i->uid = c ? c->fsuid : 0;
	i->gid = c ? c->fsgid : 0;
	/* A set-group-ID directory passes its group (and, to directories,
	 * the bit) down, as on every Linux filesystem. */
	if (dir && (dir->mode & S_ISGID)) {
		i->gid = dir->gid;
		if (S_ISDIR(mode))
			i->mode |= S_ISGID;
	}
	switch (mode & S_IFMT) {
	case S_IFDIR:
		i->iops = &tmpfs_dir_iops;
		i->fops = &tmpfs_dir_fops;
		i->nlink = 2;
		i->size = 2 * BOGO_DIRENT_SIZE;
		break;
	case S_IFREG:
		i->iops = &tmpfs_file_iops;
		i->fops = &tmpfs_file_fops;
		/* Only memfds made with MFD_ALLOW_SEALING may add seals. */
		i->sealable = true;
		i->seals = F_SEAL_SEAL;
		break;
	case S_IFLNK:
		i->iops = &tmpfs_link_iops;
		break;
	default:
		i->iops = &tmpfs_special_iops;
		break;
	}
	return i;
}

static void dir_changed(struct inode *dir, int64_t dsize)
{
	pthread_mutex_lock(&dir->lock);
	dir->size += (uint64_t)dsize;
	inode_touch(dir, false, true, true);
	pthread_mutex_unlock(&dir->lock);
}

static int tmpfs_add(struct inode *dir, struct dentry *d, uint32_t mode,
		     const struct cred *c, struct inode **out)
{
	struct inode *i = tmpfs_new_inode(dir->sb, dir, mode, c);
	d_instantiate(d, i);
	dir_changed(dir, BOGO_DIRENT_SIZE);
	if (out)
		*out = i;
	inode_put(i);
	return 0;
}

/* --- directory operations ---------------------------------------------------- */

static int tmpfs_lookup(struct inode *dir, struct dentry *parent,
			const char *name, struct dentry **out)
{
	(void)dir;
	(void)parent;
	(void)name;
	(void)out;
	return -ENOENT; /* every name that exists is in the dcache */
}

static int tmpfs_create(struct inode *dir, struct dentry *d, uint32_t mode,
			const struct cred *c)
{
	return tmpfs_add(dir, d, mode, c, NULL);
}

static int tmpfs_mknod(struct inode *dir, struct dentry *d, uint32_t mode,
		       dev_t rdev, const struct cred *c)
{
	/* Only fifos, sockets and RENAME_WHITEOUT's whiteouts (character
	 * devices 0/0: they open nothing) reach here. */
	(void)rdev;
	return tmpfs_add(dir, d, mode, c, NULL);
}

static int tmpfs_mkdir(struct inode *dir, struct dentry *d, uint32_t mode,
		       const struct cred *c)
{
	int err = tmpfs_add(dir, d, mode, c, NULL);
	if (!err) {
		pthread_mutex_lock(&dir->lock);
		dir->nlink++;
		pthread_mutex_unlock(&dir->lock);
	}
	return err;
}

static int tmpfs_symlink(struct inode *dir, struct dentry *d,
			 const char *target, const struct cred *c)
{
	size_t len = strlen(target);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	struct inode *i;
	tmpfs_add(dir, d, S_IFLNK | 0777, c, &i);
	TI(i)->target = rv_xstrdup(target);
	i->size = len;
	return 0;
}

static int tmpfs_link(struct dentry *old, struct inode *dir, struct dentry *d)
{
	struct inode *i = old->inode;
	pthread_mutex_lock(&i->lock);
	i->nlink++;
	inode_touch(i, false, false, true);
	pthread_mutex_unlock(&i->lock);
	d_instantiate(d, i);
	dir_changed(dir, BOGO_DIRENT_SIZE);
	return 0;
}

static void drop_nlink(struct inode *i, bool all)
{
	pthread_mutex_lock(&i->lock);
	if (all)
		i->nlink = 0;
	else if (i->nlink)
		i->nlink--;
	inode_touch(i, false, false, true);
	pthread_mutex_unlock(&i->lock);
}

static int tmpfs_unlink(struct inode *dir, struct dentry *d)
{
	drop_nlink(d->inode, false);
	dir_changed(dir, -BOGO_DIRENT_SIZE);
	return 0;
}

static int tmpfs_rmdir(struct inode *dir, struct dentry *d)
{
	if (d->nchildren)
		return -ENOTEMPTY;
	drop_nlink(d->inode, true);
	drop_nlink(dir, false);
	dir_changed(dir, -BOGO_DIRENT_SIZE);
	return 0;
}

static void nlink_add(struct inode *i, int n)
{
	pthread_mutex_lock(&i->lock);
	i->nlink += (uint64_t)(int64_t)n; /* wraps back for n < 0 */
	pthread_mutex_unlock(&i->lock);
}

/* RENAME_EXCHANGE: both names stay, so no size changes; a directory that
 * changes parent takes its ".." link along (shmem_exchange()). */
static int tmpfs_exchange(struct inode *odir, struct dentry *od,
			  struct inode *ndir, struct dentry *nd)
{
	if (odir != ndir) {
		int d = (S_ISDIR(od->inode->mode) ? 1 : 0) -
			(S_ISDIR(nd->inode->mode) ? 1 : 0);
		nlink_add(ndir, d);
		nlink_add(odir, -d);
	}
	dir_changed(odir, 0);
	if (ndir != odir)
		dir_changed(ndir, 0);
	struct inode *is[2] = {od->inode, nd->inode};
	for (int k = 0; k < 2; k++) {
		pthread_mutex_lock(&is[k]->lock);
		inode_touch(is[k], false, false, true);
		pthread_mutex_unlock(&is[k]->lock);
	}
	return 0;
}

static int tmpfs_rename(struct inode *odir, struct dentry *od,
			struct inode *ndir, struct dentry *nd,
			unsigned int flags)
{
	/* RENAME_WHITEOUT: a plain rename, the VFS then makes the whiteout
	 * (tmpfs_mknod) at the old name. */
	if (flags & RENAME_EXCHANGE)
		return tmpfs_exchange(odir, od, ndir, nd);
	bool isdir = S_ISDIR(od->inode->mode);
	if (nd->inode) {
		if (isdir && nd->nchildren)
			return -ENOTEMPTY;
		if (isdir) {
			drop_nlink(nd->inode, true);
			drop_nlink(ndir, false);
		} else {
			drop_nlink(nd->inode, false);
		}
		dir_changed(ndir, -BOGO_DIRENT_SIZE);
	}
	if (isdir && odir != ndir) {
		drop_nlink(odir, false);
		pthread_mutex_lock(&ndir->lock);
		ndir->nlink++;
		pthread_mutex_unlock(&ndir->lock);
	}
	dir_changed(odir, -BOGO_DIRENT_SIZE);
	dir_changed(ndir, BOGO_DIRENT_SIZE);
	pthread_mutex_lock(&od->inode->lock);
	inode_touch(od->inode, false, false, true);
	pthread_mutex_unlock(&od->inode->lock);
	return 0;
}

static int tmpfs_getattr(struct dentry *d, struct kstat *st)
{
	struct inode *i = d->inode;
	inode_fill_kstat(i, st);
	if (S_ISREG(i->mode)) {
		pthread_mutex_lock(&i->lock);
		uint64_t n = TI(i)->npages;
		pthread_mutex_unlock(&i->lock);
		st->blocks = n * (RV_PAGE_SIZE / 512);
	} else {
		st->blocks = 0;
	}
	return 0;
}

static int tmpfs_truncate_locked(struct inode *i, uint64_t size)
{
	struct tmpfs_inode *ti = TI(i);
	if (size > TMPFS_MAX_FILE)
		return -EFBIG;
	if ((size < i->size && (i->seals & F_SEAL_SHRINK)) ||
	    (size > i->size && (i->seals & F_SEAL_GROW)))
		return -EPERM;
	if (size < i->size) {
		uint64_t keep = rv_page_up(size) >> RV_PAGE_SHIFT;
		tmpfs_free_pages(i, keep);
		/* Zero the tail of the last partial page: a later extension
		 * must read zeros there. */
		uint64_t in = size & (RV_PAGE_SIZE - 1);
		uint64_t pg = size >> RV_PAGE_SHIFT;
		uintptr_t *slot = radix_slot(ti, pg, false);
		if (in && slot && *slot)
			memset((char *)memfile_ptr(*slot & ~1UL) + in, 0,
			       RV_PAGE_SIZE - in);
	}
	i->size = size;
	inode_touch(i, false, true, true);
	return 0;
}

static int tmpfs_setattr(struct dentry *d, const struct iattr *ia)
{
	struct inode *i = d->inode;
	int err = 0;
	pthread_mutex_lock(&i->lock);
	if (ia->valid & ATTR_SIZE) {
		if (!S_ISREG(i->mode))
			err = -EINVAL;
		else
			err = tmpfs_truncate_locked(i, ia->size);
	}
	if (!err) {
		if (ia->valid & ATTR_MODE)
			i->mode = (i->mode & S_IFMT) | (ia->mode & 07777);
		if (ia->valid & ATTR_UID)
			i->uid = ia->uid;
		if (ia->valid & ATTR_GID)
			i->gid = ia->gid;
		if (ia->valid & ATTR_ATIME)
			i->atime = ia->atime;
		if (ia->valid & ATTR_MTIME)
			i->mtime = ia->mtime;
		i->ctime = vfs_now();
	}
	pthread_mutex_unlock(&i->lock);
	return err;
}

static ssize_t tmpfs_readlink(struct dentry *d, char *buf, size_t len)
{
	const char *t = TI(d->inode)->target;
	size_t n = RV_MIN(strlen(t), len);
	memcpy(buf, t, n);
	return (ssize_t)n;
}

static int tmpfs_special_open(struct inode *i, struct file *f)
{
	if (S_ISFIFO(i->mode))
		return pipe_fifo_open(i, f);
	if (TI(i)->dev_open)
		return TI(i)->dev_open(i, f);
	return -ENXIO;
}

static const struct inode_operations tmpfs_dir_iops = {
	.lookup = tmpfs_lookup,
	.create = tmpfs_create,
	.mkdir = tmpfs_mkdir,
	.mknod = tmpfs_mknod,
	.symlink = tmpfs_symlink,
	.link = tmpfs_link,
	.unlink = tmpfs_unlink,
	.rmdir = tmpfs_rmdir,
	.rename = tmpfs_rename,
	.getattr = tmpfs_getattr,
	.setattr = tmpfs_setattr,
};

static const struct inode_operations tmpfs_file_iops = {
	.getattr = tmpfs_getattr,
	.setattr = tmpfs_setattr,
};

static const struct inode_operations tmpfs_link_iops = {
	.readlink = tmpfs_readlink,
	.getattr = tmpfs_getattr,
	.setattr = tmpfs_setattr,
};

static const struct inode_operations tmpfs_special_iops = {
	.getattr = tmpfs_getattr,
	.setattr = tmpfs_setattr,
	.open = tmpfs_special_open,
};

/* --- file data ---------------------------------------------------------------- */

/* The page slot for pgoff, allocated when alloc is true. Under i->lock. */
static int tmpfs_page(struct inode *i, uint64_t pg, bool alloc,
		      uint64_t *off)
{
	struct tmpfs_inode *ti = TI(i);
	if (pg >= TMPFS_MAX_FILE >> RV_PAGE_SHIFT)
		return -EFBIG;
	uintptr_t *slot = radix_slot(ti, pg, false);
	if (slot && *slot) {
		*off = *slot & ~1UL;
		return 0;
	}
	if (!alloc) {
		*off = UINT64_MAX;
		return 0;
	}
	struct tmpfs_sb *s = TSB(i);
	if (atomic_fetch_add(&s->used_pages, 1) >= s->max_pages) {
		atomic_fetch_sub(&s->used_pages, 1);
		return -ENOSPC;
	}
	int64_t o = memfile_alloc(1);
	if (o < 0) {
		atomic_fetch_sub(&s->used_pages, 1);
		return -ENOSPC;
	}
	slot = radix_slot(ti, pg, true);
	*slot = (uintptr_t)o | 1;
	ti->npages++;
	*off = (uint64_t)o;
	return 0;
}

static ssize_t tmpfs_read(struct file *f, const struct iovec *iov,
			  int iovcnt, int64_t *pos)
{
	struct inode *i = f->inode;
	size_t want = vfs_iov_length(iov, iovcnt);
	size_t done = 0;
	pthread_mutex_lock(&i->lock);
	uint64_t p = (uint64_t)*pos;
	if (p < i->size)
		want = RV_MIN(want, i->size - p);
	else
		want = 0;
	while (done < want) {
		uint64_t pg = (p + done) >> RV_PAGE_SHIFT;
		size_t in = (p + done) & (RV_PAGE_SIZE - 1);
		size_t n = RV_MIN(RV_PAGE_SIZE - in, want - done);
		uint64_t off;
		static const char zeros[RV_PAGE_SIZE];
		tmpfs_page(i, pg, false, &off);
		const char *src = off == UINT64_MAX
					  ? zeros
					  : (const char *)memfile_ptr(off) + in;
		vfs_iov_copy_out(iov, iovcnt, done, src, n);
		done += n;
	}
	inode_touch(i, true, false, false);
	pthread_mutex_unlock(&i->lock);
	*pos += (int64_t)done;
	return (ssize_t)done;
}

static ssize_t tmpfs_write(struct file *f, const struct iovec *iov,
			   int iovcnt, int64_t *pos)
{
	struct inode *i = f->inode;
	size_t len = vfs_iov_length(iov, iovcnt);
	size_t done = 0;
	int err = 0;
	pthread_mutex_lock(&i->lock);
	/* O_APPEND: every write goes to the end, pwrite included (Linux's
	 * documented pwrite(2) bug). */
	uint64_t p = (f->flags & O_APPEND) ? i->size : (uint64_t)*pos;
	if (i->seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) {
		err = -EPERM;
		goto out;
	}
	if ((i->seals & F_SEAL_GROW) && len && p + len > i->size) {
		/* memfd_create(2): a write may not extend a GROW-sealed
		 * file; what fits below the size is written. */
		if (p >= i->size) {
			err = -EPERM;
			goto out;
		}
		len = i->size - p;
	}
	if (p >= TMPFS_MAX_FILE) {
		err = -EFBIG;
		goto out;
	}
	len = RV_MIN(len, TMPFS_MAX_FILE - p);
	while (done < len) {
		uint64_t pg = (p + done) >> RV_PAGE_SHIFT;
		size_t in = (p + done) & (RV_PAGE_SIZE - 1);
		size_t n = RV_MIN(RV_PAGE_SIZE - in, len - done);
		uint64_t off;
		err = tmpfs_page(i, pg, true, &off);
		if (err)
			break;
		vfs_iov_copy_in((char *)memfile_ptr(off) + in, n, iov, iovcnt,
				done);
		done += n;
	}
	if (done) {
		err = 0;
		if (p + done > i->size)
			i->size = p + done;
		/* Writing drops set-user-ID (Linux's file_remove_privs). */
		if (i->mode & (S_ISUID | S_ISGID))
			i->mode &= ~(uint32_t)(S_ISUID | S_ISGID);
		inode_touch(i, false, true, true);
	}
out:
	pthread_mutex_unlock(&i->lock);
	if (err)
		return err;
	*pos = (int64_t)(p + done);
	return (ssize_t)done;
}

static int64_t tmpfs_llseek(struct file *f, int64_t off, int whence)
{
	pthread_mutex_lock(&f->inode->lock);
	int64_t size = (int64_t)f->inode->size;
	pthread_mutex_unlock(&f->inode->lock);
	return generic_llseek(f, off, whence, size);
}

static int tmpfs_get_page(struct file *f, uint64_t pgoff, bool write,
			  uint64_t *memfile_off)
{
	(void)write;
	struct inode *i = f->inode;
	pthread_mutex_lock(&i->lock);
	if (pgoff >= rv_page_up(i->size) >> RV_PAGE_SHIFT) {
		pthread_mutex_unlock(&i->lock);
		return -ENXIO; /* beyond EOF: SIGBUS for the mapping */
	}
	int err = tmpfs_page(i, pgoff, true, memfile_off);
	if (!err)
		memfile_incref(*memfile_off, 1);
	pthread_mutex_unlock(&i->lock);
	return err;
}

static size_t tmpfs_peek_pages(struct file *f, uint64_t pgoff, size_t n,
			       uint64_t *offs)
{
	struct inode *i = f->inode;
	size_t found = 0;

	pthread_mutex_lock(&i->lock);
	uint64_t npg = rv_page_up(i->size) >> RV_PAGE_SHIFT;
	for (size_t k = 0; k < n; k++) {
		offs[k] = UINT64_MAX;
		if (pgoff + k >= npg ||
		    tmpfs_page(i, pgoff + k, false, &offs[k]) < 0) {
			offs[k] = UINT64_MAX;
			continue;
		}
		if (offs[k] != UINT64_MAX) {
			memfile_incref(offs[k], 1);
			found++;
		}
	}
	pthread_mutex_unlock(&i->lock);
	return found;
}

static int64_t tmpfs_dir_llseek(struct file *f, int64_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	return generic_llseek(f, off, whence, INT64_MAX);
}

static int tmpfs_iterate(struct file *f, struct dir_context *ctx)
{
	pthread_mutex_lock(&vfs_ns_lock);
	int err = d_iterate_children(f->dentry, ctx);
	pthread_mutex_unlock(&vfs_ns_lock);
	return err;
}

static const struct file_operations tmpfs_file_fops = {
	.read = tmpfs_read,
	.write = tmpfs_write,
	.llseek = tmpfs_llseek,
	.get_page = tmpfs_get_page,
	.peek_pages = tmpfs_peek_pages,
};

static const struct file_operations tmpfs_dir_fops = {
	.llseek = tmpfs_dir_llseek,
	.iterate = tmpfs_iterate,
};

static int tmpfs_statfs(struct super_block *sb, struct dentry *d,
			struct statfs *sf)
{
	(void)d;
	struct tmpfs_sb *s = sb->priv;
	uint64_t used = atomic_load(&s->used_pages);
	sf->f_blocks = s->max_pages;
	sf->f_bfree = sf->f_bavail = used < s->max_pages ? s->max_pages - used
							   : 0;
	return 0;
}

struct super_block *tmpfs_new_sb(uint64_t max_bytes, uint32_t root_mode,
				 struct dentry **root)
{
	struct super_block *sb = rv_xcalloc(1, sizeof(*sb));
	struct tmpfs_sb *s = rv_xcalloc(1, sizeof(*s));
	s->max_pages = (max_bytes ? max_bytes : TMPFS_DEFAULT_MAX_BYTES) >>
		       RV_PAGE_SHIFT;
	sb->fstype = "tmpfs";
	sb->dev = vfs_alloc_dev();
	sb->cache_dentries = true;
	sb->magic = TMPFS_MAGIC;
	sb->blocks = s->max_pages;
	sb->bfree = s->max_pages;
	atomic_init(&sb->next_ino, 1);
	sb->put_inode = tmpfs_put_inode;
	sb->statfs = tmpfs_statfs;
	sb->priv = s;
	struct inode *i = tmpfs_new_inode(sb, NULL, S_IFDIR | root_mode, NULL);
	struct dentry *d = d_alloc(NULL, "/", 1);
	d_instantiate(d, i);
	inode_put(i);
	*root = d;
	return sb;
}

struct dentry *tmpfs_add_node(struct dentry *dir, const char *name,
			      uint32_t mode, dev_t rdev,
			      int (*open)(struct inode *, struct file *),
			      const char *target)
{
	struct inode *di = dir->inode;
	struct dentry *d = d_alloc(dir, name, strlen(name));
	struct inode *i;
	pthread_mutex_lock(&vfs_ns_lock);
	tmpfs_add(di, d, mode, NULL, &i);
	if (S_ISDIR(mode))
		di->nlink++;
	i->rdev = rdev;
	TI(i)->dev_open = open;
	if (target) {
		TI(i)->target = rv_xstrdup(target);
		i->size = strlen(target);
	}
	d_add_child(d);
	pthread_mutex_unlock(&vfs_ns_lock);
	dput(d);
	return d; /* held by the directory */
}

/* --- memfd_create(2) -------------------------------------------------------- */

/* memfds live in one internal tmpfs, on a mount in no mount table: their
 * /proc/self/fd links read "/memfd:NAME (deleted)" as on Linux. */
static pthread_once_t memfd_once = PTHREAD_ONCE_INIT;
static struct mount memfd_mnt;

static void memfd_init(void)
{
	struct dentry *root;
	struct super_block *sb = tmpfs_new_sb(MEMFD_MAX_BYTES, 01777, &root);
	memfd_mnt = (struct mount){
		.refs = 1,
		.parent = &memfd_mnt,
		.mountpoint = root,
		.root = root,
		.sb = sb,
		.source = "memfd",
		.target = "/",
	};
}

int tmpfs_memfd_create(const char *name, bool sealing, const struct cred *c,
		       struct file **out)
{
	pthread_once(&memfd_once, memfd_init);
	char full[NAME_MAX + 1];
	int n = snprintf(full, sizeof(full), "memfd:%s", name);
	if (n < 0 || (size_t)n >= sizeof(full))
		return -EINVAL;
	struct dentry *root = memfd_mnt.root;
	struct dentry *d = d_alloc(root, full, (size_t)n);
	struct inode *i;
	pthread_mutex_lock(&vfs_ns_lock);
	tmpfs_add(root->inode, d, S_IFREG | 0777, c, &i);
	if (sealing)
		i->seals = 0;
	/* Unnamed: the dentry is never in the directory. */
	drop_nlink(i, true);
	dir_changed(root->inode, -BOGO_DIRENT_SIZE);
	d_drop(d);
	pthread_mutex_unlock(&vfs_ns_lock);
	struct path p = {&memfd_mnt, d};
	int err = vfs_open_path(NULL, &p, O_RDWR, out);
	dput(d);
	return err;
}

void tmpfs_remove_node(struct dentry *d)
{
	pthread_mutex_lock(&vfs_ns_lock);
	if (d->cached) {
		tmpfs_unlink(d->parent->inode, d);
		d_drop(d);
	}
	pthread_mutex_unlock(&vfs_ns_lock);
}
