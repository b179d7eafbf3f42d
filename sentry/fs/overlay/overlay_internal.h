/* What the parts of the overlay share (overlay.c: inodes, lookup and the
 * namespace operations; copyup.c: copy-up and the layer helpers; readdir.c:
 * merged directories). Nothing outside sentry/fs/overlay/ includes it. */
#ifndef RV_FS_OVERLAY_INTERNAL_H
#define RV_FS_OVERLAY_INTERNAL_H

#include "sentry/fs/overlay/overlay.h"

/* Inode numbers of files that exist only in the upper layer: the tmpfs
 * number with this bit, so they never collide with a host inode number
 * (host numbers from a second host filesystem are folded below it, see
 * ovl_lower_ino()). */
#define OVL_UPPER_INO_BIT (1ULL << 62)

/* What the upper layer cannot say itself (tmpfs has no xattrs, where Linux
 * keeps trusted.overlay.origin and trusted.overlay.opaque): per upper
 * inode number, the inode number the file had in the lower layer before
 * copy-up, and whether the directory is opaque. */
struct ovl_meta {
	uint64_t key;            /* upper inode number */
	uint64_t origin;         /* 0: none */
	bool opaque;
	struct ovl_meta *next;
};

struct ovl_sb {
	struct super_block *upper_sb;
	struct dentry *upper_root, *lower_root;
	uint64_t lower_dev;      /* the lower root's st_dev */
	/* Bumped by every change of the upper tree: a dentry that found no
	 * upper entry at generation g need not look again while gen == g. */
	_Atomic uint64_t gen;
	pthread_mutex_t meta_lock;
	struct ovl_meta **meta;
	size_t meta_nb, meta_n;
};

/* An overlay inode wraps the real dentries of the layers. Fields change
 * only under vfs_ns_lock; upper is read without it (atomically): once set
 * it stays set (copy-up is one-way). */
struct ovl_inode {
	struct dentry *upper;    /* the upper entry: topmost when set */
	/* The lower entry: what the file is while not copied up; for a
	 * directory, the lower directory merged under upper (NULL when the
	 * directory is opaque or pure upper). */
	struct dentry *lower;
	/* Host st_dev of lower, for inode numbers: inherited from the
	 * parent at lookup (no stat per walk step) and corrected by the
	 * first getattr or opendir that sees the real one. */
	_Atomic uint64_t ldev;
	_Atomic uint64_t gen;    /* no upper entry as of this generation */
};

static inline struct ovl_sb *OVS(struct super_block *sb)
{
	return sb->priv;
}

static inline struct ovl_inode *OI(struct inode *i)
{
	return i->priv;
}

static inline struct dentry *ovl_upper(struct ovl_inode *oi)
{
	return __atomic_load_n(&oi->upper, __ATOMIC_ACQUIRE);
}

/* The dentry that answers for the file now: upper, else lower. */
static inline struct dentry *ovl_real(struct ovl_inode *oi)
{
	struct dentry *u = ovl_upper(oi);
	return u ? u : oi->lower;
}

/* A whiteout: a character device 0/0 in the upper layer, as Linux's. The
 * app can never make one (mknod of devices is EPERM in the sandbox, and
 * copy-up refuses device nodes). */
static inline bool ovl_is_whiteout(const struct dentry *d)
{
	return d->inode && S_ISCHR(d->inode->mode) && d->inode->rdev == 0;
}

/* --- metadata table (overlay.c) ------------------------------------------ */
bool ovl_meta_get(struct ovl_sb *, uint64_t key, uint64_t *origin,
		  bool *opaque);
void ovl_meta_set(struct ovl_sb *, uint64_t key, uint64_t origin,
		  bool opaque);
void ovl_meta_del(struct ovl_sb *, uint64_t key);
/* The overlay's inode number for an upper inode / a lower file. */
uint64_t ovl_upper_ino(struct ovl_sb *, uint64_t upper_ino);
uint64_t ovl_lower_ino(struct ovl_sb *, uint64_t ino, uint64_t dev);

/* A stat of the lower file of i: correct i's device (and, while i is
 * not copied up, its inode number) where a host mount point was crossed. */
void ovl_lower_seen(struct inode *i, const struct kstat *lst);

/* --- layers (copyup.c); all under vfs_ns_lock ------------------------------ */
/* The child name of a real directory dentry, with a reference. */
int ovl_layer_lookup(struct dentry *dir, const char *name,
		     struct dentry **out);
/* A private file on a real dentry, as its filesystem opens it. */
int ovl_layer_open(struct dentry *d, int flags, struct file **out);
/* Every entry of a real directory (not "." / ".."). */
typedef int (*ovl_dirent_fn)(void *arg, const char *name, size_t len,
			     uint64_t ino, unsigned char type);
int ovl_layer_iterate(struct dentry *dir, ovl_dirent_fn fn, void *arg);
/* Create name in the upper directory dir: mode's type picks create, mkdir,
 * mknod (whiteouts, fifos, sockets) or symlink (target). *out: the new
 * dentry with a reference. */
int ovl_upper_create(struct ovl_sb *, struct dentry *dir, const char *name,
		     uint32_t mode, const char *target, const struct cred *,
		     struct dentry **out);
int ovl_upper_whiteout(struct ovl_sb *, struct dentry *dir,
		       const char *name);
/* Remove the upper entry d of dir (a directory must be empty). */
int ovl_upper_remove(struct ovl_sb *, struct dentry *dir, struct dentry *d);
/* Remove every whiteout of an upper directory (before it is removed or
 * replaced: the merged view is empty). */
int ovl_upper_clear_whiteouts(struct ovl_sb *, struct dentry *dir);
/* Make sure the overlay dentry d has an upper entry: copy up its parents
 * and then it (with its data when data is true). */
int ovl_copy_up(struct dentry *d, bool data);
/* Adopt an upper entry made through another overlay dentry of the same
 * file (the dentries are not cached); -ENOENT when d's file is gone. */
int ovl_refresh(struct dentry *d);
/* Does the lower directory merged under the overlay directory dir have
 * an entry name (so removing name needs a whiteout)? */
bool ovl_lower_has(struct dentry *dir, const char *name);

/* --- directories (readdir.c) -------------------------------------------- */
struct ovl_dirent {
	char *name;
	size_t len;
	uint64_t ino;
	unsigned char type;
};

struct ovl_dirlist {
	struct ovl_dirent *ents;
	size_t n, cap;
};

/* The merged entries of overlay directory d: upper first (whiteouts
 * left out), then lower entries not shadowed or whited out. */
int ovl_dir_list(struct dentry *d, struct ovl_dirlist *out);
void ovl_dirlist_free(struct ovl_dirlist *);
extern const struct file_operations ovl_dir_fops;

#endif
