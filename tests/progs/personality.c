/* personality(2): 0xffffffff asks, a new value is taken as is and the
 * old one returned; a forked child and an exec'd program keep it
 * (setarch -R relies on ADDR_NO_RANDOMIZE surviving exec). */
#include <sys/personality.h>
#include <sys/wait.h>
#include "testlib.h"

int main(int argc, char **argv)
{
	if (argc > 1) { /* the exec'd copy */
		tl_say("after exec: %#lx", (long)personality(0xffffffff));
		return tl_done();
	}
	tl_say("initial %#lx", (long)personality(0xffffffff));
	tl_say("set returns the old %#lx",
	       (long)personality(PER_LINUX | ADDR_NO_RANDOMIZE));
	tl_say("now %#lx", (long)personality(0xffffffff));
	pid_t c = fork();
	if (c == 0)
		_exit(personality(0xffffffff) == ADDR_NO_RANDOMIZE ? 0 : 1);
	int st;
	waitpid(c, &st, 0);
	tl_yes("a child inherits it", WIFEXITED(st) && !WEXITSTATUS(st));
	fflush(stdout);
	c = fork();
	if (c == 0) {
		execl("/proc/self/exe", argv[0], "exec", (char *)NULL);
		_exit(127);
	}
	waitpid(c, &st, 0);
	tl_yes("the exec'd copy ran", WIFEXITED(st) && !WEXITSTATUS(st));
	tl_say("back to %#lx", (long)personality(PER_LINUX));
	return tl_done();
}
