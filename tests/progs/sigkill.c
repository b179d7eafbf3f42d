/* A process that SIGKILLs itself: exit status 137 (128+9), and nothing
 * after the kill runs. */
#include <signal.h>
#include "testlib.h"

int main(void)
{
	tl_say("killing myself");
	kill(getpid(), SIGKILL);
	tl_say("still alive after SIGKILL");
	return 0;
}
