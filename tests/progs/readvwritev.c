/* readv/writev gather and scatter in order; bad iovec counts fail. */
#include <sys/uio.h>
#include <limits.h>
#include "testlib.h"

int main(void)
{
	char a[4] = { 0 }, b[8] = { 0 }, c[16] = { 0 };
	struct iovec w[3] = {
		{ "abc", 3 }, { NULL, 0 }, { "defghij", 7 },
	};
	struct iovec r[3] = { { a, 3 }, { b, 4 }, { c, 10 } };
	int fd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);

	tl_val("writev", writev(fd, w, 3), 10);
	lseek(fd, 0, SEEK_SET);
	tl_val("readv", readv(fd, r, 3), 10);
	tl_say("a [%s] b [%s] c [%s]", a, b, c);
	tl_val("preadv at 8", preadv(fd, r, 1, 8), 2);
	tl_say("a [%s]", a);
	tl_val("pwritev at 1", pwritev(fd, w, 1, 1), 3);
	memset(c, 0, sizeof(c));
	tl_val("pread", pread(fd, c, 10, 0), 10);
	tl_say("file [%s]", c);
	tl_val("writev 0 iovecs", writev(fd, w, 0), 0);
	tl_err("writev -1 iovecs", syscall(SYS_writev, fd, w, -1), EINVAL);
	tl_err("writev IOV_MAX+1", syscall(SYS_writev, fd, w, IOV_MAX + 1), EINVAL);
	tl_err("readv iov bad ptr", syscall(SYS_readv, fd, TL_BAD1, 1), EFAULT);
	struct iovec big[2] = { { c, 1 }, { c, (size_t)SSIZE_MAX + 1 } };
	tl_err("writev iov_len above SSIZE_MAX", writev(fd, big, 2), EINVAL);
	close(fd);
	tl_cleanup();
	return tl_done();
}
