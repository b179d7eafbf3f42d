/* The virtual filesystem: dentries, mounts, path walk, open file
 * descriptions and the fd table. Filesystems (sentry/fs/<name>/) fill in
 * the operation tables below; nothing outside a filesystem's folder knows
 * its internals (Linux's include/linux/fs.h is the model).
 *
 * Errors are -errno. I/O buffers are sentry iovecs (pointers the sentry can
 * dereference: its own buffers, or app memory described by mm_iovecs()). */
#ifndef RV_VFS_H
#define RV_VFS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

struct task;
struct file;
struct inode;
struct dentry;
struct mount;

/* What stat/statx report. */
struct kstat {
	uint64_t dev, ino, nlink, size, blocks, rdev;
	uint32_t mode, uid, gid, blksize;
	struct timespec atime, mtime, ctime, btime;
};

/* One directory entry for getdents64. Return non-zero to stop. */
struct dir_context {
	int (*emit)(struct dir_context *, const char *name, size_t namelen,
		    uint64_t ino, unsigned char d_type, int64_t next_off);
	int64_t pos; /* where to start; the fs sets d_off of each entry */
};

struct file_operations {
	/* pos is the file position to use and advance, or NULL for streams
	 * (pipes, ttys). Return bytes or -errno; -EAGAIN for O_NONBLOCK. */
	ssize_t (*read)(struct file *, const struct iovec *, int iovcnt,
			int64_t *pos);
	ssize_t (*write)(struct file *, const struct iovec *, int iovcnt,
			 int64_t *pos);
	int64_t (*llseek)(struct file *, int64_t off, int whence);
	int (*iterate)(struct file *, struct dir_context *);
	long (*ioctl)(struct file *, struct task *, unsigned int cmd,
		      uint64_t arg);
	int (*fsync)(struct file *);
	/* Pages of files that live in the memory file (tmpfs, memfd), for
	 * MAP_SHARED: the memory file offset of page pgoff, with a reference
	 * taken for the caller. NULL: shared mappings not supported (private
	 * ones are filled with read()). */
	int (*get_page)(struct file *, uint64_t pgoff, bool write,
			uint64_t *memfile_off);
	void (*release)(struct file *);
};

/* An open file description (shared by dup, fork). */
struct file {
	_Atomic int refs;
	const struct file_operations *ops;
	unsigned int flags;      /* O_ACCMODE | O_APPEND | O_NONBLOCK | … */
	int64_t pos;
	pthread_mutex_t pos_lock;
	struct mount *mnt;       /* NULL for anonymous files (pipes) */
	struct dentry *dentry;   /* NULL for anonymous files */
	struct inode *inode;
	void *priv;              /* the filesystem's */
	char *anon_name;         /* "pipe:[123]" for /proc/self/fd links */
};

struct file *file_get(struct file *);
void file_put(struct file *);

/* Read/write a whole sentry buffer at an offset (loader, page-ins). */
ssize_t vfs_pread(struct file *, void *buf, size_t len, uint64_t off);
/* Path of an open file as /proc/self/fd/N shows it. */
int vfs_file_path(struct file *, char *buf, size_t len);
int vfs_fstat(struct file *, struct kstat *);
/* May this file be mmapped with prot/flags? 0, -EACCES, -ENODEV. */
int vfs_mmap_check(struct file *, int prot, int flags);

/* Per-task filesystem context (CLONE_FS shares it). */
struct fs_context;
struct fs_context *fs_context_create_root(void); /* root and cwd at / */
struct fs_context *fs_context_copy(struct fs_context *);
void fs_context_put(struct fs_context *);

/* Path walk flags. */
#define LOOKUP_FOLLOW 0x1    /* follow a trailing symlink */
#define LOOKUP_DIRECTORY 0x2 /* the result must be a directory */
#define LOOKUP_EMPTY 0x4     /* AT_EMPTY_PATH: "" means dirfd itself */

/* Open pathname relative to dirfd (AT_FDCWD) as openat(2) does. */
int vfs_openat(struct task *, int dirfd, const char *path, int flags,
	       mode_t mode, struct file **out);

/* Mount the initial filesystems: host root (read-only) at /, tmpfs at /tmp,
 * proc at /proc, dev at /dev. root_dir is --root (default "/"). Called once
 * before the first task runs. 0 or -errno. */
int vfs_init(const char *root_dir);

/* Files for the app's stdio: wrap the sentry's host fd (0, 1, 2). */
struct file *hostfd_file_create(int host_fd);

#endif
