/* Signals reach a thread that spins in user mode and makes no system
 * call: the platform must interrupt it (a KVM vCPU or a ptrace stub
 * running guest code). Both a thread-directed signal and a timer signal
 * to the whole process are tried. */
#include <pthread.h>
#include <signal.h>
#include "testlib.h"

static volatile sig_atomic_t stop_spin, alarmed;
static volatile unsigned long spins;

static void on_usr1(int sig)
{
	(void)sig;
	stop_spin = 1;
}

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop_spin)
		spins++;
	return NULL;
}

int main(void)
{
	pthread_t th;
	struct timespec t = { 0, 100 * 1000 * 1000 };

	signal(SIGUSR1, on_usr1);
	signal(SIGALRM, on_alarm);
	pthread_create(&th, NULL, spinner, NULL);
	while (spins == 0)
		sched_yield();
	nanosleep(&t, NULL);
	tl_err("pthread_kill", -pthread_kill(th, SIGUSR1), 0);
	pthread_join(th, NULL);
	tl_yes("spinning thread stopped by its signal", stop_spin);

	/* The main thread spins; SIGALRM from a timer must interrupt it. */
	alarm(1);
	while (!alarmed)
		spins++;
	tl_yes("user-mode spin interrupted by SIGALRM", alarmed);
	return tl_done();
}
