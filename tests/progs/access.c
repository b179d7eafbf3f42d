/* faccessat / access: existence and permission checks. Writing checks are
 * made only on /tmp, since / is read-only in the sandbox (EROFS). */
#include "testlib.h"

int main(void)
{
	const char *p = tl_tmp("f");

	tl_write_file(p, "", 0);
	tl_err("F_OK /etc/passwd", access("/etc/passwd", F_OK), 0);
	tl_err("R_OK /etc/passwd", access("/etc/passwd", R_OK), 0);
	tl_err("X_OK /bin/busybox", access("/bin/busybox", X_OK), 0);
	tl_err("F_OK missing", access("/nonexistent-rv", F_OK), ENOENT);
	tl_err("W_OK tmp file", access(p, W_OK), 0);
	tl_err("R_OK|W_OK tmp dir", access(tl_tmpdir(), R_OK | W_OK | X_OK),
	       0);
	tl_err("faccessat relative", faccessat(open(tl_tmpdir(), O_RDONLY),
					       "f", R_OK, 0), 0);
	tl_err("bad mode", access(p, 0x100), EINVAL);
	tl_err("missing parent", access(tl_tmp("no/f"), F_OK), ENOENT);
	tl_err("through a file", access(tl_tmp("f/x"), F_OK), ENOTDIR);
	tl_err("bad path ptr", syscall(SYS_faccessat, AT_FDCWD, TL_BAD1,
				       F_OK, 0), EFAULT);
	tl_cleanup();
	return tl_done();
}
