/* futex(2): wait queues keyed by address.
 *
 * A private futex (FUTEX_PRIVATE_FLAG) is keyed by (mm, address); a shared
 * one by its page in the memory file, so that processes sharing the page
 * through MAP_SHARED meet on the same key. The futex word is read and
 * changed atomically through the sentry's mapping of the memory file: a
 * page unmapped meanwhile only makes the word read as stale data, never a
 * sentry fault. */
#include "sentry/kernel/futex.h"

#include <linux/futex.h>
#include <string.h>
#include <time.h>

#include "sentry/kernel/kernel.h"
#include "sentry/mm/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

struct futex_key {
	uint64_t space; /* mm pointer, or 0 for a memory-file offset */
	uint64_t addr;  /* app address, or memory-file offset */
};

struct futex_waiter {
	struct futex_key key;
	uint32_t bitset;
	struct task *task;
	_Atomic int woken;
	/* FUTEX_WAIT_REQUEUE_PI: the PI futex it may only be requeued to,
	 * and where it stands (set under the bucket locks, read once woken). */
	bool requeue_pi;
	struct futex_key pi_key;
	int rq_state;
	struct futex_waiter *next, **pprev;
};
enum { RQ_WAITING, RQ_REQUEUED, RQ_OWNER };

#define NBUCKETS 256
static struct bucket {
	pthread_mutex_t lock;
	struct futex_waiter *head;
} buckets[NBUCKETS];
static pthread_once_t buckets_once = PTHREAD_ONCE_INIT;

static void buckets_init(void)
{
	for (int i = 0; i < NBUCKETS; i++)
		pthread_mutex_init(&buckets[i].lock, NULL);
}

static struct bucket *bucket_of(const struct futex_key *k)
{
	uint64_t h = (k->space * 0x9e3779b97f4a7c15ULL) ^ (k->addr >> 2);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return &buckets[(h >> 32) % NBUCKETS];
}

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* The pages of the futex words this thread holds pointers to, pinned
 * (mm_iovecs_pin) until the futex call that looked them up returns: the
 * call reads, compares and writes the word through the pointer after the
 * mm's lock is dropped (and a wait holds it for as long as it sleeps), so
 * another thread's munmap must not free the page for the memory file to
 * give to another mapping, maybe another process's, meanwhile. A call
 * takes at most three words; calls nest (a robust list death wakes). */
#define FUTEX_PINS 8
static __thread struct iovec futex_pins[FUTEX_PINS];
static __thread int futex_npins;

/* Release the pins taken since futex_npins was mark. */
static void futex_unpin_to(int mark)
{
	RV_BUG_ON(mark > futex_npins);
	mm_iovecs_release(futex_pins + mark, (size_t)(futex_npins - mark));
	futex_npins = mark;
}

/* The sentry's pointer to the futex word, allocating its page if needed,
 * pinned until futex_unpin_to(). -EINVAL for a misaligned word, -EFAULT
 * for an unmapped one. */
static int futex_word(struct mm *mm, uint64_t uaddr, bool write,
		      uint32_t **out)
{
	struct iovec iov;
	size_t covered;
	if (uaddr & 3)
		return -EINVAL;
	RV_BUG_ON(futex_npins == FUTEX_PINS);
	int n = mm_iovecs_pin(mm, uaddr, 4, write, &iov, 1, &covered);
	if (n < 0)
		return n;
	futex_pins[futex_npins++] = iov;
	if (covered < 4)
		return -EFAULT;
	*out = iov.iov_base;
	return 0;
}

static int futex_key_get(struct mm *mm, uint64_t uaddr, bool private,
			 struct futex_key *k, uint32_t **word)
{
	/* Writable so that a shared key names the page the app will really
	 * use (no copy-on-write page to be replaced under the waiter). */
	int r = futex_word(mm, uaddr, !private, word);
	if (r == -EFAULT && !private)
		r = futex_word(mm, uaddr, false, word);
	if (r < 0)
		return r;
	if (private) {
		k->space = (uint64_t)(uintptr_t)mm;
		k->addr = uaddr;
	} else {
		k->space = 0;
		k->addr = (uint64_t)((uint8_t *)*word - memfile_base());
	}
	return 0;
}

