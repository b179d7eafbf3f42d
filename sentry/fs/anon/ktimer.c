/* The sentry's timer service: one host thread and a min-heap of deadlines
 * instead of a host thread (or host timer) per app timer, so that a
 * program creating thousands of timers costs the sandbox memory, not host
 * threads. Callbacks run on the timer thread without the heap lock, so
 * they may take any lock (kernel, waitq, the timer's owner) and re-arm. */
#include "sentry/fs/anon/anon.h"

#include <pthread.h>
#include <time.h>

#include "sentry/util.h"

static pthread_mutex_t kt_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t kt_cond;       /* CLOCK_MONOTONIC: heap changed */
static pthread_cond_t kt_done_cond;  /* a callback finished */
static struct ktimer **kt_heap;
static size_t kt_len, kt_cap;
static bool kt_started;
static pthread_t kt_thread;
static struct ktimer *kt_running;    /* callback being run */
static unsigned kt_cancelling;       /* ktimer_cancel()s waiting on it */

uint64_t ktimer_clock_ns(int clockid)
{
	struct timespec ts;
	if (clock_gettime(clockid, &ts) < 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void kt_swap(size_t a, size_t b)
{
	struct ktimer *t = kt_heap[a];
	kt_heap[a] = kt_heap[b];
	kt_heap[b] = t;
	kt_heap[a]->heap_idx = (int)a;
	kt_heap[b]->heap_idx = (int)b;
}

static void kt_up(size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (kt_heap[p]->deadline <= kt_heap[i]->deadline)
			break;
		kt_swap(i, p);
		i = p;
	}
}

static void kt_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < kt_len && kt_heap[l]->deadline < kt_heap[m]->deadline)
			m = l;
		if (r < kt_len && kt_heap[r]->deadline < kt_heap[m]->deadline)
			m = r;
		if (m == i)
			break;
		kt_swap(i, m);
		i = m;
	}
}

static void kt_remove_locked(struct ktimer *t)
{
	if (t->heap_idx < 0)
		return;
	size_t i = (size_t)t->heap_idx;
	t->heap_idx = -1;
	kt_len--;
	if (i == kt_len)
		return;
	kt_heap[i] = kt_heap[kt_len];
	kt_heap[i]->heap_idx = (int)i;
	kt_up(i);
	kt_down((size_t)kt_heap[i]->heap_idx);
}

static void *kt_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&kt_lock);
	for (;;) {
		if (kt_len == 0) {
			pthread_cond_wait(&kt_cond, &kt_lock);
			continue;
		}
		struct ktimer *t = kt_heap[0];
		uint64_t now = ktimer_clock_ns(CLOCK_MONOTONIC);
		if (t->deadline > now) {
			struct timespec dl = {
				.tv_sec = (time_t)(t->deadline / 1000000000ULL),
				.tv_nsec = (long)(t->deadline % 1000000000ULL),
			};
			pthread_cond_timedwait(&kt_cond, &kt_lock, &dl);
			continue;
		}
		kt_remove_locked(t);
		kt_running = t;
		pthread_mutex_unlock(&kt_lock);
		t->fn(t);
		pthread_mutex_lock(&kt_lock);
		kt_running = NULL;
		pthread_cond_broadcast(&kt_done_cond);
		/* Let a waiting ktimer_cancel() take its timer out first: a
		 * callback that re-arms in the past (a 1 ns interval) would
		 * otherwise run again before the canceller gets the lock, and
		 * the cancel (timerfd close, exit) would wait forever. */
		while (kt_cancelling)
			pthread_cond_wait(&kt_cond, &kt_lock);
	}
	return NULL;
}

static void kt_start_locked(void)
{
	if (kt_started)
		return;
	pthread_condattr_t a;
	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&kt_cond, &a);
	pthread_condattr_destroy(&a);
	pthread_cond_init(&kt_done_cond, NULL);
	if (pthread_create(&kt_thread, NULL, kt_main, NULL))
		rv_panic("timer thread: cannot create");
	pthread_setname_np(kt_thread, "rv-timers");
	kt_started = true;
}

void ktimer_init(struct ktimer *t, void (*fn)(struct ktimer *))
{
	t->fn = fn;
	t->deadline = 0;
	t->heap_idx = -1;
}

void ktimer_arm(struct ktimer *t, uint64_t deadline_ns)
{
	pthread_mutex_lock(&kt_lock);
	kt_start_locked();
	kt_remove_locked(t);
	if (kt_len == kt_cap) {
		kt_cap = kt_cap ? kt_cap * 2 : 64;
		kt_heap = rv_xrealloc(kt_heap, kt_cap * sizeof(*kt_heap));
	}
	t->deadline = deadline_ns;
	t->heap_idx = (int)kt_len;
	kt_heap[kt_len++] = t;
	kt_up((size_t)t->heap_idx);
	if (kt_heap[0] == t)
		pthread_cond_signal(&kt_cond);
	pthread_mutex_unlock(&kt_lock);
}

void ktimer_cancel_locked(struct ktimer *t)
{
	pthread_mutex_lock(&kt_lock);
	kt_remove_locked(t);
	pthread_mutex_unlock(&kt_lock);
}

void ktimer_cancel(struct ktimer *t)
{
	pthread_mutex_lock(&kt_lock);
	kt_remove_locked(t);
	/* The callback may be running now: wait, so that the caller can free
	 * the timer. (On the timer thread itself that would never end.) */
	if (!(kt_started && pthread_equal(pthread_self(), kt_thread))) {
		kt_cancelling++;
		while (kt_running == t)
			pthread_cond_wait(&kt_done_cond, &kt_lock);
		if (--kt_cancelling == 0)
			pthread_cond_signal(&kt_cond);
	}
	kt_remove_locked(t); /* a callback that was running may re-arm */
	pthread_mutex_unlock(&kt_lock);
}

bool ktimer_ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	       ts->tv_nsec < 1000000000L;
}

uint64_t ktimer_ts_ns(const struct timespec *ts)
{
	uint64_t s = (uint64_t)ts->tv_sec, ns;
	/* Saturate: a deadline centuries away is "never" in practice. */
	if (s > UINT64_MAX / 1000000000ULL / 2)
		return UINT64_MAX / 2;
	ns = s * 1000000000ULL + (uint64_t)ts->tv_nsec;
	return ns;
}

struct timespec ktimer_ns_ts(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ULL),
			      (long)(ns % 1000000000ULL)};
	return ts;
}

uint64_t ktimer_mono_deadline(int clockid, const struct timespec *value,
			      bool abs)
{
	uint64_t v = ktimer_ts_ns(value);
	uint64_t mono = ktimer_clock_ns(CLOCK_MONOTONIC);
	if (!abs)
		return mono + v;
	/* An absolute time on another clock: the distance from that clock's
	 * now, on the monotonic clock (the sandbox cannot set clocks, so the
	 * two do not drift apart in a way that matters here). */
	uint64_t now = ktimer_clock_ns(clockid);
	if (v <= now)
		return mono;
	return mono + (v - now);
}
