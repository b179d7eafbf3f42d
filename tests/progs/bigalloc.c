/* A 64 MiB allocation touched sparsely: memory is committed lazily, so
 * this is cheap, and every touched page keeps its value. */
#include "testlib.h"

int main(void)
{
	size_t sz = 64UL << 20;
	unsigned char *p = malloc(sz);
	unsigned long sum = 0;

	if (!tl_yes("malloc 64 MiB", p != NULL))
		return tl_done();
	for (size_t i = 0; i < sz; i += 1 << 20)
		p[i] = (unsigned char)(i >> 20);
	p[sz - 1] = 0x77;
	for (size_t i = 0; i < sz; i += 1 << 20)
		sum += p[i];
	tl_say("sum %lu last %x", sum, p[sz - 1]);
	tl_yes("untouched reads zero", p[12345] == 0 && p[sz / 2 + 7] == 0);
	free(p);
	/* Several more rounds reuse the memory freed back by free(). */
	for (int r = 0; r < 4; r++) {
		char *q = malloc(sz);

		q[sz / 3] = r;
		tl_yes("round ok", q[sz / 3] == r);
		free(q);
	}
	return tl_done();
}
