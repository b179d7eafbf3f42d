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
struct poll_table;

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
	/* write takes every byte without reading the buffer (/dev/null,
	 * /dev/zero: Linux's write_null() returns the count): the buffer
	 * is checked as access_ok() does, never resolved. */
	bool write_discards;
	int (*iterate)(struct file *, struct dir_context *);
	long (*ioctl)(struct file *, struct task *, unsigned int cmd,
		      uint64_t arg);
	int (*fsync)(struct file *);
	/* Readiness (EPOLLIN|EPOLLOUT|EPOLLERR|EPOLLHUP|…) now; registers
	 * the file's wait queues with pt (poll_wait(), kernel/waitq.h) so
	 * that the poller is woken when it may change. NULL: always ready
	 * for reading and writing, like a regular file. */
	unsigned int (*poll)(struct file *, struct poll_table *pt);
	/* Pages of files that live in the memory file (tmpfs, memfd), for
	 * MAP_SHARED: the memory file offset of page pgoff, with a reference
	 * taken for the caller. NULL: shared mappings not supported (private
	 * ones are filled with read()). */
	int (*get_page)(struct file *, uint64_t pgoff, bool write,
			uint64_t *memfile_off);
	/* The pages of [pgoff, pgoff + n) that the file's cache already
	 * holds, for the mm's fault-around and exec: never reads, never
	 * allocates. offs[k] is page pgoff + k's memory file offset with a
	 * reference taken for the caller, or UINT64_MAX when the page is
	 * not cached or lies beyond end of file. Returns how many were
	 * found. NULL: none ever is. */
	size_t (*peek_pages)(struct file *, uint64_t pgoff, size_t n,
			     uint64_t *offs);
	void (*release)(struct file *);
	/* Files whose get_page pages are a cache of another store (host
	 * files): write the pages of [off, off + len) back to it, and with
	 * sync make them durable (msync MS_SYNC). The mm calls it on msync
	 * and when a shared mapping goes (munmap, exit, a MAP_FIXED over
	 * it). Such files' private mappings are read copies, not their
	 * cached pages. NULL: the pages are the file's own (tmpfs). */
	int (*mmap_writeback)(struct file *, uint64_t off, uint64_t len,
			      bool sync);
	/* get_page's pages cannot change while mapped (read-only host
	 * trees): a private writable mapping reads its own copy when first
	 * touched, as if get_page were NULL, instead of sharing them until
	 * the first write, which costs a fault per written page (every page
	 * of a program's .data); read-only ones still share them. */
	bool private_copy;
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

/* The kernel's O_LARGEFILE (glibc defines it as 0 on x86-64, but the
 * kernel reports 0100000 in F_GETFL for every file opened on 64-bit). */
#define VFS_O_LARGEFILE 0100000

struct file *file_get(struct file *);
void file_put(struct file *);
/* epoll (sentry/fs/anon/epoll.c): file_put() calls this when the last
 * reference goes, before release, so that epoll sets (which hold no
 * reference, as in Linux) forget the file. */
void epoll_file_released(struct file *);

/* Read/write a whole sentry buffer at an offset (loader, page-ins). */
ssize_t vfs_pread(struct file *, void *buf, size_t len, uint64_t off);
/* Path of an open file as /proc/self/fd/N shows it. */
int vfs_file_path(struct file *, char *buf, size_t len);
int vfs_fstat(struct file *, struct kstat *);
/* May this file be mmapped with prot/flags? 0, -EACCES, -ENODEV. */
int vfs_mmap_check(struct file *, int prot, int flags);

/* Per-task filesystem context (CLONE_FS shares it). */
struct fs_context;
/* Root at /; cwd at the caller's cwd when the root is the host's / and
 * that directory exists in the sandbox (as `runsc do`), else at /. */
struct fs_context *fs_context_create_root(void);
struct fs_context *fs_context_copy(struct fs_context *);
struct fs_context *fs_context_get(struct fs_context *); /* CLONE_FS */
void fs_context_put(struct fs_context *);

/* Path walk flags. */
#define LOOKUP_FOLLOW 0x1    /* follow a trailing symlink */
#define LOOKUP_DIRECTORY 0x2 /* the result must be a directory */
#define LOOKUP_EMPTY 0x4     /* AT_EMPTY_PATH: "" means dirfd itself */

/* Open pathname relative to dirfd (AT_FDCWD) as openat(2) does. */
int vfs_openat(struct task *, int dirfd, const char *path, int flags,
	       mode_t mode, struct file **out);
/* openat2(2): vfs_openat with its RESOLVE_* flags (linux/openat2.h)
 * applied to every walk it makes; flags and mode already checked
 * (sentry/vfs/namei.c). */
int vfs_openat2(struct task *, int dirfd, const char *path, int flags,
		mode_t mode, uint64_t resolve, struct file **out);

/* Mount the initial filesystems: host root (read-only) at /, tmpfs at /tmp,
 * proc at /proc, dev at /dev. root_dir is --root (default "/"). Called once
 * before the first task runs. When a root is already mounted (the overlay:
 * overlay_mount_root() first), only /tmp, /proc and /dev are added.
 * 0 or -errno. */
int vfs_init(const char *root_dir);
/* --tmpfs-size for /tmp too (0: the tmpfs default, 1 GiB): past it writes
 * get ENOSPC, as on the overlay's writable layer. Set before vfs_init(). */
extern uint64_t vfs_tmp_size;

