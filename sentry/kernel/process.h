/* Process life (process.c): clone, exit, wait, groups and sessions. */
#ifndef RV_PROCESS_H
#define RV_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"

/* clone(2)/clone3(2) arguments, already copied in. */
struct clone_req {
	uint64_t flags;       /* CLONE_* without the exit signal */
	uint64_t exit_signal; /* signal to the parent at exit */
	uint64_t stack, stack_size;
	uint64_t parent_tid, child_tid, tls;
	uint64_t pidfd;       /* CLONE_PIDFD: where the pidfd goes */
};

/* Returns the child's tid or -errno. */
long process_clone(struct task *t, const struct clone_req *req);
/* The vfork parent may continue (child execs or exits). */
void process_vfork_release(struct task *t);
/* A dying thread's last use of its memory: clear_child_tid, the vfork
 * parent, robust futexes (Linux's mm_release). */
void process_exit_mm_release(struct task *t);
/* The thread is gone: counts, and for the last thread of its group the
 * zombie and the parent's SIGCHLD. Called after the thread's files, fs
 * and memory are released, as Linux's exit_notify comes after
 * exit_files: a parent woken by wait4 must find the child's pipe ends
 * closed. */
void process_thread_exit(struct task *t);

/* Woken (POLLIN) when a process's last thread exits: pidfd pollers. */
extern struct waitq process_exit_wq;
/* syscalls/pidfd.c: a pidfd file on tg (flags: O_NONBLOCK), and the tgid
 * a pidfd refers to (-EBADF when fd is none). */
struct file *pidfd_file_create(struct thread_group *tg, unsigned int flags);
int pidfd_tgid(struct task *t, int fd, bool *nonblock);
/* syscalls/ipc.c: a process is gone; apply its SEM_UNDO adjustments. */
void ipc_exit_process(int tgid);
long process_wait4(struct task *t, int pid, uint64_t status, int options,
		   uint64_t rusage);
long process_waitid(struct task *t, int idtype, int id, uint64_t infop,
		    int options, uint64_t rusage);
long process_setpgid(struct task *t, int pid, int pgid);
long process_setsid(struct task *t);
/* kill(2) to process group pgid, or to every process but init (all). */
/* user: a kill(2) from t, each target checked (process_may_signal); else
 * the kernel's own (a terminal's ^C), sent to all. */
long process_kill_many(struct task *t, int pgid, bool all, int sig,
		       bool user);
/* May t send sig to o (Linux's check_kill_permission() for a signal
 * from user space)? Its own process, CAP_KILL (effective uid 0), or
 * t's real or effective uid is o's real or saved uid; SIGCONT also
 * within t's session. */
bool process_may_signal(const struct task *t, const struct task *o, int sig);

/* Kernel internals shared by task.c and process.c (kernel lock held for
 * the _locked ones). */
struct task *task_alloc(void);
int kernel_tid_alloc_locked(void);
void kernel_insert_task_locked(struct task *t);
struct task *kernel_find_task_locked(int tid);
struct thread_group *kernel_init_tg(void);
void kernel_tg_put(struct thread_group *tg);
void kernel_tg_unlist_locked(struct thread_group *tg);
void kernel_wake_group_locked(struct thread_group *tg);
extern struct thread_group *kernel_all_tgs;
/* execve from a multi-threaded group: end the other threads, and let the
 * exec'ing thread take over the leader's id. */
void kernel_exec_zap_others_locked(struct task *t);
void kernel_exec_become_leader_locked(struct task *t);
/* For the stack dump (debug.c): the tid-sorted list of all tasks, and the
 * kernel lock taken within ms milliseconds (false: still held, likely by
 * the stuck thread the dump is looking for). */
struct task *kernel_all_tasks_locked(void);
bool kernel_lock_within(int ms);
#define kernel_for_each_tg_locked(tg, body)                                  \
	do {                                                                 \
		for (struct thread_group *tg = kernel_all_tgs; tg;           \
		     tg = tg->next_all) {                                    \
			body                                                 \
		}                                                            \
	} while (0)

#endif
