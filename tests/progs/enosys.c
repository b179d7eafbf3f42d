/* System calls that do not exist return ENOSYS, and the program goes on. */
#include "testlib.h"

int main(void)
{
	tl_err("syscall 1000", syscall(1000), ENOSYS);
	tl_err("syscall 500", syscall(500), ENOSYS);
	tl_err("syscall -1", syscall(-1), ENOSYS);
	tl_err("syscall 1<<20", syscall(1 << 20), ENOSYS);
	tl_err("x32 bit set getpid", syscall(0x40000000 | SYS_getpid), ENOSYS);
	tl_yes("still running", getpid() > 0);
	return tl_done();
}
