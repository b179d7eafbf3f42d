/* File I/O system calls: open/close, read/write and their vector and
 * positional forms, lseek, dup*, fcntl, ioctl, pipes, fsync, ftruncate,
 * sendfile. App memory is reached only through mm: data moves zero-copy
 * through mm_iovecs(), never through a pointer the app chose. */
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <linux/close_range.h>
#include <linux/falloc.h>
#include <linux/openat2.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "sentry/fs/inotify/inotify.h"
#include "sentry/fs/pipe/pipe.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024 /* readv(2): IOV_MAX */
#endif

static void set_fd_limit(struct task *t)
{
	if (t->tg)
		fd_set_thread_limit(t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
}

static long install(struct task *t, struct file *f, int minfd, bool cloexec)
{
	set_fd_limit(t);
	int fd = fd_install(t->files, f, minfd, cloexec);
	file_put(f);
	return fd;
}

/* --- open / close --------------------------------------------------------- */

static long do_openat(struct task *t, int dirfd, uint64_t upath, int flags,
		      mode_t mode)
{
	char *path;
	int err = vfs_getname(t, upath, &path);
	if (err)
		return err;
	struct file *f;
	err = vfs_openat(t, dirfd, path, flags, mode, &f);
	free(path);
	if (err)
		return err;
	return install(t, f, 0, flags & O_CLOEXEC);
}

long sys_open(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], (int)a[1], (mode_t)a[2]);
}

long sys_openat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, (int)a[0], a[1], (int)a[2], (mode_t)a[3]);
}

/* openat2(2): struct open_how, extensible: smaller than version 0 is
 * EINVAL, larger than a page E2BIG, and a larger struct is accepted only
 * when its unknown tail is zero (copy_struct_from_user()). Unlike
 * openat, unknown flags and a mode without O_CREAT/O_TMPFILE are EINVAL
 * (Linux's build_open_flags()). */
#define RV_VALID_OPEN_FLAGS                                                  \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND |      \
	 O_NONBLOCK | O_DSYNC | O_SYNC | FASYNC | O_DIRECT | O_LARGEFILE |   \
	 O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_PATH |         \
	 O_TMPFILE)
#define RV_VALID_RESOLVE                                                     \
	(RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS |     \
	 RESOLVE_BENEATH | RESOLVE_IN_ROOT | RESOLVE_CACHED)

long sys_openat2(struct task *t, const uint64_t a[6])
{
	size_t usize = (size_t)a[3];
	struct open_how how;
	if (usize < 24) /* OPEN_HOW_SIZE_VER0 */
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	memset(&how, 0, sizeof(how));
	if (mm_copy_in(t->mm, &how, a[2], usize < sizeof(how) ? usize : sizeof(how)))
		return -EFAULT;
	if (usize > sizeof(how)) {
		uint8_t tail[256];
		for (size_t off = sizeof(how); off < usize;) {
			size_t n = usize - off < sizeof(tail) ? usize - off
							       : sizeof(tail);
			if (mm_copy_in(t->mm, tail, a[2] + off, n))
				return -EFAULT;
			for (size_t i = 0; i < n; i++)
				if (tail[i])
					return -E2BIG;
			off += n;
		}
	}
	if (!(how.flags & O_PATH))
		how.flags |= O_LARGEFILE;
	if (how.flags & ~(uint64_t)RV_VALID_OPEN_FLAGS)
		return -EINVAL;
	if (how.resolve & ~(uint64_t)RV_VALID_RESOLVE)
		return -EINVAL;
	if ((how.resolve & RESOLVE_BENEATH) && (how.resolve & RESOLVE_IN_ROOT))
		return -EINVAL;
	if ((how.flags & O_CREAT) || (how.flags & O_TMPFILE) == O_TMPFILE) {
		if (how.mode & ~(uint64_t)07777)
			return -EINVAL;
	} else if (how.mode) {
		return -EINVAL;
	}
	int flags = (int)how.flags;
	char *path;
	int err = vfs_getname(t, a[1], &path);
	if (err)
		return err;
	struct file *f;
	err = vfs_openat2(t, (int)a[0], path, flags, (mode_t)how.mode,
			  how.resolve, &f);
	free(path);
	if (err)
		return err;
	return install(t, f, 0, flags & O_CLOEXEC);
}

long sys_creat(struct task *t, const uint64_t a[6])
{
	return do_openat(t, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC,
			 (mode_t)a[1]);
}

long sys_close(struct task *t, const uint64_t a[6])
{
	/* POSIX: closing any fd of a file drops the process's record
	 * locks on it. */
	struct file *f = fd_get(t->files, (int)a[0]);
	if (f) {
		vfs_locks_close(f->inode, t->tg);
		file_put(f);
	}
	return fd_close(t->files, (int)a[0]);
}

/* --- read / write ---------------------------------------------------------- */

/* A read of a regular file into a huge buffer: Linux writes only the
 * bytes the file has, but the sentry resolves (and allocates) the app
 * buffer before reading into it, so read(fd, buf, 4 GiB) of a 10-byte
 * file would allocate gigabytes of memory. Such reads go in growing
 * chunks (64 KiB doubling to 8 MiB), stopping at the first short one.
 * Regular files never block, so the extra calls cannot make a read wait
 * after it has data. */
#define RW_CHUNK_FIRST (64UL << 10)
#define RW_CHUNK_MAX (8UL << 20)

/* The app iovecs of bytes [skip, skip + max) of app[0..n) into out. */
static int iov_slice(const struct iovec *app, int n, size_t skip, size_t max,
		     struct iovec *out)
{
	int k = 0;

