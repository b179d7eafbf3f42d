/* copy_file_range(2) to a destination offset near the largest one: the
 * count is shortened to end there (Linux's generic_write_check_limits()),
 * and the checks that follow never compute past INT64_MAX. The sandbox
 * did not shorten it, so its overlap check overflowed a signed 64-bit
 * sum (undefined behaviour: a sanitizer build of the sentry aborted)
 * and the call said EINVAL where Linux copies. Sandbox only: Linux's
 * tmpfs takes a file that large, the sentry's stops at its file size
 * limit (EFBIG), which is what the copy says once it gets to writing. */
#include <stdint.h>
#include <sys/mman.h>

#include "testlib.h"

int main(void)
{
	int fd = memfd_create("cfr", 0), fd2 = memfd_create("cfr2", 0);
	char b[100] = {0};
	if (fd < 0 || fd2 < 0 || write(fd, b, sizeof(b)) != sizeof(b))
		return 1;
	static const int64_t back[] = {10, 100, 1, 0};
	for (size_t k = 0; k < 4; k++) {
		off64_t pi = 0, po = INT64_MAX - back[k];
		char what[64];
		snprintf(what, sizeof(what), "same file, to INT64_MAX-%lld",
			 (long long)back[k]);
		tl_err(what, copy_file_range(fd, &pi, fd, &po, 100, 0), EFBIG);
	}
	off64_t pi = 0, po = INT64_MAX - 10;
	tl_err("another file, to INT64_MAX-10",
	       copy_file_range(fd, &pi, fd2, &po, 100, 0), EFBIG);
	return tl_done();
}
