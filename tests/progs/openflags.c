/* O_APPEND, O_EXCL, O_TRUNC, O_CREAT modes and umask. */
#include "testlib.h"

int main(void)
{
	const char *p = tl_tmp("f");
	struct stat st;
	char buf[64] = { 0 };
	int fd;

	umask(022);
	tl_err("create", tl_write_file(p, "0123456789", 10), 0);
	tl_err("O_EXCL on existing", open(p, O_RDWR | O_CREAT | O_EXCL, 0600),
	       EEXIST);

	fd = open(p, O_WRONLY | O_APPEND);
	tl_val("lseek 0", lseek(fd, 0, SEEK_SET), 0);
	tl_val("append write", write(fd, "ab", 2), 2);
	tl_val("offset after append", lseek(fd, 0, SEEK_CUR), 12);
	tl_val("pwrite ignores offset with O_APPEND",
	       pwrite(fd, "Z", 1, 0), 1);
	close(fd);
	fd = open(p, O_RDONLY);
	tl_val("read", read(fd, buf, sizeof(buf)), 13);
	tl_say("content [%s]", buf);
	close(fd);

	fd = open(p, O_RDWR | O_TRUNC);
	fstat(fd, &st);
	tl_val("size after O_TRUNC", st.st_size, 0);
	close(fd);

	fd = open(tl_tmp("m"), O_WRONLY | O_CREAT, 0777);
	fstat(fd, &st);
	tl_say("mode 0777 & ~022 = %o", (unsigned)(st.st_mode & 07777));
	close(fd);
	umask(0);
	fd = open(tl_tmp("m2"), O_WRONLY | O_CREAT, 0641);
	fstat(fd, &st);
	tl_say("mode 0641 umask 0 = %o", (unsigned)(st.st_mode & 07777));
	tl_yes("regular", S_ISREG(st.st_mode));
	close(fd);
	tl_val("creat returns fd", (fd = creat(tl_tmp("c"), 0600)) >= 0, 1);
	tl_err("read on creat fd", read(fd, buf, 1), EBADF);
	close(fd);

	fd = open(p, O_RDONLY | O_CLOEXEC);
	tl_val("O_CLOEXEC sets FD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
	tl_val("O_ACCMODE of O_RDONLY", fcntl(fd, F_GETFL) & O_ACCMODE,
	       O_RDONLY);
	close(fd);
	fd = open(p, O_RDWR | O_APPEND | O_NONBLOCK);
	tl_yes("F_GETFL has O_APPEND|O_NONBLOCK|O_RDWR",
	       (fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK | O_ACCMODE)) ==
	       (O_APPEND | O_NONBLOCK | O_RDWR));
	close(fd);
	tl_cleanup();
	return tl_done();
}