	for (int i = 0; i < n && max; i++) {
		size_t len = app[i].iov_len;
		if (skip >= len) {
			skip -= len;
			continue;
		}
		out[k].iov_base = (char *)app[i].iov_base + skip;
		out[k].iov_len = RV_MIN(len - skip, max);
		max -= out[k].iov_len;
		skip = 0;
		k++;
	}
	return k;
}

static long read_chunked(struct task *t, struct file *f,
			 const struct iovec *app, int n, size_t total,
			 int64_t pos)
{
	struct iovec *part = rv_xmalloc((size_t)n * sizeof(*part));
	size_t done = 0, chunk = RW_CHUNK_FIRST;
	long r = 0;

	if (total > VFS_MAX_RW_COUNT)
		total = VFS_MAX_RW_COUNT;
	while (done < total) {
		/* A killed task stops at a chunk's end (Linux checks
		 * fatal_signal_pending() per page): a 2 GiB read of a sparse
		 * file or /dev/zero kept a SIGKILLed app, and the sandbox's
		 * exit, waiting for seconds (sanitizer builds: minutes). */
		if (done && task_fatal_pending(t))
			break;
		size_t want = RV_MIN(chunk, total - done);
		int k = iov_slice(app, n, done, want, part);
		struct vfs_uiov u;

		r = vfs_uiov_build(t, part, k, true, &u);
		if (r)
			break;
		r = vfs_readv(f, u.iov, (int)u.cnt,
			      pos < 0 ? -1 : pos + (int64_t)done);
		vfs_uiov_free(&u);
		if (r <= 0)
			break;
		done += (size_t)r;
		if ((size_t)r < want || u.faulted)
			break;
		chunk = RV_MIN(chunk * 2, RW_CHUNK_MAX);
	}
	free(part);
	return done ? (long)done : r;
}

/* Linux's access_ok() on each buffer (import_iovec() for vectors): one
 * that does not end inside user space is EFAULT, before anything is
 * read or written, and whatever the file; a negative length in a vector
 * is EINVAL first (iovec_from_user()). A single buffer of a negative
 * length ends past user space: EFAULT, as read(fd, buf, -1). */
static long iov_access_ok(const struct iovec *app, int n, bool vec)
{
	for (int i = 0; vec && i < n; i++)
		if ((ssize_t)app[i].iov_len < 0)
			return -EINVAL;
	for (int i = 0; i < n; i++) {
		uint64_t base = (uint64_t)(uintptr_t)app[i].iov_base;
		uint64_t len = app[i].iov_len;
		if (len > MM_USER_TOP || base > MM_USER_TOP - len)
			return -EFAULT;
	}
	return 0;
}

/* One filesystem call per system call, whatever the number of pages:
 * a stream must not see a second read that could block after data.
 * The checks in Linux's order (vfs_read(), vfs_readv()): the fd, its
 * mode, the buffers; then at most MAX_RW_COUNT bytes move. */
static long io_common(struct task *t, int fd, const struct iovec *app, int n,
		      bool write, int64_t pos, bool vec)
{
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	long r0 = vfs_rw_check(f, write);
	if (!r0)
		r0 = iov_access_ok(app, n, vec);
	if (r0) {
		file_put(f);
		return r0;
	}
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += app[i].iov_len; /* each below 2^47, n <= UIO_MAXIOV */
	if (write && f->ops->write_discards) {
		file_put(f);
		return (long)RV_MIN(total, VFS_MAX_RW_COUNT);
	}
	/* Regular files and the memory devices (/dev/zero, /dev/urandom:
	 * major 1), which never block: in chunks, so that a huge read
	 * resolves the buffer a piece at a time and a kill stops it. */
	if (!write && total > RW_CHUNK_FIRST && f->inode &&
	    (S_ISREG(f->inode->mode) ||
	     (S_ISCHR(f->inode->mode) && major(f->inode->rdev) == 1))) {
		long r = read_chunked(t, f, app, n, total, pos);
		file_put(f);
		return r;
	}
	/* A pipe read returns at most what the pipe holds, at most its
	 * capacity: resolve no more of the buffer than that (a read of a
	 * pipe into a 1 GiB buffer would allocate it all). */
	struct iovec *part = NULL;
	size_t cap = VFS_MAX_RW_COUNT;
	if (!write && total > RW_CHUNK_FIRST && pipe_is_pipe(f)) {
		long pcap = pipe_get_size(f);
		if (pcap > 0 && (size_t)pcap < cap)
			cap = (size_t)pcap;
	}
	if (total > cap) {
		part = rv_xmalloc((size_t)n * sizeof(*part));
		n = iov_slice(app, n, 0, cap, part);
		app = part;
	}
	struct vfs_uiov u;
	long r = vfs_uiov_build(t, app, n, !write, &u);
	if (r == 0) {
		if (u.cnt == 0) {
			/* Zero bytes: still checks the fd (EBADF/EISDIR). */
			r = write ? vfs_writev(f, NULL, 0, pos)
				  : vfs_readv(f, NULL, 0, pos);
		} else {
			r = write ? vfs_writev(f, u.iov, (int)u.cnt, pos)
				  : vfs_readv(f, u.iov, (int)u.cnt, pos);
		}
		vfs_uiov_free(&u);
	}
	free(part);
	file_put(f);
	return r;
}

static long rw_one(struct task *t, const uint64_t a[6], bool write,
		   int64_t pos)
{
	struct iovec iov = {(void *)(uintptr_t)a[1], (size_t)a[2]};
	return io_common(t, (int)a[0], &iov, 1, write, pos, false);
}

long sys_read(struct task *t, const uint64_t a[6])
{
	return rw_one(t, a, false, -1);
}

long sys_write(struct task *t, const uint64_t a[6])
{
	return rw_one(t, a, true, -1);
}

long sys_pread64(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return rw_one(t, a, false, (int64_t)a[3]);
}

