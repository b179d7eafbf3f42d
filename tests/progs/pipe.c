/* pipe2: data round trip in order, flags, EOF, EAGAIN, EPIPE with SIGPIPE
 * ignored. */
#include <signal.h>
#include "testlib.h"

int main(void)
{
	int p[2];
	char buf[100000];

	tl_err("pipe2", pipe2(p, 0), 0);
	tl_yes("two new fds", p[0] >= 3 && p[1] == p[0] + 1);
	tl_val("write a", write(p[1], "first ", 6), 6);
	tl_val("write b", write(p[1], "second", 6), 6);
	tl_val("read all", read(p[0], buf, sizeof(buf)), 12);
	tl_say("got [%.12s]", buf);
	tl_val("F_GETFD", fcntl(p[0], F_GETFD), 0);
	tl_yes("read end O_RDONLY", (fcntl(p[0], F_GETFL) & O_ACCMODE) ==
	       O_RDONLY);
	tl_yes("write end O_WRONLY", (fcntl(p[1], F_GETFL) & O_ACCMODE) ==
	       O_WRONLY);
	tl_err("read on write end", read(p[1], buf, 1), EBADF);
	struct stat st;
	fstat(p[0], &st);
	tl_yes("S_ISFIFO", S_ISFIFO(st.st_mode));
	/* 60 KiB fits in the default 64 KiB pipe buffer. */
	memset(buf, 'x', 60000);
	tl_val("write 60000", write(p[1], buf, 60000), 60000);
	size_t tot = 0;
	ssize_t r;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	while ((r = read(p[0], buf, 7000)) > 0)
		tot += r;
	tl_val("read back", tot, 60000);
	tl_err("empty nonblocking read", r, EAGAIN);
	close(p[1]);
	tl_val("EOF after writer closed", read(p[0], buf, 10), 0);
	close(p[0]);

	tl_err("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(p, O_CLOEXEC | O_NONBLOCK),
	       0);
	tl_val("cloexec", fcntl(p[0], F_GETFD), FD_CLOEXEC);
	tl_yes("nonblock", fcntl(p[1], F_GETFL) & O_NONBLOCK);
	int n = 0;
	while (write(p[1], buf, 4096) == 4096)
		n++;
	tl_say("pages until full %d", n);
	tl_err("full pipe", write(p[1], buf, 4096), EAGAIN);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	tl_err("write with no reader", write(p[1], "x", 1), EPIPE);
	close(p[1]);
	tl_err("pipe2 bad flags", pipe2(p, O_APPEND), EINVAL);
	tl_err("pipe bad ptr", syscall(SYS_pipe2, TL_BAD1, 0), EFAULT);
	return tl_done();
}
