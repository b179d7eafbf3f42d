/* Inodes and the dentry cache: reference counting, the per-directory
 * children hash (xxhash of the name) and the creation-order sibling list
 * that gives tmpfs stable getdents offsets. */
#include "sentry/vfs/fs.h"

#include <string.h>
#include <xxhash.h>

#include "sentry/fs/inotify/inotify.h"
#include "sentry/fs/pipe/pipe.h"
#include "sentry/kernel/task.h"
#include "sentry/util.h"

/* Recursive: filesystems and /proc helpers may re-enter path helpers. */
pthread_mutex_t vfs_ns_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

uint64_t vfs_alloc_dev(void)
{
	static _Atomic uint64_t next = 20;
	/* makedev(0, n): anonymous block devices, like Linux's tmpfs/proc. */
	return atomic_fetch_add(&next, 1);
}

/* --- inodes --------------------------------------------------------------- */

struct inode *inode_alloc(struct super_block *sb, uint32_t mode)
{
	struct inode *i = rv_xcalloc(1, sizeof(*i));
	atomic_init(&i->refs, 1);
	i->sb = sb;
	i->mode = mode;
	i->nlink = 1;
	i->ino = atomic_fetch_add(&sb->next_ino, 1);
	i->atime = i->mtime = i->ctime = i->btime = vfs_now();
	pthread_mutex_init(&i->lock, NULL);
	return i;
}

struct inode *inode_get(struct inode *i)
{
	if (i)
		atomic_fetch_add(&i->refs, 1);
	return i;
}

void inode_put(struct inode *i)
{
	if (!i || atomic_fetch_sub(&i->refs, 1) != 1)
		return;
	if (i->sb) /* an unlinked inode is gone: IN_DELETE_SELF */
		inotify_evict(i);
	if (i->sb && i->sb->put_inode)
		i->sb->put_inode(i);
	if (i->pipe)
		pipe_inode_release(i);
	pthread_mutex_destroy(&i->lock);
	free(i);
}

void inode_touch(struct inode *i, bool a, bool m, bool c)
{
	struct timespec now = vfs_now();
	if (a)
		i->atime = now;
	if (m)
		i->mtime = now;
	if (c)
		i->ctime = now;
}

static bool cred_in_group(const struct cred *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups && i < 32; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* generic_permission(): owner, group, then other bits; fsuid 0 has
 * CAP_DAC_OVERRIDE (read/write anything, search any directory, execute a
 * file when at least one x bit is set). */
int inode_permission(const struct cred *c, struct inode *i, int mask)
{
	uint32_t mode = i->mode;
	if (!c)
		return 0;
	if (c->fsuid == 0) {
		if (!(mask & MAY_EXEC) || S_ISDIR(mode) || (mode & 0111))
			return 0;
		return -EACCES;
	}
	uint32_t bits;
	if (c->fsuid == i->uid)
		bits = (mode >> 6) & 7;
	else if (cred_in_group(c, i->gid))
		bits = (mode >> 3) & 7;
	else
		bits = mode & 7;
	if ((bits & (uint32_t)mask) == (uint32_t)mask)
		return 0;
	return -EACCES;
}

void inode_fill_kstat(struct inode *i, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&i->lock);
	st->dev = i->sb ? i->sb->dev : 0;
	st->ino = i->ino;
	st->nlink = i->nlink;
	st->mode = i->mode;
	st->uid = i->uid;
	st->gid = i->gid;
	st->rdev = i->rdev;
	st->size = i->size;
	st->blksize = 4096;
	st->blocks = rv_page_up(i->size) / 512;
	st->atime = i->atime;
	st->mtime = i->mtime;
	st->ctime = i->ctime;
	st->btime = i->btime;
	pthread_mutex_unlock(&i->lock);
}

/* --- dentries ------------------------------------------------------------- */

struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len)
{
	struct dentry *d = rv_xcalloc(1, sizeof(*d));
	atomic_init(&d->refs, 1);
	d->name = rv_xmalloc(len + 1);
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->namelen = len;
	d->hash = XXH3_64bits(name, len);
	d->parent = parent ? dget(parent) : d;
	return d;
}

struct dentry *dget(struct dentry *d)
{
	if (d)
		atomic_fetch_add(&d->refs, 1);
	return d;
}

void dput(struct dentry *d)
{
	while (d && atomic_fetch_sub(&d->refs, 1) == 1) {
		struct dentry *parent = d->parent != d ? d->parent : NULL;
		RV_BUG_ON(d->cached);
		inode_put(d->inode);
		free(d->hbuckets);
		free(d->name);
		free(d);
		d = parent; /* iterative: deep trees must not blow the stack */
	}
}

void d_instantiate(struct dentry *d, struct inode *i)
{
	d->inode = inode_get(i);
}

static void d_rehash(struct dentry *dir, size_t nb)
{
	struct dentry **nbk = rv_xcalloc(nb, sizeof(*nbk));
	for (size_t b = 0; b < dir->nbuckets; b++) {
		struct dentry *c = dir->hbuckets[b];
		while (c) {
			struct dentry *next = c->hnext;
			size_t h = c->hash & (nb - 1);
			c->hnext = nbk[h];
			nbk[h] = c;
			c = next;
		}
	}
	free(dir->hbuckets);
	dir->hbuckets = nbk;
	dir->nbuckets = nb;
}

/* --- the LRU of evictable filesystems ---------------------------------------- */

