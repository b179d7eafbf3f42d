/* Files over a host fd the sentry owns: the app's stdio (the caller's
 * fds 0, 1, 2) and /dev/tty. Reads and writes pass through on the host's
 * own file offset (so `(ringvisor run A; B) > out` appends like native).
 *
 * ioctl passes only an allowlist of terminal requests, and never an app
 * pointer: the argument is copied into a sentry buffer (mm_copy_in), the
 * host call made on that, and the result copied out. Process-group
 * requests are answered from the sandbox's own ids: host pids mean nothing
 * inside.
 *
 * Terminals and pipes are re-opened into a private description that the
 * sentry makes non-blocking: a task waiting for input sleeps on a wait
 * queue (hostwatch.c wakes it), so signals interrupt it and poll/select/
 * epoll work, and the caller's own description is never changed. */
#include "sentry/fs/host/host.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <poll.h>

#include "sentry/fs/host/hostwatch.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/kernel/kernel.h"
#include "sentry/util.h"
#include "syscalls/table.h"

/* Linux's struct termios (asm-generic/termbits.h), not glibc's. */
#define KTERMIOS_SIZE 36

/* Shared by the inode and every file over it (a reopen through
 * /proc/self/fd makes another file on the same inode). */
struct hostfd {
	_Atomic int refs;
	int fd;
	int fg_pgrp; /* TIOCSPGRP inside the sandbox */
	bool nb;     /* a private description the sentry made O_NONBLOCK */
	struct hostwatch w;
};

static void hostfd_put(struct hostfd *h)
{
	if (!h || atomic_fetch_sub(&h->refs, 1) != 1)
		return;
	if (h->nb)
		hostwatch_fini(&h->w);
	close(h->fd);
	free(h);
}

struct hostfd_waiter {
	struct hostfd *h;
	uint32_t ev;
};

static bool hostfd_ready_cond(void *arg)
{
	struct hostfd_waiter *w = arg;
	return hostwatch_ready(w->h->fd, w->ev) != 0;
}

/* Wait until the host fd is ready for ev: interruptibly for tasks.
 * 0 or -ERESTARTSYS. */
static int hostfd_wait(struct hostfd *h, uint32_t ev)
{
	struct task *t = current;
	if (!t) {
		struct pollfd p = {h->fd, (short)(ev & EPOLLIN ? POLLIN : POLLOUT),
				   0};
		poll(&p, 1, -1);
		return 0;
	}
	struct hostfd_waiter w = {h, ev};
	hostwatch_arm(&h->w, ev);
	int r = waitq_wait_event(t, &h->w.wq, ev, hostfd_ready_cond, &w, NULL);
	return r == -EINTR ? -RV_ERESTARTSYS : 0;
}

static void hostfd_put_inode(struct inode *i)
{
	hostfd_put(i->priv);
}

static struct super_block hostfd_sb = {
	.fstype = "hostfd",
	.magic = 0x1cd1,
	.put_inode = hostfd_put_inode,
};

static int HOSTFD(struct file *f)
{
	return ((struct hostfd *)f->priv)->fd;
}

static ssize_t hostfd_read(struct file *f, const struct iovec *iov,
			   int iovcnt, int64_t *pos)
{
	(void)pos;
	struct hostfd *h = f->priv;
	for (;;) {
		ssize_t n = readv(h->fd, iov, iovcnt);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !h->nb || (f->flags & O_NONBLOCK))
			return -errno;
		int r = hostfd_wait(h, EPOLLIN);
		if (r)
			return r;
	}
}

/* Writes complete like a blocking write (all of it, unless a signal or an
 * error stops them after some bytes: then the count so far). */
