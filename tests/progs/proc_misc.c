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
	return tl_done();
}
