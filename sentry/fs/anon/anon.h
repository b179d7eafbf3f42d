/* Anonymous files: eventfd, timerfd, signalfd and epoll instances (Linux's
 * anon_inode files), plus the sentry's timer service they and the POSIX
 * timers share. Each kind of file has its constructor here; the system
 * calls that create them live in syscalls/ (epoll.c, timer.c). */
#ifndef RV_ANON_H
#define RV_ANON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct file;
struct file_operations;
struct task;

/* A file with no path: refs 1, the given ops/priv/flags (O_ACCMODE |
 * O_NONBLOCK), /proc/self/fd showing `name` ("anon_inode:[eventfd]").
 * fstat reports an anonymous inode with mode `mode` (0600 for anon_inode
 * files, S_IFSOCK|0777 for sockets). */
struct file *anon_file_create(const struct file_operations *, void *priv,
			      unsigned flags, const char *name,
			      uint32_t mode);

/* --- eventfd(2) ----------------------------------------------------------
 * flags: EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC already checked. */
struct file *eventfd_create(uint64_t initval, int flags);
bool file_is_eventfd(struct file *);

/* --- signalfd(2) --------------------------------------------------------- */
struct file *signalfd_create(uint64_t mask, int flags);
/* false when f is not a signalfd. */
bool signalfd_set_mask(struct file *f, uint64_t mask);
bool file_is_signalfd(struct file *);
/* Tell signalfd pollers that a signal was queued. The kernel should call
 * this from kernel_send_signal_*(): without it only the polling task's own
 * wake-up (the signal's target) makes poll/epoll look again. */
void signalfd_notify(void);

/* --- timerfd(2) ---------------------------------------------------------- */
struct file *timerfd_file_create(int clockid, int flags);
/* -EINVAL when f is not a timerfd. new/old as struct itimerspec. */
int timerfd_file_settime(struct file *f, int flags, const struct itimerspec *new,
		    struct itimerspec *old);
int timerfd_file_gettime(struct file *f, struct itimerspec *cur);

/* --- epoll(7) ------------------------------------------------------------ */
struct epoll_event;
struct file *epoll_create_file(int flags);
bool file_is_epoll(struct file *);
/* epoll_ctl on instance ep for file tf (open as fd). 0 or -errno. */
int epoll_ctl_file(struct file *ep, int op, int fd, struct file *tf,
		   const struct epoll_event *ev);
/* How many items the instance watches (a bound on one wait's events). */
int epoll_nitems(struct file *ep);
/* Up to max ready events into out (sentry memory); waits until the
 * CLOCK_MONOTONIC deadline (NULL: forever; already passed: no wait).
 * Returns the count, 0 on timeout, -EINTR when a signal is pending. */
int epoll_wait_file(struct task *t, struct file *ep, struct epoll_event *out,
		    int max, const struct timespec *deadline);

/* --- the timer service ---------------------------------------------------
 * One sentry thread keeps a min-heap of deadlines (CLOCK_MONOTONIC ns) and
 * runs each expired timer's callback on that thread. Callbacks must not
 * sleep; they may re-arm their timer. */
struct ktimer {
	void (*fn)(struct ktimer *);
	uint64_t deadline;   /* monotonic ns; valid while armed */
	int heap_idx;        /* -1 when not armed */
};
void ktimer_init(struct ktimer *, void (*fn)(struct ktimer *));
/* (Re)arm at the monotonic deadline in ns. */
void ktimer_arm(struct ktimer *, uint64_t deadline_ns);
/* Disarm; when it returns the callback is not running and will not run
 * (unless re-armed). Must not be called from the callback itself. */
void ktimer_cancel(struct ktimer *);
/* Disarm from inside a callback (no wait for the running callback). */
void ktimer_cancel_locked(struct ktimer *);
/* Timespec helpers for the timer calls: valid (0 <= nsec < 1e9, sec >=
 * 0)? to/from ns (saturating); the monotonic deadline of a relative or
 * absolute (on clockid) it_value. */
bool ktimer_ts_valid(const struct timespec *);
uint64_t ktimer_ts_ns(const struct timespec *);
struct timespec ktimer_ns_ts(uint64_t ns);
uint64_t ktimer_mono_deadline(int clockid, const struct timespec *value,
			      bool abs);
/* Nanoseconds on clock (CLOCK_REALTIME, CLOCK_MONOTONIC, BOOTTIME…). */
uint64_t ktimer_clock_ns(int clockid);

#endif
