/* Pipes (pipe(7)): a ring buffer shared by a read end and a write end.
 *
 * Writes of at most PIPE_BUF bytes are atomic: they wait until the whole
 * write fits. Larger writes may be split and interleave with others. A
 * read returns what is there (at least one byte), 0 once every writer has
 * closed. A write with no reader left is EPIPE and raises SIGPIPE.
 *
 * Blocking: a task sleeps on the pipe's wait queue (kernel/waitq.h), so a
 * signal interrupts it (-ERESTARTSYS, or the bytes already moved) and
 * poll/select/epoll see the pipe's readiness; threads that are not tasks
 * (the sentry's own, unit tests) fall back to condition variables. Every
 * wait goes through pipe_wait(). */
#include "sentry/fs/pipe/pipe.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <sys/epoll.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/kernel/kernel.h"
#include "sentry/util.h"
#include "syscalls/table.h"

#define PIPEFS_MAGIC 0x50495045
#ifndef O_NOTIFICATION_PIPE
#define O_NOTIFICATION_PIPE O_EXCL /* linux/watch_queue.h */
#endif

struct pipe {
	_Atomic int refs;
	pthread_mutex_t lock;
	struct waitq wq;           /* tasks: EPOLLIN / EPOLLOUT waiters */
	pthread_cond_t rd_wait, wr_wait, open_wait;
	char *buf;
	size_t cap;                /* capacity: F_SETPIPE_SZ, 64 KiB default */
	size_t head, len;          /* ring: data at [head, head+len) mod cap */
	int readers, writers;
	unsigned rd_opens, wr_opens; /* FIFO open counters (rendezvous) */
};

static struct super_block pipefs_sb = {
	.fstype = "pipefs",
	.magic = PIPEFS_MAGIC,
	.next_ino = 1000,
};

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = rv_xcalloc(1, sizeof(*p));
	atomic_init(&p->refs, 1);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->rd_wait, NULL);
	pthread_cond_init(&p->wr_wait, NULL);
	pthread_cond_init(&p->open_wait, NULL);
	waitq_init(&p->wq);
	p->cap = PIPE_CAPACITY;
	p->buf = rv_xmalloc(p->cap);
	return p;
}

static void pipe_put(struct pipe *p)
{
	if (atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->rd_wait);
	pthread_cond_destroy(&p->wr_wait);
	pthread_cond_destroy(&p->open_wait);
	free(p->buf);
	free(p);
}

/* What a sleeper waits for; evaluated under p->lock. */
enum pipe_cond { PC_READ, PC_WRITE, PC_OPEN_R, PC_OPEN_W };

struct pipe_waiter {
	struct pipe *p;
	enum pipe_cond what;
	size_t need;     /* PC_WRITE: bytes of space wanted */
	unsigned seen;   /* PC_OPEN_*: the other side's open count */
};

static bool pipe_cond_locked(struct pipe_waiter *w)
{
	struct pipe *p = w->p;
	switch (w->what) {
	case PC_READ:
		return p->len > 0 || p->writers == 0;
	case PC_WRITE:
		return p->readers == 0 || p->cap - p->len >= w->need;
	/* wait_for_partner() in Linux: the other side's open count moved
	 * (a partner came, even if it has left again since). */
	case PC_OPEN_R:
		return p->wr_opens != w->seen;
	case PC_OPEN_W:
		return p->rd_opens != w->seen;
	}
	return true;
}

static bool pipe_cond(void *arg)
{
	struct pipe_waiter *w = arg;
	pthread_mutex_lock(&w->p->lock);
	bool r = pipe_cond_locked(w);
	pthread_mutex_unlock(&w->p->lock);
	return r;
}

/* The one place a pipe blocks, until w's condition may hold. Called and
 * returns with p->lock held. 0, or -EINTR when a signal is pending. */
static int pipe_wait(struct pipe_waiter *w, pthread_cond_t *cv)
{
	struct pipe *p = w->p;
	struct task *t = current;
	if (!t) {
		pthread_cond_wait(cv, &p->lock);
		return 0;
	}
	uint32_t ev = w->what == PC_WRITE ? EPOLLOUT : EPOLLIN;
	pthread_mutex_unlock(&p->lock);
	int r = waitq_wait_event(t, &p->wq, ev, pipe_cond, w, NULL);
	pthread_mutex_lock(&p->lock);
	return r == -EINTR ? -EINTR : 0;
}

