/* The system call number is rax's low 32 bits (Linux's do_syscall_64()
 * takes an int): the upper half is ignored, and a number past the table,
 * -1 included, is ENOSYS. */
#include <errno.h>
#include "testlib.h"

static long raw0(unsigned long nr)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr)
			 : "rcx", "r11", "memory");
	return r;
}

int main(void)
{
	tl_yes("(1 << 32) | getpid is getpid", raw0((1UL << 32) | 39) == getpid());
	tl_yes("(0xdead << 32) | getppid is getppid",
	       raw0((0xdeadUL << 32) | 110) == getppid());
	tl_raw("(1 << 32) | 1000", raw0((1UL << 32) | 1000), -ENOSYS);
	tl_raw("1000", raw0(1000), -ENOSYS);
	tl_raw("-1", raw0(-1UL), -ENOSYS);
	tl_raw("0xffffffff", raw0(0xffffffffUL), -ENOSYS);
	return tl_done();
}