long sys_pwrite64(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return rw_one(t, a, true, (int64_t)a[3]);
}

static long rw_vec(struct task *t, const uint64_t a[6], bool write,
		   int64_t pos)
{
	/* Linux 6.x's vfs_readv()/vfs_writev() check the fd's mode before
	 * import_iovec() reads the vector (EBADF before EINVAL or EFAULT). */
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = vfs_rw_check(f, write);
	file_put(f);
	if (r)
		return r;
	if (a[2] > UIO_MAXIOV)
		return -EINVAL;
	int n = (int)a[2];
	struct iovec *app = rv_xmalloc((size_t)(n ? n : 1) * sizeof(*app));
	if (n && mm_copy_in(t->mm, app, a[1], (size_t)n * sizeof(*app)))
		r = -EFAULT;
	else
		r = io_common(t, (int)a[0], app, n, write, pos, true);
	free(app);
	return r;
}

long sys_readv(struct task *t, const uint64_t a[6])
{
	return rw_vec(t, a, false, -1);
}

long sys_writev(struct task *t, const uint64_t a[6])
{
	return rw_vec(t, a, true, -1);
}

long sys_preadv(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return rw_vec(t, a, false, (int64_t)a[3]);
}

long sys_pwritev(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	return rw_vec(t, a, true, (int64_t)a[3]);
}

/* preadv2/pwritev2 flags (linux/fs.h), checked as Linux's
 * kiocb_set_rw_flags() does. */
#ifndef RWF_HIPRI
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif
#define RV_RWF_ATOMIC 0x40
#define RV_RWF_DONTCACHE 0x80
#define RV_RWF_SUPPORTED (RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_NOWAIT | \
			  RWF_APPEND | RWF_NOAPPEND | RV_RWF_ATOMIC | \
			  RV_RWF_DONTCACHE)

/* The flags of one preadv2/pwritev2 on f; *pos may be moved to the end of
 * file for RWF_APPEND. HIPRI, DSYNC and SYNC change nothing here: the
 * sentry's files have no polled queues, and their writes are as durable
 * as the backing filesystem makes a write(2). */
static long rwf_check(struct file *f, uint64_t flags, bool write,
		      int64_t *pos)
{
	if (flags & ~(uint64_t)RV_RWF_SUPPORTED)
		return -EOPNOTSUPP;
	if ((flags & RWF_APPEND) && (flags & RWF_NOAPPEND))
		return -EINVAL;
	bool reg = f->inode && S_ISREG(f->inode->mode);
	if (flags & RWF_NOWAIT) {
		/* FMODE_NOWAIT: regular files, pipes and sockets have it.
		 * Ours never wait for a regular file's page; a stream must
		 * be ready now, else EAGAIN instead of blocking. */
		bool stream = f->inode && (S_ISFIFO(f->inode->mode) ||
					   S_ISSOCK(f->inode->mode));
		if (!reg && !stream)
			return -EOPNOTSUPP;
		if (stream && f->ops && f->ops->poll) {
			unsigned int m = f->ops->poll(f, NULL);
			unsigned int want = write ? POLLOUT : POLLIN;
			if (!(m & (want | POLLHUP | POLLERR)))
				return -EAGAIN;
		}
	}
	/* Atomic and uncached writes need the block layer's support, which
	 * no sentry filesystem has: Linux says EOPNOTSUPP for those. */
	if (flags & (RV_RWF_ATOMIC | RV_RWF_DONTCACHE))
		return -EOPNOTSUPP;
	if (!write)
		return 0;
	if ((flags & RWF_NOAPPEND) && (f->flags & O_APPEND)) {
		/* The filesystems apply O_APPEND themselves, per
		 * description: they cannot drop it for one call. */
		return -EOPNOTSUPP;
	}
	if ((flags & RWF_APPEND) && !(f->flags & O_APPEND) && reg) {
		/* Like IOCB_APPEND: at the end of file, whatever the
		 * offset; with offset -1 the position moves there too.
		 * Not atomic against writers through other descriptions
		 * (O_APPEND is). */
		struct kstat st;
		int e = vfs_fstat(f, &st);
		if (e < 0)
			return e;
		if (*pos == -1) {
			long r = vfs_llseek(f, 0, SEEK_END);
			if (r < 0)
				return r;
		} else {
			*pos = (int64_t)st.size;
		}
	}
	return 0;
}

static long rw_vec2(struct task *t, const uint64_t a[6], bool write)
{
	/* x86-64 passes the whole offset in pos_l; -1 means the file
	 * position (readv/writev), any other negative one is EINVAL. */
	int64_t pos = (int64_t)a[3];
	if (pos < -1)
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = 0;
	if (pos != -1 && (!f->ops || !f->ops->llseek))
		r = -ESPIPE;
	else if (a[5])
		r = rwf_check(f, a[5], write, &pos);
	file_put(f);
	if (r < 0)
		return r;
	return rw_vec(t, a, write, pos);
}

long sys_preadv2(struct task *t, const uint64_t a[6])
{
	return rw_vec2(t, a, false);
}

long sys_pwritev2(struct task *t, const uint64_t a[6])
{
	return rw_vec2(t, a, true);
}

long sys_lseek(struct task *t, const uint64_t a[6])
{
	int whence = (int)a[2];
	if (a[2] > SEEK_HOLE)
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = vfs_llseek(f, (int64_t)a[1], whence);
	file_put(f);
	return r;
}

/* --- descriptors ------------------------------------------------------------ */

long sys_dup(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	return install(t, f, 0, false);
}

static long do_dup3(struct task *t, int oldfd, int newfd, int flags)
{
	struct file *f = fd_get(t->files, oldfd);
	if (!f)
		return -EBADF;
	set_fd_limit(t);
	long r = fd_install_at(t->files, f, newfd, flags & O_CLOEXEC);
	file_put(f);
	return r;
}

