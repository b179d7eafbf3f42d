/* Threads (issue 4): clone with CLONE_THREAD via pthreads, a mutex-guarded
 * counter raced by four threads, thread ids, join and futex wake-ups. */
#include <pthread.h>
#include "testlib.h"

#define NT 4
#define ITERS 100000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int ready;
static pid_t tids[NT];

static void *worker(void *arg)
{
	long id = (long)arg;

	tids[id] = syscall(SYS_gettid);
	for (int i = 0; i < ITERS; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	ready++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return (void *)(id * 10);
}

int main(void)
{
	pthread_t th[NT];
	int distinct = 1, ok = 1;

	for (long i = 0; i < NT; i++)
		ok &= pthread_create(&th[i], NULL, worker, (void *)i) == 0;
	tl_yes("created", ok);
	pthread_mutex_lock(&mu);
	while (ready < NT)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (long i = 0; i < NT; i++) {
		void *r;

		pthread_join(th[i], &r);
		ok &= (long)r == i * 10;
	}
	tl_yes("joined with results", ok);
	tl_say("counter %ld", counter);
	for (int i = 0; i < NT; i++) {
		distinct &= tids[i] != getpid() && tids[i] > 0;
		for (int j = 0; j < i; j++)
			distinct &= tids[i] != tids[j];
	}
	tl_yes("thread ids distinct, not the pid", distinct);
	tl_yes("pid unchanged", syscall(SYS_gettid) == getpid());
	return tl_done();
}
