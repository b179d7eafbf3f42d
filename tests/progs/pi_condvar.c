/* Condition variables over priority-inheritance mutexes: glibc's
 * pthread_cond_* with a PTHREAD_PRIO_INHERIT mutex (many rounds, several
 * threads), and the raw FUTEX_WAIT_REQUEUE_PI / FUTEX_CMP_REQUEUE_PI calls
 * whose semantics (futex(2)) a PI condvar implementation relies on: a
 * requeued waiter returns owning the PI futex. */
#include "testlib.h"

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define NTHREADS 4
#define ROUNDS 2000

static pthread_mutex_t m;
static pthread_cond_t cv;
static long turn, done_count;

/* Threads take turns by number: each waits for its turn on the condvar,
 * so every round goes through cond_wait/broadcast under the PI mutex. */
static void *turn_taker(void *arg)
{
	long me = (long)arg;
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&m);
		while (turn % NTHREADS != me)
			pthread_cond_wait(&cv, &m);
		turn++;
		done_count++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static long futex(void *uaddr, int op, uint32_t val, void *timeout,
		  void *uaddr2, uint32_t val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
	return r < 0 ? -errno : r;
}

static _Atomic uint32_t cond_word, pi_word;
static _Atomic int in_wait, owned_on_return, counter;

static void pi_unlock(void)
{
	uint32_t tid = (uint32_t)gettid();
	uint32_t exp = tid;
	if (!atomic_compare_exchange_strong(&pi_word, &exp, 0))
		futex(&pi_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0);
}

static void *rq_waiter(void *arg)
{
	(void)arg;
	atomic_fetch_add(&in_wait, 1);
	long r = futex(&cond_word, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &pi_word, 0);
	if (r == 0) {
		if ((atomic_load(&pi_word) & FUTEX_TID_MASK) == (uint32_t)gettid())
			atomic_fetch_add(&owned_on_return, 1);
		atomic_fetch_add(&counter, 1);
		pi_unlock();
	}
	return (void *)r;
}

/* Start n waiters and give them time to sleep in the kernel. */
static void start_waiters(pthread_t *th, int n)
{
	atomic_store(&cond_word, 0);
	atomic_store(&in_wait, 0);
	for (int i = 0; i < n; i++)
		pthread_create(&th[i], NULL, rq_waiter, NULL);
	while (atomic_load(&in_wait) < n)
		usleep(1000);
	usleep(200 * 1000);
}

static int join_ok(pthread_t *th, int n)
{
	int ok = 0;
	for (int i = 0; i < n; i++) {
		void *r;
		pthread_join(th[i], &r);
		ok += (long)r == 0;
	}
	return ok;
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	tl_val("setprotocol PRIO_INHERIT",
	       pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT), 0);
	pthread_mutex_init(&m, &a);
	pthread_cond_init(&cv, NULL);

	pthread_t th[NTHREADS];
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, turn_taker, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	tl_val("condvar rounds", done_count, (long)NTHREADS * ROUNDS);

	/* Timed wait on the PI condvar times out still owning the mutex. */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	tl_val("cond_timedwait", pthread_cond_timedwait(&cv, &m, &ts), ETIMEDOUT);
	tl_val("unlock after timedwait", pthread_mutex_unlock(&m), 0);

	/* Raw calls: argument checks. */
	uint32_t x = 0;
	tl_val("WAIT_REQUEUE_PI same word",
	       futex(&x, FUTEX_WAIT_REQUEUE_PI, 0, NULL, &x, 0), -EINVAL);
	tl_val("WAIT_REQUEUE_PI value changed",
	       futex(&cond_word, FUTEX_WAIT_REQUEUE_PI, 5, NULL, &pi_word, 0),
	       -EAGAIN);
	tl_val("CMP_REQUEUE_PI nr_wake 2",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 2, (void *)1L, &pi_word,
		     0), -EINVAL);
	tl_val("CMP_REQUEUE_PI value changed",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &pi_word,
		     7), -EAGAIN);
	tl_val("CMP_REQUEUE_PI no waiters",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)1L, &pi_word,
		     0), 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += 20 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	tl_val("WAIT_REQUEUE_PI timeout (absolute, monotonic)",
	       futex(&cond_word, FUTEX_WAIT_REQUEUE_PI, 0, &ts, &pi_word, 0),
	       -ETIMEDOUT);
	tl_val("WAIT_REQUEUE_PI bad uaddr2",
	       futex(&cond_word, FUTEX_WAIT_REQUEUE_PI, 0, NULL, TL_BAD1, 0),
	       -EINVAL);

	/* The mutex is held: every waiter is requeued onto it, none woken;
	 * each then returns owning it, one after another. */
	pthread_t w[3];
	start_waiters(w, 3);
	atomic_store(&pi_word, (uint32_t)gettid());
	atomic_store(&cond_word, 1);
	tl_val("CMP_REQUEUE_PI onto held mutex",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)(long)INT_MAX,
		     &pi_word, 1), 3);
	tl_yes("mutex now has FUTEX_WAITERS",
	       (atomic_load(&pi_word) & FUTEX_WAITERS) != 0);
	tl_val("plain CMP_REQUEUE of nobody left",
	       futex(&cond_word, FUTEX_CMP_REQUEUE, 1, (void *)1L, &x, 1), 0);
	tl_val("UNLOCK_PI", futex(&pi_word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0),
	       0);
	tl_val("requeued waiters returned 0", join_ok(w, 3), 3);
	tl_val("each owned the mutex on return", atomic_load(&owned_on_return),
	       3);
	tl_val("mutex free at the end", atomic_load(&pi_word), 0);

	/* The mutex is free: the top waiter is woken owning it, the other
	 * two requeued. */
	atomic_store(&owned_on_return, 0);
	start_waiters(w, 3);
	atomic_store(&cond_word, 1);
	tl_val("CMP_REQUEUE_PI onto free mutex",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, (void *)(long)INT_MAX,
		     &pi_word, 1), 3);
	tl_val("all returned 0", join_ok(w, 3), 3);
	tl_val("each owned the mutex on return", atomic_load(&owned_on_return),
	       3);
	tl_val("counter", atomic_load(&counter), 6);

	/* nr_requeue 0: only the top waiter moves (woken, owning). */
	atomic_store(&owned_on_return, 0);
	start_waiters(w, 2);
	atomic_store(&cond_word, 1);
	tl_val("CMP_REQUEUE_PI nr_requeue 0",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, NULL, &pi_word, 1), 1);
	usleep(100 * 1000);
	tl_val("FUTEX_WAKE on a PI condvar waiter",
	       futex(&cond_word, FUTEX_WAKE, 1, NULL, NULL, 0), -EINVAL);
	tl_val("CMP_REQUEUE_PI again takes the other",
	       futex(&cond_word, FUTEX_CMP_REQUEUE_PI, 1, NULL, &pi_word, 1), 1);
	tl_val("both returned 0", join_ok(w, 2), 2);
	tl_val("each owned the mutex", atomic_load(&owned_on_return), 2);
	return tl_done();
}
