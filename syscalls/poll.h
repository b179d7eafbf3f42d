/* Helpers of syscalls/poll.c shared with epoll and sockets. */
#ifndef RV_SYSCALLS_POLL_H
#define RV_SYSCALLS_POLL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct file;
struct poll_table;

/* What a file without a poll op reports (Linux's DEFAULT_POLLMASK). */
#define POLL_DEFAULT_MASK (0x001 | 0x004 | 0x040 | 0x100)
/* f's readiness, registering its queues with pt (NULL: just ask). */
unsigned int poll_file(struct file *f, struct poll_table *pt);
/* Absolute CLOCK_MONOTONIC deadline from a relative timeout; -EINVAL for
 * a negative or denormal one. */
int poll_deadline(const struct timespec *rel, struct timespec *dl);

/* ppoll/pselect6/epoll_pwait: switch to the app's mask at uset (size must
 * be 8) for the wait; the kernel restores the old one on the way back to
 * the app unless a handler runs (sigsuspend's saved_sigmask). uset 0: no
 * change. 0, -EINVAL or -EFAULT. */
struct task;
int poll_set_temp_sigmask(struct task *t, uint64_t uset, size_t size);

#endif