/* Readiness changed: wake condition-variable sleepers and tasks. Called
 * without p->lock (waitq callbacks may poll the pipe). */
static void pipe_wake(struct pipe *p, uint32_t mask)
{
	pthread_mutex_lock(&p->lock);
	pthread_cond_broadcast(&p->rd_wait);
	pthread_cond_broadcast(&p->wr_wait);
	pthread_cond_broadcast(&p->open_wait);
	pthread_mutex_unlock(&p->lock);
	waitq_wake(&p->wq, mask);
}

static ssize_t pipe_read(struct file *f, const struct iovec *iov, int iovcnt,
			 int64_t *pos)
{
	(void)pos;
	struct pipe *p = f->priv;
	size_t want = vfs_iov_length(iov, iovcnt);
	ssize_t r;
	if (want == 0)
		return 0;
	struct pipe_waiter w = {p, PC_READ, 0, 0};
	pthread_mutex_lock(&p->lock);
	while (p->len == 0) {
		if (p->writers == 0) {
			r = 0;
			goto out;
		}
		if (f->flags & O_NONBLOCK) {
			r = -EAGAIN;
			goto out;
		}
		if (pipe_wait(&w, &p->rd_wait)) {
			r = -RV_ERESTARTSYS;
			goto out;
		}
	}
	size_t n = RV_MIN(want, p->len), done = 0;
	while (done < n) {
		size_t chunk = RV_MIN(n - done, p->cap - p->head);
		vfs_iov_copy_out(iov, iovcnt, done, p->buf + p->head, chunk);
		p->head = (p->head + chunk) % p->cap;
		p->len -= chunk;
		done += chunk;
	}
	if (p->len == 0)
		p->head = 0;
	r = (ssize_t)done;
	pthread_mutex_unlock(&p->lock);
	pipe_wake(p, EPOLLOUT | EPOLLWRNORM);
	return r;
out:
	pthread_mutex_unlock(&p->lock);
	return r;
}

static void pipe_put_bytes(struct pipe *p, const struct iovec *iov,
			   int iovcnt, size_t skip, size_t n)
{
	size_t done = 0;
	while (done < n) {
		size_t tail = (p->head + p->len) % p->cap;
		size_t chunk = RV_MIN(n - done, p->cap - tail);
		vfs_iov_copy_in(p->buf + tail, chunk, iov, iovcnt, skip + done);
		p->len += chunk;
		done += chunk;
	}
}

static ssize_t pipe_write(struct file *f, const struct iovec *iov,
			  int iovcnt, int64_t *pos)
{
	(void)pos;
	struct pipe *p = f->priv;
	size_t len = vfs_iov_length(iov, iovcnt);
	size_t done = 0;
	ssize_t err = 0;
	pthread_mutex_lock(&p->lock);
	if (len == 0)
		goto out;
	while (done < len) {
		if (p->readers == 0) {
			err = -EPIPE;
			break;
		}
		size_t space = p->cap - p->len;
		size_t left = len - done;
		/* PIPE_BUF atomicity: a small write goes in whole or waits. */
		size_t need = left <= PIPE_BUF ? left : 1;
		if (space < need) {
			if (f->flags & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			struct pipe_waiter w = {p, PC_WRITE, need, 0};
			/* Readers must see what is already in. */
			if (done) {
				pthread_mutex_unlock(&p->lock);
				pipe_wake(p, EPOLLIN | EPOLLRDNORM);
				pthread_mutex_lock(&p->lock);
			}
			if (pipe_wait(&w, &p->wr_wait)) {
				err = -RV_ERESTARTSYS;
				break;
			}
			continue;
		}
		size_t n = RV_MIN(left, space);
		pipe_put_bytes(p, iov, iovcnt, done, n);
		done += n;
		pthread_cond_broadcast(&p->rd_wait);
	}
out:
	pthread_mutex_unlock(&p->lock);
	if (done)
		pipe_wake(p, EPOLLIN | EPOLLRDNORM);
	if (done)
		return (ssize_t)done;
	if (err == -EPIPE)
		kernel_raise_sigpipe();
	return err;
}

static long pipe_ioctl(struct file *f, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	struct pipe *p = f->priv;
	if (cmd != FIONREAD)
		return -ENOTTY;
	pthread_mutex_lock(&p->lock);
	int n = (int)p->len;
	pthread_mutex_unlock(&p->lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	int acc = f->flags & O_ACCMODE;
	if (acc == O_RDONLY || acc == O_RDWR)
		p->readers--;
	if (acc == O_WRONLY || acc == O_RDWR)
		p->writers--;
	pthread_mutex_unlock(&p->lock);
	pipe_wake(p, 0);
	pipe_put(p);
}

/* pipe_poll() in Linux: readable with data or no writer left (HUP);
 * writable with room for PIPE_BUF bytes; ERR with no reader. */
static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned int mask = 0;
	int acc = f->flags & O_ACCMODE;
	poll_wait(&p->wq, pt);
	pthread_mutex_lock(&p->lock);
	if (acc == O_RDONLY || acc == O_RDWR) {
		if (p->len)
			mask |= EPOLLIN | EPOLLRDNORM;
		if (!p->writers && p->wr_opens)
			mask |= EPOLLHUP;
	}
	if (acc == O_WRONLY || acc == O_RDWR) {
		if (p->cap - p->len >= PIPE_BUF)
			mask |= EPOLLOUT | EPOLLWRNORM;
		if (!p->readers)
			mask |= EPOLLERR;
	}
	pthread_mutex_unlock(&p->lock);
	return mask;
}

static const struct file_operations pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
};

