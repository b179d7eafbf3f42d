/* Timers: alarm, setitimer/getitimer, the POSIX timer_* calls and the
 * timerfd_* calls. Every timer runs on the sentry's timer thread
 * (sentry/fs/anon/ktimer.c); expiring sends a signal through the kernel.
 *
 * Timers belong to a process, found again by its tgid when they fire (a
 * process that is gone drops its timers). ITIMER_VIRTUAL and ITIMER_PROF
 * count real time, not CPU time: an approximation (the sentry does not
 * account app CPU time to the tick). CPU-time clocks for timer_create are
 * approximated the same way. */
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/resource.h>
#include <time.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"
#include "syscalls/timer.h"

#ifndef SIGEV_THREAD_ID
#define SIGEV_THREAD_ID 4
#endif
#define TIMERS_MAX 4096 /* per process: beyond it timer_create is EAGAIN */
/* Ids of the interval timers in the table, below POSIX timer ids. */
#define ITIMER_ID(which) (-1 - (which))

struct ptimer {
	struct ptimer *next;
	int tgid;
	int id;
	int notify;            /* SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID */
	int signo;
	int tid;               /* SIGEV_THREAD_ID target */
	uint64_t value;        /* sigev_value, the signal's si_value */
	int clockid;
	int user_clockid;      /* as given: /proc/[pid]/timers' ClockID */
	struct ktimer kt;
	uint64_t deadline;     /* monotonic ns, 0: disarmed */
	uint64_t interval;     /* ns */
	/* timer_getoverrun(2) is the overrun of the last signal delivered.
	 * overrun: of the signal sent last (growing while it is pending);
	 * last_overrun: of the one before it, delivered by then. */
	int overrun, last_overrun;
};

static pthread_mutex_t timers_lock = PTHREAD_MUTEX_INITIALIZER;
/* Serialises setting and deleting timers, so that a timer being set is not
 * freed by a timer_delete in another thread. Taken before timers_lock;
 * never by the timer thread. */
static pthread_mutex_t timers_set_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ptimer *timers;

/* Under timers_lock. */
static struct ptimer *timer_find(int tgid, int id)
{
	for (struct ptimer *p = timers; p; p = p->next)
		if (p->tgid == tgid && p->id == id)
			return p;
	return NULL;
}

/* Linux queues a timer's signal once: while it is still pending, further
 * expiries only add to its si_overrun (timer_getoverrun(2)). True if the
 * signal of info's timer was pending in t (or t's process) and n
 * expiries were added to it; info->uid is then the new overrun. */
static bool timer_merge_pending(struct task *t, bool to_thread,
				struct ksiginfo *info, uint64_t n)
{
	int i = info->signo - 1;
	bool merged = false;
	kernel_lock();
	if (to_thread) {
		if ((atomic_load(&t->pending) & (1ULL << i)) &&
		    t->pending_info[i].code == SI_TIMER &&
		    t->pending_info[i].pid == info->pid) {
			t->pending_info[i].uid = (int)RV_MIN(
				(uint64_t)t->pending_info[i].uid + n,
				(uint64_t)INT32_MAX);
			info->uid = t->pending_info[i].uid;
			merged = true;
		}
	} else {
		struct thread_group *tg = t->tg;
		if ((tg->shared_pending & (1ULL << i)) &&
		    tg->shared_info[i].code == SI_TIMER &&
		    tg->shared_info[i].pid == info->pid) {
			tg->shared_info[i].uid = (int)RV_MIN(
				(uint64_t)tg->shared_info[i].uid + n,
				(uint64_t)INT32_MAX);
			info->uid = tg->shared_info[i].uid;
			merged = true;
		}
	}
	kernel_unlock();
	return merged;
}

