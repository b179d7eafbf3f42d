/* rt_sigaction set/get round trips and rt_sigprocmask, without delivering
 * anything (delivery is tested with the signals work). */
#include <signal.h>
#include "testlib.h"

static void handler(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = { 0 }, old;
	sigset_t set, got;

	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	tl_err("set SIGUSR1", sigaction(SIGUSR1, &sa, &old), 0);
	tl_yes("old was SIG_DFL", old.sa_handler == SIG_DFL);
	tl_err("get SIGUSR1", sigaction(SIGUSR1, NULL, &old), 0);
	tl_yes("handler round trip", old.sa_handler == handler);
	tl_yes("flags round trip", (old.sa_flags & (SA_RESTART | SA_NODEFER)) ==
	       (SA_RESTART | SA_NODEFER));
	tl_yes("mask round trip", sigismember(&old.sa_mask, SIGUSR2) &&
	       !sigismember(&old.sa_mask, SIGINT));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	tl_err("ignore SIGPIPE", sigaction(SIGPIPE, &sa, NULL), 0);
	sigaction(SIGPIPE, NULL, &old);
	tl_yes("SIG_IGN kept", old.sa_handler == SIG_IGN);
	tl_err("SIGKILL", sigaction(SIGKILL, &sa, NULL), EINVAL);
	tl_err("SIGSTOP", sigaction(SIGSTOP, &sa, NULL), EINVAL);
	tl_err("get SIGKILL ok", sigaction(SIGKILL, NULL, &old), 0);
	tl_err("signal 0", syscall(SYS_rt_sigaction, 0, NULL, &old, 8), EINVAL);
	tl_err("signal 65", syscall(SYS_rt_sigaction, 65, NULL, &old, 8),
	       EINVAL);
	tl_err("sigsetsize 4", syscall(SYS_rt_sigaction, SIGUSR1, NULL, &old,
				       4), EINVAL);
	tl_err("bad act ptr", syscall(SYS_rt_sigaction, SIGUSR1, TL_BAD1,
				      NULL, 8), EFAULT);
	tl_err("RT signal 40", sigaction(40, &sa, NULL), 0);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGKILL);
	sigaddset(&set, SIGSTOP);
	tl_err("block", sigprocmask(SIG_BLOCK, &set, NULL), 0);
	sigprocmask(SIG_BLOCK, NULL, &got);
	tl_yes("SIGUSR1 blocked", sigismember(&got, SIGUSR1));
	tl_yes("SIGKILL silently not blocked", !sigismember(&got, SIGKILL) &&
	       !sigismember(&got, SIGSTOP));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	tl_err("SIG_SETMASK", sigprocmask(SIG_SETMASK, &set, &got), 0);
	tl_yes("old mask returned", sigismember(&got, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, NULL, &got);
	tl_yes("now only SIGUSR2", sigismember(&got, SIGUSR2) &&
	       !sigismember(&got, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, &got);
	sigprocmask(SIG_BLOCK, NULL, &got);
	tl_yes("unblocked", !sigismember(&got, SIGUSR2));
	tl_err("bad how", syscall(SYS_rt_sigprocmask, 7, &set, NULL, 8),
	       EINVAL);
	tl_err("bad size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL,
				   16), EINVAL);
	tl_err("bad set ptr", syscall(SYS_rt_sigprocmask, SIG_BLOCK, TL_BAD1,
				      NULL, 8), EFAULT);
	return tl_done();
}
