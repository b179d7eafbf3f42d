/* The edges of read(2) into app memory, for a host file on the root (the
 * gofer-donated fd, one host preadv per call) and a tmpfs file: short
 * reads at end of file, a buffer that runs into an unmapped page or a
 * read-only page (Linux returns the bytes it copied before the fault, and
 * EFAULT only when it copied none), a read larger than 64 KiB (read in
 * chunks by the sentry) with a hole in the middle of its buffer, and a
 * sequential read of a file truncated and grown under it. */
#include <sys/mman.h>
#include <sys/uio.h>
#include "testlib.h"

#define PG 4096L

static const char *host_file = "/usr/lib/x86_64-linux-gnu/libc.so.6";

/* A checksum of n bytes, printed: native and sandboxed read the same
 * file, so the same bytes. */
static unsigned long sum(const unsigned char *p, long n)
{
	unsigned long s = 5381;

	for (long i = 0; i < n; i++)
		s = s * 33 + p[i];
	return s;
}

static void edges(const char *what, int fd, off_t size)
{
	char name[128];
	static unsigned char ref[256 << 10];
	long rn = size < (off_t)sizeof(ref) ? (long)size : (long)sizeof(ref);

	if (pread(fd, ref, rn, 0) != rn) {
		tl_fail("reference pread");
		return;
	}
	/* Short reads at end of file. */
	snprintf(name, sizeof(name), "%s: pread 64k at size-100", what);
	static unsigned char buf[64 << 10];
	tl_val(name, pread(fd, buf, sizeof(buf), size - 100), 100);
	snprintf(name, sizeof(name), "%s: pread at size", what);
	tl_val(name, pread(fd, buf, sizeof(buf), size), 0);
	snprintf(name, sizeof(name), "%s: pread past size", what);
	tl_val(name, pread(fd, buf, sizeof(buf), size + 4096), 0);
	lseek(fd, size - 10, SEEK_SET);
	snprintf(name, sizeof(name), "%s: read 64k 10 before eof", what);
	tl_val(name, read(fd, buf, sizeof(buf)), 10);
	snprintf(name, sizeof(name), "%s: then read at eof", what);
	tl_val(name, read(fd, buf, sizeof(buf)), 0);

	/* Four pages, the last two unmapped: a read from 100 bytes in
	 * fills up to the hole and returns that count. */
	unsigned char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + 2 * PG, 2 * PG);
	snprintf(name, sizeof(name), "%s: pread into a buffer running into a "
		 "hole", what);
	long n = tl_val(name, pread(fd, m + 100, 16384, 0), 2 * PG - 100);
	snprintf(name, sizeof(name), "%s: the bytes before the hole", what);
	tl_yes(name, n > 0 && !memcmp(m + 100, ref, (size_t)n));
	snprintf(name, sizeof(name), "%s: pread starting in the hole", what);
	tl_err(name, pread(fd, m + 2 * PG, 100, 0), EFAULT);
	lseek(fd, 0, SEEK_SET);
	snprintf(name, sizeof(name), "%s: read into the hole", what);
	tl_err(name, read(fd, m + 2 * PG + 8, 100), EFAULT);
	snprintf(name, sizeof(name), "%s: offset after it", what);
	tl_val(name, lseek(fd, 0, SEEK_CUR), 0);
	munmap(m, 2 * PG);

	/* Three pages, the last read-only: a read stops before it. */
	m = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(m + 2 * PG, PG, PROT_READ);
	snprintf(name, sizeof(name), "%s: pread into a buffer crossing a "
		 "read-only page", what);
	n = tl_val(name, pread(fd, m, 3 * PG, 0), 2 * PG);
	snprintf(name, sizeof(name), "%s: the writable part holds the data",
		 what);
	tl_yes(name, n > 0 && !memcmp(m, ref, (size_t)n));
	snprintf(name, sizeof(name), "%s: the read-only page is untouched",
		 what);
	tl_yes(name, m[2 * PG] == 0 && m[3 * PG - 1] == 0);
	munmap(m, 3 * PG);

	/* 200 KiB read (more than the sentry's first 64 KiB chunk) into 64
	 * pages whose page 25 (100 KiB) is unmapped. */
	m = mmap(NULL, 64 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(m + 25 * PG, PG);
	snprintf(name, sizeof(name), "%s: 200k pread with a hole at 100k",
		 what);
	n = tl_val(name, pread(fd, m, 200 << 10, 0), 25 * PG);
	snprintf(name, sizeof(name), "%s: its data", what);
	tl_yes(name, n > 0 && !memcmp(m, ref, (size_t)n));
	tl_say("%s: sum %lx", what, sum(m, n > 0 ? n : 0));
	munmap(m, 64 * PG);

	/* readv: the second iovec's buffer bad: the first one's bytes. */
	unsigned char a[300];
	struct iovec iov[2] = {{a, sizeof(a)}, {TL_BAD1, 100}};
	snprintf(name, sizeof(name), "%s: preadv good then bad", what);
	tl_val(name, preadv(fd, iov, 2, 0), sizeof(a));
}

int main(void)
{
	struct stat st;
	int fd = open(host_file, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (256 << 10)) {
		tl_say("no %s: skipped", host_file);
		return tl_done();
	}
	edges("host", fd, st.st_size);
	close(fd);

	/* The same on tmpfs: a copy of the first 256 KiB. */
	static unsigned char data[256 << 10];
	fd = open(host_file, O_RDONLY);
	if (read(fd, data, sizeof(data)) != sizeof(data))
		tl_fail("read host file");
	close(fd);
	int t = open(tl_tmp("f"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	tl_val("tmpfs copy", write(t, data, sizeof(data)), sizeof(data));
	edges("tmpfs", t, sizeof(data));

	/* A sequential read of a file truncated under it, then grown. */
	static unsigned char buf[64 << 10];
	int t2 = open(tl_tmp("f"), O_RDWR);
	lseek(t, 0, SEEK_SET);
	tl_val("read 64k", read(t, buf, sizeof(buf)), sizeof(buf));
	tl_yes("first 64k", !memcmp(buf, data, sizeof(buf)));
	tl_err("truncate to 100k by another fd", ftruncate(t2, 100 << 10), 0);
	tl_val("read past the cut: the rest", read(t, buf, sizeof(buf)),
	       36 << 10);
	tl_yes("rest", !memcmp(buf, data + (64 << 10), 36 << 10));
	tl_val("then eof", read(t, buf, sizeof(buf)), 0);
	tl_err("grow to 300k", ftruncate(t2, 300 << 10), 0);
	memset(buf, 'x', sizeof(buf));
	tl_val("read the grown part", read(t, buf, sizeof(buf)), sizeof(buf));
	long z = 0;
	for (size_t i = 0; i < sizeof(buf); i++)
		z += buf[i] != 0;
	tl_val("it is zeroes", z, 0);
	tl_err("truncate to 0", ftruncate(t2, 0), 0);
	tl_val("read after truncate to 0", read(t, buf, sizeof(buf)), 0);
	tl_val("pread at 0", pread(t, buf, sizeof(buf), 0), 0);
	close(t2);
	close(t);
	tl_cleanup();
	return tl_done();
}
