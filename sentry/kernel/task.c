/* Tasks and the task loop.
 *
 * Every application thread is a task run by its own sentry host thread.
 * The loop asks the platform to run the app until it needs the sentry,
 * handles what happened (a system call, a fault, an interruption), and
 * delivers pending signals before going back. */
#include "sentry/kernel/kernel.h"

#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sentry/kernel/process.h"
#include "sentry/kernel/signal.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

__thread struct task *current;
struct platform *rv_platform;
bool rv_strace;

/* The kernel lock: all tasks (sorted by tid), all thread groups until they
 * are reaped, their relations and signal state. */
static pthread_mutex_t kernel_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct task *all_tasks;
struct thread_group *kernel_all_tgs;
static int next_tid = 1;

void kernel_lock(void) { pthread_mutex_lock(&kernel_mutex); }
void kernel_unlock(void) { pthread_mutex_unlock(&kernel_mutex); }

struct task *kernel_all_tasks_locked(void) { return all_tasks; }

bool kernel_lock_within(int ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	ts.tv_sec += ms / 1000 + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	return pthread_mutex_timedlock(&kernel_mutex, &ts) == 0;
}

/* The end of the sandbox: init's wait status, once it has exited. */
static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t end_cond = PTHREAD_COND_INITIALIZER;
static bool sandbox_ended;
static int sandbox_status;
static struct thread_group *init_tg;

struct thread_group *kernel_init_tg(void) { return init_tg; }

void kernel_insert_task_locked(struct task *t)
{
	struct task **pp = &all_tasks;
	while (*pp && (*pp)->tid < t->tid)
		pp = &(*pp)->next_all;
	t->next_all = *pp;
	*pp = t;
	if (t->tg->leader == t) {
		t->tg->next_all = kernel_all_tgs;
		kernel_all_tgs = t->tg;
	}
}

static void tasks_remove_locked(struct task *t)
{
	for (struct task **pp = &all_tasks; *pp; pp = &(*pp)->next_all) {
		if (*pp == t) {
			*pp = t->next_all;
			return;
		}
	}
}

struct task *kernel_find_task_locked(int tid)
{
	for (struct task *t = all_tasks; t && t->tid <= tid; t = t->next_all)
		if (t->tid == tid)
			return t->exited ? NULL : t;
	return NULL;
}

/* Allocate an unused id: Linux hands out increasing pids and wraps at
 * pid_max, skipping ids in use as a tid, tgid, pgid or sid. */
int kernel_tid_alloc_locked(void)
{
	for (;;) {
		int tid = next_tid++;
		if (next_tid >= 4194304)
			next_tid = 2;
		bool used = false;
		for (struct task *t = all_tasks; t && !used; t = t->next_all)
			used = t->tid == tid;
		kernel_for_each_tg_locked(tg, {
			if (tg->tgid == tid || tg->pgid == tid || tg->sid == tid)
				used = true;
		});
		if (!used)
			return tid;
	}
}

struct task *task_find(int tid)
{
	kernel_lock();
	struct task *t = kernel_find_task_locked(tid);
	if (t)
		atomic_fetch_add(&t->refs, 1);
	kernel_unlock();
	return t;
}

static void tg_free(struct thread_group *tg)
{
	struct sighand *sh = tg->sighand;
	if (sh) {
		pthread_mutex_lock(&sh->lock);
		bool last = --sh->refs == 0;
		pthread_mutex_unlock(&sh->lock);
		if (last)
			free(sh);
	}
	/* The leader's memory lives as long as the group (tg->leader stays
	 * valid for signals while other threads run). */
	free(tg->leader);
	free(tg);
}

void kernel_tg_put(struct thread_group *tg)
{
	if (atomic_fetch_sub(&tg->refs, 1) == 1)
		tg_free(tg);
}

/* Reaped: off the list of groups; its memory goes with the last ref. */
void kernel_tg_unlist_locked(struct thread_group *tg)
{
	/* Init reaped: its memory goes with its last ref, while orphans of
	 * a fork bomb may still be exiting before the sandbox ends; they
	 * must not reparent to it (a use-after-free ASan found). */
	if (tg == init_tg)
		init_tg = NULL;
	for (struct thread_group **pp = &kernel_all_tgs; *pp; pp = &(*pp)->next_all)
		if (*pp == tg) {
			*pp = tg->next_all;
			return;
		}
}

