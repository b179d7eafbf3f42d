/* pidfd_getfd(2) takes a file of another process only as ptrace would
 * attach to it (PTRACE_MODE_ATTACH_REALCREDS): the caller's real uid and
 * gid must be every uid and gid of the target (real, effective, saved),
 * or the caller has CAP_SYS_PTRACE (effective uid 0 here). The sandbox
 * compared only the real uids, and let a caller whose real uid is 0 take
 * anything: a process running set-user-ID (real uid 1000, effective 0)
 * lost its files to any uid-1000 process, and one that had set only its
 * effective uid to 1000 still took root's. Run as root natively; each
 * target marks itself dumpable again after its uid change, so that only
 * the credentials decide. */
#include <sys/prctl.h>
#include <sys/wait.h>

#include "testlib.h"

/* A child with uids (r, e, s) and gids (rg, rg, rg) that waits for its
 * parent to go; the pipe it holds (fd 0 of it: the read end) is what is
 * taken. */
static pid_t target(uid_t r, uid_t e, uid_t s, gid_t g, int go[2],
		    int ready[2])
{
	pid_t p = fork();
	if (p == 0) {
		close(go[1]);
		close(ready[0]);
		if (setresgid(g, g, g) || setresuid(r, e, s))
			_exit(1);
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		write(ready[1], "x", 1);
		char b;
		read(go[0], &b, 1);
		_exit(0);
	}
	char b;
	read(ready[0], &b, 1);
	return p;
}

/* pidfd_getfd of the target's go pipe from a child with uids (r, e, s)
 * and gids g. */
static void taker(const char *what, pid_t tgt, int fd, uid_t r, uid_t e,
		  uid_t s, gid_t g, int want)
{
	pid_t p = fork();
	if (p == 0) {
		tl_failed = 0; /* the parent's, not this check's */
		if (setresgid(g, g, g) || setresuid(r, e, s))
			_exit(1);
		int pfd = (int)syscall(SYS_pidfd_open, tgt, 0);
		if (pfd < 0)
			_exit(2);
		long n = syscall(SYS_pidfd_getfd, pfd, fd, 0);
		tl_err(what, n < 0 ? -1 : 0, want);
		_exit(tl_done());
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		tl_fail(what);
}

int main(void)
{
	if (geteuid() != 0) {
		tl_say("not root");
		return 0;
	}
	int go[2], ready[2];
	if (pipe(go) || pipe(ready))
		return 1;
	pid_t t1 = target(1000, 0, 0, 1000, go, ready);
	pid_t t2 = target(1000, 1000, 1000, 1000, go, ready);
	pid_t t3 = target(1000, 1000, 1000, 1001, go, ready);
	pid_t t4 = target(0, 0, 0, 0, go, ready);
	taker("uid 1000 from a set-user-ID root process (1000/0/0)", t1,
	      go[0], 1000, 1000, 1000, 1000, EPERM);
	taker("uid 1000 from uid 1000", t2, go[0], 1000, 1000, 1000, 1000, 0);
	taker("uid 1000 from uid 1000 of another gid", t3, go[0], 1000, 1000,
	      1000, 1000, EPERM);
	taker("real uid 0, effective 1000, from uid 1000", t2, go[0], 0, 1000,
	      0, 0, EPERM);
	taker("real uid 1000, effective 0, from root", t4, go[0], 1000, 0, 0,
	      0, 0);
	taker("root from a set-user-ID root process", t1, go[0], 0, 0, 0, 0,
	      0);
	close(go[1]);
	while (wait(NULL) > 0)
		;
	return tl_done();
}
