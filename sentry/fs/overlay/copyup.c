/* The overlay's hands on its layers, and copy-up.
 *
 * The overlay acts as the VFS of its two layers: it looks names up in real
 * directories, creates and removes upper entries with the upper
 * filesystem's inode operations and keeps the upper dcache in step (the
 * VFS only sees overlay dentries). Everything here runs under vfs_ns_lock.
 *
 * Copy-up (Linux's ovl_copy_up): before the first change to a file that
 * is still only in the lower layer, its parents and then the file itself
 * are recreated in the upper layer with the same type, data, mode, owner,
 * times and symlink target; from then on the upper copy is the file. The
 * new entry gets its final name at once: the namespace lock keeps anyone
 * from seeing it half made, and a failure removes it again. Device nodes
 * are not copied up (EPERM): the sandbox makes no device nodes. */
#include "sentry/fs/overlay/overlay_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "sentry/kernel/task.h"
#include "sentry/util.h"

#define COPY_CHUNK (64 * 1024)

static void bump_gen(struct ovl_sb *ovs)
{
	atomic_fetch_add(&ovs->gen, 1);
}

/* --- real layers -------------------------------------------------------- */

int ovl_layer_lookup(struct dentry *dir, const char *name,
		     struct dentry **out)
{
	size_t len = strlen(name);
	if (dir->dead || !d_is_dir(dir))
		return -ENOENT;
	struct dentry *d = d_lookup_cached(dir, name, len);
	if (d) {
		*out = d;
		return 0;
	}
	struct inode *di = dir->inode;
	if (!di->iops || !di->iops->lookup)
		return -ENOENT;
	int err = di->iops->lookup(di, dir, name, &d);
	if (err)
		return err;
	if (di->sb->cache_dentries && !d->cached)
		d_add_child(d);
	*out = d;
	return 0;
}

int ovl_layer_open(struct dentry *d, int flags, struct file **out)
{
	struct inode *i = d->inode;
	struct path p = {NULL, d};
	struct file *f = file_alloc(&p, i, i->fops,
				    (unsigned)flags | O_LARGEFILE);
	if (i->iops && i->iops->open) {
		int err = i->iops->open(i, f);
		if (err) {
			f->ops = NULL;
			file_put(f);
			return err;
		}
	}
	if (!f->ops) {
		file_put(f);
		return -ENXIO;
	}
	*out = f;
	return 0;
}

struct iter_ctx {
	struct dir_context ctx;
	ovl_dirent_fn fn;
	void *arg;
	int err;
};

static int iter_emit(struct dir_context *ctx, const char *name, size_t len,
		     uint64_t ino, unsigned char type, int64_t next)
{
	(void)next;
	struct iter_ctx *ic = container_of(ctx, struct iter_ctx, ctx);
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	ic->err = ic->fn(ic->arg, name, len, ino, type);
	return ic->err != 0;
}

int ovl_layer_iterate(struct dentry *dir, ovl_dirent_fn fn, void *arg)
{
	struct file *f;
	int err = ovl_layer_open(dir, O_RDONLY | O_DIRECTORY, &f);
	if (err)
		return err;
	if (!f->ops->iterate) {
		file_put(f);
		return -ENOTDIR;
	}
	struct iter_ctx ic = {.ctx = {.emit = iter_emit, .pos = 2},
			      .fn = fn, .arg = arg};
	/* Positions 0 and 1 belong to the VFS's "." and ".."; a filesystem
	 * iterates to the end in one call unless emit says stop. */
	err = f->ops->iterate(f, &ic.ctx);
	file_put(f);
	return err ? err : ic.err;
}

/* --- upper changes ------------------------------------------------------ */

int ovl_upper_create(struct ovl_sb *ovs, struct dentry *dir,
		     const char *name, uint32_t mode, const char *target,
		     const struct cred *c, struct dentry **out)
{
	struct inode *di = dir->inode;
	const struct inode_operations *ops = di->iops;
	if (dir->dead)
		return -ENOENT;
	struct dentry *d = d_alloc(dir, name, strlen(name));
	int err;
	switch (mode & S_IFMT) {
	case S_IFREG:
		err = ops->create ? ops->create(di, d, mode, c) : -EPERM;
		break;
	case S_IFDIR:
		err = ops->mkdir ? ops->mkdir(di, d, mode, c) : -EPERM;
		break;
	case S_IFLNK:
		err = ops->symlink ? ops->symlink(di, d, target, c) : -EPERM;
		break;
	default:
		err = ops->mknod ? ops->mknod(di, d, mode, 0, c) : -EPERM;
		break;
	}
	if (err) {
		dput(d);
		return err;
	}
	if (di->sb->cache_dentries)
		d_add_child(d);
	bump_gen(ovs);
	*out = d;
	return 0;
}

int ovl_upper_whiteout(struct ovl_sb *ovs, struct dentry *dir,
		       const char *name)
{
	struct dentry *wd;
	int err = ovl_upper_create(ovs, dir, name, S_IFCHR, NULL, NULL, &wd);
	if (!err)
		dput(wd);
	return err;
}

