/* uname: the fields a program may rely on. */
#include <sys/utsname.h>
#include "testlib.h"

int main(void)
{
	struct utsname u;

	tl_err("uname", uname(&u), 0);
	tl_say("sysname %s", u.sysname);
	tl_say("machine %s", u.machine);
	tl_yes("release looks like N.N", u.release[0] >= '1' &&
	       u.release[0] <= '9' && strchr(u.release, '.'));
	tl_yes("nodename set", u.nodename[0] != 0);
	tl_yes("version set", u.version[0] != 0);
	tl_yes("NUL-terminated", memchr(u.sysname, 0, sizeof(u.sysname)) &&
	       memchr(u.release, 0, sizeof(u.release)));
	tl_err("uname bad ptr", syscall(SYS_uname, TL_BAD1), EFAULT);
	tl_err("uname kernel ptr", syscall(SYS_uname, TL_BADK), EFAULT);
	return tl_done();
}
