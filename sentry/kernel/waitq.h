/* Wait queues: how a file tells sleepers that it may have become ready
 * (Linux's wait_queue_head_t, poll_wait()).
 *
 * A blocking operation (pipe read, accept, epoll_wait…) sleeps with the
 * task_wait_prepare/commit pattern of task.h after registering itself on
 * the waitq of what it waits for; the file calls waitq_wake() whenever its
 * readiness may have changed. poll/select/epoll use the same queues through
 * struct poll_table. */
#ifndef RV_WAITQ_H
#define RV_WAITQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct task;
struct waitq_entry;

/* Called under the queue's lock with the readiness mask that changed
 * (EPOLLIN|…, or 0 for "something changed"). Must not sleep or take a
 * lock that may be held while waking. */
typedef void (*waitq_func)(struct waitq_entry *, uint32_t mask);

struct waitq_entry {
	waitq_func func;
	struct task *task;   /* for waitq_entry_wake_task */
	uint32_t events;     /* the events the waiter cares about (0: all) */
	void *priv;          /* the waiter's own data (epoll item) */
	struct waitq *wq;
	struct waitq_entry *next, *prev;
};

struct waitq {
	pthread_mutex_t lock;
	struct waitq_entry *head;
};

#define WAITQ_INIT {PTHREAD_MUTEX_INITIALIZER, NULL}
void waitq_init(struct waitq *);
void waitq_add(struct waitq *, struct waitq_entry *);
void waitq_remove(struct waitq_entry *); /* no-op if not queued */
/* Wake the waiters interested in mask (0: all). */
void waitq_wake(struct waitq *, uint32_t mask);
/* The default func: task_wake(entry->task). */
void waitq_entry_wake_task(struct waitq_entry *, uint32_t mask);

/* Block on one queue until cond(arg) holds, a signal is pending, or the
 * CLOCK_MONOTONIC deadline passes. 0 when cond holds, -EINTR, -ETIMEDOUT.
 * (The common case of a blocking read/write/accept.) */
int waitq_wait_event(struct task *t, struct waitq *wq, uint32_t events,
		     bool (*cond)(void *), void *arg,
		     const struct timespec *deadline);

/* poll support: a file's poll op calls poll_wait() for each queue whose
 * wake-ups can change its readiness, then returns its current mask.
 * pt may be NULL (just asking). */
struct poll_table {
	/* Registers one entry per queue; the poller owns the entries. */
	void (*qproc)(struct poll_table *, struct waitq *);
	void *priv;
};

static inline void poll_wait(struct waitq *wq, struct poll_table *pt)
{
	if (pt && pt->qproc && wq)
		pt->qproc(pt, wq);
}

#endif