static void pipefs_put_inode(struct inode *i)
{
	(void)i; /* the VFS drops i->pipe */
}

/* open("/proc/self/fd/N") of a pipe end: Linux opens the pipe again with
 * FIFO semantics; so do we. */
static const struct inode_operations pipefs_iops = {
	.open = pipe_fifo_open,
};

int vfs_pipe(struct file *ends[2], int flags)
{
	if (flags & ~(O_NONBLOCK | O_CLOEXEC | O_DIRECT | O_NOTIFICATION_PIPE))
		return -EINVAL;
	if (flags & O_NOTIFICATION_PIPE)
		return -ENOPKG;
	pipefs_sb.put_inode = pipefs_put_inode;
	struct pipe *p = pipe_alloc();
	struct inode *i = inode_alloc(&pipefs_sb, S_IFIFO | 0600);
	i->fops = &pipe_fops;
	i->iops = &pipefs_iops;
	p->readers = p->writers = 1;
	p->rd_opens = p->wr_opens = 1;
	atomic_fetch_add(&p->refs, 2); /* one per end, one for the inode */
	i->pipe = p;
	unsigned int keep = (unsigned)flags & (O_NONBLOCK | O_DIRECT);
	ends[0] = file_alloc(NULL, i, &pipe_fops, O_RDONLY | keep);
	ends[1] = file_alloc(NULL, i, &pipe_fops, O_WRONLY | keep);
	char name[64];
	snprintf(name, sizeof(name), "pipe:[%llu]", (unsigned long long)i->ino);
	for (int k = 0; k < 2; k++) {
		ends[k]->priv = p;
		ends[k]->anon_name = rv_xstrdup(name);
	}
	inode_put(i);
	return 0;
}

/* fifo(7): opening for reading blocks until a writer opens and vice
 * versa; O_RDONLY|O_NONBLOCK succeeds at once, O_WRONLY|O_NONBLOCK with
 * no reader is ENXIO; O_RDWR never blocks. An anonymous pipe opened again
 * through /proc/PID/fd/N (bash's `<(cmd)` is /dev/fd/63) never waits and
 * never fails for want of a partner: Linux's fifo_open() skips both for
 * is_pipe, the writer may well have written and exited already. */
