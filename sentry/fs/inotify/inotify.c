/* inotify(7) instances, watches and event queues (Linux's
 * fs/notify/inotify/). One lock guards every watch and queue: events are
 * raised from the VFS with vfs_ns_lock possibly held, so the order is
 * vfs_ns_lock, then in_lock; waking readers happens after in_lock is
 * dropped (a wake-up may poll the instance, which takes in_lock). */
#include "sentry/fs/inotify/inotify.h"

#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

/* /proc/sys/fs/inotify defaults (max_user_watches depends on memory in
 * Linux; 65536 for the whole sandbox here bounds the sentry's memory). */
#define IN_MAX_QUEUED 16384
#define IN_MAX_INSTANCES 128
#define IN_MAX_WATCHES 65536
#define IN_HASH 256

struct in_event {
	struct in_event *next;
	int wd;
	uint32_t mask, cookie;
	uint32_t len;            /* name bytes with NUL padding, 16-aligned */
	char name[];
};

struct in_group {
	_Atomic int refs;
	struct waitq wq;
	struct in_event *head, *tail;
	size_t count, bytes;     /* queued events, FIONREAD */
	bool overflowed;         /* an IN_Q_OVERFLOW is queued */
	struct in_watch *watches;
	size_t nwatches;
	int last_wd;
};

struct in_watch {
	struct in_group *g;
	int wd;
	uint32_t mask;
	struct super_block *sb;
	uint64_t ino;
	struct in_watch *gnext, *hnext;
};

_Atomic int inotify_nwatches;
static pthread_mutex_t in_lock = PTHREAD_MUTEX_INITIALIZER;
static struct in_watch *in_hash[IN_HASH];
static _Atomic int in_instances;
static _Atomic uint32_t in_cookie;

static const struct file_operations inotify_fops;

static size_t in_bucket(struct super_block *sb, uint64_t ino)
{
	return (size_t)((((uintptr_t)sb >> 4) ^ ino * 0x9e3779b97f4a7c15ULL) >>
			56) % IN_HASH;
}

static void group_put(struct in_group *g)
{
	if (atomic_fetch_sub(&g->refs, 1) != 1)
		return;
	for (struct in_event *e = g->head, *n; e; e = n) {
		n = e->next;
		free(e);
	}
	free(g);
}

/* Groups to wake once in_lock is dropped. */
struct in_wake {
	struct in_group *g[64];
	size_t n;
};

static void wake_add(struct in_wake *w, struct in_group *g)
{
	for (size_t k = 0; k < w->n; k++)
		if (w->g[k] == g)
			return;
	if (w->n == RV_ARRAY_SIZE(w->g)) {
		/* 64 instances watching one inode: the rest are not
		 * woken by this event (they see it with the next one). */
		return;
	}
	atomic_fetch_add(&g->refs, 1);
	w->g[w->n++] = g;
}

static void wake_all(struct in_wake *w)
{
	for (size_t k = 0; k < w->n; k++) {
		waitq_wake(&w->g[k]->wq, EPOLLIN | EPOLLRDNORM);
		group_put(w->g[k]);
	}
	w->n = 0;
}

/* Queue one event (under in_lock): Linux merges it with an identical
 * last event and, past max_queued_events, queues one IN_Q_OVERFLOW. */
static void queue_event(struct in_group *g, int wd, uint32_t mask,
			uint32_t cookie, const char *name, size_t nlen,
			struct in_wake *w)
{
	struct in_event *t = g->tail;
	if (g->count >= IN_MAX_QUEUED) {
		if (g->overflowed)
			return;
		g->overflowed = true;
		wd = -1;
		mask = IN_Q_OVERFLOW;
		cookie = 0;
		nlen = 0;
	} else if (t && t->wd == wd && t->mask == mask &&
		   t->cookie == cookie &&
		   (nlen ? t->len && strncmp(t->name, name, nlen) == 0 &&
				   t->name[nlen] == 0
			 : t->len == 0)) {
		return;
	}
	uint32_t len = nlen ? (uint32_t)((nlen + 16) & ~(size_t)15) : 0;
	struct in_event *e = rv_xcalloc(1, sizeof(*e) + len);
	e->wd = wd;
	e->mask = mask;
	e->cookie = cookie;
	e->len = len;
	if (nlen)
		memcpy(e->name, name, nlen);
	if (t)
		t->next = e;
	else
		g->head = e;
	g->tail = e;
	g->count++;
	g->bytes += sizeof(struct inotify_event) + len;
	wake_add(w, g);
}

