/* Unix domain sockets: socketpair of each type, message boundaries and
 * truncation, SCM_RIGHTS and SCM_CREDENTIALS, SO_PEERCRED, shutdown, EPIPE,
 * poll readiness, path and abstract bind/listen/connect/accept, names. */
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include "testlib.h"

static int send_fd(int s, int fd)
{
	char c = 'F';
	struct iovec iov = {&c, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
			   .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(int));
	return sendmsg(s, &m, 0);
}

static int recv_fd(int s, int *flags)
{
	char c;
	struct iovec iov = {&c, 1};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
			   .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
	if (recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	*flags = m.msg_flags;
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	if (!h || h->cmsg_type != SCM_RIGHTS)
		return -2;
	int fd;
	memcpy(&fd, CMSG_DATA(h), sizeof(int));
	return fd;
}

int main(void)
{
	int sv[2], r;
	char buf[256];
	signal(SIGPIPE, SIG_IGN);

	tl_err("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	tl_val("write", write(sv[0], "hello", 5), 5);
	tl_val("write 2", send(sv[0], " world", 6, 0), 6);
	tl_val("stream joins", read(sv[1], buf, sizeof(buf)), 11);
	tl_say("got [%.11s]", buf);
	tl_err("empty nonblocking", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	send(sv[1], "abc", 3, 0);
	tl_val("peek", recv(sv[0], buf, 10, MSG_PEEK), 3);
	tl_val("after peek", recv(sv[0], buf, 2, 0), 2);
	tl_val("rest", recv(sv[0], buf, 10, 0), 1);
	int v;
	socklen_t l = sizeof(v);
	tl_err("SO_TYPE", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &l), 0);
	tl_val("type", v, SOCK_STREAM);
	struct ucred cr;
	l = sizeof(cr);
	tl_err("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr,
					 &l), 0);
	tl_yes("peer is me", cr.pid == getpid() && cr.uid == geteuid());
	struct stat st;
	fstat(sv[0], &st);
	tl_yes("S_ISSOCK", S_ISSOCK(st.st_mode));
	struct pollfd p = {.fd = sv[1], .events = POLLIN | POLLOUT};
	tl_val("poll writable", poll(&p, 1, 0), 1);
	tl_val("revents", p.revents, POLLOUT);
	tl_err("shutdown WR", shutdown(sv[0], SHUT_WR), 0);
	p.events = POLLIN | POLLRDHUP;
	poll(&p, 1, 0);
	tl_yes("peer sees RDHUP", (p.revents & (POLLIN | POLLRDHUP)) ==
	       (POLLIN | POLLRDHUP));
	tl_val("EOF", read(sv[1], buf, 10), 0);
	tl_err("write after shutdown", write(sv[0], "x", 1), EPIPE);
	tl_err("bad how", shutdown(sv[0], 7), EINVAL);
	close(sv[1]);
	tl_err("peer closed", send(sv[0], "x", 1, MSG_NOSIGNAL), EPIPE);
	close(sv[0]);

	/* SEQPACKET and DGRAM keep message boundaries. */
	tl_err("seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	send(sv[0], "one", 3, 0);
	send(sv[0], "two!", 4, 0);
	tl_val("first msg", recv(sv[1], buf, 100, 0), 3);
	struct iovec iov = {buf, 2};
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	tl_val("truncated", recvmsg(sv[1], &m, 0), 2);
	tl_yes("MSG_TRUNC", m.msg_flags & MSG_TRUNC);
	close(sv[0]);
	tl_val("EOF seqpacket", recv(sv[1], buf, 10, 0), 0);
	close(sv[1]);
	tl_err("dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	send(sv[0], "a", 1, 0);
	send(sv[0], "bcd", 3, 0);
	tl_val("dgram 1", recv(sv[1], buf, 100, 0), 1);
	tl_val("dgram MSG_TRUNC real length", recv(sv[1], buf, 1, MSG_TRUNC),
	       3);
	tl_err("dgram empty", recv(sv[1], buf, 1, MSG_DONTWAIT), EAGAIN);
	close(sv[0]);
	close(sv[1]);

	/* SCM_RIGHTS: a pipe's read end travels through the socket. */
	int pp[2];
	pipe(pp);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	tl_val("sendmsg fd", send_fd(sv[0], pp[0]), 1);
	close(pp[0]);
	int fl = 0;
	int nfd = recv_fd(sv[1], &fl);
	tl_yes("received fd", nfd >= 0);
	tl_val("cloexec", fcntl(nfd, F_GETFD), FD_CLOEXEC);
	write(pp[1], "via fd", 6);
	tl_val("read through passed fd", read(nfd, buf, 10), 6);
	close(nfd);
	/* A too-small control buffer: the fd is dropped, MSG_CTRUNC. */
	send_fd(sv[0], pp[1]);
	char c;
	char small[4];
	iov.iov_base = &c;
	iov.iov_len = 1;
	struct msghdr m2 = {.msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = small, .msg_controllen = 4};
	tl_val("recv small control", recvmsg(sv[1], &m2, 0), 1);
	tl_yes("MSG_CTRUNC", m2.msg_flags & MSG_CTRUNC);
	tl_val("controllen", m2.msg_controllen, 0);
	tl_err("SCM_RIGHTS bad fd", send_fd(sv[0], 555), EBADF);

	/* SCM_CREDENTIALS with SO_PASSCRED. */
	int one = 1;
	tl_err("SO_PASSCRED", setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one,
					 sizeof(one)), 0);
	send(sv[0], "c", 1, 0);
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(struct ucred))];
	} cu;
	struct msghdr m3 = {.msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cu.b, .msg_controllen = sizeof(cu.b)};
	tl_val("recv creds", recvmsg(sv[1], &m3, 0), 1);
	struct cmsghdr *h = CMSG_FIRSTHDR(&m3);
	tl_yes("SCM_CREDENTIALS", h && h->cmsg_type == SCM_CREDENTIALS);
	if (h) {
		memcpy(&cr, CMSG_DATA(h), sizeof(cr));
		tl_yes("creds are mine", cr.pid == getpid() &&
		       cr.uid == getuid() && cr.gid == getgid());
	}
	close(sv[0]);
	close(sv[1]);

	/* Path and abstract addresses. */
	/* Names of this process's own: the native runs of both platforms
	 * overlap, in one network namespace and one /tmp. */
	char path[64];
	snprintf(path, sizeof(path), "/tmp/ev-unix.%06d.sock",
		 (int)getpid() % 1000000);
	unlink(path);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	strcpy(a.sun_path, path);
	tl_err("listen unbound", listen(ls, 5), EINVAL);
	tl_err("bind", bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	stat(path, &st);
	tl_yes("socket inode", S_ISSOCK(st.st_mode));
	int ls2 = socket(AF_UNIX, SOCK_STREAM, 0);
	tl_err("bind in use", bind(ls2, (struct sockaddr *)&a, sizeof(a)),
	       EADDRINUSE);
	tl_err("connect before listen", connect(ls2, (struct sockaddr *)&a,
						sizeof(a)), ECONNREFUSED);
	tl_err("listen", listen(ls, 5), 0);
	int cs = socket(AF_UNIX, SOCK_STREAM, 0);
	tl_err("connect", connect(cs, (struct sockaddr *)&a, sizeof(a)), 0);
	tl_err("connect again", connect(cs, (struct sockaddr *)&a, sizeof(a)),
	       EISCONN);
	p.fd = ls;
	p.events = POLLIN;
	tl_val("listener readable", poll(&p, 1, 1000), 1);
	struct sockaddr_un peer;
	socklen_t pl = sizeof(peer);
	int as = accept4(ls, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK);
	tl_yes("accept4", as >= 0);
	tl_val("unnamed peer len", pl, sizeof(sa_family_t));
	tl_yes("nonblock", fcntl(as, F_GETFL) & O_NONBLOCK);
	struct sockaddr_un nm;
	socklen_t nl = sizeof(nm);
	getpeername(cs, (struct sockaddr *)&nm, &nl);
	tl_yes("peer name is path", nl == offsetof(struct sockaddr_un,
						   sun_path) + strlen(path) + 1
	       && !strcmp(nm.sun_path, path));
	nl = sizeof(nm);
	getsockname(as, (struct sockaddr *)&nm, &nl);
	tl_yes("accepted has the listener's name", !strcmp(nm.sun_path, path));
	tl_val("client to server", write(cs, "ping", 4), 4);
	tl_val("server reads", read(as, buf, 10), 4);
	fcntl(ls, F_SETFL, O_NONBLOCK);
	tl_err("accept nonblock", accept(ls, NULL, NULL), EAGAIN);
	nl = sizeof(nm);
	tl_err("getpeername unconnected", getpeername(ls, (struct sockaddr *)&nm,
						      &nl), ENOTCONN);
	close(ls);
	tl_err("connect after close", connect(ls2, (struct sockaddr *)&a,
					      sizeof(a)), ECONNREFUSED);
	unlink(path);
	close(ls2);
	close(cs);
	close(as);

	/* Abstract: a leading NUL, no file. */
	struct sockaddr_un ab = {.sun_family = AF_UNIX};
	snprintf(ab.sun_path + 1, sizeof(ab.sun_path) - 1, "ev-a%07d",
		 (int)getpid() % 10000000);
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 12;
	int d1 = socket(AF_UNIX, SOCK_DGRAM, 0);
	int d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	tl_err("bind abstract", bind(d1, (struct sockaddr *)&ab, alen), 0);
	tl_val("sendto abstract", sendto(d2, "dg", 2, 0, (struct sockaddr *)&ab,
					 alen), 2);
	struct sockaddr_un from;
	socklen_t fl2 = sizeof(from);
	tl_val("recvfrom", recvfrom(d1, buf, 10, 0, (struct sockaddr *)&from,
				    &fl2), 2);
	tl_val("unbound sender", fl2, 0);
	tl_err("autobind", bind(d2, (struct sockaddr *)&ab, sizeof(sa_family_t)),
	       0);
	fl2 = sizeof(from);
	getsockname(d2, (struct sockaddr *)&from, &fl2);
	tl_yes("autobound name", fl2 == offsetof(struct sockaddr_un, sun_path)
	       + 6 && from.sun_path[0] == 0);
	tl_err("dgram no dest", send(d2, "x", 1, 0), ENOTCONN);
	tl_err("sendto stream type", sendto(socket(AF_UNIX, SOCK_STREAM, 0),
					    "x", 1, 0, (struct sockaddr *)&ab,
					    alen), EOPNOTSUPP);
	tl_err("bad addrlen", bind(d2, (struct sockaddr *)&ab, 200), EINVAL);
	tl_err("bad family", socket(12345, SOCK_STREAM, 0), EAFNOSUPPORT);
	tl_err("bad type", socket(AF_UNIX, 77, 0), EINVAL);
	tl_err("unsupported type", socket(AF_UNIX, SOCK_DCCP, 0),
	       ESOCKTNOSUPPORT);
	tl_err("ENOTSOCK", listen(0, 1), ENOTSOCK);
	tl_err("inet pair", socketpair(AF_INET, SOCK_STREAM, 0, sv),
	       EOPNOTSUPP);

	/* A child process talks over a socketpair. */
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		char b[16];
		ssize_t n = read(sv[1], b, sizeof(b));
		write(sv[1], b, n > 0 ? n : 0);
		_exit(0);
	}
	close(sv[1]);
	write(sv[0], "echo", 4);
	r = read(sv[0], buf, 10);
	tl_val("echo from child", r, 4);
	int status;
	waitpid(pid, &status, 0);
	tl_val("child EOF", read(sv[0], buf, 10), 0);
	return tl_done();
}
