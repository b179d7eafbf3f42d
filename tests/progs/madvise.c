/* madvise: DONTNEED drops private anonymous pages (they read back zero);
 * the advice values that are only hints succeed. */
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

int main(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 0x5a, 4 * PG);
	tl_err("MADV_DONTNEED", madvise(p + PG, 2 * PG, MADV_DONTNEED), 0);
	tl_yes("dropped pages read zero", p[PG] == 0 && p[3 * PG - 1] == 0);
	tl_yes("others kept", p[PG - 1] == 0x5a && p[3 * PG] == 0x5a);
	p[PG] = 3;
	tl_yes("writable after", p[PG] == 3);
	tl_err("MADV_NORMAL", madvise(p, 4 * PG, MADV_NORMAL), 0);
	tl_err("MADV_WILLNEED", madvise(p, 4 * PG, MADV_WILLNEED), 0);
	tl_err("MADV_SEQUENTIAL", madvise(p, 4 * PG, MADV_SEQUENTIAL), 0);
	tl_err("MADV_RANDOM", madvise(p, 4 * PG, MADV_RANDOM), 0);
	tl_err("MADV_DONTFORK", madvise(p, 4 * PG, MADV_DONTFORK), 0);
	tl_err("MADV_DOFORK", madvise(p, 4 * PG, MADV_DOFORK), 0);
	tl_err("bad advice", madvise(p, PG, 12345), EINVAL);
	tl_err("unaligned", madvise(p + 1, PG, MADV_NORMAL), EINVAL);
	tl_err("len 0", madvise(p, 0, MADV_DONTNEED), 0);
	munmap(p + 2 * PG, PG);
	tl_err("across hole", madvise(p, 4 * PG, MADV_DONTNEED), ENOMEM);
	/* DONTNEED on a private file mapping drops our copy: the file's
	 * contents come back. */
	int fd = open("/etc/passwd", O_RDONLY);
	char *f = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!tl_yes("map /etc/passwd", f != MAP_FAILED))
		return tl_done();
	f[0] = 'X';
	madvise(f, PG, MADV_DONTNEED);
	tl_yes("file page restored", f[0] == 'r');
	close(fd);
	return tl_done();
}
