/* epoll(7) instances (Linux's fs/eventpoll.c, simplified).
 *
 * Each watched (file, fd) is an item holding one wait queue entry per queue
 * the file's poll op registers. A wake-up from the file puts the item on
 * the ready list; epoll_wait takes the ready list, asks each item's file
 * again, reports those still ready and puts the level-triggered ones back
 * (so they are asked again next time), as Linux does.
 *
 * Locks: ep->mtx serialises epoll_ctl and the scans of epoll_wait (and may
 * call into files' poll ops); ep->lock guards the ready list only and is
 * taken by wake-up callbacks under the file's queue lock. Nobody takes a
 * queue lock or ep->mtx while holding ep->lock.
 *
 * As in Linux (epoll(7), Q6), an item holds no reference on its file:
 * closing the last descriptor releases the file, and file_put() calls
 * epoll_file_released() first, which drops the file's items from every
 * set. A registry of watched files (file -> items) makes that cheap, and
 * nothing when no file is watched at all. Order: ep->mtx, then
 * ep_files_lock; the release hook takes them one at a time. */
#include "sentry/fs/anon/anon.h"

#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"

#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
#define EP_MAX_WQ 4
#define EP_MAX_NESTS 4 /* Linux's EP_MAX_NESTS */

struct eventpoll;

struct epitem {
	struct eventpoll *ep;
	struct file *file;
	int fd;
	uint32_t events;
	uint64_t data;
	struct waitq_entry wqe[EP_MAX_WQ];
	int nwqe;
	bool on_rdlist;
	/* signalfd: readiness follows the waiter's signals, which do not
	 * always come with a queue wake-up; asked at every scan. */
	bool always;
	struct epitem *rd_next;
	struct epitem *next;
	struct epitem *file_next;  /* the registry's chain for this file */
};

struct eventpoll {
	_Atomic int refs;      /* the file's, and release hooks' */
	pthread_mutex_t mtx;
	pthread_mutex_t lock;
	struct epitem *items;
	struct epitem *rd_head, *rd_tail;
	struct waitq wq;       /* epoll_wait sleepers */
	struct waitq poll_wq;  /* pollers of the epoll file itself */
};

static pthread_mutex_t ep_nest_lock = PTHREAD_MUTEX_INITIALIZER;

/* The registry of watched files: hash of file pointer -> items. */
#define EP_FILE_BUCKETS 1024
static pthread_mutex_t ep_files_lock = PTHREAD_MUTEX_INITIALIZER;
static struct epitem *ep_files[EP_FILE_BUCKETS];
static _Atomic long ep_files_count;

static size_t ep_file_hash(struct file *f)
{
	return ((uintptr_t)f >> 4) % EP_FILE_BUCKETS;
}

static void ep_files_add(struct epitem *it)
{
	pthread_mutex_lock(&ep_files_lock);
	size_t h = ep_file_hash(it->file);
	it->file_next = ep_files[h];
	ep_files[h] = it;
	atomic_fetch_add(&ep_files_count, 1);
	pthread_mutex_unlock(&ep_files_lock);
}

static void ep_files_del(struct epitem *it)
{
	pthread_mutex_lock(&ep_files_lock);
	for (struct epitem **pp = &ep_files[ep_file_hash(it->file)]; *pp;
	     pp = &(*pp)->file_next)
		if (*pp == it) {
			*pp = it->file_next;
			atomic_fetch_sub(&ep_files_count, 1);
			break;
		}
	pthread_mutex_unlock(&ep_files_lock);
}

