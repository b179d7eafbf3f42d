/* Wait queues: see waitq.h. */
#include "sentry/kernel/waitq.h"

#include <errno.h>
#include <time.h>

#include "sentry/kernel/task.h"

void waitq_init(struct waitq *wq)
{
	pthread_mutex_init(&wq->lock, NULL);
	wq->head = NULL;
}

void waitq_add(struct waitq *wq, struct waitq_entry *e)
{
	pthread_mutex_lock(&wq->lock);
	e->wq = wq;
	e->prev = NULL;
	e->next = wq->head;
	if (wq->head)
		wq->head->prev = e;
	wq->head = e;
	pthread_mutex_unlock(&wq->lock);
}

void waitq_remove(struct waitq_entry *e)
{
	struct waitq *wq = e->wq;
	if (!wq)
		return;
	pthread_mutex_lock(&wq->lock);
	if (e->prev)
		e->prev->next = e->next;
	else
		wq->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->next = e->prev = NULL;
	e->wq = NULL;
	pthread_mutex_unlock(&wq->lock);
}

void waitq_wake(struct waitq *wq, uint32_t mask)
{
	pthread_mutex_lock(&wq->lock);
	for (struct waitq_entry *e = wq->head, *next; e; e = next) {
		next = e->next;
		if (!mask || !e->events || (e->events & mask))
			e->func(e, mask);
	}
	pthread_mutex_unlock(&wq->lock);
}

void waitq_entry_wake_task(struct waitq_entry *e, uint32_t mask)
{
	(void)mask;
	task_wake(e->task);
}

int waitq_wait_event(struct task *t, struct waitq *wq, uint32_t events,
		     bool (*cond)(void *), void *arg,
		     const struct timespec *deadline)
{
	struct waitq_entry e = {.func = waitq_entry_wake_task, .task = t,
				.events = events};
	int r = 0;
	/* For the stack dump: the real sleeper is our caller, on wq. */
	const void *caller = __builtin_return_address(0);
	const void *none = NULL;
	bool named = t == current &&
		     atomic_compare_exchange_strong(&t->dbg.wchan, &none, caller);
	if (named)
		atomic_store(&t->dbg.wobj, wq);

	waitq_add(wq, &e);
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		if (cond(arg)) {
			r = 0;
			break;
		}
		r = task_wait_commit(t, seq, deadline);
		if (r == -EINTR || r == -ETIMEDOUT)
			break;
	}
	waitq_remove(&e);
	if (named) {
		atomic_store(&t->dbg.wobj, NULL);
		atomic_store(&t->dbg.wchan, NULL);
	}
	return r;
}
