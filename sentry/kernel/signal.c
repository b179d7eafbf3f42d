/* Signals: pending sets, default actions, and the x86-64 signal frame.
 *
 * The frame is the one Linux builds (arch/x86/kernel/signal.c): the return
 * address (sa_restorer), a ucontext whose mcontext holds the registers and
 * a pointer to the FXSAVE image, then the siginfo; rt_sigreturn reads it
 * back. Everything read back from the app's stack is untrusted: segment
 * selectors and privileged flag bits are forced to user values, and a frame
 * that cannot be read kills the app with SIGSEGV, never the sentry. */
#include "sentry/kernel/signal.h"

#include <stddef.h>
#include <string.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

/* Kernel ABI layouts (uapi asm/sigcontext.h, asm/ucontext.h, siginfo). */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate;
	uint64_t reserved1[8];
};
struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags, pad;
	uint64_t ss_size;
};
struct k_ucontext {
	uint64_t uc_flags, uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};
struct k_siginfo {
	int32_t si_signo, si_errno, si_code, pad;
	union {
		struct {
			int32_t pid, uid, status, pad2;
			int64_t utime, stime;
		} chld;
		struct {
			int32_t pid, uid;
			uint64_t value;
		} kill;
		uint64_t addr;
		uint8_t raw[112];
	} u;
};
struct rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	struct k_siginfo info;
};
_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext layout");
_Static_assert(sizeof(struct k_siginfo) == 128, "siginfo layout");
_Static_assert(offsetof(struct rt_sigframe, info) == 312, "sigframe layout");

#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define USER_CS 0x33
#define USER_DS 0x2b
/* Flags the app may change with sigreturn (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS 0x50dd5UL /* AC|OF|DF|TF|SF|ZF|AF|PF|CF|RF */
#define FXSAVE_SIZE 512

#define sigbit(sig) (1ULL << ((sig) - 1))

static const uint64_t sig_default_ignore =
	sigbit(SIGCHLD) | sigbit(SIGCONT) | sigbit(SIGURG) | sigbit(SIGWINCH);
static const uint64_t sig_stop =
	sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU);
static const uint64_t sig_unblockable = sigbit(SIGKILL) | sigbit(SIGSTOP);

uint64_t signal_sanitize_mask(uint64_t mask) { return mask & ~sig_unblockable; }

static bool sig_ignored(struct task *t, int sig)
{
	uint64_t h = t->tg->sighand->action[sig].handler;
	if (h == (uint64_t)(uintptr_t)SIG_IGN)
		return true;
	return h == (uint64_t)(uintptr_t)SIG_DFL && (sig_default_ignore & sigbit(sig));
}

static void set_info(struct task *t, int sig, const struct ksiginfo *info)
{
	t->pending_info[sig - 1].code = info->code;
	t->pending_info[sig - 1].errno_ = info->errno_;
	t->pending_info[sig - 1].pid = info->pid;
	t->pending_info[sig - 1].uid = info->uid;
	t->pending_info[sig - 1].status = info->status;
	t->pending_info[sig - 1].addr = info->addr;
}

/* Make t notice a new signal: wake it from a sentry sleep, or stop the app
 * code it is running. Under kernel_lock, which task_exit() takes to
 * detach t->ctx before destroying it: a waker that found t never
 * interrupts a freed context (a heap use-after-free an ASan sentry saw
 * on kvm, ~1 in 40 runs of sig_target). */
static void signal_wake_locked(struct task *t)
{
	if (t == current)
		return;
	task_wake(t);
	if (t->ctx)
		rv_platform->ops->ctx_interrupt(t->ctx);
}

static void signal_wake(struct task *t)
{
	kernel_lock();
	signal_wake_locked(t);
	kernel_unlock();
}

/* SIGCONT and stop signals cancel each other's pending instances, and
 * SIGCONT resumes a stopped group whatever its disposition (signal(7)). */