/* Is the signal of timer p (a copy) pending in its target? */
static bool timer_signal_pending(const struct ptimer *p)
{
	if (p->notify == SIGEV_NONE || p->signo < 1 || p->signo > RV_NSIG)
		return false;
	bool to_thread = p->notify == SIGEV_THREAD_ID;
	struct task *t = task_find(to_thread ? p->tid : p->tgid);
	if (!t)
		return false;
	int i = p->signo - 1;
	bool r = false;
	kernel_lock();
	if (to_thread)
		r = (atomic_load(&t->pending) & (1ULL << i)) &&
		    t->pending_info[i].code == SI_TIMER &&
		    t->pending_info[i].pid == p->id;
	else if (t->tg)
		r = (t->tg->shared_pending & (1ULL << i)) &&
		    t->tg->shared_info[i].code == SI_TIMER &&
		    t->tg->shared_info[i].pid == p->id;
	kernel_unlock();
	task_put(t);
	return r;
}

/* Linux (6.x) drops a timer's signal still pending when the timer is
 * re-armed, disarmed or deleted: it is not delivered. Ours is taken out
 * of the pending set at that moment (sigpending(2) then no longer shows
 * it, where Linux's drops it at dequeue). */
static void timer_unqueue(int tgid, int id, int notify, int tid, int signo)
{
	if (notify == SIGEV_NONE || signo < 1 || signo > RV_NSIG)
		return;
	bool to_thread = notify == SIGEV_THREAD_ID;
	struct task *t = task_find(to_thread ? tid : tgid);
	if (!t)
		return;
	int i = signo - 1;
	kernel_lock();
	if (to_thread) {
		if ((atomic_load(&t->pending) & (1ULL << i)) &&
		    t->pending_info[i].code == SI_TIMER &&
		    t->pending_info[i].pid == id)
			atomic_fetch_and(&t->pending, ~(1ULL << i));
	} else if (t->tg && t->tg->tgid == tgid) {
		struct thread_group *tg = t->tg;
		if ((tg->shared_pending & (1ULL << i)) &&
		    tg->shared_info[i].code == SI_TIMER &&
		    tg->shared_info[i].pid == id)
			tg->shared_pending &= ~(1ULL << i);
	}
	kernel_unlock();
	task_put(t);
}

static void timer_fire(struct ktimer *kt)
{
	struct ptimer *p = container_of(kt, struct ptimer, kt);
	uint64_t now = ktimer_clock_ns(CLOCK_MONOTONIC);
	struct ksiginfo info = {0};
	int target;
	bool send, to_thread;

	pthread_mutex_lock(&timers_lock);
	if (!p->deadline || p->deadline > now) {
		pthread_mutex_unlock(&timers_lock);
		return;
	}
	uint64_t n = p->interval ? (now - p->deadline) / p->interval + 1 : 1;
	/* Periods missed while the timer thread ran late are overruns
	 * (timer_getoverrun(2)). */
	int ov = (int)RV_MIN(n - 1, (uint64_t)INT32_MAX);
	to_thread = p->notify == SIGEV_THREAD_ID;
	target = to_thread ? p->tid : p->tgid;
	send = p->notify != SIGEV_NONE;
	info.signo = p->signo;
	if (p->id >= 0) {
		/* SI_TIMER: si_timerid and si_overrun sit where kill()'s
		 * si_pid and si_uid do. */
		info.code = SI_TIMER;
		info.pid = p->id;
		info.uid = ov;
		info.value = p->value;
	} else {
		info.code = SI_KERNEL;
	}
	pthread_mutex_unlock(&timers_lock);

	/* The owner may be gone (its timers were not released): stop. */
	struct task *t = task_find(target);
	pthread_mutex_lock(&timers_lock);
	if (!t) {
		p->deadline = 0;
		p->interval = 0;
	} else if (p->interval) {
		p->deadline += n * p->interval;
		ktimer_arm(&p->kt, p->deadline);
	} else {
		p->deadline = 0;
	}
	pthread_mutex_unlock(&timers_lock);
	if (!t)
		return;
	if (send && p->id >= 0) {
		bool merged = timer_merge_pending(t, to_thread, &info, n);
		pthread_mutex_lock(&timers_lock);
		if (!merged) {
			/* The previous signal is no longer pending: it was
			 * delivered (or dropped) with its overrun. */
			p->last_overrun = p->overrun;
		}
		p->overrun = info.uid;
		pthread_mutex_unlock(&timers_lock);
		send = !merged;
	}
	if (send) {
		if (to_thread)
			kernel_send_signal_task(t, &info);
		else
			kernel_send_signal_tg(t->tg, &info);
		/* A signalfd polled by another thread than the one woken. */
		signalfd_notify();
	}
	task_put(t);
}

