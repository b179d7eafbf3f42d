/* Identity and system information: getpid(2), uname(2), sysinfo(2),
 * getrandom(2), prlimit(2) and friends. */
#include <sched.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <linux/prctl.h>
#include <sys/prctl.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

long sys_getpid(struct task *t, const uint64_t a[6]) { (void)a; return t->tg->tgid; }
long sys_gettid(struct task *t, const uint64_t a[6]) { (void)a; return t->tid; }
long sys_getppid(struct task *t, const uint64_t a[6]) { (void)a; return task_ppid(t); }
long sys_getuid(struct task *t, const uint64_t a[6]) { (void)a; return t->cred.uid; }
long sys_geteuid(struct task *t, const uint64_t a[6]) { (void)a; return t->cred.euid; }
long sys_getgid(struct task *t, const uint64_t a[6]) { (void)a; return t->cred.gid; }
long sys_getegid(struct task *t, const uint64_t a[6]) { (void)a; return t->cred.egid; }
long sys_getpgrp(struct task *t, const uint64_t a[6]) { (void)a; return t->tg->pgid; }

static long put_ids(struct task *t, const uint64_t a[6], uint32_t x,
		    uint32_t y, uint32_t z)
{
	if (mm_copy_out(t->mm, a[0], &x, 4) < 0 ||
	    mm_copy_out(t->mm, a[1], &y, 4) < 0 ||
	    mm_copy_out(t->mm, a[2], &z, 4) < 0)
		return -EFAULT;
	return 0;
}

long sys_getresuid(struct task *t, const uint64_t a[6])
{
	return put_ids(t, a, t->cred.uid, t->cred.euid, t->cred.suid);
}

long sys_getresgid(struct task *t, const uint64_t a[6])
{
	return put_ids(t, a, t->cred.gid, t->cred.egid, t->cred.sgid);
}

long sys_getgroups(struct task *t, const uint64_t a[6])
{
	int size = (int)a[0];
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return t->cred.ngroups;
	if (size < t->cred.ngroups)
		return -EINVAL;
	/* As many as setgroups keeps (64): a 32-entry array here was
	 * overrun by up to 128 bytes of the sentry's stack. */
	uint32_t g[RV_ARRAY_SIZE(t->cred.groups)];
	for (int i = 0; i < t->cred.ngroups; i++)
		g[i] = t->cred.groups[i];
	if (mm_copy_out(t->mm, a[1], g, (size_t)t->cred.ngroups * 4) < 0)
		return -EFAULT;
	return t->cred.ngroups;
}

static struct thread_group *tg_of(struct task *t, int pid, struct task **ref)
{
	*ref = NULL;
	if (pid == 0 || pid == t->tg->tgid)
		return t->tg;
	if (pid < 0)
		return NULL;
	struct task *o = task_find(pid);
	if (!o)
		return NULL;
	*ref = o;
	return o->tg;
}

long sys_getpgid(struct task *t, const uint64_t a[6])
{
	struct task *ref;
	struct thread_group *tg = tg_of(t, (int)a[0], &ref);
	if (!tg)
		return -ESRCH;
	int r = tg->pgid;
	if (ref)
		task_put(ref);
	return r;
}

long sys_getsid(struct task *t, const uint64_t a[6])
{
	struct task *ref;
	struct thread_group *tg = tg_of(t, (int)a[0], &ref);
	if (!tg)
		return -ESRCH;
	int r = tg->sid;
	if (ref)
		task_put(ref);
	return r;
}

/* The sandbox presents the host's kernel name and release (programs check
 * the version for features), with its own host name. */
long sys_uname(struct task *t, const uint64_t a[6])
{
	struct utsname u;
	kernel_uname(&u);
	return mm_copy_out(t->mm, a[0], &u, sizeof(u));
}

/* sethostname(2)/setdomainname(2) change the sandbox's own UTS names (the
 * host's are untouched): EINVAL beyond 64 bytes, EPERM without privilege
 * (CAP_SYS_ADMIN: root of the sandbox), EFAULT for a bad name. */
static long set_uts(struct task *t, int which, uint64_t uname_ptr,
		    uint64_t len)
{
	char buf[64];
	if ((int64_t)len < 0 || len > sizeof(buf))
		return -EINVAL;
	if (t->cred.euid != 0)
		return -EPERM;
	if (mm_copy_in(t->mm, buf, uname_ptr, len) < 0)
		return -EFAULT;
	kernel_set_uts_name(which, buf, len);
	return 0;
}

