/* What a filesystem implements and what the VFS gives it: superblocks,
 * inodes, dentries and mounts (the parts of Linux's include/linux/fs.h and
 * dcache.h a filesystem sees). Only sentry/vfs/ and sentry/fs/ include this;
 * the rest of the sentry uses sentry/vfs/vfs.h.
 *
 * Locking: one namespace lock (vfs_ns_lock) serialises changes to the
 * dentry tree (lookup that inserts, create, unlink, rename, mount). File
 * data and attributes are protected by inode->lock. Reference counts are
 * atomic. */
#ifndef RV_VFS_FS_H
#define RV_VFS_FS_H

#include "sentry/vfs/vfs.h"

struct super_block;
struct cred;
struct statfs;

struct path {
	struct mount *mnt;
	struct dentry *dentry;
};

/* Permission bits asked for (like Linux's MAY_*). */
#define MAY_EXEC 0x1
#define MAY_WRITE 0x2
#define MAY_READ 0x4

/* Attribute changes for setattr (Linux's ATTR_*). */
#define ATTR_MODE 0x1
#define ATTR_UID 0x2
#define ATTR_GID 0x4
#define ATTR_SIZE 0x8
#define ATTR_ATIME 0x10
#define ATTR_MTIME 0x20
#define ATTR_CTIME 0x40

struct iattr {
	unsigned int valid;
	uint32_t mode;
	uint32_t uid, gid;
	uint64_t size;
	struct timespec atime, mtime;
};

struct inode_operations {
	/* Find name in directory dir. 0 and *out (a new dentry made with
	 * d_alloc() whose inode is set), or -ENOENT / -errno. */
	int (*lookup)(struct inode *dir, struct dentry *parent,
		      const char *name, struct dentry **out);
	/* Namespace changes: the VFS has checked permissions, that the target
	 * does not exist (create/mkdir/symlink/link/mknod) or exists (unlink/
	 * rmdir), and holds vfs_ns_lock. On success the fs attaches the inode
	 * to the negative dentry d with d_instantiate(). */
	int (*create)(struct inode *dir, struct dentry *d, uint32_t mode,
		      const struct cred *);
	int (*mkdir)(struct inode *dir, struct dentry *d, uint32_t mode,
		     const struct cred *);
	int (*mknod)(struct inode *dir, struct dentry *d, uint32_t mode,
		     dev_t rdev, const struct cred *);
	int (*symlink)(struct inode *dir, struct dentry *d, const char *target,
		       const struct cred *);
	int (*link)(struct dentry *old, struct inode *dir, struct dentry *d);
	int (*unlink)(struct inode *dir, struct dentry *d);
	int (*rmdir)(struct inode *dir, struct dentry *d);
	/* old_d is moved to new_d's place (new_d may be positive: it is
	 * replaced; the VFS has checked types and emptiness). */
	int (*rename)(struct inode *old_dir, struct dentry *old_d,
		      struct inode *new_dir, struct dentry *new_d,
		      unsigned int flags);
	/* Symlink body into buf (not NUL terminated); returns its length. */
	ssize_t (*readlink)(struct dentry *, char *buf, size_t len);
	/* Magic links (/proc/[pid]/fd/N, exe, cwd, root): jump straight to a
	 * path (references taken for the caller) instead of parsing a body.
	 * -ENOENT when the target is gone. */
	int (*get_link)(struct dentry *, struct path *out);
	int (*getattr)(struct dentry *, struct kstat *);
	int (*setattr)(struct dentry *, const struct iattr *);
	/* Open hook: set file->ops / priv. Called after the VFS filled file
	 * with the path and flags. May be NULL (inode->fops is used). */
	int (*open)(struct inode *, struct file *);
	/* Extended attributes stored by the filesystem (host trees), as the
	 * f*xattr(2) calls: len 0 asks for the size; ENODATA, ERANGE. The
	 * syscall layer has checked the name, the flags, the mount and the
	 * caller's permission. NULL: the file has none and can get none. */
	ssize_t (*getxattr)(struct dentry *, const char *name, void *buf,
			    size_t len);
	int (*setxattr)(struct dentry *, const char *name, const void *val,
			size_t len, int flags);
	ssize_t (*listxattr)(struct dentry *, char *buf, size_t len);
	int (*removexattr)(struct dentry *, const char *name);
};

