/* /dev/null, /dev/zero, /dev/full, /dev/urandom, /dev/std*. */
#include <sys/sysmacros.h>
#include "testlib.h"

int main(void)
{
	char buf[256];
	struct stat st;
	int fd;

	fd = open("/dev/null", O_RDWR);
	tl_val("null read", read(fd, buf, sizeof(buf)), 0);
	tl_val("null write", write(fd, buf, sizeof(buf)), 256);
	fstat(fd, &st);
	tl_yes("null is char 1:3", S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
	close(fd);
	fd = open("/dev/zero", O_RDWR);
	memset(buf, 1, sizeof(buf));
	tl_val("zero read", read(fd, buf, sizeof(buf)), 256);
	tl_yes("all zero", buf[0] == 0 && buf[255] == 0 &&
	       !memcmp(buf, buf + 1, 255));
	tl_val("zero write", write(fd, buf, 10), 10);
	fstat(fd, &st);
	tl_yes("zero is char 1:5", S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == 5);
	close(fd);
	fd = open("/dev/full", O_RDWR);
	tl_err("full write", write(fd, "x", 1), ENOSPC);
	tl_val("full read", read(fd, buf, 8), 8);
	tl_yes("reads zero", buf[0] == 0);
	close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	fstat(fd, &st);
	tl_yes("urandom is char 1:9", S_ISCHR(st.st_mode) &&
	       major(st.st_rdev) == 1 && minor(st.st_rdev) == 9);
	tl_val("urandom read", read(fd, buf, 100), 100);
	close(fd);
	tl_yes("/dev/stdout exists", access("/dev/stdout", F_OK) == 0);
	fd = open("/dev/stderr", O_WRONLY);
	tl_yes("open /dev/stderr", fd >= 0);
	close(fd);
	tl_err("lseek /dev/null", lseek(open("/dev/null", O_RDONLY), 5,
					SEEK_SET), 0);
	tl_err("missing device", open("/dev/rv-nonexistent", O_RDONLY),
	       ENOENT);
	return tl_done();
}