int pipe_fifo_open(struct inode *i, struct file *f)
{
	bool is_pipe = i->sb == &pipefs_sb;

	pthread_mutex_lock(&vfs_ns_lock);
	if (!i->pipe)
		i->pipe = pipe_alloc();
	struct pipe *p = i->pipe;
	atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&vfs_ns_lock);

	int acc = f->flags & O_ACCMODE;
	int err = 0;
	pthread_mutex_lock(&p->lock);
	if (acc == O_RDONLY) {
		p->readers++;
		p->rd_opens++;
		pthread_cond_broadcast(&p->open_wait);
		/* Decide now, under the lock that counted us, as Linux's
		 * fifo_open() does: a writer present at this moment is our
		 * partner even if it writes, closes and is gone before we
		 * look again after the wake-up below (that lost partner
		 * hung fifo_open under load). Afterwards only a new open
		 * (the counter moving) ends the wait. */
		bool wait = !is_pipe && !(f->flags & O_NONBLOCK) &&
			    p->writers == 0;
		struct pipe_waiter w = {p, PC_OPEN_R, 0, p->wr_opens};
		pthread_mutex_unlock(&p->lock);
		pipe_wake(p, EPOLLIN);
		pthread_mutex_lock(&p->lock);
		while (wait && !pipe_cond_locked(&w)) {
			if (pipe_wait(&w, &p->open_wait)) {
				err = -RV_ERESTARTSYS;
				break;
			}
		}
		if (err)
			p->readers--;
	} else if (acc == O_WRONLY) {
		if (!is_pipe && (f->flags & O_NONBLOCK) && p->readers == 0) {
			err = -ENXIO;
		} else {
			p->writers++;
			p->wr_opens++;
			pthread_cond_broadcast(&p->open_wait);
			/* As for readers: a reader present now counts even
			 * if it closes before we recheck. */
			bool wait = !is_pipe && p->readers == 0;
			struct pipe_waiter w = {p, PC_OPEN_W, 0, p->rd_opens};
			pthread_mutex_unlock(&p->lock);
			pipe_wake(p, EPOLLIN);
			pthread_mutex_lock(&p->lock);
			while (wait && !pipe_cond_locked(&w)) {
				if (pipe_wait(&w, &p->open_wait)) {
					err = -RV_ERESTARTSYS;
					break;
				}
			}
			if (err)
				p->writers--;
		}
	} else {
		p->readers++;
		p->writers++;
		p->rd_opens++;
		p->wr_opens++;
		pthread_cond_broadcast(&p->open_wait);
	}
	pthread_mutex_unlock(&p->lock);
	pipe_wake(p, 0);
	if (err) {
		pipe_put(p);
		return err;
	}
	f->ops = &pipe_fops;
	f->priv = p;
	if (i->sb == &pipefs_sb && !f->anon_name) {
		char name[64];
		snprintf(name, sizeof(name), "pipe:[%llu]",
			 (unsigned long long)i->ino);
		f->anon_name = rv_xstrdup(name);
	}
	return 0;
}

/* F_SETPIPE_SZ (fcntl(2)): a power-of-two number of pages, at least
 * what the pipe holds (EBUSY), at most pipe-max-size (1 MiB) unless
 * privileged (EPERM); root may go to 16 MiB here. */
long pipe_set_size(struct file *f, uint64_t size, bool privileged)
{
	if (f->ops != &pipe_fops)
		return -EBADF;
	if (size > (1ULL << 31))
		return -EINVAL;
	size_t npages = rv_page_up(size ? size : 1) >> RV_PAGE_SHIFT;
	size_t pow = 1;
	while (pow < npages)
		pow <<= 1;
	size_t ncap = pow << RV_PAGE_SHIFT;
	if (ncap > (1u << 20) && (!privileged || ncap > (16u << 20)))
		return -EPERM;
	struct pipe *p = f->priv;
	pthread_mutex_lock(&p->lock);
	if (p->len > ncap) {
		pthread_mutex_unlock(&p->lock);
		return -EBUSY;
	}
	/* Linearise the ring into the new buffer. */
	char *nb = rv_xmalloc(ncap);
	for (size_t k = 0; k < p->len; k++)
		nb[k] = p->buf[(p->head + k) % p->cap];
	free(p->buf);
	p->buf = nb;
	p->head = 0;
	p->cap = ncap;
	pthread_mutex_unlock(&p->lock);
	pipe_wake(p, EPOLLOUT | EPOLLWRNORM);
	return (long)ncap;
}

long pipe_get_size(struct file *f)
{
	if (f->ops != &pipe_fops)
		return -EBADF;
	struct pipe *p = f->priv;
	pthread_mutex_lock(&p->lock);
	long r = (long)p->cap;
	pthread_mutex_unlock(&p->lock);
	return r;
}

void pipe_inode_release(struct inode *i)
{
	pipe_put(i->pipe);
	i->pipe = NULL;
}

/* --- splice(2), tee(2), vmsplice(2) ---------------------------------------
 * Data moves through sentry buffers (no page stealing); the waits and
 * errors are Linux's fs/splice.c ones: splice_from_pipe_next() for the
 * reading side, wait_for_space() for the writing side, both governed by
 * the caller's SPLICE_F_NONBLOCK rather than the file's O_NONBLOCK. */

bool pipe_is_pipe(struct file *f)
{
	return f && f->ops == &pipe_fops;
}

