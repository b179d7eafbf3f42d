/* clock_gettime/gettimeofday/time agree and move forward. */
#include <sys/time.h>
#include <time.h>
#include "testlib.h"

static double ts(struct timespec t)
{
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void)
{
	struct timespec a, b, r, m;
	struct timeval tv;
	int mono = 1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		mono &= ts(b) >= ts(a);
		a = b;
	}
	tl_yes("monotonic never goes back", mono);
	tl_yes("nsec in range", b.tv_nsec >= 0 && b.tv_nsec < 1000000000);
	/* time() reads the coarse clock, which may lag the fine one by a
	 * tick (natively too): taken first, it can never be ahead. */
	time_t t = time(NULL);
	clock_gettime(CLOCK_REALTIME, &r);
	gettimeofday(&tv, NULL);
	tl_yes("realtime after 2020", r.tv_sec > 1577836800);
	tl_yes("gettimeofday ~ realtime", tv.tv_sec - r.tv_sec <= 2 &&
	       tv.tv_sec >= r.tv_sec);
	tl_yes("time ~ gettimeofday", tv.tv_sec - t <= 2 && tv.tv_sec >= t);
	tl_yes("usec in range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	tl_err("CLOCK_BOOTTIME", clock_gettime(CLOCK_BOOTTIME, &m), 0);
	tl_yes("boottime >= monotonic", ts(m) + 0.001 >= ts(b));
	tl_err("CLOCK_MONOTONIC_RAW", clock_gettime(CLOCK_MONOTONIC_RAW, &m),
	       0);
	tl_err("CLOCK_PROCESS_CPUTIME_ID",
	       clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &m), 0);
	tl_err("CLOCK_THREAD_CPUTIME_ID",
	       clock_gettime(CLOCK_THREAD_CPUTIME_ID, &m), 0);
	tl_err("CLOCK_REALTIME_COARSE",
	       clock_gettime(CLOCK_REALTIME_COARSE, &m), 0);
	tl_err("clock_getres MONOTONIC", clock_getres(CLOCK_MONOTONIC, &m), 0);
	tl_yes("res 1ns", m.tv_sec == 0 && m.tv_nsec == 1);
	tl_err("clock_getres NULL", clock_getres(CLOCK_REALTIME, NULL), 0);
	tl_err("bad clock", syscall(SYS_clock_gettime, 12345, &m), EINVAL);
	tl_err("bad ptr", syscall(SYS_clock_gettime, CLOCK_MONOTONIC,
				  TL_BAD1), EFAULT);
	tl_err("gettimeofday bad ptr", syscall(SYS_gettimeofday, TL_BADK,
					       NULL), EFAULT);
	tl_yes("time(NULL) raw", syscall(SYS_time, NULL) > 1577836800);
	return tl_done();
}
