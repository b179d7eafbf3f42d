/* Scheduling: sched_setscheduler(2), sched_setaffinity(2), setpriority(2)
 * and friends.
 *
 * The sentry does not schedule: tasks are host threads the host schedules
 * (pinned with their stub, see the platforms). What the app sets is checked
 * as Linux checks it, recorded, and reported back, so programs that tune
 * their scheduling behave as they do natively. */
#include <sched.h>
#include <string.h>
#include <sys/resource.h>

#include "sentry/kernel/kernel.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

/* The task a pid names for the sched_* calls: 0 is the caller. A reference
 * is taken for another task (task_put). */
static struct task *sched_target(struct task *t, int pid, long *err)
{
	if (pid < 0) {
		*err = -EINVAL;
		return NULL;
	}
	if (pid == 0 || pid == t->tid) {
		atomic_fetch_add(&t->refs, 1);
		return t;
	}
	struct task *o = task_find(pid);
	if (!o)
		*err = -ESRCH;
	return o;
}

/* Linux's check_same_owner(), or CAP_SYS_NICE (effective uid 0): what
 * changing another task's scheduling (policy, nice value, affinity)
 * takes. */
static bool sched_may_change(const struct task *t, const struct task *o)
{
	return t->cred.euid == 0 || t->cred.euid == o->cred.euid ||
	       t->cred.euid == o->cred.uid;
}

static int prio_max(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 99 : 0;
}

static int prio_min(int policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR ? 1 : 0;
}

static bool policy_valid(int policy)
{
	switch (policy) {
	case SCHED_OTHER: case SCHED_FIFO: case SCHED_RR: case SCHED_BATCH:
	case SCHED_IDLE:
		return true;
	}
	return false;
}

long sys_sched_get_priority_max(struct task *t, const uint64_t a[6])
{
	(void)t;
	return policy_valid((int)a[0]) ? prio_max((int)a[0]) : -EINVAL;
}

long sys_sched_get_priority_min(struct task *t, const uint64_t a[6])
{
	(void)t;
	return policy_valid((int)a[0]) ? prio_min((int)a[0]) : -EINVAL;
}

static long set_sched(struct task *t, int pid, int policy, uint64_t uparam)
{
	long err = 0;
	int prio;
	if (!uparam)
		return -EINVAL;
	if (mm_copy_in(t->mm, &prio, uparam, sizeof(prio)) < 0)
		return -EFAULT;
	struct task *o = sched_target(t, pid, &err);
	if (!o)
		return err;
	/* sched_setparam keeps the policy (-1 here). */
	int pol = policy == -1 ? o->sched_policy : (policy & ~SCHED_RESET_ON_FORK);
	if (!policy_valid(pol) || prio < prio_min(pol) || prio > prio_max(pol))
		err = -EINVAL;
	else if ((pol == SCHED_FIFO || pol == SCHED_RR) && t->cred.euid != 0)
		err = -EPERM; /* needs CAP_SYS_NICE */
	else if (!sched_may_change(t, o))
		err = -EPERM;
	else {
		o->sched_policy = pol;
		o->sched_prio = prio;
	}
	task_put(o);
	return err;
}

long sys_sched_setscheduler(struct task *t, const uint64_t a[6])
{
	if ((int)a[1] < 0)
		return -EINVAL;
	return set_sched(t, (int)a[0], (int)a[1], a[2]);
}

long sys_sched_setparam(struct task *t, const uint64_t a[6])
{
	return set_sched(t, (int)a[0], -1, a[1]);
}

long sys_sched_getscheduler(struct task *t, const uint64_t a[6])
{
	long err = 0;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err;
	long r = o->sched_policy;
	task_put(o);
	return r;
}

long sys_sched_getparam(struct task *t, const uint64_t a[6])
{
	long err = 0;
	if (!a[1])
		return -EINVAL;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err;
	int prio = o->sched_prio;
	task_put(o);
	return mm_copy_out(t->mm, a[1], &prio, sizeof(prio));
}

long sys_sched_rr_get_interval(struct task *t, const uint64_t a[6])
{
	long err = 0;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err;
	/* Linux's default round-robin quantum is 100 ms; other policies
	 * report 0. */
	struct timespec ts = {0, o->sched_policy == SCHED_RR ? 100000000L : 0};
	task_put(o);
	return mm_copy_out(t->mm, a[1], &ts, sizeof(ts));
}

