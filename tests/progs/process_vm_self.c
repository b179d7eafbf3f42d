/* process_vm_readv(2) on the caller's own process needs no permission
 * (Linux's __ptrace_may_access() allows the same thread group first),
 * whatever its uids: with real uid 0 and effective uid 1000 the sandbox
 * compared the credentials and said EPERM. Another thread of it counts
 * as its own too. Run as root natively. */
#include <pthread.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "testlib.h"

static char secret[16] = "hello";
static pid_t main_tid;

static void *reader(void *arg)
{
	(void)arg;
	char buf[16] = {0};
	struct iovec l = {buf, sizeof(buf)}, r = {secret, sizeof(secret)};
	tl_val("another thread reads the main thread",
	       process_vm_readv(main_tid, &l, 1, &r, 1, 0), sizeof(buf));
	return NULL;
}

int main(void)
{
	if (geteuid() != 0) {
		tl_say("not root");
		return 0;
	}
	pid_t p = fork();
	if (p == 0) {
		tl_failed = 0;
		if (setresuid(0, 1000, 0))
			_exit(1);
		char buf[16] = {0};
		struct iovec l = {buf, sizeof(buf)},
			     r = {secret, sizeof(secret)};
		tl_val("real uid 0, effective 1000: itself",
		       process_vm_readv(getpid(), &l, 1, &r, 1, 0),
		       sizeof(buf));
		tl_yes("read its bytes", !strcmp(buf, "hello"));
		main_tid = getpid();
		pthread_t th;
		pthread_create(&th, NULL, reader, NULL);
		pthread_join(th, NULL);
		_exit(tl_done());
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		tl_fail("child");
	return tl_done();
}