static void release_timers(int tgid, bool posix_only)
{
	for (;;) {
		pthread_mutex_lock(&timers_set_lock);
		pthread_mutex_lock(&timers_lock);
		struct ptimer **pp = &timers, *p = NULL;
		for (; *pp; pp = &(*pp)->next)
			if ((*pp)->tgid == tgid &&
			    (!posix_only || (*pp)->id >= 0)) {
				p = *pp;
				*pp = p->next;
				break;
			}
		pthread_mutex_unlock(&timers_lock);
		if (p) {
			ktimer_cancel(&p->kt);
			/* At execve the process lives on: its deleted
			 * timers' pending signals go too. */
			if (posix_only)
				timer_unqueue(p->tgid, p->id, p->notify, p->tid,
					      p->signo);
			free(p);
		}
		pthread_mutex_unlock(&timers_set_lock);
		if (!p)
			return;
	}
}

void timers_release_tg(int tgid)
{
	release_timers(tgid, false);
}

void timers_release_posix(int tgid)
{
	release_timers(tgid, true);
}

/* Current value of p into cur. Under timers_lock. */
static void timer_get_locked(struct ptimer *p, struct itimerspec *cur)
{
	uint64_t now = ktimer_clock_ns(CLOCK_MONOTONIC), left = 0;
	/* Past the deadline but not yet seen by the (late) timer thread:
	 * a one-shot timer has expired, a periodic one is in its next
	 * period, whatever the timer thread's delay. */
	if (p->deadline > now)
		left = p->deadline - now;
	else if (p->deadline && p->interval)
		left = p->interval - (now - p->deadline) % p->interval;
	cur->it_value = ktimer_ns_ts(left);
	cur->it_interval = ktimer_ns_ts(p->interval);
}

/* Arm (or disarm, value 0) p; returns the old value in old. */
static void timer_set(struct ptimer *p, const struct itimerspec *nv,
		      bool abs, struct itimerspec *old)
{
	/* Not under timers_lock: cancel waits for a running timer_fire. */
	ktimer_cancel(&p->kt);
	/* Nothing fires until armed again below: a signal still pending
	 * is the old setting's. */
	if (p->id >= 0)
		timer_unqueue(p->tgid, p->id, p->notify, p->tid, p->signo);
	pthread_mutex_lock(&timers_lock);
	if (old)
		timer_get_locked(p, old);
	p->interval = ktimer_ts_ns(&nv->it_interval);
	p->deadline = 0;
	if (nv->it_value.tv_sec || nv->it_value.tv_nsec) {
		p->deadline = ktimer_mono_deadline(p->clockid, &nv->it_value,
						   abs);
		ktimer_arm(&p->kt, p->deadline);
	}
	pthread_mutex_unlock(&timers_lock);
}

static struct ptimer *timer_new(int tgid, int id)
{
	struct ptimer *p = rv_xcalloc(1, sizeof(*p));
	p->tgid = tgid;
	p->id = id;
	p->clockid = CLOCK_MONOTONIC;
	ktimer_init(&p->kt, timer_fire);
	return p;
}

/* --- interval timers --------------------------------------------------- */

static const int itimer_sig[3] = {SIGALRM, SIGVTALRM, SIGPROF};

/* The process's interval timer `which`, created on first use. */
static struct ptimer *itimer_get(struct task *t, int which)
{
	pthread_mutex_lock(&timers_lock);
	struct ptimer *p = timer_find(t->tg->tgid, ITIMER_ID(which));
	if (!p) {
		p = timer_new(t->tg->tgid, ITIMER_ID(which));
		p->notify = SIGEV_SIGNAL;
		p->signo = itimer_sig[which];
		p->next = timers;
		timers = p;
	}
	pthread_mutex_unlock(&timers_lock);
	return p;
}

