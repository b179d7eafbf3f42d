/* Sandbox only: sethostname(2)/setdomainname(2) change the sandbox's own
 * UTS names (its UTS namespace), seen by uname(2); the host's are not
 * touched. Natively as root this would rename the host: refuses. */
#include <sys/utsname.h>
#include "testlib.h"

int main(void)
{
	struct utsname u;
	char big[65];

	if (getpid() != 1) {
		tl_say("not pid 1: not in a sandbox, refusing");
		return 1;
	}
	tl_err("sethostname", sethostname("rv-test-host", 12), 0);
	tl_err("setdomainname", setdomainname("rv.example", 10), 0);
	uname(&u);
	tl_say("nodename %s", u.nodename);
	tl_say("domainname %s", u.domainname);
	memset(big, 'x', sizeof(big));
	tl_err("65 bytes", sethostname(big, 65), EINVAL);
	tl_err("64 bytes", sethostname(big, 64), 0);
	uname(&u);
	tl_val("stored length", (long)strnlen(u.nodename, 65), 64);
	tl_err("bad pointer", syscall(SYS_sethostname, TL_BAD1, 4), EFAULT);
	setresuid(1000, 1000, 1000);
	tl_err("unprivileged", sethostname("x", 1), EPERM);
	return tl_done();
}