static ssize_t hostfd_write(struct file *f, const struct iovec *iov,
			    int iovcnt, int64_t *pos)
{
	(void)pos;
	struct hostfd *h = f->priv;
	size_t total = vfs_iov_length(iov, iovcnt), done = 0;
	struct iovec *rest = NULL, *block = NULL;
	ssize_t r = 0;
	while (done < total || total == 0) {
		ssize_t n = writev(h->fd, iov, iovcnt);
		if (n >= 0) {
			done += (size_t)n;
			if (total == 0 || done == total)
				break;
			/* Partial write: continue after what went out. */
			if (!rest) {
				block = rv_xmalloc((size_t)iovcnt * sizeof(*rest));
				memcpy(block, iov, (size_t)iovcnt * sizeof(*rest));
				rest = block;
			}
			size_t skip = (size_t)n;
			while (iovcnt && skip >= rest->iov_len) {
				skip -= rest->iov_len;
				rest++;
				iovcnt--;
			}
			if (iovcnt) {
				rest->iov_base = (char *)rest->iov_base + skip;
				rest->iov_len -= skip;
			}
			iov = rest;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !h->nb || (f->flags & O_NONBLOCK)) {
			r = -errno;
			break;
		}
		r = hostfd_wait(h, EPOLLOUT);
		if (r)
			break;
	}
	free(block);
	if (done)
		return (ssize_t)done;
	/* The sentry ignores SIGPIPE for itself; the app gets it. */
	if (r == -EPIPE)
		kernel_raise_sigpipe();
	return r;
}

static unsigned int hostfd_poll(struct file *f, struct poll_table *pt)
{
	struct hostfd *h = f->priv;
	int acc = f->flags & O_ACCMODE;
	uint32_t want = ((acc == O_RDONLY || acc == O_RDWR) ? EPOLLIN : 0) |
			((acc == O_WRONLY || acc == O_RDWR) ? EPOLLOUT : 0);
	uint32_t ready = hostwatch_ready(h->fd, want);
	if (h->nb) {
		poll_wait(&h->w.wq, pt);
		/* Arm what is not ready yet: its change must wake us. */
		if (want & ~ready)
			hostwatch_arm(&h->w, want & ~ready);
		return ready;
	}
	/* Blocking descriptions (sockets): report ready, as a regular file
	 * is, and let the read or write block. */
	return ready | want;
}

/* Stdio redirected from or to a regular file is seekable, on the host
 * description's own offset (shared with the caller, as a native child
 * shares it). The VFS hands read/write a copy of f->pos; it is kept at
 * HOSTFD_HOST_POS so that "use the file position" is told apart from
 * pread/pwrite's explicit offsets (never negative). */
#define HOSTFD_HOST_POS INT64_MIN

static ssize_t hostfd_pread(struct file *f, const struct iovec *iov,
			    int iovcnt, int64_t *pos)
{
	if (*pos == HOSTFD_HOST_POS)
		return hostfd_read(f, iov, iovcnt, NULL);
	ssize_t n = preadv(HOSTFD(f), iov, iovcnt, *pos);
	if (n < 0)
		return -errno;
	*pos += n;
	return n;
}

static ssize_t hostfd_pwrite(struct file *f, const struct iovec *iov,
			     int iovcnt, int64_t *pos)
{
	if (*pos == HOSTFD_HOST_POS)
		return hostfd_write(f, iov, iovcnt, NULL);
	ssize_t n = pwritev(HOSTFD(f), iov, iovcnt, *pos);
	if (n < 0)
		return -errno;
	*pos += n;
	return n;
}

static int64_t hostfd_llseek(struct file *f, int64_t off, int whence)
{
	off_t r = lseek(HOSTFD(f), off, whence);
	f->pos = HOSTFD_HOST_POS;
	return r < 0 ? -errno : r;
}

static int hostfd_fsync(struct file *f)
{
	return fsync(HOSTFD(f)) < 0 ? -errno : 0;
}

static long ioctl_in_out(struct file *f, struct task *t, unsigned int cmd,
			 uint64_t arg, size_t size, bool in, bool out)
{
	uint8_t buf[64];
	int err;
	if (in) {
		err = mm_copy_in(t->mm, buf, arg, size);
		if (err)
			return err;
	} else {
		memset(buf, 0, size);
	}
	if (ioctl(HOSTFD(f), cmd, buf) < 0)
		return -errno;
	if (out) {
		err = mm_copy_out(t->mm, arg, buf, size);
		if (err)
			return err;
	}
	return 0;
}

