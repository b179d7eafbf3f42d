/* Processes: clone(2)/fork(2)/vfork(2), thread and process exit, zombies,
 * wait4(2)/waitid(2), re-parenting of orphans to init, process groups and
 * sessions.
 *
 * Relations (parent, children, pgid, sid) and signal state are protected
 * by the kernel lock. */
#include <linux/sched.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/namei.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"
#include "syscalls/timer.h"

/* Tasks of the whole sandbox: a thread or fork bomb ends here, with EAGAIN,
 * not on the host. */
#define MAX_TASKS 4096

/* Starts at 1: init, made by kernel_create_init(), counts too, and its
 * exit is counted down with the others. */
static int nr_tasks_live = 1;

struct waitq process_exit_wq = WAITQ_INIT;

/* --- relations ---------------------------------------------------------- */

static void child_link_locked(struct thread_group *parent,
			      struct thread_group *child)
{
	child->parent = parent;
	child->sibling = parent->children;
	parent->children = child;
}

static void child_unlink_locked(struct thread_group *child)
{
	struct thread_group *p = child->parent;
	if (!p)
		return;
	for (struct thread_group **pp = &p->children; *pp; pp = &(*pp)->sibling)
		if (*pp == child) {
			*pp = child->sibling;
			break;
		}
	child->parent = NULL;
	child->sibling = NULL;
}

void signal_notify_parent_locked(struct thread_group *tg, int why, int status)
{
	struct thread_group *p = tg->parent;
	if (!p || !p->leader)
		return;
	struct k_sigaction *act = &p->sighand->action[SIGCHLD];
	/* SA_NOCLDSTOP: no SIGCHLD for stops and continues. */
	bool send = !(why == CLD_STOPPED || why == CLD_CONTINUED) ||
		    !(act->flags & SA_NOCLDSTOP);
	int sig = why == CLD_EXITED || why == CLD_KILLED || why == CLD_DUMPED ?
		  tg->exit_signal : SIGCHLD;
	/* Linux's sig_ignored(): a signal the parent blocks is not ignored
	 * for being SIG_DFL-ignored (the handler may change before it is
	 * unblocked); script(1) blocks SIGCHLD and reads it from a signalfd.
	 * SIG_IGN is another matter: do_notify_parent() sends nothing. */
	bool blocked = sig > 0 && sig <= RV_NSIG &&
		       (p->leader->sigmask & (1ULL << (sig - 1)));
	if (send && sig > 0 && sig <= RV_NSIG &&
	    act->handler != (uint64_t)(uintptr_t)SIG_IGN) {
		if (!(p->shared_pending & (1ULL << (sig - 1)))) {
			p->shared_info[sig - 1].code = why;
			p->shared_info[sig - 1].pid = tg->tgid;
			p->shared_info[sig - 1].uid = 0;
			p->shared_info[sig - 1].status = status;
			p->shared_info[sig - 1].addr = 0;
		}
		if (sig != SIGCHLD || blocked ||
		    act->handler != (uint64_t)(uintptr_t)SIG_DFL)
			p->shared_pending |= 1ULL << (sig - 1);
	}
	/* wait4() sleepers of every thread of the parent recheck. */
	kernel_wake_group_locked(p);
}

/* --- clone ---------------------------------------------------------------- */

static struct thread_group *tg_new(int tgid)
{
	struct thread_group *tg = rv_xcalloc(1, sizeof(*tg));
	tg->refs = 2; /* the process tree's (until reaped) and the leader's */
	tg->tgid = tgid;
	tg->exit_signal = SIGCHLD;
	pthread_mutex_init(&tg->lock, NULL);
	return tg;
}

static struct sighand *sighand_copy(struct sighand *src)
{
	struct sighand *sh = rv_xcalloc(1, sizeof(*sh));
	pthread_mutex_init(&sh->lock, NULL);
	sh->refs = 1;
	pthread_mutex_lock(&src->lock);
	memcpy(sh->action, src->action, sizeof(sh->action));
	pthread_mutex_unlock(&src->lock);
	return sh;
}