static void ep_put(struct eventpoll *ep)
{
	if (atomic_fetch_sub(&ep->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&ep->mtx);
	pthread_mutex_destroy(&ep->lock);
	free(ep);
}
static const struct file_operations epoll_fops;

bool file_is_epoll(struct file *f)
{
	return f && f->ops == &epoll_fops;
}

/* Under ep->lock. */
static void ep_rd_add(struct eventpoll *ep, struct epitem *it)
{
	if (it->on_rdlist)
		return;
	it->on_rdlist = true;
	it->rd_next = NULL;
	if (ep->rd_tail)
		ep->rd_tail->rd_next = it;
	else
		ep->rd_head = it;
	ep->rd_tail = it;
}

static void ep_rd_del(struct eventpoll *ep, struct epitem *it)
{
	struct epitem **pp = &ep->rd_head, *prev = NULL;
	if (!it->on_rdlist)
		return;
	while (*pp && *pp != it) {
		prev = *pp;
		pp = &(*pp)->rd_next;
	}
	if (*pp)
		*pp = it->rd_next;
	if (ep->rd_tail == it)
		ep->rd_tail = prev;
	it->on_rdlist = false;
}

/* A watched file's queue woke: called under that queue's lock. */
static void ep_wake_cb(struct waitq_entry *e, uint32_t mask)
{
	struct epitem *it = e->priv;
	struct eventpoll *ep = it->ep;
	/* A disarmed EPOLLONESHOT item, or events it does not want. */
	if (!(it->events & ~EP_PRIVATE_BITS))
		return;
	if (mask && !(mask & it->events))
		return;
	pthread_mutex_lock(&ep->lock);
	ep_rd_add(ep, it);
	pthread_mutex_unlock(&ep->lock);
	waitq_wake(&ep->wq, 0);
	waitq_wake(&ep->poll_wq, EPOLLIN);
}

struct ep_pt {
	struct poll_table pt;
	struct epitem *it;
};

static void ep_qproc(struct poll_table *pt, struct waitq *wq)
{
	struct epitem *it = container_of(pt, struct ep_pt, pt)->it;
	if (it->nwqe == EP_MAX_WQ)
		return;
	struct waitq_entry *e = &it->wqe[it->nwqe++];
	memset(e, 0, sizeof(*e));
	e->func = ep_wake_cb;
	e->priv = it;
	waitq_add(wq, e);
}

static unsigned int item_poll(struct epitem *it, bool reg)
{
	struct ep_pt p = {.pt = {.qproc = ep_qproc}, .it = it};
	return it->file->ops->poll(it->file, reg ? &p.pt : NULL) & it->events;
}

/* Under ep->mtx. */
static void ep_remove(struct eventpoll *ep, struct epitem *it)
{
	for (int i = 0; i < it->nwqe; i++)
		waitq_remove(&it->wqe[i]);
	pthread_mutex_lock(&ep->lock);
	ep_rd_del(ep, it);
	pthread_mutex_unlock(&ep->lock);
	for (struct epitem **pp = &ep->items; *pp; pp = &(*pp)->next) {
		if (*pp == it) {
			*pp = it->next;
			break;
		}
	}
	ep_files_del(it);
	free(it);
}

void epoll_file_released(struct file *f)
{
	if (!atomic_load(&ep_files_count))
		return;
	for (;;) {
		struct eventpoll *ep = NULL;
		pthread_mutex_lock(&ep_files_lock);
		for (struct epitem *it = ep_files[ep_file_hash(f)]; it;
		     it = it->file_next)
			if (it->file == f) {
				ep = it->ep;
				atomic_fetch_add(&ep->refs, 1);
				break;
			}
		pthread_mutex_unlock(&ep_files_lock);
		if (!ep)
			return;
		/* Under ep->mtx no scan is polling f; drop all of f's
		 * items in this set. */
		pthread_mutex_lock(&ep->mtx);
		struct epitem *it = ep->items, *next;
		for (; it; it = next) {
			next = it->next;
			if (it->file == f)
				ep_remove(ep, it);
		}
		pthread_mutex_unlock(&ep->mtx);
		ep_put(ep);
	}
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	for (struct epitem *it = ep->items; it; it = it->next)
		if (it->file == f && it->fd == fd)
			return it;
	return NULL;
}

/* Is `target` reachable from `from` through nested epoll instances, or is
 * the nesting too deep? Under ep_nest_lock. */
static bool ep_loop_check(struct file *from, struct file *target, int depth)
{
	if (from == target || depth > EP_MAX_NESTS)
		return true;
	struct eventpoll *ep = from->priv;
	bool bad = false;
	pthread_mutex_lock(&ep->mtx);
	for (struct epitem *it = ep->items; it && !bad; it = it->next)
		if (file_is_epoll(it->file))
			bad = ep_loop_check(it->file, target, depth + 1);
	pthread_mutex_unlock(&ep->mtx);
	return bad;
}

int epoll_ctl_file(struct file *epf, int op, int fd, struct file *tf,
		   const struct epoll_event *ev)
{
	struct eventpoll *ep = epf->priv;
	bool nested = false;
	int err = 0;

	if (!file_is_epoll(epf))
		return -EINVAL;
	/* epoll_ctl(2): files that do not support poll (regular files,
	 * directories) are EPERM. */
	if (!tf->ops || !tf->ops->poll)
		return -EPERM;
	if (tf == epf)
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (ev->events & EPOLLEXCLUSIVE)) {
		/* Only plain readiness events go with EPOLLEXCLUSIVE, and it
		 * cannot be set on an epoll file or changed by MOD. */
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (file_is_epoll(tf) ||
		    (ev->events & ~(EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP |
				    EPOLLRDNORM | EPOLLWRNORM | EPOLLRDBAND |
				    EPOLLWRBAND | EPOLLET | EPOLLEXCLUSIVE |
				    EPOLLWAKEUP)))
			return -EINVAL;
	}
	if (op == EPOLL_CTL_ADD && file_is_epoll(tf)) {
		pthread_mutex_lock(&ep_nest_lock);
		nested = true;
		if (ep_loop_check(tf, epf, 1)) {
			pthread_mutex_unlock(&ep_nest_lock);
			return -ELOOP;
		}
	}
	pthread_mutex_lock(&ep->mtx);
	struct epitem *it = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it) {
			err = -EEXIST;
			break;
		}
		it = rv_xcalloc(1, sizeof(*it));
		it->ep = ep;
		it->file = tf; /* no reference: see epoll_file_released */
		it->fd = fd;
		it->events = ev->events | EPOLLERR | EPOLLHUP;
		it->data = ev->data.u64;
		it->next = ep->items;
		it->always = file_is_signalfd(tf);
		ep->items = it;
		ep_files_add(it);
		if (item_poll(it, true) || it->always) {
			pthread_mutex_lock(&ep->lock);
			ep_rd_add(ep, it);
			pthread_mutex_unlock(&ep->lock);
			waitq_wake(&ep->wq, 0);
			waitq_wake(&ep->poll_wq, EPOLLIN);
		}
		break;
	case EPOLL_CTL_MOD:
		if (!it) {
			err = -ENOENT;
			break;
		}
		if (it->events & EPOLLEXCLUSIVE) {
			err = -EINVAL;
			break;
		}
		pthread_mutex_lock(&ep->lock);
		it->events = ev->events | EPOLLERR | EPOLLHUP;
		it->data = ev->data.u64;
		pthread_mutex_unlock(&ep->lock);
		if (item_poll(it, false)) {
			pthread_mutex_lock(&ep->lock);
			ep_rd_add(ep, it);
			pthread_mutex_unlock(&ep->lock);
			waitq_wake(&ep->wq, 0);
			waitq_wake(&ep->poll_wq, EPOLLIN);
		}
		break;
	case EPOLL_CTL_DEL:
		if (!it)
			err = -ENOENT;
		else
			ep_remove(ep, it);
		break;
	default:
		err = -EINVAL;
	}
	pthread_mutex_unlock(&ep->mtx);
	if (nested)
		pthread_mutex_unlock(&ep_nest_lock);
	return err;
}

