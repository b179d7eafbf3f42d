/* The overlay filesystem (Linux's fs/overlayfs, one lower layer, without
 * redirect_dir, index, metacopy or xattr passthrough).
 *
 * An overlay inode wraps the real dentries of its file in the upper layer
 * (a tmpfs) and the lower layer (the host tree). Lookup asks upper, then
 * lower: a whiteout (character device 0/0) in upper hides the lower entry,
 * an opaque upper directory hides the whole lower directory, an upper
 * directory over a lower one merges the two. Attributes, reads and
 * readlink come from the topmost layer; every change copies the file (and
 * its parents) up first (copyup.c), so the lower layer is never written.
 *
 * Linux behaviour kept, as the app sees it:
 *  - one st_dev for every file; st_ino is the lower inode number for files
 *    not copied up and stays the same across copy-up; upper-only files get
 *    numbers with OVL_UPPER_INO_BIT, files of a second host filesystem
 *    below the lower root have their numbers folded with its device (like
 *    xino), so no two files share one (but see hard links below);
 *  - unlink/rmdir of a lower entry leaves a whiteout; rmdir of a merged
 *    directory is ENOTEMPTY unless every lower entry is whited out;
 *  - rename of a directory that has a lower part is EXDEV (no
 *    redirect_dir): mv(1) falls back to copying;
 *  - mkdir over a whiteout makes an opaque directory.
 *
 * Known differences, as in Linux without the matching feature:
 *  - hard links between lower files break on copy-up (no index=on): the
 *    copied-up name gets its own inode, the other names keep the lower one,
 *    and both still report the lower inode number;
 *  - a file opened read-only before another opening copied it up keeps
 *    reading the lower file (Linux before 4.19);
 *  - changes made to the lower tree behind the sandbox's back show through
 *    only where the upper layer does not hide them (undefined on Linux).
 *
 * Overlay dentries are cached, at most ovl_dcache_max() of them unused
 * (each pins a host fd through its lower dentry): a cached walk asks no
 * layer, and a dentry in use is always the cached one. Nothing here relies
 * on that: two overlay dentries of one file (a dentry dropped from the
 * cache while held, or sb->cache_dentries turned off) meet in the upper
 * layer, where whoever finds no upper entry checks again once the upper
 * tree has changed (ovl_refresh). */
#include "sentry/fs/overlay/overlay_internal.h"

#include <fcntl.h>
#include <string.h>
#include <stdio.h> /* RENAME_EXCHANGE */
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/statfs.h>

#include "sentry/fs/host/host.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/util.h"

/* Unused overlay dentries kept cached: as many as the host layer keeps,
 * but each pins a host fd (its lower dentry's), so never more than a
 * quarter of the sentry's fd limit. */
#define OVL_DCACHE_MAX 4096
#define OVL_DCACHE_MIN 256

static size_t ovl_dcache_max(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		return OVL_DCACHE_MAX;
	return RV_MAX(RV_MIN(rl.rlim_cur / 4, OVL_DCACHE_MAX), OVL_DCACHE_MIN);
}

static const struct inode_operations ovl_dir_iops;
static const struct inode_operations ovl_file_iops;
static const struct inode_operations ovl_link_iops;

/* --- the metadata table ------------------------------------------------- */

static size_t meta_slot(struct ovl_sb *ovs, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 32) &
	       (ovs->meta_nb - 1);
}

static struct ovl_meta **meta_find(struct ovl_sb *ovs, uint64_t key)
{
	if (!ovs->meta_nb)
		return NULL;
	struct ovl_meta **pp = &ovs->meta[meta_slot(ovs, key)];
	while (*pp && (*pp)->key != key)
		pp = &(*pp)->next;
	return pp;
}

bool ovl_meta_get(struct ovl_sb *ovs, uint64_t key, uint64_t *origin,
		  bool *opaque)
{
	pthread_mutex_lock(&ovs->meta_lock);
	struct ovl_meta **pp = meta_find(ovs, key);
	bool found = pp && *pp;
	if (found) {
		if (origin)
			*origin = (*pp)->origin;
		if (opaque)
			*opaque = (*pp)->opaque;
	}
	pthread_mutex_unlock(&ovs->meta_lock);
	return found;
}

