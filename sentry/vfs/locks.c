/* Advisory file locks (fcntl(2) record locks, open file description locks
 * and flock(2)), kept per inode like Linux's fs/locks.c.
 *
 * Owners: a POSIX record lock belongs to the process (thread group) and is
 * dropped when that process closes any fd of the file, or when the
 * description it was taken through is released; an OFD lock and a flock
 * belong to the open file description. flock locks and record locks do
 * not conflict with each other, as on Linux. A blocking request sleeps
 * interruptibly (-ERESTARTSYS) on one wait queue that every unlock wakes.
 * Deadlock detection (EDEADLK) is not done. */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "syscalls/table.h"

enum lock_kind { LK_POSIX, LK_OFD, LK_FLOCK };

struct file_lock {
	enum lock_kind kind;
	short type;              /* F_RDLCK / F_WRLCK */
	int64_t start, end;      /* inclusive byte range */
	const void *owner;       /* thread group or file */
	struct file *via;        /* description the lock was taken through */
	int pid;                 /* F_GETLK: the owner's pid (-1: OFD) */
	struct file_lock *next;
};

static pthread_mutex_t locks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct waitq locks_wq = WAITQ_INIT;
static pthread_cond_t locks_cond = PTHREAD_COND_INITIALIZER;

static bool is_flock(enum lock_kind k)
{
	return k == LK_FLOCK;
}

static bool conflicts(const struct file_lock *a, enum lock_kind kind,
		      const void *owner, short type, int64_t start,
		      int64_t end)
{
	if (is_flock(a->kind) != is_flock(kind))
		return false;
	if (a->owner == owner)
		return false;
	if (a->end < start || a->start > end)
		return false;
	return a->type == F_WRLCK || type == F_WRLCK;
}

static struct file_lock *find_conflict(struct inode *i, enum lock_kind kind,
				       const void *owner, short type,
				       int64_t start, int64_t end)
{
	for (struct file_lock *l = i->locks; l; l = l->next)
		if (conflicts(l, kind, owner, type, start, end))
			return l;
	return NULL;
}

/* Remove owner's locks of kind's family over [start, end], splitting the
 * ones that stick out. Under locks_lock. */
static void unlock_range(struct inode *i, enum lock_kind kind,
			 const void *owner, int64_t start, int64_t end)
{
	struct file_lock **pp = (struct file_lock **)&i->locks;
	while (*pp) {
		struct file_lock *l = *pp;
		if (l->owner != owner || is_flock(l->kind) != is_flock(kind) ||
		    l->end < start || l->start > end) {
			pp = &l->next;
			continue;
		}
		if (l->start < start && l->end > end) {
			/* Punch a hole: keep both sides. */
			struct file_lock *r = rv_xmalloc(sizeof(*r));
			*r = *l;
			r->start = end + 1;
			l->end = start - 1;
			r->next = l->next;
			l->next = r;
			return;
		}
		if (l->start < start) {
			l->end = start - 1;
			pp = &l->next;
		} else if (l->end > end) {
			l->start = end + 1;
			pp = &l->next;
		} else {
			*pp = l->next;
			free(l);
		}
	}
}

static void locks_changed(void)
{
	pthread_cond_broadcast(&locks_cond);
	waitq_wake(&locks_wq, 0);
}

struct lock_wait {
	struct inode *i;
	enum lock_kind kind;
	const void *owner;
	short type;
	int64_t start, end;
};

static bool lock_free(void *arg)
{
	struct lock_wait *w = arg;
	pthread_mutex_lock(&locks_lock);
	bool ok = !find_conflict(w->i, w->kind, w->owner, w->type, w->start,
				 w->end);
	pthread_mutex_unlock(&locks_lock);
	return ok;
}

/* Set or clear a lock. wait: F_SETLKW / flock without LOCK_NB. */
static int lock_set(struct inode *i, struct file *via, enum lock_kind kind,
		    const void *owner, int pid, short type, int64_t start,
		    int64_t end, bool wait)
{
	pthread_mutex_lock(&locks_lock);
	if (type == F_UNLCK) {
		unlock_range(i, kind, owner, start, end);
		pthread_mutex_unlock(&locks_lock);
		locks_changed();
		return 0;
	}
	for (;;) {
		if (!find_conflict(i, kind, owner, type, start, end))
			break;
		if (!wait) {
			pthread_mutex_unlock(&locks_lock);
			/* flock(2) says EWOULDBLOCK, fcntl(2) EAGAIN: equal. */
			return -EAGAIN;
		}
		struct task *t = current;
		if (!t) {
			pthread_cond_wait(&locks_cond, &locks_lock);
			continue;
		}
		struct lock_wait w = {i, kind, owner, type, start, end};
		pthread_mutex_unlock(&locks_lock);
		int r = waitq_wait_event(t, &locks_wq, 0, lock_free, &w, NULL);
		if (r == -EINTR)
			return -RV_ERESTARTSYS;
		pthread_mutex_lock(&locks_lock);
	}
	/* Replace what owner held over the range (an upgrade or downgrade
	 * converts, as Linux does). */
	unlock_range(i, kind, owner, start, end);
	struct file_lock *l = rv_xcalloc(1, sizeof(*l));
	*l = (struct file_lock){kind, type, start, end, owner, via, pid,
				i->locks};
	i->locks = l;
	pthread_mutex_unlock(&locks_lock);
	/* A downgrade may let readers in. */
	locks_changed();
	return 0;
}

