/* signalfd(2): reading dequeues pending signals of the reading thread (its
 * own, then its process's) that are in the file's mask, as
 * struct signalfd_siginfo records; poll reports EPOLLIN while one is
 * pending. Like Linux, the mask is the file's, the pending set is the
 * reader's (current). */
#include "sentry/fs/anon/anon.h"

#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "syscalls/table.h"

struct signalfd {
	_Atomic uint64_t mask;
};

/* Woken by signalfd_notify(): a signal was queued somewhere. */
static struct waitq signalfd_wq = WAITQ_INIT;

void signalfd_notify(void)
{
	waitq_wake(&signalfd_wq, EPOLLIN);
}

static uint64_t sfd_pending(struct task *t, uint64_t mask)
{
	return (atomic_load(&t->pending) | t->tg->shared_pending) & mask;
}

static ssize_t sfd_read(struct file *f, const struct iovec *iov, int n,
			int64_t *pos)
{
	struct signalfd *s = f->priv;
	struct task *t = current;
	size_t len = vfs_iov_length(iov, n), done = 0;
	(void)pos;
	if (len < sizeof(struct signalfd_siginfo))
		return -EINVAL;
	while (done + sizeof(struct signalfd_siginfo) <= len) {
		struct ksiginfo info;
		int sig = signal_dequeue_from(t, atomic_load(&s->mask), &info);
		if (!sig) {
			if (done)
				break;
			if (f->flags & O_NONBLOCK)
				return -EAGAIN;
			/* Wait for one of the (blocked) signals of the mask:
			 * the sender wakes this task. */
			uint64_t seq = task_wait_prepare(t);
			if (sfd_pending(t, atomic_load(&s->mask)))
				continue;
			int r = task_wait_commit_mask(t, seq, NULL,
						      atomic_load(&s->mask));
			if (r == -EINTR && !sfd_pending(t, atomic_load(&s->mask)))
				return -RV_ERESTARTSYS;
			continue;
		}
		struct signalfd_siginfo si;
		memset(&si, 0, sizeof(si));
		si.ssi_signo = (uint32_t)info.signo;
		si.ssi_errno = info.errno_;
		si.ssi_code = info.code;
		si.ssi_pid = (uint32_t)info.pid;
		si.ssi_uid = (uint32_t)info.uid;
		si.ssi_status = info.status;
		if (info.code < 0 && info.code != SI_TKILL) {
			/* signalfd(2): sigqueue's and timers' sigval in
			 * ssi_ptr/ssi_int; a timer's id and overrun in
			 * ssi_tid/ssi_overrun. */
			si.ssi_ptr = info.value;
			si.ssi_int = (int32_t)info.value;
			if (info.code == SI_TIMER) {
				si.ssi_pid = 0;
				si.ssi_uid = 0;
				si.ssi_tid = (uint32_t)info.pid;
				si.ssi_overrun = (uint32_t)info.uid;
			}
		} else {
			si.ssi_addr = info.addr;
		}
		if (vfs_iov_copy_out(iov, n, done, &si, sizeof(si)) !=
		    sizeof(si))
			return done ? (ssize_t)done : -EFAULT;
		done += sizeof(si);
	}
	return (ssize_t)done;
}

static unsigned int sfd_poll(struct file *f, struct poll_table *pt)
{
	struct signalfd *s = f->priv;
	poll_wait(&signalfd_wq, pt);
	if (current && sfd_pending(current, atomic_load(&s->mask)))
		return EPOLLIN | EPOLLRDNORM;
	return 0;
}

static void sfd_release(struct file *f)
{
	free(f->priv);
}

static const struct file_operations signalfd_fops = {
	.read = sfd_read,
	.poll = sfd_poll,
	.release = sfd_release,
};

bool file_is_signalfd(struct file *f)
{
	return f && f->ops == &signalfd_fops;
}

bool signalfd_set_mask(struct file *f, uint64_t mask)
{
	if (!file_is_signalfd(f))
		return false;
	struct signalfd *s = f->priv;
	atomic_store(&s->mask, signal_sanitize_mask(mask));
	signalfd_notify();
	return true;
}

struct file *signalfd_create(uint64_t mask, int flags)
{
	struct signalfd *s = rv_xcalloc(1, sizeof(*s));
	/* SIGKILL and SIGSTOP are silently ignored in the mask. */
	atomic_init(&s->mask, signal_sanitize_mask(mask));
	return anon_file_create(&signalfd_fops, s,
				O_RDWR | (flags & SFD_NONBLOCK),
				"anon_inode:[signalfd]", 0600);
}
