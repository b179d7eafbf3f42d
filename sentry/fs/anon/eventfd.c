/* eventfd(2): a 64-bit counter. write adds (blocking while the sum would
 * reach 0xffffffffffffffff), read returns and clears it (or, with
 * EFD_SEMAPHORE, returns 1 and decrements), blocking while it is 0. */
#include "sentry/fs/anon/anon.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "syscalls/table.h"

#define EFD_MAX 0xfffffffffffffffeULL

struct eventfd {
	pthread_mutex_t lock;
	uint64_t count;
	bool semaphore;
	struct waitq wq;
};

static bool efd_readable(void *arg)
{
	struct eventfd *e = arg;
	pthread_mutex_lock(&e->lock);
	bool r = e->count > 0;
	pthread_mutex_unlock(&e->lock);
	return r;
}

struct efd_wr {
	struct eventfd *e;
	uint64_t add;
};

static bool efd_writable(void *arg)
{
	struct efd_wr *w = arg;
	pthread_mutex_lock(&w->e->lock);
	bool r = EFD_MAX - w->e->count >= w->add;
	pthread_mutex_unlock(&w->e->lock);
	return r;
}

static ssize_t efd_read(struct file *f, const struct iovec *iov, int n,
			int64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	(void)pos;
	if (vfs_iov_length(iov, n) < sizeof(v))
		return -EINVAL;
	for (;;) {
		pthread_mutex_lock(&e->lock);
		if (e->count > 0) {
			v = e->semaphore ? 1 : e->count;
			e->count -= v;
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_unlock(&e->lock);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int r = waitq_wait_event(current, &e->wq, 0, efd_readable, e,
					 NULL);
		if (r == -EINTR)
			return -RV_ERESTARTSYS;
	}
	waitq_wake(&e->wq, EPOLLOUT);
	if (vfs_iov_copy_out(iov, n, 0, &v, sizeof(v)) != sizeof(v))
		return -EFAULT;
	return sizeof(v);
}

static ssize_t efd_write(struct file *f, const struct iovec *iov, int n,
			 int64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t v;
	(void)pos;
	if (vfs_iov_length(iov, n) < sizeof(v))
		return -EINVAL;
	if (vfs_iov_copy_in(&v, sizeof(v), iov, n, 0) != sizeof(v))
		return -EFAULT;
	if (v == 0xffffffffffffffffULL)
		return -EINVAL;
	for (;;) {
		pthread_mutex_lock(&e->lock);
		if (EFD_MAX - e->count >= v) {
			e->count += v;
			pthread_mutex_unlock(&e->lock);
			break;
		}
		pthread_mutex_unlock(&e->lock);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		struct efd_wr w = {e, v};
		int r = waitq_wait_event(current, &e->wq, 0, efd_writable, &w,
					 NULL);
		if (r == -EINTR)
			return -RV_ERESTARTSYS;
	}
	if (v)
		waitq_wake(&e->wq, EPOLLIN);
	return sizeof(v);
}

static unsigned int efd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	unsigned int m = 0;
	poll_wait(&e->wq, pt);
	pthread_mutex_lock(&e->lock);
	if (e->count > 0)
		m |= EPOLLIN | EPOLLRDNORM;
	if (e->count < EFD_MAX)
		m |= EPOLLOUT | EPOLLWRNORM;
	pthread_mutex_unlock(&e->lock);
	return m;
}

static void efd_release(struct file *f)
{
	struct eventfd *e = f->priv;
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static const struct file_operations eventfd_fops = {
	.read = efd_read,
	.write = efd_write,
	.poll = efd_poll,
	.release = efd_release,
};

bool file_is_eventfd(struct file *f)
{
	return f && f->ops == &eventfd_fops;
}

struct file *eventfd_create(uint64_t initval, int flags)
{
	struct eventfd *e = rv_xcalloc(1, sizeof(*e));
	pthread_mutex_init(&e->lock, NULL);
	waitq_init(&e->wq);
	e->count = initval;
	e->semaphore = flags & EFD_SEMAPHORE;
	return anon_file_create(&eventfd_fops, e,
				O_RDWR | (flags & EFD_NONBLOCK),
				"anon_inode:[eventfd]", 0600);
}