/* clone(2)'s checks of flag combinations. */
static int clone_check(uint64_t flags)
{
	const uint64_t ns = CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS |
			    CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
			    CLONE_NEWNET | CLONE_NEWTIME;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_FS) && (flags & CLONE_NEWNS))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && (flags & CSIGNAL))
		return -EINVAL;
	if (flags & ns)
		return -EPERM; /* namespaces inside the sandbox: not yet */
	/* A pidfd is for processes only (CLONE_DETACHED: the old bit
	 * it reuses). */
	if ((flags & CLONE_PIDFD) && (flags & (CLONE_THREAD | CLONE_DETACHED)))
		return -EINVAL;
	return 0;
}

static void vfork_done_put(struct vfork_done *vd)
{
	if (atomic_fetch_sub(&vd->refs, 1) != 1)
		return;
	task_put(vd->parent);
	free(vd);
}

long process_clone(struct task *t, const struct clone_req *req)
{
	uint64_t flags = req->flags;
	int r = clone_check(flags);
	if (r < 0)
		return r;
	if ((req->exit_signal & ~0xffULL) || req->exit_signal > RV_NSIG)
		return -EINVAL;
	/* Linux's copy_process(): a namespace's init (SIGNAL_UNKILLABLE)
	 * makes no siblings, whose parent would be outside the sandbox. */
	if ((flags & CLONE_PARENT) && t->tg->tgid == 1)
		return -EINVAL;

	struct task *c = task_alloc();
	kernel_lock();
	/* RLIMIT_NPROC counts threads too (copy_process()), and does not
	 * bind root. */
	if (nr_tasks_live >= MAX_TASKS ||
	    ((uint64_t)nr_tasks_live >= t->tg->rlim[RLIMIT_NPROC].rlim_cur &&
	     t->cred.euid != 0)) {
		kernel_unlock();
		task_put(c);
		return -EAGAIN;
	}
	if (t->tg->exiting) {
		kernel_unlock();
		task_put(c);
		return -RV_ERESTARTNOINTR;
	}
	c->tid = kernel_tid_alloc_locked();
	nr_tasks_live++;
	kernel_unlock();

	c->cred = t->cred;
	memcpy(c->comm, t->comm, sizeof(c->comm));
	c->sigmask = t->sigmask;
	/* Scheduling attributes are inherited (sched(7)): `nice -n 5 sh`
	 * runs its children at nice 5 too. */
	c->sched_policy = t->sched_policy;
	c->sched_prio = t->sched_prio;
	c->nice = t->nice;
	c->affinity = t->affinity;
	c->ioprio = t->ioprio;
	c->personality = t->personality;
	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) {
		c->altstack_sp = t->altstack_sp;
		c->altstack_size = t->altstack_size;
		c->altstack_flags = t->altstack_flags;
	}

	/* Address space: shared for threads and vfork, else copy-on-write. */
	if (flags & CLONE_VM) {
		mm_get(t->mm);
		c->mm = t->mm;
	} else {
		c->mm = mm_fork(t->mm);
		if (!c->mm) {
			r = -ENOMEM;
			goto fail;
		}
	}
	if (flags & CLONE_FILES) {
		fdtable_get(t->files);
		c->files = t->files;
	} else {
		c->files = fdtable_copy(t->files);
	}
	c->fs = (flags & CLONE_FS) ? fs_context_get(t->fs) : fs_context_copy(t->fs);
	c->ctx = rv_platform->ops->ctx_create(rv_platform);
	if (!c->files || !c->fs) {
		r = -ENOMEM;
		goto fail;
	}
	/* A platform out of contexts (KVM's vCPU limit) is a task limit:
	 * EAGAIN, as clone(2) reports too many threads. */
	if (!c->ctx) {
		r = -EAGAIN;
		goto fail;
	}

	/* Registers: the parent's, returning 0, on the new stack and TLS. */
	if (rv_platform->ops->ctx_sync_fpstate)
		rv_platform->ops->ctx_sync_fpstate(t->ctx);
	c->ctx->regs = t->ctx->regs;
	memcpy(c->ctx->fpstate, t->ctx->fpstate, sizeof(c->ctx->fpstate));
	c->ctx->fpstate_len = t->ctx->fpstate_len;
	c->ctx->fpstate_dirty = t->ctx->fpstate_len != 0;
	c->ctx->regs.rax = 0;
	c->ctx->regs.orig_rax = (uint64_t)-1;
	if (req->stack)
		c->ctx->regs.rsp = req->stack + req->stack_size;
	if (flags & CLONE_SETTLS)
		c->ctx->regs.fs_base = req->tls;

	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = req->child_tid;
	if (flags & CLONE_CHILD_SETTID) {
		uint32_t tid = (uint32_t)c->tid;
		if (mm_copy_out(c->mm, req->child_tid, &tid, 4) < 0) {
			r = -EFAULT;
			goto fail;
		}
	}
	/* CLONE_PIDFD's address must be writable before the child exists
	 * (Linux fails the clone with EFAULT, creating nothing). */
	if (flags & CLONE_PIDFD) {
		int32_t none = -1;
		if (mm_copy_out(t->mm, req->pidfd, &none, 4) < 0) {
			r = -EFAULT;
			goto fail;
		}
	}
	if (flags & CLONE_PARENT_SETTID) {
		uint32_t tid = (uint32_t)c->tid;
		if (mm_copy_out(t->mm, req->parent_tid, &tid, 4) < 0) {
			r = -EFAULT;
			goto fail;
		}
	}

	struct vfork_done *vd = NULL;
	if (flags & CLONE_VFORK) {
		vd = rv_xcalloc(1, sizeof(*vd));
		vd->refs = 2;
		vd->parent = t;
		atomic_fetch_add(&t->refs, 1);
		c->vfork_done = vd;
	}

	kernel_lock();
	/* Linux's copy_process(): a signal for the parent (a process-group
	 * or kill(-1) one included) must be taken before the fork, or by
	 * both after it. Checked in the same lock hold as the link below,
	 * which process_kill_many() marks its targets in: a child is linked
	 * before the signal (and gets it too) or not at all, and the fork
	 * restarts once the parent has taken the signal; a fatal one kills
	 * the parent, leaving no child. (Linux since 5.3 gives a signal
	 * that arrives during the fork to the child as well instead of
	 * restarting; either order is one a signal before the fork gives.) */
	if (task_signal_pending(t)) {
		kernel_unlock();
		if (vd) {
			c->vfork_done = NULL;
			vfork_done_put(vd);
			vfork_done_put(vd);
		}
		r = -RV_ERESTARTNOINTR;
		goto fail;
	}
	if (flags & CLONE_THREAD) {
		c->tg = t->tg;
		atomic_fetch_add(&c->tg->refs, 1);
		c->tg->nr_threads++;
	} else {
		c->tg = tg_new(c->tid);
		c->tg->leader = c;
		c->tg->nr_threads = 1;
		/* A CLONE_PARENT child signals its parent (ours) with our
		 * own exit signal, not one we pick (copy_process()). */
		c->tg->exit_signal = (flags & CLONE_PARENT) ?
			t->tg->exit_signal : (int)req->exit_signal;
		c->tg->pgid = t->tg->pgid;
		c->tg->sid = t->tg->sid;
		memcpy(c->tg->rlim, t->tg->rlim, sizeof(c->tg->rlim));
		c->tg->oom_score_adj = t->tg->oom_score_adj;
		if (flags & CLONE_SIGHAND) {
			c->tg->sighand = t->tg->sighand;
			pthread_mutex_lock(&c->tg->sighand->lock);
			c->tg->sighand->refs++;
			pthread_mutex_unlock(&c->tg->sighand->lock);
		} else {
			c->tg->sighand = sighand_copy(t->tg->sighand);
		}
		struct thread_group *parent = (flags & CLONE_PARENT) && t->tg->parent ?
			t->tg->parent : t->tg;
		child_link_locked(parent, c->tg);
	}
	kernel_insert_task_locked(c);
	struct thread_group *ctg = c->tg;
	if (flags & CLONE_PIDFD)
		atomic_fetch_add(&ctg->refs, 1);
	kernel_unlock();

	int tid = c->tid;
	int pidfd = -1;
	if (flags & CLONE_PIDFD) {
		/* Installed before the child runs: a CLONE_FILES child or a
		 * racing exit cannot see a half-made pidfd. */
		struct file *pf = pidfd_file_create(ctg, 0);
		kernel_tg_put(ctg);
		pidfd = fd_install(t->files, pf, 0, true);
		file_put(pf);
	}
	r = kernel_start_task(c);
	if (r < 0)
		rv_panic("cannot start a host thread for task %d: %s", tid,
			 strerror(-r));
	if (flags & CLONE_VFORK) {
		/* The parent sleeps until the child execs or exits. Like
		 * Linux (wait_for_vfork_done, TASK_KILLABLE), other signals
		 * may not end that wait early, but SIGKILL does: a killed
		 * vfork parent whose child blocks forever (pause) was
		 * unkillable, and so was its whole sandbox. */
		pthread_mutex_lock(&t->wait_lock);
		while (!atomic_load(&vd->done) && !task_fatal_pending(t))
			pthread_cond_wait(&t->wait_cond, &t->wait_lock);
		pthread_mutex_unlock(&t->wait_lock);
		vfork_done_put(vd);
	}
	if (flags & CLONE_PIDFD) {
		/* Checked writable above; EMFILE leaves -1 there and the
		 * child running (Linux would not have made it). */
		int32_t v = pidfd;
		if (pidfd < 0 || mm_copy_out(t->mm, req->pidfd, &v, 4) < 0)
			rv_dbg("clone: CLONE_PIDFD not delivered (%d)", pidfd);
	}
	return tid;