void task_put(struct task *t)
{
	if (atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	struct thread_group *tg = t->tg;
	if (!tg) {
		free(t);
		return;
	}
	if (tg->leader != t)
		free(t);
	kernel_tg_put(tg);
}

void kernel_for_each_tgid(void (*fn)(int tgid, void *arg), void *arg)
{
	kernel_lock();
	for (struct task *t = all_tasks; t; t = t->next_all)
		if (t->tg->leader == t && !t->tg->zombie)
			fn(t->tg->tgid, arg);
	kernel_unlock();
}

int task_ppid(struct task *t)
{
	kernel_lock();
	struct thread_group *p = t->tg->parent;
	int r = p ? p->tgid : 0;
	kernel_unlock();
	return r;
}

static bool pick_blocks(struct task *t, int sig, struct task *skip)
{
	return !t || t == skip || t->exited ||
	       atomic_load(&t->dbg.state) == TASK_DBG_EXITING ||
	       (t->sigmask & (1ULL << (sig - 1)));
}

/* Linux's wants_signal(): not blocked, not exiting and, but for SIGKILL,
 * not stopped and either running (task_curr: in app code or in a system
 * call, not asleep) or without a signal of its own to take already. */
static bool pick_wants(struct task *t, int sig, struct task *skip)
{
	if (pick_blocks(t, sig, skip))
		return false;
	if (sig == SIGKILL)
		return true;
	if (t->tg->stopped)
		return false;
	int st = atomic_load(&t->dbg.state);
	if (st == TASK_DBG_APP || st == TASK_DBG_SYSCALL)
		return true;
	uint64_t p = atomic_load(&t->pending) & ~t->sigmask;
	return !p && !atomic_load(&t->shared_sigpending);
}

/* The threads of tg in Linux's thread-list order (creation: tid order
 * here), starting at the first whose tid is at least from, around once. */
#define for_each_thread_from(grp, from, t, i)                                 \
	for (int i = 0; i < 2; i++)                                           \
		for (struct task *t = all_tasks; t; t = t->next_all)          \
			if (t->tg == (grp) && (i == 0 ? t->tid >= (from)      \
						      : t->tid < (from)))

/* Linux's complete_signal(): the thread the pid names (the leader) if it
 * wants the signal, else the first from tg->curr_target on that wants it,
 * which becomes the next search's start (so successive signals rotate
 * over the threads instead of piling on the lowest tid). When none wants
 * it but some do not block it (each already has a signal to take and is
 * asleep), Linux wakes nobody and the first to reach user mode takes
 * it: the first from curr_target that does not block it is marked.
 * NULL when every thread blocks it (it waits for one to unblock it or to
 * sigwait for it). */
struct task *kernel_pick_thread_locked(struct thread_group *tg, int sig,
				       struct task *skip)
{
	if (pick_wants(tg->leader, sig, skip))
		return tg->leader;
	struct task *fallback = NULL;
	for_each_thread_from(tg, tg->curr_target, t, i) {
		if (pick_wants(t, sig, skip)) {
			tg->curr_target = t->tid;
			return t;
		}
		if (!fallback && !pick_blocks(t, sig, skip))
			fallback = t;
	}
	return fallback;
}

/* Linux's retarget_shared_pending(): the first thread after t (in list
 * order, around) that is not exiting and does not block sig; NULL when
 * every other thread blocks it. */
struct task *kernel_retarget_thread_locked(struct task *t, int sig)
{
	for_each_thread_from(t->tg, t->tid + 1, o, i)
		if (!pick_blocks(o, sig, t))
			return o;
	return NULL;
}

void kernel_wake_group_locked(struct thread_group *tg)
{
	for (struct task *t = all_tasks; t; t = t->next_all) {
		if (t->tg != tg || t == current)
			continue;
		task_wake(t);
		if (t->ctx)
			rv_platform->ops->ctx_interrupt(t->ctx);
	}
}

void kernel_wake_group(struct thread_group *tg)
{
	kernel_lock();
	kernel_wake_group_locked(tg);
	kernel_unlock();
}

void kernel_exec_zap_others_locked(struct task *t)
{
	for (struct task *o = all_tasks; o; o = o->next_all) {
		if (o->tg != t->tg || o == t || o->exited)
			continue;
		o->exited = true;
		task_wake(o);
		if (o->ctx)
			rv_platform->ops->ctx_interrupt(o->ctx);
	}
}

void kernel_exec_become_leader_locked(struct task *t)
{
	struct thread_group *tg = t->tg;
	struct task *old = tg->leader;
	tasks_remove_locked(t);
	t->tid = tg->tgid;
	tg->leader = t;
	struct task **pp = &all_tasks;
	while (*pp && (*pp)->tid < t->tid)
		pp = &(*pp)->next_all;
	t->next_all = *pp;
	*pp = t;
	/* The old leader has exited and dropped its reference; its memory
	 * was kept for tg->leader and is no longer needed. */
	if (old && atomic_load(&old->refs) == 0)
		free(old);
}

/* Out of sandbox memory: like Linux's OOM killer, kill the process using
 * the most memory rather than whichever one faulted (an idle shell
 * touching a stack page must not die for its child's hog). Returns true
 * when another process was chosen (and killed or already dying), false
 * when the faulting task's own process is the biggest. */
bool kernel_oom_kill_other(struct task *t)
{
	struct thread_group *victim = NULL;
	uint64_t most = 0;

	kernel_lock();
	for (struct task *o = all_tasks; o; o = o->next_all) {
		if (o->tg->leader != o || o->exited)
			continue;
		/* (kernel_lock, then res_lock: exec and exit take res_lock
		 * alone.) */
		task_res_read_lock(o);
		uint64_t rss = o->mm ? mm_rss_bytes(o->mm) : 0;
		task_res_read_unlock(o);
		if (rss > most) {
			most = rss;
			victim = o->tg;
		}
	}
	if (!victim || victim == t->tg) {
		kernel_unlock();
		return false;
	}
	atomic_fetch_add(&victim->refs, 1);
	bool dying = victim->exiting;
	kernel_unlock();
	if (!dying) {
		rv_dbg("out of memory: killing process %d (%llu KiB) for %d",
		       victim->tgid, (unsigned long long)(most >> 10),
		       t->tg->tgid);
		struct ksiginfo info = {.signo = SIGKILL, .code = SI_KERNEL};
		kernel_send_signal_tg(victim, &info);
	}
	kernel_tg_put(victim);
	/* Let the victim run and free its memory before re-faulting. */
	sched_yield();
	return true;
}

/* A zeroed task with its wait queue ready. */
struct task *task_alloc(void)
{
	struct task *t = rv_xcalloc(1, sizeof(*t));
	pthread_condattr_t ca;
	struct timespec ts;
	t->refs = 1;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	t->start_boot_ns = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	pthread_mutex_init(&t->wait_lock, NULL);
	pthread_rwlock_init(&t->res_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wait_cond, &ca);
	pthread_condattr_destroy(&ca);
	return t;
}

/* The rlimits the sandbox starts with: the host's, like a process started
 * from the same shell. */
static void rlimits_init(struct rlimit *rl)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (getrlimit(i, &rl[i]) < 0)
			rl[i].rlim_cur = rl[i].rlim_max = RLIM_INFINITY;
}