bool pipe_same(struct file *a, struct file *b)
{
	return pipe_is_pipe(a) && pipe_is_pipe(b) && a->priv == b->priv;
}

/* Copy n bytes starting skip bytes after the ring's head into iov. */
static void pipe_peek_bytes(struct pipe *p, size_t skip,
			    const struct iovec *iov, int iovcnt, size_t n)
{
	size_t done = 0;
	while (done < n) {
		size_t at = (p->head + skip + done) % p->cap;
		size_t chunk = RV_MIN(n - done, p->cap - at);
		vfs_iov_copy_out(iov, iovcnt, done, p->buf + at, chunk);
		done += chunk;
	}
}

ssize_t pipe_splice_read(struct file *f, const struct iovec *iov,
			 int iovcnt, bool nonblock, bool consume)
{
	struct pipe *p = f->priv;
	size_t want = vfs_iov_length(iov, iovcnt);
	struct pipe_waiter w = {p, PC_READ, 0, 0};
	ssize_t r;
	if (want == 0)
		return 0;
	pthread_mutex_lock(&p->lock);
	while (p->len == 0) {
		if (p->writers == 0) {
			r = 0;
			goto out;
		}
		if (nonblock) {
			r = -EAGAIN;
			goto out;
		}
		if (pipe_wait(&w, &p->rd_wait)) {
			r = -RV_ERESTARTSYS;
			goto out;
		}
	}
	size_t n = RV_MIN(want, p->len);
	pipe_peek_bytes(p, 0, iov, iovcnt, n);
	if (consume) {
		p->head = (p->head + n) % p->cap;
		p->len -= n;
		if (p->len == 0)
			p->head = 0;
	}
	pthread_mutex_unlock(&p->lock);
	if (consume)
		pipe_wake(p, EPOLLOUT | EPOLLWRNORM);
	return (ssize_t)n;
out:
	pthread_mutex_unlock(&p->lock);
	return r;
}

void pipe_splice_drop(struct file *f, size_t n)
{
	struct pipe *p = f->priv;
	pthread_mutex_lock(&p->lock);
	n = RV_MIN(n, p->len);
	p->head = (p->head + n) % p->cap;
	p->len -= n;
	if (p->len == 0)
		p->head = 0;
	pthread_mutex_unlock(&p->lock);
	if (n)
		pipe_wake(p, EPOLLOUT | EPOLLWRNORM);
}

/* wait_for_space(): no reader is EPIPE with SIGPIPE; a full pipe waits
 * or is EAGAIN. Called and returns with p->lock held. */
static ssize_t pipe_splice_wait_space(struct pipe *p, bool nonblock)
{
	struct pipe_waiter w = {p, PC_WRITE, 1, 0};
	for (;;) {
		if (p->readers == 0)
			return -EPIPE;
		if (p->len < p->cap)
			return (ssize_t)(p->cap - p->len);
		if (nonblock)
			return -EAGAIN;
		if (pipe_wait(&w, &p->wr_wait))
			return -RV_ERESTARTSYS;
	}
}

ssize_t pipe_splice_space(struct file *f, bool nonblock)
{
	struct pipe *p = f->priv;
	pthread_mutex_lock(&p->lock);
	ssize_t r = pipe_splice_wait_space(p, nonblock);
	pthread_mutex_unlock(&p->lock);
	if (r == -EPIPE)
		kernel_raise_sigpipe();
	return r;
}

ssize_t pipe_splice_write(struct file *f, const struct iovec *iov,
			  int iovcnt, bool nonblock)
{
	struct pipe *p = f->priv;
	size_t len = vfs_iov_length(iov, iovcnt);
	pthread_mutex_lock(&p->lock);
	ssize_t r = pipe_splice_wait_space(p, nonblock);
	if (r > 0) {
		size_t n = RV_MIN(len, (size_t)r);
		pipe_put_bytes(p, iov, iovcnt, 0, n);
		r = (ssize_t)n;
	}
	pthread_mutex_unlock(&p->lock);
	if (r > 0)
		pipe_wake(p, EPOLLIN | EPOLLRDNORM);
	if (r == -EPIPE)
		kernel_raise_sigpipe();
	return r;
}

/* The ring's bytes [skip, skip+n) from the head, or its free space from
 * the tail, as at most two iovecs. */