/* Report up to max ready items. Under ep->mtx. */
static int ep_send_events(struct eventpoll *ep, struct epoll_event *out,
			  int max)
{
	int n = 0;
	pthread_mutex_lock(&ep->lock);
	struct epitem *list = ep->rd_head;
	ep->rd_head = ep->rd_tail = NULL;
	for (struct epitem *it = list; it; it = it->rd_next)
		it->on_rdlist = false;
	pthread_mutex_unlock(&ep->lock);

	struct epitem *it = list, *next;
	for (; it; it = next) {
		next = it->rd_next;
		if (n == max) {
			pthread_mutex_lock(&ep->lock);
			ep_rd_add(ep, it);
			pthread_mutex_unlock(&ep->lock);
			continue;
		}
		uint32_t rev = item_poll(it, false);
		if (!rev) {
			if (it->always) {
				pthread_mutex_lock(&ep->lock);
				ep_rd_add(ep, it);
				pthread_mutex_unlock(&ep->lock);
			}
			continue;
		}
		out[n].events = rev;
		out[n].data.u64 = it->data;
		n++;
		pthread_mutex_lock(&ep->lock);
		if (it->events & EPOLLONESHOT)
			it->events &= EP_PRIVATE_BITS;
		else if (!(it->events & EPOLLET) || it->always)
			/* Level-triggered: asked again at the next wait. */
			ep_rd_add(ep, it);
		pthread_mutex_unlock(&ep->lock);
	}
	return n;
}