static long hostfd_ioctl(struct file *f, struct task *t, unsigned int cmd,
			 uint64_t arg)
{
	struct hostfd *h = f->priv;
	int v;
	switch (cmd) {
	case TCGETS:
		return ioctl_in_out(f, t, cmd, arg, KTERMIOS_SIZE, false, true);
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return ioctl_in_out(f, t, cmd, arg, KTERMIOS_SIZE, true, false);
	case TIOCGWINSZ:
		return ioctl_in_out(f, t, cmd, arg, sizeof(struct winsize),
				    false, true);
	case TIOCSWINSZ:
		return ioctl_in_out(f, t, cmd, arg, sizeof(struct winsize),
				    true, false);
	case FIONREAD:
		return ioctl_in_out(f, t, cmd, arg, sizeof(int), false, true);
	case TCFLSH:
	case TCXONC:
	case TCSBRK:
		/* Integer arguments, no pointer. */
		if (ioctl(HOSTFD(f), cmd, (unsigned long)(int)arg) < 0)
			return -errno;
		return 0;
	case TIOCGPGRP:
	case TIOCGSID:
		/* Only terminals have these; ask the host whether it is one. */
		if (!isatty(HOSTFD(f)))
			return -ENOTTY;
		v = cmd == TIOCGSID ? (t->tg ? t->tg->sid : 1)
				    : (h->fg_pgrp ? h->fg_pgrp
						  : (t->tg ? t->tg->pgid : 1));
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case TIOCSPGRP:
		if (!isatty(HOSTFD(f)))
			return -ENOTTY;
		if (mm_copy_in(t->mm, &v, arg, sizeof(v)))
			return -EFAULT;
		if (v < 0)
			return -EINVAL;
		h->fg_pgrp = v;
		return 0;
	default:
		return -ENOTTY;
	}
}

static void hostfd_release(struct file *f)
{
	hostfd_put(f->priv);
}

static const struct file_operations hostfd_seek_fops = {
	.read = hostfd_pread,
	.write = hostfd_pwrite,
	.llseek = hostfd_llseek,
	.ioctl = NULL,
	.fsync = hostfd_fsync,
	.release = hostfd_release,
};

static const struct file_operations hostfd_fops = {
	.read = hostfd_read,
	.write = hostfd_write,
	.poll = hostfd_poll,
	.ioctl = hostfd_ioctl,
	.fsync = hostfd_fsync,
	.release = hostfd_release,
};

/* fstat passes through: the size of a redirected stdout grows. */
static int hostfd_getattr(struct dentry *d, struct kstat *k)
{
	struct hostfd *h = d->inode->priv;
	struct stat st;
	if (fstat(h->fd, &st) < 0)
		return -errno;
	memset(k, 0, sizeof(*k));
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->nlink = st.st_nlink;
	k->size = (uint64_t)st.st_size;
	k->blocks = (uint64_t)st.st_blocks;
	k->rdev = st.st_rdev;
	k->mode = st.st_mode;
	k->uid = st.st_uid;
	k->gid = st.st_gid;
	k->blksize = (uint32_t)st.st_blksize;
	k->atime = st.st_atim;
	k->mtime = st.st_mtim;
	k->ctime = st.st_ctim;
	return 0;
}

static struct file *wrap(int fd, unsigned int flags);

/* open("/proc/self/fd/N") of a stdio fd: a new host description of the
 * same host file, as Linux re-opens the object behind the link. */