long sys_dup2(struct task *t, const uint64_t a[6])
{
	int oldfd = (int)a[0], newfd = (int)a[1];
	/* dup2(2): same fd is a validity check only. */
	if (oldfd == newfd) {
		struct file *f = fd_get(t->files, oldfd);
		if (!f)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return do_dup3(t, oldfd, newfd, 0);
}

long sys_dup3(struct task *t, const uint64_t a[6])
{
	int flags = (int)a[2];
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if ((int)a[0] == (int)a[1])
		return -EINVAL;
	return do_dup3(t, (int)a[0], (int)a[1], flags);
}

/* Flags F_SETFL may change (fcntl(2)). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

long sys_fcntl(struct task *t, const uint64_t a[6])
{
	int fd = (int)a[0], cmd = (int)a[1];
	uint64_t arg = a[2];
	struct file *f = fd_get(t->files, fd);
	long r = 0;
	if (!f)
		return -EBADF;
	/* O_PATH descriptors only support the fd-level commands. */
	if ((f->flags & O_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC &&
	    cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL) {
		file_put(f);
		return -EBADF;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC: {
		uint64_t lim = t->tg ? t->tg->rlim[RLIMIT_NOFILE].rlim_cur
				     : 1024;
		if ((int)arg < 0 || arg >= lim) {
			r = -EINVAL;
			break;
		}
		return install(t, f, (int)arg, cmd == F_DUPFD_CLOEXEC);
	}
	case F_GETFD:
		r = fd_get_cloexec(t->files, fd);
		if (r > 0)
			r = FD_CLOEXEC;
		break;
	case F_SETFD:
		r = fd_set_cloexec(t->files, fd, arg & FD_CLOEXEC);
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		/* Racy only against another F_SETFL, like Linux's f_lock. */
		pthread_mutex_lock(&f->pos_lock);
		f->flags = (f->flags & ~(unsigned)SETFL_MASK) |
			   ((unsigned)arg & SETFL_MASK);
		pthread_mutex_unlock(&f->pos_lock);
		break;
	case F_GETPIPE_SZ:
		r = pipe_get_size(f);
		break;
	case F_SETPIPE_SZ:
		r = pipe_set_size(f, arg, t->cred.euid == 0);
		break;
	case F_ADD_SEALS:
		r = vfs_add_seals(f, (unsigned int)arg);
		break;
	case F_GET_SEALS:
		r = vfs_get_seals(f);
		break;
	case F_NOTIFY: {
		/* dnotify: accepted on directories, no event is ever sent
		 * (inotify is the interface programs use). */
		struct kstat st;
		r = vfs_fstat(f, &st);
		if (!r && !S_ISDIR(st.mode))
			r = -ENOTDIR;
		break;
	}
	case F_GETOWN:
	case F_SETOWN:
		r = 0;
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW: {
		struct flock fl;
		if (mm_copy_in(t->mm, &fl, arg, sizeof(fl))) {
			r = -EFAULT;
			break;
		}
		r = vfs_fcntl_lock(t, f, cmd, &fl);
		if (r == 0 && (cmd == F_GETLK || cmd == F_OFD_GETLK) &&
		    mm_copy_out(t->mm, arg, &fl, sizeof(fl)))
			r = -EFAULT;
		break;
	}
	default:
		r = -EINVAL;
		break;
	}
	file_put(f);
	return r;
}

long sys_ioctl(struct task *t, const uint64_t a[6])
{
	int fd = (int)a[0];
	unsigned int cmd = (unsigned int)a[1];
	struct file *f = fd_get(t->files, fd);
	long r = 0;
	int v;
	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		r = fd_set_cloexec(t->files, fd, cmd == FIOCLEX);
		break;
	case FIONBIO:
		if (mm_copy_in(t->mm, &v, a[2], sizeof(v))) {
			r = -EFAULT;
			break;
		}
		pthread_mutex_lock(&f->pos_lock);
		if (v)
			f->flags |= O_NONBLOCK;
		else
			f->flags &= ~(unsigned)O_NONBLOCK;
		pthread_mutex_unlock(&f->pos_lock);
		break;
	default:
		r = vfs_ioctl(f, t, cmd, a[2]);
		break;
	}
	file_put(f);
	return r;
}

static long do_pipe2(struct task *t, uint64_t ufds, int flags)
{
	struct file *e[2];
	int err = vfs_pipe(e, flags);
	if (err)
		return err;
	bool cloexec = flags & O_CLOEXEC;
	int fds[2];
	fds[0] = (int)install(t, e[0], 0, cloexec);
	if (fds[0] < 0) {
		file_put(e[1]);
		return fds[0];
	}
	fds[1] = (int)install(t, e[1], 0, cloexec);
	if (fds[1] < 0) {
		fd_close(t->files, fds[0]);
		return fds[1];
	}
	if (mm_copy_out(t->mm, ufds, fds, sizeof(fds))) {
		fd_close(t->files, fds[0]);
		fd_close(t->files, fds[1]);
		return -EFAULT;
	}
	return 0;
}

long sys_pipe(struct task *t, const uint64_t a[6])
{
	return do_pipe2(t, a[0], 0);
}

long sys_pipe2(struct task *t, const uint64_t a[6])
{
	return do_pipe2(t, a[0], (int)a[1]);
}

static long fd_call(struct task *t, int fd, int (*fn)(struct file *))
{
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	long r = fn(f);
	file_put(f);
	return r;
}

long sys_fsync(struct task *t, const uint64_t a[6])
{
	return fd_call(t, (int)a[0], vfs_fsync);
}

long sys_fdatasync(struct task *t, const uint64_t a[6])
{
	return fd_call(t, (int)a[0], vfs_fsync);
}

