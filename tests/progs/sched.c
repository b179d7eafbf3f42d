/* Scheduling calls: values are recorded and reported as Linux does, with
 * Linux's argument checks. */
#include "testlib.h"

#include <sched.h>
#include <sys/resource.h>

int main(void)
{
	struct sched_param p = {0};
	cpu_set_t set;

	tl_val("policy", sched_getscheduler(0), SCHED_OTHER);
	tl_val("max FIFO", sched_get_priority_max(SCHED_FIFO), 99);
	tl_val("min RR", sched_get_priority_min(SCHED_RR), 1);
	tl_val("max OTHER", sched_get_priority_max(SCHED_OTHER), 0);
	tl_err("max bogus", sched_get_priority_max(12345), EINVAL);
	tl_err("setscheduler BATCH", sched_setscheduler(0, SCHED_BATCH, &p), 0);
	tl_val("policy now", sched_getscheduler(0), SCHED_BATCH);
	p.sched_priority = 5;
	tl_err("BATCH with prio 5", sched_setscheduler(0, SCHED_BATCH, &p), EINVAL);
	p.sched_priority = 0;
	tl_err("back to OTHER", sched_setscheduler(0, SCHED_OTHER, &p), 0);
	tl_err("getparam", sched_getparam(0, &p), 0);
	tl_val("prio", p.sched_priority, 0);
	tl_err("getparam no pid", sched_getparam(-5, &p), EINVAL);
	struct timespec ts;
	tl_err("rr_get_interval", sched_rr_get_interval(0, &ts), 0);
	tl_err("getaffinity self", sched_getaffinity(0, sizeof(set), &set), 0);
	tl_yes("at least one cpu", CPU_COUNT(&set) >= 1);
	tl_err("getaffinity -1", sched_getaffinity(-1, sizeof(set), &set), ESRCH);
	tl_err("getaffinity size 1", syscall(SYS_sched_getaffinity, 0, 1, &set), EINVAL);
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	tl_err("setaffinity cpu0", sched_setaffinity(0, sizeof(set), &set), 0);
	CPU_ZERO(&set);
	tl_err("getaffinity after", sched_getaffinity(0, sizeof(set), &set), 0);
	tl_yes("only cpu0", CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set));
	CPU_ZERO(&set);
	tl_err("setaffinity empty", sched_setaffinity(0, sizeof(set), &set), EINVAL);
	errno = 0;
	tl_val("nice", getpriority(PRIO_PROCESS, 0), 0);
	tl_err("setpriority 5", setpriority(PRIO_PROCESS, 0, 5), 0);
	errno = 0;
	tl_val("nice now", getpriority(PRIO_PROCESS, 0), 5);
	tl_err("setpriority bogus which", setpriority(99, 0, 1), EINVAL);
	return tl_done();
}
