/* Sandbox only: the program is the init of its own pid namespace view,
 * as in runsc (natively it is some pid with a parent). */
#include "testlib.h"

int main(void)
{
	tl_val("getpid", getpid(), 1);
	tl_val("gettid", syscall(SYS_gettid), 1);
	tl_val("getppid", getppid(), 0);
	return tl_done();
}
