/* CPU-time clocks named by id: pthread_getcpuclockid(3) of another thread,
 * clock_getcpuclockid(3) of a process, and Linux's EINVAL for ids naming
 * nothing (Python's test_time uses them). Setting clocks: only invalid
 * requests are tried, which fail the same way with or without privilege
 * (a valid one would change the host's time natively as root). */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include "testlib.h"

#define CPU_SCHED 2
#define CPU_THREAD 4
static clockid_t cpuclock(pid_t pid, int flags)
{
	return (clockid_t)((~(unsigned)pid << 3) | (unsigned)flags);
}

static volatile int stop;

static void *spin(void *arg)
{
	(void)arg;
	while (!stop)
		;
	return NULL;
}

int main(void)
{
	struct timespec a, b;
	pthread_t th;
	clockid_t c;

	pthread_create(&th, NULL, spin, NULL);
	tl_val("pthread_getcpuclockid", pthread_getcpuclockid(th, &c), 0);
	tl_err("other thread's clock", clock_gettime(c, &a), 0);
	tl_err("its resolution", clock_getres(c, &b), 0);
	tl_yes("ns in range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
	stop = 1;
	pthread_join(th, NULL);

	tl_val("clock_getcpuclockid self", clock_getcpuclockid(getpid(), &c),
	       0);
	tl_err("own process clock", clock_gettime(c, &a), 0);
	tl_err("pid 0 thread clock",
	       clock_gettime(cpuclock(0, CPU_THREAD | CPU_SCHED), &a), 0);
	tl_err("own tid as thread clock",
	       clock_gettime(cpuclock((pid_t)syscall(SYS_gettid),
				      CPU_THREAD | CPU_SCHED), &a), 0);
	tl_err("kind 3", syscall(SYS_clock_gettime, cpuclock(0, 3), &a),
	       EINVAL);

	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	tl_err("child's process clock",
	       clock_gettime(cpuclock(child, CPU_SCHED), &a), 0);
	tl_err("child's thread as own thread clock",
	       syscall(SYS_clock_gettime, cpuclock(child, CPU_THREAD |
						   CPU_SCHED), &a), EINVAL);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	tl_err("reaped child's clock",
	       syscall(SYS_clock_gettime, cpuclock(child, CPU_SCHED), &a),
	       EINVAL);

	struct timespec bad = {0, -1};
	struct timeval badtv = {0, 1000000};
	tl_err("clock_settime bad nsec",
	       syscall(SYS_clock_settime, CLOCK_REALTIME, &bad), EINVAL);
	tl_err("clock_settime MONOTONIC",
	       syscall(SYS_clock_settime, CLOCK_MONOTONIC, &a), EINVAL);
	tl_err("clock_settime bad clock",
	       syscall(SYS_clock_settime, 12345, &a), EINVAL);
	tl_err("clock_settime bad ptr",
	       syscall(SYS_clock_settime, CLOCK_REALTIME, TL_BAD1), EFAULT);
	tl_err("settimeofday bad usec",
	       syscall(SYS_settimeofday, &badtv, NULL), EINVAL);
	tl_err("settimeofday bad ptr",
	       syscall(SYS_settimeofday, TL_BADK, NULL), EFAULT);
	return tl_done();
}
