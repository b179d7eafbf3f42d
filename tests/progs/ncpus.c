/* The CPU count a program sees is the host's, by every route: the
 * affinity mask (nproc), sysconf (os.cpu_count(), which reads /proc/stat
 * when /sys is absent) and /proc/stat's cpuN lines. Under ptrace the
 * sentry's threads are pinned to one CPU each, and once answered 1.
 * (Counts are capped at 64, the sandbox's mask width.) */
#include <sched.h>
#include "testlib.h"

static long cap(long n)
{
	return n > 64 ? 64 : n;
}

int main(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	tl_err("sched_getaffinity", sched_getaffinity(0, sizeof(set), &set),
	       0);
	tl_say("affinity %ld", cap(CPU_COUNT(&set)));
	tl_say("sysconf online %ld", cap(sysconf(_SC_NPROCESSORS_ONLN)));
	FILE *f = fopen("/proc/stat", "r");
	char line[256];
	long n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += !strncmp(line, "cpu", 3) && line[3] >= '0' &&
		     line[3] <= '9';
	if (f)
		fclose(f);
	tl_say("/proc/stat cpus %ld", cap(n));
	return tl_done();
}