static void tv_to_ts(const struct timeval *tv, struct timespec *ts)
{
	ts->tv_sec = tv->tv_sec;
	ts->tv_nsec = tv->tv_usec * 1000;
}

static void ts_to_tv(const struct timespec *ts, struct timeval *tv)
{
	tv->tv_sec = ts->tv_sec;
	/* Round up: a timer that has not expired never reads as 0. */
	tv->tv_usec = (ts->tv_nsec + 999) / 1000;
	if (tv->tv_usec == 1000000) {
		tv->tv_sec++;
		tv->tv_usec = 0;
	}
}

long sys_setitimer(struct task *t, const uint64_t a[6])
{
	int which = (int)a[0];
	struct itimerval nv = {0}, ov;
	struct itimerspec ns, os;
	if (which < 0 || which > 2)
		return -EINVAL;
	/* Linux accepts NULL as a zero value (disarm). */
	if (a[1] && mm_copy_in(t->mm, &nv, a[1], sizeof(nv)) < 0)
		return -EFAULT;
	if (nv.it_value.tv_sec < 0 || nv.it_value.tv_usec < 0 ||
	    nv.it_value.tv_usec >= 1000000 || nv.it_interval.tv_sec < 0 ||
	    nv.it_interval.tv_usec < 0 || nv.it_interval.tv_usec >= 1000000)
		return -EINVAL;
	tv_to_ts(&nv.it_value, &ns.it_value);
	tv_to_ts(&nv.it_interval, &ns.it_interval);
	pthread_mutex_lock(&timers_set_lock);
	timer_set(itimer_get(t, which), &ns, false, &os);
	pthread_mutex_unlock(&timers_set_lock);
	if (a[2]) {
		ts_to_tv(&os.it_value, &ov.it_value);
		ts_to_tv(&os.it_interval, &ov.it_interval);
		if (mm_copy_out(t->mm, a[2], &ov, sizeof(ov)) < 0)
			return -EFAULT;
	}
	return 0;
}

long sys_getitimer(struct task *t, const uint64_t a[6])
{
	int which = (int)a[0];
	struct itimerspec cur;
	struct itimerval v;
	if (which < 0 || which > 2)
		return -EINVAL;
	pthread_mutex_lock(&timers_set_lock);
	struct ptimer *p = itimer_get(t, which);
	pthread_mutex_lock(&timers_lock);
	timer_get_locked(p, &cur);
	pthread_mutex_unlock(&timers_lock);
	pthread_mutex_unlock(&timers_set_lock);
	ts_to_tv(&cur.it_value, &v.it_value);
	ts_to_tv(&cur.it_interval, &v.it_interval);
	return mm_copy_out(t->mm, a[1], &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

long sys_alarm(struct task *t, const uint64_t a[6])
{
	struct itimerspec ns = {{0, 0}, {(time_t)(unsigned int)a[0], 0}}, os;
	pthread_mutex_lock(&timers_set_lock);
	timer_set(itimer_get(t, ITIMER_REAL), &ns, false, &os);
	pthread_mutex_unlock(&timers_set_lock);
	/* alarm(2): seconds left, rounded to nearest, never 0 for a
	 * pending alarm. */
	long left = os.it_value.tv_sec + (os.it_value.tv_nsec >= 500000000L);
	if (!left && os.it_value.tv_nsec)
		left = 1;
	return left;
}

/* --- POSIX timers ------------------------------------------------------ */

static bool clock_ok(int clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_BOOTTIME_ALARM:
		return true;
	}
	return false;
}

/* The host clock that measures clockid's time (CPU clocks: see top). */
static int host_clock(int clockid)
{
	switch (clockid) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_ALARM:
		return CLOCK_REALTIME;
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		return CLOCK_BOOTTIME;
	}
	return CLOCK_MONOTONIC;
}