fail:
	kernel_lock();
	nr_tasks_live--;
	kernel_unlock();
	if (c->ctx)
		rv_platform->ops->ctx_destroy(c->ctx);
	if (c->files)
		fdtable_put(c->files);
	if (c->fs)
		fs_context_put(c->fs);
	if (c->mm)
		mm_put(c->mm);
	free(c);
	return r;
}

void process_vfork_release(struct task *t)
{
	struct vfork_done *vd = t->vfork_done;
	if (!vd)
		return;
	t->vfork_done = NULL;
	atomic_store(&vd->done, true);
	task_wake(vd->parent);
	vfork_done_put(vd);
}

/* --- exit ----------------------------------------------------------------- */

/* CLONE_CHILD_CLEARTID: clear the tid word and wake one futex waiter, so
 * that pthread_join returns (set_tid_address(2)). */
static void clear_child_tid(struct task *t)
{
	if (!t->clear_child_tid || !t->mm)
		return;
	uint32_t zero = 0;
	if (mm_copy_out(t->mm, t->clear_child_tid, &zero, 4) == 0)
		futex_wake_addr(t->mm, t->clear_child_tid, 1);
	t->clear_child_tid = 0;
}

/* The orphans of an exiting group go to init (PID 1 of the sandbox). */
static void reparent_children_locked(struct thread_group *tg)
{
	struct thread_group *init = kernel_init_tg();
	while (tg->children) {
		struct thread_group *c = tg->children;
		tg->children = c->sibling;
		c->sibling = NULL;
		c->parent = NULL;
		/* "We don't want people slaying init" (Linux's
		 * reparent_leader()): an orphan's exit signal is SIGCHLD
		 * from now on, whatever clone(2) asked; a grandchild made
		 * with exit signal SIGKILL (or 32, which init cannot
		 * ignore) outliving its parent killed the sandbox. */
		c->exit_signal = SIGCHLD;
		if (init && init != tg && !init->exiting) {
			child_link_locked(init, c);
			if (c->zombie)
				signal_notify_parent_locked(c, CLD_EXITED, 0);
		}
	}
}

