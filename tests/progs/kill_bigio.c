/* SIGKILL stops a huge read or copy inside the sentry: Linux checks
 * fatal_signal_pending() per page, so a killed reader dies at once. The
 * sentry finished the call first: a 1 GiB read of /dev/zero or of a
 * sparse file, or a copy_file_range of a 1 TiB sparse file, kept a killed
 * app (and the sandbox's exit) waiting for seconds, minutes in a sanitizer
 * build (found by sb-fuzz). Each child loops on such calls; it must be
 * reaped within 3 s of SIGKILL (natively: milliseconds). */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"

#define GIB (1UL << 30)

static char *big(void)
{
	char *m = mmap(NULL, GIB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		_exit(2);
	return m;
}

static void read_zero(void)
{
	int z = open("/dev/zero", O_RDONLY);
	char *m = big();
	for (;;) {
		read(z, m, GIB);
		madvise(m, GIB, MADV_DONTNEED);
	}
}

/* /tmp/kill_bigio.PID.X, PID the test's own (the native runs of both
 * platforms overlap); the checks run in children of it. */
static pid_t top;
static const char *tmpname(char x)
{
	static char buf[4][64];
	static int i;
	char *b = buf[i++ & 3];
	snprintf(b, sizeof(buf[0]), "/tmp/kill_bigio.%d.%c", (int)top, x);
	return b;
}

static void pread_sparse(void)
{
	int f = open(tmpname('a'), O_RDWR | O_CREAT | O_TRUNC, 0600);
	char *m = big();
	if (f < 0 || ftruncate(f, 1L << 40) != 0)
		_exit(2);
	for (;;) {
		pread(f, m, GIB, 0);
		madvise(m, GIB, MADV_DONTNEED);
	}
}

static void copy_sparse(void)
{
	int a = open(tmpname('b'), O_RDWR | O_CREAT | O_TRUNC, 0600);
	int b = open(tmpname('c'), O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (a < 0 || b < 0 || ftruncate(a, 1L << 40) != 0)
		_exit(2);
	for (;;) {
		loff_t x = 0, y = 0;
		copy_file_range(a, &x, b, &y, 1L << 40, 0);
		ftruncate(b, 0);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void check(const char *name, void (*fn)(void))
{
	int st;
	pid_t p = fork();
	if (p == 0) {
		fn();
		_exit(0);
	}
	usleep(300 * 1000);	/* well inside a call */
	double t0 = now();
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	double dt = now() - t0;
	printf("%s: killed %s, reaped within 3 s %s\n", name,
	       WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? "yes" : "no",
	       dt < 3 ? "yes" : "NO");
	if (dt >= 3)
		fprintf(stderr, "%s: %.2f s\n", name, dt);
}

int main(void)
{
	alarm(120);
	top = getpid();
	check("read /dev/zero 1 GiB", read_zero);
	check("pread sparse 1 GiB", pread_sparse);
	check("copy_file_range sparse 1 TiB", copy_sparse);
	unlink(tmpname('a'));
	unlink(tmpname('b'));
	unlink(tmpname('c'));
	return 0;
}
