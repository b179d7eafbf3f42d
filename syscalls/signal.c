/* Signal system calls: rt_sigaction(2), rt_sigprocmask(2), sigaltstack(2),
 * kill(2), tgkill(2), rt_sigreturn(2). */
#include <signal.h>
#include <string.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

/* Linux's x86-64 sigset for these calls is 8 bytes; other sizes are
 * EINVAL. */
#define KSIGSET_SIZE 8

long sys_rt_sigaction(struct task *t, const uint64_t a[6])
{
	int sig = (int)a[0];
	struct k_sigaction na, oa;

	if (a[3] != KSIGSET_SIZE)
		return -EINVAL;
	if (sig < 1 || sig > RV_NSIG)
		return -EINVAL;
	if (a[1] && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (a[1] && mm_copy_in(t->mm, &na, a[1], sizeof(na)) < 0)
		return -EFAULT;
	struct sighand *sh = t->tg->sighand;
	pthread_mutex_lock(&sh->lock);
	oa = sh->action[sig];
	if (a[1]) {
		na.mask = signal_sanitize_mask(na.mask);
		sh->action[sig] = na;
	}
	pthread_mutex_unlock(&sh->lock);
	/* Setting SIG_IGN discards a pending instance (POSIX). */
	if (a[1] && na.handler == (uint64_t)(uintptr_t)SIG_IGN)
		atomic_fetch_and(&t->pending, ~(1ULL << (sig - 1)));
	if (a[2] && mm_copy_out(t->mm, a[2], &oa, sizeof(oa)) < 0)
		return -EFAULT;
	return 0;
}

long sys_rt_sigprocmask(struct task *t, const uint64_t a[6])
{
	int how = (int)a[0];
	uint64_t set, old = t->sigmask;

	if (a[3] != KSIGSET_SIZE)
		return -EINVAL;
	if (a[1]) {
		if (mm_copy_in(t->mm, &set, a[1], sizeof(set)) < 0)
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: t->sigmask |= set; break;
		case SIG_UNBLOCK: t->sigmask &= ~set; break;
		case SIG_SETMASK: t->sigmask = set; break;
		default: return -EINVAL;
		}
		t->sigmask = signal_sanitize_mask(t->sigmask);
		signal_retarget(t);
	}
	if (a[2] && mm_copy_out(t->mm, a[2], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

long sys_rt_sigreturn(struct task *t, const uint64_t a[6])
{
	(void)a;
	return signal_rt_sigreturn(t);
}

long sys_sigaltstack(struct task *t, const uint64_t a[6])
{
	struct {
		uint64_t sp;
		int32_t flags, pad;
		uint64_t size;
	} ss, old;
	uint64_t sp = t->ctx->regs.rsp;
	bool on = t->altstack_size && sp > t->altstack_sp &&
		  sp - t->altstack_sp <= t->altstack_size;

	old.sp = t->altstack_sp;
	old.size = t->altstack_size;
	old.flags = t->altstack_size ? (on ? SS_ONSTACK : 0) : SS_DISABLE;
	old.pad = 0;
	if (a[0]) {
		if (mm_copy_in(t->mm, &ss, a[0], sizeof(ss)) < 0)
			return -EFAULT;
		if (on)
			return -EPERM;
		/* SS_AUTODISARM is bit 31: 1 << 31 overflows an int. */
		int mode = (int)((uint32_t)ss.flags & ~(1u << 31));
		if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
			return -EINVAL;
		if (mode == SS_DISABLE) {
			t->altstack_sp = 0;
			t->altstack_size = 0;
		} else {
			if (ss.size < 2048) /* MINSIGSTKSZ */
				return -ENOMEM;
			t->altstack_sp = ss.sp;
			t->altstack_size = ss.size;
		}
		t->altstack_flags = ss.flags;
	}
	if (a[1] && mm_copy_out(t->mm, a[1], &old, sizeof(old)) < 0)
		return -EFAULT;
	return 0;
}

static long send_to(struct task *t, struct task *target, int sig, int code,
		    bool group)
{
	if (sig < 0 || sig > RV_NSIG)
		return -EINVAL;
	if (!process_may_signal(t, target, sig))
		return -EPERM;
	if (sig == 0)
		return 0; /* existence and permission check only */
	struct ksiginfo info = {.signo = sig, .code = code,
				.pid = t->tg->tgid, .uid = (int)t->cred.uid};
	return group ? kernel_send_signal_tg(target->tg, &info)
		     : kernel_send_signal_task(target, &info);
}

long sys_kill(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	int sig = (int)a[1];
	long r;

	if (sig < 0 || sig > RV_NSIG)
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid == 0)
		return process_kill_many(t, t->tg->pgid, false, sig, true);
	if (pid == -1)
		return process_kill_many(t, 0, true, sig, true);
	if (pid < 0)
		return process_kill_many(t, -pid, false, sig, true);
	if (pid == t->tg->tgid)
		return send_to(t, t, sig, SI_USER, true);
	struct task *o = task_find(pid);
	if (!o)
		return -ESRCH;
	r = send_to(t, o, sig, SI_USER, true);
	task_put(o);
	return r;
}

static long do_tkill(struct task *t, int tgid, int tid, int sig)
{
	long r;
	if (tid <= 0 || (tgid != -1 && tgid <= 0))
		return -EINVAL;
	if (tid == t->tid && (tgid == -1 || tgid == t->tg->tgid))
		return send_to(t, t, sig, SI_TKILL, false);
	struct task *o = task_find(tid);
	if (!o)
		return -ESRCH;
	if (tgid != -1 && o->tg->tgid != tgid)
		r = -ESRCH;
	else
		r = send_to(t, o, sig, SI_TKILL, false);
	task_put(o);
	return r;
}

long sys_tgkill(struct task *t, const uint64_t a[6])
{
	return do_tkill(t, (int)a[0], (int)a[1], (int)a[2]);
}

long sys_tkill(struct task *t, const uint64_t a[6])
{
	return do_tkill(t, -1, (int)a[0], (int)a[1]);
}

long sys_rt_sigpending(struct task *t, const uint64_t a[6])
{
	if (a[1] > KSIGSET_SIZE)
		return -EINVAL;
	uint64_t set = (atomic_load(&t->pending) | t->tg->shared_pending) &
		       t->sigmask;
	return mm_copy_out(t->mm, a[0], &set, a[1]);
}

/* Sleep until a signal that runs a handler or kills arrives. The mask is
 * restored by the handler's sigreturn: the frame saves the mask from
 * before the call (saved_sigmask), as Linux's sigsuspend does. */
long sys_rt_sigsuspend(struct task *t, const uint64_t a[6])
{
	uint64_t set;
	if (a[1] != KSIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &set, a[0], sizeof(set)) < 0)
		return -EFAULT;
	t->saved_sigmask = t->sigmask;
	t->has_saved_sigmask = true;
	t->sigmask = signal_sanitize_mask(set);
	while (!task_signal_pending(t))
		task_sleep_until(t, NULL);
	return -RV_ERESTARTNOHAND;
}

long sys_pause(struct task *t, const uint64_t a[6])
{
	(void)a;
	while (!task_signal_pending(t))
		task_sleep_until(t, NULL);
	return -RV_ERESTARTNOHAND;
}

long sys_rt_sigtimedwait(struct task *t, const uint64_t a[6])
{
	uint64_t set;
	struct timespec ts, dl;

	if (a[3] != KSIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &set, a[0], sizeof(set)) < 0)
		return -EFAULT;
	set = signal_sanitize_mask(set);
	if (a[2]) {
		if (mm_copy_in(t->mm, &ts, a[2], sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
			return -EINVAL;
		clock_gettime(CLOCK_MONOTONIC, &dl);
		/* A tv_sec near INT64_MAX: saturate, no signed overflow. */
		rv_ts_add_sat(&dl, &ts);
	}
	/* The signals waited for are unblocked for the wait only as far as
	 * taking them goes: they stay blocked for delivery. */
	for (;;) {
		struct ksiginfo info;
		uint64_t seq = task_wait_prepare(t);
		int sig = signal_dequeue_from(t, set, &info);
		if (sig) {
			if (a[1]) {
				uint8_t si[128];
				signal_fill_siginfo(si, &info);
				if (mm_copy_out(t->mm, a[1], si, sizeof(si)) < 0)
					return -EFAULT;
			}
			return sig;
		}
		if (task_signal_pending(t))
			return -RV_ERESTARTNOHAND;
		int r = task_wait_commit_mask(t, seq, a[2] ? &dl : NULL, set);
		if (r == -ETIMEDOUT)
			return -EAGAIN;
	}
}

long sys_rt_sigqueueinfo(struct task *t, const uint64_t a[6])
{
	int32_t si[8];
	if (mm_copy_in(t->mm, si, a[2], sizeof(si)) < 0)
		return -EFAULT;
	/* Only the kernel may claim SI_USER/SI_KERNEL codes for others. */
	if ((si[2] >= 0 || si[2] == SI_TKILL) && (int)a[0] != t->tg->tgid)
		return -EPERM;
	struct task *o = task_find((int)a[0]);
	if (!o)
		return -ESRCH;
	if (!process_may_signal(t, o, (int)a[1])) {
		task_put(o);
		return -EPERM;
	}
	/* si_value (at byte 24) travels with the signal. */
	struct ksiginfo info = {.signo = (int)a[1], .code = si[2],
				.pid = t->tg->tgid, .uid = (int)t->cred.uid,
				.value = (uint32_t)si[6] |
					 (uint64_t)(uint32_t)si[7] << 32};
	long r = (int)a[1] == 0 ? 0 : kernel_send_signal_tg(o->tg, &info);
	task_put(o);
	return r;
}

long sys_rt_tgsigqueueinfo(struct task *t, const uint64_t a[6])
{
	int32_t si[8];
	if (mm_copy_in(t->mm, si, a[3], sizeof(si)) < 0)
		return -EFAULT;
	if ((si[2] >= 0 || si[2] == SI_TKILL) && (int)a[1] != t->tid)
		return -EPERM;
	struct task *o = task_find((int)a[1]);
	if (!o)
		return -ESRCH;
	long r;
	if (o->tg->tgid != (int)a[0]) {
		r = -ESRCH;
	} else if (!process_may_signal(t, o, (int)a[2])) {
		r = -EPERM;
	} else {
		struct ksiginfo info = {.signo = (int)a[2], .code = si[2],
					.pid = t->tg->tgid,
					.uid = (int)t->cred.uid,
					.value = (uint32_t)si[6] |
						 (uint64_t)(uint32_t)si[7]
							 << 32};
		r = (int)a[2] == 0 ? 0 : kernel_send_signal_task(o, &info);
	}
	task_put(o);
	return r;
}