/* A zombie whose parent does not want it (SIGCHLD ignored or SA_NOCLDWAIT)
 * is reaped at once (wait(2) NOTES). */
static bool parent_autoreaps(struct thread_group *tg)
{
	struct thread_group *p = tg->parent;
	if (!p)
		return true;
	struct k_sigaction *a = &p->sighand->action[SIGCHLD];
	return tg->exit_signal == SIGCHLD &&
	       (a->handler == (uint64_t)(uintptr_t)SIG_IGN ||
		(a->flags & SA_NOCLDWAIT));
}

static void tg_release_locked(struct thread_group *tg)
{
	child_unlink_locked(tg);
	kernel_tg_unlist_locked(tg);
	kernel_tg_put(tg);
}

void process_exit_mm_release(struct task *t)
{
	clear_child_tid(t);
	process_vfork_release(t);
	futex_exit_robust_list(t);
}

/* The sandbox ends with its init (a pid namespace's): the processes left
 * are killed with the sentry, so their shared host-file pages are
 * written back now, as Linux's page cache keeps the stores of a killed
 * process. Each task is held by a reference and its mm read under its
 * res_lock, as /proc readers do. */
static void writeback_all_mms(void)
{
	struct task **ts = NULL;
	size_t n = 0, cap = 0;

	kernel_lock();
	for (struct task *o = kernel_all_tasks_locked(); o; o = o->next_all) {
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			ts = rv_xrealloc(ts, cap * sizeof(*ts));
		}
		atomic_fetch_add(&o->refs, 1);
		ts[n++] = o;
	}
	kernel_unlock();
	struct mm *done[16];
	size_t ndone = 0;
	for (size_t i = 0; i < n; i++) {
		task_res_read_lock(ts[i]);
		struct mm *mm = ts[i]->mm;
		if (mm)
			mm_get(mm);
		task_res_read_unlock(ts[i]);
		bool seen = false;
		for (size_t k = 0; mm && k < ndone; k++)
			seen |= done[k] == mm;
		if (mm && !seen) {
			mm_writeback_all(mm);
			if (ndone < RV_ARRAY_SIZE(done))
				done[ndone++] = mm;
		}
		if (mm)
			mm_put(mm);
		task_put(ts[i]);
	}
	free(ts);
}