/* Unlink watch from its bucket and group (under in_lock), queueing
 * IN_IGNORED as Linux does for every watch that ends. */
static void watch_remove(struct in_watch *iw, struct in_wake *w)
{
	struct in_watch **pp = &in_hash[in_bucket(iw->sb, iw->ino)];
	while (*pp && *pp != iw)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = iw->hnext;
	pp = &iw->g->watches;
	while (*pp && *pp != iw)
		pp = &(*pp)->gnext;
	if (*pp)
		*pp = iw->gnext;
	iw->g->nwatches--;
	atomic_fetch_sub(&inotify_nwatches, 1);
	if (w)
		queue_event(iw->g, iw->wd, IN_IGNORED, 0, NULL, 0, w);
	free(iw);
}

/* unlinked: the event is about an entry already unlinked from i, which
 * IN_EXCL_UNLINK watches do not hear of. */
static void deliver_ex(struct inode *i, uint32_t mask, uint32_t cookie,
		       const char *name, size_t nlen, bool unlinked,
		       struct in_wake *w)
{
	struct in_watch *iw = in_hash[in_bucket(i->sb, i->ino)], *next;
	for (; iw; iw = next) {
		next = iw->hnext;
		if (iw->sb != i->sb || iw->ino != i->ino)
			continue;
		if (!(iw->mask & mask & IN_ALL_EVENTS))
			continue;
		if (unlinked && (iw->mask & IN_EXCL_UNLINK))
			continue;
		queue_event(iw->g, iw->wd, mask & (IN_ALL_EVENTS | IN_ISDIR),
			    cookie, name, nlen, w);
		if (iw->mask & IN_ONESHOT)
			watch_remove(iw, w);
	}
}

static void deliver(struct inode *i, uint32_t mask, uint32_t cookie,
		    const char *name, size_t nlen, struct in_wake *w)
{
	deliver_ex(i, mask, cookie, name, nlen, false, w);
}

static uint32_t isdir(struct inode *i)
{
	return i && S_ISDIR(i->mode) ? IN_ISDIR : 0;
}

void inotify__dentry(struct dentry *d, uint32_t mask)
{
	struct in_wake w = {0};
	/* The parent and name are stable under vfs_ns_lock (recursive). */
	pthread_mutex_lock(&vfs_ns_lock);
	struct inode *i = d->inode;
	if (i) {
		mask |= isdir(i);
		pthread_mutex_lock(&in_lock);
		/* fsnotify_parent(): the watching directory hears first,
		 * also of a child unlinked but still open (its dentry keeps
		 * its parent), unless the watch says IN_EXCL_UNLINK. */
		if (d->parent && d->parent != d && d->parent->inode)
			deliver_ex(d->parent->inode, mask, 0, d->name,
				   d->namelen, d->dead, &w);
		deliver(i, mask, 0, NULL, 0, &w);
		pthread_mutex_unlock(&in_lock);
	}
	pthread_mutex_unlock(&vfs_ns_lock);
	wake_all(&w);
}

void inotify__dir(struct inode *dir, struct inode *child, const char *name,
		  size_t len, uint32_t mask, uint32_t cookie)
{
	struct in_wake w = {0};
	pthread_mutex_lock(&in_lock);
	deliver(dir, mask | isdir(child), cookie, name, len, &w);
	pthread_mutex_unlock(&in_lock);
	wake_all(&w);
}

void inotify__inode(struct inode *i, uint32_t mask)
{
	struct in_wake w = {0};
	pthread_mutex_lock(&in_lock);
	deliver(i, mask | isdir(i), 0, NULL, 0, &w);
	pthread_mutex_unlock(&in_lock);
	wake_all(&w);
}