static void prepare_signal_locked(struct thread_group *tg, int sig)
{
	if (sig_stop & sigbit(sig)) {
		tg->shared_pending &= ~sigbit(SIGCONT);
	} else if (sig == SIGCONT) {
		tg->cont_seq++;
		tg->shared_pending &= ~sig_stop;
		/* ...and the thread-directed ones too (Linux's
		 * prepare_signal() flushes every thread's queue). */
		for (struct task *o = kernel_all_tasks_locked(); o;
		     o = o->next_all)
			if (o->tg == tg)
				atomic_fetch_and(&o->pending, ~sig_stop);
		if (tg->stopped) {
			tg->stopped = false;
			tg->wait_report = 0xffff; /* W_CONTINUED */
			signal_notify_parent_locked(tg, CLD_CONTINUED, SIGCONT);
			/* The stopped threads sleep in
			 * signal_wait_while_stopped(): wake them here, as a
			 * SIGCONT of default disposition is then dropped as
			 * ignored and wakes no one itself. */
			kernel_wake_group_locked(tg);
		}
	}
}

/* Linux's SIGNAL_UNKILLABLE: the sandbox's init gets no signal from
 * another process of the sandbox that it has no handler for, SIGKILL
 * and SIGSTOP included (a blocked one stays pending, its handler may
 * change), as the init of a pid namespace; a child's kill(1, SIGKILL)
 * ended the sandbox. Faults, the sentry's own kills (SI_KERNEL, which
 * an app cannot claim for another), timers and the user's signals
 * forwarded by the monitor still do. */
static bool init_unkillable(struct task *t, int sig,
			    const struct ksiginfo *info)
{
	if (info->force || info->code == SI_KERNEL || !current ||
	    current->tg == t->tg || t->tg != kernel_init_tg())
		return false;
	if (t->tg->sighand->action[sig].handler !=
	    (uint64_t)(uintptr_t)SIG_DFL)
		return false;
	return (sig_unblockable & sigbit(sig)) || !(t->sigmask & sigbit(sig));
}

int kernel_send_signal_task(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (sig < 1 || sig > RV_NSIG)
		return -EINVAL;
	kernel_lock();
	if (init_unkillable(t, sig, info)) {
		kernel_unlock();
		return 0;
	}
	prepare_signal_locked(t->tg, sig);
	/* Linux drops a signal that is ignored and not blocked at send time;
	 * SIGKILL can never be ignored. */
	if (sig != SIGKILL && !(t->sigmask & sigbit(sig)) && sig_ignored(t, sig)) {
		kernel_unlock();
		return 0;
	}
	/* Standard signals do not queue: a second one while pending merges. */
	if (!(atomic_load(&t->pending) & sigbit(sig)))
		set_info(t, sig, info);
	atomic_fetch_or(&t->pending, sigbit(sig));
	kernel_unlock();
	signal_wake(t);
	/* A signalfd polled by another thread must look again. */
	signalfd_notify();
	if (sig == SIGKILL || sig == SIGCONT)
		kernel_wake_group(t->tg);
	return 0;
}

int kernel_send_signal_tg_locked(struct thread_group *tg,
				 const struct ksiginfo *info,
				 struct task **target_out)
{
	int sig = info->signo;
	struct task *target = NULL;

