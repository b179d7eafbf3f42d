/* The per-process files Linux has besides maps and status (proc(5)):
 * timers (POSIX timers: ID, signal/value, notify, ClockID), numa_maps
 * (the policy and pages of a VMA, one node), map_files (a link per file
 * mapping, followed only with CAP_SYS_ADMIN), ksm_*, timens_offsets; and
 * /proc/net/{unix,tcp,udp,tcp6,udp6} rows for the program's own sockets,
 * found by the inode its fd's socket:[N] shows, with Linux's address
 * format and states. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"

/* The text of a file with the decimal pid after "pid." replaced by
 * "PID". */
static void show_with_pid(const char *path)
{
	char *b = tl_read_file(path, NULL);
	if (!b) {
		printf("%s: %s\n", path, tl_errname(errno));
		return;
	}
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", getpid());
	size_t pl = strlen(pid);
	printf("%s:\n", path);
	for (char *p = b; *p; p++) {
		if (!strncmp(p, pid, pl) && (p[pl] < '0' || p[pl] > '9') &&
		    p - b >= 4 && !strncmp(p - 4, "pid.", 4)) {
			printf("PID");
			p += pl - 1;
		} else {
			putchar(*p);
		}
	}
	free(b);
}

/* The line of numa_maps for the VMA at addr, its tokens after the
 * address other than active= (LRU state), path replaced by "F". */
static void numa_line(const char *what, void *addr)
{
	char *b = tl_read_file("/proc/self/numa_maps", NULL);
	char key[32];
	snprintf(key, sizeof(key), "%lx ", (unsigned long)addr);
	char *save, *l = b ? strtok_r(b, "\n", &save) : NULL;
	for (; l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, key, strlen(key)))
			continue;
		printf("numa_maps %s:", what);
		char *s2, *t = strtok_r(l + strlen(key), " ", &s2);
		for (; t; t = strtok_r(NULL, " ", &s2)) {
			if (!strncmp(t, "active=", 7))
				continue;
			if (!strncmp(t, "file=", 5))
				t = "file=F";
			printf(" %s", t);
		}
		printf("\n");
		free(b);
		return;
	}
	printf("numa_maps %s: no line\n", what);
	free(b);
}

/* Every line of numa_maps starts "ADDR default". */
static void numa_shape(void)
{
	char *b = tl_read_file("/proc/self/numa_maps", NULL);
	int lines = 0, good = 0;
	char *save, *l = b ? strtok_r(b, "\n", &save) : NULL;
	for (; l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long a;
		char pol[16];
		lines++;
		good += sscanf(l, "%lx %15s", &a, pol) == 2 &&
			!strcmp(pol, "default");
	}
	tl_yes("numa_maps lines well formed", lines > 3 && good == lines);
	free(b);
}

/* The row of /proc/net/FILE whose inode column (field ICOL, from 0) is
 * ino, split into fields; the count, 0 when none. */
static int net_row(const char *file, int icol, unsigned long ino,
		   char f[][128], int max)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/net/%s", file);
	char *b = tl_read_file(path, NULL);
	char *save, *l = b ? strtok_r(b, "\n", &save) : NULL;
	int n = 0;
	for (; l; l = strtok_r(NULL, "\n", &save)) {
		char *s2, *t;
		n = 0;
		for (t = strtok_r(l, " ", &s2); t && n < max;
		     t = strtok_r(NULL, " ", &s2))
			snprintf(f[n++], 128, "%s", t);
		if (n > icol && strtoul(f[icol], NULL, 10) == ino)
			break;
		n = 0;
	}
	free(b);
	return n;
}

static unsigned long ino_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) ? 0 : (unsigned long)st.st_ino;
}

/* The fd link names socket:[ino]. */
static int link_matches(int fd, unsigned long ino)
{
	char p[64], l[64], want[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, l, sizeof(l) - 1);
	l[n < 0 ? 0 : n] = 0;
	snprintf(want, sizeof(want), "socket:[%lu]", ino);
	return !strcmp(l, want);
}

static void unix_row(const char *what, int fd, const char *path)
{
	char f[8][128];
	unsigned long ino = ino_of(fd);
	int n = net_row("unix", 6, ino, f, 8);
	if (!n) {
		printf("unix %s: no row\n", what);
		tl_failed = 1;
		return;
	}
	printf("unix %s: fields %d flags %s type %s st %s link %s", what, n,
	       f[3], f[4], f[5], link_matches(fd, ino) ? "ok" : "wrong");
	if (path)
		printf(" path %s", n > 7 && !strcmp(f[7], path) ? "ok" : "wrong");
	printf("\n");
}