int ovl_upper_remove(struct ovl_sb *ovs, struct dentry *dir, struct dentry *d)
{
	struct inode *di = dir->inode;
	bool isdir = d_is_dir(d);
	int (*op)(struct inode *, struct dentry *) =
		isdir ? di->iops->rmdir : di->iops->unlink;
	int err = op ? op(di, d) : -EPERM;
	if (err)
		return err;
	d_drop(d);
	/* The file is gone once its last link is: forget what the table
	 * knew of it (tmpfs never reuses an inode number). */
	if (d->inode->nlink == 0)
		ovl_meta_del(ovs, d->inode->ino);
	bump_gen(ovs);
	return 0;
}

struct name_list {
	char **names;
	size_t n, cap;
};

static int collect_whiteout(void *arg, const char *name, size_t len,
			    uint64_t ino, unsigned char type)
{
	(void)ino;
	struct name_list *nl = arg;
	if (type != DT_CHR)
		return 0;
	if (nl->n == nl->cap) {
		nl->cap = nl->cap ? nl->cap * 2 : 16;
		nl->names = rv_xrealloc(nl->names, nl->cap * sizeof(char *));
	}
	char *s = rv_xmalloc(len + 1);
	memcpy(s, name, len);
	s[len] = 0;
	nl->names[nl->n++] = s;
	return 0;
}

int ovl_upper_clear_whiteouts(struct ovl_sb *ovs, struct dentry *dir)
{
	struct name_list nl = {0};
	int err = ovl_layer_iterate(dir, collect_whiteout, &nl);
	for (size_t k = 0; k < nl.n; k++) {
		struct dentry *d;
		if (!err && !ovl_layer_lookup(dir, nl.names[k], &d)) {
			if (ovl_is_whiteout(d))
				err = ovl_upper_remove(ovs, dir, d);
			dput(d);
		}
		free(nl.names[k]);
	}
	free(nl.names);
	return err;
}

/* --- copy-up ------------------------------------------------------------ */

bool ovl_lower_has(struct dentry *dir, const char *name)
{
	struct ovl_inode *p = OI(dir->inode);
	struct dentry *d;
	if (!p->lower || ovl_layer_lookup(p->lower, name, &d))
		return false;
	dput(d);
	return true;
}

static bool same_type(const struct dentry *a, const struct inode *b)
{
	return a->inode && ((a->inode->mode ^ b->mode) & S_IFMT) == 0;
}

/* Dentries from d up to (not including) the first one whose state is
 * known. Walked iteratively: the depth of the lower tree is not ours to
 * choose (an OCI image may nest directories thousands deep). */
struct chain {
	struct dentry **v;
	size_t n, cap;
};

static void chain_push(struct chain *c, struct dentry *d)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->v = rv_xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	c->v[c->n++] = d;
}

/* d has no upper entry and its parent's state is final: look again. */
static int refresh_one(struct ovl_sb *ovs, struct dentry *d, uint64_t gen)
{
	struct ovl_inode *oi = OI(d->inode);
	struct dentry *pu = ovl_upper(OI(d->parent->inode));
	struct dentry *u;
	if (!pu || ovl_layer_lookup(pu, d->name, &u)) {
		atomic_store(&oi->gen, gen);
		return 0;
	}
	/* The copy-up of this file made through another dentry (its origin
	 * is this file's inode number): adopt it. A whiteout, or another
	 * file since made there (over a whiteout, with no origin), means
	 * this one was removed. */
	uint64_t origin = 0;
	ovl_meta_get(ovs, u->inode->ino, &origin, NULL);
	if (ovl_is_whiteout(u) || !same_type(u, d->inode) ||
	    origin != d->inode->ino) {
		dput(u);
		return -ENOENT;
	}
	__atomic_store_n(&oi->upper, u, __ATOMIC_RELEASE);
	return 0;
}

int ovl_refresh(struct dentry *d)
{
	struct ovl_sb *ovs = OVS(d->inode->sb);
	uint64_t gen = atomic_load(&ovs->gen);
	struct chain c = {0};
	int err = 0;
	for (struct dentry *p = d;; p = p->parent) {
		struct ovl_inode *oi = OI(p->inode);
		struct dentry *cur = ovl_upper(oi);
		/* A removed directory stays removed (its lower part must not
		 * show through again); a removed file stays usable through
		 * its open files, as on Linux. */
		if (cur) {
			if (cur->dead && d_is_dir(cur))
				err = -ENOENT;
			break;
		}
		/* Without an upper entry as of this generation: nothing
		 * below it can have one either. */
		if (p->parent == p || atomic_load(&oi->gen) == gen) {
			for (size_t k = 0; k < c.n; k++)
				atomic_store(&OI(c.v[k]->inode)->gen, gen);
			c.n = 0;
			break;
		}
		chain_push(&c, p);
	}
	for (size_t k = c.n; !err && k-- > 0;)
		err = refresh_one(ovs, c.v[k], gen);
	free(c.v);
	return err;
}