	*target_out = NULL;
	if (sig < 1 || sig > RV_NSIG)
		return -EINVAL;
	if (!tg->leader || tg->zombie)
		return tg->zombie ? 0 : -ESRCH;
	if (init_unkillable(tg->leader, sig, info))
		return 0;
	prepare_signal_locked(tg, sig);
	/* Linux's sig_ignored(): a blocked signal is never ignored, its
	 * handler may change before it is unblocked; the task checked is
	 * the one the signal was sent to (the leader here). A SIGCHLD of
	 * default disposition blocked for a signalfd (script(1), systemd)
	 * must stay pending. */
	if (sig != SIGKILL && !(tg->leader->sigmask & sigbit(sig)) &&
	    sig_ignored(tg->leader, sig))
		return 0;
	if (!(tg->shared_pending & sigbit(sig))) {
		tg->shared_info[sig - 1].code = info->code;
		tg->shared_info[sig - 1].pid = info->pid;
		tg->shared_info[sig - 1].uid = info->uid;
		tg->shared_info[sig - 1].status = info->status;
		tg->shared_info[sig - 1].addr = info->addr;
	}
	tg->shared_pending |= sigbit(sig);
	/* Linux's complete_signal(): one thread that does not block it is
	 * chosen, marked and woken; only it takes the signal on its way to
	 * user mode (the sender of kill(getpid()) does not, when the leader
	 * wants it: the leader's futex wait gets EINTR). SIGKILL and the
	 * stop/continue signals concern every thread; a signal every thread
	 * blocks is anyone's (sigwait, or the first to unblock it). */
	bool all = sig == SIGKILL || sig == SIGCONT ||
		   (sig_stop & sigbit(sig));
	/* A choice whose signal was taken another way (timer_delete) is
	 * stale. */
	tg->shared_targeted &= tg->shared_pending;
	if (!all)
		target = kernel_pick_thread_locked(tg, sig, NULL);
	if (target) {
		tg->shared_targeted |= sigbit(sig);
		atomic_store(&target->shared_sigpending, true);
		/* Kept until the wake, which runs unlocked. */
		atomic_fetch_add(&target->refs, 1);
		*target_out = target;
	} else {
		tg->shared_targeted &= ~sigbit(sig);
	}
	return 1;
}

void kernel_signal_tg_wake(struct thread_group *tg, struct task *target)
{
	if (target) {
		signal_wake(target);
		task_put(target);
	} else {
		kernel_wake_group(tg);
	}
}

int kernel_send_signal_tg(struct thread_group *tg, const struct ksiginfo *info)
{
	struct task *target;

	kernel_lock();
	int r = kernel_send_signal_tg_locked(tg, info, &target);
	kernel_unlock();
	if (r <= 0)
		return r;
	signalfd_notify();
	kernel_signal_tg_wake(tg, target);
	return 0;
}

/* The process-directed signals t may take now: those chosen for another
 * thread are that thread's. */
static uint64_t shared_for(struct task *t)
{
	uint64_t sh = t->tg->shared_pending;
	if (!atomic_load(&t->shared_sigpending))
		sh &= ~t->tg->shared_targeted;
	return sh;
}

/* Linux's retarget_shared_pending(): the signals chosen for t that t now
 * blocks (all of them once t exits) go to another thread that wants
 * them, or become anyone's. */
static void retarget_locked(struct task *t)
{
	struct thread_group *tg = t->tg;
	if (!atomic_load(&t->shared_sigpending))
		return;
	uint64_t m = tg->shared_pending & tg->shared_targeted;
	if (!t->exited)
		m &= t->sigmask;
	while (m) {
		int sig = __builtin_ctzll(m) + 1;
		m &= ~sigbit(sig);
		struct task *o = kernel_retarget_thread_locked(t, sig);
		if (o) {
			atomic_store(&o->shared_sigpending, true);
			signal_wake_locked(o);
		} else {
			tg->shared_targeted &= ~sigbit(sig);
			kernel_wake_group_locked(tg);
		}
	}
	if (t->exited)
		atomic_store(&t->shared_sigpending, false);
}

void signal_retarget(struct task *t)
{
	kernel_lock();
	retarget_locked(t);
	/* Linux's recalc_sigpending(): a shared signal t no longer blocks is
	 * t's to take too. */
	if (!t->exited && (t->tg->shared_pending & ~t->sigmask))
		atomic_store(&t->shared_sigpending, true);
	kernel_unlock();
}

/* Before sleeping (sigsuspend, ppoll with a mask): a signal chosen for
 * t that t blocks must not wait for t to wake. */
static void retarget_if_blocked(struct task *t)
{
	if (t != current || !atomic_load(&t->shared_sigpending) ||
	    !(t->tg->shared_pending & t->tg->shared_targeted & t->sigmask))
		return;
	kernel_lock();
	retarget_locked(t);
	kernel_unlock();
}