static void hexaddr(char *out, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		uint32_t w;
		memcpy(&w, &a->sin_addr, 4);
		sprintf(out, "%08X:%04X", w, ntohs(a->sin_port));
	} else {
		const struct sockaddr_in6 *a = (const void *)ss;
		uint32_t w[4];
		memcpy(w, &a->sin6_addr, 16);
		sprintf(out, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
			ntohs(a->sin6_port));
	}
}

static void inet_row(const char *file, const char *what, int fd)
{
	char f[20][128], want_l[64], want_r[64];
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	unsigned long ino = ino_of(fd);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	hexaddr(want_l, &ss);
	len = sizeof(ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0) {
		hexaddr(want_r, &ss);
	} else {
		int v6 = ss.ss_family == AF_INET6;
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = v6 ? AF_INET6 : AF_INET;
		hexaddr(want_r, &ss);
	}
	int n = net_row(file, 9, ino, f, 20);
	if (!n) {
		printf("%s %s: no row\n", file, what);
		tl_failed = 1;
		return;
	}
	printf("%s %s: local %s remote %s st %s uid %s link %s\n", file, what,
	       !strcmp(f[1], want_l) ? "ok" : f[1],
	       !strcmp(f[2], want_r) ? "ok" : f[2], f[3], f[7],
	       link_matches(fd, ino) ? "ok" : "wrong");
}

