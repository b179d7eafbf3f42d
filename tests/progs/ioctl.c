/* Terminal ioctls on things that are not terminals: ENOTTY, as isatty()
 * relies on. The driver redirects stdio to files and pipes. */
#include <sys/ioctl.h>
#include <termios.h>
#include "testlib.h"

int main(void)
{
	struct termios t;
	struct winsize w;
	int fd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);
	int p[2];

	tl_err("TCGETS on file", ioctl(fd, TCGETS, &t), ENOTTY);
	tl_err("TIOCGWINSZ on file", ioctl(fd, TIOCGWINSZ, &w), ENOTTY);
	tl_yes("isatty(file) 0", isatty(fd) == 0);
	pipe(p);
	tl_err("TCGETS on pipe", ioctl(p[0], TCGETS, &t), ENOTTY);
	int avail = -1;
	write(p[1], "abc", 3);
	tl_err("FIONREAD on pipe", ioctl(p[0], FIONREAD, &avail), 0);
	tl_val("bytes available", avail, 3);
	tl_err("FIONBIO", ioctl(p[0], FIONBIO, &(int){ 1 }), 0);
	tl_yes("O_NONBLOCK set", fcntl(p[0], F_GETFL) & O_NONBLOCK);
	tl_err("FIOCLEX", ioctl(fd, FIOCLEX), 0);
	tl_val("cloexec", fcntl(fd, F_GETFD), FD_CLOEXEC);
	tl_err("ioctl bad fd", ioctl(99, TCGETS, &t), EBADF);
	tl_err("TCGETS /dev/null", ioctl(open("/dev/null", O_RDONLY), TCGETS,
					 &t), ENOTTY);
	tl_cleanup();
	return tl_done();
}
