/* A static-PIE program: the loader must relocate it (glibc's static-pie
 * start-up applies its own relocations, using AT_PHDR and AT_BASE-free
 * auxv), so reaching main and reading relocated data proves the load. */
#include <sys/auxv.h>
#include "testlib.h"

static const char *greeting = "hello from static-pie";	/* relocated ptr */

int main(void)
{
	tl_say("%s", greeting);
	tl_yes("AT_PHDR set", getauxval(AT_PHDR) != 0);
	tl_yes("AT_ENTRY set", getauxval(AT_ENTRY) != 0);
	tl_yes("AT_PAGESZ 4096", getauxval(AT_PAGESZ) == 4096);
	tl_yes("main above 64KiB", (uintptr_t)&main > 0x10000);
	return tl_done();
}