static void net_tests(void)
{
	/* unix: a pair, a listener on a path, an abstract dgram socket. */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		unix_row("pair", sv[0], NULL);
	}
	const char *sp = tl_tmp("sock");
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sp);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(l, 4) == 0)
		unix_row("listener", l, sp);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(c, (struct sockaddr *)&a, sizeof(a)) == 0)
		unix_row("connected", c, NULL);
	int u = socket(AF_UNIX, SOCK_DGRAM, 0);
	unix_row("unbound dgram", u, NULL);
	int d = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un ab = {.sun_family = AF_UNIX};
	char abname[64];
	snprintf(abname, sizeof(abname), "rv-proc-tables-%d", getpid());
	memcpy(ab.sun_path + 1, abname, strlen(abname));
	socklen_t ablen = offsetof(struct sockaddr_un, sun_path) + 1 +
			  strlen(abname);
	if (bind(d, (struct sockaddr *)&ab, ablen) == 0) {
		char want[80];
		snprintf(want, sizeof(want), "@%s", abname);
		unix_row("abstract", d, want);
		if (connect(u, (struct sockaddr *)&ab, ablen) == 0)
			unix_row("dgram connected", u, NULL);
	}

	/* tcp and udp on loopback. */
	struct sockaddr_in in = {.sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int tl = socket(AF_INET, SOCK_STREAM, 0);
	socklen_t len = sizeof(in);
	if (bind(tl, (struct sockaddr *)&in, sizeof(in)) == 0 &&
	    listen(tl, 4) == 0) {
		inet_row("tcp", "listener", tl);
		getsockname(tl, (struct sockaddr *)&in, &len);
		int tc = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(tc, (struct sockaddr *)&in, sizeof(in)) == 0) {
			int ta = accept(tl, NULL, NULL);
			inet_row("tcp", "client", tc);
			inet_row("tcp", "accepted", ta);
			close(ta);
		}
		close(tc);
	}
	int ud = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in in2 = {.sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (bind(ud, (struct sockaddr *)&in2, sizeof(in2)) == 0) {
		inet_row("udp", "bound", ud);
		if (connect(ud, (struct sockaddr *)&in, sizeof(in)) == 0)
			inet_row("udp", "connected", ud);
	}
	struct sockaddr_in6 in6 = {.sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int t6 = socket(AF_INET6, SOCK_STREAM, 0);
	if (t6 >= 0 && bind(t6, (struct sockaddr *)&in6, sizeof(in6)) == 0 &&
	    listen(t6, 4) == 0)
		inet_row("tcp6", "listener", t6);
	int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	if (u6 >= 0 && bind(u6, (struct sockaddr *)&in6, sizeof(in6)) == 0)
		inet_row("udp6", "bound", u6);
	/* Closed sockets leave the tables. */
	unsigned long gone = ino_of(tl);
	close(tl);
	char f[20][128];
	tl_yes("closed listener gone", net_row("tcp", 9, gone, f, 20) == 0);
	gone = ino_of(l);
	close(l);
	tl_yes("closed unix listener gone", net_row("unix", 6, gone, f, 8) == 0);
	unlink(sp);
}

int main(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	static const char *const files[] = {
		"mem", "pagemap", "map_files", "timers", "numa_maps",
		"ksm_stat", "ksm_merging_pages", "timens_offsets",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char p[64];
		struct stat st;
		snprintf(p, sizeof(p), "/proc/self/%s", files[i]);
		int r = stat(p, &st);
		printf("%s: %s mode %o\n", files[i], r ? tl_errname(errno) : "ok",
		       r ? 0 : (unsigned)st.st_mode);
	}
	show_with_pid("/proc/self/ksm_merging_pages");
	show_with_pid("/proc/self/timens_offsets");

	/* timers: none, then three (newest listed first). */
	show_with_pid("/proc/self/timers");
	timer_t t1, t2, t3;
	struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL,
			      .sigev_signo = SIGUSR1,
			      .sigev_value.sival_ptr = (void *)0x1234};
	timer_create(CLOCK_MONOTONIC, &ev, &t1);
	timer_create(CLOCK_REALTIME, NULL, &t2);
	struct sigevent ev3 = {.sigev_notify = SIGEV_NONE,
			       .sigev_signo = SIGUSR2};
	timer_create(CLOCK_BOOTTIME, &ev3, &t3);
	show_with_pid("/proc/self/timers");
	timer_delete(t2);
	show_with_pid("/proc/self/timers");

	/* numa_maps: an anonymous mapping, all of it touched; a file
	 * mapping not touched; the whole file well formed. */
	char *m = mmap(NULL, 6 * ps, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* PROT_NONE pages around it: a VMA of its own, never merged. */
	mprotect(m, ps, PROT_NONE);
	mprotect(m + 5 * ps, ps, PROT_NONE);
	for (int i = 1; i < 5; i++)
		m[i * ps] = 1;
	numa_line("anon touched", m + ps);
	const char *tf = tl_tmp("f");
	tl_write_file(tf, "data for the mapping", 20);
	int fd = open(tf, O_RDONLY);
	char *fm = mmap(NULL, ps, PROT_READ, MAP_PRIVATE, fd, 0);
	numa_line("file untouched", fm);
	numa_shape();

	/* map_files: the file mapping's link names the file; following it
	 * needs CAP_SYS_ADMIN; names that are no mapping do not exist. */
	char name[128], target[512];
	snprintf(name, sizeof(name), "/proc/self/map_files/%lx-%lx",
		 (unsigned long)fm, (unsigned long)fm + ps);
	ssize_t n = readlink(name, target, sizeof(target) - 1);
	target[n < 0 ? 0 : n] = 0;
	tl_yes("map_files link names the file", n > 0 && !strcmp(target, tf));
	struct stat lst;
	tl_yes("map_files link mode",
	       lstat(name, &lst) == 0 && (lst.st_mode & 0777) == 0400);
	snprintf(name + strlen("/proc/self/map_files/"), 40, "%lx-%lx",
		 (unsigned long)fm, (unsigned long)fm + 2 * ps);
	tl_err("map_files wrong end", lstat(name, &lst), ENOENT);
	tl_err("map_files bad name",
	       lstat("/proc/self/map_files/zz-10", &lst), ENOENT);
	tl_err("map_files leading zero",
	       lstat("/proc/self/map_files/0-1000", &lst), ENOENT);
	DIR *dir = opendir("/proc/self/map_files");
	int entries = 0, found = 0;
	struct dirent *de;
	char want[64];
	snprintf(want, sizeof(want), "%lx-%lx", (unsigned long)fm,
		 (unsigned long)fm + ps);
	while (dir && (de = readdir(dir))) {
		entries += de->d_name[0] != '.';
		found += !strcmp(de->d_name, want);
	}
	if (dir)
		closedir(dir);
	tl_yes("map_files lists the mapping", found == 1 && entries > 3);
	snprintf(name, sizeof(name), "/proc/self/map_files/%s", want);
	if (getuid() == 0) {
		char buf[32] = {0};
		int f2 = open(name, O_RDONLY);
		tl_yes("map_files open as root",
		       f2 >= 0 && read(f2, buf, 20) == 20 &&
			       !memcmp(buf, "data for the mapping", 20));
		if (f2 >= 0)
			close(f2);
		pid_t c = fork();
		if (c == 0) {
			if (setresgid(1000, 1000, 1000) ||
			    setresuid(1000, 1000, 1000))
				_exit(3);
			char t2b[512];
			if (readlink(name, t2b, sizeof(t2b)) <= 0)
				_exit(4);
			int f3 = open(name, O_RDONLY);
			_exit(f3 < 0 && errno == EPERM ? 0 : 5);
		}
		int st;
		waitpid(c, &st, 0);
		tl_yes("map_files follow without CAP_SYS_ADMIN = EPERM",
		       WIFEXITED(st) && WEXITSTATUS(st) == 0);
	} else {
		tl_yes("map_files open as root", 1);
		tl_yes("map_files follow without CAP_SYS_ADMIN = EPERM", 1);
	}

	net_tests();
	tl_cleanup();
	return tl_done();
}
