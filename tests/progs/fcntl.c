/* fcntl: fd flags, status flags, F_DUPFD. */
#include <sys/resource.h>
#include "testlib.h"

int main(void)
{
	int fd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);
	int fl;

	tl_val("F_GETFD", fcntl(fd, F_GETFD), 0);
	tl_val("F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC), 0);
	tl_val("F_GETFD after", fcntl(fd, F_GETFD), FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	tl_yes("F_GETFL O_RDWR", (fl & O_ACCMODE) == O_RDWR);
	tl_val("F_SETFL O_APPEND|O_NONBLOCK",
	       fcntl(fd, F_SETFL, fl | O_APPEND | O_NONBLOCK), 0);
	fl = fcntl(fd, F_GETFL);
	tl_yes("F_GETFL has both", (fl & (O_APPEND | O_NONBLOCK)) ==
	       (O_APPEND | O_NONBLOCK));
	/* F_SETFL cannot change the access mode (fcntl(2)). */
	fcntl(fd, F_SETFL, O_RDONLY);
	tl_yes("access mode unchanged", (fcntl(fd, F_GETFL) & O_ACCMODE) ==
	       O_RDWR);
	tl_val("F_DUPFD 20", fcntl(fd, F_DUPFD, 20), 20);
	tl_val("F_DUPFD 20 again", fcntl(fd, F_DUPFD, 20), 21);
	tl_val("F_DUPFD clears cloexec", fcntl(20, F_GETFD), 0);
	tl_val("F_DUPFD_CLOEXEC", fcntl(fd, F_DUPFD_CLOEXEC, 5), 5);
	tl_val("is cloexec", fcntl(5, F_GETFD), FD_CLOEXEC);
	tl_err("F_DUPFD negative", fcntl(fd, F_DUPFD, -1), EINVAL);
	tl_err("F_DUPFD beyond NOFILE", fcntl(fd, F_DUPFD, 1 << 30), EINVAL);
	tl_err("bad fd", fcntl(99, F_GETFD), EBADF);
	tl_err("bad cmd", fcntl(fd, 9999), EINVAL);
	close(fd);
	tl_cleanup();
	return tl_done();
}
