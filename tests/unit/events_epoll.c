/* epoll, eventfd and unix sockets below the system calls: readiness
 * reported level- and edge-triggered, one-shot disarming, an item dropped
 * when its file is released (epoll holds no reference), a wake-up from
 * another thread ending epoll_wait, and files passed through a unix
 * socket keeping their references right. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/task.h"
#include "sentry/net/socket.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

static int failed;
static void check(const char *what, bool ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", what);
	if (!ok)
		failed = 1;
}

static struct thread_group tg;
static struct task task;

static struct timespec in_ms(long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += ms * 1000000;
	ts.tv_sec += ts.tv_nsec / 1000000000;
	ts.tv_nsec %= 1000000000;
	return ts;
}

static int ep_wait(struct file *ep, struct epoll_event *ev, int n, long ms)
{
	struct timespec dl = in_ms(ms);
	return epoll_wait_file(&task, ep, ev, n, &dl);
}

static void efd_write(struct file *f, uint64_t v)
{
	struct iovec iov = {&v, 8};
	f->ops->write(f, &iov, 1, NULL);
}

static void *writer(void *arg)
{
	struct timespec ts = {0, 30000000};
	nanosleep(&ts, NULL);
	efd_write(arg, 1);
	return NULL;
}

int main(void)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&task.wait_lock, NULL);
	pthread_cond_init(&task.wait_cond, &ca);
	task.tg = &tg;
	current = &task;

	struct file *ep = epoll_create_file(0);
	struct file *e = eventfd_create(0, EFD_NONBLOCK);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 9}, out[4];
	check("add", epoll_ctl_file(ep, EPOLL_CTL_ADD, 3, e, &ev) == 0);
	check("idle: timeout", ep_wait(ep, out, 4, 10) == 0);
	efd_write(e, 2);
	check("LT reports", ep_wait(ep, out, 4, 0) == 1 && out[0].data.u64 == 9);
	check("LT reports again", ep_wait(ep, out, 4, 0) == 1);
	ev.events = EPOLLIN | EPOLLET;
	epoll_ctl_file(ep, EPOLL_CTL_MOD, 3, e, &ev);
	check("ET after MOD reports", ep_wait(ep, out, 4, 0) == 1);
	check("ET quiet without a new event", ep_wait(ep, out, 4, 0) == 0);
	efd_write(e, 1);
	check("ET reports the new event", ep_wait(ep, out, 4, 0) == 1);
	ev.events = EPOLLIN | EPOLLONESHOT;
	epoll_ctl_file(ep, EPOLL_CTL_MOD, 3, e, &ev);
	check("oneshot once", ep_wait(ep, out, 4, 0) == 1);
	efd_write(e, 1);
	check("oneshot disarmed", ep_wait(ep, out, 4, 0) == 0);

	/* A wake-up from another thread ends a blocking wait. */
	struct file *e2 = eventfd_create(0, EFD_NONBLOCK);
	ev.events = EPOLLIN;
	ev.data.u64 = 2;
	epoll_ctl_file(ep, EPOLL_CTL_ADD, 4, e2, &ev);
	pthread_t th;
	pthread_create(&th, NULL, writer, e2);
	check("woken by another thread",
	      ep_wait(ep, out, 4, 5000) == 1 && out[0].data.u64 == 2);
	pthread_join(th, NULL);

	/* Only the epoll set holds e2 now: the item goes away. */
	file_put(e2);
	check("closed file dropped", ep_wait(ep, out, 4, 0) == 0);
	check("DEL of dropped item", epoll_ctl_file(ep, EPOLL_CTL_DEL, 4, e,
						    &ev) == -ENOENT);

	/* Files through a unix socket pair. */
	struct socket *sp[2];
	check("socketpair", unix_socketpair(SOCK_STREAM, 0, sp) == 0);
	struct file *a = sock_file_create(sp[0], SOCK_NONBLOCK);
	struct file *b = sock_file_create(sp[1], SOCK_NONBLOCK);
	static struct sock_cmsg c, r;
	c.files[0] = file_get(e);
	c.nfiles = 1;
	char byte = 'x', got = 0;
	struct iovec iov = {&byte, 1};
	struct sock_msg m = {.iov = &iov, .iovcnt = 1, .cmsg = &c};
	check("send with a file", sp[0]->ops->sendmsg(sp[0], &m, 0) == 1);
	/* Ours and the message's: the epoll set holds none. */
	check("file reference moved into the message", c.nfiles == 0 &&
	      atomic_load(&e->refs) == 2);
	struct iovec riov = {&got, 1};
	struct sock_msg rm = {.iov = &riov, .iovcnt = 1, .cmsg = &r};
	check("recv", sp[1]->ops->recvmsg(sp[1], &rm, 0) == 1 && got == 'x');
	check("file received", r.nfiles == 1 && r.files[0] == e);
	sock_cmsg_release(&r);
	check("refs back", atomic_load(&e->refs) == 1);
	/* In flight when the receiver closes: the reference is dropped. */
	c.files[0] = file_get(e);
	c.nfiles = 1;
	sp[0]->ops->sendmsg(sp[0], &m, 0);
	file_put(b);
	check("in-flight file released with the socket",
	      atomic_load(&e->refs) == 1);
	check("EPIPE to a closed peer",
	      sp[0]->ops->sendmsg(sp[0], &(struct sock_msg){.iov = &iov,
			      .iovcnt = 1}, MSG_NOSIGNAL) == -EPIPE);
	file_put(a);
	/* An epoll set released before the file it watches, and a watched
	 * file released while its set lives. */
	struct file *ep2 = epoll_create_file(0);
	ev.events = EPOLLIN;
	epoll_ctl_file(ep2, EPOLL_CTL_ADD, 3, e, &ev);
	epoll_ctl_file(ep, EPOLL_CTL_ADD, 5, ep2, &ev);
	file_put(ep2);
	check("nested set released: its item gone",
	      epoll_ctl_file(ep, EPOLL_CTL_DEL, 5, e, &ev) == -ENOENT);
	file_put(ep);
	check("no reference held by epoll", atomic_load(&e->refs) == 1);
	file_put(e);
	return failed;
}
