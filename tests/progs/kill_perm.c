/* Who may signal whom (Linux's check_kill_permission()): a process whose
 * real or effective uid is the target's real or saved uid, or one with
 * CAP_KILL; SIGCONT also within the sender's session. The sandbox let
 * every process signal every other: a uid 1000 process could kill root's
 * through kill(2), tgkill(2), rt_sigqueueinfo(2), rt_tgsigqueueinfo(2),
 * pidfd_send_signal(2) and kill(-pgid). Run as root natively; signals a
 * check lets through are 0 or SIGCONT, so that nothing dies. */
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>

#include "testlib.h"

static int go[2];

/* A child in a session of its own (setsid: its own process group too)
 * or in ours, with uids r, e, s, waiting for the end. */
static pid_t target(bool own_session, uid_t r, uid_t e, uid_t s)
{
	int ready[2];
	if (pipe(ready))
		exit(1);
	pid_t p = fork();
	if (p == 0) {
		close(go[1]);
		if (own_session)
			setsid();
		if (setresuid(r, e, s))
			_exit(1);
		write(ready[1], "x", 1);
		char b;
		read(go[0], &b, 1);
		_exit(0);
	}
	char b;
	read(ready[0], &b, 1);
	close(ready[0]);
	close(ready[1]);
	return p;
}

static void check(const char *what, long r, int want)
{
	tl_err(what, r, want);
}

static void as(uid_t r, uid_t e, const char *who, pid_t root_own,
	       pid_t root_ours, pid_t user)
{
	pid_t p = fork();
	if (p == 0) {
		tl_failed = 0;
		if (setresuid(r, e, r))
			_exit(1);
		printf("%s:\n", who);
		int want = e == 0 ? 0 : EPERM;
		check(" kill 0 to root", kill(root_own, 0), want);
		check(" kill SIGCONT to root in another session",
		      kill(root_own, SIGCONT), want);
		check(" kill SIGCONT to root in this session",
		      kill(root_ours, SIGCONT), 0);
		check(" kill 0 to root in this session", kill(root_ours, 0),
		      want);
		check(" tgkill 0 to root",
		      syscall(SYS_tgkill, root_own, root_own, 0), want);
		check(" kill 0 to root's process group", kill(-root_own, 0),
		      want);
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		si.si_signo = SIGCONT;
		si.si_code = SI_QUEUE;
		check(" rt_sigqueueinfo SIGCONT to root",
		      syscall(SYS_rt_sigqueueinfo, root_own, SIGCONT, &si),
		      want);
		check(" rt_tgsigqueueinfo SIGCONT to root",
		      syscall(SYS_rt_tgsigqueueinfo, root_own, root_own,
			      SIGCONT, &si),
		      want);
		int pfd = (int)syscall(SYS_pidfd_open, root_own, 0);
		check(" pidfd_send_signal 0 to root",
		      syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0), want);
		check(" kill 0 to a uid 1000 process", kill(user, 0), 0);
		_exit(tl_done());
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		tl_fail(who);
}

int main(void)
{
	if (geteuid() != 0) {
		tl_say("not root");
		return 0;
	}
	if (pipe(go))
		return 1;
	pid_t root_own = target(true, 0, 0, 0);
	pid_t root_ours = target(false, 0, 0, 0);
	pid_t user = target(true, 1000, 1000, 1000);
	as(1000, 1000, "uid 1000", root_own, root_ours, user);
	as(1000, 0, "real uid 1000, effective 0", root_own, root_ours, user);
	close(go[1]);
	while (wait(NULL) > 0)
		;
	return tl_done();
}
