/* Tasks and the task loop.
 *
 * Every application thread is a task run by its own sentry host thread.
 * The loop asks the platform to run the app until it needs the sentry,
 * handles what happened (a system call, a fault, an interruption), and
 * delivers pending signals before going back. */
#include "sentry/kernel/kernel.h"

#include <string.h>
#include <sys/wait.h>

#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

__thread struct task *current;
struct platform *rv_platform;
bool rv_strace;

/* All tasks, sorted by tid; protected by tasks_lock. */
static pthread_mutex_t tasks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct task *all_tasks;
static int next_tid = 1;

/* The end of the sandbox: init's wait status, once it has exited. */
static pthread_mutex_t end_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t end_cond = PTHREAD_COND_INITIALIZER;
static bool sandbox_ended;
static int sandbox_status;
static struct thread_group *init_tg;

static void tasks_insert(struct task *t)
{
	struct task **pp = &all_tasks;
	while (*pp && (*pp)->tid < t->tid)
		pp = &(*pp)->next_all;
	t->next_all = *pp;
	*pp = t;
}

static void tasks_remove(struct task *t)
{
	for (struct task **pp = &all_tasks; *pp; pp = &(*pp)->next_all) {
		if (*pp == t) {
			*pp = t->next_all;
			return;
		}
	}
}

/* Allocate an unused tid: Linux hands out increasing pids and wraps at
 * pid_max, skipping those in use. */
static int tid_alloc_locked(void)
{
	for (;;) {
		int tid = next_tid++;
		if (next_tid >= 4194304)
			next_tid = 2;
		bool used = false;
		for (struct task *t = all_tasks; t; t = t->next_all)
			if (t->tid == tid || t->tg->tgid == tid || t->tg->pgid == tid ||
			    t->tg->sid == tid)
				used = true;
		if (!used)
			return tid;
	}
}

struct task *task_find(int tid)
{
	pthread_mutex_lock(&tasks_lock);
	struct task *t = all_tasks;
	while (t && t->tid != tid)
		t = t->next_all;
	if (t && !t->exited)
		atomic_fetch_add(&t->refs, 1);
	else
		t = NULL;
	pthread_mutex_unlock(&tasks_lock);
	return t;
}

static void tg_put(struct thread_group *tg)
{
	if (atomic_fetch_sub(&tg->refs, 1) != 1)
		return;
	if (tg->sighand && --tg->sighand->refs == 0)
		free(tg->sighand);
	free(tg);
}

void task_put(struct task *t)
{
	if (atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	tg_put(t->tg);
	free(t);
}

void kernel_for_each_tgid(void (*fn)(int tgid, void *arg), void *arg)
{
	pthread_mutex_lock(&tasks_lock);
	for (struct task *t = all_tasks; t; t = t->next_all)
		if (t->tg->leader == t && !t->exited)
			fn(t->tg->tgid, arg);
	pthread_mutex_unlock(&tasks_lock);
}

int task_ppid(struct task *t)
{
	struct thread_group *p = t->tg->parent;
	return p ? p->tgid : 0;
}

static struct thread_group *tg_create(int tgid)
{
	struct thread_group *tg = rv_xcalloc(1, sizeof(*tg));
	tg->refs = 1;
	tg->tgid = tgid;
	tg->pgid = tgid;
	tg->sid = tgid;
	pthread_mutex_init(&tg->lock, NULL);
	tg->sighand = rv_xcalloc(1, sizeof(*tg->sighand));
	tg->sighand->refs = 1;
	pthread_mutex_init(&tg->sighand->lock, NULL);
	return tg;
}

/* The rlimits the sandbox starts with: the host's, like a process started
 * from the same shell, except NPROC which the sandbox enforces itself. */
static void rlimits_init(struct rlimit *rl)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		if (getrlimit(i, &rl[i]) < 0)
			rl[i].rlim_cur = rl[i].rlim_max = RLIM_INFINITY;
}

