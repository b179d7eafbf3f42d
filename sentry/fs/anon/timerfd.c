/* timerfd(2): a timer whose expirations are read as a 64-bit count.
 * The deadline is kept on the monotonic clock and driven by the sentry's
 * timer thread, which counts missed periods when it runs late, so the count
 * read is the number of expirations as Linux reports it. */
#include "sentry/fs/anon/anon.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "syscalls/table.h"

struct timerfd {
	pthread_mutex_t lock;
	pthread_mutex_t set_lock; /* serialises settime */
	int clockid;
	struct ktimer kt;
	uint64_t deadline;        /* monotonic ns; 0: disarmed */
	uint64_t interval;        /* ns */
	uint64_t ticks;           /* expirations not yet read */
	struct waitq wq;
};

/* Accounts the expirations up to now, under tf->lock. Reads and polls call
 * it too, as Linux's timerfd_read() forwards the timer itself: a timer
 * thread running late must not make a read see fewer periods than have
 * passed. */
static bool tfd_expire_locked(struct timerfd *tf)
{
	uint64_t now = ktimer_clock_ns(CLOCK_MONOTONIC);
	if (!tf->deadline || tf->deadline > now)
		return false;
	if (tf->interval) {
		uint64_t n = (now - tf->deadline) / tf->interval + 1;
		tf->ticks += n;
		tf->deadline += n * tf->interval;
		ktimer_arm(&tf->kt, tf->deadline);
	} else {
		tf->ticks++;
		tf->deadline = 0;
	}
	return true;
}

static void tfd_fire(struct ktimer *kt)
{
	struct timerfd *tf = container_of(kt, struct timerfd, kt);
	pthread_mutex_lock(&tf->lock);
	bool fired = tfd_expire_locked(tf);
	pthread_mutex_unlock(&tf->lock);
	if (fired)
		waitq_wake(&tf->wq, EPOLLIN);
}

static bool tfd_has_ticks(void *arg)
{
	struct timerfd *tf = arg;
	pthread_mutex_lock(&tf->lock);
	tfd_expire_locked(tf);
	bool r = tf->ticks > 0;
	pthread_mutex_unlock(&tf->lock);
	return r;
}

static ssize_t tfd_read(struct file *f, const struct iovec *iov, int n,
			int64_t *pos)
{
	struct timerfd *tf = f->priv;
	uint64_t v;
	(void)pos;
	if (vfs_iov_length(iov, n) < sizeof(v))
		return -EINVAL;
	for (;;) {
		pthread_mutex_lock(&tf->lock);
		tfd_expire_locked(tf);
		v = tf->ticks;
		tf->ticks = 0;
		pthread_mutex_unlock(&tf->lock);
		if (v)
			break;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		int r = waitq_wait_event(current, &tf->wq, 0, tfd_has_ticks,
					 tf, NULL);
		if (r == -EINTR)
			return -RV_ERESTARTSYS;
	}
	if (vfs_iov_copy_out(iov, n, 0, &v, sizeof(v)) != sizeof(v))
		return -EFAULT;
	return sizeof(v);
}

static unsigned int tfd_poll(struct file *f, struct poll_table *pt)
{
	struct timerfd *tf = f->priv;
	poll_wait(&tf->wq, pt);
	return tfd_has_ticks(tf) ? EPOLLIN | EPOLLRDNORM : 0;
}

static void tfd_release(struct file *f)
{
	struct timerfd *tf = f->priv;
	ktimer_cancel(&tf->kt);
	pthread_mutex_destroy(&tf->lock);
	pthread_mutex_destroy(&tf->set_lock);
	free(tf);
}

static const struct file_operations timerfd_fops = {
	.read = tfd_read,
	.poll = tfd_poll,
	.release = tfd_release,
};

struct file *timerfd_file_create(int clockid, int flags)
{
	struct timerfd *tf = rv_xcalloc(1, sizeof(*tf));
	pthread_mutex_init(&tf->lock, NULL);
	pthread_mutex_init(&tf->set_lock, NULL);
	waitq_init(&tf->wq);
	ktimer_init(&tf->kt, tfd_fire);
	tf->clockid = clockid;
	return anon_file_create(&timerfd_fops, tf,
				O_RDWR | (flags & TFD_NONBLOCK),
				"anon_inode:[timerfd]", 0600);
}

/* Under tf->lock. */
static void tfd_get_locked(struct timerfd *tf, struct itimerspec *cur)
{
	uint64_t now = ktimer_clock_ns(CLOCK_MONOTONIC);
	uint64_t left = 0;
	if (tf->deadline)
		left = tf->deadline > now ? tf->deadline - now : 1;
	cur->it_value = ktimer_ns_ts(left);
	cur->it_interval = ktimer_ns_ts(tf->interval);
}

int timerfd_file_gettime(struct file *f, struct itimerspec *cur)
{
	if (f->ops != &timerfd_fops)
		return -EINVAL;
	struct timerfd *tf = f->priv;
	pthread_mutex_lock(&tf->lock);
	tfd_get_locked(tf, cur);
	pthread_mutex_unlock(&tf->lock);
	return 0;
}

int timerfd_file_settime(struct file *f, int flags, const struct itimerspec *nv,
		    struct itimerspec *old)
{
	if (f->ops != &timerfd_fops)
		return -EINVAL;
	struct timerfd *tf = f->priv;
	pthread_mutex_lock(&tf->set_lock);
	/* Not under tf->lock: cancel waits for a running tfd_fire. */
	ktimer_cancel(&tf->kt);
	pthread_mutex_lock(&tf->lock);
	if (old)
		tfd_get_locked(tf, old);
	tf->ticks = 0;
	tf->interval = ktimer_ts_ns(&nv->it_interval);
	tf->deadline = 0;
	if (nv->it_value.tv_sec || nv->it_value.tv_nsec) {
		tf->deadline = ktimer_mono_deadline(
			tf->clockid, &nv->it_value, flags & TFD_TIMER_ABSTIME);
		if (!tf->deadline)
			tf->deadline = 1;
		ktimer_arm(&tf->kt, tf->deadline);
	}
	pthread_mutex_unlock(&tf->lock);
	pthread_mutex_unlock(&tf->set_lock);
	return 0;
}
