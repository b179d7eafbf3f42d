/* arch_prctl: ARCH_SET_FS/ARCH_GET_FS and GS round trips. glibc keeps its
 * thread pointer (and the stack protector canary) in FS, so the FS round
 * trip runs in a function with raw system calls and no canary, and puts
 * the old value back before anything else touches TLS. */
#include <asm/prctl.h>
#include "testlib.h"

static inline long raw2(long nr, long a, long b)
{
	long ret;

	asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b)
		     : "rcx", "r11", "memory");
	return ret;
}

static unsigned long fake_tcb[64];

__attribute__((noinline, optimize("no-stack-protector")))
static int fs_round_trip(long *set_ret, long *back_ret)
{
	unsigned long old = 0, got = 0, now = 0;

	raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&old);
	*set_ret = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)fake_tcb);
	raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&got);
	/* %fs:0 is the TCB's self pointer slot: reads come from fake_tcb. */
	unsigned long via_fs;
	asm volatile("mov %%fs:8, %0" : "=r"(via_fs));
	*back_ret = raw2(SYS_arch_prctl, ARCH_SET_FS, (long)old);
	raw2(SYS_arch_prctl, ARCH_GET_FS, (long)&now);
	return (got == (unsigned long)fake_tcb) | (via_fs == 0x1234) << 1 |
	       (now == old) << 2 | (old != 0) << 3;
}

int main(void)
{
	long s, b;
	unsigned long gs = 1;

	fake_tcb[1] = 0x1234;
	int r = fs_round_trip(&s, &b);
	tl_raw("ARCH_SET_FS", s, 0);
	tl_raw("ARCH_SET_FS back", b, 0);
	tl_yes("old FS nonzero", r & 8);
	tl_yes("GET_FS returns what was set", r & 1);
	tl_yes("%fs-relative load uses new base", r & 2);
	tl_yes("FS restored", r & 4);
	errno = 5;
	tl_yes("TLS (errno) still works", errno == 5);

	tl_raw("ARCH_GET_GS", raw2(SYS_arch_prctl, ARCH_GET_GS, (long)&gs), 0);
	tl_yes("GS initially 0", gs == 0);
	tl_raw("ARCH_SET_GS", raw2(SYS_arch_prctl, ARCH_SET_GS,
				   (long)fake_tcb), 0);
	raw2(SYS_arch_prctl, ARCH_GET_GS, (long)&gs);
	tl_yes("GET_GS round trip", gs == (unsigned long)fake_tcb);
	unsigned long via_gs;
	asm volatile("mov %%gs:8, %0" : "=r"(via_gs));
	tl_yes("%gs-relative load", via_gs == 0x1234);
	raw2(SYS_arch_prctl, ARCH_SET_GS, 0);

	tl_raw("bad code", raw2(SYS_arch_prctl, 0x9999, 0), -EINVAL);
	tl_raw("SET_FS non-canonical", raw2(SYS_arch_prctl, ARCH_SET_FS,
					    (long)TL_BADK), -EPERM);
	tl_raw("GET_FS bad ptr", raw2(SYS_arch_prctl, ARCH_GET_FS,
				      (long)TL_BAD1), -EFAULT);
	return tl_done();
}
