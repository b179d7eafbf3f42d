/* execve in one thread while another waits in vfork for a child that
 * never execs nor exits: exec kills the other threads (Linux's
 * de_thread() sends them SIGKILL, which ends a vfork wait), so it
 * completes. The sentry's exec marks the threads exited instead, which
 * the killable vfork wait did not look at: the exec and the process hung
 * for good (found by tests/progs/sb-fuzz -t). The new image kills and
 * reaps the paused vfork child, still a child of the process. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>

#include "testlib.h"

static int pp[2];

static void *vforker(void *arg)
{
	(void)arg;
	pid_t v = vfork();
	if (v == 0) {
		pid_t me = getpid();
		if (write(pp[1], &me, sizeof me) != sizeof me)
			_exit(3);
		for (;;)
			pause();
	}
	return NULL;	/* not reached: exec kills this thread */
}

int main(int argc, char **argv)
{
	char num[32];
	pid_t c = 0;
	pthread_t th;
	int st;

	if (argc > 2 && strcmp(argv[1], "after") == 0) {
		c = atoi(argv[2]);
		kill(c, SIGKILL);
		printf("exec done; vfork child reaped %s\n",
		       waitpid(c, &st, 0) == c && WIFSIGNALED(st) ? "yes" : "no");
		return 0;
	}
	alarm(20);	/* kept across execve */
	if (pipe(pp) != 0 || pthread_create(&th, NULL, vforker, NULL) != 0)
		return 1;
	if (read(pp[0], &c, sizeof c) != sizeof c)
		return 1;
	usleep(50 * 1000);	/* the thread sits in its vfork wait */
	snprintf(num, sizeof num, "%d", (int)c);
	char *args[] = {argv[0], "after", num, NULL};
	execv("/proc/self/exe", args);
	printf("execv: %s\n", tl_errname(errno));
	return 1;
}