static uint64_t online_mask(void)
{
	/* Not get_nprocs(): this thread may be pinned to one CPU. */
	int n = rv_host_cpus();
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

long sys_sched_getaffinity(struct task *t, const uint64_t a[6])
{
	long err = 0;
	size_t len = a[1];
	if (len < sizeof(uint64_t) || (len % sizeof(uint64_t)))
		return -EINVAL;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err == -EINVAL ? -ESRCH : err;
	uint64_t mask = o->affinity ? o->affinity : online_mask();
	task_put(o);
	uint8_t buf[128];
	size_t out = RV_MIN(len, sizeof(buf));
	memset(buf, 0, out);
	memcpy(buf, &mask, sizeof(mask));
	if (mm_copy_out(t->mm, a[2], buf, out) < 0)
		return -EFAULT;
	return (long)out;
}

long sys_sched_setaffinity(struct task *t, const uint64_t a[6])
{
	long err = 0;
	uint64_t mask = 0;
	size_t len = RV_MIN(a[1], sizeof(mask));
	if (len && mm_copy_in(t->mm, &mask, a[2], len) < 0)
		return -EFAULT;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err == -EINVAL ? -ESRCH : err;
	/* At least one online CPU must remain (sched_setaffinity(2)). */
	mask &= online_mask();
	if (!sched_may_change(t, o))
		err = -EPERM;
	else if (!mask)
		err = -EINVAL;
	else
		o->affinity = mask == online_mask() ? 0 : mask;
	task_put(o);
	return err;
}

long sys_sched_yield(struct task *t, const uint64_t a[6])
{
	(void)t;
	(void)a;
	sched_yield();
	return 0;
}

/* getpriority/setpriority: nice values of processes (PRIO_PROCESS); a
 * process group or user applies to the caller only for now. */
long sys_getpriority(struct task *t, const uint64_t a[6])
{
	int which = (int)a[0], who = (int)a[1];
	if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
		return -EINVAL;
	if (which != PRIO_PROCESS || who == 0)
		return 20 - t->nice;
	long err = 0;
	struct task *o = sched_target(t, who, &err);
	if (!o)
		return err == -EINVAL ? -ESRCH : err;
	long r = 20 - o->nice; /* the raw syscall returns 20 - nice */
	task_put(o);
	return r;
}

long sys_setpriority(struct task *t, const uint64_t a[6])
{
	int which = (int)a[0], who = (int)a[1], nice = (int)a[2];
	if (which != PRIO_PROCESS && which != PRIO_PGRP && which != PRIO_USER)
		return -EINVAL;
	nice = RV_MAX(-20, RV_MIN(19, nice));
	long err = 0;
	struct task *o = sched_target(t, which == PRIO_PROCESS ? who : 0, &err);
	if (!o)
		return err == -EINVAL ? -ESRCH : err;
	/* Another user's process needs CAP_SYS_NICE (set_one_prio()), so
	 * does lowering the nice value. */
	if (!sched_may_change(t, o))
		err = -EPERM;
	else if (nice < o->nice && t->cred.euid != 0)
		err = -EACCES;
	else
		o->nice = nice;
	task_put(o);
	return err;
}

/* sched_getattr(2)/sched_setattr(2): struct sched_attr, version 1 (with
 * the utilisation clamps, reported as 0: no uclamp). The deadline fields
 * are 0 for every policy here (no SCHED_DEADLINE). */
struct sched_attr_v1 {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};
#define SCHED_ATTR_SIZE_VER0 48
#define SCHED_FLAG_ALL_KNOWN 0x7fULL /* RESET_ON_FORK .. UTIL_CLAMP_MAX */
#define SCHED_FLAG_KEEP_POLICY_ 0x08ULL
#define SCHED_FLAG_KEEP_PARAMS_ 0x10ULL

static bool policy_fair(int policy)
{
	return policy == SCHED_OTHER || policy == SCHED_BATCH ||
	       policy == SCHED_IDLE;
}

long sys_sched_getattr(struct task *t, const uint64_t a[6])
{
	uint64_t uattr = a[1];
	uint32_t usize = (uint32_t)a[2];
	long err = 0;

	if (!uattr || (int)a[0] < 0 || a[2] > RV_PAGE_SIZE ||
	    usize < SCHED_ATTR_SIZE_VER0 || (uint32_t)a[3])
		return -EINVAL;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err;
	struct sched_attr_v1 k = {.sched_policy = (uint32_t)o->sched_policy};
	if (policy_fair(o->sched_policy))
		k.sched_nice = o->nice;
	else
		k.sched_priority = (uint32_t)o->sched_prio;
	task_put(o);
	/* Linux copies min(usize, its size), says so in .size, and clears
	 * the rest of a larger buffer (copy_struct_to_user). */
	k.size = (uint32_t)RV_MIN(usize, sizeof(k));
	uint8_t buf[RV_PAGE_SIZE];
	memset(buf, 0, usize);
	memcpy(buf, &k, k.size);
	return mm_copy_out(t->mm, uattr, buf, usize) < 0 ? -EFAULT : 0;
}

long sys_sched_setattr(struct task *t, const uint64_t a[6])
{
	uint64_t uattr = a[1];
	uint32_t size;
	long err = 0;

	if (!uattr || (int)a[0] < 0 || (uint32_t)a[2])
		return -EINVAL;
	if (mm_copy_in(t->mm, &size, uattr, sizeof(size)) < 0)
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	struct sched_attr_v1 k;
	if (size < SCHED_ATTR_SIZE_VER0 || size > RV_PAGE_SIZE)
		goto e2big;
	/* A newer caller's larger struct: its tail must be zero. */
	memset(&k, 0, sizeof(k));
	uint8_t buf[RV_PAGE_SIZE];
	if (mm_copy_in(t->mm, buf, uattr, size) < 0)
		return -EFAULT;
	for (uint32_t i = sizeof(k); i < size; i++)
		if (buf[i])
			goto e2big;
	memcpy(&k, buf, RV_MIN(size, sizeof(k)));
	if (k.sched_flags & ~SCHED_FLAG_ALL_KNOWN)
		return -EINVAL;
	struct task *o = sched_target(t, (int)a[0], &err);
	if (!o)
		return err;
	int pol = (k.sched_flags & SCHED_FLAG_KEEP_POLICY_) ? o->sched_policy :
		  (int)k.sched_policy;
	int prio = (int)k.sched_priority;
	/* Linux clamps the nice value rather than fail. */
	int nice = RV_MAX(-20, RV_MIN(19, k.sched_nice));
	/* Linux's fair_policy(): SCHED_IDLE keeps its nice value. */
	bool sets_nice = pol == SCHED_OTHER || pol == SCHED_BATCH;
	if (k.sched_flags & SCHED_FLAG_KEEP_PARAMS_) {
		prio = o->sched_prio;
		nice = o->nice;
	}
	if (!policy_valid(pol) || (int)k.sched_priority < 0 ||
	    prio < prio_min(pol) || prio > prio_max(pol))
		err = -EINVAL;
	else if (t->cred.euid != 0 &&
		 ((pol == SCHED_FIFO || pol == SCHED_RR) ||
		  (sets_nice && nice < o->nice)))
		err = -EPERM; /* needs CAP_SYS_NICE */
	else if (!sched_may_change(t, o))
		err = -EPERM;
	else {
		o->sched_policy = pol;
		o->sched_prio = prio;
		if (sets_nice)
			o->nice = nice;
	}
	task_put(o);
	return err;
e2big:
	size = sizeof(k);
	if (mm_copy_out(t->mm, uattr, &size, sizeof(size)) < 0)
		return -EFAULT;
	return -E2BIG;
}

/* ioprio_set(2)/ioprio_get(2): the I/O class and level are checked as
 * Linux's ioprio_check_cap() does, recorded and inherited, and reported
 * back; the host does the I/O at the sentry's own priority. A process
 * group or user names the caller only, as for setpriority here. */
#define IOPRIO_WHO_PROCESS_ 1
#define IOPRIO_WHO_PGRP_ 2
#define IOPRIO_WHO_USER_ 3
#define IOPRIO_CLASS_NONE_ 0
#define IOPRIO_CLASS_RT_ 1
#define IOPRIO_CLASS_BE_ 2
#define IOPRIO_CLASS_IDLE_ 3

static long ioprio_check(struct task *t, int ioprio)
{
	int class = (ioprio >> 13) & 7, data = ioprio & 0x1fff;
	int level = data & 7, hint = data >> 3;

	/* The hints Linux knows are 0..6 (IOPRIO_HINT_DEV_DURATION_LIMIT_*). */
	if (hint > 6)
		return -EINVAL;
	switch (class) {
	case IOPRIO_CLASS_RT_:
		if (t->cred.euid != 0)
			return -EPERM; /* CAP_SYS_NICE or CAP_SYS_ADMIN */
		return 0;
	case IOPRIO_CLASS_BE_:
		return 0;
	case IOPRIO_CLASS_IDLE_:
		return 0;
	case IOPRIO_CLASS_NONE_:
		return level ? -EINVAL : 0;
	}
	return -EINVAL;
}

static struct task *ioprio_target(struct task *t, int which, int who,
				  long *err)
{
	if (which != IOPRIO_WHO_PROCESS_ && which != IOPRIO_WHO_PGRP_ &&
	    which != IOPRIO_WHO_USER_) {
		*err = -EINVAL;
		return NULL;
	}
	struct task *o = sched_target(t, which == IOPRIO_WHO_PROCESS_ ? who : 0,
				      err);
	if (!o && *err == -EINVAL)
		*err = -ESRCH;
	return o;
}

long sys_ioprio_set(struct task *t, const uint64_t a[6])
{
	long err = 0;
	int ioprio = (int)a[2];

	if (a[2] > 0xffff)
		return -EINVAL;
	err = ioprio_check(t, ioprio);
	if (err)
		return err;
	struct task *o = ioprio_target(t, (int)a[0], (int)a[1], &err);
	if (!o)
		return err;
	/* Another user's task needs CAP_SYS_NICE (set_task_ioprio()). */
	if (t->cred.euid != 0 && t->cred.euid != o->cred.uid &&
	    t->cred.uid != o->cred.uid)
		err = -EPERM;
	else
		o->ioprio = ioprio;
	task_put(o);
	return err;
}

long sys_ioprio_get(struct task *t, const uint64_t a[6])
{
	long err = 0;
	struct task *o = ioprio_target(t, (int)a[0], (int)a[1], &err);
	if (!o)
		return err;
	long r = o->ioprio;
	task_put(o);
	return r;
}
