/* A shrinking truncate takes mapped pages back: an access past the new
 * end of file (rounded up to a page) raises SIGBUS in every mapping,
 * shared or private, even where a private copy was already made
 * (Linux's truncate_pagecache() unmaps with even_cows); growing the file
 * back shows zeroes. Checked on /tmp (tmpfs when sandboxed) and /var/tmp
 * (the overlay's upper layer), in this process and a forked child,
 * and on a memfd. */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

#define PG 4096

static sigjmp_buf jb;

static void on_sig(int sig)
{
	siglongjmp(jb, sig);
}

/* "ok:C" with the byte read (C as a letter, or 0 for a zero), or the
 * signal raised. */
static char probe_buf[16];

static const char *probe(volatile char *p)
{
	int sig = sigsetjmp(jb, 1);
	if (sig)
		return sig == SIGBUS ? "SIGBUS" : "SIGSEGV";
	char c = *p;
	snprintf(probe_buf, sizeof(probe_buf), "ok:%c", c ? c : '0');
	return probe_buf;
}

static void show(const char *what, char *m, int page)
{
	tl_say("%s page %d: %s", what, page, probe(m + page * PG));
}

static void run(const char *dir)
{
	char path[64], buf[PG];
	snprintf(path, sizeof(path), "%s/rv_mmap_truncate.%d", dir,
		 (int)getpid()); /* native runs of both platforms overlap */
	unlink(path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		tl_fail("open");
		return;
	}
	for (char c = 'a'; c <= 'c'; c++) {
		memset(buf, c, PG);
		if (write(fd, buf, PG) != PG)
			tl_fail("write");
	}
	char *sh = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			fd, 0);
	char *ro = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	char *cw = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			fd, 0);
	if (sh == MAP_FAILED || ro == MAP_FAILED || cw == MAP_FAILED) {
		tl_fail("mmap");
		return;
	}
	tl_say("%s", dir);
	for (int i = 0; i < 3; i++) {
		show("shared", sh, i);
		show("private", ro, i);
	}
	cw[2 * PG] = 'z'; /* a private copy of page 2 */
	cw[0] = 'y';
	show("cow", cw, 2);

	tl_err("ftruncate 1 page", ftruncate(fd, PG), 0);
	for (int i = 0; i < 3; i++) {
		show("shared", sh, i);
		show("private", ro, i);
		show("cow", cw, i);
	}

	/* A forked child's inherited mappings, and the parent's after the
	 * child shrinks the file further. */
	tl_err("ftruncate 3 pages", ftruncate(fd, 3 * PG), 0);
	sh[PG] = 'q';
	show("shared", sh, 1);
	pid_t pid = fork();
	if (pid == 0) {
		show("child shared", sh, 1);
		show("child private", ro, 1);
		tl_err("child ftruncate 0", ftruncate(fd, 0), 0);
		show("child shared", sh, 0);
		show("child shared", sh, 1);
		show("child cow", cw, 0);
		_exit(tl_failed);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	tl_yes("child exited 0", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	show("shared", sh, 0);
	show("private", ro, 0);
	show("cow", cw, 0);

	/* Growing back: zeroes, in every mapping. */
	tl_err("ftruncate 3 pages", ftruncate(fd, 3 * PG), 0);
	for (int i = 0; i < 3; i++) {
		show("shared", sh, i);
		show("private", ro, i);
		show("cow", cw, i);
	}

	/* O_TRUNC is a shrink too. */
	memset(buf, 'd', PG);
	tl_err("pwrite", pwrite(fd, buf, PG, 0) == PG ? 0 : -1, 0);
	show("shared", sh, 0);
	tl_err("open O_TRUNC", tl_fdclose(open(path, O_RDWR | O_TRUNC)), 0);
	show("shared", sh, 0);
	show("private", ro, 0);

	munmap(sh, 3 * PG);
	munmap(ro, 3 * PG);
	munmap(cw, 3 * PG);
	close(fd);
	unlink(path);
}

/* A memfd is a tmpfs file without a name. */
static void run_memfd(void)
{
	int fd = memfd_create("rv_mmap_truncate", 0);
	if (fd < 0 || ftruncate(fd, 2 * PG) < 0) {
		tl_fail("memfd");
		return;
	}
	char *sh = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			fd, 0);
	if (sh == MAP_FAILED) {
		tl_fail("mmap memfd");
		return;
	}
	tl_say("memfd");
	sh[PG] = 'm';
	show("shared", sh, 1);
	tl_err("ftruncate 1 page", ftruncate(fd, PG), 0);
	show("shared", sh, 0);
	show("shared", sh, 1);
	munmap(sh, 2 * PG);
	close(fd);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_sig};
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	run("/tmp");
	run("/var/tmp");
	run_memfd();
	return tl_done();
}
