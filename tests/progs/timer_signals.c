/* POSIX timer signals (timer_create(2), sigqueue(3), signalfd(2)): the
 * siginfo carries sigev_value, the timer id and the overrun; SIGEV_NONE
 * counts down without a signal; SIGEV_THREAD_ID picks the thread; an
 * expiry while the signal is still pending is an overrun, not a second
 * signal. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static void arm(timer_t id, long first_ms, long every_ms)
{
	struct itimerspec its = {
		.it_value = {first_ms / 1000, (first_ms % 1000) * 1000000},
		.it_interval = {every_ms / 1000, (every_ms % 1000) * 1000000},
	};
	timer_settime(id, 0, &its, NULL);
}

static int wait_sig(int sig, siginfo_t *si)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	struct timespec ts = {2, 0};
	return sigtimedwait(&s, si, &ts);
}

static timer_t thread_timer;

static void *thread_waiter(void *arg)
{
	(void)arg;
	siginfo_t si;
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN + 2;
	sev.sigev_value.sival_int = 4242;
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &thread_timer) != 0)
		return (void *)-1L;
	arm(thread_timer, 10, 0);
	int r = wait_sig(SIGRTMIN + 2, &si);
	if (r != SIGRTMIN + 2 || si.si_code != SI_TIMER)
		return (void *)-2L;
	return (void *)(long)si.si_value.sival_int;
}

int main(void)
{
	sigset_t all;
	sigemptyset(&all);
	for (int s = SIGRTMIN; s <= SIGRTMIN + 4; s++)
		sigaddset(&all, s);
	sigaddset(&all, SIGALRM);
	sigprocmask(SIG_BLOCK, &all, NULL);

	/* sigev_value comes back in si_value, with SI_TIMER and the id. */
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_value.sival_ptr = (void *)0x1234567890abcdefULL;
	timer_t t1;
	tl_val("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &t1), 0);
	arm(t1, 5, 0);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	tl_yes("signal arrives", wait_sig(SIGRTMIN, &si) == SIGRTMIN);
	tl_yes("si_code SI_TIMER", si.si_code == SI_TIMER);
	tl_yes("si_value is sigev_value",
	       si.si_value.sival_ptr == (void *)0x1234567890abcdefULL);
	tl_yes("si_timerid is the timer",
	       si.si_timerid == (int)(long)t1);
	tl_val("si_overrun", si.si_overrun, 0);

	/* No sigevent (the raw call: glibc passes its own): SIGALRM with
	 * the timer id as si_value. */
	int k2;
	tl_val("timer_create NULL",
	       syscall(SYS_timer_create, CLOCK_MONOTONIC, NULL, &k2), 0);
	struct itimerspec five = {.it_value = {0, 5000000}};
	syscall(SYS_timer_settime, k2, 0, &five, NULL);
	memset(&si, 0, sizeof(si));
	tl_yes("SIGALRM arrives", wait_sig(SIGALRM, &si) == SIGALRM);
	tl_yes("si_value is the timer id", si.si_value.sival_int == k2);

	/* Overruns: a 2 ms periodic timer whose signal stays blocked for
	 * 100 ms is one pending signal with many overruns. */
	sev.sigev_signo = SIGRTMIN + 1;
	sev.sigev_value.sival_int = 77;
	timer_t t3;
	timer_create(CLOCK_MONOTONIC, &sev, &t3);
	arm(t3, 2, 2);
	usleep(100 * 1000);
	memset(&si, 0, sizeof(si));
	tl_yes("periodic signal arrives", wait_sig(SIGRTMIN + 1, &si) ==
					   SIGRTMIN + 1);
	int ov = timer_getoverrun(t3);
	/* (Disarmed only now: Linux drops the pending signal of a timer
	 * that is re-armed.) */
	timer_delete(t3);
	tl_yes("si_overrun counts missed expiries (>= 10)",
	       si.si_overrun >= 10);
	tl_yes("timer_getoverrun agrees", ov == si.si_overrun);
	tl_err("only one signal was queued",
	       sigtimedwait(&all, &si, &(struct timespec){0, 20000000}),
	       EAGAIN);

	/* signalfd sees the same. */
	sigset_t s4;
	sigemptyset(&s4);
	sigaddset(&s4, SIGRTMIN + 3);
	int sfd = signalfd(-1, &s4, 0);
	sev.sigev_signo = SIGRTMIN + 3;
	sev.sigev_value.sival_ptr = (void *)0xfeedfacecafeULL;
	timer_t t4;
	timer_create(CLOCK_MONOTONIC, &sev, &t4);
	arm(t4, 5, 0);
	struct signalfd_siginfo ssi;
	tl_val("signalfd read", read(sfd, &ssi, sizeof(ssi)), sizeof(ssi));
	tl_yes("ssi_code SI_TIMER", ssi.ssi_code == SI_TIMER);
	tl_yes("ssi_ptr", ssi.ssi_ptr == 0xfeedfacecafeULL);
	tl_yes("ssi_tid is the timer id", ssi.ssi_tid == (uint32_t)(long)t4);
	close(sfd);

	/* sigqueue's value too. */
	union sigval v = {.sival_int = 31337};
	sigqueue(getpid(), SIGRTMIN + 4, v);
	memset(&si, 0, sizeof(si));
	tl_yes("sigqueue signal", wait_sig(SIGRTMIN + 4, &si) == SIGRTMIN + 4);
	tl_yes("si_code SI_QUEUE", si.si_code == SI_QUEUE);
	tl_val("si_value.sival_int", si.si_value.sival_int, 31337);

	/* SIGEV_NONE: counts down, expires, no signal. */
	sev.sigev_notify = SIGEV_NONE;
	timer_t t5;
	tl_val("SIGEV_NONE create", timer_create(CLOCK_MONOTONIC, &sev, &t5),
	       0);
	arm(t5, 1000, 0);
	struct itimerspec cur;
	timer_gettime(t5, &cur);
	tl_yes("SIGEV_NONE counts down",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
	arm(t5, 5, 0);
	usleep(30 * 1000);
	timer_gettime(t5, &cur);
	tl_yes("SIGEV_NONE expired",
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
	sigset_t pend;
	sigpending(&pend);
	tl_yes("SIGEV_NONE sent nothing", !sigismember(&pend, SIGRTMIN));

	/* SIGEV_THREAD_ID: the named thread gets it. */
	pthread_t th;
	void *r;
	pthread_create(&th, NULL, thread_waiter, NULL);
	pthread_join(th, &r);
	tl_val("SIGEV_THREAD_ID value to the thread", (long)r, 4242);

	/* A signal still pending when its timer is re-armed, disarmed or
	 * deleted is not delivered (Linux 6.x); a timer_gettime changes
	 * nothing. */
	static const char *const how[] = {"re-armed", "disarmed", "deleted",
					   "only read"};
	for (int k = 0; k < 4; k++) {
		int sig = SIGRTMIN + 5 + k;
		sigset_t one;
		sigemptyset(&one);
		sigaddset(&one, sig);
		sigprocmask(SIG_BLOCK, &one, NULL);
		struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL,
				      .sigev_signo = sig};
		timer_t tk;
		timer_create(CLOCK_MONOTONIC, &ev, &tk);
		arm(tk, 1, 0);
		/* Until it is pending (a fixed sleep is too short when the
		 * machine is loaded), at most 10 s. */
		for (int w = 0; w < 10000; w++) {
			sigset_t p;
			sigpending(&p);
			if (sigismember(&p, sig))
				break;
			usleep(1000);
		}
		struct itimerspec far = {.it_value = {100, 0}}, zero = {0}, cur;
		if (k == 0)
			timer_settime(tk, 0, &far, NULL);
		else if (k == 1)
			timer_settime(tk, 0, &zero, NULL);
		else if (k == 2)
			timer_delete(tk);
		else
			timer_gettime(tk, &cur);
		struct timespec z = {0, 0};
		tl_say("pending signal of a timer %s: delivered %s", how[k],
		       sigtimedwait(&one, NULL, &z) == sig ? "yes" : "no");
		if (k != 2)
			timer_delete(tk);
	}

	/* Bad sigevents. */
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = SIGRTMIN;
	sev.sigev_notify_thread_id = 0x7ffffff0;
	timer_t bad;
	tl_err("SIGEV_THREAD_ID of no thread",
	       timer_create(CLOCK_MONOTONIC, &sev, &bad), EINVAL);
	sev.sigev_notify = 99;
	tl_err("unknown sigev_notify",
	       timer_create(CLOCK_MONOTONIC, &sev, &bad), EINVAL);
	tl_err("timer_getoverrun bad id", timer_getoverrun((timer_t)12345L),
	       EINVAL);
	return tl_done();
}