static int pipe_ring_iov(struct pipe *p, bool data, size_t n,
			 struct iovec iov[2])
{
	size_t start = data ? p->head : (p->head + p->len) % p->cap;
	size_t first = RV_MIN(n, p->cap - start);
	iov[0] = (struct iovec){p->buf + start, first};
	if (first == n)
		return 1;
	iov[1] = (struct iovec){p->buf, n - first};
	return 2;
}

ssize_t pipe_splice_locked(struct file *f, bool drain, size_t len,
			   bool nonblock,
			   ssize_t (*fn)(void *, const struct iovec *, int),
			   void *arg)
{
	struct pipe *p = f->priv;
	struct iovec iov[2];
	ssize_t r;
	if (len == 0)
		return 0;
	pthread_mutex_lock(&p->lock);
	if (drain) {
		struct pipe_waiter w = {p, PC_READ, 0, 0};
		r = 1;
		while (p->len == 0) {
			if (p->writers == 0) {
				r = 0;
				break;
			}
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			if (pipe_wait(&w, &p->rd_wait)) {
				r = -RV_ERESTARTSYS;
				break;
			}
		}
		if (r > 0) {
			int n = pipe_ring_iov(p, true, RV_MIN(len, p->len), iov);
			r = fn(arg, iov, n);
			if (r > 0) {
				size_t m = RV_MIN((size_t)r, p->len);
				p->head = (p->head + m) % p->cap;
				p->len -= m;
				if (p->len == 0)
					p->head = 0;
			}
		}
	} else {
		r = pipe_splice_wait_space(p, nonblock);
		if (r > 0) {
			int n = pipe_ring_iov(p, false, RV_MIN(len, (size_t)r),
					      iov);
			r = fn(arg, iov, n);
			if (r > 0)
				p->len += RV_MIN((size_t)r, p->cap - p->len);
		}
	}
	pthread_mutex_unlock(&p->lock);
	if (r > 0)
		pipe_wake(p, drain ? EPOLLOUT | EPOLLWRNORM
				   : EPOLLIN | EPOLLRDNORM);
	if (r == -EPIPE && !drain)
		kernel_raise_sigpipe();
	return r;
}

ssize_t pipe_splice_pipes(struct file *fin, struct file *fout, size_t len,
			  bool nonblock, bool consume)
{
	struct pipe *in = fin->priv, *out = fout->priv;
	struct pipe *first = in < out ? in : out, *second = in < out ? out : in;
	ssize_t r;
	if (len == 0)
		return 0;
	for (;;) {
		/* link_ipipe_prep(): input data first ... */
		pthread_mutex_lock(&in->lock);
		struct pipe_waiter wi = {in, PC_READ, 0, 0};
		r = 1;
		while (in->len == 0) {
			if (in->writers == 0) {
				r = 0;
				break;
			}
			if (nonblock) {
				r = -EAGAIN;
				break;
			}
			if (pipe_wait(&wi, &in->rd_wait)) {
				r = -RV_ERESTARTSYS;
				break;
			}
		}
		pthread_mutex_unlock(&in->lock);
		if (r <= 0)
			return r;
		/* ... then room in the output (link_opipe_prep()). */
		pthread_mutex_lock(&out->lock);
		r = pipe_splice_wait_space(out, nonblock);
		pthread_mutex_unlock(&out->lock);
		if (r == -EPIPE)
			kernel_raise_sigpipe();
		if (r < 0)
			return r;
		/* Both locks, in address order, as Linux's pipe_double_lock(). */
		pthread_mutex_lock(&first->lock);
		pthread_mutex_lock(&second->lock);
		size_t n = RV_MIN(len, in->len);
		n = RV_MIN(n, out->cap - out->len);
		bool no_reader = out->readers == 0;
		if (n && !no_reader) {
			struct iovec iov[2];
			int cnt = pipe_ring_iov(out, false, n, iov);
			pipe_peek_bytes(in, 0, iov, cnt, n);
			out->len += n;
			if (consume) {
				in->head = (in->head + n) % in->cap;
				in->len -= n;
				if (in->len == 0)
					in->head = 0;
			}
		}
		pthread_mutex_unlock(&second->lock);
		pthread_mutex_unlock(&first->lock);
		if (no_reader) {
			kernel_raise_sigpipe();
			return -EPIPE;
		}
		if (n) {
			pipe_wake(out, EPOLLIN | EPOLLRDNORM);
			if (consume)
				pipe_wake(in, EPOLLOUT | EPOLLWRNORM);
			return (ssize_t)n;
		}
		/* Another task took the data or the room meanwhile: wait
		 * again. */
	}
}
