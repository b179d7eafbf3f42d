/* Anonymous private mmap: zero fill, hints, MAP_FIXED, NOREPLACE, errors. */
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

int main(void)
{
	char *p, *q, *r;

	p = mmap(NULL, 16 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("mmap ok", p != MAP_FAILED);
	tl_yes("page aligned", ((uintptr_t)p & (PG - 1)) == 0);
	int zero = 1;
	for (unsigned long i = 0; i < 16 * PG; i++)
		zero &= p[i] == 0;
	tl_yes("zero filled", zero);
	memset(p, 7, 16 * PG);
	tl_yes("writable", p[16 * PG - 1] == 7);

	/* MAP_FIXED replaces part of the mapping with fresh zero pages. */
	q = mmap(p + 4 * PG, 2 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	tl_yes("MAP_FIXED at address", q == p + 4 * PG);
	tl_yes("replaced pages zero", q[0] == 0 && q[2 * PG - 1] == 0);
	tl_yes("neighbours kept", p[4 * PG - 1] == 7 && p[6 * PG] == 7);

	r = mmap(p + 8 * PG, PG, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	tl_yes("NOREPLACE on mapped range fails",
	       r == MAP_FAILED && errno == EEXIST);
	munmap(p + 8 * PG, PG);
	r = mmap(p + 8 * PG, PG, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	tl_yes("NOREPLACE on hole works", r == p + 8 * PG);

	/* A free hint is honoured; an occupied one is moved elsewhere. */
	munmap(p, 16 * PG);
	r = mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("free hint honoured", r == p);
	q = mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("busy hint moved", q != MAP_FAILED && q != p);
	q = mmap((void *)0x10001, PG, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("unaligned hint ignored", q != MAP_FAILED &&
	       ((uintptr_t)q & (PG - 1)) == 0);

	errno = 0;
	tl_yes("len 0 EINVAL", mmap(NULL, 0, PROT_READ, MAP_PRIVATE |
				    MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	       errno == EINVAL);
	tl_yes("no SHARED/PRIVATE EINVAL",
	       mmap(NULL, PG, PROT_READ, MAP_ANONYMOUS, -1, 0) == MAP_FAILED &&
	       errno == EINVAL);
	tl_yes("unaligned FIXED EINVAL",
	       mmap((void *)0x10001, PG, PROT_READ, MAP_PRIVATE |
		    MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED &&
	       errno == EINVAL);
	tl_yes("huge length ENOMEM",
	       mmap(NULL, (size_t)1 << 62, PROT_READ, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOMEM);
	tl_yes("length wraps ENOMEM",
	       mmap(NULL, (size_t)-PG, PROT_READ, MAP_PRIVATE |
		    MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == ENOMEM);
	tl_yes("FIXED into kernel half fails",
	       mmap(TL_BADK, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_FIXED, -1, 0) == MAP_FAILED && errno == ENOMEM);
	tl_yes("file map of bad fd EBADF",
	       mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 99, 0) == MAP_FAILED &&
	       errno == EBADF);
	tl_yes("unaligned offset EINVAL",
	       mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		    100) == MAP_FAILED && errno == EINVAL);
	return tl_done();
}
