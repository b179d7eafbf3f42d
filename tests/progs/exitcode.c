/* exit(3) must become the sandbox's exit status 3. */
#include "testlib.h"

int main(void)
{
	tl_say("exiting with 3");
	exit(3);
}
