/* AF_INET through the host: a TCP echo between two processes over
 * 127.0.0.1, non-blocking connect, UDP, options, a refused connection and
 * a signal interrupting accept. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include "testlib.h"

static void on_alarm(int s) { (void)s; }

int main(void)
{
	char buf[64];
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	tl_yes("socket", ls >= 0);
	int one = 1;
	tl_err("SO_REUSEADDR", setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one,
					  sizeof(one)), 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	tl_err("bind", bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	tl_err("bind short", bind(socket(AF_INET, SOCK_STREAM, 0),
				  (struct sockaddr *)&a, 8), EINVAL);
	socklen_t l = sizeof(a);
	tl_err("getsockname", getsockname(ls, (struct sockaddr *)&a, &l), 0);
	tl_yes("port assigned", a.sin_port != 0);
	tl_err("listen", listen(ls, 8), 0);

	pid_t pid = fork();
	if (pid == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
			_exit(2);
		const char msg[] = "hello over tcp";
		write(c, msg, sizeof(msg));
		char b[64];
		size_t got = 0;
		while (got < sizeof(msg)) {
			ssize_t n = read(c, b + got, sizeof(b) - got);
			if (n <= 0)
				_exit(3);
			got += (size_t)n;
		}
		_exit(memcmp(b, msg, sizeof(msg)) ? 4 : 0);
	}
	struct sockaddr_in peer;
	l = sizeof(peer);
	int as = accept(ls, (struct sockaddr *)&peer, &l);
	tl_yes("accept", as >= 0);
	tl_yes("peer is loopback", l == sizeof(peer) &&
	       peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	ssize_t n;
	size_t got = 0;
	while (got < 15) {
		n = read(as, buf + got, sizeof(buf) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	tl_val("server got", (long)got, 15);
	tl_val("echo", write(as, buf, got), 15);
	int st;
	waitpid(pid, &st, 0);
	tl_yes("client saw the echo", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tl_val("EOF", read(as, buf, sizeof(buf)), 0);
	int v;
	l = sizeof(v);
	tl_err("TCP_NODELAY", setsockopt(as, IPPROTO_TCP, TCP_NODELAY, &one,
					 sizeof(one)), 0);
	getsockopt(as, IPPROTO_TCP, TCP_NODELAY, &v, &l);
	tl_yes("nodelay on", v != 0);
	l = sizeof(v);
	getsockopt(as, SOL_SOCKET, SO_TYPE, &v, &l);
	tl_val("SO_TYPE", v, SOCK_STREAM);
	close(as);

	/* Non-blocking connect: EINPROGRESS or done at once, then writable
	 * with SO_ERROR 0. */
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int r = connect(c, (struct sockaddr *)&a, sizeof(a));
	tl_yes("connect in progress", r == 0 || errno == EINPROGRESS);
	struct pollfd p = {.fd = c, .events = POLLOUT};
	tl_val("poll writable", poll(&p, 1, 5000), 1);
	l = sizeof(v);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &l);
	tl_val("SO_ERROR", v, 0);
	as = accept(ls, NULL, NULL);
	tl_yes("accepted", as >= 0);
	tl_err("nonblocking recv", recv(c, buf, 1, 0), EAGAIN);
	send(as, "x", 1, 0);
	p.fd = c;
	p.events = POLLIN;
	tl_val("poll readable", poll(&p, 1, 5000), 1);
	tl_val("recv", recv(c, buf, 10, 0), 1);
	close(c);
	close(as);

	/* A signal interrupts a blocking accept (no SA_RESTART). */
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);
	ualarm(50000, 0);
	tl_err("accept EINTR", accept(ls, NULL, NULL), EINTR);
	close(ls);

	/* Nobody listens there any more. */
	c = socket(AF_INET, SOCK_STREAM, 0);
	tl_err("refused", connect(c, (struct sockaddr *)&a, sizeof(a)),
	       ECONNREFUSED);
	close(c);

	/* UDP. */
	int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET,
							      SOCK_DGRAM, 0);
	struct sockaddr_in ua = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	bind(u1, (struct sockaddr *)&ua, sizeof(ua));
	l = sizeof(ua);
	getsockname(u1, (struct sockaddr *)&ua, &l);
	tl_val("sendto", sendto(u2, "dgram", 5, 0, (struct sockaddr *)&ua,
				sizeof(ua)), 5);
	struct sockaddr_in from;
	l = sizeof(from);
	tl_val("recvfrom", recvfrom(u1, buf, sizeof(buf), 0,
				    (struct sockaddr *)&from, &l), 5);
	tl_yes("from loopback", l == sizeof(from) &&
	       from.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	tl_err("socketpair inet", socketpair(AF_INET, SOCK_STREAM, 0,
					      (int[2]){0}), EOPNOTSUPP);
	return tl_done();
}