void task_force_signal(struct task *t, int sig, int code, uint64_t addr)
{
	struct sighand *sh = t->tg->sighand;

	/* force_sig_fault(): a synchronous fault cannot be blocked or
	 * ignored; if it is, the action is reset to the default (death). */
	pthread_mutex_lock(&sh->lock);
	if ((t->sigmask & sigbit(sig)) ||
	    sh->action[sig].handler == (uint64_t)(uintptr_t)SIG_IGN) {
		sh->action[sig].handler = (uint64_t)(uintptr_t)SIG_DFL;
		t->sigmask &= ~sigbit(sig);
	}
	pthread_mutex_unlock(&sh->lock);
	struct ksiginfo info = {.signo = sig, .code = code, .addr = addr,
				.force = true};
	kernel_send_signal_task(t, &info);
}

void kernel_forward_signal(int sig)
{
	struct task *init = task_find(1);
	if (!init)
		return;
	struct ksiginfo info = {.signo = sig, .code = SI_USER, .force = true};
	kernel_send_signal_tg(init->tg, &info);
	task_put(init);
}

/* Take the lowest pending unblocked signal of t, thread-directed first
 * (Linux's dequeue_signal order); 0 if none. */
static int dequeue_mask(struct task *t, uint64_t allowed, bool deliver,
			struct ksiginfo *info);

static int dequeue_signal(struct task *t, struct ksiginfo *info)
{
	return dequeue_mask(t, ~t->sigmask | sig_unblockable, true, info);
}

/* sigwait and signalfd take a shared signal they wait for whichever
 * thread it was chosen for. */
int signal_dequeue_from(struct task *t, uint64_t set, struct ksiginfo *info)
{
	return dequeue_mask(t, set, false, info);
}

static int dequeue_mask(struct task *t, uint64_t allowed, bool deliver,
			struct ksiginfo *info)
{
	kernel_lock();
	/* Linux dequeues a stop signal and stops the group under one hold
	 * of the siglock, so a SIGCONT comes either before (and cancels the
	 * pending stop) or after (and resumes the group). Ours are two lock
	 * holds: remember which SIGCONTs the stop has seen. */
	t->stop_cont_seq = t->tg->cont_seq;
	uint64_t mine = atomic_load(&t->pending);
	uint64_t ready = mine & allowed;
	memset(info, 0, sizeof(*info));
	if (ready) {
		int sig = __builtin_ctzll(ready) + 1;
		atomic_fetch_and(&t->pending, ~sigbit(sig));
		info->signo = sig;
		info->code = t->pending_info[sig - 1].code;
		info->errno_ = t->pending_info[sig - 1].errno_;
		info->pid = t->pending_info[sig - 1].pid;
		info->uid = t->pending_info[sig - 1].uid;
		info->status = t->pending_info[sig - 1].status;
		info->addr = t->pending_info[sig - 1].addr;
		kernel_unlock();
		return sig;
	}
	uint64_t sh = deliver ? shared_for(t) : t->tg->shared_pending;
	ready = sh & allowed;
	if (!ready) {
		/* Nothing left for t: unmark it (recalc_sigpending), passing
		 * on first what was chosen for it but it blocks. */
		if (deliver) {
			retarget_locked(t);
			atomic_store(&t->shared_sigpending, false);
		}
		kernel_unlock();
		return 0;
	}
	int sig = __builtin_ctzll(ready) + 1;
	t->tg->shared_pending &= ~sigbit(sig);
	t->tg->shared_targeted &= ~sigbit(sig);
	info->signo = sig;
	info->code = t->tg->shared_info[sig - 1].code;
	info->pid = t->tg->shared_info[sig - 1].pid;
	info->uid = t->tg->shared_info[sig - 1].uid;
	info->status = t->tg->shared_info[sig - 1].status;
	info->addr = t->tg->shared_info[sig - 1].addr;
	kernel_unlock();
	return sig;
}

