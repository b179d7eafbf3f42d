/* Merged directories (Linux's fs/overlayfs/readdir.c): the entries of
 * the upper directory first, in its order, leaving out whiteouts; then
 * those of the lower directory that no upper entry or whiteout shadows,
 * unless the directory is opaque or pure upper. Each name appears once.
 *
 * The list is built when reading starts (position 2, just after the VFS's
 * "." and "..") and kept in the open file, so one pass of getdents sees a
 * stable list and positions are indexes into it (seekdir/telldir work);
 * rewinddir() reads the directory afresh, as on Linux. */
#include "sentry/fs/overlay/overlay_internal.h"

#include <dirent.h>
#include <string.h>
#include <xxhash.h>

#include "sentry/util.h"

/* A set of names (open addressing over xxhash), for shadowing. */
struct name_set {
	struct {
		uint64_t hash;
		const char *name;
		size_t len;
	} *slots;
	size_t cap, n;
};

static bool set_has(struct name_set *s, const char *name, size_t len,
		    uint64_t h)
{
	if (!s->cap)
		return false;
	for (size_t k = h & (s->cap - 1);; k = (k + 1) & (s->cap - 1)) {
		if (!s->slots[k].name)
			return false;
		if (s->slots[k].hash == h && s->slots[k].len == len &&
		    !memcmp(s->slots[k].name, name, len))
			return true;
	}
}

/* name must outlive the set. */
static void set_add(struct name_set *s, const char *name, size_t len,
		    uint64_t h)
{
	if ((s->n + 1) * 2 > s->cap) {
		struct name_set ns = {.cap = s->cap ? s->cap * 2 : 64};
		ns.slots = rv_xcalloc(ns.cap, sizeof(*ns.slots));
		for (size_t k = 0; k < s->cap; k++)
			if (s->slots[k].name)
				set_add(&ns, s->slots[k].name, s->slots[k].len,
					s->slots[k].hash);
		free(s->slots);
		*s = ns;
	}
	size_t k = h & (s->cap - 1);
	while (s->slots[k].name)
		k = (k + 1) & (s->cap - 1);
	s->slots[k].hash = h;
	s->slots[k].name = name;
	s->slots[k].len = len;
	s->n++;
}

struct merge {
	struct ovl_sb *ovs;
	struct ovl_dirlist *out;
	struct dentry *upper;    /* when reading the upper directory */
	uint64_t ldev;
	struct name_set seen;
	char **hidden;           /* whiteout names (the set points at them) */
	size_t nhidden;
};

static char *dup_name(const char *name, size_t len)
{
	char *s = rv_xmalloc(len + 1);
	memcpy(s, name, len);
	s[len] = 0;
	return s;
}

static void list_add(struct ovl_dirlist *dl, char *name, size_t len,
		     uint64_t ino, unsigned char type)
{
	if (dl->n == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 32;
		dl->ents = rv_xrealloc(dl->ents, dl->cap * sizeof(*dl->ents));
	}
	dl->ents[dl->n++] = (struct ovl_dirent){name, len, ino, type};
}

static bool is_whiteout_name(struct dentry *dir, const char *name)
{
	struct dentry *d;
	if (ovl_layer_lookup(dir, name, &d))
		return false;
	bool wo = ovl_is_whiteout(d);
	dput(d);
	return wo;
}

static int merge_upper(void *arg, const char *name, size_t len,
		       uint64_t ino, unsigned char type)
{
	struct merge *m = arg;
	uint64_t h = XXH3_64bits(name, len);
	if (set_has(&m->seen, name, len, h))
		return 0;
	char *s = dup_name(name, len);
	if (type == DT_CHR && is_whiteout_name(m->upper, s)) {
		m->hidden = rv_xrealloc(m->hidden,
					(m->nhidden + 1) * sizeof(char *));
		m->hidden[m->nhidden++] = s;
	} else {
		list_add(m->out, s, len, ovl_upper_ino(m->ovs, ino), type);
	}
	set_add(&m->seen, s, len, h);
	return 0;
}

static int merge_lower(void *arg, const char *name, size_t len,
		       uint64_t ino, unsigned char type)
{
	struct merge *m = arg;
	uint64_t h = XXH3_64bits(name, len);
	if (set_has(&m->seen, name, len, h))
		return 0;
	char *s = dup_name(name, len);
	list_add(m->out, s, len, ovl_lower_ino(m->ovs, ino, m->ldev), type);
	set_add(&m->seen, s, len, h);
	return 0;
}

void ovl_dirlist_free(struct ovl_dirlist *dl)
{
	for (size_t k = 0; k < dl->n; k++)
		free(dl->ents[k].name);
	free(dl->ents);
	memset(dl, 0, sizeof(*dl));
}

int ovl_dir_list(struct dentry *d, struct ovl_dirlist *out)
{
	struct ovl_inode *oi = OI(d->inode);
	struct merge m = {.ovs = OVS(d->inode->sb), .out = out,
			  .ldev = atomic_load(&oi->ldev)};
	pthread_mutex_lock(&vfs_ns_lock);
	int err = ovl_refresh(d);
	struct dentry *u = ovl_upper(oi);
	if (!err && u) {
		m.upper = u;
		err = ovl_layer_iterate(u, merge_upper, &m);
	}
	if (!err && oi->lower)
		err = ovl_layer_iterate(oi->lower, merge_lower, &m);
	pthread_mutex_unlock(&vfs_ns_lock);
	for (size_t k = 0; k < m.nhidden; k++)
		free(m.hidden[k]);
	free(m.hidden);
	free(m.seen.slots);
	if (err)
		ovl_dirlist_free(out);
	return err;
}

static int ovl_iterate(struct file *f, struct dir_context *ctx)
{
	struct ovl_dirlist *dl = f->priv;
	if (!dl || ctx->pos <= 2) {
		struct ovl_dirlist *nl = rv_xcalloc(1, sizeof(*nl));
		int err = ovl_dir_list(f->dentry, nl);
		if (err) {
			free(nl);
			return err;
		}
		if (dl) {
			ovl_dirlist_free(dl);
			free(dl);
		}
		f->priv = dl = nl;
	}
	/* Entry k sits at position k + 2; its d_off is the next one's. */
	for (uint64_t k = (uint64_t)ctx->pos - 2; k < dl->n; k++) {
		struct ovl_dirent *e = &dl->ents[k];
		int64_t next = (int64_t)k + 3;
		if (ctx->emit(ctx, e->name, e->len, e->ino, e->type, next))
			return 0;
		ctx->pos = next;
	}
	return 0;
}

static int64_t ovl_dir_llseek(struct file *f, int64_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	return generic_llseek(f, off, whence, INT64_MAX);
}

static void ovl_dir_release(struct file *f)
{
	struct ovl_dirlist *dl = f->priv;
	if (dl) {
		ovl_dirlist_free(dl);
		free(dl);
	}
}

const struct file_operations ovl_dir_fops = {
	.llseek = ovl_dir_llseek,
	.iterate = ovl_iterate,
	.release = ovl_dir_release,
};
