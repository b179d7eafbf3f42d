/* SIGSTOP at once followed by SIGCONT, many times, to a child that keeps
 * entering the kernel: whatever the interleaving, the child must end up
 * running (signal(7): a SIGCONT sent after a stop signal resumes the
 * process, or cancels the stop still pending). A stop acted on after the
 * SIGCONT had come left the child stopped for good, and SIGTERM then
 * never killed it. */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testlib.h"

int main(void)
{
	int st;

	alarm(30); /* a hang ends the test as SIGALRM, exit 142 */
	pid_t p = fork();
	if (p == 0) {
		for (;;)
			getppid();
	}
	for (int i = 0; i < 3000; i++) {
		kill(p, SIGSTOP);
		kill(p, SIGCONT);
		if (i % 100 == 0)
			sched_yield();
	}
	/* Not stopped: a SIGTERM kills it now. */
	kill(p, SIGTERM);
	tl_yes("the child is reaped", waitpid(p, &st, 0) == p);
	tl_yes("killed by SIGTERM, never left stopped",
	       WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	return tl_done();
}