long sys_ftruncate(struct task *t, const uint64_t a[6])
{
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = (f->flags & O_PATH) ? -EBADF : vfs_ftruncate(f, (int64_t)a[1]);
	file_put(f);
	return r;
}

/* Input read n bytes the output did not take: put the file position
 * back (a positioned read has nothing to undo). */
static void unread(struct file *in, int64_t off, ssize_t n)
{
	if (off < 0 && n > 0)
		vfs_llseek(in, -n, SEEK_CUR);
}

/* The copy loop of sendfile(2) and copy_file_range(2): up to count bytes
 * from in to out through a bounce buffer. An offset pointer is used and
 * advanced instead of the file position (NULL: the position). Bytes
 * moved, or -errno when none moved. */
static long copy_range(struct file *in, int64_t *off_in, struct file *out,
		       int64_t *off_out, size_t count)
{
	size_t bsz = RV_MIN(count, (size_t)65536);
	char *buf = rv_xmalloc(bsz ? bsz : 1);
	size_t done = 0;
	long r = 0;
	while (done < count) {
		if (done && current && task_fatal_pending(current))
			break;
		struct iovec iov = {buf, RV_MIN(bsz, count - done)};
		ssize_t n = vfs_readv(in, &iov, 1, off_in ? *off_in : -1);
		if (n <= 0) {
			if (n < 0 && !done)
				r = n;
			break;
		}
		struct iovec w = {buf, (size_t)n};
		ssize_t m = vfs_writev(out, &w, 1, off_out ? *off_out : -1);
		if (m < 0) {
			if (!done)
				r = m;
			/* The input moved past bytes the output refused. */
			unread(in, off_in ? *off_in : -1, n);
			break;
		}
		done += (size_t)m;
		if (off_in)
			*off_in += m;
		if (off_out)
			*off_out += m;
		if (m < n) {
			unread(in, off_in ? *off_in : -1, n - m);
			break;
		}
	}
	free(buf);
	return done ? (long)done : r;
}

/* The two ends of sendfile, copy_file_range, splice and tee: 0 with a
 * reference on each, or EBADF (and no reference) when either fd is not
 * open. */
static int fd_get_pair(struct task *t, int in_fd, int out_fd,
		       struct file **in, struct file **out)
{
	*in = fd_get(t->files, in_fd);
	*out = *in ? fd_get(t->files, out_fd) : NULL;
	if (*in && *out)
		return 0;
	if (*in)
		file_put(*in);
	return -EBADF;
}

/* The offsets copy_file_range and splice take by pointer, each read only
 * when its pointer is given. */
static int offs_copy_in(struct task *t, uint64_t uoff_in, int64_t *off_in,
			uint64_t uoff_out, int64_t *off_out)
{
	if ((uoff_in && mm_copy_in(t->mm, off_in, uoff_in, 8)) ||
	    (uoff_out && mm_copy_in(t->mm, off_out, uoff_out, 8)))
		return -EFAULT;
	return 0;
}

/* An advanced offset back to the app when it gave a pointer: true when
 * that faults. */
static bool off_copy_out_fails(struct task *t, uint64_t uoff, int64_t off)
{
	return uoff && mm_copy_out(t->mm, uoff, &off, 8);
}

/* sendfile(2) through a sentry bounce buffer: both ends may be anything
 * readable / writable (Linux requires a mmap-able input; we are laxer). */
long sys_sendfile(struct task *t, const uint64_t a[6])
{
	int out_fd = (int)a[0], in_fd = (int)a[1];
	uint64_t uoff = a[2];
	size_t count = RV_MIN((size_t)a[3], VFS_MAX_RW_COUNT);
	int64_t off = -1;
	long r = 0;
	if (uoff) {
		if (mm_copy_in(t->mm, &off, uoff, sizeof(off)))
			return -EFAULT;
		if (off < 0)
			return -EINVAL;
	}
	struct file *in, *out;
	r = fd_get_pair(t, in_fd, out_fd, &in, &out);
	if (r)
		return r;
	if ((out->flags & O_APPEND)) {
		r = -EINVAL;
		goto out;
	}
	r = copy_range(in, uoff ? &off : NULL, out, NULL, count);
	if (r >= 0 && off_copy_out_fails(t, uoff, off))
		r = -EFAULT;
out:
	file_put(in);
	file_put(out);
	return r;
}

/* close_range(2): CLOSE_RANGE_CLOEXEC marks instead of closing;
 * CLOSE_RANGE_UNSHARE needs an unshared table, which a copy gives — the
 * kernel engineer's unshare is not there yet, so it is refused. */
long sys_close_range(struct task *t, const uint64_t a[6])
{
	unsigned int first = (unsigned int)a[0], last = (unsigned int)a[1];
	unsigned int flags = (unsigned int)a[2];
	if (flags & ~(unsigned)CLOSE_RANGE_CLOEXEC)
		return flags & CLOSE_RANGE_UNSHARE ? -EINVAL : -EINVAL;
	if (first > last)
		return -EINVAL;
	int fd = (int)RV_MIN(first, (unsigned)INT_MAX);
	while ((fd = fd_next(t->files, fd)) >= 0 && (unsigned)fd <= last) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(t->files, fd, true);
		else
			fd_close(t->files, fd);
		if (fd == INT_MAX)
			break;
		fd++;
	}
	return 0;
}

long sys_flock(struct task *t, const uint64_t a[6])
{
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = vfs_flock(f, (int)a[1]);
	file_put(f);
	return r;
}

long sys_fadvise64(struct task *t, const uint64_t a[6])
{
	int advice = (int)a[3];
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	struct kstat st;
	long r = 0;
	if (advice < 0 || advice > 5 || (int64_t)a[2] < 0)
		r = -EINVAL;
	else if (vfs_fstat(f, &st) == 0 && S_ISFIFO(st.mode))
		r = -ESPIPE;
	file_put(f);
	return r;
}

