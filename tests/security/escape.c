/* An escape attempt, run inside the sandbox by tests/security/escape.sh
 * with --root=DIR: try every trick we know to read a host file that lives
 * outside DIR (argv[1], an absolute host path whose content starts with
 * "RV-SECRET") or to change the host. Prints one line per attempt:
 *     ok   NAME: what happened (refused, or saw only the sandbox)
 *     LEAK NAME: what leaked
 * and exits 1 if anything leaked. The script checks the host afterwards
 * too: a change on the host is a failure even if nothing was read. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *secret;
static int leaks;

/* Does fd read the secret? Closes fd. */
static int fd_leaks(int fd)
{
	char buf[64] = {0};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, "RV-SECRET") != NULL;
}

static void report(const char *name, int leaked, const char *what)
{
	if (leaked)
		leaks++;
	printf("%s %s: %s\n", leaked ? "LEAK" : "ok  ", name, what);
}

static void try_open(const char *name, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		report(name, 0, strerror(errno));
		return;
	}
	report(name, fd_leaks(fd), "opened, content checked");
}

int main(int argc, char **argv)
{
	char p[4096];

	if (argc < 2) {
		fprintf(stderr, "usage: escape SECRET-PATH\n");
		return 2;
	}
	secret = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	try_open("absolute path", secret);
	snprintf(p, sizeof(p), "../../../../../../../..%s", secret);
	try_open("dot-dot path", p);
	snprintf(p, sizeof(p), "/proc/self/root%s", secret);
	try_open("/proc/self/root", p);
	snprintf(p, sizeof(p), "/proc/1/root/../../../..%s", secret);
	try_open("/proc/1/root/..", p);
	snprintf(p, sizeof(p), "/proc/1/cwd/../../../..%s", secret);
	try_open("/proc/1/cwd/..", p);

	/* A symlink made inside the sandbox to the host path. */
	unlink("/tmp/rv-esc-link");
	if (symlink(secret, "/tmp/rv-esc-link") == 0)
		try_open("symlink to the host path", "/tmp/rv-esc-link");
	else
		report("symlink to the host path", 0, strerror(errno));

	/* chroot(2) and fchdir out of it: the classic. */
	mkdir("/tmp/rv-esc-jail", 0755);
	int dfd = open("/", O_RDONLY | O_DIRECTORY);
	if (chroot("/tmp/rv-esc-jail") == 0 && dfd >= 0 && fchdir(dfd) == 0) {
		for (int i = 0; i < 32; i++)
			if (chdir("..") < 0)
				break;
		if (chroot(".") < 0) {
			/* go on: the open below says what we see */
		}
		try_open("chroot + fchdir + ..", secret + 1);
	} else {
		report("chroot + fchdir + ..", 0, strerror(errno));
	}
	if (dfd >= 0)
		close(dfd);

	/* A hard link to a host inode outside the root. */
	if (link(secret, "/tmp/rv-esc-hard") == 0)
		try_open("hard link", "/tmp/rv-esc-hard");
	else
		report("hard link", 0, strerror(errno));

	/* open_by_handle_at with a guessed handle for inode 2 of the fs. */
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 8];
	} h;
	unsigned int ino = 2, gen = 0;
	h.fh.handle_bytes = 8;
	h.fh.handle_type = 1; /* FILEID_INO32_GEN */
	memcpy(h.buf + sizeof(struct file_handle), &ino, 4);
	memcpy(h.buf + sizeof(struct file_handle) + 4, &gen, 4);
	int fd = (int)syscall(SYS_open_by_handle_at, AT_FDCWD, &h.fh,
			      O_RDONLY | O_DIRECTORY);
	report("open_by_handle_at", fd >= 0, fd >= 0 ? "opened a handle"
						    : strerror(errno));
	if (fd >= 0)
		close(fd);

	/* Device nodes: the host's disk or memory. */
	int r = mknod("/tmp/rv-esc-mem", S_IFCHR | 0600, makedev(1, 1));
	if (r == 0) {
		fd = open("/tmp/rv-esc-mem", O_RDONLY);
		report("mknod /dev/mem", fd >= 0, fd >= 0 ? "opened the node"
							  : strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		report("mknod /dev/mem", 0, strerror(errno));
	}
	r = mknod("/tmp/rv-esc-sda", S_IFBLK | 0600, makedev(8, 0));
	report("mknod block device", 0, r == 0 ? "made (sandbox-only node)"
						: strerror(errno));
	if (r == 0) {
		fd = open("/tmp/rv-esc-sda", O_RDONLY);
		report("open block device", fd >= 0,
		       fd >= 0 ? "opened the node" : strerror(errno));
		if (fd >= 0)
			close(fd);
	}

	/* Mounts: a host filesystem, or a fresh root. */
	mkdir("/tmp/rv-esc-mnt", 0755);
	r = mount("/", "/tmp/rv-esc-mnt", NULL, MS_BIND, NULL);
	if (r == 0) {
		snprintf(p, sizeof(p), "/tmp/rv-esc-mnt%s", secret);
		try_open("bind mount of /", p);
	} else {
		report("bind mount of /", 0, strerror(errno));
	}
	r = mount("proc", "/tmp/rv-esc-mnt", "proc", 0, NULL);
	if (r == 0) {
		snprintf(p, sizeof(p), "/tmp/rv-esc-mnt/1/root%s", secret);
		try_open("new proc mount, 1/root", p);
	} else {
		report("new proc mount", 0, strerror(errno));
	}
	r = (int)syscall(SYS_pivot_root, "/tmp", "/tmp/rv-esc-mnt");
	report("pivot_root", 0, r == 0 ? "pivoted (inside the sandbox)"
				       : strerror(errno));

	/* ptrace of something outside the sandbox: pid 1 is the sandbox's
	 * init (ourselves, here), so try a few host-looking pids too. */
	int hits = 0;
	for (pid_t pid = 2; pid < 64; pid++)
		if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0) {
			hits++;
			ptrace(PTRACE_DETACH, pid, 0, 0);
		}
	report("ptrace of other pids", hits > 0,
	       hits ? "attached to a pid outside" : "none attachable");

	/* /proc/[pid]/mem: the pages above the app's address space (the
	 * ptrace platform's stub code and op table) are not reachable, even
	 * forced; a process of another uid cannot open a process's mem. */
	fd = open("/proc/self/mem", O_RDWR);
	if (fd >= 0) {
		char b[8] = {0};
		ssize_t w = pwrite(fd, "\xcc\xcc", 2, 0x7fffffffe000LL);
		ssize_t w2 = pwrite(fd, b, 8, 0x7fffffffd000LL);
		ssize_t rd = pread(fd, b, 8, 0x7fffffffd000LL);
		report("/proc/self/mem into the stub pages",
		       w >= 0 || w2 >= 0 || rd >= 0,
		       w >= 0 || w2 >= 0 ? "wrote the stub pages"
		       : rd >= 0	 ? "read the stub pages"
					 : "refused");
		close(fd);
	} else {
		report("/proc/self/mem into the stub pages", 0,
		       strerror(errno));
	}
	static volatile char guard[16] = "untouched";
	{
		pid_t victim = getpid();
		pid_t c = fork();
		if (c == 0) {
			/* Another uid, no capabilities: refused at open, and
			 * nothing written however it tries. */
			if (setresgid(1000, 1000, 1000) ||
			    setresuid(1000, 1000, 1000))
				_exit(3);
			char p2[64];
			snprintf(p2, sizeof(p2), "/proc/%d/mem", (int)victim);
			int f = open(p2, O_RDWR);
			if (f >= 0 && pwrite(f, "OWNED", 6,
					     (off_t)(uintptr_t)guard) > 0)
				_exit(1);
			if (f < 0)
				f = open(p2, O_RDONLY);
			_exit(f >= 0 ? 2 : 0);
		}
		int st = 0;
		waitpid(c, &st, 0);
		int bad = !WIFEXITED(st) || (WEXITSTATUS(st) != 0 &&
					     WEXITSTATUS(st) != 3);
		report("/proc/PID/mem of another uid",
		       bad || strcmp((const char *)guard, "untouched") != 0,
		       WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "wrote it"
		       : WIFEXITED(st) && WEXITSTATUS(st) == 2 ? "opened it"
		       : WIFEXITED(st) && WEXITSTATUS(st) == 3
			       ? "could not change uid (not tested)"
			       : "refused");
	}

	/* Namespaces and the host's kernel interfaces. */
	r = unshare(CLONE_NEWUSER | CLONE_NEWNS);
	report("unshare", 0, r == 0 ? "unshared (sandbox model)"
				    : strerror(errno));
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	report("/proc/sysrq-trigger", fd >= 0, fd >= 0 ? "opened for write"
						       : strerror(errno));
	if (fd >= 0)
		close(fd);

	printf("%s: %d leak(s)\n", leaks ? "LEAK" : "ok", leaks);
	return leaks ? 1 : 0;
}
