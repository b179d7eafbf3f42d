/* Readiness of host fds for sleeping tasks: one sentry thread polls the
 * host fds that have waiters and wakes their wait queues, so a task waits
 * for stdin (a tty, a pipe) on a wait queue that a signal interrupts,
 * instead of inside a host read() that nothing interrupts. */
#ifndef RV_FS_HOST_HOSTWATCH_H
#define RV_FS_HOST_HOSTWATCH_H

#include <stdint.h>

#include "sentry/kernel/waitq.h"

struct hostwatch {
	int fd;
	struct waitq wq;
	_Atomic uint32_t want;   /* EPOLLIN|EPOLLOUT someone waits for */
	struct hostwatch *next;
};

void hostwatch_init(struct hostwatch *, int fd);
/* Ask to be woken (wq) when fd becomes ready for events. */
void hostwatch_arm(struct hostwatch *, uint32_t events);
/* Forget w; after this returns the watcher no longer touches it. */
void hostwatch_fini(struct hostwatch *);
/* Current readiness of fd (EPOLLIN|EPOLLOUT|EPOLLERR|EPOLLHUP). */
uint32_t hostwatch_ready(int fd, uint32_t events);

#endif
