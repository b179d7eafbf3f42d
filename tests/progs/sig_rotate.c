/* Which thread takes a process-directed signal when the main thread
 * blocks it, as Linux's complete_signal() chooses: the search starts at
 * the thread chosen last (signal->curr_target), not at the lowest tid, so
 * a thread that blocked the signal for a while does not get it back once
 * it unblocks while the one chosen since still wants it.
 *
 * And retarget_shared_pending(): a signal chosen for a thread that blocks
 * it before taking it goes to another thread, exactly once. The chosen
 * thread is made to block it deterministically: it is the parent of a
 * vfork(2) (a wait no signal ends), gets a thread-directed SIGUSR2 while
 * it waits, and on the way out takes SIGUSR2 first (thread-directed
 * signals are dequeued first), whose handler blocks SIGUSR1 (sa_mask)
 * and keeps it blocked after sigreturn (uc_sigmask). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/futex.h>

#include "testlib.h"

#define NW 3

static pid_t tids[NW + 1];        /* [0] main, then the workers */
static _Atomic int took[NW + 1];  /* SIGUSR1 handled by each */
static _Atomic int took2[NW + 1]; /* SIGUSR2 handled by each */
static _Atomic int total;
/* Worker commands: gen is bumped (and futex-woken) after cmd[i] is set;
 * done[i] is the worker's reply. */
static _Atomic int gen, cmd[NW + 1], done[NW + 1], stop;

enum { C_NONE, C_BLOCK, C_UNBLOCK, C_VFORK };

static int self_index(void)
{
	pid_t me = (pid_t)syscall(SYS_gettid);
	for (int i = 0; i <= NW; i++)
		if (tids[i] == me)
			return i;
	return -1;
}

static void h1(int s)
{
	(void)s;
	int i = self_index();
	if (i >= 0)
		took[i]++;
	total++;
}

/* SIGUSR2: sa_mask holds SIGUSR1; keep it blocked after the return. */
static void h2(int s, siginfo_t *si, void *ucv)
{
	(void)s;
	(void)si;
	ucontext_t *uc = ucv;
	sigaddset(&uc->uc_sigmask, SIGUSR1);
	int i = self_index();
	if (i >= 0)
		took2[i]++;
}

static void msleep(int ms)
{
	struct timespec ts = {0, ms * 1000000L};
	nanosleep(&ts, NULL);
}

static void mask(int how, int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	pthread_sigmask(how, &s, NULL);
}

static _Atomic int vfork_child_running, vfork_go;

static void *worker(void *a)
{
	int i = (int)(long)a;
	tids[i] = (pid_t)syscall(SYS_gettid);
	mask(SIG_UNBLOCK, SIGUSR1);
	done[i] = 1;
	while (!stop) {
		int g = gen;
		int c = cmd[i];
		if (c != C_NONE) {
			cmd[i] = C_NONE;
			if (c == C_BLOCK)
				mask(SIG_BLOCK, SIGUSR1);
			else if (c == C_UNBLOCK)
				mask(SIG_UNBLOCK, SIGUSR1);
			else if (c == C_VFORK) {
				pid_t p = vfork();
				if (p == 0) {
					vfork_child_running = 1;
					while (!vfork_go)
						sched_yield();
					_exit(0);
				}
				waitpid(p, NULL, 0);
			}
			done[i] = 1;
			continue;
		}
		/* Asleep: no signal of its own pending, not running. */
		syscall(SYS_futex, &gen, FUTEX_WAIT, g, NULL, NULL, 0);
	}
	return NULL;
}

static int command(int i, int c)
{
	done[i] = 0;
	cmd[i] = c;
	gen++;
	syscall(SYS_futex, &gen, FUTEX_WAKE, 100, NULL, NULL, 0);
	for (int n = 0; n < 5000 && !done[i]; n++)
		msleep(1);
	return done[i];
}

/* Send SIGUSR1 to the process; the index of the thread that took it, or
 * -1 when none did within 5 s, -2 when more than one did. */