void signal_fill_siginfo(void *out, const struct ksiginfo *info)
{
	struct k_siginfo *si = out;
	memset(si, 0, sizeof(*si));
	si->si_signo = info->signo;
	si->si_errno = info->errno_;
	si->si_code = info->code;
	switch (info->signo) {
	case SIGSEGV: case SIGBUS: case SIGILL: case SIGFPE: case SIGTRAP:
		if (info->code > 0) {
			si->u.addr = info->addr;
			break;
		}
		/* sent with kill(): the sender's ids, below */
		__attribute__((fallthrough));
	default:
		if (info->signo == SIGCHLD && info->code > 0) {
			si->u.chld.pid = info->pid;
			si->u.chld.uid = info->uid;
			si->u.chld.status = info->status;
		} else {
			si->u.kill.pid = info->pid;
			si->u.kill.uid = info->uid;
			/* SI_QUEUE, SI_TIMER, ...: the sender's sigval. */
			if (info->code < 0)
				si->u.kill.value = info->value;
		}
	}
}

static bool on_altstack(struct task *t, uint64_t sp)
{
	return t->altstack_size && sp > t->altstack_sp &&
	       sp - t->altstack_sp <= t->altstack_size;
}

/* Build the frame for sig on the app's stack and point the registers at
 * the handler. false when the stack is not writable. */
static bool setup_frame(struct task *t, const struct k_sigaction *act,
			const struct ksiginfo *info)
{
	rv_regs_t *r = &t->ctx->regs;
	const struct platform_ops *ops = rv_platform->ops;
	uint64_t sp = r->rsp - 128; /* the red zone belongs to the code */

	if ((act->flags & SA_ONSTACK) && t->altstack_size &&
	    !(t->altstack_flags & SS_DISABLE) && !on_altstack(t, r->rsp))
		sp = t->altstack_sp + t->altstack_size;

	uint64_t fp = 0;
	if (ops->ctx_sync_fpstate && ops->ctx_sync_fpstate(t->ctx) < 0)
		return false;
	if (t->ctx->fpstate_len >= FXSAVE_SIZE) {
		sp = (sp - FXSAVE_SIZE) & ~63ULL;
		fp = sp;
		/* Only the legacy area is saved: clear sw_reserved so that
		 * libc and sigreturn see no XSAVE extension. */
		uint8_t fx[FXSAVE_SIZE];
		memcpy(fx, t->ctx->fpstate, FXSAVE_SIZE);
		memset(fx + 464, 0, 48);
		if (mm_copy_out(t->mm, fp, fx, FXSAVE_SIZE) < 0)
			return false;
	}
	sp -= sizeof(struct rt_sigframe);
	sp = (sp & ~15ULL) - 8; /* as after a call: (sp + 8) % 16 == 0 */

	struct rt_sigframe f;
	memset(&f, 0, sizeof(f));
	f.pretcode = act->restorer;
	f.uc.uc_flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_sp = t->altstack_sp;
	f.uc.uc_stack.ss_size = t->altstack_size;
	f.uc.uc_stack.ss_flags = t->altstack_size ?
		(on_altstack(t, r->rsp) ? SS_ONSTACK : 0) : SS_DISABLE;
	struct k_sigcontext *sc = &f.uc.uc_mcontext;
	sc->r8 = r->r8; sc->r9 = r->r9; sc->r10 = r->r10; sc->r11 = r->r11;
	sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
	sc->rdi = r->rdi; sc->rsi = r->rsi; sc->rbp = r->rbp; sc->rbx = r->rbx;
	sc->rdx = r->rdx; sc->rax = r->rax; sc->rcx = r->rcx; sc->rsp = r->rsp;
	sc->rip = r->rip; sc->eflags = r->eflags;
	sc->cs = USER_CS;
	sc->ss = USER_DS;
	sc->cr2 = info->addr;
	sc->trapno = info->signo == SIGSEGV ? 14 : 0;
	uint64_t oldmask = t->has_saved_sigmask ? t->saved_sigmask : t->sigmask;
	sc->oldmask = oldmask;
	sc->fpstate = fp;
	f.uc.uc_sigmask = oldmask;
	signal_fill_siginfo(&f.info, info);
	if (mm_copy_out(t->mm, sp, &f, sizeof(f)) < 0)
		return false;

	r->rsp = sp;
	r->rip = act->handler;
	r->rdi = (uint64_t)info->signo;
	r->rsi = sp + offsetof(struct rt_sigframe, info);
	r->rdx = sp + offsetof(struct rt_sigframe, uc);
	r->rax = 0;
	/* Handlers start with DF and TF clear, as the ABI requires. */
	r->eflags &= ~(0x400UL | 0x100UL);
	r->cs = USER_CS;
	r->ss = USER_DS;
	return true;
}

