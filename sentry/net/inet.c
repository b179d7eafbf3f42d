/* AF_INET and AF_INET6 through host sockets ("hostinet", as gVisor calls
 * it): the sentry owns a non-blocking host socket per app socket and
 * passes each operation through with its arguments copied and checked.
 * The app holds only the sentry's file.
 *
 * Blocking: one sentry thread waits on a host epoll instance holding every
 * host socket (edge-triggered) and wakes the socket's wait queue; a task
 * that must block sleeps interruptibly on that queue, so a signal
 * interrupts accept/connect/recv/send as on Linux, and poll/epoll in the
 * sandbox see host readiness. The epoll data is a slot number with a
 * generation, never a pointer, so a late event for a closed socket is
 * ignored instead of touching freed memory.
 *
 * Options pass only through an allowlist; everything else is ENOPROTOOPT.
 * Control messages pass as bytes: the syscall layer lets only IP and IPv6
 * levels go to the host, and what the host returns holds no descriptors. */
#include "sentry/net/socket.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <time.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "syscalls/table.h"

struct inet_sock {
	int hfd;
	uint32_t slot;
	struct waitq wq;
	struct timespec rcvtimeo, sndtimeo;
};

/* The readiness thread and its slot table. */
static pthread_mutex_t in_lock = PTHREAD_MUTEX_INITIALIZER;
static int in_epfd = -1;
static struct {
	struct inet_sock *sk;
	uint32_t gen;
} *in_slots;
static uint32_t in_nslots;
static pthread_t in_thread;

static void in_dispatch(const struct epoll_event *ev, int n)
{
	pthread_mutex_lock(&in_lock);
	for (int i = 0; i < n; i++) {
		uint32_t slot = (uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		if (slot < in_nslots && in_slots[slot].sk &&
		    in_slots[slot].gen == gen)
			waitq_wake(&in_slots[slot].sk->wq, ev[i].events);
	}
	pthread_mutex_unlock(&in_lock);
}

static void *in_main(void *arg)
{
	struct epoll_event ev[64];
	(void)arg;
	for (;;) {
		int n = epoll_wait(in_epfd, ev, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rv_panic("hostinet: epoll_wait: %s", strerror(errno));
		}
		in_dispatch(ev, n);
	}
	return NULL;
}

/* After an operation that changes a peer's readiness on the host (a send
 * over loopback makes the receiver readable within the send itself), take
 * the host's events now on this thread instead of waiting for the
 * readiness thread to be scheduled: a sandboxed peer then sees the data
 * as soon as a native one would. Events are edge-triggered, so whichever
 * thread takes one delivers it, once. */
static void in_dispatch_now(void)
{
	struct epoll_event ev[64];
	if (in_epfd < 0)
		return;
	int n = epoll_wait(in_epfd, ev, 64, 0);
	if (n > 0)
		in_dispatch(ev, n);
}

/* Register a host socket with the readiness thread. Under in_lock. */
static int in_register_locked(struct inet_sock *sk)
{
	if (in_epfd < 0) {
		in_epfd = epoll_create1(EPOLL_CLOEXEC);
		if (in_epfd < 0)
			return -errno;
		if (pthread_create(&in_thread, NULL, in_main, NULL)) {
			close(in_epfd);
			in_epfd = -1;
			return -EAGAIN;
		}
		pthread_setname_np(in_thread, "rv-hostinet");
	}
	uint32_t slot = 0;
	while (slot < in_nslots && in_slots[slot].sk)
		slot++;
	if (slot == in_nslots) {
		uint32_t n = in_nslots ? in_nslots * 2 : 64;
		in_slots = rv_xrealloc(in_slots, n * sizeof(*in_slots));
		memset(&in_slots[in_nslots], 0,
		       (n - in_nslots) * sizeof(*in_slots));
		in_nslots = n;
	}
	in_slots[slot].sk = sk;
	in_slots[slot].gen++;
	sk->slot = slot;
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLPRI | EPOLLET,
		.data.u64 = slot | (uint64_t)in_slots[slot].gen << 32,
	};
	if (epoll_ctl(in_epfd, EPOLL_CTL_ADD, sk->hfd, &ev) < 0) {
		in_slots[slot].sk = NULL;
		return -errno;
	}
	return 0;
}