long sys_sethostname(struct task *t, const uint64_t a[6])
{
	return set_uts(t, 0, a[0], a[1]);
}

long sys_setdomainname(struct task *t, const uint64_t a[6])
{
	return set_uts(t, 1, a[0], a[1]);
}

long sys_sysinfo(struct task *t, const uint64_t a[6])
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return -errno;
	si.procs = 1;
	/* The sandbox's memory is its memory file's limit, not the host's
	 * RAM: programs that size caches or worker pools by totalram must
	 * see what they may really use before SIGKILL. */
	uint64_t unit = si.mem_unit ? si.mem_unit : 1;
	uint64_t limit = memfile_limit() / unit;
	uint64_t used = memfile_used_bytes() / unit;
	if (limit < si.totalram) {
		si.totalram = limit;
		uint64_t left = limit > used ? limit - used : 0;
		si.freeram = RV_MIN((uint64_t)si.freeram, left);
		si.bufferram = RV_MIN((uint64_t)si.bufferram, left);
		si.sharedram = RV_MIN((uint64_t)si.sharedram, limit);
	}
	return mm_copy_out(t->mm, a[0], &si, sizeof(si));
}

long sys_getrandom(struct task *t, const uint64_t a[6])
{
	unsigned int flags = (unsigned int)a[2];
	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	size_t len = RV_MIN(a[1], (uint64_t)0x1ffffff);
	size_t done = 0;
	uint8_t buf[4096];
	while (done < len) {
		size_t n = RV_MIN(len - done, sizeof(buf));
		ssize_t r = getrandom(buf, n, GRND_NONBLOCK);
		if (r < 0)
			return done ? (long)done : -errno;
		if (mm_copy_out(t->mm, a[0] + done, buf, (size_t)r) < 0)
			return done ? (long)done : -EFAULT;
		done += (size_t)r;
	}
	return (long)done;
}

struct rv_rlimit64 {
	uint64_t cur, max;
};

long sys_prlimit64(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	unsigned int res = (unsigned int)a[1];
	struct rv_rlimit64 nl, ol;

	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (pid != 0 && pid != t->tg->tgid) {
		struct task *o = task_find(pid);
		if (!o)
			return -ESRCH;
		task_put(o);
		/* Only the caller's own limits for now. */
		return -EPERM;
	}
	if (a[2] && mm_copy_in(t->mm, &nl, a[2], sizeof(nl)) < 0)
		return -EFAULT;
	pthread_mutex_lock(&t->tg->lock);
	struct rlimit *rl = &t->tg->rlim[res];
	ol.cur = rl->rlim_cur;
	ol.max = rl->rlim_max;
	if (a[2]) {
		if (nl.cur > nl.max) {
			pthread_mutex_unlock(&t->tg->lock);
			return -EINVAL;
		}
		/* Raising the hard limit needs CAP_SYS_RESOURCE. */
		if (nl.max > rl->rlim_max && t->cred.euid != 0) {
			pthread_mutex_unlock(&t->tg->lock);
			return -EPERM;
		}
		if (res == RLIMIT_NOFILE && nl.max > 1048576) {
			pthread_mutex_unlock(&t->tg->lock);
			return -EPERM; /* fs.nr_open */
		}
		rl->rlim_cur = nl.cur;
		rl->rlim_max = nl.max;
	}
	pthread_mutex_unlock(&t->tg->lock);
	if (a[3] && mm_copy_out(t->mm, a[3], &ol, sizeof(ol)) < 0)
		return -EFAULT;
	return 0;
}

long sys_getrlimit(struct task *t, const uint64_t a[6])
{
	uint64_t b[6] = {0, a[0], 0, a[1], 0, 0};
	return sys_prlimit64(t, b);
}

long sys_setrlimit(struct task *t, const uint64_t a[6])
{
	uint64_t b[6] = {0, a[0], a[1], 0, 0, 0};
	return sys_prlimit64(t, b);
}