long signal_rt_sigreturn(struct task *t)
{
	rv_regs_t *r = &t->ctx->regs;
	struct k_ucontext uc;

	/* The restorer's `syscall` runs after the handler's `ret` popped
	 * pretcode, so the frame starts 8 bytes below rsp. */
	uint64_t frame = r->rsp - 8;
	if (mm_copy_in(t->mm, &uc, frame + offsetof(struct rt_sigframe, uc),
		       sizeof(uc)) < 0)
		goto bad;
	const struct k_sigcontext *sc = &uc.uc_mcontext;
	if (sc->rip >= 0x800000000000ULL)
		goto bad; /* non-canonical: Linux faults on the iret */
	/* Linux loads cs (and ss when UC_STRICT_RESTORE_SS) from the frame
	 * with RPL 3; a selector other than the 64-bit user segments faults
	 * on the return (a kernel segment) or switches to 32-bit code, which
	 * the sandbox does not offer: both SIGSEGV here. */
	if ((sc->cs | 3) != USER_CS)
		goto bad;
	if ((uc.uc_flags & UC_STRICT_RESTORE_SS) && (sc->ss | 3) != USER_DS)
		goto bad;
	if (sc->fpstate) {
		uint8_t fx[FXSAVE_SIZE];
		if (mm_copy_in(t->mm, fx, sc->fpstate, FXSAVE_SIZE) < 0)
			goto bad;
		/* The rest of the state (XSAVE components) and the mask
		 * below must be current before the legacy area is replaced. */
		const struct platform_ops *ops = rv_platform->ops;
		if (ops->ctx_sync_fpstate && ops->ctx_sync_fpstate(t->ctx) < 0)
			goto bad;
		if (t->ctx->fpstate_len >= FXSAVE_SIZE) {
			/* Reserved MXCSR bits would #GP on restore: Linux
			 * rejects the frame (__fpu_restore_sig), so does the
			 * sentry, with the CPU's own mask from its FXSAVE
			 * image (0xffbf when it reports none). */
			uint32_t mxcsr, mask;
			memcpy(&mxcsr, fx + 24, 4);
			memcpy(&mask, t->ctx->fpstate + 28, 4);
			if (!mask)
				mask = 0xffbf;
			if (mxcsr & ~mask)
				goto bad;
			memcpy(t->ctx->fpstate, fx, FXSAVE_SIZE);
			t->ctx->fpstate_dirty = true;
		}
	}
	r->r8 = sc->r8; r->r9 = sc->r9; r->r10 = sc->r10; r->r11 = sc->r11;
	r->r12 = sc->r12; r->r13 = sc->r13; r->r14 = sc->r14; r->r15 = sc->r15;
	r->rdi = sc->rdi; r->rsi = sc->rsi; r->rbp = sc->rbp; r->rbx = sc->rbx;
	r->rdx = sc->rdx; r->rax = sc->rax; r->rcx = sc->rcx; r->rsp = sc->rsp;
	r->rip = sc->rip;
	r->eflags = (r->eflags & ~FIX_EFLAGS) | (sc->eflags & FIX_EFLAGS);
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->orig_rax = (uint64_t)-1; /* no syscall restart after this */
	t->sigmask = signal_sanitize_mask(uc.uc_sigmask);
	/* set_current_blocked(): a signal chosen for t that the restored
	 * mask blocks goes to another thread. */
	retarget_if_blocked(t);
	return -RV_EJUSTRETURN;
bad:
	task_force_signal(t, SIGSEGV, SI_KERNEL, 0);
	return -RV_EJUSTRETURN;
}

/* Restart or fail a system call a signal interrupted (Linux's
 * handle_signal/arch_do_signal_or_restart). */
