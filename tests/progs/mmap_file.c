/* File-backed private mappings of a host file and of a /tmp file. */
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

int main(void)
{
	size_t n = 0;
	char *want = tl_read_file("/etc/passwd", &n);
	int fd = open("/etc/passwd", O_RDONLY);
	char *m;

	if (!tl_yes("/etc/passwd not empty", n > 0))
		return tl_done();
	m = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (!tl_yes("map host file", m != MAP_FAILED))
		return tl_done();
	tl_yes("same bytes as read()", !memcmp(m, want, n));
	/* The tail of the last page past EOF is zero. */
	tl_yes("tail past EOF zero", m[n] == 0 &&
	       m[((n + PG - 1) & ~(PG - 1)) - 1] == 0);
	tl_yes("PROT_WRITE private on O_RDONLY fd works",
	       mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) !=
	       MAP_FAILED);
	errno = 0;
	tl_yes("shared writable on O_RDONLY fd EACCES",
	       mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) ==
	       MAP_FAILED && errno == EACCES);
	close(fd);
	tl_yes("mapping outlives close", !memcmp(m, want, n));

	/* A /tmp file of three pages, mapped at an offset of one page. */
	char *buf = malloc(3 * PG);
	for (unsigned long i = 0; i < 3 * PG; i++)
		buf[i] = 'a' + i / PG;
	tl_write_file(tl_tmp("f"), buf, 3 * PG);
	fd = open(tl_tmp("f"), O_RDWR);
	char *t = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
		       PG);
	tl_yes("map tmp file at offset", t != MAP_FAILED);
	tl_say("first bytes %c %c", t[0], t[PG]);
	t[0] = 'Z';
	char c;
	pread(fd, &c, 1, PG);
	tl_say("private write not in file: %c", c);
	pwrite(fd, "Q", 1, 2 * PG + 1);
	tl_say("unmodified page sees file write: %c", t[PG + 1]);
	tl_say("modified page keeps copy: %c", t[0]);
	errno = 0;
	tl_yes("unaligned offset EINVAL",
	       mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 100) == MAP_FAILED &&
	       errno == EINVAL);
	int dfd = open(tl_tmpdir(), O_RDONLY);
	tl_yes("map a directory ENODEV",
	       mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0) == MAP_FAILED &&
	       errno == ENODEV);
	int wfd = open(tl_tmp("f"), O_WRONLY);
	tl_yes("map O_WRONLY fd EACCES",
	       mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wfd, 0) == MAP_FAILED &&
	       errno == EACCES);
	close(fd);
	close(dfd);
	close(wfd);
	tl_cleanup();
	return tl_done();
}
