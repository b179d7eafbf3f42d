/* The FIFO open rendezvous with the shortest partner (fifo(7)): the
 * other side opens and closes at once, without reading or writing. An
 * opener must count a partner that was there when it opened even if it is
 * gone by the time the opener looks again: Linux decides under the lock
 * that counts the open. ringvisor rechecked after waking the other side,
 * and an open(O_RDONLY) whose writer had already closed slept forever
 * (fifo_open and dash's `(echo x > f) & cat f` hung now and then).
 *
 * Many rounds in both directions. */
#include <signal.h>
#include <sys/wait.h>
#include "testlib.h"

/* One round: a child opens with child_flags and exits at once; we open
 * with our_flags, read what there is (EOF), close, reap. */
static int round_trip(const char *f, int our_flags, int child_flags)
{
	int ok = 1, st;
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(f, child_flags);
		_exit(fd >= 0 ? 0 : 1);
	}
	int fd = open(f, our_flags);
	if (fd < 0)
		ok = 0;
	if (fd >= 0 && our_flags == O_RDONLY) {
		char b;
		/* The writer wrote nothing: EOF once it is gone. */
		if (read(fd, &b, 1) != 0)
			ok = 0;
	}
	if (fd >= 0)
		close(fd);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0)
		ok = 0;
	return ok;
}

int main(void)
{
	const char *f = tl_tmp("fifo");
	int n;

	if (mkfifo(f, 0600) < 0) {
		tl_fail("mkfifo");
		return tl_done();
	}
	alarm(25); /* a hang ends the test as SIGALRM, exit 142 */

	n = 0;
	for (int i = 0; i < 400; i++)
		n += round_trip(f, O_RDONLY, O_WRONLY);
	tl_val("reader opens, a writer comes and goes", n, 400);

	n = 0;
	for (int i = 0; i < 400; i++)
		n += round_trip(f, O_WRONLY, O_RDONLY);
	tl_val("writer opens, a reader comes and goes", n, 400);

	tl_cleanup();
	return tl_done();
}
