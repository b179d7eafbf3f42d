/* munmap, observed without touching: mincore and msync report ENOMEM on
 * unmapped pages, so no SIGSEGV handler is needed. */
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

static int mapped(void *a)
{
	unsigned char v;

	return mincore(a, PG, &v) == 0;
}

int main(void)
{
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char vec[8];

	p[0] = 1;
	tl_err("mincore mapped", mincore(p, 8 * PG, vec), 0);
	tl_yes("touched page resident", vec[0] & 1);
	tl_err("munmap middle", munmap(p + 2 * PG, 2 * PG), 0);
	tl_yes("page 1 mapped", mapped(p + PG));
	tl_yes("page 2 unmapped", !mapped(p + 2 * PG));
	tl_yes("page 3 unmapped", !mapped(p + 3 * PG));
	tl_yes("page 4 mapped", mapped(p + 4 * PG));
	tl_err("mincore across hole", mincore(p, 8 * PG, vec), ENOMEM);
	tl_err("msync on hole", msync(p + 2 * PG, PG, MS_SYNC), ENOMEM);
	tl_err("msync mapped", msync(p, PG, MS_SYNC), 0);
	tl_err("munmap hole again", munmap(p + 2 * PG, 2 * PG), 0);
	tl_err("munmap unaligned", munmap(p + 1, PG), EINVAL);
	tl_err("munmap len 0", munmap(p, 0), EINVAL);
	tl_err("munmap kernel half", munmap(TL_BADK, PG), EINVAL);
	tl_err("mincore unaligned", mincore(p + 1, PG, vec), EINVAL);
	tl_err("mincore bad vec", mincore(p, PG, TL_BAD1), EFAULT);
	tl_err("munmap rest", munmap(p, 8 * PG), 0);
	tl_yes("all gone", !mapped(p) && !mapped(p + 7 * PG));
	tl_yes("remap same place works",
	       mmap(p, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		    MAP_FIXED_NOREPLACE, -1, 0) == p);
	tl_yes("fresh page zero", p[0] == 0);
	return tl_done();
}