void ovl_meta_set(struct ovl_sb *ovs, uint64_t key, uint64_t origin,
		  bool opaque)
{
	pthread_mutex_lock(&ovs->meta_lock);
	struct ovl_meta **pp = meta_find(ovs, key);
	if (pp && *pp) {
		(*pp)->origin = origin;
		(*pp)->opaque = opaque;
		pthread_mutex_unlock(&ovs->meta_lock);
		return;
	}
	if (ovs->meta_n + 1 > ovs->meta_nb) {
		size_t nb = ovs->meta_nb ? ovs->meta_nb * 2 : 64;
		struct ovl_meta **old = ovs->meta;
		size_t onb = ovs->meta_nb;
		ovs->meta = rv_xcalloc(nb, sizeof(*ovs->meta));
		ovs->meta_nb = nb;
		for (size_t b = 0; b < onb; b++) {
			struct ovl_meta *m = old[b];
			while (m) {
				struct ovl_meta *next = m->next;
				size_t s = meta_slot(ovs, m->key);
				m->next = ovs->meta[s];
				ovs->meta[s] = m;
				m = next;
			}
		}
		free(old);
	}
	struct ovl_meta *m = rv_xcalloc(1, sizeof(*m));
	m->key = key;
	m->origin = origin;
	m->opaque = opaque;
	size_t s = meta_slot(ovs, key);
	m->next = ovs->meta[s];
	ovs->meta[s] = m;
	ovs->meta_n++;
	pthread_mutex_unlock(&ovs->meta_lock);
}

void ovl_meta_del(struct ovl_sb *ovs, uint64_t key)
{
	pthread_mutex_lock(&ovs->meta_lock);
	struct ovl_meta **pp = meta_find(ovs, key);
	if (pp && *pp) {
		struct ovl_meta *m = *pp;
		*pp = m->next;
		free(m);
		ovs->meta_n--;
	}
	pthread_mutex_unlock(&ovs->meta_lock);
}

uint64_t ovl_upper_ino(struct ovl_sb *ovs, uint64_t upper_ino)
{
	uint64_t origin = 0;
	if (ovl_meta_get(ovs, upper_ino, &origin, NULL) && origin)
		return origin;
	return OVL_UPPER_INO_BIT | upper_ino;
}

uint64_t ovl_lower_ino(struct ovl_sb *ovs, uint64_t ino, uint64_t dev)
{
	if (dev == ovs->lower_dev)
		return ino;
	/* Another host filesystem mounted below the lower root: ext4 roots
	 * are all inode 2, and find(1) and du(1) would see loops. Fold the
	 * device into bits 48..61 (never 0 there), like overlayfs's xino. */
	uint64_t h = (dev * 0x9e3779b97f4a7c15ULL) >> 50;
	uint64_t fold = (h % 0x3fffULL) + 1;
	return (ino & ((1ULL << 48) - 1)) ^ (fold << 48);
}

/* --- inodes ------------------------------------------------------------- */

void ovl_lower_seen(struct inode *i, const struct kstat *lst)
{
	struct ovl_inode *oi = OI(i);
	atomic_store(&oi->ldev, lst->dev);
	if (ovl_upper(oi))
		return; /* copied up: the number is the origin's, fixed */
	uint64_t ino = ovl_lower_ino(OVS(i->sb), lst->ino, lst->dev);
	if (ino != i->ino)
		__atomic_store_n(&i->ino, ino, __ATOMIC_RELAXED);
}

/* The overlay inode's own fields mirror the topmost file: the VFS checks
 * permissions, types and link counts on them. */
static void sync_attr(struct inode *i, const struct kstat *st)
{
	pthread_mutex_lock(&i->lock);
	i->mode = (i->mode & S_IFMT) | (st->mode & 07777);
	i->uid = st->uid;
	i->gid = st->gid;
	i->nlink = st->nlink;
	i->size = st->size;
	i->atime = st->atime;
	i->mtime = st->mtime;
	i->ctime = st->ctime;
	pthread_mutex_unlock(&i->lock);
}

static int real_getattr(struct dentry *real, struct kstat *st)
{
	struct inode *ri = real->inode;
	if (ri->iops && ri->iops->getattr)
		return ri->iops->getattr(real, st);
	inode_fill_kstat(ri, st);
	return 0;
}

