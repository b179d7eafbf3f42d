/* Pseudo-terminals (os.openpty(), Python's test_os and pty users):
 * /dev/ptmx hands out a master, its slave opens by ptsname(), and bytes
 * written to the master come out of the slave. */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include "testlib.h"

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (!tl_yes("posix_openpt", m >= 0)) {
		tl_say("errno %s", tl_errname(errno));
		return tl_done();
	}
	tl_val("grantpt", grantpt(m), 0);
	tl_val("unlockpt", unlockpt(m), 0);
	const char *name = ptsname(m);
	tl_yes("ptsname under /dev/pts/", name &&
	       strncmp(name, "/dev/pts/", 9) == 0);
	int s = open(name ? name : "/nonexistent", O_RDWR | O_NOCTTY);
	if (!tl_yes("open slave", s >= 0))
		return tl_done();
	/* A new pty's window size is 0x0 until someone sets it. */
	struct winsize ws = {1, 1, 1, 1};
	tl_val("TIOCGWINSZ", ioctl(s, TIOCGWINSZ, &ws), 0);
	tl_yes("new pty window size 0x0", ws.ws_row == 0 && ws.ws_col == 0);
	struct termios tio;
	tl_val("tcgetattr slave", tcgetattr(s, &tio), 0);
	cfmakeraw(&tio);
	tl_val("tcsetattr raw", tcsetattr(s, TCSANOW, &tio), 0);
	tl_val("write master", write(m, "ping", 4), 4);
	char buf[8] = {0};
	tl_val("read slave", read(s, buf, sizeof(buf)), 4);
	tl_yes("same bytes", memcmp(buf, "ping", 4) == 0);
	tl_yes("isatty slave", isatty(s));
	close(s);
	close(m);
	return tl_done();
}
