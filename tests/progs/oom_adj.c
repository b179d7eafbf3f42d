/* /proc/self/oom_score_adj and oom_adj: writable, range-checked, kept per
 * process and inherited by fork (only raised here: lowering needs
 * CAP_SYS_RESOURCE natively). */
#include <sys/wait.h>
#include "testlib.h"

static long put(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	long r = write(fd, v, strlen(v));
	int e = errno;
	close(fd);
	errno = e;
	return r < 0 ? -1 : 0;
}

static void show(const char *what, const char *path)
{
	char *v = tl_read_file(path, NULL);
	printf("%s %s", what, v ? v : "(none)\n");
	free(v);
}

int main(void)
{
	const char *adj = "/proc/self/oom_score_adj";
	tl_err("write 100", put(adj, "100"), 0);
	show("score_adj", adj);
	show("adj", "/proc/self/oom_adj");
	tl_err("write 2000", put(adj, "2000"), EINVAL);
	tl_err("write abc", put(adj, "abc"), EINVAL);
	tl_err("write 1000 with spaces", put(adj, " 1000\n"), 0);
	show("score_adj", adj);
	show("adj", "/proc/self/oom_adj");
	tl_err("oom_adj 16", put("/proc/self/oom_adj", "16"), EINVAL);
	pid_t pid = fork();
	if (pid == 0) {
		char *v = tl_read_file(adj, NULL);
		_exit(v && !strcmp(v, "1000\n") ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	tl_yes("child inherits", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return tl_done();
}
