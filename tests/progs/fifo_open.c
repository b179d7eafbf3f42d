/* Opening a FIFO blocks until the other end opens (fifo(7)); a reader and
 * a writer that open at the same moment must both get through, every
 * time. busybox sh's `(echo x > f) & cat f` hung now and then. */
#include <signal.h>
#include <sys/wait.h>
#include "testlib.h"

int main(void)
{
	const char *f = tl_tmp("fifo");
	int ok = 0;

	if (mkfifo(f, 0600) < 0) {
		tl_fail("mkfifo");
		return tl_done();
	}
	alarm(20); /* a hang ends the test as SIGALRM, exit 142 */
	for (int i = 0; i < 300; i++) {
		pid_t w = fork();
		if (w == 0) {
			int fd = open(f, O_WRONLY);
			_exit(fd >= 0 && write(fd, "x", 1) == 1 ? 0 : 1);
		}
		int fd = open(f, O_RDONLY);
		char c;
		int n = 0;
		while (read(fd, &c, 1) == 1)
			n++;
		close(fd);
		int st;
		waitpid(w, &st, 0);
		ok += n == 1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	tl_val("rounds with one byte through", ok, 300);
	tl_cleanup();
	return tl_done();
}
