/* Signal frames and masks (kernel-internal; see kernel.h for sending). */
#ifndef RV_SIGNAL_H
#define RV_SIGNAL_H

#include <stdint.h>
#include <time.h>

#include "sentry/kernel/task.h"

/* rt_sigreturn(2): restore the registers and mask saved in the frame. */
long signal_rt_sigreturn(struct task *t);
/* A mask with SIGKILL and SIGSTOP removed: they cannot be blocked. */
uint64_t signal_sanitize_mask(uint64_t mask);

struct ksiginfo;
/* Take a pending signal from set even if blocked (sigtimedwait). */
int signal_dequeue_from(struct task *t, uint64_t set, struct ksiginfo *info);
/* t's mask changed or t exits: process-directed signals chosen for t that
 * it now blocks go to another thread; those it unblocked it may take. */
void signal_retarget(struct task *t);
/* 128-byte siginfo_t as the app sees it. */
void signal_fill_siginfo(void *out, const struct ksiginfo *info);
/* task_wait_commit() that also wakes for pending signals in `also`. */
int task_wait_commit_mask(struct task *t, uint64_t seq,
			  const struct timespec *deadline, uint64_t also);

/* Job control (signal.c). */
void signal_group_stop(struct task *t, int sig);
void signal_wait_while_stopped(struct task *t);
/* Tell tg's parent about a change (SIGCHLD with CLD_* code, wake its
 * wait4). Called with the kernel lock held. */
void signal_notify_parent_locked(struct thread_group *tg, int why, int status);

#endif
