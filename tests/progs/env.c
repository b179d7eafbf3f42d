/* The environment passes through to the program unchanged. The driver sets
 * the RVT_* variables; only those are printed, since a sandbox may
 * legitimately differ in nothing else the test can know. */
#include "testlib.h"

extern char **environ;

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *v[64];
	int n = 0;

	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "RVT_", 4) && n < 64)
			v[n++] = *e;
	qsort(v, n, sizeof(v[0]), cmp);
	for (int i = 0; i < n; i++)
		tl_say("%s", v[i]);
	tl_yes("RVT_A is 1", getenv("RVT_A") && !strcmp(getenv("RVT_A"), "1"));
	tl_yes("PATH set", getenv("PATH") != NULL);
	return tl_done();
}
