/* Process life (issue 4): vfork(2) shares memory and suspends the parent
 * until the child execs or exits; an orphan is re-parented; execve from a
 * thread other than the leader keeps the pid and ends the other threads;
 * threads race on futex-based locks and condition variables; a signal
 * interrupts a blocking read with EINTR, or restarts it with SA_RESTART. */
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include "testlib.h"

static void test_vfork(void)
{
	volatile int shared = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		shared = 42; /* the parent's memory, while it waits */
		_exit(3);
	}
	int st;
	tl_yes("vfork: child's store seen by the parent", shared == 42);
	waitpid(pid, &st, 0);
	tl_val("vfork: child status", WEXITSTATUS(st), 3);
	pid = vfork();
	if (pid == 0) {
		execl("/proc/self/exe", "proc_life", "exec-child", NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	tl_val("vfork+exec: child status", WEXITSTATUS(st), 5);
}

static void test_orphan(void)
{
	int p[2];
	pipe(p);
	pid_t me = getpid(), child = fork();
	if (child == 0) {
		if (fork() == 0) {
			/* Wait for the middle process to die, then report
			 * who the parent is now. */
			close(p[0]);
			while (getppid() != me && kill(getppid(), 0) == 0 &&
			       getppid() == child)
				usleep(1000);
			int reparented = getppid() != child;
			write(p[1], &reparented, sizeof(reparented));
			_exit(0);
		}
		_exit(0);
	}
	close(p[1]);
	waitpid(child, NULL, 0);
	int r = 0;
	tl_val("orphan reports", read(p[0], &r, sizeof(r)), sizeof(r));
	tl_yes("orphan re-parented", r == 1);
	close(p[0]);
}

static void *exec_thread(void *arg)
{
	(void)arg;
	execl("/proc/self/exe", "proc_life", "exec-thread", NULL);
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int exec_from_thread(void)
{
	/* In the child: a sleeping thread, then exec from another one. */
	pthread_t a, b;
	pthread_create(&a, NULL, sleeper, NULL);
	pthread_create(&b, NULL, exec_thread, NULL);
	pthread_join(b, NULL);
	return 99; /* exec failed */
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int round_no;

static void *racer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	while (round_no == 0)
		pthread_cond_wait(&cv, &mu); /* broadcast: FUTEX_REQUEUE */
	counter += 1000000;
	pthread_mutex_unlock(&mu);
	return NULL;
}

static void test_futex_race(void)
{
	pthread_t t[6];
	for (int i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, racer, NULL);
	usleep(20000);
	pthread_mutex_lock(&mu);
	round_no = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	tl_val("futex race: count", counter, 6 * 20000 + 6 * 1000000);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_blocking_signal(void)
{
	int p[2];
	char c;
	struct sigaction sa = {.sa_handler = on_alarm};
	struct itimerval it = {.it_value = {0, 50000}};

	pipe(p);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	tl_err("read interrupted, no SA_RESTART", read(p[0], &c, 1), EINTR);

	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid_t w = fork();
	if (w == 0) {
		usleep(200000); /* after the alarm */
		write(p[1], "z", 1);
		_exit(0);
	}
	setitimer(ITIMER_REAL, &it, NULL);
	tl_val("read restarted by SA_RESTART", read(p[0], &c, 1), 1);
	waitpid(w, NULL, 0);
	close(p[0]);
	close(p[1]);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-child") == 0)
		return 5;
	if (argc > 1 && strcmp(argv[1], "exec-thread") == 0) {
		/* After exec from a thread: one thread, same pid as the
		 * leader had, and getpid == gettid. */
		tl_yes("exec from thread: one thread",
		       getpid() == syscall(SYS_gettid));
		return 6;
	}
	test_vfork();
	test_orphan();
	pid_t c = fork();
	if (c == 0)
		_exit(exec_from_thread());
	int st;
	waitpid(c, &st, 0);
	tl_val("exec from thread: status", WEXITSTATUS(st), 6);
	test_futex_race();
	test_blocking_signal();
	return tl_done();
}
