/* argv reaches the program verbatim (the driver passes odd arguments). */
#include "testlib.h"

int main(int argc, char **argv)
{
	tl_say("argc %d", argc);
	tl_yes("argv[argc] NULL", argv[argc] == NULL);
	for (int i = 1; i < argc; i++)
		tl_say("argv[%d] [%s] len %zu", i, argv[i], strlen(argv[i]));
	tl_yes("argv[0] ends with args", strlen(argv[0]) >= 4 &&
	       !strcmp(argv[0] + strlen(argv[0]) - 4, "args"));
	return tl_done();
}
