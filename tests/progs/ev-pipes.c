/* poll, select and epoll over pipes and socketpairs: readability after a
 * write, POLLHUP after the writer closes, POLLERR for a reader gone, edge-
 * triggered wake-ups on a socketpair, a blocking poll woken by a child,
 * and alarm interrupting a blocking pipe read. */
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "testlib.h"

static void on_alarm(int s) { (void)s; }

int main(void)
{
	int p[2], sv[2];
	char buf[64];
	pipe(p);
	struct pollfd f[2] = {{.fd = p[0], .events = POLLIN},
			      {.fd = p[1], .events = POLLOUT}};
	tl_val("pipe: only the write end ready", poll(f, 2, 0), 1);
	tl_val("read end", f[0].revents, 0);
	tl_val("write end", f[1].revents, POLLOUT);
	write(p[1], "x", 1);
	tl_val("both ready", poll(f, 2, 0), 2);
	tl_val("read end POLLIN", f[0].revents, POLLIN);
	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	struct timeval tv = {1, 0};
	tl_val("select", select(p[1] + 1, &r, &w, NULL, &tv), 2);
	read(p[0], buf, 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv.tv_sec = 0;
	tv.tv_usec = 10000;
	tl_val("select timeout", select(p[0] + 1, &r, NULL, NULL, &tv), 0);
	tl_yes("timeval updated", tv.tv_sec == 0 && tv.tv_usec == 0);

	/* epoll on the read end: EPOLLHUP once the writer is gone. */
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]};
	tl_err("epoll add pipe", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	tl_val("empty pipe", epoll_wait(ep, &ev, 1, 0), 0);

	/* A child writes later: a blocking epoll_wait wakes up. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		write(p[1], "late", 4);
		_exit(0);
	}
	tl_val("woken by the child", epoll_wait(ep, &ev, 1, 5000), 1);
	tl_val("EPOLLIN", ev.events, EPOLLIN);
	waitpid(pid, NULL, 0);
	read(p[0], buf, sizeof(buf));
	close(p[1]);
	tl_val("writer gone", epoll_wait(ep, &ev, 1, 0), 1);
	tl_val("EPOLLHUP", ev.events, EPOLLHUP);
	f[0].events = POLLIN;
	poll(f, 1, 0);
	tl_val("poll POLLHUP", f[0].revents, POLLHUP);
	close(p[0]);
	pipe(p);
	close(p[0]);
	f[1].fd = p[1];
	poll(&f[1], 1, 0);
	tl_val("reader gone: POLLOUT|POLLERR", f[1].revents, POLLOUT | POLLERR);
	close(p[1]);

	/* Socketpair, edge-triggered: one report per arrival. */
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.fd = sv[1];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	write(sv[0], "a", 1);
	tl_val("ET first", epoll_wait(ep, &ev, 1, 1000), 1);
	tl_val("ET no repeat", epoll_wait(ep, &ev, 1, 0), 0);
	write(sv[0], "b", 1);
	tl_val("ET second arrival", epoll_wait(ep, &ev, 1, 1000), 1);
	tl_val("both bytes there", read(sv[1], buf, sizeof(buf)), 2);
	struct pollfd sp = {.fd = sv[1], .events = POLLIN | POLLOUT};
	tl_val("socket writable", poll(&sp, 1, 0), 1);
	tl_val("POLLOUT", sp.revents, POLLOUT);
	close(sv[0]);
	sp.events = POLLIN | POLLRDHUP;
	poll(&sp, 1, 0);
	tl_val("peer closed", sp.revents, POLLIN | POLLRDHUP | POLLHUP);
	tl_val("epoll sees the close", epoll_wait(ep, &ev, 1, 0), 1);
	tl_yes("EPOLLHUP|EPOLLIN", (ev.events & (EPOLLHUP | EPOLLIN)) ==
	       (EPOLLHUP | EPOLLIN));
	close(sv[1]);

	/* alarm interrupts a blocking pipe read (no SA_RESTART). */
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	pipe(p);
	ualarm(30000, 0);
	tl_err("pipe read EINTR", read(p[0], buf, 1), EINTR);
	/* With SA_RESTART the read is restarted and gets the data. */
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		write(p[1], "r", 1);
		_exit(0);
	}
	ualarm(30000, 0);
	tl_val("restarted read", read(p[0], buf, 1), 1);
	waitpid(pid, NULL, 0);
	return tl_done();
}
