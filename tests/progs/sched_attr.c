/* Scheduling attributes: inherited by a forked child and a new thread
 * (nice, policy, affinity: sched(7)); sched_getattr/sched_setattr with
 * Linux's size rules (chrt(1) uses them); ioprio_set/ioprio_get (ionice). */
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "testlib.h"

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static void show(const char *who)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	sched_getaffinity(0, sizeof(set), &set);
	tl_say("%s: nice %d policy %d cpus %d", who,
	       getpriority(PRIO_PROCESS, 0), sched_getscheduler(0),
	       CPU_COUNT(&set));
}

static void *thread(void *arg)
{
	show(arg);
	return NULL;
}

int main(void)
{
	struct sched_param sp = {0};
	cpu_set_t one;
	struct attr at;
	uint8_t big[200];

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	tl_err("setpriority", setpriority(PRIO_PROCESS, 0, 4), 0);
	tl_err("sched_setscheduler BATCH",
	       sched_setscheduler(0, SCHED_BATCH, &sp), 0);
	tl_err("sched_setaffinity", sched_setaffinity(0, sizeof(one), &one),
	       0);
	show("parent");
	pid_t c = fork();
	if (c == 0) {
		show("child");
		_exit(0);
	}
	waitpid(c, NULL, 0);
	pthread_t th;
	pthread_create(&th, NULL, thread, "thread");
	pthread_join(th, NULL);

	memset(&at, 0xaa, sizeof(at));
	tl_err("sched_getattr", syscall(SYS_sched_getattr, 0, &at,
					sizeof(at), 0), 0);
	tl_say("size %u policy %u flags %llu nice %d prio %u util %u %u",
	       at.size, at.policy, (unsigned long long)at.flags, at.nice,
	       at.prio, at.util_min, at.util_max);
	memset(big, 0xaa, sizeof(big));
	tl_err("sched_getattr, larger buffer",
	       syscall(SYS_sched_getattr, 0, big, sizeof(big), 0), 0);
	tl_say("size field %u, tail cleared %s", *(uint32_t *)big,
	       big[sizeof(big) - 1] == 0 ? "yes" : "no");
	tl_err("sched_getattr, size 40", syscall(SYS_sched_getattr, 0, &at,
						  40, 0), EINVAL);
	tl_err("sched_getattr, flags", syscall(SYS_sched_getattr, 0, &at,
						sizeof(at), 1), EINVAL);
	tl_err("sched_getattr, bad pointer",
	       syscall(SYS_sched_getattr, 0, TL_BAD1, sizeof(at), 0), EFAULT);

	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.policy = SCHED_IDLE;
	at.nice = 100; /* clamped to 19 */
	tl_err("sched_setattr IDLE", syscall(SYS_sched_setattr, 0, &at, 0),
	       0);
	show("after setattr IDLE (nice kept)");
	at.policy = SCHED_BATCH;
	tl_err("sched_setattr BATCH", syscall(SYS_sched_setattr, 0, &at, 0),
	       0);
	show("after setattr BATCH (nice clamped)");
	at.policy = SCHED_OTHER;
	at.prio = 5;
	tl_err("sched_setattr OTHER prio 5",
	       syscall(SYS_sched_setattr, 0, &at, 0), EINVAL);
	at.size = 20;
	tl_err("sched_setattr size 20", syscall(SYS_sched_setattr, 0, &at, 0),
	       E2BIG);
	tl_say("size written back %u", at.size);
	memset(big, 0, sizeof(big));
	*(uint32_t *)big = sizeof(big);
	big[150] = 1;
	tl_err("sched_setattr, non-zero tail",
	       syscall(SYS_sched_setattr, 0, big, 0), E2BIG);
	at.size = 0;
	at.prio = 0;
	at.flags = 1ULL << 40;
	tl_err("sched_setattr, unknown flag",
	       syscall(SYS_sched_setattr, 0, &at, 0), EINVAL);

	/* ioprio: class << 13 | level, checked, inherited. */
	tl_val("ioprio_get, none set", syscall(SYS_ioprio_get, 1, 0), 0);
	tl_err("ioprio_set BE 7", syscall(SYS_ioprio_set, 1, 0, 2 << 13 | 7),
	       0);
	tl_val("ioprio_get", syscall(SYS_ioprio_get, 1, 0), 2 << 13 | 7);
	c = fork();
	if (c == 0)
		_exit(syscall(SYS_ioprio_get, 1, 0) == (2 << 13 | 7) ? 0 : 1);
	int st;
	waitpid(c, &st, 0);
	tl_yes("inherited by a child", WIFEXITED(st) && !WEXITSTATUS(st));
	tl_err("ioprio_set NONE with a level",
	       syscall(SYS_ioprio_set, 1, 0, 1), EINVAL);
	tl_err("ioprio_set class 7", syscall(SYS_ioprio_set, 1, 0, 7 << 13),
	       EINVAL);
	tl_err("ioprio_set which 9", syscall(SYS_ioprio_set, 9, 0, 0), EINVAL);
	tl_err("ioprio_get no such pid",
	       syscall(SYS_ioprio_get, 1, 999999), ESRCH);
	tl_err("ioprio_set IDLE", syscall(SYS_ioprio_set, 1, 0, 3 << 13), 0);
	tl_val("ioprio_get", syscall(SYS_ioprio_get, 1, 0), 3 << 13);
	return tl_done();
}
