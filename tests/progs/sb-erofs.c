/* Sandbox only: the host's / is read-only in the sandbox (issue 3), so
 * writes outside /tmp fail with EROFS while /tmp works. Natively the tests
 * run as root on a writable /, so this cannot be compared.
 *
 * Every step is harmless on a writable / (no truncation, no unlink of a
 * real file), and the program refuses to go on if / turns out writable:
 * run natively by mistake, it must not damage the host. */
#include <sys/vfs.h>
#include "testlib.h"

int main(void)
{
	struct stat st;
	struct statfs sf;

	/* Once the gofer issue's overlay is the root, / is writable by
	 * design and sb-ov-root tests it: skip (77, see tests/run.sh). */
	if (statfs("/", &sf) == 0 && sf.f_type == 0x794c7630) {
		tl_say("/ is an overlay: EROFS no longer applies");
		return 77;
	}
	if (access("/etc", W_OK) == 0) {
		tl_say("/etc is writable: not in a sandbox, refusing to run");
		return 2;
	}
	tl_err("access W_OK /etc", access("/etc", W_OK), EROFS);
	tl_err("create /etc/rvtest", open("/etc/rvtest", O_WRONLY | O_CREAT,
					   0644), EROFS);
	tl_err("open /etc/passwd O_WRONLY", open("/etc/passwd", O_WRONLY),
	       EROFS);
	tl_err("open /etc/passwd O_RDWR|O_APPEND",
	       open("/etc/passwd", O_RDWR | O_APPEND), EROFS);
	tl_err("mkdir /rvtest", mkdir("/rvtest", 0755), EROFS);
	tl_err("mkdir /etc (exists)", mkdir("/etc", 0755), EEXIST);
	stat("/etc/passwd", &st);
	tl_err("chmod /etc/passwd to its mode",
	       chmod("/etc/passwd", st.st_mode & 07777), EROFS);
	tl_err("rename /etc/passwd onto itself",
	       rename("/etc/passwd", "/etc/passwd"), EROFS);
	tl_err("open /etc/passwd O_RDONLY", tl_fdclose(open("/etc/passwd",
						       O_RDONLY)), 0);
	tl_err("create in /tmp", tl_fdclose(open(tl_tmp("f"), O_WRONLY | O_CREAT,
					    0644)), 0);
	tl_cleanup();
	return tl_done();
}