struct task *kernel_create_init(void)
{
	struct task *t = task_alloc();
	struct thread_group *tg = rv_xcalloc(1, sizeof(*tg));

	kernel_lock();
	t->tid = kernel_tid_alloc_locked();
	kernel_unlock();
	tg->refs = 2; /* the process tree's and the task's */
	tg->tgid = tg->pgid = tg->sid = t->tid;
	tg->exit_signal = SIGCHLD;
	tg->leader = t;
	tg->nr_threads = 1;
	pthread_mutex_init(&tg->lock, NULL);
	tg->sighand = rv_xcalloc(1, sizeof(*tg->sighand));
	tg->sighand->refs = 1;
	pthread_mutex_init(&tg->sighand->lock, NULL);
	rlimits_init(tg->rlim);
	t->tg = tg;
	init_tg = tg;

	/* The app runs with the caller's ids, as `runsc do` and bubblewrap
	 * present them. */
	t->cred.uid = t->cred.euid = t->cred.suid = t->cred.fsuid = getuid();
	t->cred.gid = t->cred.egid = t->cred.sgid = t->cred.fsgid = getgid();
	int n = getgroups(RV_ARRAY_SIZE(t->cred.groups), t->cred.groups);
	t->cred.ngroups = n > 0 ? n : 0;

