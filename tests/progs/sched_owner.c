/* Changing another process's scheduling takes the same owner (the
 * caller's effective uid is the target's real or effective uid) or
 * CAP_SYS_NICE, as Linux's check_same_owner() and set_one_prio(): a uid
 * 1000 process may not renice, reschedule or re-pin root's. The sandbox
 * let any process change any other's. Reading stays open to all. Run as
 * root natively. */
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "testlib.h"

struct sched_attr_ {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
};

static void as_user(const char *who, uid_t uid, pid_t tgt)
{
	pid_t p = fork();
	if (p == 0) {
		tl_failed = 0;
		if (setresuid(uid, uid, uid))
			_exit(1);
		printf("%s:\n", who);
		struct sched_param sp = {0};
		tl_err(" sched_setscheduler SCHED_BATCH",
		       sched_setscheduler(tgt, SCHED_BATCH, &sp), EPERM);
		tl_err(" sched_setparam", sched_setparam(tgt, &sp), EPERM);
		struct sched_attr_ a = {.size = sizeof(a),
					.policy = SCHED_OTHER, .nice = 5};
		tl_err(" sched_setattr nice 5",
		       syscall(SYS_sched_setattr, tgt, &a, 0), EPERM);
		tl_err(" setpriority 10", setpriority(PRIO_PROCESS, tgt, 10),
		       EPERM);
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		tl_err(" sched_setaffinity", sched_setaffinity(tgt, sizeof(set),
							      &set), EPERM);
		tl_val(" sched_getscheduler", sched_getscheduler(tgt),
		       SCHED_OTHER);
		errno = 0;
		tl_val(" getpriority", getpriority(PRIO_PROCESS, tgt), 0);
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
	int go[2];
	if (pipe(go))
		return 1;
	pid_t t = fork();
	if (t == 0) {
		char b;
		close(go[1]);
		read(go[0], &b, 1);
		_exit(0);
	}
	as_user("uid 1000 on a root process", 1000, t);
	/* Its own processes it may change (raising the nice value). */
	pid_t u = fork();
	if (u == 0) {
		if (setresuid(1000, 1000, 1000))
			_exit(1);
		pid_t c = fork();
		if (c == 0) {
			char b;
			close(go[1]);
			read(go[0], &b, 1);
			_exit(0);
		}
		tl_failed = 0;
		tl_err("uid 1000 renices its own child",
		       setpriority(PRIO_PROCESS, c, 10), 0);
		errno = 0;
		tl_val("its nice value", getpriority(PRIO_PROCESS, c), 10);
		tl_err("and lowers it again", setpriority(PRIO_PROCESS, c, 0),
		       EACCES);
		kill(c, SIGKILL);
		waitpid(c, NULL, 0);
		_exit(tl_done());
	}
	int st;
	waitpid(u, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		tl_fail("own child");
	close(go[1]);
	waitpid(t, NULL, 0);
	return tl_done();
}
