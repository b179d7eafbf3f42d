/* abort(): killed by SIGABRT, the sandbox exits 134 (128+6). */
#include "testlib.h"

int main(void)
{
	tl_say("aborting");
	abort();
}
