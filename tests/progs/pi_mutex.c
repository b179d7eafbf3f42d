/* Priority-inheritance mutexes (glibc uses FUTEX_LOCK_PI/UNLOCK_PI/
 * TRYLOCK_PI for them): mutual exclusion under contention, trylock,
 * EDEADLK for an error-checking relock, timed lock timing out. */
#include "testlib.h"

#include <pthread.h>
#include <time.h>

static pthread_mutex_t m;
static long counter;

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&m);
		counter++;
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

static void *try_other(void *arg)
{
	(void)arg;
	return (void *)(long)pthread_mutex_trylock(&m);
}

static void *timed_other(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 50 * 1000 * 1000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return (void *)(long)pthread_mutex_timedlock(&m, &ts);
}

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	tl_val("setprotocol PRIO_INHERIT",
	       pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT), 0);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);

	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	tl_val("counter", counter, 80000);

	tl_val("lock", pthread_mutex_lock(&m), 0);
	tl_val("relock (errorcheck)", pthread_mutex_lock(&m), EDEADLK);
	void *r;
	pthread_create(&th[0], NULL, try_other, NULL);
	pthread_join(th[0], &r);
	tl_val("trylock from another thread", (long)r, EBUSY);
	pthread_create(&th[0], NULL, timed_other, NULL);
	pthread_join(th[0], &r);
	tl_val("timedlock from another thread", (long)r, ETIMEDOUT);
	tl_val("unlock", pthread_mutex_unlock(&m), 0);
	tl_val("unlock again (not owner)", pthread_mutex_unlock(&m), EPERM);
	pthread_create(&th[0], NULL, try_other, NULL);
	pthread_join(th[0], &r);
	tl_val("trylock when free", (long)r, 0);
	return tl_done();
}
