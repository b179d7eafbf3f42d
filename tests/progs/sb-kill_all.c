/* kill(-1, SIGKILL) from the sandbox's init reaches every other process:
 * (a) more than 256 of them (the sentry collected at most 256 targets and
 * skipped the rest), and (b) a process forking as fast as it can while
 * the kill lands: a fork that linked its child after the sentry had
 * collected its targets but before it signalled the parent left that
 * child alive in pause() with nothing pending (found by tests/progs/
 * sb-fuzz). Linux marks every target under one tasklist_lock hold and a
 * fork that would link its child after the parent was signalled
 * restarts (copy_process()), so one kill(-1, SIGKILL) leaves nobody.
 *
 * Each round sends one kill(-1, SIGKILL) and then waits for every child
 * for up to 3 s; a process still there (found in /proc) is a leftover,
 * counted, then killed. Sandbox-only: natively this program is no init
 * and kill(-1) would reach the user's other processes. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Processes in /proc other than init. */
static int others(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' &&
		    atoi(e->d_name) != 1)
			n++;
	closedir(d);
	return n;
}

/* Reap every child (orphans included: they are init's); *killed counts
 * deaths by SIGKILL. Returns the processes still there after 3 s, which
 * are then killed for good. */
static int reap_all(int *killed)
{
	double end = now() + 3;
	int st;
	for (;;) {
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p > 0) {
			if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
				++*killed;
			continue;
		}
		if (p < 0 && errno == ECHILD)
			return 0;
		if (now() > end)
			break;
		usleep(1000);
	}
	int left = others();
	for (;;) {
		kill(-1, SIGKILL);
		pid_t p = waitpid(-1, &st, WNOHANG);
		if (p < 0 && errno == ECHILD)
			return left;
		if (p == 0)
			usleep(1000);
	}
}

static void many(int n)
{
	int pfd[2], killed = 0, made = 0;
	char c;
	if (pipe(pfd) < 0) {
		printf("pipe: %s\n", tl_errname(errno));
		exit(1);
	}
	for (int i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			close(pfd[0]);
			if (write(pfd[1], "x", 1) != 1)
				_exit(2);
			for (;;)
				pause();
		}
		if (p < 0) {
			printf("fork %d: %s\n", i, tl_errname(errno));
			break;
		}
		made++;
	}
	close(pfd[1]);
	for (int i = 0; i < made; i++)
		if (read(pfd[0], &c, 1) != 1)
			break;
	close(pfd[0]);
	kill(-1, SIGKILL);
	int left = reap_all(&killed);
	printf("%d processes in pause(), one kill(-1, SIGKILL): %d killed, "
	       "%d left\n", made, killed, left);
}

/* Forks as fast as it can; its children pause(). EAGAIN (the task
 * limit) is retried. */
static void forker(void)
{
	for (;;) {
		pid_t p = fork();
		if (p == 0)
			for (;;)
				pause();
	}
}

static void race(int rounds)
{
	int bad = 0, lost = 0, killed = 0;
	unsigned seed = 1;
	double t0 = now();
	for (int r = 0; r < rounds; r++) {
		pid_t f = fork();
		if (f == 0)
			forker();
		if (f < 0) {
			printf("fork: %s\n", tl_errname(errno));
			exit(1);
		}
		/* Let it fork for 0-2 ms: the kill lands mid-fork. */
		seed = seed * 1103515245 + 12345;
		usleep((seed >> 16) % 2000);
		kill(-1, SIGKILL);
		int left = reap_all(&killed);
		if (left) {
			bad++;
			lost += left;
		}
	}
	printf("%d rounds of one kill(-1, SIGKILL) against a fork loop: %d "
	       "rounds left processes (%d in all), quick %s\n",
	       rounds, bad, lost, now() - t0 < 60 ? "yes" : "no");
	if (!killed)
		printf("nothing killed\n");
}

int main(void)
{
	if (getpid() != 1) {
		printf("not the sandbox's init\n");
		return 77;
	}
	many(300);
	race(300);
	printf("left at the end: %d\n", others());
	return 0;
}
