/* open/read/write/lseek/close of a file on /tmp. */
#include "testlib.h"

int main(void)
{
	const char *p = tl_tmp("f");
	char buf[64] = { 0 };
	int fd;

	fd = open(p, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (!tl_yes("open O_CREAT|O_EXCL", fd >= 0))
		return tl_done();
	tl_yes("new fd is lowest free (3)", fd == 3);
	tl_val("write 11", write(fd, "hello world", 11), 11);
	tl_val("read at eof", read(fd, buf, sizeof(buf)), 0);
	tl_val("lseek 0 SET", lseek(fd, 0, SEEK_SET), 0);
	tl_val("read 5", read(fd, buf, 5), 5);
	tl_say("got [%s]", buf);
	tl_val("lseek CUR +1", lseek(fd, 1, SEEK_CUR), 6);
	memset(buf, 0, sizeof(buf));
	tl_val("read rest", read(fd, buf, sizeof(buf)), 5);
	tl_say("got [%s]", buf);
	tl_val("write 0 bytes", write(fd, buf, 0), 0);
	tl_val("read 0 bytes", read(fd, buf, 0), 0);
	tl_err("close", close(fd), 0);
	tl_err("close again", close(fd), EBADF);
	tl_err("read closed fd", read(fd, buf, 1), EBADF);
	tl_err("write fd -1", write(-1, buf, 1), EBADF);
	tl_err("read fd 100000", read(100000, buf, 1), EBADF);

	fd = open(p, O_RDONLY);
	tl_err("write on O_RDONLY", write(fd, "x", 1), EBADF);
	close(fd);
	fd = open(p, O_WRONLY);
	tl_err("read on O_WRONLY", read(fd, buf, 1), EBADF);
	close(fd);
	fd = open(tl_tmpdir(), O_RDONLY);
	tl_err("read a directory", read(fd, buf, 1), EISDIR);
	close(fd);
	tl_err("open dir O_WRONLY", open(tl_tmpdir(), O_WRONLY), EISDIR);
	tl_err("open missing", open(tl_tmp("nope"), O_RDONLY), ENOENT);
	tl_err("open missing/x", open(tl_tmp("nope/x"), O_RDONLY | O_CREAT,
				      0600), ENOENT);
	tl_err("open file/x", open(tl_tmp("f/x"), O_RDONLY), ENOTDIR);
	tl_err("O_DIRECTORY on file", open(p, O_RDONLY | O_DIRECTORY),
	       ENOTDIR);
	tl_err("open empty path", open("", O_RDONLY), ENOENT);
	tl_cleanup();
	return tl_done();
}
