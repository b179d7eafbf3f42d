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

long sys_clock_gettime(struct task *t, const uint64_t a[6])
{
	struct timespec ts;
	if (!clock_valid((int)a[0]))
		return -EINVAL;
	if (clock_gettime(host_clock((int)a[0]), &ts) < 0)
		return -errno;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

long sys_clock_getres(struct task *t, const uint64_t a[6])
{
	struct timespec ts;
	if (!clock_valid((int)a[0]))
		return -EINVAL;
	if (clock_getres(host_clock((int)a[0]), &ts) < 0)
		return -errno;
	if (!a[1])
		return 0;
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
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

static bool ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

static void ts_add(struct timespec *a, const struct timespec *b)
{
	a->tv_sec += b->tv_sec;
	a->tv_nsec += b->tv_nsec;
	if (a->tv_nsec >= 1000000000L) {
		a->tv_sec++;
		a->tv_nsec -= 1000000000L;
	}
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
	int64_t left_ns = (deadline.tv_sec - now.tv_sec) * 1000000000LL +
			  (deadline.tv_nsec - now.tv_nsec);
	if (left_ns <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &mono_deadline);
	struct timespec d = {left_ns / 1000000000LL, left_ns % 1000000000LL};
	ts_add(&mono_deadline, &d);
	if (task_sleep_until(t, &mono_deadline) == 0)
		return 0;
	if (rem) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		int64_t r = (mono_deadline.tv_sec - now.tv_sec) * 1000000000LL +
			    (mono_deadline.tv_nsec - now.tv_nsec);
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
