/* vmsplice(2) out of a pipe into a huge buffer takes only what the pipe
 * holds, and touches no more of the buffer than that. The sandbox
 * resolved the whole buffer first (up to 2 GiB), allocating every page
 * of it: a 3-byte vmsplice into a 1 GiB MAP_NORESERVE buffer made the
 * process 1 GiB larger (read(2) had been capped to the pipe's size
 * already). Into the pipe, a huge buffer moves one pipe's worth. */
#include <sys/mman.h>
#include <sys/uio.h>

#include "testlib.h"

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char l[256];
	long v = -1;
	while (f && fgets(l, sizeof(l), f))
		if (!strncmp(l, "VmRSS:", 6))
			sscanf(l + 6, "%ld", &v);
	if (f)
		fclose(f);
	return v;
}

int main(void)
{
	size_t len = (size_t)1 << 30;
	char *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int p[2];
	if (b == MAP_FAILED || pipe(p))
		return 1;
	tl_val("write 3 bytes", write(p[1], "abc", 3), 3);
	long r0 = rss_kib();
	struct iovec v = {b, len};
	tl_val("vmsplice out into 1 GiB", vmsplice(p[0], &v, 1, 0), 3);
	tl_yes("the bytes arrived", !memcmp(b, "abc", 3));
	tl_yes("the process grew by less than 16 MiB",
	       rss_kib() - r0 < 16 * 1024);

	/* Into the pipe: at most its size at once, non-blocking. */
	long cap = fcntl(p[1], F_GETPIPE_SZ);
	r0 = rss_kib();
	struct iovec w = {b + len / 2, len / 2};
	long n = vmsplice(p[1], &w, 1, SPLICE_F_NONBLOCK);
	tl_yes("vmsplice of 512 MiB into an empty pipe moves at most its size",
	       n > 0 && n <= cap);
	tl_yes("and the process grew by less than 16 MiB",
	       rss_kib() - r0 < 16 * 1024);
	tl_err("the pipe is full now",
	       vmsplice(p[1], &w, 1, SPLICE_F_NONBLOCK), EAGAIN);
	return tl_done();
}
