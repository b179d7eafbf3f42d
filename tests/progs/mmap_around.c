/* Fault-around: a fault also maps the neighbouring pages that are already
 * in memory (the file's cached pages, a forked child's shared ones), and
 * exec maps the program's. Neither may change what the program sees: every
 * check below touches only the first page of a window and then looks at
 * a neighbour the program never touched, which the sandbox has mapped
 * ahead:
 *  - a write to a private mapping copies the page (the file and other
 *    mappings keep the data), and MADV_DONTNEED gives the file's back;
 *  - a write through a shared mapping or write(2) is seen by every
 *    mapping whose page was not copied;
 *  - mprotect(PROT_NONE) of part of the window and munmap of a
 *    neighbour fault;
 *  - a mapping that ends or starts mid-window maps nothing outside it;
 *  - a shrinking truncate makes the neighbours past the new end SIGBUS;
 *  - after fork, a write by parent or child copies the page for itself;
 *  - a program exec'd from tmpfs, and again from the same file, runs.
 * On /tmp (tmpfs sandboxed), /var/tmp (the overlay's upper layer), a
 * memfd, and read-only on argv[1] (mmap_around.args: the lower layer,
 * whose mappings share the read-only page cache). */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "testlib.h"

#define PG 4096
#define NPG 20

static sigjmp_buf jb;

static void on_sig(int sig)
{
	siglongjmp(jb, sig);
}

/* The byte at p as a letter, '0' for a zero, or the signal's name. */
static const char *probe(volatile char *p)
{
	static char buf[8];
	int sig = sigsetjmp(jb, 1);
	if (sig)
		return sig == SIGBUS ? "SIGBUS" : "SIGSEGV";
	char c = *p;
	buf[0] = c ? c : '0';
	buf[1] = 0;
	return buf;
}

static void show(const char *what, char *m, int page)
{
	tl_say("%s page %d: %s", what, page, probe(m + page * PG));
}

static char file_byte(int fd, int page)
{
	char c = '?';
	if (pread(fd, &c, 1, (off_t)page * PG) != 1)
		return '!';
	return c;
}

static char *map(int fd, int pages, int prot, int flags, int first)
{
	char *m = mmap(NULL, (size_t)pages * PG, prot, flags, fd,
		       (off_t)first * PG);
	if (m == MAP_FAILED) {
		tl_fail("mmap");
		return NULL;
	}
	return m;
}

/* The checks that need no write to the file. */
static void read_only(const char *what, int fd)
{
	tl_say("%s", what);
	char *ro = map(fd, NPG, PROT_READ, MAP_PRIVATE, 0);
	char *cw = map(fd, NPG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	if (!ro || !cw)
		return;
	show("ro", ro, 0);
	show("cow", cw, 0);
	/* Private write: a copy for cw only. */
	cw[2 * PG] = 'z';
	show("cow", cw, 2);
	show("cow", cw, 3);
	show("ro", ro, 2);
	tl_say("file page 2: %c", file_byte(fd, 2));
	/* DONTNEED drops the copy: the file's page again. */
	tl_err("madvise DONTNEED", madvise(cw, 4 * PG, MADV_DONTNEED), 0);
	show("cow after DONTNEED", cw, 2);
	show("cow after DONTNEED", cw, 1);
	/* Part of the window made inaccessible, then accessible again. */
	tl_err("mprotect NONE", mprotect(ro + 4 * PG, 2 * PG, PROT_NONE), 0);
	show("ro PROT_NONE", ro, 4);
	show("ro PROT_NONE", ro, 5);
	show("ro", ro, 6);
	tl_err("mprotect READ", mprotect(ro + 4 * PG, 2 * PG, PROT_READ), 0);
	show("ro", ro, 4);
	/* A neighbour unmapped. */
	tl_err("munmap", munmap(ro + 7 * PG, PG), 0);
	show("ro unmapped", ro, 7);
	show("ro", ro, 8);
	/* A mapping that ends mid-window, followed by anonymous memory: the
	 * file's next page must not show through. */
	char *r = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED ||
	    mmap(r, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0) != r) {
		tl_fail("mmap short");
		return;
	}
	show("short", r, 0);
	show("short", r, 2);
	show("anon after short", r, 3);
	/* One that starts mid-window. */
	char *mid = map(fd, 2, PROT_READ, MAP_PRIVATE, 9);
	if (mid) {
		show("from page 9", mid, 0);
		show("from page 9", mid, 1);
		munmap(mid, 2 * PG);
	}
	munmap(r, 4 * PG);
	munmap(ro, NPG * PG);
	munmap(cw, NPG * PG);
}

