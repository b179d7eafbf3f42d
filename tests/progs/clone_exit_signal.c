/* The exit signal clone(2) asks for reaches only the child's own parent:
 * - an orphan's exit signal becomes SIGCHLD when it is reparented (Linux's
 *   reparent_leader(): "we don't want people slaying init"); a grandchild
 *   made with exit signal SIGKILL or 32 that outlived its parent killed
 *   the sandbox's init, and the whole sandbox with it (found by sb-fuzz);
 * - a CLONE_PARENT child signals the (shared) parent with the caller's
 *   exit signal, not the one in the flags (copy_process()).
 * Either way the child is then an ordinary one: plain waitpid (no
 * __WCLONE) reaps it. We are the subreaper natively, init sandboxed. */
#include <signal.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "testlib.h"

static volatile sig_atomic_t got_usr1, got_usr2;

static void on_sig(int sig)
{
	if (sig == SIGUSR1)
		got_usr1++;
	else
		got_usr2++;
}

/* A fork-like raw clone: 0 in the child. */
static long raw_clone(unsigned long flags)
{
	return syscall(SYS_clone, flags, 0, NULL, NULL, 0);
}

static void reap(const char *what, pid_t g)
{
	int st;
	pid_t r;

	/* The grandchild sleeps 200 ms, then exits 7: a zombie by now. */
	usleep(400 * 1000);
	printf("%s: SIGUSR1 %d, SIGUSR2 %d received\n", what, (int)got_usr1,
	       (int)got_usr2);
	r = waitpid(g, &st, 0);
	printf("%s: plain waitpid %s, exit %d\n", what,
	       r == g ? "reaps it" : tl_errname(errno),
	       r == g && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
	int pp[2];
	pid_t a, g = 0;
	int st;

	alarm(20);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	signal(SIGUSR1, on_sig);
	signal(SIGUSR2, on_sig);

	/* 1: the orphan made with exit signal SIGUSR1. */
	if (pipe(pp) != 0)
		return 1;
	a = fork();
	if (a == 0) {
		long c = raw_clone(SIGUSR1);
		if (c == 0) {
			usleep(200 * 1000);
			_exit(7);
		}
		if (write(pp[1], &c, sizeof(pid_t)) != sizeof(pid_t))
			_exit(2);
		_exit(0);
	}
	if (read(pp[0], &g, sizeof g) != sizeof g)
		return 1;
	waitpid(a, &st, 0);
	reap("orphan", g);

	/* 2: the CLONE_PARENT child asking for SIGUSR2. */
	a = fork();
	if (a == 0) {
		long c = raw_clone(CLONE_PARENT | SIGUSR2);
		if (c == 0) {
			usleep(200 * 1000);
			_exit(7);
		}
		if (write(pp[1], &c, sizeof(pid_t)) != sizeof(pid_t))
			_exit(2);
		_exit(0);
	}
	if (read(pp[0], &g, sizeof g) != sizeof g)
		return 1;
	waitpid(a, &st, 0);
	reap("clone_parent", g);
	return 0;
}