/* fallocate(2), mode 0 only: extends the size like a write of zeros. */
long sys_fallocate(struct task *t, const uint64_t a[6])
{
	int mode = (int)a[1];
	int64_t off = (int64_t)a[2], len = (int64_t)a[3];
	int64_t end;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (__builtin_add_overflow(off, len, &end))
		return -EFBIG;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	struct kstat st;
	long r = vfs_fstat(f, &st);
	if (r == 0) {
		if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE)
			r = -EOPNOTSUPP;
		else if (S_ISFIFO(st.mode))
			r = -ESPIPE;
		else if (S_ISDIR(st.mode))
			r = -EISDIR;
		else if (!S_ISREG(st.mode))
			r = -ENODEV;
		else if ((f->flags & O_ACCMODE) == O_RDONLY)
			r = -EBADF;
		else if (mode == 0 && (uint64_t)end > st.size)
			r = vfs_ftruncate(f, end);
	}
	file_put(f);
	return r;
}

/* copy_file_range(2): regular files only, through a bounce buffer. With
 * an offset pointer the file position is left alone and *off advances. */
long sys_copy_file_range(struct task *t, const uint64_t a[6])
{
	int in_fd = (int)a[0], out_fd = (int)a[2];
	uint64_t uoff_in = a[1], uoff_out = a[3];
	size_t count = RV_MIN((size_t)a[4], VFS_MAX_RW_COUNT);
	int64_t off_in = -1, off_out = -1;
	long r = 0;
	if (a[5])
		return -EINVAL;
	struct file *in, *out;
	r = fd_get_pair(t, in_fd, out_fd, &in, &out);
	if (r)
		return r;
	struct kstat si, so;
	/* The order of Linux's checks (copy_file_range, then
	 * generic_copy_file_checks, then rw_verify_area): offsets read, file
	 * types, access, wrap, shortening to the source's end, the limit of
	 * the destination, overlap, negative positions. */
	if (offs_copy_in(t, uoff_in, &off_in, uoff_out, &off_out)) {
		r = -EFAULT;
		goto out;
	}
	if (vfs_fstat(in, &si) || vfs_fstat(out, &so)) {
		r = -EINVAL;
		goto out;
	}
	if (S_ISDIR(si.mode) || S_ISDIR(so.mode)) {
		r = -EISDIR;
		goto out;
	}
	if (!S_ISREG(si.mode) || !S_ISREG(so.mode)) {
		r = -EINVAL;
		goto out;
	}
	if ((in->flags & O_ACCMODE) == O_WRONLY ||
	    (out->flags & O_ACCMODE) == O_RDONLY || (out->flags & O_APPEND)) {
		r = -EBADF;
		goto out;
	}
	int64_t pi = uoff_in ? off_in : in->pos;
	int64_t po = uoff_out ? off_out : out->pos;
	/* Wrap, computed unsigned as Linux does (pos + count < pos). */
	if ((uint64_t)pi + count < (uint64_t)pi ||
	    (uint64_t)po + count < (uint64_t)po) {
		r = -EOVERFLOW;
		goto out;
	}
	if (pi >= (int64_t)si.size)
		count = 0;
	else
		count = RV_MIN(count, (uint64_t)si.size - (uint64_t)pi);
	if (po >= INT64_MAX) {
		r = -EFBIG;
		goto out;
	}
	/* ... and shortened to it (generic_write_check_limits()), so that
	 * po + count below cannot overflow. */
	if (po >= 0)
		count = RV_MIN(count, (uint64_t)(INT64_MAX - po));
	/* Overlapping ranges of one file: EINVAL. */
	if (si.dev == so.dev && si.ino == so.ino &&
	    po + (int64_t)count > pi && po < pi + (int64_t)count) {
		r = -EINVAL;
		goto out;
	}
	if (pi < 0 || po < 0 || (int64_t)((uint64_t)pi + count) < 0 ||
	    (int64_t)((uint64_t)po + count) < 0) {
		r = -EINVAL;
		goto out;
	}
	if (count == 0)
		goto out;
	r = copy_range(in, uoff_in ? &off_in : NULL, out,
		       uoff_out ? &off_out : NULL, count);
	if (r >= 0 && (off_copy_out_fails(t, uoff_in, off_in) ||
		       off_copy_out_fails(t, uoff_out, off_out)))
		r = -EFAULT;
out:
	file_put(in);
	file_put(out);
	return r;
}

/* memfd_create(2): the name is at most 249 bytes (NAME_MAX minus
 * "memfd:"); hugetlb pages are not offered (EINVAL). */
long sys_memfd_create(struct task *t, const uint64_t a[6])
{
	unsigned int flags = (unsigned int)a[1];
	if (flags & ~(unsigned)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	char name[250];
	ssize_t n = mm_copy_in_str(t->mm, name, a[0], sizeof(name));
	if (n == -ENAMETOOLONG)
		return -EINVAL;
	if (n < 0)
		return n;
	struct file *f;
	int err = tmpfs_memfd_create(name, flags & MFD_ALLOW_SEALING, &t->cred,
				     &f);
	if (err)
		return err;
	return install(t, f, 0, flags & MFD_CLOEXEC);
}

/* --- splice(2), tee(2), vmsplice(2) ----------------------------------------
 * Bytes are copied (Linux moves page references; the app cannot tell,
 * except that a spliced page is not shared afterwards). A regular file
 * reads into or writes from the pipe's ring directly, and pipe to pipe
 * holds both rings, under the pipes' locks as Linux does; other files
 * (sockets, ttys) go through a sentry buffer without holding the lock. */

#define SPLICE_F_ALL (SPLICE_F_MOVE | SPLICE_F_NONBLOCK | SPLICE_F_MORE | \
		      SPLICE_F_GIFT)

