/* Up to 64 supplementary groups round-trip through setgroups and
 * getgroups. getgroups copied them through a 32-entry array on the
 * sentry's stack: 33 or more groups overran it (found by sb-fuzz under
 * UBSan). Needs root natively (the driver runs as root); else skipped
 * by printing the same. */
#include <grp.h>

#include "testlib.h"

int main(void)
{
	gid_t in[64], out[64];
	int n = 0;

	for (int want = 1; want <= 64; want += 21) {
		for (int i = 0; i < want; i++)
			in[i] = 1000 + 7 * i;
		if (setgroups(want, in) != 0) {
			printf("setgroups %d: %s\n", want, tl_errname(errno));
			continue;
		}
		memset(out, 0, sizeof out);
		n = getgroups(64, out);
		printf("setgroups %d: getgroups %d, same %s, count %d\n", want,
		       n, n == want && !memcmp(in, out, n * sizeof *out) ?
		       "yes" : "no", getgroups(0, NULL));
	}
	n = getgroups(1, out);
	printf("getgroups 1 of 64: %s\n", n < 0 ? tl_errname(errno) : "ok");
	return 0;
}
