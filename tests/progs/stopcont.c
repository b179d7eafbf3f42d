/* SIGSTOP then SIGCONT to a child sleeping in nanosleep: it resumes and
 * exits, and waitpid reports the stop (WUNTRACED) and the continue
 * (WCONTINUED). A default SIGCONT is "ignored" once delivered, yet it must
 * still wake the stopped threads (it hung the sandbox now and then). */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include "testlib.h"

int main(void)
{
	int ok = 0, st;

	alarm(30); /* a hang ends as SIGALRM */
	for (int i = 0; i < 30; i++) {
		pid_t p = fork();
		if (p == 0) {
			struct timespec ts = {0, 20000000};
			nanosleep(&ts, NULL);
			_exit(7);
		}
		kill(p, SIGSTOP);
		kill(p, SIGCONT);
		ok += waitpid(p, &st, 0) == p && WIFEXITED(st) &&
		      WEXITSTATUS(st) == 7;
	}
	tl_val("children resumed and exited", ok, 30);

	pid_t p = fork();
	if (p == 0) {
		for (;;)
			pause();
	}
	kill(p, SIGSTOP);
	tl_yes("WUNTRACED reports it", waitpid(p, &st, WUNTRACED) == p);
	tl_yes("stopped by SIGSTOP", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	kill(p, SIGCONT);
	tl_yes("WCONTINUED reports it", waitpid(p, &st, WCONTINUED) == p);
	tl_yes("continued", WIFCONTINUED(st));
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	tl_yes("then killed", WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	return tl_done();
}