void inotify__evict(struct inode *i)
{
	struct in_wake w = {0};
	pthread_mutex_lock(&in_lock);
	deliver(i, IN_DELETE_SELF, 0, NULL, 0, &w);
	struct in_watch *iw = in_hash[in_bucket(i->sb, i->ino)], *next;
	for (; iw; iw = next) {
		next = iw->hnext;
		if (iw->sb == i->sb && iw->ino == i->ino)
			watch_remove(iw, &w);
	}
	pthread_mutex_unlock(&in_lock);
	wake_all(&w);
}

/* Deferred file events of this thread (a splice raises at most one per
 * file end; more are dropped, as they would be merged anyway). */
_Thread_local int inotify_deferring;
static _Thread_local struct {
	struct dentry *d;
	uint32_t mask;
} in_deferred[4];
static _Thread_local int in_ndeferred;

void inotify_defer_begin(void)
{
	inotify_deferring++;
}

void inotify__defer(struct dentry *d, uint32_t mask)
{
	for (int k = 0; k < in_ndeferred; k++)
		if (in_deferred[k].d == d && in_deferred[k].mask == mask)
			return;
	if (in_ndeferred == (int)RV_ARRAY_SIZE(in_deferred))
		return;
	in_deferred[in_ndeferred].d = dget(d);
	in_deferred[in_ndeferred].mask = mask;
	in_ndeferred++;
}

void inotify_defer_end(void)
{
	if (--inotify_deferring)
		return;
	for (int k = 0; k < in_ndeferred; k++) {
		inotify__dentry(in_deferred[k].d, in_deferred[k].mask);
		dput(in_deferred[k].d);
	}
	in_ndeferred = 0;
}

uint32_t inotify_cookie(void)
{
	uint32_t c;
	while ((c = atomic_fetch_add(&in_cookie, 1) + 1) == 0)
		;
	return c;
}

uint32_t inotify_setattr_mask(unsigned int v)
{
	uint32_t m = 0;
	if (v & (ATTR_UID | ATTR_GID | ATTR_MODE))
		m |= IN_ATTRIB;
	if (v & ATTR_SIZE)
		m |= IN_MODIFY;
	/* Both times: a utime(s) call. */
	if ((v & (ATTR_ATIME | ATTR_MTIME)) == (ATTR_ATIME | ATTR_MTIME))
		m |= IN_ATTRIB;
	else if (v & ATTR_ATIME)
		m |= IN_ACCESS;
	else if (v & ATTR_MTIME)
		m |= IN_MODIFY;
	return m;
}

/* --- the instance file ---------------------------------------------------- */

static bool group_ready(void *arg)
{
	struct in_group *g = arg;
	pthread_mutex_lock(&in_lock);
	bool r = g->head != NULL;
	pthread_mutex_unlock(&in_lock);
	return r;
}

/* read(2) of an instance: whole events only; EINVAL when the buffer is
 * too small for the first one; blocks (or EAGAIN) while none is queued. */
static ssize_t inotify_read(struct file *f, const struct iovec *iov,
			    int iovcnt, int64_t *pos)
{
	(void)pos;
	struct in_group *g = f->priv;
	size_t room = vfs_iov_length(iov, iovcnt), done = 0;
	for (;;) {
		pthread_mutex_lock(&in_lock);
		if (g->head)
			break;
		pthread_mutex_unlock(&in_lock);
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (!current)
			return -EAGAIN;
		if (waitq_wait_event(current, &g->wq, EPOLLIN, group_ready, g,
				     NULL) == -EINTR)
			return -RV_ERESTARTSYS;
	}
	ssize_t r = 0;
	while (g->head) {
		struct in_event *e = g->head;
		size_t sz = sizeof(struct inotify_event) + e->len;
		if (sz > room - done) {
			if (!done)
				r = -EINVAL;
			break;
		}
		struct inotify_event h = {e->wd, e->mask, e->cookie, e->len};
		vfs_iov_copy_out(iov, iovcnt, done, &h, sizeof(h));
		if (e->len)
			vfs_iov_copy_out(iov, iovcnt, done + sizeof(h),
					 e->name, e->len);
		done += sz;
		g->head = e->next;
		if (!g->head)
			g->tail = NULL;
		g->count--;
		g->bytes -= sz;
		if (e->mask == IN_Q_OVERFLOW && e->wd == -1)
			g->overflowed = false;
		free(e);
	}
	pthread_mutex_unlock(&in_lock);
	return done ? (ssize_t)done : r;
}