/* One splice moves at most this much (Linux: what one pipe holds). */
#define SPLICE_CHUNK (1UL << 20)

/* A regular file end of a splice, read or written straight from / into
 * the pipe's ring under its lock (pipe_splice_locked). */
struct splice_file {
	struct file *f;
	int64_t *off; /* NULL: the file position */
};

static ssize_t splice_file_read(void *arg, const struct iovec *iov, int n)
{
	struct splice_file *sf = arg;
	ssize_t r = vfs_readv(sf->f, iov, n, sf->off ? *sf->off : -1);
	if (r > 0 && sf->off)
		*sf->off += r;
	return r;
}

static ssize_t splice_file_write(void *arg, const struct iovec *iov, int n)
{
	struct splice_file *sf = arg;
	ssize_t r = vfs_writev(sf->f, iov, n, sf->off ? *sf->off : -1);
	if (r > 0 && sf->off)
		*sf->off += r;
	return r;
}

static bool is_reg(struct file *f)
{
	return f->inode && S_ISREG(f->inode->mode);
}

/* splice from a file (or socket) into a pipe: wait_for_space(), then one
 * read of at most the room there is. */
static long splice_to_pipe(struct file *in, int64_t *off, struct file *out,
			   size_t len, bool nonblock)
{
	if (is_reg(in)) {
		struct splice_file sf = {in, off};
		/* IN_ACCESS once the pipe's lock is dropped. */
		inotify_defer_begin();
		long r = pipe_splice_locked(out, false, len, nonblock,
					    splice_file_read, &sf);
		inotify_defer_end();
		return r;
	}
	ssize_t room = pipe_splice_space(out, nonblock);
	if (room < 0)
		return room;
	size_t n = RV_MIN(len, (size_t)room);
	char *buf = rv_xmalloc(n);
	struct iovec iov = {buf, n};
	ssize_t r = vfs_readv(in, &iov, 1, off ? *off : -1);
	/* No splice_read: directories, and positioned reads of streams
	 * (no FMODE_PREAD) are EINVAL in do_splice(). */
	if (r == -EISDIR || (r == -ESPIPE && off))
		r = -EINVAL;
	size_t done = 0;
	while (r > 0 && done < (size_t)r) {
		/* Room was there; only a racing writer can take it, so the
		 * rest waits rather than losing bytes already read. */
		struct iovec w = {buf + done, (size_t)r - done};
		ssize_t m = pipe_splice_write(out, &w, 1, false);
		if (m < 0)
			break;
		done += (size_t)m;
	}
	if (r > 0) {
		unread(in, off ? *off : -1, r - (ssize_t)done);
		r = done ? (ssize_t)done : -EPIPE;
		if (off && done)
			*off += (int64_t)done;
	}
	free(buf);
	return r;
}

/* splice from a pipe into a file or socket: what the pipe holds (up to
 * len), leaving in the pipe whatever the output refused. */
static long splice_from_pipe(struct file *in, struct file *out, int64_t *off,
			     size_t len, bool nonblock)
{
	if (is_reg(out)) {
		struct splice_file sf = {out, off};
		inotify_defer_begin();
		long r = pipe_splice_locked(in, true, len, nonblock,
					    splice_file_write, &sf);
		inotify_defer_end();
		return r;
	}
	size_t n = RV_MIN(len, (size_t)pipe_get_size(in));
	char *buf = rv_xmalloc(n);
	struct iovec iov = {buf, n};
	ssize_t r = pipe_splice_read(in, &iov, 1, nonblock, false);
	if (r > 0) {
		struct iovec w = {buf, (size_t)r};
		r = vfs_writev(out, &w, 1, off ? *off : -1);
		if (r == -ESPIPE && off)
			r = -EINVAL;
		if (r > 0) {
			pipe_splice_drop(in, (size_t)r);
			if (off)
				*off += r;
		}
	}
	free(buf);
	return r;
}