long sys_getrusage(struct task *t, const uint64_t a[6])
{
	int who = (int)a[0];
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN &&
	    who != RUSAGE_THREAD)
		return -EINVAL;
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	if (who != RUSAGE_CHILDREN) {
		/* The sentry thread's time approximates the task's. */
		struct rusage host;
		if (getrusage(RUSAGE_THREAD, &host) == 0) {
			ru.ru_utime = host.ru_utime;
			ru.ru_stime = host.ru_stime;
		}
		ru.ru_maxrss = (long)(mm_rss_bytes(t->mm) >> 10);
	}
	return mm_copy_out(t->mm, a[1], &ru, sizeof(ru));
}

long sys_getcpu(struct task *t, const uint64_t a[6])
{
	unsigned int cpu = (unsigned int)sched_getcpu(), node = 0;
	if (a[0] && mm_copy_out(t->mm, a[0], &cpu, 4) < 0)
		return -EFAULT;
	if (a[1] && mm_copy_out(t->mm, a[1], &node, 4) < 0)
		return -EFAULT;
	return 0;
}

/* personality(2): 0xffffffff asks, anything else is taken as is (Linux's
 * set_personality() checks nothing) and the old value returned. It is
 * recorded, inherited and kept across execve, whose loader gives a task
 * with ADDR_NO_RANDOMIZE (setarch -R) the fixed layout (loader.c). */
long sys_personality(struct task *t, const uint64_t a[6])
{
	unsigned int old = t->personality;
	if ((uint32_t)a[0] != 0xffffffffu)
		t->personality = (uint32_t)a[0];
	return old;
}

long sys_prctl(struct task *t, const uint64_t a[6])
{
	switch ((int)a[0]) {
	case PR_SET_NAME: {
		char name[16];
		ssize_t n = mm_copy_in_str(t->mm, name, a[1], sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		if (n < 0) { /* longer than 15: truncated, as Linux does */
			if (mm_copy_in(t->mm, name, a[1], 15) < 0)
				return -EFAULT;
			name[15] = 0;
		}
		memcpy(t->comm, name, sizeof(name));
		return 0;
	}
	case PR_GET_NAME:
		return mm_copy_out(t->mm, a[1], t->comm, sizeof(t->comm));
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
		return a[1] <= 1 ? 0 : -EINVAL;
	case PR_SET_PDEATHSIG:
		return a[1] <= 64 ? 0 : -EINVAL;
	case PR_GET_NO_NEW_PRIVS:
		return 1;
	case PR_SET_NO_NEW_PRIVS:
		return a[1] == 1 ? 0 : -EINVAL;
	case PR_CAPBSET_READ:
		return a[1] <= 40 ? 0 : -EINVAL;
	case PR_GET_KEEPCAPS:
		return t->keepcaps;
	case PR_SET_KEEPCAPS:
		/* Recorded for PR_GET_KEEPCAPS (setpriv(1), daemons dropping
		 * root); the sandbox grants no capabilities to keep. */
		if (a[1] > 1)
			return -EINVAL;
		t->keepcaps = (bool)a[1];
		return 0;
	case PR_GET_SECUREBITS:
		return 0;
	case PR_SET_SECUREBITS:
		return t->cred.euid == 0 ? 0 : -EPERM;
	case PR_CAP_AMBIENT:
		/* No ambient set is kept: none is ever raised (Linux needs
		 * the capability permitted and inheritable, which the
		 * sandbox does not track), so lowering is a no-op. */
		if (a[3] || a[4] || (a[1] == PR_CAP_AMBIENT_CLEAR_ALL && a[2]))
			return -EINVAL;
		switch (a[1]) {
		case PR_CAP_AMBIENT_IS_SET:
			return a[2] <= 40 ? 0 : -EINVAL;
		case PR_CAP_AMBIENT_RAISE:
			return a[2] <= 40 ? -EPERM : -EINVAL;
		case PR_CAP_AMBIENT_LOWER:
			return a[2] <= 40 ? 0 : -EINVAL;
		case PR_CAP_AMBIENT_CLEAR_ALL:
			return 0;
		}
		return -EINVAL;
	case PR_GET_TIMERSLACK:
		return 50000; /* Linux's default, in ns */
	case PR_SET_TIMERSLACK:
		return 0; /* the host schedules the sentry's sleeps */
	default:
		return -EINVAL;
	}
}

long sys_setpgid(struct task *t, const uint64_t a[6])
{
	return process_setpgid(t, (int)a[0], (int)a[1]);
}

long sys_setsid(struct task *t, const uint64_t a[6])
{
	(void)a;
	return process_setsid(t);
}
