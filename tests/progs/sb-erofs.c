/* Sandbox only: the host's / is read-only in the sandbox (issue 3), so
 * writes outside /tmp fail with EROFS while /tmp works. Natively the tests
 * run as root on a writable /, so this cannot be compared. */
#include "testlib.h"

int main(void)
{
	tl_err("create /etc/rvtest", open("/etc/rvtest", O_WRONLY | O_CREAT,
					   0644), EROFS);
	tl_err("open /etc/passwd O_WRONLY", open("/etc/passwd", O_WRONLY),
	       EROFS);
	tl_err("open /etc/passwd O_RDWR|O_TRUNC",
	       open("/etc/passwd", O_RDWR | O_TRUNC), EROFS);
	tl_err("mkdir /rvtest", mkdir("/rvtest", 0755), EROFS);
	tl_err("unlink /etc/hostname", unlink("/etc/hostname"), EROFS);
	tl_err("access W_OK /etc/passwd", access("/etc/passwd", W_OK), EROFS);
	tl_err("open /etc/passwd O_RDONLY", close(open("/etc/passwd",
						       O_RDONLY)), 0);
	tl_err("create in /tmp", close(open(tl_tmp("f"), O_WRONLY | O_CREAT,
					    0644)), 0);
	tl_cleanup();
	return tl_done();
}