static struct inode *ovl_new_inode(struct super_block *sb,
				   struct dentry *upper, struct dentry *lower,
				   uint64_t ldev, uint64_t ino)
{
	struct inode *ri = (upper ? upper : lower)->inode;
	struct inode *i = inode_alloc(sb, ri->mode);
	struct ovl_inode *oi = rv_xcalloc(1, sizeof(*oi));
	oi->upper = dget(upper);
	oi->lower = dget(lower);
	atomic_init(&oi->gen, atomic_load(&OVS(sb)->gen));
	atomic_init(&oi->ldev, ldev);
	i->priv = oi;
	i->ino = ino;
	pthread_mutex_lock(&ri->lock);
	i->mode = ri->mode;
	i->uid = ri->uid;
	i->gid = ri->gid;
	i->nlink = ri->nlink;
	i->size = ri->size;
	i->rdev = ri->rdev;
	i->atime = ri->atime;
	i->mtime = ri->mtime;
	i->ctime = ri->ctime;
	i->btime = ri->btime;
	pthread_mutex_unlock(&ri->lock);
	if (S_ISDIR(i->mode)) {
		i->iops = &ovl_dir_iops;
		i->fops = &ovl_dir_fops;
	} else if (S_ISLNK(i->mode)) {
		i->iops = &ovl_link_iops;
	} else {
		i->iops = &ovl_file_iops;
	}
	return i;
}

static void ovl_put_inode(struct inode *i)
{
	struct ovl_inode *oi = OI(i);
	if (!oi)
		return;
	dput(oi->upper);
	dput(oi->lower);
	free(oi);
}

/* An overlay dentry named name under parent for an upper/lower pair. */
static struct dentry *ovl_instantiate(struct dentry *parent, const char *name,
				      struct dentry *u, struct dentry *l,
				      uint64_t ldev)
{
	struct super_block *sb = parent->inode->sb;
	struct ovl_sb *ovs = OVS(sb);
	uint64_t ino = u ? ovl_upper_ino(ovs, u->inode->ino)
			 : ovl_lower_ino(ovs, l->inode->ino, ldev);
	struct inode *i = ovl_new_inode(sb, u, l, ldev, ino);
	struct dentry *d = d_alloc(parent, name, strlen(name));
	d_instantiate(d, i);
	inode_put(i);
	return d;
}

static int ovl_lookup(struct inode *dir, struct dentry *parent,
		      const char *name, struct dentry **out)
{
	struct ovl_sb *ovs = OVS(dir->sb);
	struct ovl_inode *p = OI(dir);
	struct dentry *u = NULL, *l = NULL;
	int err = ovl_refresh(parent);
	if (err)
		return err;
	struct dentry *pu = ovl_upper(p);
	if (pu) {
		err = ovl_layer_lookup(pu, name, &u);
		if (err && err != -ENOENT)
			return err;
		if (!err && ovl_is_whiteout(u)) {
			dput(u);
			return -ENOENT;
		}
	}
	bool opaque = false;
	if (u && d_is_dir(u))
		ovl_meta_get(ovs, u->inode->ino, NULL, &opaque);
	/* The lower entry counts when nothing is above it, or when an upper
	 * directory merges with a lower directory. */
	if (p->lower && (!u || (d_is_dir(u) && !opaque))) {
		err = ovl_layer_lookup(p->lower, name, &l);
		if (err && err != -ENOENT) {
			dput(u);
			return err;
		}
		if (err)
			l = NULL;
		if (l && u && !d_is_dir(l)) {
			dput(l);
			l = NULL;
		}
	}
	if (!u && !l)
		return -ENOENT;
	*out = ovl_instantiate(parent, name, u, l, atomic_load(&p->ldev));
	dput(u);
	dput(l);
	return 0;
}

/* --- namespace changes (the VFS holds vfs_ns_lock) ------------------------ */

/* Make room for a new upper entry name in pu: a whiteout there is removed
 * (*had_whiteout says so: the name existed in lower). */
