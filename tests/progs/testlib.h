/* Helpers shared by the differential test programs.
 *
 * Every program is run natively and under ringvisor and the two stdouts are
 * compared, so a program prints only what must be identical in both runs:
 * relations ("t2>=t1 yes"), error names, sizes of things it made itself;
 * never pids, addresses, times or inode numbers.
 *
 * The checks also carry the expectation: a check that does not hold prints
 * its observation and makes tl_done() return 1, so a program that misbehaves
 * natively (a wrong test) is caught by the driver as well as a sandbox that
 * prints something else.
 */
#ifndef RV_TESTLIB_H
#define RV_TESTLIB_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

/* A pointer just above NULL and the first kernel half address: both must
 * give EFAULT from any system call, never a crash of the sandbox. */
#define TL_BAD1 ((void *)1)
#define TL_BADK ((void *)0xffff800000000000ULL)

static int tl_failed;

/* Line buffered even into a file: output is flushed before a crash and
 * interleaves with stderr as written. */
__attribute__((constructor)) static void tl_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
}

static inline const char *tl_errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

__attribute__((format(printf, 1, 2))) static inline void tl_say(
	const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* "what yes" when cond holds, else "what no" and a failure. */
static inline int tl_yes(const char *what, int cond)
{
	printf("%s %s\n", what, cond ? "yes" : "no");
	if (!cond)
		tl_failed = 1;
	return cond;
}

/* For a libc call returning -1/errno: "what = ENAME" or "what = ok" and the
 * expectation (0 for success, else an errno value) checked. */
static inline long tl_err(const char *what, long r, int want)
{
	int e = r < 0 ? errno : 0;

	if (e)
		printf("%s = %s\n", what, tl_errname(e));
	else
		printf("%s = ok\n", what);
	if (e != want)
		tl_failed = 1;
	return r;
}

/* For a call whose value is deterministic: "what = N" or "what = ENAME". */
static inline long tl_val(const char *what, long r, long want)
{
	if (r < 0 && errno)
		printf("%s = %s\n", what, tl_errname(errno));
	else
		printf("%s = %ld\n", what, r);
	if (r != want)
		tl_failed = 1;
	return r;
}

/* For a raw (inline asm) system call returning -errno: "what = -ENAME" or
 * "what = N". */
static inline long tl_raw(const char *what, long r, long want)
{
	if (r < 0 && r > -4096)
		printf("%s = -%s\n", what, tl_errname((int)-r));
	else
		printf("%s = %ld\n", what, r);
	if (r != want)
		tl_failed = 1;
	return r;
}

/* Close a descriptor just opened, keeping the open's result (and errno,
 * when it failed) for tl_err: tl_err("x", tl_fdclose(open(...)), 0). */
static inline long tl_fdclose(long fd)
{
	if (fd >= 0)
		close((int)fd);
	return fd;
}

/* A failing call with no expected errno: say so and count it. */
static inline void tl_fail(const char *what)
{
	printf("%s failed: %s\n", what, tl_errname(errno));
	tl_failed = 1;
}

static inline int tl_done(void)
{
	if (tl_failed)
		printf("SOME CHECKS FAILED\n");
	return tl_failed ? 1 : 0;
}

/* A private directory under /tmp: natively /tmp is shared by concurrent
 * runs, so the name carries the test name and pid (never printed). */
static inline const char *tl_tmpdir(void)
{
	static char path[256];

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/rvt-%s-%d",
			 program_invocation_short_name, (int)getpid());
		if (mkdir(path, 0700) < 0 && errno != EEXIST) {
			tl_fail("mkdir tmpdir");
			exit(1);
		}
	}
	return path;
}

/* tl_tmpdir()/name, in a static buffer of four slots. */
static inline const char *tl_tmp(const char *name)
{
	static char bufs[4][320];
	static int i;
	char *b = bufs[i++ & 3];

	snprintf(b, sizeof(bufs[0]), "%s/%s", tl_tmpdir(), name);
	return b;
}

static inline void tl_rmtree_at(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
	DIR *d;
	struct dirent *e;

	if (fd < 0) {
		unlinkat(dfd, name, 0);
		return;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		tl_rmtree_at(fd, e->d_name);
	}
	closedir(d);
	unlinkat(dfd, name, AT_REMOVEDIR);
}

/* Remove what the test made; silent, since cleanup is not the test. */
static inline void tl_cleanup(void)
{
	tl_rmtree_at(AT_FDCWD, tl_tmpdir());
}

/* Make a file with the given contents; returns 0 or -1. */
static inline int tl_write_file(const char *path, const void *buf, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, buf, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* Read a whole (small) file into a malloc'd NUL-terminated buffer. */
static inline char *tl_read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	size_t cap = 4096, n = 0;
	char *buf;
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf = malloc(cap + 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			free(buf);
			close(fd);
			return NULL;
		}
		if (r == 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

#endif /* RV_TESTLIB_H */
