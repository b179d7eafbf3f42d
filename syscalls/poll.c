/* Waiting on many files: poll, ppoll, select, pselect6 (Linux's
 * fs/select.c). Each file's poll op reports its readiness and, on the first
 * pass, registers the caller on the file's wait queues; the caller then
 * sleeps until one of them wakes it, a signal arrives or the timeout ends,
 * and asks every file again. */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <string.h>
#include <time.h>

#include "sentry/kernel/signal.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/poll.h"
#include "syscalls/table.h"

#define KSIGSET_SIZE 8
/* Linux's fs.nr_open default: no fd (and so no nfds) can be larger. */
#define POLL_NR_OPEN (1U << 20)

/* --- the poll table: one wait queue entry per queue a file registers ---- */

/* Entries are linked into the files' queues, so they never move: they
 * live in a chain of fixed blocks. */
struct pollwq_block {
	struct pollwq_block *next;
	size_t n;
	struct waitq_entry e[32];
};

struct poll_wqueues {
	struct poll_table pt;
	struct task *task;
	struct pollwq_block first;
	struct pollwq_block *last;
};

static void pollwq_qproc(struct poll_table *pt, struct waitq *wq)
{
	struct poll_wqueues *p = container_of(pt, struct poll_wqueues, pt);
	if (p->last->n == RV_ARRAY_SIZE(p->last->e)) {
		struct pollwq_block *b = rv_xcalloc(1, sizeof(*b));
		p->last->next = b;
		p->last = b;
	}
	struct waitq_entry *e = &p->last->e[p->last->n++];
	memset(e, 0, sizeof(*e));
	e->func = waitq_entry_wake_task;
	e->task = p->task;
	waitq_add(wq, e);
}

static void pollwq_init(struct poll_wqueues *p, struct task *t, size_t want)
{
	(void)want;
	p->pt.qproc = pollwq_qproc;
	p->pt.priv = p;
	p->task = t;
	p->first.next = NULL;
	p->first.n = 0;
	p->last = &p->first;
}

static void pollwq_free(struct poll_wqueues *p)
{
	struct pollwq_block *b = &p->first;
	while (b) {
		struct pollwq_block *next = b->next;
		for (size_t i = 0; i < b->n; i++)
			waitq_remove(&b->e[i]);
		if (b != &p->first)
			free(b);
		b = next;
	}
}

unsigned int poll_file(struct file *f, struct poll_table *pt)
{
	if (!f->ops || !f->ops->poll)
		return POLL_DEFAULT_MASK;
	return f->ops->poll(f, pt);
}

/* --- deadlines ----------------------------------------------------------- */

static void ts_add(struct timespec *a, const struct timespec *b)
{
	a->tv_sec += b->tv_sec;
	a->tv_nsec += b->tv_nsec;
	if (a->tv_nsec >= 1000000000L) {
		a->tv_sec++;
		a->tv_nsec -= 1000000000L;
	}
}

int poll_deadline(const struct timespec *rel, struct timespec *dl)
{
	if (rel->tv_sec < 0 || rel->tv_nsec < 0 || rel->tv_nsec >= 1000000000L)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, dl);
	/* A huge timeout is "forever" in practice; avoid time_t overflow. */
	if (rel->tv_sec > (time_t)1 << 40) {
		dl->tv_sec = (time_t)1 << 41;
		return 0;
	}
	ts_add(dl, rel);
	return 0;
}

static bool deadline_passed(const struct timespec *dl)
{
	struct timespec now;
	if (!dl)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > dl->tv_sec ||
	       (now.tv_sec == dl->tv_sec && now.tv_nsec >= dl->tv_nsec);
}

/* Time left until dl (0 when passed). */
static struct timespec time_left(const struct timespec *dl)
{
	struct timespec now, r = {0, 0};
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > dl->tv_sec ||
	    (now.tv_sec == dl->tv_sec && now.tv_nsec >= dl->tv_nsec))
		return r;
	r.tv_sec = dl->tv_sec - now.tv_sec;
	r.tv_nsec = dl->tv_nsec - now.tv_nsec;
	if (r.tv_nsec < 0) {
		r.tv_sec--;
		r.tv_nsec += 1000000000L;
	}
	return r;
}

/* ppoll/pselect6: the temporary signal mask, restored on the way back to
 * the app unless a handler runs first (then the frame holds the old one),
 * exactly as sigsuspend. */
int poll_set_temp_sigmask(struct task *t, uint64_t uset, size_t size)
{
	uint64_t set;
	if (!uset)
		return 0;
	if (size != KSIGSET_SIZE)
		return -EINVAL;
	if (mm_copy_in(t->mm, &set, uset, sizeof(set)) < 0)
		return -EFAULT;
	t->saved_sigmask = t->sigmask;
	t->has_saved_sigmask = true;
	t->sigmask = signal_sanitize_mask(set);
	return 0;
}

