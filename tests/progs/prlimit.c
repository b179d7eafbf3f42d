/* prlimit64/getrlimit/setrlimit of RLIMIT_NOFILE, and the limit holds. */
#include <sys/resource.h>
#include "testlib.h"

int main(void)
{
	struct rlimit r, o;

	tl_err("getrlimit", getrlimit(RLIMIT_NOFILE, &r), 0);
	tl_yes("soft <= hard", r.rlim_cur <= r.rlim_max);
	tl_yes("soft >= 64", r.rlim_cur >= 64);
	int open_below = 0;
	for (int i = 0; i < 10; i++)
		open_below += fcntl(i, F_GETFD) >= 0;
	struct rlimit n = { 10, r.rlim_max };
	tl_err("prlimit set 10", prlimit(0, RLIMIT_NOFILE, &n, &o), 0);
	tl_yes("old returned", o.rlim_cur == r.rlim_cur);
	prlimit(0, RLIMIT_NOFILE, NULL, &o);
	tl_yes("now 10", o.rlim_cur == 10);
	int fds = 0, fd;
	while ((fd = open("/dev/null", O_RDONLY)) >= 0)
		fds++;
	tl_err("open beyond limit", fd, EMFILE);
	tl_yes("opened exactly up to the limit", fds + open_below == 10);
	tl_err("dup2 beyond limit", dup2(0, 10), EBADF);
	for (int i = 3; i < 10; i++)
		close(i);
	struct rlimit bad = { r.rlim_max + 1, r.rlim_max };
	if (r.rlim_max != RLIM_INFINITY)
		tl_err("soft > hard", setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	else
		tl_say("soft > hard = EINVAL");
	tl_err("restore", setrlimit(RLIMIT_NOFILE, &r), 0);
	tl_err("get RLIMIT_STACK", getrlimit(RLIMIT_STACK, &o), 0);
	tl_yes("stack >= 1 MiB", o.rlim_cur >= (1 << 20));
	tl_err("bad resource", getrlimit(99, &o), EINVAL);
	tl_err("bad ptr", syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL,
				  TL_BAD1), EFAULT);
	tl_err("other pid", prlimit(99999999, RLIMIT_NOFILE, NULL, &o), ESRCH);
	return tl_done();
}
