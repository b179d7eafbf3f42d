/* A process-directed signal goes to the thread Linux's complete_signal()
 * picks: the main thread (the task the pid names) when it does not block
 * it, which is woken from its wait (EINTR), else another thread that does
 * not block it; not to whichever thread returns to user mode first (the
 * sender of kill(getpid())). sigwaitinfo in any thread takes it. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#include "testlib.h"

static pid_t me, main_tid;
static _Atomic int handled, handled_main, handled_other;

static void h(int s)
{
	(void)s;
	if (syscall(SYS_gettid) == main_tid)
		handled_main++;
	else
		handled_other++;
	handled++;
}

static long futex_wait(int *p, int val, long sec)
{
	struct timespec ts = {sec, 0};
	return syscall(SYS_futex, p, FUTEX_WAIT, val, sec ? &ts : NULL,
		       NULL, 0);
}

static void msleep(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void reset(void)
{
	handled = handled_main = handled_other = 0;
}

/* Case 1: a second thread kills the process while main waits. */
static int kill_ran_here;
static void *killer(void *a)
{
	(void)a;
	msleep(100);
	int before = handled_other;
	kill(me, SIGUSR1);
	kill_ran_here = handled_other != before;
	return NULL;
}

/* Case 2: a worker waits too; the signal is main's. */
static int wfu, worker_eintr;
static void *waiter(void *a)
{
	(void)a;
	long r = futex_wait(&wfu, 0, 5);
	worker_eintr = r < 0 && errno == EINTR;
	return NULL;
}

static void child_kill(int sig, int ms)
{
	if (fork() == 0) {
		msleep(ms);
		kill(me, sig);
		_exit(0);
	}
}

/* Case 3: main blocks it; a sleeping worker takes it. */
static int sleep_r, sleep_e;
static void *sleeper(void *a)
{
	(void)a;
	struct timespec ts = {3, 0};
	sleep_r = nanosleep(&ts, NULL);
	sleep_e = errno;
	return NULL;
}

/* Case 4: sigwaitinfo in a worker, every thread blocking it. */
static int waited_sig;
static void *sigwaiter(void *a)
{
	(void)a;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	siginfo_t si;
	waited_sig = sigwaitinfo(&s, &si);
	return NULL;
}

/* Case 5: several threads send many, each waiting for the last (which
 * thread runs each is not checked: Linux skips a main thread with a
 * signal still pending). */
static pthread_mutex_t send_lock = PTHREAD_MUTEX_INITIALIZER;
static void *sender(void *a)
{
	int n = (int)(long)a;
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&send_lock);
		int before = handled;
		kill(me, SIGUSR1);
		while (handled == before)
			sched_yield();
		pthread_mutex_unlock(&send_lock);
	}
	return NULL;
}

int main(void)
{
	pthread_t th, th2;
	sigset_t s;
	int fu = 0;

	me = getpid();
	main_tid = syscall(SYS_gettid);
	signal(SIGUSR1, h);

	reset();
	pthread_create(&th, NULL, killer, NULL);
	tl_err("thread kill: main's futex wait", futex_wait(&fu, 0, 3),
	       EINTR);
	pthread_join(th, NULL);
	tl_yes("thread kill: handler on main", handled_main == 1);
	tl_yes("thread kill: not on the sender", !kill_ran_here &&
						  handled_other == 0);

	reset();
	pthread_create(&th, NULL, waiter, NULL);
	child_kill(SIGUSR1, 150);
	tl_err("child kill: main's futex wait", futex_wait(&fu, 0, 3), EINTR);
	wfu = 1;
	syscall(SYS_futex, &wfu, FUTEX_WAKE, 1, NULL, NULL, 0);
	pthread_join(th, NULL);
	wait(NULL);
	tl_yes("child kill: handler on main", handled_main == 1 &&
					      handled_other == 0);
	tl_yes("child kill: worker not interrupted", !worker_eintr);

	reset();
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_create(&th, NULL, sleeper, NULL);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	child_kill(SIGUSR1, 150);
	pthread_join(th, NULL);
	wait(NULL);
	tl_yes("main blocks: worker's nanosleep EINTR", sleep_r == -1 &&
							 sleep_e == EINTR);
	tl_yes("main blocks: handler on worker", handled_other == 1 &&
						  handled_main == 0);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	tl_yes("main unblocks: nothing left", handled == 1);

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_create(&th, NULL, sigwaiter, NULL);
	child_kill(SIGUSR2, 150);
	pthread_join(th, NULL);
	wait(NULL);
	tl_yes("sigwaitinfo in a worker", waited_sig == SIGUSR2);
	sigpending(&s);
	tl_yes("nothing pending after", !sigismember(&s, SIGUSR2));

	/* The main thread waits in nanosleep; each signal interrupts it. */
	reset();
	pthread_create(&th, NULL, sender, (void *)50L);
	pthread_create(&th2, NULL, sender, (void *)50L);
	while (handled < 100)
		msleep(1);
	pthread_join(th, NULL);
	pthread_join(th2, NULL);
	tl_yes("100 sent by two threads, 100 handled", handled == 100);
	return tl_done();
}