struct super_block {
	const char *fstype;       /* "tmpfs", "proc", … */
	uint64_t dev;             /* st_dev */
	bool rdonly;              /* EROFS for every write-like operation */
	/* Keep looked-up dentries in the dcache (tmpfs: the dcache *is* the
	 * directory). False: each walk asks the fs again (host: no unbounded
	 * pile of host fds; proc: pids come and go). Mount points and their
	 * ancestors are pinned in the cache either way. */
	bool cache_dentries;
	/* With cache_dentries: keep at most this many unused cached
	 * dentries, least recently used evicted first (0: no bound, the
	 * cache is the truth, as for tmpfs). Under vfs_ns_lock. */
	size_t lru_max;
	size_t lru_count;
	struct dentry *lru_head, *lru_tail;
	uint32_t magic;           /* statfs f_type */
	uint64_t blocks, bfree;   /* statfs, in pages */
	_Atomic uint64_t next_ino;
	void (*put_inode)(struct inode *); /* free fs data of an inode */
	/* statfs(2) beyond the generic fields (host: the host's numbers).
	 * May be NULL. */
	int (*statfs)(struct super_block *, struct dentry *, struct statfs *);
	void *priv;
};

struct inode {
	_Atomic int refs;
	uint64_t ino;
	uint32_t mode;            /* S_IFMT | permissions */
	uint32_t uid, gid;
	uint64_t nlink;
	uint64_t size;
	dev_t rdev;
	struct timespec atime, mtime, ctime, btime;
	pthread_mutex_t lock;
	struct super_block *sb;
	const struct inode_operations *iops;
	const struct file_operations *fops;
	void *pipe;               /* FIFOs: the pipe (sentry/fs/pipe) */
	void *locks;              /* advisory locks (sentry/vfs/locks.c) */
	/* memfd seals (F_SEAL_*), under lock; sealable: the filesystem
	 * enforces them (tmpfs), else F_ADD_SEALS/F_GET_SEALS are EINVAL. */
	unsigned int seals;
	bool sealable;
	void *priv;
};

/* Dentries: a name in a directory. A dentry holds a reference on its parent
 * and on its inode; a cached dentry is also held by its parent's children
 * table (until unlinked). Children are kept in creation order for stable
 * getdents offsets (seq). */
struct dentry {
	_Atomic int refs;
	char *name;
	size_t namelen;
	uint64_t hash;
	uint64_t seq;             /* creation order among siblings */
	struct dentry *parent;    /* self for a filesystem root */
	struct inode *inode;      /* NULL: negative (being created) */
	bool cached;              /* in parent's children table */
	bool dead;                /* unlinked / rmdir'ed */
	int mounted;              /* mounts on this dentry */
	/* children (only when cached children exist) */
	struct dentry **hbuckets;
	size_t nbuckets, nchildren;
	struct dentry *hnext;               /* hash chain */
	struct dentry *sib_prev, *sib_next; /* creation-order list */
	struct dentry *child_first, *child_last;
	struct dentry *lru_prev, *lru_next; /* sb's LRU (sb->lru_max) */
	bool on_lru;
	uint64_t next_seq;
	void *priv;
};

struct mount {
	_Atomic int refs;
	struct mount *parent;     /* self for the root mount */
	struct dentry *mountpoint;/* in parent */
	struct dentry *root;
	struct super_block *sb;
	char *source;             /* /proc/mounts first field */
	char *target;             /* absolute path, for /proc/mounts */
	unsigned int flags;       /* MS_RDONLY, MS_NOSUID, MS_NODEV */
	int id;                   /* /proc/[pid]/mountinfo mount ID */
	struct mount *next;       /* global list in mount order */
	/* Propagation (mount(2) MS_SHARED...): the peer group it is in
	 * (mountinfo's shared:N), the one it receives from (master:N); 0
	 * for none; whether it may be bound. Under vfs_ns_lock. */
	int group, master;
	bool unbindable;
	unsigned prop_mark;       /* propagation walk already here */
	unsigned long hang_seq;   /* when hung where it is: the last is on top */
	/* Marked by a first umount2(MNT_EXPIRE), cleared by any use of
	 * the mount (mnt_put), as Linux's mnt_expiry_mark. */
	_Atomic bool expiry_mark;
};

extern pthread_mutex_t vfs_ns_lock;

/* A new anonymous device number for a superblock (st_dev 0:N). */
uint64_t vfs_alloc_dev(void);

/* --- inodes ------------------------------------------------------------ */
struct inode *inode_alloc(struct super_block *sb, uint32_t mode);
struct inode *inode_get(struct inode *);
void inode_put(struct inode *);
void inode_touch(struct inode *, bool atime, bool mtime, bool ctime);
/* Permission check from credentials: mask of MAY_*. 0 or -EACCES. */
int inode_permission(const struct cred *, struct inode *, int mask);
void inode_fill_kstat(struct inode *, struct kstat *);

/* --- dentries ---------------------------------------------------------- */
/* A new dentry named name under parent (ref taken on parent), not cached,
 * refs 1. parent NULL: a filesystem root. */
