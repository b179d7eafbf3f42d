/* Time: clock_gettime(2), nanosleep(2), times(2) and friends. The sandbox
 * sees the host's clocks (no time namespace offset). */
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

/* Clock ids an app may name: the fixed ones Linux has. CPU-time clocks of
 * other processes (negative ids) are not offered. */
static bool clock_valid(int id)
{
	switch (id) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC:
	case CLOCK_PROCESS_CPUTIME_ID: case CLOCK_THREAD_CPUTIME_ID:
	case CLOCK_MONOTONIC_RAW: case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE: case CLOCK_BOOTTIME:
	case CLOCK_REALTIME_ALARM: case CLOCK_BOOTTIME_ALARM: case CLOCK_TAI:
		return true;
	}
	return false;
}

/* The task's own CPU clocks are approximated by its sentry thread's. */
static int host_clock(int id)
{
	if (id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID)
		return CLOCK_THREAD_CPUTIME_ID;
	if (id == CLOCK_REALTIME_ALARM)
		return CLOCK_REALTIME;
	if (id == CLOCK_BOOTTIME_ALARM)
		return CLOCK_BOOTTIME;
	return id;
}

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

/* CPU-time clocks of a named thread or process (clock_getcpuclockid(3),
 * pthread_getcpuclockid(3)) are negative ids: ~pid << 3, bit 2 set for a
 * thread clock, the low two bits the kind (PROF, VIRT, SCHED; 3 does not
 * exist), as Linux's include/linux/posix-timers.h encodes them. */
#define CPUCLOCK_PID(c)		(~((c) >> 3))
#define CPUCLOCK_PERTHREAD(c)	(((c) & 4) != 0)
#define CPUCLOCK_WHICH(c)	((c) & 3)
#define CPUCLOCK_SCHED		2
/* Not a host clock: a named CPU clock that reads zero. */
#define CPUCLOCK_NONE		((clockid_t)-1)

/* The host clock standing for the CPU clock clk (< 0) as t sees it, or
 * -EINVAL. Linux's lookup_task(): pid 0 is the caller; a thread clock
 * names a thread of the caller's own process only; a process clock names a
 * process by its pid (a thread group leader). A task's CPU time is
 * approximated by its sentry thread's, as for the caller's own clocks. */
static int cpu_clock_host(struct task *t, int clk, clockid_t *host)
{
	if (CPUCLOCK_WHICH(clk) == 3)
		return -EINVAL;
	int pid = CPUCLOCK_PID(clk);
	bool thread = CPUCLOCK_PERTHREAD(clk);
	if (pid == 0 || pid == t->tid) {
		*host = CLOCK_THREAD_CPUTIME_ID;
		return 0;
	}
	struct task *o = task_find(pid);
	if (!o)
		return -EINVAL;
	int r = -EINVAL;
	if (thread ? o->tg == t->tg : o->tg->tgid == pid) {
		/* A task not yet running or already ended has no host
		 * thread; its clock still exists until it is reaped and
		 * stands still: the host's clock of no thread reads 0. */
		int htid = o->host_tid;
		*host = htid > 0 ? (clockid_t)((~(unsigned)htid << 3) | 4 |
					       CPUCLOCK_SCHED) : CPUCLOCK_NONE;
		r = 0;
	}
	task_put(o);
	return r;
}

/* The host clock to read for the app's clock id, or -EINVAL. */
static int clock_resolve(struct task *t, int id, clockid_t *host)
{
	if (id < 0)
		return cpu_clock_host(t, id, host);
	if (!clock_valid(id))
		return -EINVAL;
	*host = host_clock(id);
	return 0;
}

