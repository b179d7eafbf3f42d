/* The kernel's life cycle: creating the first task, waiting for the
 * sandbox to end. Used by the runtime; tasks and syscalls use task.h. */
#ifndef RV_KERNEL_H
#define RV_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "sentry/kernel/task.h"

/* Create the init task (tid 1) with the caller's credentials, a root
 * fs_context, and a fd table holding the app's stdio. NULL on ENOMEM. */
struct task *kernel_create_init(void);

/* Start t's task loop on a new host thread. 0 or -errno. */
int kernel_start_task(struct task *t);

/* Block until the sandbox ends; returns the wait status of init
 * (W_EXITCODE / signal) as waitpid would report it. */
int kernel_wait_sandbox(void);

/* Hand a host signal (SIGINT, SIGTERM, SIGHUP, ... received by the runtime)
 * to the sandbox's init process, as `runsc` forwards signals. */
void kernel_forward_signal(int sig);

/* Signals: send sig to a thread group (kill(2) semantics) or one thread.
 * info fields as in siginfo_t. 0 or -errno. */
struct ksiginfo {
	int signo, code, errno_;
	int pid, uid;   /* sender, for SI_USER/SI_TKILL */
	union {
		uint64_t addr;  /* fault address */
		uint64_t value; /* si_value: sigqueue(3), POSIX timers */
	};
	int status;     /* SIGCHLD */
	/* From outside the app: a fault it made (task_force_signal), the
	 * sentry itself (SI_KERNEL), or the user (kernel_forward_signal).
	 * Only such a signal reaches init when init has no handler. */
	bool force;
};
int kernel_send_signal_tg(struct thread_group *tg, const struct ksiginfo *);
/* kernel_send_signal_tg in two parts, so that one kernel lock hold can
 * mark many groups (kill(-1), kill(-pgid): no fork slips in between).
 * Under the kernel lock: make sig pending on tg; -errno, 0 when there is
 * nobody to wake (dropped: ignored, init's, a zombie), 1 when the caller
 * must call signalfd_notify() and kernel_signal_tg_wake(tg, *target)
 * once unlocked (*target, when not NULL, holds a reference that the
 * wake drops; NULL wakes the whole group). */
int kernel_send_signal_tg_locked(struct thread_group *tg,
				 const struct ksiginfo *info,
				 struct task **target);
void kernel_signal_tg_wake(struct thread_group *tg, struct task *target);
int kernel_send_signal_task(struct task *t, const struct ksiginfo *);
/* A write of the current task found no reader: SIGPIPE to it, as pipes,
 * sockets (without MSG_NOSIGNAL) and host pipes do on Linux. */
void kernel_raise_sigpipe(void);
/* Deliver pending, unblocked signals of t before it returns to the app:
 * run the default action or build a signal frame. */
void task_deliver_signals(struct task *t);

/* The kernel lock protects the task tree, thread groups' signal state and
 * process relations. Order: kernel lock before any task's wait_lock. */
void kernel_lock(void);
void kernel_unlock(void);
/* The thread of tg to take a process-directed sig (complete_signal():
 * the leader, else rotating from tg->curr_target), NULL when every
 * thread blocks it; skip is never chosen. Locked. */
struct task *kernel_pick_thread_locked(struct thread_group *tg, int sig,
				       struct task *skip);
/* The next thread after t that does not block sig (retarget_shared_pending),
 * or NULL. Locked. */
struct task *kernel_retarget_thread_locked(struct task *t, int sig);
/* Wake every thread of tg from sleeps and from app code. */
void kernel_wake_group(struct thread_group *tg);

/* Out of memory at a fault of t: kill the biggest other process instead
 * (true), or let t's own process die (false). */
bool kernel_oom_kill_other(struct task *t);

/* Terminate t's whole thread group with wait status `status`. */
void task_exit_group(struct task *t, int status);

/* The sandbox's UTS names (it has its own UTS namespace): the host's
 * kernel name, release and version, with the host and domain names the
 * app set with sethostname(2)/setdomainname(2), else the host's. For
 * uname(2) and /proc/sys/kernel/{hostname,domainname}. */
struct utsname;
void kernel_uname(struct utsname *u);
/* which: 0 host name, 1 domain name; len <= 64, name not NUL-terminated. */
void kernel_set_uts_name(int which, const char *name, size_t len);

#endif