/* struct flock to an inclusive range, with Linux's checks. */
static int flock_range(struct file *f, const struct flock *fl, int64_t *start,
		       int64_t *end)
{
	int64_t base;
	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = f->pos < 0 ? 0 : f->pos;
		break;
	case SEEK_END: {
		struct kstat st;
		if (vfs_fstat(f, &st))
			return -EINVAL;
		base = (int64_t)st.size;
		break;
	}
	default:
		return -EINVAL;
	}
	int64_t s;
	if (__builtin_add_overflow(base, (int64_t)fl->l_start, &s))
		return -EOVERFLOW;
	/* A start before the file's first byte is EINVAL, checked before
	 * the length as Linux does (and before s - 1 below can overflow:
	 * l_start INT64_MIN). */
	if (s < 0)
		return -EINVAL;
	int64_t len = fl->l_len;
	int64_t e;
	if (len > 0) {
		if (__builtin_add_overflow(s, len - 1, &e))
			return -EOVERFLOW;
	} else if (len < 0) {
		/* A negative length covers the bytes before start. */
		e = s - 1;
		if (__builtin_add_overflow(s, len, &s))
			return -EINVAL;
	} else {
		e = INT64_MAX;
	}
	if (s < 0)
		return -EINVAL;
	*start = s;
	*end = e;
	return 0;
}

int vfs_fcntl_lock(struct task *t, struct file *f, int cmd, struct flock *fl)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK ||
		   cmd == F_OFD_SETLKW;
	bool get = cmd == F_GETLK || cmd == F_OFD_GETLK;
	bool wait = cmd == F_SETLKW || cmd == F_OFD_SETLKW;
	struct inode *i = f->inode;
	if (!i || (f->flags & O_PATH))
		return -EBADF;
	if (fl->l_type != F_RDLCK && fl->l_type != F_WRLCK &&
	    fl->l_type != F_UNLCK)
		return -EINVAL;
	/* OFD locks: l_pid must be 0 on input (fcntl(2)). */
	if (ofd && fl->l_pid != 0)
		return -EINVAL;
	int64_t start, end;
	int err = flock_range(f, fl, &start, &end);
	if (err)
		return err;
	const void *owner = ofd ? (const void *)f : (const void *)t->tg;
	enum lock_kind kind = ofd ? LK_OFD : LK_POSIX;
	if (get) {
		if (fl->l_type == F_UNLCK)
			return -EINVAL;
		pthread_mutex_lock(&locks_lock);
		struct file_lock *c = find_conflict(i, kind, owner, fl->l_type,
						    start, end);
		if (!c) {
			fl->l_type = F_UNLCK;
		} else {
			fl->l_type = c->type;
			fl->l_whence = SEEK_SET;
			fl->l_start = c->start;
			fl->l_len = c->end == INT64_MAX ? 0
							: c->end - c->start + 1;
			fl->l_pid = c->pid;
		}
		pthread_mutex_unlock(&locks_lock);
		return 0;
	}
	/* The description must allow the lock's kind of access. */
	int acc = f->flags & O_ACCMODE;
	if ((fl->l_type == F_RDLCK && acc == O_WRONLY) ||
	    (fl->l_type == F_WRLCK && acc == O_RDONLY))
		return -EBADF;
	return lock_set(i, f, kind, owner, ofd ? -1 : t->tg->tgid, fl->l_type,
			start, end, wait);
}

int vfs_flock(struct file *f, int op)
{
	bool nb = op & LOCK_NB;
	op &= ~LOCK_NB;
	short type = op == LOCK_SH ? F_RDLCK : op == LOCK_EX ? F_WRLCK
			     : op == LOCK_UN ? F_UNLCK : -1;
	if (type < 0)
		return -EINVAL;
	if (!f->inode || (f->flags & O_PATH))
		return -EBADF;
	return lock_set(f->inode, f, LK_FLOCK, f, -1, type, 0, INT64_MAX, !nb);
}

void vfs_locks_close(struct inode *i, const void *owner)
{
	if (!i || !i->locks)
		return;
	pthread_mutex_lock(&locks_lock);
	unlock_range(i, LK_POSIX, owner, 0, INT64_MAX);
	pthread_mutex_unlock(&locks_lock);
	locks_changed();
}

void vfs_locks_release(struct file *f)
{
	struct inode *i = f->inode;
	if (!i || !i->locks)
		return;
	pthread_mutex_lock(&locks_lock);
	struct file_lock **pp = (struct file_lock **)&i->locks;
	while (*pp) {
		struct file_lock *l = *pp;
		if (l->via == f || l->owner == f) {
			*pp = l->next;
			free(l);
		} else {
			pp = &l->next;
		}
	}
	pthread_mutex_unlock(&locks_lock);
	locks_changed();
}
