/* getcwd/chdir/fchdir and relative paths after them. */
#include "testlib.h"

int main(void)
{
	char buf[4096];
	int fd;

	tl_yes("initial cwd absolute", getcwd(buf, sizeof(buf)) && buf[0] == '/');
	/* Like `runsc do`, the program starts in the caller's directory: the
	 * shell that started the run exported it as $PWD. */
	tl_yes("initial cwd is the caller's ($PWD)",
	       getenv("PWD") && !strcmp(buf, getenv("PWD")));
	tl_err("chdir /", chdir("/"), 0);
	tl_say("cwd [%s]", getcwd(buf, sizeof(buf)));
	tl_err("chdir /tmp", chdir("/tmp"), 0);
	tl_say("cwd [%s]", getcwd(buf, sizeof(buf)));
	mkdir(tl_tmp("d"), 0755);
	tl_write_file(tl_tmp("d/file"), "abc", 3);
	fd = open(tl_tmp("d"), O_RDONLY | O_DIRECTORY);
	tl_err("fchdir", fchdir(fd), 0);
	getcwd(buf, sizeof(buf));
	tl_yes("cwd is the dir", !strcmp(buf, tl_tmp("d")));
	tl_err("relative open", tl_fdclose(open("file", O_RDONLY)), 0);
	tl_err("chdir ..", chdir(".."), 0);
	getcwd(buf, sizeof(buf));
	tl_yes("cwd is tmpdir", !strcmp(buf, tl_tmpdir()));
	tl_err("relative dir open", tl_fdclose(open("d/file", O_RDONLY)), 0);
	tl_err("chdir /..", chdir("/.."), 0);
	tl_say("cwd [%s]", getcwd(buf, sizeof(buf)));
	tl_err("chdir missing", chdir("/nonexistent-rv"), ENOENT);
	tl_err("chdir to file", chdir("/etc/passwd"), ENOTDIR);
	int ffd = open("/etc/passwd", O_RDONLY);
	tl_err("fchdir to file", fchdir(ffd), ENOTDIR);
	tl_err("fchdir bad fd", fchdir(99), EBADF);
	tl_err("getcwd size 1", syscall(SYS_getcwd, buf, 1), ERANGE);
	tl_err("getcwd size 0", syscall(SYS_getcwd, buf, 0), ERANGE);
	tl_val("getcwd returns length+1", syscall(SYS_getcwd, buf, 64), 2);
	tl_err("getcwd bad buf", syscall(SYS_getcwd, TL_BAD1, 64), EFAULT);
	tl_cleanup();
	return tl_done();
}