/* A zeroed task with its wait queue ready. */
static struct task *task_alloc(void)
{
	struct task *t = rv_xcalloc(1, sizeof(*t));
	pthread_condattr_t ca;
	t->refs = 1;
	pthread_mutex_init(&t->wait_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->wait_cond, &ca);
	pthread_condattr_destroy(&ca);
	return t;
}

struct task *kernel_create_init(void)
{
	struct task *t = task_alloc();
	pthread_mutex_lock(&tasks_lock);
	t->tid = tid_alloc_locked();
	pthread_mutex_unlock(&tasks_lock);
	t->tg = tg_create(t->tid);
	t->tg->leader = t;
	t->tg->nr_threads = 1;
	rlimits_init(t->tg->rlim);
	init_tg = t->tg;

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
	pthread_mutex_lock(&tasks_lock);
	tasks_insert(t);
	pthread_mutex_unlock(&tasks_lock);
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

	pthread_mutex_lock(&tg->lock);
	if (!tg->exiting) {
		tg->exiting = true;
		tg->exit_code = status;
	}
	pthread_mutex_unlock(&tg->lock);
	t->exited = true;
	/* Other threads of the group leave at their next return to the
	 * sentry; interrupt those running app code. */
	pthread_mutex_lock(&tasks_lock);
	for (struct task *o = all_tasks; o; o = o->next_all)
		if (o->tg == tg && o != t && o->ctx)
			rv_platform->ops->ctx_interrupt(o->ctx);
	pthread_mutex_unlock(&tasks_lock);
}

/* The task's thread ends: release what it holds, and when it is the last
 * thread of its group, the group ends too. */
static void task_exit(struct task *t)
{
	struct thread_group *tg = t->tg;

	if (t->files)
		fdtable_put(t->files);
	if (t->fs)
		fs_context_put(t->fs);
	t->files = NULL;
	t->fs = NULL;
	if (t->ctx)
		rv_platform->ops->ctx_destroy(t->ctx);
	t->ctx = NULL;
	if (t->mm)
		mm_put(t->mm);
	t->mm = NULL;

	pthread_mutex_lock(&tasks_lock);
	tasks_remove(t);
	pthread_mutex_unlock(&tasks_lock);

	pthread_mutex_lock(&tg->lock);
	bool last = --tg->nr_threads == 0;
	/* exit(2) of the last thread ends the group with its status. */
	if (last && !tg->exiting) {
		tg->exiting = true;
		tg->exit_code = t->exit_code;
	}
	int status = tg->exit_code;
	pthread_mutex_unlock(&tg->lock);
	if (last && tg == init_tg)
		sandbox_end(status);
	task_put(t);
}

static void handle_syscall(struct task *t, const struct platform_event *ev)
{
	rv_regs_t *r = &t->ctx->regs;
	uint64_t args[6] = {r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9};
	unsigned long nr = r->orig_rax;
	long ret;

	if (ev->compat32) {
		/* The 32-bit ABI (int 0x80) is not offered: Linux without
		 * IA32_EMULATION answers -ENOSYS the same way. */
		ret = -ENOSYS;
	} else {
		ret = syscall_dispatch(t, nr, args);
	}
	/* rt_sigreturn and execve replace all registers themselves. */
	if (ret != -RV_EJUSTRETURN)
		r->rax = (uint64_t)ret;
	if (ret <= -RV_ERESTARTSYS && ret >= -RV_ERESTART_RESTARTBLOCK)
		t->in_syscall_restart = true;
}

static void task_loop(struct task *t)
{
	const struct platform_ops *ops = rv_platform->ops;
	struct platform_event ev;
	int code;

	while (!t->exited) {
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
		if (t->tg->exiting)
			t->exited = true;
		if (!t->exited)
			task_deliver_signals(t);
	}
}

void task_run(struct task *t)
{
	current = t;
	task_loop(t);
	task_exit(t);
	current = NULL;
}

static void *task_thread(void *arg)
{
	task_run(arg);
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