static int hostfd_reopen(struct inode *i, struct file *f)
{
	struct hostfd *h = i->priv;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h->fd);
	/* O_NONBLOCK: a FIFO open must not wait in the host for a peer. */
	int fd = open(p, (int)(f->flags & (O_ACCMODE | O_APPEND)) |
				 O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	/* A confined sentry has no /proc: share the description instead
	 * (its offset and flags are then common, unlike Linux's re-open). */
	if (fd < 0 && errno == ENOENT)
		fd = fcntl(h->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	struct file *hf = wrap(fd, f->flags);
	if (!hf) {
		close(fd);
		return -ENXIO;
	}
	hostfd_take(f, hf);
	return 0;
}

/* O_TRUNC through /dev/stdout when stdout is a file truncates that file,
 * as on Linux; nothing else of the host file may be changed. */
static int hostfd_setattr(struct dentry *d, const struct iattr *ia)
{
	struct hostfd *h = d->inode->priv;
	if (ia->valid & ~(unsigned)(ATTR_SIZE | ATTR_ATIME | ATTR_MTIME))
		return -EPERM;
	if (!(ia->valid & ATTR_SIZE))
		return 0;
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h->fd);
	int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT) /* confined: no /proc */
		fd = fcntl(h->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	int r = ftruncate(fd, (off_t)ia->size) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static const struct inode_operations hostfd_iops = {
	.getattr = hostfd_getattr,
	.setattr = hostfd_setattr,
	.open = hostfd_reopen,
};

void hostfd_take(struct file *f, struct file *hf)
{
	f->pos = hf->pos;
	f->ops = hf->ops;
	f->priv = hf->priv;
	atomic_fetch_add(&((struct hostfd *)f->priv)->refs, 1);
	if (!f->anon_name && hf->anon_name)
		f->anon_name = rv_xstrdup(hf->anon_name);
	file_put(hf);
}

static struct file *wrap_fd(int fd, unsigned int flags, bool private_desc);

static struct file *wrap(int fd, unsigned int flags)
{
	return hostfd_file_wrap(fd, flags);
}

struct file *hostfd_file_wrap(int fd, unsigned int flags)
{
	return wrap_fd(fd, flags, true);
}

static struct file *wrap_fd(int fd, unsigned int flags, bool private_desc)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return NULL;
	struct inode *i = inode_alloc(&hostfd_sb, st.st_mode);
	i->ino = st.st_ino;
	i->uid = st.st_uid;
	i->gid = st.st_gid;
	i->size = (uint64_t)st.st_size;
	i->rdev = st.st_rdev;
	i->nlink = st.st_nlink;
	i->atime = st.st_atim;
	i->mtime = st.st_mtim;
	i->ctime = st.st_ctim;
	i->iops = &hostfd_iops;
	i->fops = &hostfd_fops;
	const struct file_operations *ops = &hostfd_fops;
	if (S_ISREG(st.st_mode)) {
		ops = &hostfd_seek_fops;
		i->fops = ops;
	}
	struct file *f = file_alloc(NULL, i, ops, flags);
	f->pos = HOSTFD_HOST_POS;
	inode_put(i);
	struct hostfd *h = rv_xcalloc(1, sizeof(*h));
	atomic_init(&h->refs, 2); /* the inode's and the file's */
	h->fd = fd;
	f->priv = h;
	i->priv = h;
	/* Only a description nobody else uses may be made non-blocking. */
	if (private_desc && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0) {
			h->nb = true;
			hostwatch_init(&h->w, fd);
		}
	}
	/* The name /proc/self/fd shows: the host's (/dev/pts/0, pipe:[…]). */
	char p[64], link[512];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, link, sizeof(link) - 1);
	if (n > 0) {
		link[n] = 0;
		f->anon_name = rv_xstrdup(link);
	}
	return f;
}

struct file *hostfd_file_create(int host_fd)
{
	struct stat st;
	int fl = fcntl(host_fd, F_GETFL);
	if (fl < 0 || fstat(host_fd, &st) < 0)
		return NULL;
	unsigned int flags = (unsigned)fl & (O_ACCMODE | O_APPEND | O_NONBLOCK);
	/* Terminals and pipes: a description of our own (re-opened through
	 * /proc/self/fd), so that making it non-blocking leaves the caller's
	 * shell alone. Regular files keep the caller's description: its
	 * offset is shared, as a native child shares it. Anything else (or a
	 * failed re-open): a duplicate, read and written blocking. */
	int fd = -1;
	bool private_desc = false;
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		char p[64];
		snprintf(p, sizeof(p), "/proc/self/fd/%d", host_fd);
		fd = open(p, (fl & (O_ACCMODE | O_APPEND)) | O_CLOEXEC |
				     O_NOCTTY | O_NONBLOCK);
		struct stat st2;
		if (fd >= 0 && (fstat(fd, &st2) < 0 || st2.st_dev != st.st_dev ||
				st2.st_ino != st.st_ino)) {
			close(fd);
			fd = -1;
		}
		private_desc = fd >= 0;
	}
	/* A duplicate: the app closing its fd 1 must not close the sentry's
	 * own stdout. */
	if (fd < 0)
		fd = fcntl(host_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return NULL;
	struct file *f = wrap_fd(fd, flags | VFS_O_LARGEFILE, private_desc);
	if (!f)
		close(fd);
	return f;
}
