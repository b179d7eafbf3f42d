/* dup/dup2/dup3 share the file description and pick fds as Linux does. */
#include "testlib.h"

int main(void)
{
	int fd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);
	int d;

	tl_val("dup gets lowest free", d = dup(fd), fd + 1);
	write(fd, "abc", 3);
	tl_val("shared offset", lseek(d, 0, SEEK_CUR), 3);
	tl_val("dup clears FD_CLOEXEC", fcntl(d, F_GETFD), 0);
	tl_val("dup2 to 10", dup2(fd, 10), 10);
	tl_val("dup2 same fd", dup2(fd, fd), fd);
	tl_err("dup2 bad old", dup2(77, 11), EBADF);
	tl_val("dup2 over open fd", dup2(d, 10), 10);
	tl_val("dup3 CLOEXEC", dup3(fd, 12, O_CLOEXEC), 12);
	tl_val("dup3 set FD_CLOEXEC", fcntl(12, F_GETFD), FD_CLOEXEC);
	tl_err("dup3 same fd", dup3(fd, fd, 0), EINVAL);
	tl_err("dup3 bad flags", dup3(fd, 13, O_APPEND), EINVAL);
	tl_err("dup2 to negative", dup2(fd, -1), EBADF);
	tl_err("dup2 to huge", dup2(fd, 1 << 30), EBADF);
	tl_err("dup bad", dup(-1), EBADF);
	close(fd);
	tl_val("dup still works after close of original",
	       lseek(10, 0, SEEK_END), 3);
	tl_val("fd reused after close", dup(10), fd);
	tl_cleanup();
	return tl_done();
}