static bool can_rd(struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool can_wr(struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

long sys_splice(struct task *t, const uint64_t a[6])
{
	int in_fd = (int)a[0], out_fd = (int)a[2];
	uint64_t uoff_in = a[1], uoff_out = a[3];
	size_t len = RV_MIN((size_t)a[4], SPLICE_CHUNK);
	unsigned int flags = (unsigned int)a[5];
	int64_t off_in = 0, off_out = 0;
	long r;
	/* sys_splice(): a zero length is done before anything is checked. */
	if (a[4] == 0)
		return 0;
	if (flags & ~(unsigned)SPLICE_F_ALL)
		return -EINVAL;
	struct file *in, *out;
	r = fd_get_pair(t, in_fd, out_fd, &in, &out);
	if (r)
		return r;
	bool ip = pipe_is_pipe(in), op = pipe_is_pipe(out);
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	/* __do_splice(): an offset for a pipe end is ESPIPE, before the
	 * offsets are read and before the modes are checked. */
	if ((ip && uoff_in) || (op && uoff_out)) {
		r = -ESPIPE;
		goto out;
	}
	if (offs_copy_in(t, uoff_in, &off_in, uoff_out, &off_out)) {
		r = -EFAULT;
		goto out;
	}
	if (!can_rd(in) || !can_wr(out)) {
		r = -EBADF;
		goto out;
	}
	if (ip && op) {
		if (pipe_same(in, out)) {
			r = -EINVAL;
			goto out;
		}
		if ((in->flags | out->flags) & O_NONBLOCK)
			nonblock = true;
		r = pipe_splice_pipes(in, out, len, nonblock, true);
	} else if (ip) {
		if ((out->flags & O_APPEND) || (uoff_out && off_out < 0)) {
			r = -EINVAL;
			goto out;
		}
		if (in->flags & O_NONBLOCK)
			nonblock = true;
		r = splice_from_pipe(in, out, uoff_out ? &off_out : NULL, len,
				     nonblock);
		if (r >= 0 && off_copy_out_fails(t, uoff_out, off_out))
			r = -EFAULT;
	} else if (op) {
		if (uoff_in && off_in < 0) {
			r = -EINVAL;
			goto out;
		}
		if (out->flags & O_NONBLOCK)
			nonblock = true;
		r = splice_to_pipe(in, uoff_in ? &off_in : NULL, out, len,
				   nonblock);
		if (r >= 0 && off_copy_out_fails(t, uoff_in, off_in))
			r = -EFAULT;
	} else {
		/* Neither end is a pipe. */
		r = -EINVAL;
	}
out:
	file_put(in);
	file_put(out);
	return r;
}

long sys_tee(struct task *t, const uint64_t a[6])
{
	unsigned int flags = (unsigned int)a[3];
	size_t len = RV_MIN((size_t)a[2], SPLICE_CHUNK);
	/* sys_tee(): flags first, then a zero length. */
	if (flags & ~(unsigned)SPLICE_F_ALL)
		return -EINVAL;
	if (a[2] == 0)
		return 0;
	struct file *in, *out;
	long r = fd_get_pair(t, (int)a[0], (int)a[1], &in, &out);
	if (r)
		return r;
	r = -EBADF;
	if (!can_rd(in) || !can_wr(out))
		goto out;
	r = -EINVAL;
	if (!pipe_is_pipe(in) || !pipe_is_pipe(out) || pipe_same(in, out))
		goto out;
	bool nonblock = (flags & SPLICE_F_NONBLOCK) ||
			((in->flags | out->flags) & O_NONBLOCK);
	r = pipe_splice_pipes(in, out, len, nonblock, false);
out:
	file_put(in);
	file_put(out);
	return r;
}

/* vmsplice(2): app memory into a pipe's write end, or out of its read
 * end; only SPLICE_F_NONBLOCK makes it non-blocking (the file's
 * O_NONBLOCK is not looked at, as in Linux). */
long sys_vmsplice(struct task *t, const uint64_t a[6])
{
	unsigned int flags = (unsigned int)a[3];
	uint64_t nr = a[2];
	if (flags & ~(unsigned)SPLICE_F_ALL)
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = -EBADF;
	bool wr = can_wr(f);
	struct iovec *app = NULL, *part = NULL;
	if (!pipe_is_pipe(f) || (!wr && !can_rd(f)))
		goto out;
	r = -EINVAL;
	if (nr > UIO_MAXIOV)
		goto out;
	r = 0;
	if (nr == 0)
		goto out;
	app = rv_xmalloc(nr * sizeof(*app));
	if (mm_copy_in(t->mm, app, a[1], nr * sizeof(*app))) {
		r = -EFAULT;
		goto out;
	}
	size_t total = 0;
	for (uint64_t i = 0; i < nr; i++) {
		if ((ssize_t)app[i].iov_len < 0 ||
		    __builtin_add_overflow(total, app[i].iov_len, &total) ||
		    total > (size_t)SSIZE_MAX) {
			r = -EINVAL;
			goto out;
		}
	}
	if (total == 0)
		goto out;
	/* One call moves at most what the pipe holds: resolve no more of
	 * the buffer than that (as read(2) does, a vmsplice of a few bytes
	 * into a 1 GiB buffer would allocate all of it). */
	long cap = pipe_get_size(f);
	int cnt = (int)nr;
	if (cap > 0 && total > (size_t)cap) {
		part = rv_xmalloc(nr * sizeof(*part));
		cnt = iov_slice(app, cnt, 0, (size_t)cap, part);
	}
	struct vfs_uiov u;
	r = vfs_uiov_build(t, part ? part : app, cnt, !wr, &u);
	if (r)
		goto out;
	bool nonblock = flags & SPLICE_F_NONBLOCK;
	if (wr)
		r = pipe_splice_write(f, u.iov, (int)u.cnt, nonblock);
	else
		r = pipe_splice_read(f, u.iov, (int)u.cnt, nonblock, true);
	vfs_uiov_free(&u);
out:
	free(part);
	free(app);
	file_put(f);
	return r;
}

/* sync_file_range(2): Linux's checks (flags, then offsets, then the file
 * type); tmpfs and overlay data is already where it will stay, host
 * files get an fsync when a write-out is asked for. */
long sys_sync_file_range(struct task *t, const uint64_t a[6])
{
	int64_t off = (int64_t)a[1], nbytes = (int64_t)a[2], end;
	unsigned int flags = (unsigned int)a[3];
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = -EBADF;
	if (f->flags & O_PATH)
		goto out;
	r = -EINVAL;
	if (flags & ~(unsigned)(SYNC_FILE_RANGE_WAIT_BEFORE |
				SYNC_FILE_RANGE_WRITE |
				SYNC_FILE_RANGE_WAIT_AFTER))
		goto out;
	if (off < 0 || nbytes < 0 ||
	    __builtin_add_overflow(off, nbytes, &end))
		goto out;
	struct kstat st;
	r = vfs_fstat(f, &st);
	if (r)
		goto out;
	r = -ESPIPE;
	if (!S_ISREG(st.mode) && !S_ISBLK(st.mode) && !S_ISDIR(st.mode) &&
	    !S_ISLNK(st.mode))
		goto out;
	r = 0;
	if (flags & SYNC_FILE_RANGE_WRITE) {
		r = vfs_fsync(f);
		if (r == -EINVAL || r == -EROFS)
			r = 0;
	}
out:
	file_put(f);
	return r;
}