static void fix_restart(struct task *t, const struct k_sigaction *act)
{
	rv_regs_t *r = &t->ctx->regs;
	if (!t->in_syscall_restart)
		return;
	t->in_syscall_restart = false;
	long rc = -(long)r->rax;
	if (act) {
		switch (rc) {
		case RV_ERESTART_RESTARTBLOCK:
		case RV_ERESTARTNOHAND:
			r->rax = (uint64_t)-EINTR;
			return;
		case RV_ERESTARTSYS:
			if (!(act->flags & SA_RESTART)) {
				r->rax = (uint64_t)-EINTR;
				return;
			}
			break;
		}
	}
	/* Re-execute the syscall instruction (2 bytes) with the original
	 * number; a restart block resumes through restart_syscall(2). */
	r->rax = rc == RV_ERESTART_RESTARTBLOCK ? 219 : r->orig_rax;
	r->rip -= 2;
}

void task_deliver_signals(struct task *t)
{
	struct ksiginfo info;
	struct sighand *sh = t->tg->sighand;
	int sig;

	for (;;) {
		if (t->tg->stopped)
			signal_wait_while_stopped(t);
		if (t->tg->exiting)
			return;
		if ((sig = dequeue_signal(t, &info)) == 0)
			break;
		pthread_mutex_lock(&sh->lock);
		struct k_sigaction act = sh->action[sig];
		uint64_t h = act.handler;
		if (h == (uint64_t)(uintptr_t)SIG_IGN && sig != SIGKILL) {
			pthread_mutex_unlock(&sh->lock);
			continue;
		}
		if (h == (uint64_t)(uintptr_t)SIG_DFL || sig == SIGKILL) {
			pthread_mutex_unlock(&sh->lock);
			if (sig_default_ignore & sigbit(sig))
				continue;
			if (sig_stop & sigbit(sig)) {
				/* SIGTSTP/SIGTTIN/SIGTTOU of an orphaned
				 * process group are discarded (signal(7));
				 * without ttys every group counts as such
				 * except for SIGSTOP. */
				if (sig == SIGSTOP)
					signal_group_stop(t, sig);
				continue;
			}
			task_exit_group(t, sig);
			return;
		}
		if (act.flags & SA_RESETHAND)
			sh->action[sig].handler = (uint64_t)(uintptr_t)SIG_DFL;
		pthread_mutex_unlock(&sh->lock);
		fix_restart(t, &act);
		if (!setup_frame(t, &act, &info)) {
			/* Linux: force_sigsegv() on a frame it cannot write. */
			task_exit_group(t, SIGSEGV);
			return;
		}
		uint64_t add = act.mask;
		if (!(act.flags & SA_NODEFER))
			add |= sigbit(sig);
		if (t->has_saved_sigmask) {
			/* sigsuspend: the frame holds the mask to restore;
			 * the handler runs with the temporary one. */
			t->has_saved_sigmask = false;
		}
		t->sigmask = signal_sanitize_mask(t->sigmask | add);
	}
	fix_restart(t, NULL);
	if (t->has_saved_sigmask) {
		t->sigmask = t->saved_sigmask;
		t->has_saved_sigmask = false;
	}
}

bool task_signal_pending(struct task *t)
{
	if (t->tg->exiting || t->exited || t->tg->stopped)
		return true;
	uint64_t p = atomic_load(&t->pending) | shared_for(t);
	return (p & ~t->sigmask) || (p & sig_unblockable);
}

/* Group stop: the whole thread group stops; the parent hears of it. */
void signal_group_stop(struct task *t, int sig)
{
	kernel_lock();
	/* A SIGCONT sent after the stop signal was dequeued wins: stopping
	 * now would never be undone (a parent's kill(SIGSTOP) then
	 * kill(SIGCONT) landing between our dequeue and this left the child
	 * stopped for good, and the parent in waitpid). */
	if (!t->tg->stopped && !t->tg->exiting &&
	    t->stop_cont_seq == t->tg->cont_seq) {
		t->tg->stopped = true;
		t->tg->wait_report = (sig << 8) | 0x7f; /* W_STOPCODE */
		signal_notify_parent_locked(t->tg, CLD_STOPPED, sig);
	}
	kernel_unlock();
	kernel_wake_group(t->tg);
}

