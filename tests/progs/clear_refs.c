/* /proc/self/clear_refs: write-only; 1 to 5 accepted, others EINVAL;
 * a read (root may open it) is EINVAL. */
#include "testlib.h"

static long put(const char *v)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, v, strlen(v));
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}

int main(void)
{
	static const char *const ok[] = {"1", "4", "5\n"};
	static const char *const bad[] = {"6", "0", "x"};
	for (size_t i = 0; i < 3; i++)
		tl_err(ok[i], put(ok[i]), 0);
	for (size_t i = 0; i < 3; i++)
		tl_err(bad[i], put(bad[i]), EINVAL);
	int fd = open("/proc/self/clear_refs", O_RDONLY);
	if (fd >= 0) {
		char b[8];
		tl_err("read", read(fd, b, sizeof(b)), EINVAL);
		close(fd);
	} else {
		tl_err("read", -1, EINVAL); /* not root: EACCES shows */
	}
	return tl_done();
}
