/* Tasks: one per application thread, each run by one sentry host thread.
 *
 *   for (;;) { ev = platform switch; handle(ev); deliver signals; }
 *
 * A task belongs to a thread group (a process), which holds what POSIX
 * threads share: signal handlers, rlimits, the process id, the parent. */
#ifndef RV_TASK_H
#define RV_TASK_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "platform/platform.h"

struct mm;
struct fdtable;     /* sentry/vfs/fdtable.h */
struct fs_context;  /* sentry/vfs/vfs.h: root, cwd, umask */

/* Credentials inside the sandbox (its own model; see issue 5). */
struct cred {
	uid_t uid, euid, suid, fsuid;
	gid_t gid, egid, sgid, fsgid;
	int ngroups;
	gid_t groups[64];
};

/* Linux's k_sigaction as the app sees it (rt_sigaction(2) layout). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

#define RV_NSIG 64

struct sighand {
	pthread_mutex_t lock;
	int refs;
	struct k_sigaction action[RV_NSIG + 1];
};

struct thread_group {
	_Atomic int refs;
	struct thread_group *next_all; /* kernel's list, until reaped */
	int tgid;                 /* pid inside the sandbox */
	struct task *leader;
	/* The thread running execve(2) while it waits for the others to
	 * exit (de_thread); each exiting thread wakes it. Kernel lock. */
	struct task *execer;
	struct thread_group *parent;
	struct sighand *sighand;
	struct rlimit rlim[RLIM_NLIMITS];
	int oom_score_adj;        /* /proc/[pid]/oom_score_adj: kept, inherited */
	int pgid, sid;
	int exit_code;            /* wait status once exited */
	bool exiting;
	bool zombie;              /* all threads gone, not yet reaped */
	bool stopped;             /* job-control stop (SIGSTOP…) */
	/* SIGCONTs sent to the group (kernel lock): a stop signal dequeued
	 * before the latest one must not stop the group afterwards. */
	unsigned cont_seq;
	int nr_threads;
	int exit_signal;          /* sent to the parent at exit (clone) */
	/* Children, for wait4(2); under the kernel's tasks lock. */
	struct thread_group *children, *sibling;
	/* A state change the parent has not collected (WUNTRACED /
	 * WCONTINUED): 0, or the wait status to report. */
	int wait_report;
	uint64_t shared_pending;  /* process-directed pending signals */
	/* Those of shared_pending sent to a chosen thread (Linux's
	 * complete_signal()): only a thread marked shared_sigpending takes
	 * them on its way to user mode. Others are anyone's. Kernel lock. */
	uint64_t shared_targeted;
	/* Linux's signal->curr_target: the tid from which the next search
	 * for a thread to take a process-directed signal starts. */
	int curr_target;
	struct {
		int code, pid, uid, status;
		uint64_t addr;
	} shared_info[RV_NSIG];
	uint64_t utime_ns, stime_ns; /* of exited threads, for rusage */
	pthread_mutex_t lock;
};

/* A vfork(2) parent sleeps until its child execs or exits, or until it is
 * killed (then it leaves first: the record is shared, freed by the last of
 * the two, and holds a reference on the parent for the child's wake-up). */
struct vfork_done {
	_Atomic bool done;
	_Atomic int refs;
	struct task *parent;
};

struct task {
	_Atomic int refs;
	int tid;                   /* thread id inside the sandbox */
	struct task *next_all;     /* kernel's list of all tasks, by tid */
	struct thread_group *tg;
	struct mm *mm;
	struct fdtable *files;
	struct fs_context *fs;
	struct cred cred;
	struct platform_ctx *ctx;
	pthread_t thread;
	/* Host thread id of the sentry thread running the task, 0 before it
	 * starts and once it ends: its host CPU clock stands for the task's
	 * (clock_getcpuclockid(3), pthread_getcpuclockid(3)). */
	_Atomic int host_tid;

	struct vfork_done *vfork_done; /* set in a vfork child */
	uint64_t clear_child_tid;  /* set_tid_address(2) */
	uint64_t robust_list, robust_len;
	uint64_t sigmask;          /* blocked signals, bit (sig-1) */
	uint64_t saved_sigmask;    /* sigsuspend's mask to restore */
	bool has_saved_sigmask;
	_Atomic uint64_t pending;  /* thread-directed pending signals */
	/* Chosen to take tg->shared_targeted (Linux's TIF_SIGPENDING for a
	 * process-directed signal); set and cleared under the kernel lock. */
	_Atomic bool shared_sigpending;
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;

	/* siginfo of each pending thread-directed signal, index sig-1 */
	struct {
		int code, errno_, pid, uid, status;
		uint64_t addr;
	} pending_info[RV_NSIG];

	/* The last syscall returned an RV_ERESTART* code: signal delivery
	 * decides between EINTR and a restart. */
	bool in_syscall_restart;
	/* tg->cont_seq when this thread dequeued a stop signal. */
	unsigned stop_cont_seq;

	/* Interruptible sleeps wait here; sending a signal wakes them. */
	pthread_mutex_t wait_lock;
	/* Held for writing while exec or exit replaces or drops mm, files and
	 * fs; other tasks reading them (/proc, process_vm_*, pidfd_getfd)
	 * hold it for reading, so what they read is not freed under them. */
	pthread_rwlock_t res_lock;
	pthread_cond_t wait_cond; /* CLOCK_MONOTONIC */
	_Atomic uint64_t wake_seq;

