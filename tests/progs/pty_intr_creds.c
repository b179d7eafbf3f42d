/* A ^C written to a pty master interrupts the foreground process group
 * of its terminal whoever writes it: the terminal sends SIGINT, not the
 * writer, so kill(2)'s permission check does not apply (a uid 1000
 * terminal program's ^C reaches a root job in it). Run as root
 * natively. */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>

#include "testlib.h"

static volatile sig_atomic_t got;

static void on_int(int s)
{
	(void)s;
	got = 1;
}

int main(void)
{
	if (geteuid() != 0) {
		tl_say("not root");
		return 0;
	}
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	if (m < 0 || grantpt(m) || unlockpt(m))
		return 1;
	int ready[2], done[2];
	if (pipe(ready) || pipe(done))
		return 1;
	pid_t c = fork();
	if (c == 0) {
		/* root, in a session of its own with the pty as its
		 * terminal and itself in the foreground */
		signal(SIGINT, on_int);
		setsid();
		int s = open(ptsname(m), O_RDWR);
		if (s < 0 || ioctl(s, TIOCSCTTY, 0) ||
		    tcsetpgrp(s, getpid()))
			_exit(2);
		write(ready[1], "x", 1);
		for (int i = 0; i < 500 && !got; i++)
			usleep(10000);
		_exit(got ? 0 : 1);
	}
	char b;
	read(ready[0], &b, 1);
	pid_t w = fork();
	if (w == 0) {
		if (setresuid(1000, 1000, 1000))
			_exit(2);
		_exit(write(m, "\003", 1) == 1 ? 0 : 1);
	}
	int st;
	waitpid(w, &st, 0);
	tl_yes("uid 1000 wrote ^C to the master",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0);
	waitpid(c, &st, 0);
	tl_yes("the root job in the foreground got SIGINT",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return tl_done();
}