long sys_clock_gettime(struct task *t, const uint64_t a[6])
{
	struct timespec ts;
	clockid_t host;
	int r = clock_resolve(t, (int)a[0], &host);
	if (r < 0)
		return r;
	/* The named thread may end meanwhile: its clock is then gone, as
	 * once a Linux thread is reaped. */
	if (host == CPUCLOCK_NONE)
		ts = (struct timespec){0, 0};
	else if (clock_gettime(host, &ts) < 0)
		return -EINVAL;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

long sys_clock_getres(struct task *t, const uint64_t a[6])
{
	struct timespec ts;
	clockid_t host;
	int r = clock_resolve(t, (int)a[0], &host);
	if (r < 0)
		return r;
	if (host == CPUCLOCK_NONE)
		ts = (struct timespec){0, 1};
	else if (clock_getres(host, &ts) < 0)
		return -EINVAL;
	if (!a[1])
		return 0;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

/* Setting a clock: the sandbox never changes the host's time, and its
 * root has no CAP_SYS_TIME, so a valid request is EPERM as for an
 * unprivileged Linux process. Only CLOCK_REALTIME and the CPU clocks can
 * be set at all; others are EINVAL (posix-timers.c: no clock_set). */
long sys_clock_settime(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0];
	struct timespec ts;
	clockid_t host;

	if (id < 0) {
		int r = clock_resolve(t, id, &host);
		if (r < 0)
			return r;
	} else if (id != CLOCK_REALTIME) {
		return -EINVAL;
	}
	if (mm_copy_in(t->mm, &ts, a[1], sizeof(ts)) < 0)
		return -EFAULT;
	if (id == CLOCK_REALTIME && !ts_valid(&ts))
		return -EINVAL;
	return -EPERM;
}

long sys_settimeofday(struct task *t, const uint64_t a[6])
{
	struct timeval tv;
	struct timezone tz;

	if (a[0]) {
		if (mm_copy_in(t->mm, &tv, a[0], sizeof(tv)) < 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
			return -EINVAL;
	}
	if (a[1]) {
		if (mm_copy_in(t->mm, &tz, a[1], sizeof(tz)) < 0)
			return -EFAULT;
		/* kernel/time/time.c: minutes west within a day */
		if (tz.tz_minuteswest > 15 * 60 || tz.tz_minuteswest < -15 * 60)
			return -EINVAL;
	}
	return -EPERM;
}

long sys_gettimeofday(struct task *t, const uint64_t a[6])
{
	struct timeval tv;
	if (a[0]) {
		gettimeofday(&tv, NULL);
		if (mm_copy_out(t->mm, a[0], &tv, sizeof(tv)) < 0)
			return -EFAULT;
	}
	if (a[1]) {
		struct timezone tz = {0, 0};
		if (mm_copy_out(t->mm, a[1], &tz, sizeof(tz)) < 0)
			return -EFAULT;
	}
	return 0;
}

long sys_time(struct task *t, const uint64_t a[6])
{
	int64_t now = (int64_t)time(NULL);
	if (a[0] && mm_copy_out(t->mm, a[0], &now, sizeof(now)) < 0)
		return -EFAULT;
	return now;
}

/* Saturating, as Linux's timespec64_add_safe: an app's tv_sec near
 * INT64_MAX means "forever", not a signed overflow into the past. Both
 * are valid (tv_sec >= 0). */
static void ts_add(struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec >= INT64_MAX - b->tv_sec) {
		*a = (struct timespec){INT64_MAX, 999999999L};
		return;
	}
	a->tv_sec += b->tv_sec;
	a->tv_nsec += b->tv_nsec;
	if (a->tv_nsec >= 1000000000L) {
		a->tv_sec++;
		a->tv_nsec -= 1000000000L;
	}
}

/* a - b in ns for times of non-negative tv_sec, saturating at INT64_MAX
 * (Linux's KTIME_MAX) rather than overflowing for a far deadline. */
static int64_t ts_diff_ns(const struct timespec *a, const struct timespec *b)
{
	int64_t s = a->tv_sec - b->tv_sec;
	if (s >= INT64_MAX / 1000000000LL)
		return INT64_MAX;
	return s * 1000000000LL + (a->tv_nsec - b->tv_nsec);
}

/* Sleep until deadline on clock `clk`; on interruption write the time left
 * to rem (when given) and let signal delivery choose EINTR or restart. */
static long do_sleep(struct task *t, int clk, struct timespec deadline,
		     uint64_t rem)
{
	struct timespec now, mono_deadline;

	/* Waits are on CLOCK_MONOTONIC; convert a deadline of another clock
	 * by its current distance. */
	clock_gettime(clk, &now);
	int64_t left_ns = ts_diff_ns(&deadline, &now);
	if (left_ns <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &mono_deadline);
	struct timespec d = {left_ns / 1000000000LL, left_ns % 1000000000LL};
	ts_add(&mono_deadline, &d);
	if (task_sleep_until(t, &mono_deadline) == 0)
		return 0;
	if (rem) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t r = ts_diff_ns(&mono_deadline, &now);
		if (r < 0)
			r = 0;
		struct timespec rs = {r / 1000000000LL, r % 1000000000LL};
		if (mm_copy_out(t->mm, rem, &rs, sizeof(rs)) < 0)
			return -EFAULT;
	}
	return -RV_ERESTARTNOHAND;
}

long sys_nanosleep(struct task *t, const uint64_t a[6])
{
	struct timespec req, dl;
	if (mm_copy_in(t->mm, &req, a[0], sizeof(req)) < 0)
		return -EFAULT;
	if (!ts_valid(&req))
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &dl);
	ts_add(&dl, &req);
	return do_sleep(t, CLOCK_MONOTONIC, dl, a[1]);
}

long sys_clock_nanosleep(struct task *t, const uint64_t a[6])
{
	int clk = (int)a[0];
	int flags = (int)a[1];
	struct timespec req, dl;

	/* Linux: an unknown clock is EINVAL, a clock without nanosleep
	 * EOPNOTSUPP, and a thread CPU clock EINVAL (posix-timers.c). */
	if (!clock_valid(clk) || clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if (clk == CLOCK_MONOTONIC_RAW || clk == CLOCK_REALTIME_COARSE ||
	    clk == CLOCK_MONOTONIC_COARSE)
		return -EOPNOTSUPP;
	if (flags & ~TIMER_ABSTIME)
		return -EINVAL;
	if (mm_copy_in(t->mm, &req, a[2], sizeof(req)) < 0)
		return -EFAULT;
	if (!ts_valid(&req))
		return -EINVAL;
	clk = host_clock(clk);
	if (flags & TIMER_ABSTIME) {
		long r = do_sleep(t, clk, req, 0);
		return r == -RV_ERESTARTNOHAND ? -RV_ERESTARTNOHAND : r;
	}
	clock_gettime(clk, &dl);
	ts_add(&dl, &req);
	return do_sleep(t, clk, dl, a[3]);
}

long sys_times(struct task *t, const uint64_t a[6])
{
	struct tms tm;
	clock_t now = times(&tm);
	if (a[0]) {
		/* The sentry's own children are platform stubs, not the
		 * app's: report none. */
		tm.tms_cutime = tm.tms_cstime = 0;
		if (mm_copy_out(t->mm, a[0], &tm, sizeof(tm)) < 0)
			return -EFAULT;
	}
	return (long)now;
}
