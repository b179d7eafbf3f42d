/* A segfault with no handler: the process dies of SIGSEGV and the sandbox
 * exits 139 (128+11) like a shell reports it natively. */
#include "testlib.h"

int main(void)
{
	volatile int *p = (volatile int *)16;

	tl_say("about to fault");
	*p = 1;
	tl_say("still alive");
	return 1;
}