	char comm[16];             /* prctl(PR_SET_NAME), /proc/[pid]/comm */
	uint64_t start_boot_ns;    /* CLOCK_BOOTTIME at creation: stat's starttime */
	/* Scheduling as the app set it (sched_setscheduler, setpriority,
	 * sched_setaffinity): recorded and reported, the host schedules the
	 * sentry threads itself. */
	int sched_policy, sched_prio, nice;
	uint64_t affinity;         /* bit per CPU; 0 = all */
	int ioprio;                /* ioprio_set(2); 0 = none set */
	unsigned int personality;  /* personality(2): recorded, inherited */
	bool keepcaps;             /* prctl(PR_SET_KEEPCAPS) */
	bool exited;
	int exit_code;             /* wait status */

	/* What the task is doing, for the stack dump (kernel_dump_tasks):
	 * written by the task's own thread, read racily by the dumper. */
	struct {
		_Atomic int state;         /* enum task_dbg_state */
		_Atomic long sysno;        /* the syscall being handled */
		const void *_Atomic wchan; /* code that sleeps (caller) */
		const void *_Atomic wobj;  /* what it sleeps on (waitq…) */
	} dbg;
};

enum task_dbg_state {
	TASK_DBG_NEW,       /* not run yet */
	TASK_DBG_APP,       /* running app code (in the platform) */
	TASK_DBG_SYSCALL,   /* in the sentry, handling dbg.sysno */
	TASK_DBG_BLOCKED,   /* asleep in dbg.sysno, at dbg.wchan */
	TASK_DBG_STOPPED,   /* group stop (SIGSTOP) */
	TASK_DBG_EXITING,   /* leaving: releasing files, mm, telling parent */
};

/* The task whose host thread is running (NULL outside task threads). */
extern __thread struct task *current;

/* The platform of this sandbox. */
extern struct platform *rv_platform;
/* --strace */
extern bool rv_strace;

/* Look up a task by its sandbox thread id, with a reference the caller
 * drops with task_put(). NULL when there is none. */
struct task *task_find(int tid);
void task_put(struct task *);
void task_res_read_lock(struct task *);
void task_res_read_unlock(struct task *);
/* For /proc: calls fn(tgid) for every live thread group, in increasing
 * order, under the kernel's task lock (fn must not block or take it). */
void kernel_for_each_tgid(void (*fn)(int tgid, void *arg), void *arg);
/* Parent's tgid of a thread group as getppid(2) reports it (0 for init). */
int task_ppid(struct task *t);

/* Is a signal pending that t does not block (or the group exiting)? */
bool task_signal_pending(struct task *t);
/* Is t's death decided (SIGKILL pending, its group exiting, or another
 * thread's execve killing it)? Long sentry loops stop early on it, as
 * Linux's fatal_signal_pending(). */
static inline bool task_fatal_pending(struct task *t)
{
	return t->exited || t->tg->exiting ||
	       ((atomic_load(&t->pending) | t->tg->shared_pending) &
		(1ULL << (SIGKILL - 1)));
}
/* Sleep until the CLOCK_MONOTONIC deadline (NULL: forever) or until a
 * signal is pending. 0 on timeout, -EINTR when interrupted. */
int task_sleep_until(struct task *t, const struct timespec *deadline);
/* Wake t from any interruptible sleep (and make it recheck for signals). */
void task_wake(struct task *t);

/* Interruptible waits for an event, without lost wake-ups:
 *
 *	for (;;) {
 *		uint64_t seq = task_wait_prepare(t);
 *		if (condition)
 *			break;
 *		int r = task_wait_commit(t, seq, deadline);
 *		if (r == -EINTR) return -RV_ERESTARTSYS;
 *		if (r == -ETIMEDOUT) ...;
 *	}
 *
 * whoever makes the condition true calls task_wake(t) afterwards.
 * commit returns 0 when woken, -ETIMEDOUT at the CLOCK_MONOTONIC deadline
 * (NULL: none), -EINTR when a signal is pending. Never hold a lock that a
 * waker needs across commit. */
uint64_t task_wait_prepare(struct task *t);
int task_wait_commit(struct task *t, uint64_t seq,
		     const struct timespec *deadline);

/* Run a task until it exits: the task loop. Called on its host thread. */
void task_run(struct task *t);

/* Kill the whole sandbox with the given wait status (exit_group of init,
 * or a fatal signal). */
void kernel_exit_sandbox(int wait_status);

/* Deliver a synchronous fault signal to t (SIGSEGV, SIGBUS, ...). If the app
 * has no handler the thread group dies with that signal. */
void task_force_signal(struct task *t, int sig, int code, uint64_t addr);

/* Debugging a hung sandbox (`ringvisor debug --stacks`, SIGUSR1 to the
 * sentry): write every task's tid, state, syscall and wait channel, every
 * zombie, and each task thread's host backtrace to fd. Callable from any
 * sentry thread that is not a task thread. */
void kernel_dump_tasks(int fd);
/* The host signal that asks one sentry thread for its own backtrace;
 * installed by kernel_dump_init() before the sentry is confined. */
#define KERNEL_DUMP_SIG (SIGRTMAX - 3)
void kernel_dump_init(void);

#endif