static void waiter_add(struct bucket *b, struct futex_waiter *w)
{
	w->next = b->head;
	w->pprev = &b->head;
	if (b->head)
		b->head->pprev = &w->next;
	b->head = w;
}

static void waiter_del(struct futex_waiter *w)
{
	*w->pprev = w->next;
	if (w->next)
		w->next->pprev = w->pprev;
	w->next = NULL;
	w->pprev = NULL;
}

/* Wake w: remove it and tell its task. Bucket locked. */
static void waiter_wake(struct futex_waiter *w)
{
	struct task *t = w->task;
	waiter_del(w);
	atomic_fetch_add(&t->refs, 1);
	/* After this store the waiter may return and its stack frame (w)
	 * be gone: nothing of w is touched again. */
	atomic_store(&w->woken, 1);
	task_wake(t);
	task_put(t);
}

static int wake_key(const struct futex_key *k, int n, uint32_t bitset)
{
	struct bucket *b = bucket_of(k);
	int woken = 0;
	pthread_mutex_lock(&b->lock);
	for (struct futex_waiter *w = b->head, *next; w && woken < n; w = next) {
		next = w->next;
		if (!key_eq(&w->key, k))
			continue;
		/* A waiter of a PI condvar leaves its condvar word only by
		 * a requeue (Linux's futex_wake: EINVAL). */
		if (w->requeue_pi && w->rq_state == RQ_WAITING) {
			woken = -EINVAL;
			break;
		}
		if (w->bitset & bitset) {
			waiter_wake(w);
			woken++;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return woken;
}

int futex_wake_addr(struct mm *mm, uint64_t addr, int n)
{
	int mark = futex_npins;
	pthread_once(&buckets_once, buckets_init);
	struct futex_key k = {(uint64_t)(uintptr_t)mm, addr};
	int r = RV_MAX(wake_key(&k, n, FUTEX_BITSET_MATCH_ANY), 0);
	/* The word may also be waited on as a shared futex. */
	uint32_t *word;
	if (futex_key_get(mm, addr, false, &k, &word) == 0)
		r += RV_MAX(wake_key(&k, n - r, FUTEX_BITSET_MATCH_ANY), 0);
	futex_unpin_to(mark);
	return r;
}

static struct bucket *lock_waiter_bucket(struct futex_waiter *w)
{
	/* A requeue may move w to another bucket between our reading its key
	 * and locking: retry until the bucket is the one of its key. */
	for (;;) {
		struct futex_key k = w->key;
		struct bucket *b = bucket_of(&k);
		pthread_mutex_lock(&b->lock);
		if (key_eq(&k, &w->key))
			return b;
		pthread_mutex_unlock(&b->lock);
	}
}

/* Linux's futex_wait_setup(): w is queued only if the word still holds
 * val under the bucket lock (a waker changes the word first, then takes
 * the lock), else EAGAIN. */
static int futex_enqueue_if_val(struct futex_waiter *w, const uint32_t *word,
				uint32_t val)
{
	struct bucket *b = bucket_of(&w->key);
	pthread_mutex_lock(&b->lock);
	if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != val) {
		pthread_mutex_unlock(&b->lock);
		return -EAGAIN;
	}
	waiter_add(b, w);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* Sleep until w, queued, is woken: 0. A timeout or signal gives
 * task_wait_commit's error with w off its queue, unless a waker took it
 * first (0 then: the wake is not lost). Once this returns, w is on no
 * queue, so its fields are the caller's alone. */
static int futex_sleep(struct task *t, struct futex_waiter *w,
		       const struct timespec *deadline)
{
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		if (atomic_load(&w->woken))
			return 0;
		int r = task_wait_commit(t, seq, deadline);
		if (r == 0)
			continue;
		struct bucket *b = lock_waiter_bucket(w);
		bool woken = atomic_load(&w->woken);
		if (!woken)
			waiter_del(w);
		pthread_mutex_unlock(&b->lock);
		return woken ? 0 : r;
	}
}

static long futex_wait(struct task *t, uint64_t uaddr, bool private,
		       uint32_t val, const struct timespec *deadline,
		       uint32_t bitset)
{
	struct futex_waiter w;
	uint32_t *word;

	if (!bitset)
		return -EINVAL;
	memset(&w, 0, sizeof(w));
	int r = futex_key_get(t->mm, uaddr, private, &w.key, &word);
	if (r < 0)
		return r;
	w.bitset = bitset;
	w.task = t;
	if ((r = futex_enqueue_if_val(&w, word, val)) < 0)
		return r;
	r = futex_sleep(t, &w, deadline);
	if (r == 0 || r == -ETIMEDOUT)
		return r;
	/* Linux: with a timeout, ERESTART_RESTARTBLOCK, so EINTR once a
	 * handler ran, SA_RESTART or not (a restart would start the whole
	 * timeout again); without one, ERESTARTSYS. */
	return deadline ? -RV_ERESTARTNOHAND : -RV_ERESTARTSYS;
}

static int lock_two(struct bucket *a, struct bucket *b)
{
	if (a == b) {
		pthread_mutex_lock(&a->lock);
	} else if (a < b) {
		pthread_mutex_lock(&a->lock);
		pthread_mutex_lock(&b->lock);
	} else {
		pthread_mutex_lock(&b->lock);
		pthread_mutex_lock(&a->lock);
	}
	return 0;
}

static void unlock_two(struct bucket *a, struct bucket *b)
{
	pthread_mutex_unlock(&a->lock);
	if (a != b)
		pthread_mutex_unlock(&b->lock);
}

static long futex_requeue(struct task *t, uint64_t uaddr, bool private,
			  int nr_wake, int nr_requeue, uint64_t uaddr2,
			  bool cmp, uint32_t cmpval)
{
	struct futex_key k1, k2;
	uint32_t *w1, *w2;
	int r;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if ((r = futex_key_get(t->mm, uaddr, private, &k1, &w1)) < 0)
		return r;
	if ((r = futex_key_get(t->mm, uaddr2, private, &k2, &w2)) < 0)
		return r;
	struct bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	if (cmp && __atomic_load_n(w1, __ATOMIC_SEQ_CST) != cmpval) {
		unlock_two(b1, b2);
		return -EAGAIN;
	}
	int woken = 0, moved = 0;
	for (struct futex_waiter *w = b1->head, *next; w; w = next) {
		next = w->next;
		if (!key_eq(&w->key, &k1))
			continue;
		/* A waiter meant for a PI futex only moves by
		 * FUTEX_CMP_REQUEUE_PI (Linux: EINVAL). */
		if (w->requeue_pi) {
			unlock_two(b1, b2);
			return -EINVAL;
		}
		if (woken < nr_wake) {
			waiter_wake(w);
			woken++;
		} else if (moved < nr_requeue) {
			waiter_del(w);
			w->key = k2;
			waiter_add(b2, w);
			moved++;
		} else {
			break;
		}
	}
	unlock_two(b1, b2);
	return cmp ? woken + moved : woken;
}

static long futex_wake_op(struct task *t, uint64_t uaddr, bool private,
			  int nr_wake, int nr_wake2, uint64_t uaddr2,
			  uint32_t encoded)
{
	struct futex_key k1, k2;
	uint32_t *w1, *w2;
	int r;

	int op = (encoded >> 28) & 0xf;
	int cmp = (encoded >> 24) & 0xf;
	int32_t oparg = ((int32_t)(encoded << 8)) >> 20;
	int32_t cmparg = ((int32_t)(encoded << 20)) >> 20;
	if (op & FUTEX_OP_OPARG_SHIFT) {
		if (oparg < 0 || oparg > 31)
			return -EINVAL;
		oparg = (int32_t)(1U << oparg);
		op &= ~FUTEX_OP_OPARG_SHIFT;
	}
	if (op > FUTEX_OP_XOR || cmp > FUTEX_OP_CMP_GE)
		return -ENOSYS;
	if ((r = futex_key_get(t->mm, uaddr, private, &k1, &w1)) < 0)
		return r;
	if ((r = futex_word(t->mm, uaddr2, true, &w2)) < 0)
		return r;
	if ((r = futex_key_get(t->mm, uaddr2, private, &k2, &w2)) < 0)
		return r;
	struct bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	uint32_t old = __atomic_load_n(w2, __ATOMIC_SEQ_CST), nv;
	do {
		switch (op) {
		case FUTEX_OP_SET: nv = (uint32_t)oparg; break;
		case FUTEX_OP_ADD: nv = old + (uint32_t)oparg; break;
		case FUTEX_OP_OR: nv = old | (uint32_t)oparg; break;
		case FUTEX_OP_ANDN: nv = old & ~(uint32_t)oparg; break;
		default: nv = old ^ (uint32_t)oparg; break;
		}
	} while (!__atomic_compare_exchange_n(w2, &old, nv, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	int32_t o = (int32_t)old;
	bool hit;
	switch (cmp) {
	case FUTEX_OP_CMP_EQ: hit = o == cmparg; break;
	case FUTEX_OP_CMP_NE: hit = o != cmparg; break;
	case FUTEX_OP_CMP_LT: hit = o < cmparg; break;
	case FUTEX_OP_CMP_LE: hit = o <= cmparg; break;
	case FUTEX_OP_CMP_GT: hit = o > cmparg; break;
	default: hit = o >= cmparg; break;
	}
	int woken = 0;
	for (struct futex_waiter *w = b1->head, *next; w && woken < nr_wake; w = next) {
		next = w->next;
		if (key_eq(&w->key, &k1)) {
			waiter_wake(w);
			woken++;
		}
	}
	if (hit) {
		int woken2 = 0;
		for (struct futex_waiter *w = b2->head, *next;
		     w && woken2 < nr_wake2; w = next) {
			next = w->next;
			if (key_eq(&w->key, &k2)) {
				waiter_wake(w);
				woken2++;
			}
		}
		woken += woken2;
	}
	unlock_two(b1, b2);
	return woken;
}

/* Priority-inheritance futexes (futex(2) "Priority-inheritance futexes").
 * The word holds the owner's tid, FUTEX_WAITERS when someone sleeps in the
 * kernel for it, FUTEX_OWNER_DIED after a robust-list cleanup. Ownership
 * is taken in the kernel by the woken waiter itself; the host schedules
 * the sentry's threads, so there is no priority to lend: what the app can
 * observe (mutual exclusion, EDEADLK, EPERM, owner-died, timeouts) is
 * Linux's. */
static bool waiters_left(struct bucket *b, const struct futex_key *k)
{
	for (struct futex_waiter *w = b->head; w; w = w->next)
		if (key_eq(&w->key, k))
			return true;
	return false;
}

static long futex_lock_pi(struct task *t, uint64_t uaddr, bool private,
			  bool trylock, const struct timespec *deadline)
{
	struct futex_waiter w;
	uint32_t *word;
	uint32_t tid = (uint32_t)t->tid;

	memset(&w, 0, sizeof(w));
	int r = futex_key_get(t->mm, uaddr, private, &w.key, &word);
	if (r < 0)
		return r;
	w.bitset = FUTEX_BITSET_MATCH_ANY;
	w.task = t;
	struct bucket *b = bucket_of(&w.key);
	for (;;) {
		pthread_mutex_lock(&b->lock);
		uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
		uint32_t owner = old & FUTEX_TID_MASK;
		if (owner == tid) {
			pthread_mutex_unlock(&b->lock);
			return -EDEADLK;
		}
		/* Free, or its owner died: take it, telling later lockers to
		 * come here while others still wait. */
		if (owner == 0) {
			uint32_t nv = tid | (old & FUTEX_OWNER_DIED) |
				      (waiters_left(b, &w.key) ? FUTEX_WAITERS : 0);
			if (__atomic_compare_exchange_n(word, &old, nv, false,
							__ATOMIC_SEQ_CST,
							__ATOMIC_SEQ_CST)) {
				pthread_mutex_unlock(&b->lock);
				return 0;
			}
			pthread_mutex_unlock(&b->lock);
			continue;
		}
		struct task *o = task_find((int)owner);
		if (!o) {
			pthread_mutex_unlock(&b->lock);
			return -ESRCH; /* no such owner (and no robust cleanup) */
		}
		task_put(o);
		if (trylock) {
			pthread_mutex_unlock(&b->lock);
			return -EWOULDBLOCK;
		}
		if (!(old & FUTEX_WAITERS) &&
		    !__atomic_compare_exchange_n(word, &old, old | FUTEX_WAITERS,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST)) {
			pthread_mutex_unlock(&b->lock);
			continue;
		}
		atomic_store(&w.woken, 0);
		waiter_add(b, &w);
		pthread_mutex_unlock(&b->lock);
		r = futex_sleep(t, &w, deadline);
		if (r < 0)
			return r == -ETIMEDOUT ? -ETIMEDOUT
						: -RV_ERESTARTNOINTR;
		/* Woken by an unlock: try to take it again. */
	}
}

static long futex_unlock_pi(struct task *t, uint64_t uaddr, bool private)
{
	struct futex_key k;
	uint32_t *word;
	int r = futex_key_get(t->mm, uaddr, private, &k, &word);
	if (r < 0)
		return r;
	struct bucket *b = bucket_of(&k);
	pthread_mutex_lock(&b->lock);
	uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	if ((old & FUTEX_TID_MASK) != (uint32_t)t->tid) {
		pthread_mutex_unlock(&b->lock);
		return -EPERM;
	}
	/* Released to nobody: the first waiter woken takes it in its own
	 * futex_lock_pi loop (and a locker in user space may win first, as
	 * with a non-PI futex). */
	__atomic_store_n(word, 0, __ATOMIC_SEQ_CST);
	for (struct futex_waiter *w = b->head, *next; w; w = next) {
		next = w->next;
		if (key_eq(&w->key, &k)) {
			waiter_wake(w);
			break;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/* Condition variables over PI mutexes (futex(2) FUTEX_WAIT_REQUEUE_PI,
 * FUTEX_CMP_REQUEUE_PI). The waiter sleeps on the non-PI futex uaddr; the
 * requeuer moves it to the PI futex uaddr2, first taking uaddr2 for the
 * top waiter if it is free. The waiter returns 0 only owning uaddr2. */
static long futex_wait_requeue_pi(struct task *t, uint64_t uaddr,
				  bool private, uint32_t val,
				  const struct timespec *deadline,
				  uint64_t uaddr2)
{
	struct futex_waiter w;
	uint32_t *word, *word2;

	memset(&w, 0, sizeof(w));
	int r = futex_key_get(t->mm, uaddr, private, &w.key, &word);
	if (r < 0)
		return r;
	if ((r = futex_key_get(t->mm, uaddr2, private, &w.pi_key, &word2)) < 0)
		return r;
	if (key_eq(&w.key, &w.pi_key))
		return -EINVAL;
	w.bitset = FUTEX_BITSET_MATCH_ANY;
	w.task = t;
	w.requeue_pi = true;
	w.rq_state = RQ_WAITING;
	if ((r = futex_enqueue_if_val(&w, word, val)) < 0)
		return r;
	r = futex_sleep(t, &w, deadline);
	if (r == -ETIMEDOUT)
		return -ETIMEDOUT;
	/* Interrupted before the requeue: restart (the word has changed by
	 * then and the restart says EAGAIN, as in Linux); after it, Linux
	 * returns EWOULDBLOCK directly and glibc relocks the mutex itself. */
	if (r < 0)
		return w.rq_state == RQ_WAITING ? -RV_ERESTARTNOINTR
						: -EWOULDBLOCK;
	switch (w.rq_state) {
	case RQ_OWNER:
		return 0;
	case RQ_WAITING:
		/* A FUTEX_WAKE on uaddr, not a requeue. */
		return -EWOULDBLOCK;
	default:
		/* Requeued, then woken by an unlock of uaddr2: take it. */
		r = (int)futex_lock_pi(t, uaddr2, private, false, deadline);
		if (r == -RV_ERESTARTNOINTR)
			r = -EWOULDBLOCK;
		return r;
	}
}

/* Mark the PI futex word as having kernel waiters, as long as someone
 * owns it (a free word is taken by the first waiter that wakes). */
static void pi_set_waiters(uint32_t *word)
{
	uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	while ((old & FUTEX_TID_MASK) && !(old & FUTEX_WAITERS) &&
	       !__atomic_compare_exchange_n(word, &old, old | FUTEX_WAITERS,
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		;
}

static long futex_cmp_requeue_pi(struct task *t, uint64_t uaddr, bool private,
				 int nr_wake, int nr_requeue, uint64_t uaddr2,
				 uint32_t cmpval)
{
	struct futex_key k1, k2;
	uint32_t *w1, *w2;
	int r;

	/* Linux: exactly one waiter may be woken, owning uaddr2. */
	if (nr_wake != 1 || nr_requeue < 0)
		return -EINVAL;
	if ((r = futex_key_get(t->mm, uaddr, private, &k1, &w1)) < 0)
		return r;
	if ((r = futex_key_get(t->mm, uaddr2, private, &k2, &w2)) < 0)
		return r;
	if (key_eq(&k1, &k2))
		return -EINVAL;
	struct bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	lock_two(b1, b2);
	if (__atomic_load_n(w1, __ATOMIC_SEQ_CST) != cmpval) {
		unlock_two(b1, b2);
		return -EAGAIN;
	}
	int count = 0, moved = 0;
	bool tried = false;
	r = 0;
	for (struct futex_waiter *w = b1->head, *next; w; w = next) {
		next = w->next;
		if (!key_eq(&w->key, &k1))
			continue;
		if (!w->requeue_pi || !key_eq(&w->pi_key, &k2)) {
			r = -EINVAL;
			break;
		}
		if (!tried) {
			/* The top waiter takes uaddr2 now if it is free. */
			tried = true;
			uint32_t old = __atomic_load_n(w2, __ATOMIC_SEQ_CST);
			uint32_t tid = (uint32_t)w->task->tid;
			if ((old & FUTEX_TID_MASK) == tid) {
				r = -EDEADLK;
				break;
			}
			if (!(old & FUTEX_TID_MASK)) {
				bool more = waiters_left(b2, &k2) ||
					    (next && nr_requeue > 0);
				uint32_t nv = tid | (old & FUTEX_OWNER_DIED) |
					      (more ? FUTEX_WAITERS : 0);
				if (__atomic_compare_exchange_n(
					    w2, &old, nv, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
					w->rq_state = RQ_OWNER;
					waiter_wake(w);
					count++;
					continue;
				}
			}
		}
		if (moved >= nr_requeue)
			break;
		waiter_del(w);
		w->key = k2;
		w->rq_state = RQ_REQUEUED;
		waiter_add(b2, w);
		moved++;
		count++;
	}
	if (moved)
		pi_set_waiters(w2);
	unlock_two(b1, b2);
	return r ? r : count;
}

/* A timeout: relative for FUTEX_WAIT, absolute for WAIT_BITSET (on
 * CLOCK_REALTIME with FUTEX_CLOCK_REALTIME). Converted to an absolute
 * CLOCK_MONOTONIC deadline. */
static int get_deadline(struct task *t, uint64_t uts, bool absolute,
			bool realtime, struct timespec *out)
{
	struct timespec ts, now;
	if (mm_copy_in(t->mm, &ts, uts, sizeof(ts)) < 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L)
		return -EINVAL;
	/* Saturated, as Linux's timespec64_to_ktime: a tv_sec near
	 * INT64_MAX is "forever", not a signed overflow; the headroom is
	 * for now.tv_nsec below. */
	int64_t ns = ts.tv_sec >= INT64_MAX / 1000000000LL - 1
			     ? INT64_MAX - 1000000000LL
			     : ts.tv_sec * 1000000000LL + ts.tv_nsec;
	if (absolute) {
		clock_gettime(realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC, &now);
		ns -= now.tv_sec * 1000000000LL + now.tv_nsec;
		if (ns < 0)
			ns = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	ns += now.tv_nsec;
	out->tv_sec = now.tv_sec + ns / 1000000000LL;
	out->tv_nsec = ns % 1000000000LL;
	return 0;
}

static long futex_call(struct task *t, uint64_t uaddr, int op, uint32_t val,
		       uint64_t utime, uint64_t uaddr2, uint32_t val3)
{
	bool private = op & FUTEX_PRIVATE_FLAG;
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	struct timespec dl;
	int r;

	pthread_once(&buckets_once, buckets_init);
	if (realtime && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET &&
	    cmd != FUTEX_WAIT_REQUEUE_PI && cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if (utime) {
			r = get_deadline(t, utime, cmd == FUTEX_WAIT_BITSET,
					 realtime, &dl);
			if (r < 0)
				return r;
		}
		return futex_wait(t, uaddr, private, val, utime ? &dl : NULL,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
		struct futex_key k;
		uint32_t *word;
		if (!bitset)
			return -EINVAL;
		if ((r = futex_key_get(t->mm, uaddr, private, &k, &word)) < 0)
			return r;
		return wake_key(&k, (int)RV_MIN(val, (uint32_t)INT32_MAX), bitset);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(t, uaddr, private, (int)val,
				     (int)(uint32_t)utime, uaddr2,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(t, uaddr, private, (int)val,
				     (int)(uint32_t)utime, uaddr2, val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
	case FUTEX_TRYLOCK_PI:
		if (utime && cmd != FUTEX_TRYLOCK_PI) {
			/* LOCK_PI's timeout is absolute, on CLOCK_REALTIME
			 * (LOCK_PI2: CLOCK_MONOTONIC unless asked). */
			r = get_deadline(t, utime, true,
					 cmd == FUTEX_LOCK_PI || realtime, &dl);
			if (r < 0)
				return r;
		}
		return futex_lock_pi(t, uaddr, private,
				     cmd == FUTEX_TRYLOCK_PI, utime ? &dl : NULL);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(t, uaddr, private);
	case FUTEX_WAIT_REQUEUE_PI:
		if (utime) {
			/* Absolute, on CLOCK_MONOTONIC unless asked. */
			r = get_deadline(t, utime, true, realtime, &dl);
			if (r < 0)
				return r;
		}
		return futex_wait_requeue_pi(t, uaddr, private, val,
					     utime ? &dl : NULL, uaddr2);
	case FUTEX_CMP_REQUEUE_PI:
		return futex_cmp_requeue_pi(t, uaddr, private, (int)val,
					    (int)(uint32_t)utime, uaddr2, val3);
	default:
		return -ENOSYS;
	}
}

long futex_syscall(struct task *t, uint64_t uaddr, int op, uint32_t val,
		   uint64_t utime, uint64_t uaddr2, uint32_t val3)
{
	int mark = futex_npins;
	long r = futex_call(t, uaddr, op, val, utime, uaddr2, val3);
	futex_unpin_to(mark);
	return r;
}

/* Linux's exit_robust_list(): mark each futex the dying thread holds as
 * FUTEX_OWNER_DIED and wake one waiter. The list is app memory: bounded
 * walk, every read checked. */
static void handle_futex_death(struct task *t, uint64_t uaddr)
{
	int mark = futex_npins;
	uint32_t *word;
	if (futex_word(t->mm, uaddr, true, &word) < 0) {
		futex_unpin_to(mark);
		return;
	}
	uint32_t old = __atomic_load_n(word, __ATOMIC_SEQ_CST);
	for (;;) {
		if ((old & FUTEX_TID_MASK) != (uint32_t)t->tid)
			goto out;
		uint32_t nv = (old & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
		if (__atomic_compare_exchange_n(word, &old, nv, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	if (old & FUTEX_WAITERS)
		futex_wake_addr(t->mm, uaddr, 1);
out:
	futex_unpin_to(mark);
}

void futex_exit_robust_list(struct task *t)
{
	struct {
		uint64_t next;
		int64_t offset;
		uint64_t pending;
	} head;

	if (!t->robust_list || !t->mm)
		return;
	pthread_once(&buckets_once, buckets_init);
	if (mm_copy_in(t->mm, &head, t->robust_list, sizeof(head)) < 0)
		return;
	uint64_t entry = head.next;
	for (int i = 0; i < 2048 && entry != t->robust_list; i++) {
		uint64_t next;
		if (mm_copy_in(t->mm, &next, entry & ~1ULL, sizeof(next)) < 0)
			return;
		if (entry != head.pending)
			handle_futex_death(t, (entry & ~1ULL) + (uint64_t)head.offset);
		entry = next;
	}
	if (head.pending)
		handle_futex_death(t, (head.pending & ~1ULL) + (uint64_t)head.offset);
	t->robust_list = 0;
}
