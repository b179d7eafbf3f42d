/* The host readiness watcher: see hostwatch.h.
 *
 * The thread polls an eventfd (to learn about new interest) and every
 * armed host fd. Readiness is level-triggered, so an event that fired is
 * disarmed until a waiter arms it again: the thread never spins on a
 * terminal that is always writable. Waiters check the host fd themselves
 * (hostwatch_ready) after arming, so no wake-up is lost between their
 * check and their sleep. */
#include "sentry/fs/host/hostwatch.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "sentry/util.h"

static pthread_mutex_t hw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hw_idle = PTHREAD_COND_INITIALIZER;
static struct hostwatch *hw_list;
static int hw_kick = -1;
static bool hw_started;
static uint64_t hw_gen;      /* bumped by every fini */
static uint64_t hw_seen_gen; /* the gen the thread has finished a pass at */

static short to_poll(uint32_t ev)
{
	return (short)(((ev & EPOLLIN) ? POLLIN : 0) |
		       ((ev & EPOLLOUT) ? POLLOUT : 0));
}

static uint32_t from_poll(short rev)
{
	return ((rev & POLLIN) ? EPOLLIN | EPOLLRDNORM : 0) |
	       ((rev & POLLOUT) ? EPOLLOUT | EPOLLWRNORM : 0) |
	       ((rev & POLLERR) ? EPOLLERR : 0) |
	       ((rev & POLLHUP) ? EPOLLHUP : 0);
}

uint32_t hostwatch_ready(int fd, uint32_t events)
{
	struct pollfd p = {fd, to_poll(events), 0};
	if (poll(&p, 1, 0) <= 0)
		return 0;
	return from_poll(p.revents);
}

static void kick(void)
{
	uint64_t one = 1;
	if (write(hw_kick, &one, sizeof(one)) < 0) {
		/* The counter is saturated: the thread is awake anyway. */
	}
}

static void *hw_thread(void *arg)
{
	(void)arg;
	struct pollfd *pfd = NULL;
	struct hostwatch **who = NULL;
	size_t cap = 0;
	for (;;) {
		pthread_mutex_lock(&hw_lock);
		uint64_t gen = hw_gen;
		hw_seen_gen = gen;
		pthread_cond_broadcast(&hw_idle);
		size_t n = 1;
		for (struct hostwatch *w = hw_list; w; w = w->next)
			n++;
		if (n > cap) {
			cap = n * 2;
			pfd = rv_xrealloc(pfd, cap * sizeof(*pfd));
			who = rv_xrealloc(who, cap * sizeof(*who));
		}
		pfd[0] = (struct pollfd){hw_kick, POLLIN, 0};
		n = 1;
		for (struct hostwatch *w = hw_list; w; w = w->next) {
			short ev = to_poll(atomic_load(&w->want));
			if (!ev)
				continue;
			pfd[n] = (struct pollfd){w->fd, ev, 0};
			who[n++] = w;
		}
		pthread_mutex_unlock(&hw_lock);

		if (poll(pfd, n, -1) < 0)
			continue;
		if (pfd[0].revents) {
			uint64_t v;
			if (read(hw_kick, &v, sizeof(v)) < 0) {
				/* nothing to drain */
			}
		}
		pthread_mutex_lock(&hw_lock);
		/* A hostwatch finished while we polled may be gone: only
		 * entries of an unchanged list are touched. */
		if (gen == hw_gen) {
			for (size_t k = 1; k < n; k++) {
				if (!pfd[k].revents)
					continue;
				uint32_t ev = from_poll(pfd[k].revents);
				atomic_fetch_and(&who[k]->want, ~ev);
				waitq_wake(&who[k]->wq, ev);
			}
		}
		pthread_mutex_unlock(&hw_lock);
	}
	return NULL;
}

void hostwatch_init(struct hostwatch *w, int fd)
{
	w->fd = fd;
	waitq_init(&w->wq);
	atomic_init(&w->want, 0);
	pthread_mutex_lock(&hw_lock);
	if (!hw_started) {
		hw_kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		pthread_t th;
		if (hw_kick >= 0 &&
		    pthread_create(&th, NULL, hw_thread, NULL) == 0) {
			pthread_detach(th);
			hw_started = true;
		}
	}
	w->next = hw_list;
	hw_list = w;
	pthread_mutex_unlock(&hw_lock);
}

void hostwatch_arm(struct hostwatch *w, uint32_t events)
{
	uint32_t old = atomic_fetch_or(&w->want, events & (EPOLLIN | EPOLLOUT));
	if ((old | events) != old && hw_started)
		kick();
}

void hostwatch_fini(struct hostwatch *w)
{
	pthread_mutex_lock(&hw_lock);
	for (struct hostwatch **pp = &hw_list; *pp; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	hw_gen++;
	uint64_t gen = hw_gen;
	if (hw_started) {
		kick();
		/* Wait until the thread has rebuilt its set without w (it
		 * may be inside poll() with w->fd right now). */
		while (hw_seen_gen < gen)
			pthread_cond_wait(&hw_idle, &hw_lock);
	}
	pthread_mutex_unlock(&hw_lock);
}
