/* Timers re-armed in the past at every expiry: a 1 ns period. The sentry's
 * timer thread runs such a callback back to back; closing the timerfd (and
 * deleting the POSIX timer, and exiting) must still get the timer out
 * rather than wait forever for a callback that is always running again. */
#include <signal.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>

#include "testlib.h"

int main(void)
{
	struct itimerspec it = {{0, 1}, {0, 1}};
	struct timespec pause = {0, 20 * 1000 * 1000};
	uint64_t n = 0;

	for (int i = 0; i < 3; i++) {
		int fd = timerfd_create(CLOCK_MONOTONIC, 0);
		tl_yes("timerfd_create", fd >= 0);
		tl_err("timerfd_settime 1ns", timerfd_settime(fd, 0, &it, NULL),
		       0);
		nanosleep(&pause, NULL);
		tl_yes("read counts expirations",
		       read(fd, &n, sizeof(n)) == sizeof(n) && n > 0);
		tl_err("close", close(fd), 0);
	}

	struct sigevent se = {.sigev_notify = SIGEV_NONE};
	timer_t id;
	tl_err("timer_create", timer_create(CLOCK_MONOTONIC, &se, &id), 0);
	tl_err("timer_settime 1ns", timer_settime(id, 0, &it, NULL), 0);
	nanosleep(&pause, NULL);
	tl_err("timer_delete", timer_delete(id), 0);

	/* And one left armed for exit to cancel. */
	int fd = timerfd_create(CLOCK_MONOTONIC, 0);
	tl_err("timerfd left armed", timerfd_settime(fd, 0, &it, NULL), 0);
	return tl_done();
}
