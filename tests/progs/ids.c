/* Identity calls: relations that hold natively and in the sandbox (the
 * pid values themselves differ: sb-pid1 checks the sandbox's). */
#include "testlib.h"

int main(void)
{
	pid_t pid = getpid();

	tl_yes("pid > 0", pid > 0);
	tl_yes("ppid >= 0", getppid() >= 0);
	tl_yes("ppid != pid", getppid() != pid);
	tl_yes("tid == pid (main thread)", syscall(SYS_gettid) == pid);
	tl_yes("pid stable", getpid() == pid);
	tl_yes("uid == euid", getuid() == geteuid());
	tl_yes("gid == egid", getgid() == getegid());
	uid_t r, e, s;
	gid_t rg, eg, sg;
	tl_err("getresuid", getresuid(&r, &e, &s), 0);
	tl_yes("resuid consistent", r == getuid() && e == geteuid() && s == e);
	tl_err("getresgid", getresgid(&rg, &eg, &sg), 0);
	tl_yes("resgid consistent", rg == getgid() && eg == getegid());
	/* A session or group led from outside our pid namespace reads as 0
	 * (as under a CI runner's container), so only >= 0 holds everywhere. */
	tl_yes("pgid >= 0", getpgid(0) >= 0);
	tl_yes("sid >= 0", getsid(0) >= 0);
	tl_err("getresuid bad ptr", syscall(SYS_getresuid, TL_BAD1, &e, &s),
	       EFAULT);
	int n = getgroups(0, NULL);
	tl_yes("getgroups count >= 0", n >= 0);
	return tl_done();
}