long sys_timer_create(struct task *t, const uint64_t a[6])
{
	int clockid = (int)a[0];
	struct {
		uint64_t value;
		int signo, notify;
		int tid;
		int pad[11];
	} sev;
	if (!clock_ok(clockid))
		return -EINVAL;
	if (a[1]) {
		if (mm_copy_in(t->mm, &sev, a[1], sizeof(sev)) < 0)
			return -EFAULT;
	} else {
		sev.notify = SIGEV_SIGNAL;
		sev.signo = SIGALRM;
	}
	switch (sev.notify) {
	case SIGEV_NONE:
		break;
	case SIGEV_SIGNAL:
	case SIGEV_THREAD_ID:
		if (sev.signo < 1 || sev.signo > RV_NSIG)
			return -EINVAL;
		break;
	default:
		/* SIGEV_THREAD is glibc's business (it asks for a
		 * SIGEV_THREAD_ID timer); the kernel rejects it. */
		return -EINVAL;
	}
	if (sev.notify == SIGEV_THREAD_ID) {
		/* The target must be a thread of the caller's process. */
		struct task *o = task_find(sev.tid);
		bool ok = o && o->tg == t->tg;
		if (o)
			task_put(o);
		if (!ok)
			return -EINVAL;
	}
	int tgid = t->tg->tgid, id = 0, n = 0;
	pthread_mutex_lock(&timers_lock);
	for (struct ptimer *p = timers; p; p = p->next)
		if (p->tgid == tgid && p->id >= 0)
			n++;
	if (n >= TIMERS_MAX) {
		pthread_mutex_unlock(&timers_lock);
		return -EAGAIN;
	}
	while (timer_find(tgid, id))
		id++;
	struct ptimer *p = timer_new(tgid, id);
	p->notify = sev.notify;
	p->signo = sev.signo;
	p->tid = sev.tid;
	/* Without a sigevent, sigev_value is the timer id. */
	p->value = a[1] ? sev.value : (uint64_t)id;
	p->clockid = host_clock(clockid);
	p->user_clockid = clockid;
	p->next = timers;
	timers = p;
	pthread_mutex_unlock(&timers_lock);
	if (mm_copy_out(t->mm, a[2], &id, sizeof(id)) < 0) {
		timers_delete_one(tgid, id);
		return -EFAULT;
	}
	return 0;
}

int timers_delete_one(int tgid, int id)
{
	pthread_mutex_lock(&timers_set_lock);
	pthread_mutex_lock(&timers_lock);
	struct ptimer **pp = &timers, *p = NULL;
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->tgid == tgid && (*pp)->id == id) {
			p = *pp;
			*pp = p->next;
			break;
		}
	pthread_mutex_unlock(&timers_lock);
	if (p) {
		ktimer_cancel(&p->kt);
		timer_unqueue(p->tgid, p->id, p->notify, p->tid, p->signo);
		free(p);
	}
	pthread_mutex_unlock(&timers_set_lock);
	return p ? 0 : -EINVAL;
}

void timers_proc_each(int tgid, timers_proc_fn fn, void *arg)
{
	pthread_mutex_lock(&timers_lock);
	for (struct ptimer *p = timers; p; p = p->next)
		if (p->tgid == tgid && p->id >= 0)
			fn(arg, p->id, p->signo, p->value, p->notify, p->tid,
			   p->user_clockid);
	pthread_mutex_unlock(&timers_lock);
}

/* A POSIX timer of the caller's process (ids >= 0 only). */
static struct ptimer *posix_timer(struct task *t, int id)
{
	if (id < 0)
		return NULL;
	pthread_mutex_lock(&timers_lock);
	struct ptimer *p = timer_find(t->tg->tgid, id);
	pthread_mutex_unlock(&timers_lock);
	return p;
}

