/* eventfd counters and semaphores, and poll/select/epoll (level- and
 * edge-triggered, one-shot) over eventfds. */
#include <poll.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include "testlib.h"

int main(void)
{
	uint64_t v;
	int e = eventfd(3, EFD_NONBLOCK);
	tl_yes("eventfd", e >= 0);
	tl_val("read", read(e, &v, 8), 8);
	tl_val("value", (long)v, 3);
	tl_err("read empty", read(e, &v, 8), EAGAIN);
	tl_err("short read", read(e, &v, 4), EINVAL);
	v = 5;
	tl_val("write 5", write(e, &v, 8), 8);
	tl_val("write 5 again", write(e, &v, 8), 8);
	v = 0xffffffffffffffffULL;
	tl_err("write max", write(e, &v, 8), EINVAL);
	v = 0xfffffffffffffffeULL;
	tl_err("write overflow", write(e, &v, 8), EAGAIN);
	tl_val("read sum", read(e, &v, 8), 8);
	tl_val("sum", (long)v, 10);
	close(e);

	e = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC);
	tl_val("cloexec", fcntl(e, F_GETFD), FD_CLOEXEC);
	tl_val("sem read", read(e, &v, 8), 8);
	tl_val("sem value", (long)v, 1);
	tl_val("sem read 2", read(e, &v, 8), 8);
	tl_err("sem empty", read(e, &v, 8), EAGAIN);
	tl_err("bad flags", eventfd(0, 0x4000000), EINVAL);

	struct pollfd pfd = {.fd = e, .events = POLLIN | POLLOUT};
	tl_val("poll writable", poll(&pfd, 1, 0), 1);
	tl_val("revents", pfd.revents, POLLOUT);
	struct pollfd bad[2] = {{.fd = 999, .events = POLLIN},
				{.fd = -1, .events = POLLIN}};
	tl_val("poll bad fd", poll(bad, 2, 0), 1);
	tl_val("POLLNVAL", bad[0].revents, POLLNVAL);
	tl_val("negative fd", bad[1].revents, 0);
	tl_err("poll EFAULT", syscall(SYS_poll, TL_BAD1, 1, 0), EFAULT);
	pfd.events = POLLIN;
	tl_val("poll timeout", poll(&pfd, 1, 20), 0);

	fd_set r, w;
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(e, &r);
	FD_SET(e, &w);
	struct timeval tv = {0, 0};
	tl_val("select", select(e + 1, &r, &w, NULL, &tv), 1);
	tl_yes("not readable", !FD_ISSET(e, &r));
	tl_yes("writable", FD_ISSET(e, &w));
	FD_ZERO(&r);
	FD_SET(60, &r);
	tl_err("select closed fd", select(61, &r, NULL, NULL, &tv), EBADF);
	tl_err("select nfds<0", select(-1, NULL, NULL, NULL, &tv), EINVAL);

	/* epoll, level-triggered: reported at every wait while readable. */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	tl_yes("epoll_create1", ep >= 0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 42}, out[4];
	tl_err("ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev), 0);
	tl_err("ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev), EEXIST);
	tl_err("ctl add self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	tl_err("ctl add regular file",
	       epoll_ctl(ep, EPOLL_CTL_ADD, open("/proc/self/status", O_RDONLY),
			 &ev), EPERM);
	tl_err("ctl mod missing", epoll_ctl(ep, EPOLL_CTL_MOD, eventfd(0, 0), &ev), ENOENT);
	tl_val("nothing ready", epoll_wait(ep, out, 4, 0), 0);
	v = 1;
	write(e, &v, 8);
	tl_val("LT ready", epoll_wait(ep, out, 4, 0), 1);
	tl_val("data", (long)out[0].data.u64, 42);
	tl_val("events", out[0].events, EPOLLIN);
	tl_val("LT again", epoll_wait(ep, out, 4, 0), 1);
	read(e, &v, 8);
	tl_val("LT drained", epoll_wait(ep, out, 4, 0), 0);

	/* Edge-triggered: once per new event. */
	ev.events = EPOLLIN | EPOLLET;
	tl_err("ctl mod ET", epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev), 0);
	write(e, &v, 8);
	tl_val("ET first", epoll_wait(ep, out, 4, 0), 1);
	tl_val("ET second", epoll_wait(ep, out, 4, 0), 0);
	write(e, &v, 8);
	tl_val("ET new edge", epoll_wait(ep, out, 4, 100), 1);

	/* One-shot: disarmed after one report until MOD. */
	ev.events = EPOLLIN | EPOLLONESHOT;
	tl_err("ctl mod oneshot", epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev), 0);
	tl_val("oneshot first", epoll_wait(ep, out, 4, 0), 1);
	tl_val("oneshot disarmed", epoll_wait(ep, out, 4, 0), 0);
	tl_err("rearm", epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev), 0);
	tl_val("rearmed", epoll_wait(ep, out, 4, 0), 1);

	/* The epoll fd itself polls readable while an item is ready. */
	int ep2 = epoll_create(1);
	ev.events = EPOLLIN;
	ev.data.u64 = 7;
	tl_err("nested add", epoll_ctl(ep2, EPOLL_CTL_ADD, ep, &ev), 0);
	tl_err("loop", epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev), ELOOP);
	tl_err("rearm", epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev), 0);
	tl_val("nested ready", epoll_wait(ep2, out, 4, 0), 1);
	tl_val("nested data", (long)out[0].data.u64, 7);
	tl_err("ctl del", epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL), 0);
	tl_err("ctl del again", epoll_ctl(ep, EPOLL_CTL_DEL, e, NULL), ENOENT);
	tl_val("nested empty", epoll_wait(ep2, out, 4, 0), 0);
	tl_err("wait maxevents 0", epoll_wait(ep, out, 0, 0), EINVAL);
	tl_err("wait not epoll", epoll_wait(e, out, 1, 0), EINVAL);
	tl_err("wait EFAULT", epoll_ctl(ep, EPOLL_CTL_ADD, e, TL_BAD1), EFAULT);
	struct stat st;
	fstat(e, &st);
	tl_val("anon mode", st.st_mode & 07777, 0600);
	return tl_done();
}