static int clear_name(struct ovl_sb *ovs, struct dentry *pu, const char *name,
		      bool *had_whiteout)
{
	struct dentry *old;
	*had_whiteout = false;
	if (ovl_layer_lookup(pu, name, &old))
		return 0;
	int err = -EEXIST;
	if (ovl_is_whiteout(old)) {
		err = ovl_upper_remove(ovs, pu, old);
		*had_whiteout = !err;
	}
	dput(old);
	return err;
}

static int ovl_create_obj(struct inode *dir, struct dentry *d, uint32_t mode,
			  const char *target, const struct cred *c)
{
	struct ovl_sb *ovs = OVS(dir->sb);
	struct dentry *parent = d->parent;
	struct dentry *u;
	bool had_wo;
	int err = ovl_copy_up(parent, false);
	if (err)
		return err;
	struct dentry *pu = ovl_upper(OI(dir));
	err = clear_name(ovs, pu, d->name, &had_wo);
	if (err)
		return err;
	err = ovl_upper_create(ovs, pu, d->name, mode, target, c, &u);
	if (err) {
		if (had_wo)
			ovl_upper_whiteout(ovs, pu, d->name);
		return err;
	}
	/* mkdir over a whiteout: the old lower directory must not show
	 * through (Linux makes it opaque). */
	if (S_ISDIR(mode) && had_wo)
		ovl_meta_set(ovs, u->inode->ino, 0, true);
	struct inode *i = ovl_new_inode(dir->sb, u, NULL,
					atomic_load(&OI(dir)->ldev),
					ovl_upper_ino(ovs, u->inode->ino));
	d_instantiate(d, i);
	inode_put(i);
	dput(u);
	return 0;
}

static int ovl_create(struct inode *dir, struct dentry *d, uint32_t mode,
		      const struct cred *c)
{
	return ovl_create_obj(dir, d, mode, NULL, c);
}

static int ovl_mkdir(struct inode *dir, struct dentry *d, uint32_t mode,
		     const struct cred *c)
{
	return ovl_create_obj(dir, d, mode, NULL, c);
}

static int ovl_mknod(struct inode *dir, struct dentry *d, uint32_t mode,
		     dev_t rdev, const struct cred *c)
{
	/* Only fifos and sockets get here (the VFS refuses devices); a
	 * character device would read as a whiteout. */
	if (rdev || S_ISCHR(mode) || S_ISBLK(mode))
		return -EPERM;
	return ovl_create_obj(dir, d, mode, NULL, c);
}

static int ovl_symlink(struct inode *dir, struct dentry *d, const char *target,
		       const struct cred *c)
{
	return ovl_create_obj(dir, d, S_IFLNK | 0777, target, c);
}

static int ovl_link(struct dentry *old, struct inode *dir, struct dentry *d)
{
	struct ovl_sb *ovs = OVS(dir->sb);
	bool had_wo;
	int err = ovl_copy_up(old, true);
	if (!err)
		err = ovl_copy_up(d->parent, false);
	if (err)
		return err;
	struct dentry *pu = ovl_upper(OI(dir));
	struct dentry *uold = ovl_upper(OI(old->inode));
	err = clear_name(ovs, pu, d->name, &had_wo);
	if (err)
		return err;
	struct inode *pui = pu->inode;
	struct dentry *u = d_alloc(pu, d->name, d->namelen);
	err = pui->iops->link ? pui->iops->link(uold, pui, u) : -EPERM;
	if (err) {
		dput(u);
		if (had_wo)
			ovl_upper_whiteout(ovs, pu, d->name);
		return err;
	}
	if (pui->sb->cache_dentries)
		d_add_child(u);
	atomic_fetch_add(&ovs->gen, 1);
	struct inode *i = ovl_new_inode(dir->sb, u, NULL,
					atomic_load(&OI(dir)->ldev),
					ovl_upper_ino(ovs, u->inode->ino));
	d_instantiate(d, i);
	inode_put(i);
	dput(u);
	pthread_mutex_lock(&old->inode->lock);
	old->inode->nlink = uold->inode->nlink;
	pthread_mutex_unlock(&old->inode->lock);
	return 0;
}

/* Remove name from the overlay directory dir: its upper entry goes, and
 * a whiteout takes its place when the lower layer has the name. */
