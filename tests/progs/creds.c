/* Credentials: the set*id family and capabilities follow credentials(7).
 * Runs as root (native and sandbox alike) and drops privilege step by
 * step; every transition is checked against what Linux allows. */
#include "testlib.h"

#include <grp.h>
#include <linux/capability.h>
#include <sys/fsuid.h>

static void ids(const char *what)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	tl_say("%s uid %u %u %u gid %u %u %u", what, r, e, s, gr, ge, gs);
}

static int capeff0(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	return d[0].effective != 0;
}

int main(void)
{
	if (getuid() != 0) {
		tl_say("not root: nothing to check");
		return 0;
	}
	ids("start");
	tl_val("root has capabilities", capeff0(), 1);
	gid_t groups[3] = {10, 20, 30};
	tl_err("setgroups 3", setgroups(3, groups), 0);
	gid_t got[8];
	tl_val("getgroups", getgroups(8, got), 3);
	tl_val("getgroups count only", getgroups(0, NULL), 3);
	tl_err("getgroups too small", getgroups(1, got), EINVAL);
	tl_err("setresgid 100 200 300", setresgid(100, 200, 300), 0);
	ids("after setresgid");
	tl_err("setresuid 1000 1001 0", setresuid(1000, 1001, 0), 0);
	ids("after setresuid");
	tl_val("unprivileged: no capabilities", capeff0(), 0);
	tl_err("setgroups unprivileged", setgroups(0, NULL), EPERM);
	tl_err("seteuid to saved 0", seteuid(0), 0);
	ids("euid back to 0");
	tl_err("setuid 2000 as root", setuid(2000), 0);
	ids("after setuid 2000");
	tl_err("setuid 0 now", setuid(0), EPERM);
	tl_err("setresuid to others", setresuid(5, 5, 5), EPERM);
	tl_err("setreuid -1 2000", setreuid(-1, 2000), 0);
	tl_err("setgid 7 unprivileged", setgid(7), EPERM);
	tl_err("setgid to real 100", setgid(100), 0);
	ids("end");
	tl_val("setfsuid query", setfsuid(-1), 2000);
	return tl_done();
}
