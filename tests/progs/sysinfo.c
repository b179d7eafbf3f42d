/* sysinfo and times: sane values, never exact ones. */
#include <sys/sysinfo.h>
#include <sys/times.h>
#include "testlib.h"

int main(void)
{
	struct sysinfo si;
	struct tms t;

	tl_err("sysinfo", sysinfo(&si), 0);
	tl_yes("uptime > 0", si.uptime > 0);
	tl_yes("mem_unit >= 1", si.mem_unit >= 1);
	tl_yes("totalram >= 64 MiB",
	       (unsigned long long)si.totalram * si.mem_unit >= 64ULL << 20);
	tl_yes("freeram <= totalram", si.freeram <= si.totalram);
	tl_yes("procs >= 1", si.procs >= 1);
	tl_err("sysinfo bad ptr", syscall(SYS_sysinfo, TL_BAD1), EFAULT);

	volatile unsigned long x = 0;
	for (unsigned long i = 0; i < 50000000UL; i++)
		x += i;
	clock_t c = times(&t);
	tl_yes("times not -1", c != (clock_t)-1);
	tl_yes("fields >= 0", t.tms_utime >= 0 && t.tms_stime >= 0 &&
	       t.tms_cutime >= 0 && t.tms_cstime >= 0);
	clock_t c2 = times(NULL);
	tl_yes("times(NULL) works, not backwards", c2 >= c);
	tl_yes("CLK_TCK 100", sysconf(_SC_CLK_TCK) == 100);
	tl_err("times bad ptr", syscall(SYS_times, TL_BAD1), EFAULT);
	tl_yes("nprocs >= 1", get_nprocs() >= 1);
	return tl_done();
}