static int remove_name(struct dentry *dir, struct dentry *d, bool isdir)
{
	struct ovl_sb *ovs = OVS(dir->inode->sb);
	int err = ovl_copy_up(dir, false);
	if (err)
		return err;
	struct dentry *pu = ovl_upper(OI(dir->inode));
	bool wo = ovl_lower_has(dir, d->name);
	struct dentry *u;
	if (!ovl_layer_lookup(pu, d->name, &u)) {
		if (!ovl_is_whiteout(u)) {
			if (isdir && d_is_dir(u))
				err = ovl_upper_clear_whiteouts(ovs, u);
			if (!err)
				err = ovl_upper_remove(ovs, pu, u);
		}
		dput(u);
	}
	if (!err && wo)
		err = ovl_upper_whiteout(ovs, pu, d->name);
	return err;
}

static int ovl_unlink(struct inode *dir, struct dentry *d)
{
	(void)dir;
	return remove_name(d->parent, d, false);
}

/* Is the merged directory d empty (rmdir(2) and rename(2) onto it)? */
static int check_empty(struct dentry *d)
{
	struct ovl_dirlist dl = {0};
	int err = ovl_dir_list(d, &dl);
	if (!err && dl.n)
		err = -ENOTEMPTY;
	ovl_dirlist_free(&dl);
	return err;
}

static int ovl_rmdir(struct inode *dir, struct dentry *d)
{
	(void)dir;
	int err = check_empty(d);
	if (err)
		return err;
	return remove_name(d->parent, d, true);
}

/* Make d's inode number final (it may still carry a device guessed from
 * its parent, see struct ovl_inode) before comparing files by it. */
static void ino_settle(struct dentry *d)
{
	struct ovl_inode *oi = OI(d->inode);
	struct kstat st;
	if (!ovl_upper(oi) && oi->lower && !real_getattr(oi->lower, &st))
		ovl_lower_seen(d->inode, &st);
}

/* Is d (a name in the overlay) a directory that also has a lower part?
 * Such a one cannot move without redirect_dir: EXDEV. */
static int dir_movable(struct dentry *d)
{
	if (!S_ISDIR(d->inode->mode))
		return 0;
	int err = ovl_refresh(d);
	if (err)
		return err;
	return OI(d->inode)->lower ? -EXDEV : 0;
}

/* A pure upper directory now at a name where the lower layer has an entry
 * must hide it (Linux sets the opaque xattr on such a move). */
static void opaque_if_over_lower(struct ovl_sb *ovs, struct dentry *u,
				 struct dentry *parent, const char *name)
{
	if (!d_is_dir(u) || !ovl_lower_has(parent, name))
		return;
	uint64_t origin = 0;
	ovl_meta_get(ovs, u->inode->ino, &origin, NULL);
	ovl_meta_set(ovs, u->inode->ino, origin, true);
}

/* renameat2(RENAME_EXCHANGE), as Linux's overlayfs without redirect_dir:
 * both names are copied up and swapped in the upper layer. Both names stay
 * taken, so no whiteout is needed; a directory with a lower part cannot
 * move (EXDEV), and a pure upper one landing over a lower name is made
 * opaque. The VFS checked existence, mounts, permissions and ancestry by
 * dentry; overlay dentries are not unique, so the same file and the
 * ancestry are checked again by inode number. */
static int ovl_exchange(struct inode *odir, struct dentry *od,
			struct inode *ndir, struct dentry *nd)
{
	struct ovl_sb *ovs = OVS(odir->sb);
	int err;

