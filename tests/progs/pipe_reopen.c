/* An anonymous pipe opened again through /proc/self/fd/N (bash's `<(cmd)`
 * hands the command /dev/fd/63): Linux never waits for a partner here,
 * unlike a named FIFO, and a write-only open with no reader left is not
 * ENXIO; the writer may have written and exited before the open. */
#include <signal.h>
#include <sys/wait.h>
#include "testlib.h"

static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

int main(void)
{
	int p[2];
	char buf[16];

	alarm(10); /* a hang ends the test as SIGALRM, exit 142 */
	signal(SIGPIPE, SIG_IGN);

	/* The writer is gone: the reopened read end reads its data, then
	 * EOF, and the open itself did not wait. */
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		_exit(write(p[1], "gone", 4) == 4 ? 0 : 1);
	}
	close(p[1]);
	waitpid(c, NULL, 0);
	int r = tl_err("reopen read end, writer exited", reopen(p[0], O_RDONLY),
		       0);
	close(p[0]);
	if (r >= 0) {
		tl_val("read", read(r, buf, sizeof(buf)), 4);
		tl_val("read at EOF", read(r, buf, sizeof(buf)), 0);
		close(r);
	}

	/* A write end with no reader: opens (blocking or not), writes EPIPE. */
	pipe(p);
	close(p[0]);
	int w = tl_err("reopen write end, no reader", reopen(p[1], O_WRONLY),
		       0);
	if (w >= 0) {
		tl_err("write", write(w, "x", 1), EPIPE);
		close(w);
	}
	w = tl_err("reopen write end nonblocking, no reader",
		   reopen(p[1], O_WRONLY | O_NONBLOCK), 0);
	if (w >= 0)
		close(w);
	close(p[1]);

	/* Both ends alive: data written through one reopened end comes out
	 * of the other. */
	pipe(p);
	r = reopen(p[0], O_RDONLY | O_NONBLOCK);
	w = reopen(p[1], O_WRONLY);
	tl_yes("both reopened", r >= 0 && w >= 0);
	tl_val("write", write(w, "abc", 3), 3);
	tl_val("read from the original end", read(p[0], buf, 1), 1);
	tl_val("read from the reopened end", read(r, buf, sizeof(buf)), 2);
	tl_err("empty, nonblocking", read(r, buf, sizeof(buf)), EAGAIN);
	return tl_done();
}