void process_thread_exit(struct task *t)
{
	struct thread_group *tg = t->tg;

	/* SEM_UNDO before the parent can see the exit (exit_sem() comes
	 * before exit_notify()); again below if threads raced out. */
	kernel_lock();
	bool alone = tg->nr_threads == 1;
	kernel_unlock();
	if (alone)
		ipc_exit_process(tg->tgid);

	kernel_lock();
	nr_tasks_live--;
	bool last = --tg->nr_threads == 0;
	/* An execve(2) in another thread waits for this one to be gone. */
	if (tg->execer && tg->execer != t)
		task_wake(tg->execer);
	/* exit(2) of the last thread ends the group with its status. */
	if (last && !tg->exiting) {
		tg->exiting = true;
		tg->exit_code = t->exit_code;
	}
	int status = tg->exit_code;
	int tgid = tg->tgid;
	bool is_init = tg == kernel_init_tg();
	if (last) {
		reparent_children_locked(tg);
		tg->zombie = true;
		int why = WIFSIGNALED(status) ? CLD_KILLED : CLD_EXITED;
		int st = WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status);
		if (parent_autoreaps(tg)) {
			struct thread_group *p = tg->parent;
			tg_release_locked(tg);
			if (p)
				kernel_wake_group_locked(p);
		} else {
			signal_notify_parent_locked(tg, why, st);
		}
	}
	kernel_unlock();
	/* A dead process's alarm, itimers and POSIX timers go with it. */
	if (last) {
		timers_release_tg(tgid);
		ipc_exit_process(tgid);
		waitq_wake(&process_exit_wq, POLLIN);
	}
	if (last && is_init) {
		writeback_all_mms();
		kernel_exit_sandbox(status);
	}
}

/* --- wait ----------------------------------------------------------------- */


struct wait_req {
	int idtype; /* P_PID, P_PGID, P_ALL */
	int id;
	int options;
	/* results */
	int pid, status, why, st;
};

static bool wait_match(struct task *t, struct thread_group *c,
		       const struct wait_req *w)
{
	switch (w->idtype) {
	case P_PID:
		if (c->tgid != w->id)
			return false;
		break;
	case P_PGID:
		if (c->pgid != w->id)
			return false;
		break;
	}
	/* __WALL waits for all; __WCLONE only "clone" children (exit signal
	 * other than SIGCHLD); by default only SIGCHLD children. */
	if (w->options & __WALL)
		return true;
	bool clone_child = c->exit_signal != SIGCHLD;
	(void)t;
	return (w->options & __WCLONE) ? clone_child : !clone_child;
}

/* One pass over the children: 1 found (and reaped unless WNOWAIT), 0 none
 * ready yet, -ECHILD no matching child at all. */
static int wait_once_locked(struct task *t, struct wait_req *w)
{
	bool any = false;
	for (struct thread_group *c = t->tg->children; c; c = c->sibling) {
		if (!wait_match(t, c, w))
			continue;
		any = true;
		if (c->zombie && (w->options & WEXITED)) {
			w->pid = c->tgid;
			w->status = c->exit_code;
			w->why = WIFSIGNALED(c->exit_code) ? CLD_KILLED : CLD_EXITED;
			w->st = WIFSIGNALED(c->exit_code) ? WTERMSIG(c->exit_code) :
							   WEXITSTATUS(c->exit_code);
			if (!(w->options & WNOWAIT))
				tg_release_locked(c);
			return 1;
		}
		if ((w->options & WUNTRACED) && c->stopped &&
		    c->wait_report && c->wait_report != 0xffff) {
			w->pid = c->tgid;
			w->status = c->wait_report;
			w->why = CLD_STOPPED;
			w->st = (c->wait_report >> 8) & 0xff;
			if (!(w->options & WNOWAIT))
				c->wait_report = 0;
			return 1;
		}
		if ((w->options & WCONTINUED) && c->wait_report == 0xffff) {
			w->pid = c->tgid;
			w->status = 0xffff;
			w->why = CLD_CONTINUED;
			w->st = SIGCONT;
			if (!(w->options & WNOWAIT))
				c->wait_report = 0;
			return 1;
		}
	}
	return any ? 0 : -ECHILD;
}