static uint64_t nofile_limit(struct task *t)
{
	uint64_t lim = t->tg ? t->tg->rlim[RLIMIT_NOFILE].rlim_cur : 1024;
	return lim;
}

/* --- poll ---------------------------------------------------------------- */

static long do_poll(struct task *t, struct pollfd *fds, size_t nfds,
		    const struct timespec *dl, bool *timed_out)
{
	struct poll_wqueues wq;
	bool first = true;
	long count = 0;

	*timed_out = false;
	pollwq_init(&wq, t, nfds);
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		count = 0;
		for (size_t i = 0; i < nfds; i++) {
			fds[i].revents = 0;
			if (fds[i].fd < 0)
				continue;
			struct file *f = fd_get(t->files, fds[i].fd);
			if (!f) {
				fds[i].revents = POLLNVAL;
				count++;
				continue;
			}
			unsigned int m = poll_file(f, first ? &wq.pt : NULL);
			file_put(f);
			/* POLLERR and POLLHUP are reported whether asked for
			 * or not (poll(2)). */
			m &= (unsigned)(uint16_t)fds[i].events | POLLERR |
			     POLLHUP;
			fds[i].revents = (short)m;
			if (m)
				count++;
		}
		first = false;
		if (count)
			break;
		if (dl && deadline_passed(dl)) {
			*timed_out = true;
			break;
		}
		int r = task_wait_commit(t, seq, dl);
		if (r == -EINTR) {
			count = -EINTR;
			break;
		}
	}
	pollwq_free(&wq);
	return count;
}

static long poll_common(struct task *t, uint64_t ufds, uint64_t nfds,
			const struct timespec *dl)
{
	if (nfds > nofile_limit(t) || nfds > POLL_NR_OPEN)
		return -EINVAL;
	size_t len = nfds * sizeof(struct pollfd);
	struct pollfd *fds = rv_xmalloc(len ? len : 1);
	bool to;
	long r;
	if (len && mm_copy_in(t->mm, fds, ufds, len) < 0) {
		r = -EFAULT;
		goto out;
	}
	r = do_poll(t, fds, nfds, dl, &to);
	if (r == -EINTR) {
		r = -RV_ERESTARTNOHAND;
		goto out;
	}
	/* Only revents changes; writing the whole array is what Linux does
	 * (a read-only array is EFAULT even when nothing is ready). */
	if (len && mm_copy_out(t->mm, ufds, fds, len) < 0)
		r = -EFAULT;
out:
	free(fds);
	return r;
}

long sys_poll(struct task *t, const uint64_t a[6])
{
	int ms = (int)a[2];
	struct timespec dl, rel = {ms / 1000, (ms % 1000) * 1000000L};
	if (ms >= 0)
		poll_deadline(&rel, &dl);
	return poll_common(t, a[0], a[1], ms >= 0 ? &dl : NULL);
}

long sys_ppoll(struct task *t, const uint64_t a[6])
{
	struct timespec rel, dl;
	int err;
	if (a[2]) {
		if (mm_copy_in(t->mm, &rel, a[2], sizeof(rel)) < 0)
			return -EFAULT;
		if ((err = poll_deadline(&rel, &dl)))
			return err;
	}
	if ((err = poll_set_temp_sigmask(t, a[3], a[4])))
		return err;
	long r = poll_common(t, a[0], a[1], a[2] ? &dl : NULL);
	if (a[2] && r != -EFAULT) {
		/* Linux writes back the time left (ignoring a failure). */
		struct timespec left = time_left(&dl);
		mm_copy_out(t->mm, a[2], &left, sizeof(left));
	}
	return r;
}

/* --- select -------------------------------------------------------------- */

#define POLLIN_SET (EPOLLRDNORM | EPOLLRDBAND | EPOLLIN | EPOLLHUP | EPOLLERR)
#define POLLOUT_SET (EPOLLWRBAND | EPOLLWRNORM | EPOLLOUT | EPOLLERR)
#define POLLEX_SET (EPOLLPRI)

