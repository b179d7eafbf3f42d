/* epoll_wait(2) returns up to maxevents ready descriptors, however many
 * (Python's EpollSelector asks for all its registered ones; test_selectors
 * test_above_fd_setsize registers thousands). */
#include <sys/epoll.h>
#include <sys/resource.h>
#include "testlib.h"

#define NPIPES 1500

int main(void)
{
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 2 * NPIPES + 16) {
		tl_say("RLIMIT_NOFILE too low");
		return 1;
	}
	int ep = epoll_create1(0);
	int n = 0;
	for (int i = 0; i < NPIPES; i++) {
		int p[2];
		if (pipe(p) < 0)
			break;
		struct epoll_event ev = {.events = EPOLLOUT, .data.fd = p[1]};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev) == 0)
			n++;
	}
	tl_val("registered", n, NPIPES);
	static struct epoll_event out[2 * NPIPES];
	tl_val("ready, maxevents 2n", epoll_wait(ep, out, 2 * NPIPES, 0),
	       NPIPES);
	tl_val("ready, maxevents n-1", epoll_wait(ep, out, NPIPES - 1, 0),
	       NPIPES - 1);
	return tl_done();
}