static long do_wait(struct task *t, struct wait_req *w)
{
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		kernel_lock();
		int r = wait_once_locked(t, w);
		kernel_unlock();
		if (r != 0)
			return r < 0 ? r : w->pid;
		if (w->options & WNOHANG)
			return 0;
		if (task_wait_commit(t, seq, NULL) == -EINTR)
			return -RV_ERESTARTSYS;
	}
}

long process_wait4(struct task *t, int pid, uint64_t status_addr, int options,
		   uint64_t rusage_addr)
{
	struct wait_req w = {.options = options | WEXITED};

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD |
			__WCLONE | __WALL))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if (pid > 0) {
		w.idtype = P_PID;
		w.id = pid;
	} else if (pid == 0) {
		w.idtype = P_PGID;
		w.id = t->tg->pgid;
	} else if (pid < -1) {
		w.idtype = P_PGID;
		w.id = -pid;
	} else {
		w.idtype = P_ALL;
	}
	long r = do_wait(t, &w);
	if (r <= 0)
		return r;
	if (status_addr) {
		int32_t st = w.status;
		if (mm_copy_out(t->mm, status_addr, &st, 4) < 0)
			return -EFAULT;
	}
	if (rusage_addr) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (mm_copy_out(t->mm, rusage_addr, &ru, sizeof(ru)) < 0)
			return -EFAULT;
	}
	return r;
}

long process_waitid(struct task *t, int idtype, int id, uint64_t infop,
		    int options, uint64_t rusage_addr)
{
	struct wait_req w = {.idtype = idtype, .id = id, .options = options};
	long r;

	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED |
			__WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WSTOPPED | WCONTINUED)))
		return -EINVAL;
	if (options & WSTOPPED)
		w.options |= WUNTRACED;
	switch (idtype) {
	case P_ALL:
		break;
	case P_PID:
		if (id <= 0)
			return -EINVAL;
		break;
	case P_PGID:
		if (id < 0)
			return -EINVAL;
		if (id == 0)
			w.id = t->tg->pgid;
		break;
	case P_PIDFD: {
		/* The pidfd's process, if a child; O_NONBLOCK on the pidfd
		 * makes a wait that would block EAGAIN. */
		bool nb = false;
		int tgid = pidfd_tgid(t, id, &nb);
		if (tgid < 0)
			return tgid;
		w.idtype = P_PID;
		w.id = tgid;
		if (nb && !(options & WNOHANG)) {
			w.options |= WNOHANG;
			r = do_wait(t, &w);
			if (r == 0)
				return -EAGAIN;
			if (r < 0)
				return r;
			goto done;
		}
		break;
	}
	default:
		return -EINVAL;
	}
	r = do_wait(t, &w);
	if (r < 0)
		return r;
done:
	if (infop) {
		struct {
			int32_t signo, errno_, code, pad;
			int32_t pid, uid, status, pad2;
			uint8_t rest[96];
		} si;
		memset(&si, 0, sizeof(si));
		if (r > 0) {
			si.signo = SIGCHLD;
			si.code = w.why;
			si.pid = w.pid;
			si.status = w.st;
		}
		if (mm_copy_out(t->mm, infop, &si, sizeof(si)) < 0)
			return -EFAULT;
	}
	if (rusage_addr) {
		struct rusage ru;
		memset(&ru, 0, sizeof(ru));
		if (mm_copy_out(t->mm, rusage_addr, &ru, sizeof(ru)) < 0)
			return -EFAULT;
	}
	return 0;
}

/* --- process groups and sessions ------------------------------------------ */

static struct thread_group *tg_by_pid_locked(int pid)
{
	struct task *t = kernel_find_task_locked(pid);
	return t && t->tg->tgid == pid && !t->tg->zombie ? t->tg : NULL;
}

