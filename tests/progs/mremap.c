/* mremap: shrink, grow in place, move, MREMAP_FIXED; contents follow. */
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

int main(void)
{
	/* Reserve 8 pages and free the last 4, so the pages after the
	 * mapping are known to be free (and nobody else's) for in-place
	 * growth. */
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *q, *r;
	int ok = 1;

	munmap(p + 4 * PG, 4 * PG);
	for (unsigned long i = 0; i < 4 * PG; i++)
		p[i] = (char)(i % 251);
	q = mremap(p, 4 * PG, 2 * PG, 0);
	tl_yes("shrink in place", q == p);
	q = mremap(p, 2 * PG, 3 * PG, 0);
	tl_yes("grow in place", q == p);
	tl_yes("grown page zero", p[2 * PG] == 0);
	tl_yes("old data kept", p[PG + 7] == (char)((PG + 7) % 251));
	/* Block growth with a neighbour: without MAYMOVE it fails. */
	r = mmap(p + 3 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED, -1, 0);
	q = mremap(p, 3 * PG, 8 * PG, 0);
	tl_yes("blocked grow ENOMEM", q == MAP_FAILED && errno == ENOMEM);
	q = mremap(p, 3 * PG, 64 * PG, MREMAP_MAYMOVE);
	tl_yes("MAYMOVE moves", q != MAP_FAILED && q != p);
	for (unsigned long i = 0; i < 2 * PG; i++)
		ok &= q[i] == (char)(i % 251);
	tl_yes("moved data intact", ok);
	q[63 * PG] = 1;
	tl_yes("new tail writable", q[63 * PG] == 1);
	unsigned char v;
	tl_yes("old range unmapped", mincore(p, PG, &v) < 0 &&
	       errno == ENOMEM);
	munmap(r, PG);
	r = mremap(q, 64 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, p);
	tl_yes("MREMAP_FIXED to old place", r == p);
	tl_yes("data followed", p[PG + 7] == (char)((PG + 7) % 251));
	errno = 0;
	tl_yes("FIXED without MAYMOVE EINVAL",
	       mremap(p, PG, PG, MREMAP_FIXED, q) == MAP_FAILED &&
	       errno == EINVAL);
	tl_yes("unaligned EINVAL", mremap(p + 1, PG, PG, 0) == MAP_FAILED &&
	       errno == EINVAL);
	tl_yes("new size 0 EINVAL", mremap(p, PG, 0, 0) == MAP_FAILED &&
	       errno == EINVAL);
	tl_yes("unmapped source EFAULT",
	       mremap(q, PG, 2 * PG, MREMAP_MAYMOVE) == MAP_FAILED &&
	       errno == EFAULT);
	tl_yes("bad flags EINVAL", mremap(p, PG, PG, 0x100) == MAP_FAILED &&
	       errno == EINVAL);
	return tl_done();
}