static int send_one(void)
{
	int before = total;
	int was[NW + 1];
	for (int i = 0; i <= NW; i++)
		was[i] = took[i];
	kill(getpid(), SIGUSR1);
	for (int n = 0; n < 5000 && total == before; n++)
		msleep(1);
	msleep(20); /* a second delivery would show by now */
	if (total != before + 1)
		return total == before ? -1 : -2;
	for (int i = 0; i <= NW; i++)
		if (took[i] != was[i])
			return i;
	return -1;
}

static int run(void)
{
	pthread_t th[NW + 1];
	tids[0] = (pid_t)syscall(SYS_gettid);
	signal(SIGUSR1, h1);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = h2;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGUSR2, &sa, NULL);
	mask(SIG_BLOCK, SIGUSR1);
	/* Created one after the other: thread list order is tid order. */
	for (int i = 1; i <= NW; i++) {
		done[i] = 0;
		pthread_create(&th[i], NULL, worker, (void *)(long)i);
		while (!done[i])
			msleep(1);
	}

	/* Main blocks it: the first worker from main on. */
	printf("main blocks: taken by worker %d\n", send_one());
	printf("again: worker %d\n", send_one());
	tl_yes("worker 1 blocks", command(1, C_BLOCK));
	printf("worker 1 blocks: worker %d\n", send_one());
	tl_yes("worker 1 unblocks", command(1, C_UNBLOCK));
	/* Linux starts at worker 2, the last chosen, which still wants it. */
	printf("worker 1 unblocks: worker %d\n", send_one());
	tl_yes("worker 2 blocks", command(2, C_BLOCK));
	printf("worker 2 blocks: worker %d\n", send_one());
	tl_yes("worker 2 unblocks", command(2, C_UNBLOCK));
	printf("worker 2 unblocks: worker %d\n", send_one());
	tl_yes("worker 3 blocks", command(3, C_BLOCK));
	/* Around the end of the list, past main, to worker 1. */
	printf("worker 3 blocks: worker %d\n", send_one());
	tl_yes("worker 3 unblocks", command(3, C_UNBLOCK));

	/* Retarget: worker 1 is the chosen one (the search starts there and
	 * it wants the signal) but blocks it before taking it. */
	vfork_child_running = vfork_go = 0;
	done[1] = 0;
	cmd[1] = C_VFORK;
	gen++;
	syscall(SYS_futex, &gen, FUTEX_WAKE, 100, NULL, NULL, 0);
	for (int n = 0; n < 5000 && !vfork_child_running; n++)
		msleep(1);
	tl_yes("worker 1 waits for its vfork child", vfork_child_running);
	int before = total;
	kill(getpid(), SIGUSR1);
	syscall(SYS_tgkill, getpid(), tids[1], SIGUSR2);
	msleep(50);
	tl_yes("nothing taken while worker 1 waits", total == before);
	vfork_go = 1;
	for (int n = 0; n < 5000 && !done[1]; n++)
		msleep(1);
	for (int n = 0; n < 5000 && total == before; n++)
		msleep(1);
	msleep(20);
	tl_yes("worker 1 took SIGUSR2", took2[1] == 1);
	tl_yes("SIGUSR1 taken exactly once", total == before + 1);
	tl_yes("not by worker 1, which blocks it", took[1] == 3);
	printf("retargeted to: worker %s\n",
	       took[2] == 3 ? "2" : took[3] == 2 ? "3" : "?");
	sigset_t pend;
	sigpending(&pend);
	tl_yes("nothing pending", !sigismember(&pend, SIGUSR1));

	stop = 1;
	gen++;
	syscall(SYS_futex, &gen, FUTEX_WAKE, 100, NULL, NULL, 0);
	for (int i = 1; i <= NW; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i <= NW; i++)
		printf("thread %d took %d\n", i, (int)took[i]);
	return tl_done();
}

int main(void)
{
	/* In a child: its curr_target starts at its main thread. */
	pid_t p = fork();
	if (p == 0)
		_exit(run());
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