static unsigned int inotify_poll(struct file *f, struct poll_table *pt)
{
	struct in_group *g = f->priv;
	poll_wait(&g->wq, pt);
	pthread_mutex_lock(&in_lock);
	unsigned int m = g->head ? EPOLLIN | EPOLLRDNORM : 0;
	pthread_mutex_unlock(&in_lock);
	return m;
}

static long inotify_ioctl(struct file *f, struct task *t, unsigned int cmd,
			  uint64_t arg)
{
	struct in_group *g = f->priv;
	if (cmd != FIONREAD)
		return -EINVAL; /* inotify_ioctl(): anything else */
	pthread_mutex_lock(&in_lock);
	int n = (int)g->bytes;
	pthread_mutex_unlock(&in_lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n));
}

static void inotify_release(struct file *f)
{
	struct in_group *g = f->priv;
	pthread_mutex_lock(&in_lock);
	while (g->watches)
		watch_remove(g->watches, NULL);
	pthread_mutex_unlock(&in_lock);
	atomic_fetch_sub(&in_instances, 1);
	group_put(g);
}

static const struct file_operations inotify_fops = {
	.read = inotify_read,
	.poll = inotify_poll,
	.ioctl = inotify_ioctl,
	.release = inotify_release,
};

int inotify_create(int flags, struct file **out)
{
	if (atomic_fetch_add(&in_instances, 1) >= IN_MAX_INSTANCES) {
		atomic_fetch_sub(&in_instances, 1);
		return -EMFILE;
	}
	struct in_group *g = rv_xcalloc(1, sizeof(*g));
	atomic_init(&g->refs, 1);
	waitq_init(&g->wq);
	unsigned fl = O_RDONLY | ((flags & IN_NONBLOCK) ? O_NONBLOCK : 0);
	*out = anon_file_create(&inotify_fops, g, fl, "anon_inode:inotify",
				0600);
	return 0;
}

bool file_is_inotify(struct file *f)
{
	return f && f->ops == &inotify_fops;
}

/* inotify_update_watch(): one watch per (instance, inode); a second add
 * replaces its mask, or ORs into it with IN_MASK_ADD. Watch descriptors
 * count up and are not reused (idr_alloc_cyclic). */
int inotify_add(struct file *f, struct inode *i, uint32_t mask)
{
	struct in_group *g = f->priv;
	uint32_t keep = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK);
	int r;
	pthread_mutex_lock(&in_lock);
	struct in_watch *iw = g->watches;
	while (iw && !(iw->sb == i->sb && iw->ino == i->ino))
		iw = iw->gnext;
	if (iw) {
		if (mask & IN_MASK_CREATE) {
			r = -EEXIST;
		} else {
			iw->mask = (mask & IN_MASK_ADD) ? iw->mask | keep
							: keep;
			r = iw->wd;
		}
	} else if (atomic_load(&inotify_nwatches) >= IN_MAX_WATCHES) {
		r = -ENOSPC;
	} else {
		iw = rv_xcalloc(1, sizeof(*iw));
		iw->g = g;
		iw->mask = keep;
		iw->sb = i->sb;
		iw->ino = i->ino;
		if (g->last_wd == INT32_MAX)
			g->last_wd = 0;
		iw->wd = ++g->last_wd;
		iw->gnext = g->watches;
		g->watches = iw;
		size_t b = in_bucket(i->sb, i->ino);
		iw->hnext = in_hash[b];
		in_hash[b] = iw;
		g->nwatches++;
		atomic_fetch_add(&inotify_nwatches, 1);
		r = iw->wd;
	}
	pthread_mutex_unlock(&in_lock);
	return r;
}

int inotify_rm(struct file *f, int wd)
{
	struct in_group *g = f->priv;
	struct in_wake w = {0};
	int r = -EINVAL;
	pthread_mutex_lock(&in_lock);
	for (struct in_watch *iw = g->watches; iw; iw = iw->gnext) {
		if (iw->wd == wd) {
			watch_remove(iw, &w);
			r = 0;
			break;
		}
	}
	pthread_mutex_unlock(&in_lock);
	wake_all(&w);
	return r;
}
