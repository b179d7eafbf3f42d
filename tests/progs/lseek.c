/* lseek whence values, negative results and unseekable files. */
#include "testlib.h"

int main(void)
{
	int fd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);
	int p[2];
	char buf[8];

	write(fd, "0123456789", 10);
	tl_val("SEEK_END 0", lseek(fd, 0, SEEK_END), 10);
	tl_val("SEEK_END -3", lseek(fd, -3, SEEK_END), 7);
	tl_val("SEEK_CUR -2", lseek(fd, -2, SEEK_CUR), 5);
	tl_val("read", read(fd, buf, 2), 2);
	tl_yes("read 56", !memcmp(buf, "56", 2));
	tl_err("SEEK_SET -1", lseek(fd, -1, SEEK_SET), EINVAL);
	tl_val("offset kept", lseek(fd, 0, SEEK_CUR), 7);
	tl_err("SEEK_CUR to negative", lseek(fd, -100, SEEK_CUR), EINVAL);
	tl_err("whence 42", lseek(fd, 0, 42), EINVAL);
	tl_val("past end", lseek(fd, 1000, SEEK_SET), 1000);
	tl_val("size unchanged by seek", lseek(fd, 0, SEEK_END), 10);
	tl_val("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA), 0);
	tl_val("SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE), 10);
	tl_err("SEEK_DATA past end", lseek(fd, 11, SEEK_DATA), ENXIO);
	pipe(p);
	tl_err("lseek pipe", lseek(p[0], 0, SEEK_CUR), ESPIPE);
	tl_err("lseek bad fd", lseek(99, 0, SEEK_SET), EBADF);
	close(fd);
	tl_cleanup();
	return tl_done();
}
