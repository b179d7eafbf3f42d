/* nanosleep/clock_nanosleep sleep about as long as asked. */
#include <time.h>
#include "testlib.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	struct timespec req = { 0, 50000000 }, rem = { 9, 9 };
	double t0, d;

	t0 = now();
	tl_err("nanosleep 50ms", nanosleep(&req, &rem), 0);
	d = now() - t0;
	tl_yes("slept >= 50ms", d >= 0.050);
	tl_yes("slept < 2s", d < 2.0);
	t0 = now();
	tl_val("clock_nanosleep rel 30ms",
	       clock_nanosleep(CLOCK_MONOTONIC, 0,
			       &(struct timespec){ 0, 30000000 }, NULL), 0);
	d = now() - t0;
	tl_yes("slept >= 30ms", d >= 0.030 && d < 2.0);
	struct timespec abs;
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 40000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	t0 = now();
	tl_val("clock_nanosleep abs +40ms",
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL), 0);
	d = now() - t0;
	tl_yes("woke after deadline", now() >= abs.tv_sec +
	       abs.tv_nsec / 1e9 - 1e-6 && d < 2.0);
	tl_val("abs deadline in the past returns at once",
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			       &(struct timespec){ 0, 0 }, NULL), 0);
	tl_val("zero sleep", nanosleep(&(struct timespec){ 0, 0 }, NULL), 0);
	tl_err("tv_nsec too big",
	       nanosleep(&(struct timespec){ 0, 1000000000 }, NULL), EINVAL);
	tl_err("negative tv_sec",
	       nanosleep(&(struct timespec){ -1, 0 }, NULL), EINVAL);
	tl_err("bad ptr", syscall(SYS_nanosleep, TL_BAD1, NULL), EFAULT);
	tl_val("clock_nanosleep bad clock",
	       clock_nanosleep(12345, 0, &req, NULL), EINVAL);
	tl_val("clock_nanosleep CPUTIME clock",
	       clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL),
	       EINVAL);
	return tl_done();
}