long sys_timer_settime(struct task *t, const uint64_t a[6])
{
	struct itimerspec nv, ov;
	int flags = (int)a[1];
	if (mm_copy_in(t->mm, &nv, a[2], sizeof(nv)) < 0)
		return -EFAULT;
	if (!ktimer_ts_valid(&nv.it_value) ||
	    !ktimer_ts_valid(&nv.it_interval))
		return -EINVAL;
	pthread_mutex_lock(&timers_set_lock);
	struct ptimer *p = posix_timer(t, (int)a[0]);
	if (p)
		timer_set(p, &nv, flags & TIMER_ABSTIME, &ov);
	pthread_mutex_unlock(&timers_set_lock);
	if (!p)
		return -EINVAL;
	if (a[3] && mm_copy_out(t->mm, a[3], &ov, sizeof(ov)) < 0)
		return -EFAULT;
	return 0;
}

long sys_timer_gettime(struct task *t, const uint64_t a[6])
{
	struct itimerspec cur;
	pthread_mutex_lock(&timers_lock);
	struct ptimer *p = (int)a[0] >= 0 ? timer_find(t->tg->tgid, (int)a[0])
					  : NULL;
	if (p)
		timer_get_locked(p, &cur);
	pthread_mutex_unlock(&timers_lock);
	if (!p)
		return -EINVAL;
	return mm_copy_out(t->mm, a[1], &cur, sizeof(cur)) < 0 ? -EFAULT : 0;
}

long sys_timer_getoverrun(struct task *t, const uint64_t a[6])
{
	pthread_mutex_lock(&timers_set_lock);
	pthread_mutex_lock(&timers_lock);
	struct ptimer *p = (int)a[0] >= 0 ? timer_find(t->tg->tgid, (int)a[0])
					  : NULL;
	if (!p) {
		pthread_mutex_unlock(&timers_lock);
		pthread_mutex_unlock(&timers_set_lock);
		return -EINVAL;
	}
	struct ptimer c = *p;
	pthread_mutex_unlock(&timers_lock);
	/* While the last signal sent is still pending, the last delivered
	 * is the one before it. */
	bool pending = timer_signal_pending(&c);
	pthread_mutex_unlock(&timers_set_lock);
	return pending ? c.last_overrun : c.overrun;
}

long sys_timer_delete(struct task *t, const uint64_t a[6])
{
	if ((int)a[0] < 0)
		return -EINVAL;
	return timers_delete_one(t->tg->tgid, (int)a[0]);
}

/* --- timerfd ------------------------------------------------------------ */

long sys_timerfd_create(struct task *t, const uint64_t a[6])
{
	int clockid = (int)a[0], flags = (int)a[1];
	if (flags & ~(TFD_CLOEXEC | TFD_NONBLOCK))
		return -EINVAL;
	if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC &&
	    clockid != CLOCK_BOOTTIME && clockid != CLOCK_REALTIME_ALARM &&
	    clockid != CLOCK_BOOTTIME_ALARM)
		return -EINVAL;
	if (t->tg)
		fd_set_thread_limit(t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
	struct file *f = timerfd_file_create(host_clock(clockid), flags);
	int fd = fd_install(t->files, f, 0, flags & TFD_CLOEXEC);
	file_put(f);
	return fd;
}

long sys_timerfd_settime(struct task *t, const uint64_t a[6])
{
	struct itimerspec nv, ov;
	int flags = (int)a[1];
	if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET))
		return -EINVAL;
	if (mm_copy_in(t->mm, &nv, a[2], sizeof(nv)) < 0)
		return -EFAULT;
	if (!ktimer_ts_valid(&nv.it_value) ||
	    !ktimer_ts_valid(&nv.it_interval))
		return -EINVAL;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = timerfd_file_settime(f, flags, &nv, &ov);
	file_put(f);
	if (r == 0 && a[3] && mm_copy_out(t->mm, a[3], &ov, sizeof(ov)) < 0)
		r = -EFAULT;
	return r;
}

long sys_timerfd_gettime(struct task *t, const uint64_t a[6])
{
	struct itimerspec cur;
	struct file *f = fd_get(t->files, (int)a[0]);
	if (!f)
		return -EBADF;
	long r = timerfd_file_gettime(f, &cur);
	file_put(f);
	if (r == 0 && mm_copy_out(t->mm, a[1], &cur, sizeof(cur)) < 0)
		r = -EFAULT;
	return r;
}