/* A stopped thread sleeps until SIGCONT or SIGKILL. */
void signal_wait_while_stopped(struct task *t)
{
	int was = atomic_exchange(&t->dbg.state, TASK_DBG_STOPPED);
	pthread_mutex_lock(&t->wait_lock);
	while (t->tg->stopped && !t->tg->exiting &&
	       !(atomic_load(&t->pending) & sigbit(SIGKILL)) &&
	       !(t->tg->shared_pending & sigbit(SIGKILL)))
		pthread_cond_wait(&t->wait_cond, &t->wait_lock);
	pthread_mutex_unlock(&t->wait_lock);
	atomic_store(&t->dbg.state, was);
}

void task_wake(struct task *t)
{
	pthread_mutex_lock(&t->wait_lock);
	atomic_fetch_add(&t->wake_seq, 1);
	pthread_cond_broadcast(&t->wait_cond);
	pthread_mutex_unlock(&t->wait_lock);
}

uint64_t task_wait_prepare(struct task *t) { return atomic_load(&t->wake_seq); }

static int wait_commit(struct task *t, uint64_t seq,
		       const struct timespec *deadline, uint64_t also,
		       const void *caller);

int task_wait_commit(struct task *t, uint64_t seq,
		     const struct timespec *deadline)
{
	return wait_commit(t, seq, deadline, 0, __builtin_return_address(0));
}

int task_wait_commit_mask(struct task *t, uint64_t seq,
			  const struct timespec *deadline, uint64_t also)
{
	return wait_commit(t, seq, deadline, also,
			   __builtin_return_address(0));
}

/* The stack dump's "blocked in SYSCALL at WCHAN": the sleeper's caller,
 * unless a wrapper (waitq_wait_event) named a better one already. */
static int dbg_block(struct task *t, const void *caller)
{
	const void *none = NULL;
	if (t != current)
		return -1;
	atomic_compare_exchange_strong(&t->dbg.wchan, &none, caller);
	return atomic_exchange(&t->dbg.state, TASK_DBG_BLOCKED);
}

static void dbg_unblock(struct task *t, int was, const void *caller)
{
	if (was < 0)
		return;
	atomic_store(&t->dbg.state, was);
	atomic_compare_exchange_strong(&t->dbg.wchan, &caller, NULL);
}

static int wait_commit(struct task *t, uint64_t seq,
		       const struct timespec *deadline, uint64_t also,
		       const void *caller)
{
	int r = 0;
	retarget_if_blocked(t);
	int was = dbg_block(t, caller);
	pthread_mutex_lock(&t->wait_lock);
	while (atomic_load(&t->wake_seq) == seq) {
		uint64_t p = atomic_load(&t->pending) | t->tg->shared_pending;
		if (task_signal_pending(t) || (p & also)) {
			r = -EINTR;
			break;
		}
		int e = deadline ? pthread_cond_timedwait(&t->wait_cond,
							  &t->wait_lock, deadline)
				 : pthread_cond_wait(&t->wait_cond, &t->wait_lock);
		if (e == ETIMEDOUT) {
			r = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&t->wait_lock);
	dbg_unblock(t, was, caller);
	return r;
}

int task_sleep_until(struct task *t, const struct timespec *deadline)
{
	int r = 0;
	const void *caller = __builtin_return_address(0);
	retarget_if_blocked(t);
	int was = dbg_block(t, caller);
	pthread_mutex_lock(&t->wait_lock);
	while (!task_signal_pending(t)) {
		int e = deadline ? pthread_cond_timedwait(&t->wait_cond,
							  &t->wait_lock, deadline)
				 : pthread_cond_wait(&t->wait_cond, &t->wait_lock);
		if (e == ETIMEDOUT)
			goto out;
	}
	r = -EINTR;
out:
	pthread_mutex_unlock(&t->wait_lock);
	dbg_unblock(t, was, caller);
	return r;
}
