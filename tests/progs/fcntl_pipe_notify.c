/* fcntl(2) calls Python's test_fcntl makes: F_SETPIPE_SZ changes a pipe's
 * capacity (rounded up to a power-of-two number of pages) and F_GETPIPE_SZ
 * reports it; F_NOTIFY with DN_MULTISHOT (above 2^31) on a directory. */
#include <fcntl.h>
#include "testlib.h"

int main(void)
{
	int p[2];

	if (pipe(p) < 0) {
		tl_fail("pipe");
		return tl_done();
	}
	long def = fcntl(p[1], F_GETPIPE_SZ);
	tl_val("default size", def, 65536);
	tl_val("set 32768", fcntl(p[1], F_SETPIPE_SZ, 32768), 32768);
	tl_val("get after set", fcntl(p[1], F_GETPIPE_SZ), 32768);
	tl_val("read end sees it", fcntl(p[0], F_GETPIPE_SZ), 32768);
	tl_val("set 5000 rounds up", fcntl(p[1], F_SETPIPE_SZ, 5000), 8192);
	tl_val("set 1 is a page", fcntl(p[1], F_SETPIPE_SZ, 1), 4096);
	tl_err("on a file", fcntl(0, F_GETPIPE_SZ), EBADF);
	close(p[0]);
	close(p[1]);

	int d = open("/tmp", O_RDONLY | O_DIRECTORY);
	tl_err("F_NOTIFY DN_MULTISHOT", fcntl(d, F_NOTIFY,
		DN_CREATE | DN_MULTISHOT), 0);
	close(d);
	return tl_done();
}
