/* Sandbox only: a shared writable mapping of a file of the overlay root's
 * lower layer (argv[1], made by sb-mmap_lower.args). The O_RDWR open
 * copies the file up into the upper tmpfs, whose pages the mapping then
 * shares: stores are seen by read(2), survive munmap and close, and a
 * later read-only shared mapping sees them. The host file stays as it was
 * (natively this would change it: the program refuses to run outside the
 * sandbox's overlay). */
#include <sys/mman.h>
#include <sys/statfs.h>

#include "testlib.h"

#define PG 4096

int main(int argc, char **argv)
{
	struct statfs sf;
	char buf[16];
	if (argc < 2 || statfs(argv[1], &sf) < 0 || sf.f_type != 0x794c7630) {
		tl_say("not on the sandbox's overlay root: refusing");
		return 77;
	}
	int fd = tl_err("open rdwr (copy-up)", open(argv[1], O_RDWR), 0);
	char *m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);
	tl_yes("mmap shared rw", m != MAP_FAILED);
	if (m == MAP_FAILED)
		return tl_done();
	tl_yes("sees the lower data", m[0] == 'a' && m[PG] == 'b' &&
					      m[2 * PG] == 'c');
	memcpy(m + 5, "STORE", 5);
	memcpy(m + 2 * PG + 7, "LAST", 4);
	tl_val("pread", pread(fd, buf, 5, 5), 5);
	tl_yes("read sees the store", !memcmp(buf, "STORE", 5));
	tl_err("msync", msync(m, 3 * PG, MS_SYNC), 0);
	tl_err("munmap", munmap(m, 3 * PG), 0);
	close(fd);

	fd = tl_err("open again", open(argv[1], O_RDONLY), 0);
	tl_val("pread page 3", pread(fd, buf, 4, 2 * PG + 7), 4);
	tl_yes("the store stayed", !memcmp(buf, "LAST", 4));
	char *r = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	tl_yes("ro shared mapping", r != MAP_FAILED);
	if (r != MAP_FAILED)
		tl_yes("sees the store", !memcmp(r + 5, "STORE", 5));
	close(fd);
	return tl_done();
}