static const struct socket_ops inet_ops;

static int in_wrap(int hfd, int family, int type, int protocol,
		   struct socket **out)
{
	struct inet_sock *sk = rv_xcalloc(1, sizeof(*sk));
	sk->hfd = hfd;
	waitq_init(&sk->wq);
	pthread_mutex_lock(&in_lock);
	int err = in_register_locked(sk);
	pthread_mutex_unlock(&in_lock);
	if (err) {
		close(hfd);
		free(sk);
		return err;
	}
	struct socket *s = rv_xcalloc(1, sizeof(*s));
	s->ops = &inet_ops;
	s->family = family;
	s->type = type;
	s->protocol = protocol;
	s->priv = sk;
	*out = s;
	return 0;
}

/* NETLINK_ROUTE for reading the sandbox's interfaces, addresses and
 * routes (if_nameindex(3), getifaddrs(3)): a host netlink socket in the
 * sandbox's network namespace, to which only RTM_GET* requests may be
 * sent (in_netlink_check), never a change. */
int netlink_create(int type, int protocol, struct socket **out)
{
	if (type != SOCK_RAW && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT;
	if (protocol != NETLINK_ROUTE)
		return -EPROTONOSUPPORT;
	int hfd = socket(AF_NETLINK, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 protocol);
	if (hfd < 0)
		return -errno;
	return in_wrap(hfd, AF_NETLINK, type, protocol, out);
}

/* Every netlink message of a send must be a routing read request. */
static int in_netlink_check(const struct iovec *iov, int n)
{
	size_t len = vfs_iov_length(iov, n);
	if (len > 65536)
		return -EMSGSIZE;
	char *buf = rv_xmalloc(len ? len : 1);
	int err = 0;
	if (vfs_iov_copy_in(buf, len, iov, n, 0) != (ssize_t)len) {
		err = -EFAULT;
		goto out;
	}
	for (size_t off = 0; off + sizeof(struct nlmsghdr) <= len;) {
		struct nlmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len - off)
			break; /* the host rejects a malformed message */
		bool get = h.nlmsg_type >= RTM_BASE && h.nlmsg_type < RTM_MAX &&
			   (h.nlmsg_type & 3) == 2;
		if (!get && h.nlmsg_type != NLMSG_NOOP) {
			err = -EPERM;
			goto out;
		}
		off += NLMSG_ALIGN(h.nlmsg_len);
	}
out:
	free(buf);
	return err;
}

long inet_ifreq_ioctl(struct task *t, unsigned int cmd, uint64_t arg)
{
	/* Interface name <-> index (if_nametoindex(3)) on any socket: a
	 * struct ifreq in, the same out; the host checks the name. */
	struct ifreq ifr;
	if (cmd != SIOCGIFINDEX && cmd != SIOCGIFNAME)
		return -ENOTTY;
	if (mm_copy_in(t->mm, &ifr, arg, sizeof(ifr)) < 0)
		return -EFAULT;
	ifr.ifr_name[IFNAMSIZ - 1] = '\0';
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = ioctl(fd, cmd, &ifr) < 0 ? -errno : 0;
	close(fd);
	if (r)
		return r;
	return mm_copy_out(t->mm, arg, &ifr, sizeof(ifr)) < 0 ? -EFAULT : 0;
}

int inet_create(int family, int type, int protocol, struct socket **out)
{
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return type == SOCK_RAW ? -EPERM : -ESOCKTNOSUPPORT;
	if (protocol && protocol != IPPROTO_TCP && protocol != IPPROTO_UDP &&
	    protocol != IPPROTO_UDPLITE && protocol != IPPROTO_ICMP &&
	    protocol != IPPROTO_ICMPV6)
		return -EPROTONOSUPPORT;
	int hfd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
			 protocol);
	if (hfd < 0)
		return -errno;
	return in_wrap(hfd, family, type, protocol, out);
}

/* --- waiting ------------------------------------------------------- */

struct in_wait {
	int hfd;
	short events;
};

