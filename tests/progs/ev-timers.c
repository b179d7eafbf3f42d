/* alarm, setitimer, POSIX timers, timerfd and signalfd; a timer signal
 * interrupting blocking reads, select and epoll_wait with EINTR; ppoll's
 * temporary signal mask. */
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include "testlib.h"

static volatile int alarms, usr1;
static void on_alarm(int s) { (void)s; alarms++; }
static void on_usr1(int s) { (void)s; usr1++; }

static void arm_ms(int ms)
{
	struct itimerval it = {{0, 0}, {0, ms * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: EINTR */
	uint64_t v;

	tl_val("alarm first", alarm(10), 0);
	tl_val("alarm left", alarm(20), 10);
	tl_val("alarm cancel", alarm(0), 20);

	struct itimerval it = {{0, 0}, {2, 0}}, old;
	tl_err("setitimer", setitimer(ITIMER_REAL, &it, NULL), 0);
	tl_err("getitimer", getitimer(ITIMER_REAL, &old), 0);
	tl_yes("value counts down", old.it_value.tv_sec <= 2 &&
	       (old.it_value.tv_sec > 0 || old.it_value.tv_usec > 0));
	it.it_value.tv_sec = 0;
	tl_err("disarm", setitimer(ITIMER_REAL, &it, &old), 0);
	tl_yes("old value returned", old.it_value.tv_sec <= 2 &&
	       (old.it_value.tv_sec > 0 || old.it_value.tv_usec > 0));
	it.it_value.tv_usec = 1000000;
	tl_err("bad usec", setitimer(ITIMER_REAL, &it, NULL), EINVAL);
	tl_err("bad which", setitimer(7, &it, NULL), EINVAL);

	/* A blocking read interrupted by SIGALRM. */
	int e = eventfd(0, 0);
	arm_ms(30);
	tl_err("eventfd read EINTR", read(e, &v, 8), EINTR);
	tl_val("alarm handled", alarms, 1);
	arm_ms(30);
	fd_set r;
	FD_ZERO(&r);
	FD_SET(e, &r);
	tl_err("select EINTR", select(e + 1, &r, NULL, NULL, NULL), EINTR);
	arm_ms(30);
	struct pollfd pfd = {.fd = e, .events = POLLIN};
	tl_err("poll EINTR", poll(&pfd, 1, -1), EINTR);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
	/* epoll_wait is never restarted, even with SA_RESTART. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	arm_ms(30);
	tl_err("epoll_wait EINTR", epoll_wait(ep, &ev, 1, -1), EINTR);
	tl_val("alarms", alarms, 4);

	/* POSIX timers. */
	timer_t tid;
	struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL,
			       .sigev_signo = SIGUSR1};
	sigset_t set, oldset;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &oldset);
	tl_err("timer_create", timer_create(CLOCK_MONOTONIC, &sev, &tid), 0);
	struct itimerspec its = {{0, 10000000}, {0, 10000000}}, cur;
	tl_err("timer_settime", timer_settime(tid, 0, &its, NULL), 0);
	siginfo_t si;
	int got = 0;
	for (int i = 0; i < 3; i++)
		if (sigwaitinfo(&set, &si) == SIGUSR1)
			got++;
	tl_val("periodic signals", got, 3);
	tl_yes("si_code SI_TIMER", si.si_code == SI_TIMER);
	tl_err("timer_gettime", timer_gettime(tid, &cur), 0);
	tl_yes("interval kept", cur.it_interval.tv_nsec == 10000000);
	tl_yes("overrun >= 0", timer_getoverrun(tid) >= 0);
	tl_err("timer_delete", timer_delete(tid), 0);
	tl_err("timer_delete again", timer_delete(tid), EINVAL);
	tl_err("bad clock", timer_create(12345, &sev, &tid), EINVAL);
	sev.sigev_notify = SIGEV_NONE;
	tl_err("SIGEV_NONE", timer_create(CLOCK_REALTIME, &sev, &tid), 0);
	its.it_interval.tv_nsec = 0;
	its.it_value.tv_sec = 5;
	timer_settime(tid, 0, &its, NULL);
	timer_gettime(tid, &cur);
	tl_yes("SIGEV_NONE counts down", cur.it_value.tv_sec <= 5 &&
	       cur.it_value.tv_sec >= 4);
	its.it_value.tv_nsec = 2000000000L;
	tl_err("settime bad nsec", timer_settime(tid, 0, &its, NULL), EINVAL);
	timer_delete(tid);

	/* timerfd: a 10 ms period read after ~55 ms gives several ticks. */
	int tf = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	tl_yes("timerfd_create", tf >= 0);
	tl_err("timerfd not armed", read(tf, &v, 8), EAGAIN);
	struct itimerspec tv = {{0, 10000000}, {0, 10000000}};
	tl_err("timerfd_settime", timerfd_settime(tf, 0, &tv, NULL), 0);
	struct timespec ns = {0, 55000000};
	nanosleep(&ns, NULL);
	tl_val("read", read(tf, &v, 8), 8);
	tl_yes("several expirations", v >= 4 && v <= 100);
	pfd.fd = tf;
	tl_val("poll for next tick", poll(&pfd, 1, 1000), 1);
	tl_val("next tick", read(tf, &v, 8), 8);
	tl_yes("at least one", v >= 1);
	struct itimerspec z = {{0, 0}, {0, 0}};
	tl_err("disarm", timerfd_settime(tf, 0, &z, &cur), 0);
	tl_yes("old interval", cur.it_interval.tv_nsec == 10000000);
	timerfd_gettime(tf, &cur);
	tl_yes("disarmed", !cur.it_value.tv_sec && !cur.it_value.tv_nsec);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int tf2 = timerfd_create(CLOCK_REALTIME, 0);
	tv.it_interval.tv_nsec = 0;
	tv.it_value = now; /* in the past: expires at once */
	tl_err("abstime", timerfd_settime(tf2, TFD_TIMER_ABSTIME, &tv, NULL),
	       0);
	tl_val("blocking read", read(tf2, &v, 8), 8);
	tl_val("one expiration", (long)v, 1);
	tl_err("bad clock", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0),
	       EINVAL);
	tl_err("bad flags", timerfd_settime(tf2, 8, &tv, NULL), EINVAL);
	tl_err("not a timerfd", timerfd_settime(e, 0, &tv, NULL), EINVAL);

	/* signalfd: SIGUSR1 is blocked, so it waits for the signalfd. */
	int sfd = signalfd(-1, &set, SFD_NONBLOCK);
	tl_yes("signalfd", sfd >= 0);
	struct signalfd_siginfo ssi;
	tl_err("nothing pending", read(sfd, &ssi, sizeof(ssi)), EAGAIN);
	pfd.fd = sfd;
	tl_val("not readable", poll(&pfd, 1, 0), 0);
	raise(SIGUSR1);
	tl_val("readable", poll(&pfd, 1, 0), 1);
	epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL);
	ev.events = EPOLLIN;
	tl_err("epoll add signalfd", epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev), 0);
	tl_val("epoll sees it", epoll_wait(ep, &ev, 1, 0), 1);
	tl_val("read", read(sfd, &ssi, sizeof(ssi)), sizeof(ssi));
	tl_val("signo", ssi.ssi_signo, SIGUSR1);
	tl_yes("code SI_TKILL", ssi.ssi_code == SI_TKILL);
	tl_val("drained", poll(&pfd, 1, 0), 0);
	tl_val("epoll drained", epoll_wait(ep, &ev, 1, 0), 0);
	tl_err("short buffer", read(sfd, &ssi, 8), EINVAL);

	/* ppoll: SIGUSR1 pending and blocked; the temporary mask unblocks
	 * it, the handler runs, EINTR, and the old mask is back. */
	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	sigset_t empty;
	sigemptyset(&empty);
	pfd.fd = e;
	tl_err("ppoll EINTR", ppoll(&pfd, 1, NULL, &empty), EINTR);
	tl_val("handler ran", usr1, 1);
	sigset_t now_mask;
	sigprocmask(SIG_BLOCK, NULL, &now_mask);
	tl_yes("mask restored", sigismember(&now_mask, SIGUSR1));
	struct timespec zero = {0, 0};
	tl_val("ppoll timeout", ppoll(&pfd, 1, &zero, &empty), 0);
	return tl_done();
}