	t->fs = fs_context_create_root();
	t->files = fdtable_create();
	if (!t->fs || !t->files)
		return NULL;
	for (int fd = 0; fd < 3; fd++) {
		struct file *f = hostfd_file_create(fd);
		if (!f)
			continue; /* the caller closed it: so is the app's */
		int r = fd_install_at(t->files, f, fd, false);
		file_put(f);
		if (r < 0)
			return NULL;
	}
	t->ctx = rv_platform->ops->ctx_create(rv_platform);
	if (!t->ctx)
		return NULL;
	strcpy(t->comm, "init");
	kernel_lock();
	kernel_insert_task_locked(t);
	kernel_unlock();
	return t;
}

static void sandbox_end(int status)
{
	pthread_mutex_lock(&end_lock);
	if (!sandbox_ended) {
		sandbox_ended = true;
		sandbox_status = status;
		pthread_cond_broadcast(&end_cond);
	}
	pthread_mutex_unlock(&end_lock);
}

int kernel_wait_sandbox(void)
{
	pthread_mutex_lock(&end_lock);
	while (!sandbox_ended)
		pthread_cond_wait(&end_cond, &end_lock);
	int st = sandbox_status;
	pthread_mutex_unlock(&end_lock);
	return st;
}

void kernel_exit_sandbox(int wait_status) { sandbox_end(wait_status); }

void task_exit_group(struct task *t, int status)
{
	struct thread_group *tg = t->tg;

	kernel_lock();
	if (!tg->exiting) {
		tg->exiting = true;
		tg->exit_code = status;
	}
	t->exited = true;
	/* Other threads leave at their next return to the sentry; wake those
	 * sleeping and interrupt those running app code. */
	kernel_wake_group_locked(tg);
	kernel_unlock();
}

void task_res_read_lock(struct task *t)
{
	pthread_rwlock_rdlock(&t->res_lock);
}

void task_res_read_unlock(struct task *t)
{
	pthread_rwlock_unlock(&t->res_lock);
}

/* The task's thread ends: release what it holds; the last thread of a
 * group turns it into a zombie for its parent (process.c). */
static void task_exit(struct task *t)
{
	atomic_store(&t->dbg.state, TASK_DBG_EXITING);
	process_exit_mm_release(t);
	/* Detached first, released after: a reader of another task's files
	 * or memory (under res_lock) never sees them freed. */
	pthread_rwlock_wrlock(&t->res_lock);
	struct fdtable *files = t->files;
	struct fs_context *fs = t->fs;
	struct mm *mm = t->mm;
	t->files = NULL;
	t->fs = NULL;
	t->mm = NULL;
	pthread_rwlock_unlock(&t->res_lock);
	if (files)
		fdtable_put(files);
	if (fs)
		fs_context_put(fs);
	/* Detached under kernel_lock, destroyed after: wakers interrupt a
	 * task's context only under that lock (signal_wake_locked(),
	 * kernel_wake_group_locked()). */
	kernel_lock();
	struct platform_ctx *ctx = t->ctx;
	t->ctx = NULL;
	kernel_unlock();
	if (ctx)
		rv_platform->ops->ctx_destroy(ctx);
	if (mm)
		mm_put(mm);
	process_thread_exit(t);

	kernel_lock();
	tasks_remove_locked(t);
	kernel_unlock();
	task_put(t);
}

