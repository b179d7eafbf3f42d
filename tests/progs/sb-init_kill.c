/* The sandbox's init is the init of a pid namespace (Linux's
 * SIGNAL_UNKILLABLE): another process of the sandbox cannot kill or stop
 * it with a signal it has no handler for, SIGKILL and SIGSTOP included;
 * a handled signal arrives, and a blocked one stays pending (its handler
 * may change). A child's kill(1, SIGKILL) ended the sandbox (found by
 * tests/progs/sb-fuzz). Sandbox-only: natively this program is no init. */
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "testlib.h"

static volatile sig_atomic_t got;

static void on_usr2(int sig)
{
	got = sig;
}

static void from_child(int sig)
{
	pid_t p = fork();
	if (p == 0)
		_exit(kill(1, sig) == 0 ? 0 : 1);
	int st;
	waitpid(p, &st, 0);
	usleep(20 * 1000);
	printf("kill(1, %s) from a child: sent %s, init alive\n",
	       sigabbrev_np(sig), WIFEXITED(st) && !WEXITSTATUS(st) ? "yes" : "no");
}

int main(void)
{
	sigset_t set;

	if (getpid() != 1) {
		printf("not the sandbox's init\n");
		return 77;
	}
	from_child(SIGKILL);
	from_child(SIGSTOP);
	from_child(SIGTERM);
	from_child(SIGINT);
	from_child(SIGSEGV);
	signal(SIGUSR2, on_usr2);
	from_child(SIGUSR2);
	printf("handled SIGUSR2 delivered %s\n", got == SIGUSR2 ? "yes" : "no");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	from_child(SIGUSR1);
	sigpending(&set);
	printf("blocked SIGUSR1 pending %s\n",
	       sigismember(&set, SIGUSR1) ? "yes" : "no");
	/* copy_process(): init makes no siblings (CLONE_PARENT: EINVAL);
	 * its child may. */
	long r = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	printf("clone(CLONE_PARENT) from init: %s\n",
	       r < 0 ? tl_errname(errno) : "made a sibling");
	pid_t p = fork();
	if (p == 0) {
		long c = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (c == 0)
			_exit(0);
		_exit(c > 0 ? 0 : 1);
	}
	int st;
	waitpid(p, &st, 0);
	printf("clone(CLONE_PARENT) from a child: %s\n",
	       WIFEXITED(st) && !WEXITSTATUS(st) ? "ok" : "failed");
	while (wait(NULL) > 0)
		;
	return 0;
}