	ino_settle(od);
	ino_settle(nd);
	if (nd->inode->ino == od->inode->ino)
		return 0;
	struct dentry *pair[2][2] = {{od, nd}, {nd, od}};
	for (int k = 0; k < 2; k++) {
		struct dentry *a = pair[k][0], *b = pair[k][1];
		if (!S_ISDIR(a->inode->mode))
			continue;
		for (struct dentry *p = b->parent;; p = p->parent) {
			if (p->inode->ino == a->inode->ino)
				return -EINVAL;
			if (p->parent == p)
				break;
		}
	}
	if ((err = dir_movable(od)) || (err = dir_movable(nd)))
		return err;
	err = ovl_copy_up(od->parent, false);
	if (!err)
		err = ovl_copy_up(nd->parent, false);
	if (!err)
		err = ovl_copy_up(od, true);
	if (!err)
		err = ovl_copy_up(nd, true);
	if (err)
		return err;
	struct dentry *opu = ovl_upper(OI(odir)), *npu = ovl_upper(OI(ndir));
	struct dentry *uo = ovl_upper(OI(od->inode));
	struct dentry *un = ovl_upper(OI(nd->inode));
	err = opu->inode->iops->rename(opu->inode, uo, npu->inode, un,
				       RENAME_EXCHANGE);
	if (err)
		return err;
	d_move(uo, npu, nd->name, nd->namelen);
	d_move(un, opu, od->name, od->namelen);
	atomic_fetch_add(&ovs->gen, 1);
	opaque_if_over_lower(ovs, uo, nd->parent, nd->name);
	opaque_if_over_lower(ovs, un, od->parent, od->name);
	return 0;
}

static int ovl_rename(struct inode *odir, struct dentry *od,
		      struct inode *ndir, struct dentry *nd,
		      unsigned int flags)
{
	/* Linux's ovl_rename() takes no RENAME_WHITEOUT either. */
	if (flags & RENAME_WHITEOUT)
		return -EINVAL;
	if (flags & RENAME_EXCHANGE)
		return ovl_exchange(odir, od, ndir, nd);
	struct ovl_sb *ovs = OVS(odir->sb);
	struct ovl_inode *oi = OI(od->inode);
	bool isdir = S_ISDIR(od->inode->mode);
	int err;

	/* RENAME_NOREPLACE: checked by the VFS */
	ino_settle(od);
	if (nd->inode)
		ino_settle(nd);
	/* The VFS compares dentries and inodes by address; overlay dentries
	 * are not cached, so two walks to one file give two of each. Compare
	 * files by overlay inode number (one per file) instead. */
	if (nd->inode && nd->inode->ino == od->inode->ino)
		return 0; /* rename(2): two names of one file, nothing done */
	if (isdir) {
		for (struct dentry *p = nd->parent;; p = p->parent) {
			if (p->inode->ino == od->inode->ino)
				return -EINVAL; /* into its own subtree */
			if (p->parent == p)
				break;
		}
	}
	if (isdir) {
		err = ovl_refresh(od);
		if (err)
			return err;
		/* A directory with a lower part would need redirect_dir:
		 * Linux says EXDEV, and mv(1) copies instead. */
		if (oi->lower)
			return -EXDEV;
	}
	if (nd->inode && S_ISDIR(nd->inode->mode)) {
		err = check_empty(nd);
		if (err)
			return err;
	}
	err = ovl_copy_up(od->parent, false);
	if (!err)
		err = ovl_copy_up(nd->parent, false);
	if (!err)
		err = ovl_copy_up(od, true);
	if (err)
		return err;
	struct dentry *opu = ovl_upper(OI(odir)), *npu = ovl_upper(OI(ndir));
	struct dentry *uo = ovl_upper(oi), *un;
	if (ovl_layer_lookup(npu, nd->name, &un)) {
		un = d_alloc(npu, nd->name, nd->namelen);
	} else if (un->inode == uo->inode) {
		dput(un); /* two names of one file: nothing to do */
		return 0;
	} else if (!ovl_is_whiteout(un) && d_is_dir(un)) {
		err = ovl_upper_clear_whiteouts(ovs, un);
		if (err) {
			dput(un);
			return err;
		}
	}
	bool wo_old = ovl_lower_has(od->parent, od->name);
	bool opaque_new = isdir && ovl_lower_has(nd->parent, nd->name);
	err = opu->inode->iops->rename(opu->inode, uo, npu->inode, un, 0);
	if (err) {
		dput(un);
		return err;
	}
	if (un->inode) {
		d_drop(un);
		if (un->inode->nlink == 0)
			ovl_meta_del(ovs, un->inode->ino);
	}
	d_move(uo, npu, nd->name, nd->namelen);
	dput(un);
	atomic_fetch_add(&ovs->gen, 1);
	/* A pure upper directory moved over a lower name hides it. */
	if (opaque_new) {
		uint64_t origin = 0;
		ovl_meta_get(ovs, uo->inode->ino, &origin, NULL);
		ovl_meta_set(ovs, uo->inode->ino, origin, true);
	}
	if (wo_old)
		err = ovl_upper_whiteout(ovs, opu, od->name);
	return err;
}