/* Files for the app's stdio: wrap the sentry's host fd (0, 1, 2). */
struct file *hostfd_file_create(int host_fd);

/* --- operations for the syscall layer (sentry/vfs/ops.c) -----------------
 * Each does what the system call of the same name does, with Linux's
 * checks and errors; paths are sentry strings already copied in. */
struct statfs;
/* pos < 0: use and advance the file position (read/readv); else pread. */
/* The checks of read(2)/write(2) before the buffer's: EBADF when the
 * description was not opened for it (or is O_PATH), EINVAL when its
 * file has no such operation. */
int vfs_rw_check(struct file *f, bool write);
ssize_t vfs_readv(struct file *, const struct iovec *, int iovcnt,
		  int64_t pos);
ssize_t vfs_writev(struct file *, const struct iovec *, int iovcnt,
		   int64_t pos);
int64_t vfs_llseek(struct file *, int64_t off, int whence);
/* getdents64: "." and "..", then the filesystem's entries. */
int vfs_iterate_dir(struct file *, struct dir_context *);
int vfs_ftruncate(struct file *, int64_t len);
int vfs_fsync(struct file *);
long vfs_ioctl(struct file *, struct task *, unsigned int cmd,
	       uint64_t arg);
/* at_flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (path "" means dirfd). */
int vfs_statat(struct task *, int dirfd, const char *path, int at_flags,
	       struct kstat *);
ssize_t vfs_readlinkat(struct task *, int dirfd, const char *path,
		       char *buf, size_t len);
int vfs_accessat(struct task *, int dirfd, const char *path, int mode,
		 int at_flags);
int vfs_chdir(struct task *, int dirfd, const char *path);
int vfs_getcwd(struct task *, char *buf, size_t len);
int vfs_mkdirat(struct task *, int dirfd, const char *path, mode_t mode);
int vfs_mknodat(struct task *, int dirfd, const char *path, mode_t mode,
		dev_t dev);
int vfs_unlinkat(struct task *, int dirfd, const char *path, int at_flags);
int vfs_renameat2(struct task *, int olddirfd, const char *oldpath,
		  int newdirfd, const char *newpath, unsigned int flags);
int vfs_symlinkat(struct task *, const char *target, int dirfd,
		  const char *path);
int vfs_linkat(struct task *, int olddirfd, const char *oldpath,
	       int newdirfd, const char *newpath, int at_flags);
int vfs_chmodat(struct task *, int dirfd, const char *path, mode_t mode,
		int at_flags);
int vfs_chownat(struct task *, int dirfd, const char *path, uid_t uid,
		gid_t gid, int at_flags);
int vfs_truncate(struct task *, const char *path, int64_t len);
/* times NULL: now; tv_nsec UTIME_NOW / UTIME_OMIT as utimensat(2). */
int vfs_utimensat(struct task *, int dirfd, const char *path,
		  const struct timespec times[2], int at_flags);
int vfs_statfsat(struct task *, int dirfd, const char *path, int at_flags,
		 struct statfs *);
/* mount(2) and umount2(2) inside the sandbox: tmpfs, proc, MS_BIND,
 * MS_REMOUNT, propagation changes (no-ops). source, fstype, data may be
 * NULL. */
int vfs_do_mount(struct task *, const char *source, const char *target,
		 const char *fstype, unsigned long flags, const char *data);
int vfs_umount(struct task *, const char *target, int flags);
/* The file lives on a noexec mount (execve(2): EACCES; mmap(2) with
 * PROT_EXEC: EPERM). */
bool vfs_file_noexec(const struct file *);
/* Copy a path from app memory: a malloc'ed string (free it), -EFAULT or
 * -ENAMETOOLONG (PATH_MAX including the NUL). */
int vfs_getname(struct task *, uint64_t uaddr, char **out);

/* Linux's MAX_RW_COUNT: one read or write moves at most this much. */
#define VFS_MAX_RW_COUNT 0x7ffff000UL

/* App I/O buffers as sentry iovecs (zero copy through mm_iovecs). */
struct vfs_uiov {
	struct iovec *iov;
	size_t cnt, cap;
	size_t bytes;     /* covered; a prefix of what was asked */
	bool faulted;     /* stopped at an inaccessible page */
	struct iovec inline_iov[32];
};
/* app: n app iovecs (already copied in, lengths checked). to_app: the
 * data flows into app memory (read). -EFAULT when not even the first byte
 * is accessible. */
int vfs_uiov_build(struct task *, const struct iovec *app, int n,
		   bool to_app, struct vfs_uiov *);
void vfs_uiov_free(struct vfs_uiov *);

/* Advisory locks. cmd: F_GETLK/F_SETLK/F_SETLKW and the F_OFD_ ones; fl
 * is the caller's struct flock (updated for F_GETLK). */
struct flock;
int vfs_fcntl_lock(struct task *, struct file *, int cmd, struct flock *fl);
int vfs_flock(struct file *, int op); /* LOCK_SH/EX/UN | LOCK_NB */
/* close(2) of any fd of inode i by a process drops its record locks. */
void vfs_locks_close(struct inode *i, const void *owner);

/* memfd seals: F_ADD_SEALS / F_GET_SEALS (EINVAL where unsupported). */
int vfs_add_seals(struct file *, unsigned int seals);
int vfs_get_seals(struct file *);

/* A pipe: two files (read end, write end); flags O_NONBLOCK|O_DIRECT. */
int vfs_pipe(struct file *ends[2], int flags);

#endif
