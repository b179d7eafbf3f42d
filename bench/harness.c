/* Measurements taken from outside the sandbox, for bench/run.sh:
 *
 *   harness startup N CMD...   median wall time of N runs of CMD, in us
 *                              (prints `startup_us X`, nothing if a run
 *                              fails)
 *   harness rss CMD...         run CMD (e.g. a sandbox running `sleep 1`)
 *                              and sample, every 10 ms, the summed VmRSS
 *                              and Pss of CMD and all its descendants;
 *                              prints `peak_rss_kib X` and `peak_pss_kib Y`
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static pid_t spawn(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int startup(int n, char **argv)
{
	double *t = calloc(n, sizeof(*t));

	for (int i = 0; i < n; i++) {
		double a = now();
		int st;
		pid_t p = spawn(argv);

		if (p < 0 || waitpid(p, &st, 0) != p || st != 0)
			return 1;
		t[i] = now() - a;
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("startup_us %.0f\n", t[n / 2] * 1e6);
	return 0;
}

/* Pss of one process from /proc/PID/smaps_rollup (0 if it is gone). */
static long proc_pss(pid_t pid)
{
	char path[64], line[256];
	long pss = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Pss:", 4)) {
			pss = atol(line + 4);
			break;
		}
	fclose(f);
	return pss;
}

/*
 * Sum VmRSS and Pss over root and its descendants (found through PPid).
 * The VmRSS sum counts a page once per process mapping it: the shared
 * text of libc, ld.so and ringvisor in the monitor, the gofer and the
 * sentry, and the memory file's pages mapped both in the sentry and in a
 * ptrace stub. Pss splits each page among its mappers (host processes
 * outside the sandbox included), so it is the fairer sum; both are kept.
 */
static void tree_mem(pid_t root, long *rss_sum, long *pss_sum)
{
	static pid_t pids[32768], ppids[32768];
	static long rss[32768];
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	*rss_sum = *pss_sum = 0;
	while (d && (e = readdir(d)) && n < 32768) {
		char path[300], line[256];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		pids[n] = atoi(e->d_name);
		ppids[n] = 0;
		rss[n] = 0;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "PPid:", 5))
				ppids[n] = atoi(line + 5);
			else if (!strncmp(line, "VmRSS:", 6))
				rss[n] = atol(line + 6);
		}
		fclose(f);
		n++;
	}
	if (d)
		closedir(d);
	/* Mark descendants: repeat until no new process joins the set. */
	static char in[32768];
	memset(in, 0, n);
	for (int changed = 1; changed;) {
		changed = 0;
		for (int i = 0; i < n; i++) {
			if (in[i])
				continue;
			int join = pids[i] == root;

			for (int j = 0; j < n && !join; j++)
				join = in[j] && pids[j] == ppids[i];
			if (join) {
				in[i] = 1;
				changed = 1;
			}
		}
	}
	for (int i = 0; i < n; i++)
		if (in[i]) {
			*rss_sum += rss[i];
			*pss_sum += proc_pss(pids[i]);
		}
}

/* Peaks of the two sums, each over the run (not necessarily at the same
 * sample). */
static int peak_rss(char **argv)
{
	pid_t p = spawn(argv);
	long peak = 0, peak_pss = 0;
	int st;

	if (p < 0)
		return 1;
	while (waitpid(p, &st, WNOHANG) == 0) {
		long r, pss;

		tree_mem(p, &r, &pss);
		if (r > peak)
			peak = r;
		if (pss > peak_pss)
			peak_pss = pss;
		usleep(10000);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 1;
	printf("peak_rss_kib %ld\npeak_pss_kib %ld\n", peak, peak_pss);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "startup"))
		return startup(atoi(argv[2]) > 0 ? atoi(argv[2]) : 1, argv + 3);
	if (argc >= 3 && !strcmp(argv[1], "rss"))
		return peak_rss(argv + 2);
	fprintf(stderr, "usage: harness startup N CMD... | harness rss CMD...\n");
	return 2;
}