struct dentry *d_alloc(struct dentry *parent, const char *name, size_t len);
struct dentry *dget(struct dentry *);
void dput(struct dentry *);
void d_instantiate(struct dentry *, struct inode *); /* takes inode ref */
/* Insert into parent's children (the table takes a reference). Under
 * vfs_ns_lock. */
void d_add_child(struct dentry *d);
/* Remove from the parent's table and mark dead. Under vfs_ns_lock. */
void d_drop(struct dentry *d);
/* Cached child named name of parent, with a reference, or NULL. Under
 * vfs_ns_lock. */
struct dentry *d_lookup_cached(struct dentry *parent, const char *name,
			       size_t len);
/* Move a cached dentry to a new parent / name (rename). Under lock. */
void d_move(struct dentry *d, struct dentry *new_parent, const char *name,
	    size_t len);
/* Iterate cached children of dir from seq pos (tmpfs readdir). */
int d_iterate_children(struct dentry *dir, struct dir_context *ctx);
static inline bool d_is_dir(const struct dentry *d)
{
	return d->inode && S_ISDIR(d->inode->mode);
}

/* --- paths and mounts ---------------------------------------------------- */
void path_get(struct path *);
void path_put(struct path *);
struct mount *mnt_get(struct mount *);
void mnt_put(struct mount *);
/* path_put for the path walk's own steps and umount2: not a use of the
 * mount, which keeps its MNT_EXPIRE mark. */
void path_put_walk(struct path *);
/* Mount sb's root dentry on mountpoint (NULL for the root mount). */
int vfs_mount(struct path *mountpoint, struct super_block *sb,
	      struct dentry *root, const char *source, unsigned int flags,
	      struct mount **out);
/* The mount whose mountpoint is (mnt, d), or NULL (no reference). */
struct mount *vfs_mount_at(struct mount *mnt, struct dentry *d);
/* Absolute path of p relative to root into buf. Returns length or
 * -ENAMETOOLONG. Unreachable from root: the path from the global root. */
int vfs_path_string(const struct path *p, const struct path *root,
		    char *buf, size_t len);
/* Text of /proc/mounts into a malloc'ed buffer. */
char *vfs_mounts_text(size_t *len);
/* Text of /proc/[pid]/mountinfo (proc(5)), malloc'ed. */
char *vfs_mountinfo_text(size_t *len);
struct mount *vfs_root_mount(void);
/* The mount of anonymous objects re-opened through /proc (see mount.c). */
#define VFS_MNT_ANON 0x40000000u
struct mount *vfs_anon_mount(void);
/* Internal mount flags beside the MS_* ones: read-only for good (the
 * runtime's :ro volumes; MS_REMOUNT cannot lift it), taken out of the tree
 * by umount2(2). */
#define VFS_MNT_LOCK_RO 0x20000000u
#define VFS_MNT_DETACHED 0x10000000u
/* Mount sb/root on path as t resolves it (symlinks followed, inside the
 * sandbox). 0 or -errno. */
int vfs_mount_path(struct task *t, const char *path, struct super_block *sb,
		   struct dentry *root, const char *source,
		   unsigned int flags);

/* Drop the locks taken through f (its last reference is going). */
void vfs_locks_release(struct file *f);

/* --- files ------------------------------------------------------------- */
/* A new file description (refs 1) for path p (references taken) or for an
 * anonymous object (p NULL). */
struct file *file_alloc(const struct path *p, struct inode *inode,
			const struct file_operations *ops, unsigned int flags);
/* Open an already-resolved path as open(2) would (checks, O_TRUNC, the
 * fs's open hook). */
int vfs_open_path(const struct cred *, const struct path *, int flags,
		  struct file **out);
int vfs_getattr(const struct path *, struct kstat *);
/* The path's mount or filesystem is read-only. */
bool vfs_path_rdonly(const struct path *);
/* setattr through the fs (or generic for in-sentry inodes). */
int vfs_setattr(struct dentry *, const struct iattr *);
/* EROFS / ENOENT (dir removed) / EACCES for creating or deleting in dir. */
int vfs_may_modify_dir(const struct cred *, const struct path *dir);
/* Helpers for simple files: read from / write to a sentry buffer. */
ssize_t vfs_iov_copy_out(const struct iovec *iov, int iovcnt, size_t skip,
			 const void *src, size_t len);
ssize_t vfs_iov_copy_in(void *dst, size_t len, const struct iovec *iov,
			int iovcnt, size_t skip);
size_t vfs_iov_length(const struct iovec *iov, int iovcnt);
int64_t generic_llseek(struct file *, int64_t off, int whence,
		       int64_t size);
struct timespec vfs_now(void);

#endif