int epoll_wait_file(struct task *t, struct file *epf, struct epoll_event *out,
		    int max, const struct timespec *deadline)
{
	struct eventpoll *ep = epf->priv;
	struct waitq_entry e = {.func = waitq_entry_wake_task, .task = t};
	int n;

	waitq_add(&ep->wq, &e);
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		pthread_mutex_lock(&ep->mtx);
		n = ep_send_events(ep, out, max);
		pthread_mutex_unlock(&ep->mtx);
		if (n)
			break;
		int r = task_wait_commit(t, seq, deadline);
		if (r == -ETIMEDOUT) {
			n = 0;
			break;
		}
		if (r == -EINTR) {
			n = -EINTR;
			break;
		}
	}
	waitq_remove(&e);
	return n;
}

int epoll_nitems(struct file *epf)
{
	struct eventpoll *ep = epf->priv;
	int n = 0;
	pthread_mutex_lock(&ep->mtx);
	for (struct epitem *it = ep->items; it; it = it->next)
		n++;
	pthread_mutex_unlock(&ep->mtx);
	return n;
}

/* The epoll file is readable when some item is ready. */
static unsigned int epoll_poll(struct file *f, struct poll_table *pt)
{
	struct eventpoll *ep = f->priv;
	unsigned int m = 0;
	poll_wait(&ep->poll_wq, pt);
	pthread_mutex_lock(&ep->mtx);
	pthread_mutex_lock(&ep->lock);
	struct epitem *list = ep->rd_head;
	pthread_mutex_unlock(&ep->lock);
	/* The ready list only changes under ep->lock by additions at the
	 * tail (callbacks) while we hold ep->mtx, so walking it is safe. */
	for (struct epitem *it = list; it && !m; it = it->rd_next)
		if (item_poll(it, false))
			m = EPOLLIN | EPOLLRDNORM;
	pthread_mutex_unlock(&ep->mtx);
	return m;
}

static void epoll_release(struct file *f)
{
	struct eventpoll *ep = f->priv;
	pthread_mutex_lock(&ep->mtx);
	while (ep->items)
		ep_remove(ep, ep->items);
	pthread_mutex_unlock(&ep->mtx);
	ep_put(ep);
}

static const struct file_operations epoll_fops = {
	.poll = epoll_poll,
	.release = epoll_release,
};

struct file *epoll_create_file(int flags)
{
	struct eventpoll *ep = rv_xcalloc(1, sizeof(*ep));
	atomic_init(&ep->refs, 1);
	pthread_mutex_init(&ep->mtx, NULL);
	pthread_mutex_init(&ep->lock, NULL);
	waitq_init(&ep->wq);
	waitq_init(&ep->poll_wq);
	(void)flags;
	return anon_file_create(&epoll_fops, ep, O_RDWR, "anon_inode:[eventpoll]",
				0600);
}