static void handle_syscall(struct task *t, const struct platform_event *ev)
{
	rv_regs_t *r = &t->ctx->regs;
	uint64_t args[6] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9};
	/* Linux's do_syscall_64() takes the number as an int: the upper
	 * 32 bits of rax are ignored ((1 << 32) | 39 is getpid). */
	unsigned long nr = (uint32_t)r->orig_rax;
	long ret;

	if (ev->compat32) {
		/* The 32-bit ABI (int 0x80) is not offered: Linux without
		 * IA32_EMULATION answers -ENOSYS the same way. */
		ret = -ENOSYS;
	} else {
		atomic_store(&t->dbg.sysno, (long)nr);
		atomic_store(&t->dbg.state, TASK_DBG_SYSCALL);
		ret = syscall_dispatch(t, nr, args);
	}
	/* rt_sigreturn and execve replace all registers themselves. */
	if (ret == -RV_EJUSTRETURN)
		return;
	r->rax = (uint64_t)ret;
	if (ret <= -RV_ERESTARTSYS && ret >= -RV_ERESTART_RESTARTBLOCK)
		t->in_syscall_restart = true;
}

static void task_loop(struct task *t)
{
	const struct platform_ops *ops = rv_platform->ops;
	struct platform_event ev;
	int code;

	/* A new task may have been sent signals before it first ran. */
	task_deliver_signals(t);
	while (!t->exited && !t->tg->exiting) {
		atomic_store(&t->dbg.state, TASK_DBG_APP);
		int rc = ops->ctx_switch(t->ctx, mm_platform_as(t->mm), &ev);
		if (rc < 0) {
			rv_err("platform %s: task %d: cannot run the app: %s",
			       ops->name, t->tid, strerror(-rc));
			task_exit_group(t, SIGKILL);
			break;
		}
		switch (ev.kind) {
		case PEV_SYSCALL:
			handle_syscall(t, &ev);
			break;
		case PEV_FAULT: {
			int sig = mm_handle_fault(t->mm, ev.addr, ev.access,
						  ev.present, &code);
			if (sig == SIGKILL && kernel_oom_kill_other(t))
				break; /* the app re-faults once memory is back */
			if (sig)
				task_force_signal(t, sig, code, ev.addr);
			break;
		}
		case PEV_SIGNAL:
			task_force_signal(t, ev.signo, ev.code, ev.addr);
			break;
		case PEV_INTERRUPTED:
			break;
		}
		if (!t->exited && !t->tg->exiting)
			task_deliver_signals(t);
	}
	t->exited = true;
	/* A process-directed signal chosen for this thread goes to another
	 * (Linux's exit_signals() retarget_shared_pending()). */
	signal_retarget(t);
}

void task_run(struct task *t)
{
	current = t;
	t->host_tid = (int)syscall(SYS_gettid);
	task_loop(t);
	t->host_tid = 0;
	task_exit(t);
	current = NULL;
}

static void *task_thread(void *arg)
{
	void *altstack = rv_thread_altstack();
	task_run(arg);
	rv_thread_altstack_free(altstack);
	return NULL;
}

int kernel_start_task(struct task *t)
{
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	/* Handlers keep path and I/O buffers on the stack. */
	pthread_attr_setstacksize(&attr, 256 << 10);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t->thread, &attr, task_thread, t);
	pthread_attr_destroy(&attr);
	return -r;
}

/* --- UTS names ------------------------------------------------------------ */

static pthread_mutex_t uts_lock = PTHREAD_MUTEX_INITIALIZER;
static bool uts_set[2];
static char uts_names[2][65];

void kernel_uname(struct utsname *u)
{
	if (uname(u) < 0)
		memset(u, 0, sizeof(*u));
	pthread_mutex_lock(&uts_lock);
	if (uts_set[0])
		memcpy(u->nodename, uts_names[0], sizeof(uts_names[0]));
	if (uts_set[1])
		memcpy(u->domainname, uts_names[1], sizeof(uts_names[1]));
	pthread_mutex_unlock(&uts_lock);
}

void kernel_set_uts_name(int which, const char *name, size_t len)
{
	if (which < 0 || which > 1 || len > 64)
		return;
	pthread_mutex_lock(&uts_lock);
	memset(uts_names[which], 0, sizeof(uts_names[which]));
	memcpy(uts_names[which], name, len);
	uts_set[which] = true;
	pthread_mutex_unlock(&uts_lock);
}
