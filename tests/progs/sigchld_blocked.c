/* SIGCHLD of default disposition is ignored only when not blocked: a
 * parent that blocks it (to read it from a signalfd, as script(1) and
 * service managers do) finds it pending after a child exits, and a poll
 * of the signalfd wakes for it. SIG_IGN sends nothing at all (Linux's
 * do_notify_parent()). script(1) hung when the signal was dropped. */
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include "testlib.h"

static int sigchld_pending(void)
{
	sigset_t p;

	sigpending(&p);
	return sigismember(&p, SIGCHLD);
}

int main(void)
{
	sigset_t s;
	struct signalfd_siginfo si;
	struct pollfd pf;

	alarm(10); /* a hang ends the test as SIGALRM, exit 142 */
	sigemptyset(&s);
	sigaddset(&s, SIGCHLD);
	sigprocmask(SIG_BLOCK, &s, NULL);
	int fd = signalfd(-1, &s, SFD_CLOEXEC);
	tl_yes("signalfd", fd >= 0);

	/* The child exits before anyone looks. */
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	siginfo_t wi;
	waitid(P_PID, c, &wi, WEXITED | WNOWAIT);
	tl_yes("SIGCHLD pending while blocked", sigchld_pending());
	pf = (struct pollfd){fd, POLLIN, 0};
	tl_val("poll of the signalfd", poll(&pf, 1, 1000), 1);
	tl_val("read", read(fd, &si, sizeof(si)), sizeof(si));
	tl_yes("SIGCHLD read", si.ssi_signo == SIGCHLD);
	tl_yes("CLD_EXITED", si.ssi_code == CLD_EXITED);
	tl_val("status", si.ssi_status, 7);
	tl_yes("its pid", si.ssi_pid == (uint32_t)c);
	tl_yes("no longer pending", !sigchld_pending());
	waitpid(c, NULL, 0);

	/* The child exits while the parent sleeps in poll. */
	c = fork();
	if (c == 0) {
		usleep(100000);
		_exit(0);
	}
	tl_val("poll woken by the exit", poll(&pf, 1, 5000), 1);
	tl_val("read", read(fd, &si, sizeof(si)), sizeof(si));
	waitpid(c, NULL, 0);

	/* kill() of a blocked default-ignored signal: pending as well. */
	sigset_t u, p;
	sigemptyset(&u);
	sigaddset(&u, SIGURG);
	sigprocmask(SIG_BLOCK, &u, NULL);
	kill(getpid(), SIGURG);
	sigpending(&p);
	tl_yes("blocked SIGURG from kill pending", sigismember(&p, SIGURG));
	sigprocmask(SIG_UNBLOCK, &u, NULL);
	sigpending(&p);
	tl_yes("dropped when unblocked", !sigismember(&p, SIGURG));

	/* SIG_IGN: children are reaped by themselves and no SIGCHLD is
	 * queued, blocked or not. */
	signal(SIGCHLD, SIG_IGN);
	c = fork();
	if (c == 0)
		_exit(0);
	tl_err("wait with SIGCHLD ignored", waitpid(-1, NULL, 0), ECHILD);
	tl_yes("nothing pending", !sigchld_pending());
	return tl_done();
}
