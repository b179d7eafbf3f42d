/* pread64/pwrite64 use their own offset and leave the file's alone. */
#include "testlib.h"

int main(void)
{
	char buf[32] = { 0 };
	int fd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);
	int p[2];

	tl_val("write", write(fd, "abcdefghij", 10), 10);
	tl_val("pwrite at 2", pwrite(fd, "XY", 2, 2), 2);
	tl_val("offset unchanged", lseek(fd, 0, SEEK_CUR), 10);
	tl_val("pread 4 at 1", pread(fd, buf, 4, 1), 4);
	tl_say("got [%s]", buf);
	tl_val("pread past eof", pread(fd, buf, 4, 100), 0);
	tl_val("pwrite past eof makes a hole", pwrite(fd, "E", 1, 20), 1);
	memset(buf, 'q', sizeof(buf));
	tl_val("pread hole", pread(fd, buf, 11, 10), 11);
	tl_yes("hole reads zeros", !memcmp(buf, "\0\0\0\0\0\0\0\0\0\0E", 11));
	tl_err("pread negative offset", pread(fd, buf, 1, -1), EINVAL);
	tl_err("pwrite negative offset", pwrite(fd, buf, 1, -5), EINVAL);
	tl_val("offset still 10", lseek(fd, 0, SEEK_CUR), 10);
	pipe(p);
	tl_err("pread on pipe", pread(p[0], buf, 1, 0), ESPIPE);
	tl_err("pwrite on pipe", pwrite(p[1], buf, 1, 0), ESPIPE);
	close(fd);
	tl_cleanup();
	return tl_done();
}