static void writable(const char *what, int fd)
{
	read_only(what, fd);
	char *ro = map(fd, NPG, PROT_READ, MAP_PRIVATE, 0);
	char *cw = map(fd, NPG, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	char *sh = map(fd, NPG, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	if (!ro || !cw || !sh)
		return;
	show("ro", ro, 0);
	show("cow", cw, 0);
	show("shared", sh, 0);
	cw[PG] = 'y'; /* a copy of page 1, which must keep it */
	/* Stores through the shared mapping and write(2) reach every
	 * mapping that has no copy of the page. */
	sh[3 * PG] = 's';
	tl_say("file page 3: %c", file_byte(fd, 3));
	show("ro", ro, 3);
	show("cow", cw, 3);
	if (pwrite(fd, "w", 1, 5 * PG) != 1)
		tl_fail("pwrite");
	show("shared", sh, 5);
	show("ro", ro, 5);
	show("cow", cw, 5);
	/* Shrinking truncate: the neighbours past the end go, copies
	 * included; those before it stay. */
	tl_err("ftruncate", ftruncate(fd, 10 * PG + 100), 0);
	show("ro", ro, 10);
	show("ro", ro, 11);
	show("ro", ro, 15);
	show("shared", sh, 12);
	show("cow", cw, 1);
	show("cow", cw, 13);
	tl_err("ftruncate back", ftruncate(fd, NPG * PG), 0);
	show("ro grown", ro, 11);
	show("shared grown", sh, 14);
	munmap(ro, NPG * PG);
	munmap(cw, NPG * PG);
	munmap(sh, NPG * PG);
}

static int fill(int fd)
{
	char buf[PG];
	for (int i = 0; i < NPG; i++) {
		memset(buf, 'A' + i, PG);
		if (write(fd, buf, PG) != PG)
			return -1;
	}
	return 0;
}

static void on_file(const char *dir)
{
	char path[64];
	/* Per process: the native runs of two platforms' jobs overlap. */
	snprintf(path, sizeof(path), "%s/rv_mmap_around.%d", dir,
		 (int)getpid());
	unlink(path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || fill(fd) < 0) {
		tl_fail("create");
		return;
	}
	writable(dir, fd);
	close(fd);
	unlink(path);
}

/* After fork the child's pages are the parent's, shared until written:
 * fault-around maps the child's neighbours read-only, so a write by
 * either side still copies, and neither sees the other's writes. */
static void forked(void)
{
	char *m = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *s = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int go[2], back[2];
	if (m == MAP_FAILED || s == MAP_FAILED || pipe(go) || pipe(back)) {
		tl_fail("fork set-up");
		return;
	}
	for (int i = 0; i < NPG; i++) {
		m[i * PG] = (char)('a' + i);
		s[i * PG] = (char)('a' + i);
	}
	tl_say("fork");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		show("child", m, 0);
		m[5 * PG] = 'X';
		s[6 * PG] = 'S';
		if (write(back[1], "1", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(1);
		/* The parent wrote pages 7 (private) and 8 (shared). */
		show("child", m, 5);
		show("child", m, 6);
		show("child", m, 7);
		show("child shared", s, 8);
		_exit(tl_failed);
	}
	char c;
	if (read(back[0], &c, 1) != 1)
		tl_fail("child");
	show("parent", m, 5);
	show("parent shared", s, 6);
	m[7 * PG] = 'P';
	s[8 * PG] = 'Q';
	if (write(go[1], "1", 1) != 1)
		tl_fail("go");
	int st = 0;
	waitpid(pid, &st, 0);
	tl_yes("child exited 0", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	show("parent", m, 7);
	munmap(m, NPG * PG);
	munmap(s, NPG * PG);
}

/* Exec of a copy of this program on /tmp, twice: the second exec finds
 * its pages in memory and maps them at once. */
static void exec_twice(const char *self)
{
	char path[64];
	int in = open(self, O_RDONLY), out;
	char buf[65536];
	ssize_t n;

	snprintf(path, sizeof(path), "/tmp/rv_mmap_around_exe.%d",
		 (int)getpid());
	unlink(path);
	out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
	if (in < 0 || out < 0) {
		tl_fail("copy");
		return;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			tl_fail("copy write");
	close(in);
	close(out);
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execl(path, path, "--child", (char *)NULL);
			_exit(126);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		tl_yes("exec from tmpfs runs", WIFEXITED(st) &&
						       WEXITSTATUS(st) == 42);
	}
	unlink(path);
}

static int data_word = 1234;
static int bss_word;

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--child"))
		return data_word == 1234 && bss_word == 0 ? 42 : 1;
	if (argc < 2) {
		tl_say("usage: mmap_around FILE");
		return 2;
	}
	signal(SIGBUS, on_sig);
	signal(SIGSEGV, on_sig);
	int fd = tl_err("open", open(argv[1], O_RDONLY), 0);
	if (fd >= 0)
		read_only("lower", fd);
	on_file("/tmp");
	on_file("/var/tmp");
	int mfd = memfd_create("around", 0);
	if (mfd < 0 || fill(mfd) < 0)
		tl_fail("memfd");
	else
		writable("memfd", mfd);
	forked();
	exec_twice("/proc/self/exe");
	return tl_done();
}
