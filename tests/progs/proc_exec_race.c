/* Reading another process's memory and files (/proc/PID/maps, status, fd/,
 * process_vm_readv) while it execs over and over: the sentry must not read
 * an address space or fd table that exec or exit is freeing. Natively and
 * sandboxed the reader just sees each answer or an error. */
#include <dirent.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "testlib.h"

static void read_all(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "exec")) {
		int n = atoi(argv[2]);
		if (n <= 0)
			return 0;
		char next[16];
		snprintf(next, sizeof(next), "%d", n - 1);
		execl("/proc/self/exe", argv[0], "exec", next, (char *)NULL);
		return 1;
	}
	pid_t c = fork();
	if (c == 0) {
		execl("/proc/self/exe", argv[0], "exec", "150", (char *)NULL);
		_exit(1);
	}
	char p[64];
	int st = 0, rounds = 0;
	long word;
	for (;;) {
		pid_t w = waitpid(c, &st, WNOHANG);
		if (w == c)
			break;
		snprintf(p, sizeof(p), "/proc/%d/maps", c);
		read_all(p);
		snprintf(p, sizeof(p), "/proc/%d/status", c);
		read_all(p);
		snprintf(p, sizeof(p), "/proc/%d/fd", c);
		DIR *d = opendir(p);
		if (d) {
			while (readdir(d))
				;
			closedir(d);
		}
		struct iovec l = {&word, sizeof(word)};
		struct iovec r = {(void *)0x400000, sizeof(word)};
		process_vm_readv(c, &l, 1, &r, 1, 0);
		rounds++;
	}
	tl_yes("the exec chain ended with status 0",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0);
	tl_yes("the reader went round", rounds > 0);
	return tl_done();
}