static struct super_block *d_sb(struct dentry *d)
{
	return d->parent->inode ? d->parent->inode->sb : NULL;
}

static void lru_del(struct super_block *sb, struct dentry *d)
{
	if (!d->on_lru)
		return;
	if (d->lru_prev)
		d->lru_prev->lru_next = d->lru_next;
	else
		sb->lru_head = d->lru_next;
	if (d->lru_next)
		d->lru_next->lru_prev = d->lru_prev;
	else
		sb->lru_tail = d->lru_prev;
	d->lru_prev = d->lru_next = NULL;
	d->on_lru = false;
	sb->lru_count--;
}

static void lru_add_tail(struct super_block *sb, struct dentry *d)
{
	d->lru_prev = sb->lru_tail;
	d->lru_next = NULL;
	if (sb->lru_tail)
		sb->lru_tail->lru_next = d;
	else
		sb->lru_head = d;
	sb->lru_tail = d;
	d->on_lru = true;
	sb->lru_count++;
}

/* Evict least recently used dentries nobody uses (only the table holds
 * them, no cached children, no mount on them) until the bound holds. */
static void lru_shrink(struct super_block *sb)
{
	struct dentry *d = sb->lru_head;
	while (d && sb->lru_count > sb->lru_max) {
		struct dentry *next = d->lru_next;
		if (atomic_load(&d->refs) == 1 && !d->nchildren && !d->mounted)
			d_drop(d); /* frees d, drops its parent */
		d = next;
	}
}

void d_add_child(struct dentry *d)
{
	struct dentry *dir = d->parent;
	RV_BUG_ON(d->cached || dir == d);
	if (dir->nchildren + 1 > dir->nbuckets)
		d_rehash(dir, dir->nbuckets ? dir->nbuckets * 2 : 8);
	size_t h = d->hash & (dir->nbuckets - 1);
	d->hnext = dir->hbuckets[h];
	dir->hbuckets[h] = d;
	d->seq = ++dir->next_seq;
	d->sib_prev = dir->child_last;
	d->sib_next = NULL;
	if (dir->child_last)
		dir->child_last->sib_next = d;
	else
		dir->child_first = d;
	dir->child_last = d;
	dir->nchildren++;
	d->cached = true;
	dget(d);
	struct super_block *sb = d_sb(d);
	if (sb && sb->lru_max) {
		lru_add_tail(sb, d);
		if (sb->lru_count > sb->lru_max)
			lru_shrink(sb);
	}
}

static void d_unlink_child(struct dentry *d)
{
	struct dentry *dir = d->parent;
	size_t h = d->hash & (dir->nbuckets - 1);
	struct dentry **pp = &dir->hbuckets[h];
	while (*pp && *pp != d)
		pp = &(*pp)->hnext;
	RV_BUG_ON(!*pp);
	*pp = d->hnext;
	if (d->sib_prev)
		d->sib_prev->sib_next = d->sib_next;
	else
		dir->child_first = d->sib_next;
	if (d->sib_next)
		d->sib_next->sib_prev = d->sib_prev;
	else
		dir->child_last = d->sib_prev;
	d->hnext = d->sib_prev = d->sib_next = NULL;
	dir->nchildren--;
	d->cached = false;
	struct super_block *sb = d_sb(d);
	if (sb)
		lru_del(sb, d);
}

void d_drop(struct dentry *d)
{
	d->dead = true;
	if (!d->cached)
		return;
	d_unlink_child(d);
	dput(d); /* the table's reference */
}

struct dentry *d_lookup_cached(struct dentry *dir, const char *name,
			       size_t len)
{
	if (!dir->nbuckets)
		return NULL;
	uint64_t hash = XXH3_64bits(name, len);
	for (struct dentry *c = dir->hbuckets[hash & (dir->nbuckets - 1)]; c;
	     c = c->hnext)
		if (c->hash == hash && c->namelen == len &&
		    memcmp(c->name, name, len) == 0) {
			if (c->on_lru) {
				struct super_block *sb = d_sb(c);
				lru_del(sb, c);
				lru_add_tail(sb, c);
			}
			return dget(c);
		}
	return NULL;
}

void d_move(struct dentry *d, struct dentry *new_parent, const char *name,
	    size_t len)
{
	bool was_cached = d->cached;
	if (was_cached)
		d_unlink_child(d);
	struct dentry *old_parent = d->parent;
	free(d->name);
	d->name = rv_xmalloc(len + 1);
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->namelen = len;
	d->hash = XXH3_64bits(name, len);
	d->parent = dget(new_parent);
	if (was_cached) {
		d->cached = false;
		d_add_child(d);
		dput(d); /* d_add_child took a second table reference */
	}
	dput(old_parent);
}

int d_iterate_children(struct dentry *dir, struct dir_context *ctx)
{
	/* Positions 0 and 1 are "." and ".." (the VFS emits them); a child's
	 * position is its creation sequence + 2, stable across unlinks. */
	for (struct dentry *c = dir->child_first; c; c = c->sib_next) {
		int64_t k = (int64_t)c->seq + 2;
		if (k < ctx->pos || !c->inode)
			continue;
		unsigned char type = (unsigned char)((c->inode->mode >> 12) & 15);
		if (ctx->emit(ctx, c->name, c->namelen, c->inode->ino, type,
			      k + 1))
			return 0;
		ctx->pos = k + 1;
	}
	return 0;
}