static bool pgrp_exists_in_session_locked(int pgid, int sid)
{
	bool found = false;
	kernel_for_each_tg_locked(tg, {
		if (tg->pgid == pgid && tg->sid == sid && !tg->zombie)
			found = true;
	});
	return found;
}

long process_setpgid(struct task *t, int pid, int pgid)
{
	long r = 0;
	if (pgid < 0)
		return -EINVAL;
	kernel_lock();
	struct thread_group *tg = pid == 0 ? t->tg : tg_by_pid_locked(pid);
	if (!tg) {
		r = -ESRCH;
		goto out;
	}
	/* The caller itself or one of its children (setpgid(2)). */
	if (tg != t->tg && tg->parent != t->tg) {
		r = -ESRCH;
		goto out;
	}
	if (tg->sid == tg->tgid) {
		r = -EPERM; /* a session leader */
		goto out;
	}
	if (tg != t->tg && tg->sid != t->tg->sid) {
		r = -EPERM;
		goto out;
	}
	if (pgid == 0)
		pgid = tg->tgid;
	if (pgid != tg->tgid && !pgrp_exists_in_session_locked(pgid, t->tg->sid)) {
		r = -EPERM;
		goto out;
	}
	tg->pgid = pgid;
out:
	kernel_unlock();
	return r;
}

long process_setsid(struct task *t)
{
	long r;
	kernel_lock();
	/* A process group leader cannot start a session (EPERM), nor can
	 * anyone whose pid is some group's id. */
	bool leader = false;
	kernel_for_each_tg_locked(tg, {
		if (tg->pgid == t->tg->tgid && !tg->zombie)
			leader = true;
	});
	if (leader) {
		r = -EPERM;
	} else {
		t->tg->sid = t->tg->tgid;
		t->tg->pgid = t->tg->tgid;
		r = t->tg->tgid;
	}
	kernel_unlock();
	return r;
}

bool process_may_signal(const struct task *t, const struct task *o, int sig)
{
	const struct cred *c = &t->cred, *oc = &o->cred;
	if (o->tg == t->tg || c->euid == 0)
		return true;
	if (c->euid == oc->suid || c->euid == oc->uid || c->uid == oc->suid ||
	    c->uid == oc->uid)
		return true;
	return sig == SIGCONT && o->tg->sid == t->tg->sid;
}

/* kill(2) to a process group or to everyone (-1), each process as
 * permitted (process_may_signal): a group where none is permitted is
 * EPERM, everyone (-1) is 0 even then, as in Linux. Every target is
 * marked in one kernel lock hold, as Linux holds tasklist_lock: a fork
 * linking its child after the hold finds its parent's signal pending
 * (process_clone), so no process escapes, however many there are. The
 * wakes follow, unlocked. */
long process_kill_many(struct task *t, int pgid, bool all, int sig,
		       bool user)
{
	struct wake {
		struct thread_group *tg;
		struct task *target;
	} *wakes = NULL;
	size_t n = 0, cap = 0;
	bool found = false, sent = false;
	struct ksiginfo info = {.signo = sig, .code = SI_USER,
				.pid = t->tg->tgid, .uid = (int)t->cred.uid};

	kernel_lock();
	kernel_for_each_tg_locked(tg, {
		if (tg->zombie)
			continue;
		if (!(all ? (tg->tgid != 1 && tg != t->tg) : tg->pgid == pgid))
			continue;
		found = true;
		/* The leader's memory lives as long as the group; the check
		 * reads credentials only and takes no lock. */
		bool may = !user || !tg->leader ||
			   process_may_signal(t, tg->leader, sig);
		sent |= may;
		if (!sig || !may)
			continue;
		struct task *target;
		if (kernel_send_signal_tg_locked(tg, &info, &target) <= 0)
			continue;
		/* Bounded by the sandbox's task limit. */
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			wakes = rv_xrealloc(wakes, cap * sizeof(*wakes));
		}
		atomic_fetch_add(&tg->refs, 1);
		wakes[n].tg = tg;
		wakes[n++].target = target;
	});
	kernel_unlock();
	if (n)
		signalfd_notify();
	for (size_t i = 0; i < n; i++) {
		kernel_signal_tg_wake(wakes[i].tg, wakes[i].target);
		kernel_tg_put(wakes[i].tg);
	}
	free(wakes);
	if (!found)
		return -ESRCH;
	return all || sent ? 0 : -EPERM;
}
