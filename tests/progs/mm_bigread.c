/* read() of a small file (or a pipe) into a huge buffer touches only
 * what the file returns: a 4 GiB MAP_NORESERVE buffer and a 10-byte file must not make
 * the process's resident memory (VmRSS) grow by gigabytes. The sentry
 * resolves the buffer before reading into it, so it reads in chunks. */
#include <sys/mman.h>
#include <sys/uio.h>

#include "testlib.h"

static long rss_kb(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "VmRSS:");
	return p ? atol(p + 6) : -1;
}

int main(void)
{
	const char *path = tl_tmp("ten");
	tl_yes("file", tl_write_file(path, "0123456789", 10) == 0);
	int fd = open(path, O_RDONLY);
	size_t big = 4UL << 30;
	char *buf = mmap(NULL, big, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	tl_yes("mmap", buf != MAP_FAILED);
	long before = rss_kb();
	tl_val("read", read(fd, buf, big), 10);
	tl_yes("data", memcmp(buf, "0123456789", 10) == 0);
	long grown = rss_kb() - before;
	tl_yes("rss grew < 16 MiB", before > 0 && grown < 16 * 1024);
	if (grown >= 16 * 1024)
		printf("grew %ld kB\n", grown);
	/* A pread and a readv likewise, and a read at end of file. */
	struct iovec iov[2] = {{buf + (1UL << 30), 5}, {buf + (2UL << 30), big / 2}};
	tl_val("preadv", preadv(fd, iov, 2, 2), 8);
	tl_yes("preadv data", memcmp(buf + (1UL << 30), "23456", 5) == 0 &&
				      memcmp(buf + (2UL << 30), "789", 3) == 0);
	tl_val("read at eof", read(fd, buf + (3UL << 30), big - (3UL << 30)), 0);
	/* A file larger than the first chunks is still read whole. */
	size_t fsz = 5 << 20;
	char *data = malloc(fsz);
	for (size_t i = 0; i < fsz; i++)
		data[i] = (char)(i * 7 + i / 4096);
	const char *p2 = tl_tmp("five");
	tl_yes("file2", tl_write_file(p2, data, fsz) == 0);
	int fd2 = open(p2, O_RDONLY);
	tl_val("read 5 MiB", read(fd2, buf, big), (long)fsz);
	tl_yes("5 MiB data", memcmp(buf, data, fsz) == 0);
	tl_val("pread 5 MiB at 1", pread(fd2, buf, big, 1), (long)fsz - 1);
	tl_yes("pread data", memcmp(buf, data + 1, fsz - 1) == 0);
	/* A pipe returns at most its capacity (64 KiB). */
	int p[2];
	tl_yes("pipe", pipe(p) == 0 && write(p[1], "abcdefghij", 10) == 10);
	tl_val("read pipe", read(p[0], buf + (3UL << 30), big - (3UL << 30)), 10);
	tl_yes("pipe data", memcmp(buf + (3UL << 30), "abcdefghij", 10) == 0);
	grown = rss_kb() - before;
	tl_yes("rss grew < 32 MiB", grown < 32 * 1024);
	if (grown >= 32 * 1024)
		printf("grew %ld kB\n", grown);
	tl_cleanup();
	return tl_done();
}
