/* SIGKILL ends a vfork parent's wait for its child (Linux's
 * wait_for_vfork_done sleeps TASK_KILLABLE): a parent killed while its
 * vfork child blocks forever (here in pause) dies at once, the child goes
 * on. The sentry's wait was not killable, so such a process, and with it
 * the whole sandbox, could never be killed (found by tests/progs/sb-fuzz).
 * The alarm turns that hang into a failed run. */
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "testlib.h"

int main(void)
{
	int pp[2], st;
	pid_t p, c = 0;

	alarm(20);
	/* The orphaned vfork child is ours to reap (we are pid 1 in the
	 * sandbox anyway). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	if (pipe(pp) != 0)
		return 1;
	p = fork();
	if (p == 0) {
		pid_t v = vfork();
		if (v == 0) {
			pid_t me = getpid();
			if (write(pp[1], &me, sizeof me) != sizeof me)
				_exit(3);
			pause();
			_exit(4);
		}
		_exit(1);	/* vfork returned: the child is gone */
	}
	if (read(pp[0], &c, sizeof c) != sizeof c)
		return 1;
	usleep(50 * 1000);
	kill(p, SIGKILL);
	if (waitpid(p, &st, 0) != p)
		return 1;
	printf("vfork parent: %s\n", WIFSIGNALED(st) ?
	       strsignal(WTERMSIG(st)) : "exited");
	/* The child still pauses, now an orphan of ours. */
	printf("vfork child alive: %s\n", kill(c, 0) == 0 ? "yes" : "no");
	kill(c, SIGKILL);
	printf("vfork child reaped: %s\n",
	       waitpid(c, &st, 0) == c && WIFSIGNALED(st) &&
	       WTERMSIG(st) == SIGKILL ? "yes" : "no");
	return 0;
}
