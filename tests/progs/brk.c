/* brk: query, grow, touch, shrink; failure returns the old break. */
#include "testlib.h"

static uintptr_t rbrk(uintptr_t a)
{
	return (uintptr_t)syscall(SYS_brk, a);
}

int main(void)
{
	uintptr_t b0, b1, b2;
	char *p;

	/* First output: stdio allocates its buffer now, so malloc's use of
	 * the break is over before the test takes the break as its base. */
	tl_say("brk test");
	b0 = rbrk(0);
	tl_yes("brk(0) nonzero", b0 != 0);
	tl_yes("brk(0) stable", rbrk(0) == b0);
	b1 = rbrk(b0 + (1 << 20));
	tl_yes("grow 1 MiB", b1 == b0 + (1 << 20));
	p = (char *)b0;
	memset(p, 0xab, 1 << 20);
	tl_yes("new memory writable", p[(1 << 20) - 1] == (char)0xab);
	b2 = rbrk(b0 + 4096);
	tl_yes("shrink", b2 == b0 + 4096);
	tl_yes("kept page intact", p[100] == (char)0xab);
	b2 = rbrk(b0 + (1 << 20));
	tl_yes("grow again", b2 == b0 + (1 << 20));
	/* Shrinking discarded the pages: regrown memory is zero. */
	tl_yes("regrown memory zeroed", p[8192] == 0 && p[(1 << 20) - 1] == 0);
	tl_yes("unaligned break accepted", rbrk(b0 + 12345) == b0 + 12345);
	p[12344] = 1;
	tl_yes("below brk below start fails", rbrk(b0 - (64 << 20)) ==
	       b0 + 12345);
	tl_yes("absurd break fails", rbrk((uintptr_t)1 << 47) == b0 + 12345);
	tl_yes("kernel address fails",
	       rbrk((uintptr_t)TL_BADK) == b0 + 12345);
	tl_yes("shrink to start", rbrk(b0) == b0);
	/* malloc works on top of whatever brk did. */
	void *m = malloc(100000);
	tl_yes("malloc after brk games", m != NULL);
	free(m);
	return tl_done();
}