static bool in_ready(void *arg)
{
	struct in_wait *w = arg;
	struct pollfd p = {.fd = w->hfd, .events = w->events};
	return poll(&p, 1, 0) > 0;
}

/* Sleep until the host socket is ready for events: 0, -EAGAIN at the
 * SO_*TIMEO timeout, -RV_ERESTARTSYS for a signal. */
static int in_wait(struct inet_sock *sk, short events,
		   const struct timespec *timeo)
{
	struct timespec dl, *pdl = NULL;
	struct in_wait w = {sk->hfd, events};
	if (timeo->tv_sec || timeo->tv_nsec) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		/* SO_*TIMEO of {INT64_MAX, ...}: saturate, no overflow. */
		rv_ts_add_sat(&dl, timeo);
		pdl = &dl;
	}
	int r = waitq_wait_event(current, &sk->wq, 0, in_ready, &w, pdl);
	if (r == -EINTR)
		return pdl ? -EINTR : -RV_ERESTARTSYS;
	if (r == -ETIMEDOUT)
		return -EAGAIN;
	return 0;
}

/* --- operations ---------------------------------------------------- */

static int in_check_addr(struct socket *s, const struct sockaddr *sa,
			 socklen_t len)
{
	/* The host checks the address itself; the length must only stay
	 * within the copy the syscall layer made. */
	if (len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	(void)s;
	(void)sa;
	return 0;
}

static int in_bind(struct socket *s, const struct sockaddr *sa, socklen_t len)
{
	struct inet_sock *sk = s->priv;
	int err = in_check_addr(s, sa, len);
	if (err)
		return err;
	return bind(sk->hfd, sa, len) < 0 ? -errno : 0;
}

static int in_connect(struct socket *s, const struct sockaddr *sa,
		      socklen_t len)
{
	struct inet_sock *sk = s->priv;
	int err = in_check_addr(s, sa, len);
	if (err)
		return err;
	if (connect(sk->hfd, sa, len) == 0) {
		in_dispatch_now(); /* the listener's new connection */
		return 0;
	}
	if (errno != EINPROGRESS)
		return -errno;
	in_dispatch_now();
	if (sock_nonblock(s, 0))
		return -EINPROGRESS;
	/* A blocking connect waits for the handshake, then reports its
	 * result (connect(2): SO_ERROR after writability). */
	if ((err = in_wait(sk, POLLOUT, &sk->sndtimeo)))
		return err == -EAGAIN ? -EINPROGRESS : err;
	int soerr = 0;
	socklen_t sl = sizeof(soerr);
	if (getsockopt(sk->hfd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		return -errno;
	return -soerr;
}

static int in_listen(struct socket *s, int backlog)
{
	struct inet_sock *sk = s->priv;
	return listen(sk->hfd, backlog) < 0 ? -errno : 0;
}

static int in_accept(struct socket *s, int flags, struct file **out,
		     struct sockaddr_storage *addr, socklen_t *alen)
{
	struct inet_sock *sk = s->priv;
	struct sockaddr_storage ss;
	for (;;) {
		socklen_t sl = sizeof(ss);
		int hfd = accept4(sk->hfd, (struct sockaddr *)&ss, &sl,
				  SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (hfd >= 0) {
			struct socket *ns;
			int err = in_wrap(hfd, s->family, s->type, s->protocol,
					  &ns);
			if (err)
				return err;
			*out = sock_file_create(ns, flags);
			if (addr) {
				*addr = ss;
				*alen = sl;
			}
			return 0;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (sock_nonblock(s, 0))
			return -EAGAIN;
		int err = in_wait(sk, POLLIN, &sk->rcvtimeo);
		if (err)
			return err;
	}
}

#define IN_SEND_FLAGS (MSG_OOB | MSG_DONTROUTE | MSG_EOR | MSG_MORE | \
		       MSG_CONFIRM)
#define IN_RECV_FLAGS (MSG_OOB | MSG_PEEK | MSG_TRUNC)

static ssize_t in_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *sk = s->priv;
	size_t total = vfs_iov_length(m->iov, m->iovcnt), sent = 0;
	struct iovec *iov = rv_xmalloc(((size_t)m->iovcnt + 1) * sizeof(*iov));
	ssize_t err = 0;
	if (s->family == AF_NETLINK &&
	    (err = in_netlink_check(m->iov, m->iovcnt))) {
		free(iov);
		return err;
	}
	if (m->iovcnt) /* m->iov is NULL for none: memcpy(.., NULL, 0) is UB */
		memcpy(iov, m->iov, (size_t)m->iovcnt * sizeof(*iov));
	int niov = m->iovcnt, first = 0;
	for (;;) {
		struct msghdr h = {
			.msg_name = m->addrlen ? &m->addr : NULL,
			.msg_namelen = m->addrlen,
			.msg_iov = iov + first,
			.msg_iovlen = (size_t)(niov - first),
			.msg_control = sent ? NULL : m->raw_ctl,
			.msg_controllen = sent ? 0 : m->raw_ctllen,
		};
		ssize_t n = sendmsg(sk->hfd, &h, (flags & IN_SEND_FLAGS) |
				    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0) {
			sent += (size_t)n;
			/* Datagrams go whole; a stream continues with the
			 * rest, as a blocking Linux send does. */
			if (s->type != SOCK_STREAM || sent >= total)
				break;
			while (n > 0 && first < niov) {
				size_t k = RV_MIN((size_t)n, iov[first].iov_len);
				iov[first].iov_base =
					(char *)iov[first].iov_base + k;
				iov[first].iov_len -= k;
				n -= (ssize_t)k;
				if (!iov[first].iov_len)
					first++;
			}
			if (sock_nonblock(s, flags))
				break;
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			err = -errno;
			break;
		}
		if (sock_nonblock(s, flags)) {
			err = -EAGAIN;
			break;
		}
		if ((err = in_wait(sk, POLLOUT, &sk->sndtimeo)))
			break;
	}
	free(iov);
	if (sent) {
		in_dispatch_now();
		return (ssize_t)sent;
	}
	if (err == -EPIPE)
		sock_sigpipe(flags);
	return err;
}

static ssize_t in_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct inet_sock *sk = s->priv;
	size_t want = vfs_iov_length(m->iov, m->iovcnt), got = 0;
	struct iovec *iov = rv_xmalloc(((size_t)m->iovcnt + 1) * sizeof(*iov));
	ssize_t err = 0;
	bool waitall = (flags & MSG_WAITALL) && s->type == SOCK_STREAM &&
		       !(flags & MSG_PEEK);
	if (m->iovcnt) /* m->iov is NULL for none: memcpy(.., NULL, 0) is UB */
		memcpy(iov, m->iov, (size_t)m->iovcnt * sizeof(*iov));
	int niov = m->iovcnt, first = 0;
	for (;;) {
		struct msghdr h = {
			.msg_name = &m->addr,
			.msg_namelen = sizeof(m->addr),
			.msg_iov = iov + first,
			.msg_iovlen = (size_t)(niov - first),
			.msg_control = got ? NULL : m->raw_ctl,
			.msg_controllen = got ? 0 : m->raw_ctllen,
		};
		ssize_t n = recvmsg(sk->hfd, &h, (flags & IN_RECV_FLAGS) |
				    MSG_DONTWAIT);
		if (n >= 0) {
			if (got == 0) {
				m->addrlen = h.msg_namelen;
				m->raw_ctllen = m->raw_ctl ? h.msg_controllen
							   : 0;
				m->msg_flags = h.msg_flags &
					(MSG_TRUNC | MSG_CTRUNC | MSG_EOR |
					 MSG_OOB);
			}
			got += (size_t)n;
			if (!waitall || n == 0 || got >= want)
				break;
			while (n > 0 && first < niov) {
				size_t k = RV_MIN((size_t)n, iov[first].iov_len);
				iov[first].iov_base =
					(char *)iov[first].iov_base + k;
				iov[first].iov_len -= k;
				n -= (ssize_t)k;
				if (!iov[first].iov_len)
					first++;
			}
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			err = -errno;
			break;
		}
		if (sock_nonblock(s, flags)) {
			err = -EAGAIN;
			break;
		}
		if ((err = in_wait(sk, POLLIN | POLLPRI, &sk->rcvtimeo)))
			break;
	}
	free(iov);
	if (got || !err)
		return (ssize_t)got;
	return err;
}

static int in_shutdown(struct socket *s, int how)
{
	struct inet_sock *sk = s->priv;
	int r = shutdown(sk->hfd, how) < 0 ? -errno : 0;
	in_dispatch_now();
	return r;
}

static int in_getname(struct socket *s, struct sockaddr_storage *ss,
		      socklen_t *len, bool peer)
{
	struct inet_sock *sk = s->priv;
	*len = sizeof(*ss);
	int r = peer ? getpeername(sk->hfd, (struct sockaddr *)ss, len)
		     : getsockname(sk->hfd, (struct sockaddr *)ss, len);
	return r < 0 ? -errno : 0;
}

/* The options passed to the host: level, name, settable. */
static const struct {
	int level, name;
	bool set;
} in_opts[] = {
	{SOL_SOCKET, SO_REUSEADDR, true},   {SOL_SOCKET, SO_REUSEPORT, true},
	{SOL_SOCKET, SO_KEEPALIVE, true},   {SOL_SOCKET, SO_RCVBUF, true},
	{SOL_SOCKET, SO_SNDBUF, true},      {SOL_SOCKET, SO_LINGER, true},
	{SOL_SOCKET, SO_BROADCAST, true},   {SOL_SOCKET, SO_OOBINLINE, true},
	{SOL_SOCKET, SO_RCVLOWAT, true},    {SOL_SOCKET, SO_ERROR, false},
	{SOL_SOCKET, SO_TYPE, false},       {SOL_SOCKET, SO_DOMAIN, false},
	{SOL_SOCKET, SO_PROTOCOL, false},   {SOL_SOCKET, SO_ACCEPTCONN, false},
	{IPPROTO_TCP, TCP_NODELAY, true},   {IPPROTO_TCP, TCP_KEEPIDLE, true},
	{IPPROTO_TCP, TCP_KEEPINTVL, true}, {IPPROTO_TCP, TCP_KEEPCNT, true},
	{IPPROTO_TCP, TCP_CORK, true},      {IPPROTO_TCP, TCP_QUICKACK, true},
	{IPPROTO_TCP, TCP_MAXSEG, true},
	{IPPROTO_TCP, TCP_USER_TIMEOUT, true},
	{IPPROTO_TCP, TCP_DEFER_ACCEPT, true}, {IPPROTO_TCP, TCP_INFO, false},
	{IPPROTO_TCP, TCP_CONGESTION, false},
	{IPPROTO_IP, IP_TOS, true},         {IPPROTO_IP, IP_TTL, true},
	{IPPROTO_IP, IP_MULTICAST_TTL, true},
	{IPPROTO_IP, IP_MULTICAST_LOOP, true},
	{IPPROTO_IPV6, IPV6_V6ONLY, true},
	{IPPROTO_IPV6, IPV6_UNICAST_HOPS, true},
	{IPPROTO_IPV6, IPV6_TCLASS, true},
	{IPPROTO_IPV6, IPV6_RECVHOPLIMIT, true},
	{IPPROTO_IPV6, IPV6_RECVTCLASS, true},
	{IPPROTO_IPV6, IPV6_RECVPKTINFO, true},
	{IPPROTO_IPV6, IPV6_MULTICAST_HOPS, true},
	{IPPROTO_IPV6, IPV6_MULTICAST_LOOP, true},
	{IPPROTO_IP, IP_PKTINFO, true},
	{IPPROTO_IP, IP_RECVTOS, true},     {IPPROTO_IP, IP_RECVTTL, true},
	{SOL_SOCKET, SO_TIMESTAMP_OLD, true},
	{SOL_SOCKET, SO_TIMESTAMPNS_OLD, true},
	{SOL_SOCKET, SO_PRIORITY, true},
	{SOL_UDP, UDP_CORK, true},
};

static int in_opt_find(int level, int name, bool set)
{
	for (size_t i = 0; i < RV_ARRAY_SIZE(in_opts); i++)
		if (in_opts[i].level == level && in_opts[i].name == name)
			return !set || in_opts[i].set ? 0 : -ENOPROTOOPT;
	return -ENOPROTOOPT;
}

static int in_timeo_set(struct timespec *ts, const void *val, socklen_t len)
{
	struct timeval tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	ts->tv_sec = tv.tv_sec < 0 ? 0 : tv.tv_sec;
	ts->tv_nsec = tv.tv_sec < 0 ? 0 : tv.tv_usec * 1000;
	return 0;
}

static int in_setsockopt(struct socket *s, int level, int name,
			 const void *val, socklen_t len)
{
	struct inet_sock *sk = s->priv;
	if (level == SOL_SOCKET && name == SO_RCVTIMEO_OLD)
		return in_timeo_set(&sk->rcvtimeo, val, len);
	if (level == SOL_SOCKET && name == SO_SNDTIMEO_OLD)
		return in_timeo_set(&sk->sndtimeo, val, len);
	int err = in_opt_find(level, name, true);
	if (err)
		return err;
	return setsockopt(sk->hfd, level, name, val, len) < 0 ? -errno : 0;
}

static int in_getsockopt(struct socket *s, int level, int name, void *val,
			 socklen_t *len)
{
	struct inet_sock *sk = s->priv;
	if (level == SOL_SOCKET &&
	    (name == SO_RCVTIMEO_OLD || name == SO_SNDTIMEO_OLD)) {
		struct timespec ts = name == SO_RCVTIMEO_OLD ? sk->rcvtimeo
							     : sk->sndtimeo;
		struct timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
		*len = RV_MIN(*len, (socklen_t)sizeof(tv));
		memcpy(val, &tv, *len);
		return 0;
	}
	int err = in_opt_find(level, name, false);
	if (err)
		return err;
	return getsockopt(sk->hfd, level, name, val, len) < 0 ? -errno : 0;
}

static unsigned int in_poll(struct socket *s, struct poll_table *pt)
{
	struct inet_sock *sk = s->priv;
	poll_wait(&sk->wq, pt);
	struct pollfd p = {.fd = sk->hfd,
			   .events = POLLIN | POLLOUT | POLLPRI | POLLRDHUP};
	if (poll(&p, 1, 0) <= 0)
		return 0;
	/* poll and epoll bits are the same numbers on Linux. */
	return (unsigned int)(uint16_t)p.revents;
}

static long in_ioctl(struct socket *s, struct task *t, unsigned int cmd,
		     uint64_t arg)
{
	struct inet_sock *sk = s->priv;
	int v;
	if (cmd == SIOCGIFINDEX || cmd == SIOCGIFNAME)
		return inet_ifreq_ioctl(t, cmd, arg);
	if (cmd != FIONREAD && cmd != TIOCOUTQ && cmd != SIOCATMARK)
		return -ENOTTY;
	if (ioctl(sk->hfd, cmd, &v) < 0)
		return -errno;
	return mm_copy_out(t->mm, arg, &v, sizeof(v)) < 0 ? -EFAULT : 0;
}

static void in_release(struct socket *s)
{
	struct inet_sock *sk = s->priv;
	pthread_mutex_lock(&in_lock);
	in_slots[sk->slot].sk = NULL;
	in_slots[sk->slot].gen++;
	epoll_ctl(in_epfd, EPOLL_CTL_DEL, sk->hfd, NULL);
	pthread_mutex_unlock(&in_lock);
	close(sk->hfd);
	free(sk);
	in_dispatch_now(); /* the peer's hang-up */
}

static const struct socket_ops inet_ops = {
	.bind = in_bind,
	.connect = in_connect,
	.listen = in_listen,
	.accept = in_accept,
	.sendmsg = in_sendmsg,
	.recvmsg = in_recvmsg,
	.shutdown = in_shutdown,
	.getname = in_getname,
	.setsockopt = in_setsockopt,
	.getsockopt = in_getsockopt,
	.poll = in_poll,
	.ioctl = in_ioctl,
	.release = in_release,
};
