/* sync, syncfs, readahead, mlockall, munlockall, membarrier: argument
 * checks and results as on Linux. */
#include "testlib.h"

#include <linux/membarrier.h>
#include <sys/mman.h>

int main(void)
{
	sync();
	tl_say("sync returned");
	int fd = open("/etc/passwd", O_RDONLY);
	tl_err("syncfs", syncfs(fd), 0);
	tl_err("syncfs bad fd", syncfs(-1), EBADF);
	tl_err("readahead", readahead(fd, 0, 4096), 0);
	tl_err("readahead bad fd", readahead(-1, 0, 1), EBADF);
	int p[2];
	if (pipe(p) == 0)
		tl_err("readahead pipe", readahead(p[0], 0, 1), EINVAL);
	tl_err("mlockall 0", mlockall(0), EINVAL);
	tl_err("mlockall ONFAULT alone", mlockall(MCL_ONFAULT), EINVAL);
	tl_err("mlockall bogus", mlockall(0x100), EINVAL);
	tl_err("munlockall", munlockall(), 0);
	long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	tl_yes("membarrier query answers", q >= 0);
	tl_err("membarrier query flags", syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0), EINVAL);
	return tl_done();
}