/* Copy the data of lower into the new upper file: holes and all-zero
 * chunks are skipped (tmpfs reads them as zeros), the size set last. */
static int copy_data(struct dentry *lower, struct dentry *upper)
{
	struct file *lf, *uf;
	int err = ovl_layer_open(lower, O_RDONLY, &lf);
	if (err)
		return err;
	err = ovl_layer_open(upper, O_WRONLY, &uf);
	if (err) {
		file_put(lf);
		return err;
	}
	char *buf = rv_xmalloc(COPY_CHUNK);
	int64_t off = 0;
	for (;;) {
		struct iovec iov = {buf, COPY_CHUNK};
		int64_t pos = off;
		ssize_t n = lf->ops->read(lf, &iov, 1, &pos);
		if (n < 0) {
			err = (int)n;
			break;
		}
		if (n == 0)
			break;
		bool zero = true;
		for (ssize_t k = 0; k < n && zero; k++)
			zero = buf[k] == 0;
		for (ssize_t done = 0; !zero && done < n;) {
			struct iovec w = {buf + done, (size_t)(n - done)};
			int64_t wpos = off + done;
			ssize_t m = uf->ops->write(uf, &w, 1, &wpos);
			if (m <= 0) {
				err = m < 0 ? (int)m : -EIO;
				break;
			}
			done += m;
		}
		if (err)
			break;
		off += n;
	}
	free(buf);
	file_put(lf);
	file_put(uf);
	if (!err) {
		struct iattr ia = {.valid = ATTR_SIZE, .size = (uint64_t)off};
		err = vfs_setattr(upper, &ia);
	}
	return err;
}

/* The upper copy of lower (a kstat of it in st) named name in upper
 * directory pu. */
static int copy_up_one(struct ovl_sb *ovs, struct dentry *pu,
		       const char *name, struct dentry *lower,
		       const struct kstat *st, bool data, struct dentry **out)
{
	uint32_t type = st->mode & S_IFMT;
	char *target = NULL;
	struct dentry *u;
	int err;

	if (type == S_IFCHR || type == S_IFBLK)
		return -EPERM;
	if (type == S_IFLNK) {
		target = rv_xmalloc(PATH_MAX);
		ssize_t n = lower->inode->iops && lower->inode->iops->readlink
				    ? lower->inode->iops->readlink(
					      lower, target, PATH_MAX - 1)
				    : -EINVAL;
		if (n < 0) {
			free(target);
			return (int)n;
		}
		target[n] = 0;
	}
	/* Private until the attributes are right: 0700, owned by root. */
	err = ovl_upper_create(ovs, pu, name,
			       type | (type == S_IFLNK ? 0777 : 0700), target,
			       NULL, &u);
	free(target);
	if (err)
		return err;
	if (type == S_IFREG && data && st->size)
		err = copy_data(lower, u);
	if (!err) {
		struct iattr ia = {
			.valid = ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME,
			.uid = st->uid, .gid = st->gid,
			.atime = st->atime, .mtime = st->mtime,
		};
		if (type != S_IFLNK) {
			ia.valid |= ATTR_MODE;
			ia.mode = st->mode & 07777;
		}
		err = vfs_setattr(u, &ia);
	}
	if (err) {
		ovl_upper_remove(ovs, pu, u);
		dput(u);
		return err;
	}
	*out = u;
	return 0;
}

/* Copy up d, whose parent has its upper entry. */
static int copy_up_self(struct dentry *d, bool data)
{
	struct ovl_inode *oi = OI(d->inode);
	struct ovl_sb *ovs = OVS(d->inode->sb);
	if (d->dead || !oi->lower)
		return -ENOENT;
	struct dentry *pu = ovl_upper(OI(d->parent->inode));
	struct kstat st;
	struct inode *li = oi->lower->inode;
	int err = 0;
	if (li->iops && li->iops->getattr)
		err = li->iops->getattr(oi->lower, &st);
	else
		inode_fill_kstat(li, &st);
	if (err)
		return err;
	ovl_lower_seen(d->inode, &st);
	struct dentry *u = NULL;
	err = copy_up_one(ovs, pu, d->name, oi->lower, &st, data, &u);
	if (err)
		return err;
	/* The file keeps its inode number across copy-up (Linux: the
	 * origin xattr with xino). */
	ovl_meta_set(ovs, u->inode->ino, d->inode->ino, false);
	__atomic_store_n(&oi->upper, u, __ATOMIC_RELEASE);
	return 0;
}

int ovl_copy_up(struct dentry *d, bool data)
{
	int err = ovl_refresh(d);
	if (err || ovl_upper(OI(d->inode)))
		return err;
	/* The root always has its upper entry: the chain ends below it. */
	struct chain c = {0};
	for (struct dentry *p = d; !ovl_upper(OI(p->inode)); p = p->parent)
		chain_push(&c, p);
	for (size_t k = c.n; !err && k-- > 0;)
		err = copy_up_self(c.v[k], k == 0 && data);
	free(c.v);
	return err;
}
