/* readlink/readlinkat: /proc/self/exe names this program. */
#include "testlib.h"

int main(int argc, char **argv)
{
	char buf[4096], small[4];
	ssize_t n;
	int pfd;

	(void)argc;
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	tl_yes("readlink exe ok", n > 0);
	buf[n > 0 ? n : 0] = 0;
	tl_yes("absolute", buf[0] == '/');
	tl_yes("ends with /readlink", n >= 9 &&
	       !strcmp(buf + n - 9, "/readlink"));
	tl_yes("not NUL-terminated by the kernel",
	       readlink("/proc/self/exe", small, sizeof(small)) == 4);
	char *rp = realpath(argv[0], NULL);
	tl_yes("same as realpath(argv[0])", rp && !strcmp(rp, buf));
	free(rp);
	pfd = open("/proc/self", O_RDONLY | O_DIRECTORY);
	tl_yes("readlinkat relative",
	       readlinkat(pfd, "exe", small, sizeof(small)) == 4);
	close(pfd);
	tl_err("readlink a regular file",
	       readlink("/etc/passwd", buf, sizeof(buf)), EINVAL);
	tl_err("readlink missing", readlink("/nonexistent-rv", buf,
					    sizeof(buf)), ENOENT);
	tl_err("readlink size 0",
	       syscall(SYS_readlink, "/proc/self/exe", buf, 0), EINVAL);
	tl_err("readlink bad buf",
	       syscall(SYS_readlink, "/proc/self/exe", TL_BAD1, 64), EFAULT);
	tl_err("readlinkat fd -1 relative",
	       readlinkat(-1, "x", buf, sizeof(buf)), EBADF);
	return tl_done();
}
