/* Closing the last descriptor of a file releases it even while an epoll
 * set watches it: epoll holds no reference (epoll(7), "Q6"), the file
 * leaves the set. Python's selectors close sockets still registered. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include "testlib.h"

int main(void)
{
	int p[2];
	int ep = epoll_create1(0);

	signal(SIGPIPE, SIG_IGN);
	pipe(p);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = p[0]};
	tl_err("watch read end", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), 0);
	close(p[0]);
	tl_err("write without a reader", write(p[1], "x", 1), EPIPE);
	struct epoll_event out[4];
	tl_val("nothing ready", epoll_wait(ep, out, 4, 0), 0);

	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	bind(l, (struct sockaddr *)&a, sizeof(a));
	listen(l, 4);
	getsockname(l, (struct sockaddr *)&a, &len);
	ev.data.fd = l;
	tl_err("watch listener", epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev), 0);
	close(l);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	tl_err("connect to the closed listener",
	       connect(c, (struct sockaddr *)&a, sizeof(a)), ECONNREFUSED);
	close(c);
	return tl_done();
}