/* --- attributes and files ------------------------------------------------- */

static void refresh_unlocked(struct dentry *d)
{
	struct ovl_inode *oi = OI(d->inode);
	if (ovl_upper(oi) ||
	    atomic_load(&oi->gen) == atomic_load(&OVS(d->inode->sb)->gen))
		return;
	pthread_mutex_lock(&vfs_ns_lock);
	ovl_refresh(d);
	pthread_mutex_unlock(&vfs_ns_lock);
}

static int ovl_getattr(struct dentry *d, struct kstat *st)
{
	struct inode *i = d->inode;
	refresh_unlocked(d);
	struct dentry *u = ovl_upper(OI(i));
	int err = real_getattr(u ? u : OI(i)->lower, st);
	if (err)
		return err;
	if (!u)
		ovl_lower_seen(i, st);
	st->dev = i->sb->dev;
	st->ino = i->ino;
	sync_attr(i, st);
	/* Linux's ovl_getattr(): a merged directory's subdirectories are
	 * not counted; nlink 1 tells find(1) and fts not to rely on it for
	 * their leaf optimisation. */
	if (S_ISDIR(i->mode) && u && OI(i)->lower)
		st->nlink = 1;
	return 0;
}

static int ovl_setattr(struct dentry *d, const struct iattr *ia)
{
	/* Truncating to zero needs no data (Linux's O_TRUNC copy-up). */
	bool data = !(ia->valid & ATTR_SIZE) || ia->size > 0;
	pthread_mutex_lock(&vfs_ns_lock);
	int err = ovl_copy_up(d, data);
	struct dentry *u = ovl_upper(OI(d->inode));
	if (!err)
		err = vfs_setattr(u, ia);
	pthread_mutex_unlock(&vfs_ns_lock);
	if (!err) {
		struct kstat st;
		if (!real_getattr(u, &st))
			sync_attr(d->inode, &st);
	}
	return err;
}

static ssize_t ovl_readlink(struct dentry *d, char *buf, size_t len)
{
	refresh_unlocked(d);
	struct dentry *r = ovl_real(OI(d->inode));
	struct inode *ri = r->inode;
	if (!ri->iops || !ri->iops->readlink)
		return -EINVAL;
	return ri->iops->readlink(r, buf, len);
}

/* Opening a non-directory gives a file of the real inode (Linux before
 * 4.19 did the same with d_real()): reads, writes and shared mappings go
 * straight to tmpfs or the host with no overlay in between; f->dentry
 * stays the overlay's, for paths and fstat. Opening for writing copies
 * the file up first. */
static int ovl_open(struct inode *i, struct file *f)
{
	if (S_ISDIR(i->mode)) {
		/* The device of the lower directory gives the inode numbers
		 * of its entries: learn it once per opendir. */
		struct kstat lst;
		if (OI(i)->lower && !real_getattr(OI(i)->lower, &lst))
			ovl_lower_seen(i, &lst);
		f->priv = NULL;
		f->ops = &ovl_dir_fops;
		return 0;
	}
	int err = 0;
	if (S_ISREG(i->mode) && (f->flags & O_ACCMODE) != O_RDONLY) {
		pthread_mutex_lock(&vfs_ns_lock);
		err = ovl_copy_up(f->dentry, true);
		pthread_mutex_unlock(&vfs_ns_lock);
	} else {
		refresh_unlocked(f->dentry);
	}
	if (err)
		return err;
	struct inode *ri = ovl_real(OI(i))->inode;
	inode_put(f->inode);
	f->inode = inode_get(ri);
	f->ops = ri->fops;
	if (ri->iops && ri->iops->open)
		return ri->iops->open(ri, f);
	return 0;
}

static const struct inode_operations ovl_dir_iops = {
	.lookup = ovl_lookup,
	.create = ovl_create,
	.mkdir = ovl_mkdir,
	.mknod = ovl_mknod,
	.symlink = ovl_symlink,
	.link = ovl_link,
	.unlink = ovl_unlink,
	.rmdir = ovl_rmdir,
	.rename = ovl_rename,
	.getattr = ovl_getattr,
	.setattr = ovl_setattr,
	.open = ovl_open,
};

