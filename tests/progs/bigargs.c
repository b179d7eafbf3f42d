/* A large argv and envp: thousands of arguments and a 100 KiB variable
 * must all reach the initial stack intact. */
#include "testlib.h"

int main(int argc, char **argv)
{
	const char *big = getenv("RVT_BIG");
	size_t total = 0;
	int inorder = 1;

	for (int i = 1; i < argc; i++) {
		total += strlen(argv[i]);
		if (atoi(argv[i]) != i)
			inorder = 0;
	}
	tl_say("argc %d", argc);
	tl_say("arg bytes %zu", total);
	tl_yes("args in order", inorder);
	tl_say("RVT_BIG len %zu", big ? strlen(big) : 0);
	tl_yes("RVT_BIG all x", big && strspn(big, "x") == strlen(big));
	return tl_done();
}
