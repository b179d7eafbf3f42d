/* /proc/cpuinfo, meminfo, mounts, self/cmdline, self link. */
#include "testlib.h"

int main(int argc, char **argv)
{
	size_t n;
	char *s;

	s = tl_read_file("/proc/cpuinfo", NULL);
	tl_yes("cpuinfo has processor", s && !strncmp(s, "processor", 9));
	tl_yes("cpuinfo has flags", s && strstr(s, "\nflags"));
	free(s);
	s = tl_read_file("/proc/meminfo", NULL);
	tl_yes("meminfo starts MemTotal:", s && !strncmp(s, "MemTotal:", 9));
	tl_yes("meminfo has MemFree", s && strstr(s, "\nMemFree:"));
	free(s);
	s = tl_read_file("/proc/mounts", NULL);
	tl_yes("mounts readable", s != NULL);
	tl_yes("mounts has a / line", s && strstr(s, " / "));
	free(s);
	s = tl_read_file("/proc/self/cmdline", &n);
	size_t want = 0;
	for (int i = 0; i < argc; i++)
		want += strlen(argv[i]) + 1;
	tl_yes("cmdline length", s && n == want);
	tl_yes("cmdline NUL-separated argv", s && !strcmp(s, argv[0]) &&
	       (argc < 2 || !strcmp(s + strlen(argv[0]) + 1, argv[1])));
	free(s);
	char l[64];
	ssize_t k = readlink("/proc/self", l, sizeof(l) - 1);
	l[k > 0 ? k : 0] = 0;
	tl_yes("/proc/self -> getpid", k > 0 && atoi(l) == getpid());
	struct stat st;
	tl_err("stat /proc", stat("/proc", &st), 0);
	tl_yes("/proc is dir", S_ISDIR(st.st_mode));

	/* ps(1) ages a process by uptime - starttime/HZ: the process started
	 * moments ago, so the two agree to within a few seconds. */
	double up = 0;
	s = tl_read_file("/proc/uptime", NULL);
	tl_yes("uptime parses", s && sscanf(s, "%lf", &up) == 1 && up > 0);
	free(s);
	s = tl_read_file("/proc/self/stat", NULL);
	char *p = s ? strrchr(s, ')') : NULL;
	unsigned long long start = 0;
	/* After "comm)": state is field 3, starttime field 22. */
	tl_yes("stat starttime parses",
	       p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			   "%*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
			   &start) == 1);
	free(s);
	double age = up - start / 100.0;
	tl_yes("process age from stat is 0..10 s", age > -0.5 && age < 10);
	return tl_done();
}