static const struct inode_operations ovl_file_iops = {
	.getattr = ovl_getattr,
	.setattr = ovl_setattr,
	.open = ovl_open,
};

static const struct inode_operations ovl_link_iops = {
	.readlink = ovl_readlink,
	.getattr = ovl_getattr,
	.setattr = ovl_setattr,
};

/* --- superblock ------------------------------------------------------------ */

/* statfs(2) reports the upper layer, where writes go (as Linux does). */
static int ovl_statfs(struct super_block *sb, struct dentry *d,
		      struct statfs *sf)
{
	(void)d;
	struct ovl_sb *ovs = OVS(sb);
	if (!ovs->upper_sb->statfs)
		return 0;
	return ovs->upper_sb->statfs(ovs->upper_sb, ovs->upper_root, sf);
}

int overlay_new_sb(struct dentry *lower_root, uint64_t upper_max_bytes,
		   struct super_block **sbp, struct dentry **root)
{
	struct kstat lst;
	int err = real_getattr(lower_root, &lst);
	if (err)
		return err;
	if (!S_ISDIR(lst.mode))
		return -ENOTDIR;
	struct ovl_sb *ovs = rv_xcalloc(1, sizeof(*ovs));
	struct dentry *uroot;
	ovs->upper_sb = tmpfs_new_sb(upper_max_bytes, lst.mode & 07777,
				     &uroot);
	ovs->upper_root = uroot;
	ovs->lower_root = dget(lower_root);
	ovs->lower_dev = lst.dev;
	pthread_mutex_init(&ovs->meta_lock, NULL);
	/* The upper root stands for the lower root from the start. */
	struct iattr ia = {
		.valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME |
			 ATTR_MTIME,
		.mode = lst.mode & 07777, .uid = lst.uid, .gid = lst.gid,
		.atime = lst.atime, .mtime = lst.mtime,
	};
	vfs_setattr(uroot, &ia);
	ovl_meta_set(ovs, uroot->inode->ino, lst.ino, false);

	struct super_block *sb = rv_xcalloc(1, sizeof(*sb));
	sb->fstype = "overlay";
	sb->dev = vfs_alloc_dev();
	sb->cache_dentries = true;
	sb->lru_max = ovl_dcache_max();
	sb->magic = OVERLAYFS_MAGIC;
	sb->blocks = ovs->upper_sb->blocks;
	sb->bfree = ovs->upper_sb->bfree;
	sb->put_inode = ovl_put_inode;
	sb->statfs = ovl_statfs;
	sb->priv = ovs;
	atomic_init(&sb->next_ino, 1);
	struct inode *i = ovl_new_inode(sb, uroot, lower_root, lst.dev,
					lst.ino);
	struct dentry *d = d_alloc(NULL, "/", 1);
	d_instantiate(d, i);
	inode_put(i);
	*sbp = sb;
	*root = d;
	return 0;
}

int overlay_mount_root(const struct hostfs_backend *backend,
		       const char *host_root, bool writable_lower,
		       uint64_t upper_max_bytes)
{
	struct super_block *lsb, *sb;
	struct dentry *lroot, *root;
	if (!backend)
		backend = &hostfs_direct_backend;
	/* A backend without changes (the direct one) gives a read-only
	 * root, as before the gofer had them. */
	int err = hostfs_new_sb_writable(backend, host_root,
					 writable_lower && backend->create,
					 &lsb, &lroot);
	if (err)
		return err;
	if (writable_lower) {
		/* Repeated walks of the root cost no gofer request; names
		 * the sandbox removes are dropped from the cache as it
		 * removes them. */
		hostfs_enable_dcache(lsb, HOSTFS_DCACHE_DEFAULT);
		err = vfs_mount(NULL, lsb, lroot, "none", 0, NULL);
		dput(lroot);
		return err;
	}
	err = overlay_new_sb(lroot, upper_max_bytes, &sb, &root);
	dput(lroot);
	if (err)
		return err;
	err = vfs_mount(NULL, sb, root, "overlay", 0, NULL);
	dput(root);
	return err;
}
