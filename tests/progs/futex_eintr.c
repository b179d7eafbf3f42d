/* FUTEX_WAIT interrupted by a handled signal: with a timeout it is EINTR
 * even under SA_RESTART (Linux's ERESTART_RESTARTBLOCK: restarting would
 * start the timeout over). */
#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"

static volatile sig_atomic_t got;
static void on_usr1(int s)
{
	(void)s;
	got++;
}

/* A child that signals this process after 100 ms. */
static pid_t signal_later(void)
{
	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		struct timespec d = {0, 100 * 1000 * 1000};
		nanosleep(&d, NULL);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	return pid;
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	int word = 0;
	struct timespec to = {5, 0}, t0, t1;

	pid_t pid = signal_later();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, &to, NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	tl_err("FUTEX_WAIT with timeout, SA_RESTART handler", r, EINTR);
	tl_yes("handler ran", got == 1);
	tl_yes("returned before the timeout", t1.tv_sec - t0.tv_sec < 4);
	waitpid(pid, NULL, 0);

	/* FUTEX_WAIT_BITSET with an absolute deadline: the same. */
	pid = signal_later();
	clock_gettime(CLOCK_MONOTONIC, &to);
	to.tv_sec += 5;
	r = syscall(SYS_futex, &word, FUTEX_WAIT_BITSET, 0, &to, NULL,
		    FUTEX_BITSET_MATCH_ANY);
	tl_err("FUTEX_WAIT_BITSET absolute, SA_RESTART handler", r, EINTR);
	tl_yes("handler ran again", got == 2);
	waitpid(pid, NULL, 0);
	return tl_done();
}
