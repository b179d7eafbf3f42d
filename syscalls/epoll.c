/* epoll instances and event files: epoll_create*, epoll_ctl,
 * epoll_wait/pwait/pwait2, eventfd, eventfd2, signalfd, signalfd4. The
 * files themselves live in sentry/fs/anon/. */
#include <fcntl.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/poll.h"
#include "syscalls/table.h"

/* Linux: maxevents above INT_MAX / sizeof(struct epoll_event) is EINVAL. */
#define EP_MAX_EVENTS (INT_MAX / (int)sizeof(struct epoll_event))

static long install_file(struct task *t, struct file *f, bool cloexec)
{
	if (t->tg)
		fd_set_thread_limit(t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
	int fd = fd_install(t->files, f, 0, cloexec);
	file_put(f);
	return fd;
}

/* --- epoll ------------------------------------------------------------- */

long sys_epoll_create1(struct task *t, const uint64_t a[6])
{
	if (a[0] & ~(uint64_t)EPOLL_CLOEXEC)
		return -EINVAL;
	return install_file(t, epoll_create_file(0), a[0] & EPOLL_CLOEXEC);
}

long sys_epoll_create(struct task *t, const uint64_t a[6])
{
	/* The size hint is ignored but must be positive (epoll_create(2)). */
	if ((int)a[0] <= 0)
		return -EINVAL;
	return install_file(t, epoll_create_file(0), false);
}

long sys_epoll_ctl(struct task *t, const uint64_t a[6])
{
	int op = (int)a[1], fd = (int)a[2];
	struct epoll_event ev = {0};
	if (op != EPOLL_CTL_DEL &&
	    mm_copy_in(t->mm, &ev, a[3], sizeof(ev)) < 0)
		return -EFAULT;
	struct file *ep = fd_get(t->files, (int)a[0]);
	if (!ep)
		return -EBADF;
	struct file *tf = fd_get(t->files, fd);
	long r;
	if (!tf)
		r = -EBADF;
	else if (!file_is_epoll(ep))
		r = -EINVAL;
	else
		r = epoll_ctl_file(ep, op, fd, tf, &ev);
	file_put(tf);
	file_put(ep);
	return r;
}

static long do_epoll_wait(struct task *t, int epfd, uint64_t uev, int max,
			  const struct timespec *dl)
{
	if (max <= 0 || max > EP_MAX_EVENTS)
		return -EINVAL;
	if (rv_range_bad(uev, (uint64_t)max * sizeof(struct epoll_event)))
		return -EFAULT;
	struct file *ep = fd_get(t->files, epfd);
	if (!ep)
		return -EBADF;
	if (!file_is_epoll(ep)) {
		file_put(ep);
		return -EINVAL;
	}
	/* No more events than items can be ready: the sentry buffer is
	 * bounded by what the app watches, not by what it asks. Items added
	 * while waiting are reported at the next call. */
	int n = RV_MAX(RV_MIN(max, epoll_nitems(ep)), 1);
	struct epoll_event *ev = rv_xcalloc((size_t)n, sizeof(*ev));
	long r = epoll_wait_file(t, ep, ev, n, dl);
	file_put(ep);
	/* signal(7): epoll_wait is never restarted, even with SA_RESTART:
	 * -EINTR goes back as it is. */
	if (r > 0 &&
	    mm_copy_out(t->mm, uev, ev, (size_t)r * sizeof(*ev)) < 0)
		r = -EFAULT;
	free(ev);
	return r;
}

static long timeout_ms(int ms, struct timespec *dl, struct timespec **out)
{
	*out = NULL;
	if (ms < 0)
		return 0;
	struct timespec rel = {ms / 1000, (ms % 1000) * 1000000L};
	poll_deadline(&rel, dl);
	*out = dl;
	return 0;
}

long sys_epoll_wait(struct task *t, const uint64_t a[6])
{
	struct timespec dl, *pdl;
	timeout_ms((int)a[3], &dl, &pdl);
	return do_epoll_wait(t, (int)a[0], a[1], (int)a[2], pdl);
}

long sys_epoll_pwait(struct task *t, const uint64_t a[6])
{
	struct timespec dl, *pdl;
	int err;
	timeout_ms((int)a[3], &dl, &pdl);
	if ((err = poll_set_temp_sigmask(t, a[4], a[5])))
		return err;
	return do_epoll_wait(t, (int)a[0], a[1], (int)a[2], pdl);
}

long sys_epoll_pwait2(struct task *t, const uint64_t a[6])
{
	struct timespec rel, dl, *pdl = NULL;
	int err;
	if (a[3]) {
		if (mm_copy_in(t->mm, &rel, a[3], sizeof(rel)) < 0)
			return -EFAULT;
		if ((err = poll_deadline(&rel, &dl)))
			return err;
		pdl = &dl;
	}
	if ((err = poll_set_temp_sigmask(t, a[4], a[5])))
		return err;
	return do_epoll_wait(t, (int)a[0], a[1], (int)a[2], pdl);
}

/* --- eventfd ------------------------------------------------------------ */

static long do_eventfd(struct task *t, unsigned int initval, int flags)
{
	if (flags & ~(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	return install_file(t, eventfd_create(initval, flags),
			    flags & EFD_CLOEXEC);
}

long sys_eventfd(struct task *t, const uint64_t a[6])
{
	return do_eventfd(t, (unsigned int)a[0], 0);
}

long sys_eventfd2(struct task *t, const uint64_t a[6])
{
	return do_eventfd(t, (unsigned int)a[0], (int)a[1]);
}

/* --- signalfd ----------------------------------------------------------- */

static long do_signalfd(struct task *t, int fd, uint64_t umask, size_t size,
			int flags)
{
	uint64_t mask;
	if (flags & ~(SFD_CLOEXEC | SFD_NONBLOCK))
		return -EINVAL;
	if (size != sizeof(mask))
		return -EINVAL;
	if (mm_copy_in(t->mm, &mask, umask, sizeof(mask)) < 0)
		return -EFAULT;
	if (fd == -1)
		return install_file(t, signalfd_create(mask, flags),
				    flags & SFD_CLOEXEC);
	struct file *f = fd_get(t->files, fd);
	if (!f)
		return -EBADF;
	/* An existing signalfd gets the new mask; flags are not changed. */
	bool ok = signalfd_set_mask(f, mask);
	file_put(f);
	return ok ? fd : -EINVAL;
}

long sys_signalfd(struct task *t, const uint64_t a[6])
{
	return do_signalfd(t, (int)a[0], a[1], (size_t)a[2], 0);
}

long sys_signalfd4(struct task *t, const uint64_t a[6])
{
	return do_signalfd(t, (int)a[0], a[1], (size_t)a[2], (int)a[3]);
}
