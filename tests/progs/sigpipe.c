/* A write to a pipe with no reader fails with EPIPE and raises SIGPIPE
 * (pipe(7)); with SIGPIPE ignored only EPIPE remains; default action kills
 * with status 128+13 seen by the parent. */
#include "testlib.h"

#include <signal.h>
#include <sys/wait.h>

static volatile sig_atomic_t got;
static void on_pipe(int sig) { got = sig; }

int main(void)
{
	int p[2];
	if (pipe(p) < 0)
		tl_fail("pipe");
	close(p[0]);
	signal(SIGPIPE, on_pipe);
	tl_err("write, handler", write(p[1], "x", 1), EPIPE);
	tl_yes("SIGPIPE delivered", got == SIGPIPE);
	signal(SIGPIPE, SIG_IGN);
	got = 0;
	tl_err("write, ignored", write(p[1], "x", 1), EPIPE);
	tl_yes("no signal", got == 0);
	close(p[1]);

	if (pipe(p) < 0)
		tl_fail("pipe");
	close(p[0]); /* no reader anywhere, before the child exists */
	pid_t c = fork();
	if (c == 0) {
		signal(SIGPIPE, SIG_DFL);
		(void)write(p[1], "x", 1);
		_exit(0);
	}
	close(p[1]);
	int st = 0;
	waitpid(c, &st, 0);
	tl_yes("child killed by SIGPIPE", WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE);
	return tl_done();
}
