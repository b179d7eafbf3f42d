/* The system-call workload used to compare sandboxes (the same figures as
 * ../shared/tools/microbench.c, written for this project): run it natively
 * and inside each sandbox; it prints `name value` lines.
 *
 *   microbench [-t TRUE] [FIGURE...]
 *        figures: getppid clock_gettime open_close stat read4k read1m
 *                 write1m mmap pipe fork_wait fork_exec
 *        (default: all); TRUE is the program fork_exec runs (/bin/true)
 *
 * Each figure is independent and printed as soon as it is measured, so a
 * sandbox that cannot yet fork still reports the others. A figure whose
 * set-up fails prints nothing. Iteration counts scale with RV_BENCH_N. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long n_base = 20000;
static const char *true_path = "/bin/true";

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void report(const char *name, double per, const char *unit)
{
	printf("%s_%s %.*f\n", name, unit, unit[0] == 'u' ? 1 : 0, per);
	fflush(stdout);
}

static void b_getppid(void)
{
	long n = n_base;
	double t = now();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	report("getppid", (now() - t) * 1e9 / n, "ns");
}

/* Through libc, so the vDSO when there is one. The sandbox's vDSO starts
 * after its first calibration (20 ms): wait past it. */
static void b_clock_gettime(void)
{
	long n = n_base * 5;
	struct timespec ts, nap = {0, 60 * 1000 * 1000};

	nanosleep(&nap, NULL);
	double t = now();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	report("clock_gettime", (now() - t) * 1e9 / n, "ns");
}

static void b_open_close(void)
{
	long n = n_base / 4;
	double t = now();

	for (long i = 0; i < n; i++) {
		int fd = open("/etc/hostname", O_RDONLY);

		if (fd < 0)
			fd = open("/etc/passwd", O_RDONLY);
		if (fd < 0)
			return;
		close(fd);
	}
	report("open_close", (now() - t) * 1e9 / n, "ns");
}

/* A path walk and the attributes of a file on the root. */
static void b_stat(void)
{
	long n = n_base / 4;
	struct stat st;
	double t = now();

	for (long i = 0; i < n; i++)
		if (stat("/usr/bin/env", &st) < 0)
			return;
	report("stat", (now() - t) * 1e9 / n, "ns");
}

/* 1 MiB read sequentially, 64 KiB at a time, from a host file on the root
 * (cached by the host after the first pass). */
static void b_read1m(void)
{
	static char buf[65536];
	long n = n_base / 200;
	int fd = open("/usr/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY);
	double t = now();

	if (fd < 0)
		return;
	for (long i = 0; i < n; i++)
		for (off_t o = 0; o < (1 << 20); o += sizeof(buf))
			if (pread(fd, buf, sizeof(buf), o) != sizeof(buf))
				return;
	report("read1m", (now() - t) * 1e6 / n, "us");
	close(fd);
}

/* 1 MiB written sequentially, 64 KiB at a time, to a new file in /tmp. */
static void b_write1m(void)
{
	static char buf[65536];
	long n = n_base / 200;
	char path[64];

	snprintf(path, sizeof(path), "/tmp/rv-bench-%d", (int)getpid());
	memset(buf, 'x', sizeof(buf));
	double t = now();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0)
			return;
		for (int k = 0; k < 16; k++)
			if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
				close(fd);
				unlink(path);
				return;
			}
		close(fd);
	}
	report("write1m", (now() - t) * 1e6 / n, "us");
	unlink(path);
}

static void b_read4k(void)
{
	static char buf[4096];
	long n = n_base / 4;
	int fd = open("/dev/zero", O_RDONLY);
	double t = now();

	if (fd < 0)
		return;
	for (long i = 0; i < n; i++)
		if (read(fd, buf, sizeof(buf)) != sizeof(buf))
			return;
	report("read4k", (now() - t) * 1e9 / n, "ns");
	close(fd);
}

static void b_mmap(void)
{
	long n = n_base / 4;
	double t = now();

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return;
		p[0] = 1;
		munmap(p, 65536);
	}
	report("mmap_touch_munmap", (now() - t) * 1e9 / n, "ns");
}

static void b_pipe(void)
{
	long n = n_base / 10;
	int p[2], q[2];
	char c = 'x';
	pid_t pid;
	double t;

	if (pipe(p) || pipe(q))
		return;
	pid = fork();
	if (pid < 0)
		return;
	if (pid == 0) {
		for (long i = 0; i < n; i++)
			if (read(p[0], &c, 1) != 1 || write(q[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	t = now();
	for (long i = 0; i < n; i++)
		if (write(p[1], &c, 1) != 1 || read(q[0], &c, 1) != 1)
			return;
	report("pipe_pingpong", (now() - t) * 1e9 / n, "ns");
	waitpid(pid, NULL, 0);
}

static void b_fork_wait(void)
{
	long n = n_base / 100;
	double t = now();

	for (long i = 0; i < n; i++) {
		pid_t c = fork();
		int st;

		if (c < 0)
			return;
		if (c == 0)
			_exit(0);
		if (waitpid(c, &st, 0) != c || st != 0)
			return;
	}
	report("fork_wait", (now() - t) * 1e6 / n, "us");
}

static void b_fork_exec(void)
{
	long n = n_base / 200;
	double t = now();

	for (long i = 0; i < n; i++) {
		pid_t c = fork();
		int st;

		if (c < 0)
			return;
		if (c == 0) {
			execl(true_path, "true", (char *)NULL);
			_exit(127);
		}
		if (waitpid(c, &st, 0) != c || st != 0)
			return;
	}
	report("fork_exec", (now() - t) * 1e6 / n, "us");
}

static const struct {
	const char *name;
	void (*fn)(void);
} figures[] = {
	{ "getppid", b_getppid }, { "clock_gettime", b_clock_gettime },
	{ "open_close", b_open_close }, { "stat", b_stat },
	{ "read4k", b_read4k }, { "read1m", b_read1m },
	{ "write1m", b_write1m }, { "mmap", b_mmap }, { "pipe", b_pipe },
	{ "fork_wait", b_fork_wait }, { "fork_exec", b_fork_exec },
};

int main(int argc, char **argv)
{
	const char *e = getenv("RV_BENCH_N");
	unsigned i;

	if (e && atol(e) >= 200)
		n_base = atol(e);
	if (argc >= 3 && !strcmp(argv[1], "-t")) {
		true_path = argv[2];
		argv += 2;
		argc -= 2;
	}
	for (i = 0; i < sizeof(figures) / sizeof(figures[0]); i++) {
		int want = argc < 2;

		for (int a = 1; a < argc; a++)
			want |= !strcmp(argv[a], figures[i].name);
		if (want)
			figures[i].fn();
	}
	return 0;
}