static long do_select(struct task *t, int nfds, uint64_t uin, uint64_t uout,
		      uint64_t uex, const struct timespec *dl)
{
	if (nfds < 0)
		return -EINVAL;
	/* Linux clips nfds to the fd table size; bits above are ignored. */
	uint64_t lim = RV_MIN(nofile_limit(t), POLL_NR_OPEN);
	if ((uint64_t)nfds > lim)
		nfds = (int)lim;
	size_t words = ((size_t)nfds + 63) / 64, bytes = words * 8;
	uint64_t *in = rv_xcalloc(words ? words : 1, 8);
	uint64_t *out = rv_xcalloc(words ? words : 1, 8);
	uint64_t *ex = rv_xcalloc(words ? words : 1, 8);
	uint64_t *rin = rv_xcalloc(words ? words : 1, 8);
	uint64_t *rout = rv_xcalloc(words ? words : 1, 8);
	uint64_t *rex = rv_xcalloc(words ? words : 1, 8);
	struct poll_wqueues wq;
	long r = 0;
	bool first = true;

	/* The sets are bit arrays of longs covering nfds bits (select(2)). */
	size_t cbytes = ((size_t)nfds + 7) / 8;
	if ((uin && mm_copy_in(t->mm, in, uin, cbytes) < 0) ||
	    (uout && mm_copy_in(t->mm, out, uout, cbytes) < 0) ||
	    (uex && mm_copy_in(t->mm, ex, uex, cbytes) < 0)) {
		r = -EFAULT;
		goto out_free;
	}
	if (nfds % 64)
		for (uint64_t *s[3] = {in, out, ex}, k = 0; k < 3; k++)
			s[k][words - 1] &= (1ULL << (nfds % 64)) - 1;
	/* Every fd in a set must be open: EBADF otherwise. */
	size_t nsel = 0;
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ULL << (fd % 64);
		if (!((in[fd / 64] | out[fd / 64] | ex[fd / 64]) & bit))
			continue;
		struct file *f = fd_get(t->files, fd);
		if (!f) {
			r = -EBADF;
			goto out_free;
		}
		file_put(f);
		nsel++;
	}
	pollwq_init(&wq, t, nsel);
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		r = 0;
		memset(rin, 0, bytes);
		memset(rout, 0, bytes);
		memset(rex, 0, bytes);
		for (int fd = 0; fd < nfds; fd++) {
			size_t w = (size_t)fd / 64;
			uint64_t bit = 1ULL << (fd % 64);
			if (!((in[w] | out[w] | ex[w]) & bit))
				continue;
			struct file *f = fd_get(t->files, fd);
			if (!f) {
				r = -EBADF;
				break;
			}
			unsigned int m = poll_file(f, first ? &wq.pt : NULL);
			file_put(f);
			if ((in[w] & bit) && (m & POLLIN_SET)) {
				rin[w] |= bit;
				r++;
			}
			if ((out[w] & bit) && (m & POLLOUT_SET)) {
				rout[w] |= bit;
				r++;
			}
			if ((ex[w] & bit) && (m & POLLEX_SET)) {
				rex[w] |= bit;
				r++;
			}
		}
		first = false;
		if (r || deadline_passed(dl))
			break;
		if (task_wait_commit(t, seq, dl) == -EINTR) {
			r = -RV_ERESTARTNOHAND;
			break;
		}
	}
	pollwq_free(&wq);
	if (r >= 0 && ((uin && mm_copy_out(t->mm, uin, rin, cbytes) < 0) ||
		       (uout && mm_copy_out(t->mm, uout, rout, cbytes) < 0) ||
		       (uex && mm_copy_out(t->mm, uex, rex, cbytes) < 0)))
		r = -EFAULT;
out_free:
	free(in);
	free(out);
	free(ex);
	free(rin);
	free(rout);
	free(rex);
	return r;
}

long sys_select(struct task *t, const uint64_t a[6])
{
	struct timeval tv;
	struct timespec rel, dl;
	if (a[4]) {
		if (mm_copy_in(t->mm, &tv, a[4], sizeof(tv)) < 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux folds excess microseconds into seconds; a sum past
		 * INT64_MAX is not a valid time there: EINVAL (and no signed
		 * overflow here). */
		if (__builtin_add_overflow(tv.tv_sec, tv.tv_usec / 1000000,
					   &rel.tv_sec))
			return -EINVAL;
		rel.tv_nsec = (tv.tv_usec % 1000000) * 1000;
		poll_deadline(&rel, &dl);
	}
	long r = do_select(t, (int)a[0], a[1], a[2], a[3], a[4] ? &dl : NULL);
	if (a[4] && r != -EFAULT && r != -EINVAL) {
		struct timespec left = time_left(&dl);
		tv.tv_sec = left.tv_sec;
		tv.tv_usec = left.tv_nsec / 1000;
		mm_copy_out(t->mm, a[4], &tv, sizeof(tv));
	}
	return r;
}

long sys_pselect6(struct task *t, const uint64_t a[6])
{
	struct timespec rel, dl;
	int err;
	if (a[4]) {
		if (mm_copy_in(t->mm, &rel, a[4], sizeof(rel)) < 0)
			return -EFAULT;
		if ((err = poll_deadline(&rel, &dl)))
			return err;
	}
	/* The sixth argument points at {const sigset_t *ss; size_t len}. */
	if (a[5]) {
		struct {
			uint64_t ss, len;
		} sm;
		if (mm_copy_in(t->mm, &sm, a[5], sizeof(sm)) < 0)
			return -EFAULT;
		if ((err = poll_set_temp_sigmask(t, sm.ss, sm.len)))
			return err;
	}
	long r = do_select(t, (int)a[0], a[1], a[2], a[3], a[4] ? &dl : NULL);
	if (a[4] && r != -EFAULT && r != -EINVAL) {
		struct timespec left = time_left(&dl);
		mm_copy_out(t->mm, a[4], &left, sizeof(left));
	}
	return r;
}
