/* stat/fstat/lstat/newfstatat: the fields that are stable across runs. */
#include "testlib.h"

int main(void)
{
	const char *p = tl_tmp("f");
	struct stat a, b, c;

	tl_write_file(p, "12345", 5);
	chmod(p, 0640);
	tl_err("stat", stat(p, &a), 0);
	tl_yes("S_ISREG", S_ISREG(a.st_mode));
	tl_say("perm %o size %lld nlink %lu", (unsigned)(a.st_mode & 07777),
	       (long long)a.st_size, (unsigned long)a.st_nlink);
	tl_yes("uid is euid", a.st_uid == geteuid());
	tl_yes("blksize>0", a.st_blksize > 0);
	tl_yes("mtime>=2020", a.st_mtime > 1577836800);
	int fd = open(p, O_RDONLY);
	tl_err("fstat", fstat(fd, &b), 0);
	tl_yes("fstat ino == stat ino", a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev);
	tl_err("fstatat AT_EMPTY_PATH",
	       fstatat(fd, "", &c, AT_EMPTY_PATH), 0);
	tl_yes("same ino", c.st_ino == a.st_ino);
	tl_err("fstatat empty w/o flag", fstatat(fd, "", &c, 0), ENOENT);
	int dfd = open(tl_tmpdir(), O_RDONLY | O_DIRECTORY);
	tl_err("fstatat relative", fstatat(dfd, "f", &c, 0), 0);
	tl_yes("same ino", c.st_ino == a.st_ino);
	tl_err("fstatat on non-dir fd", fstatat(fd, "x", &c, 0), ENOTDIR);
	tl_err("fstatat bad flags", fstatat(dfd, "f", &c, 0x40000000), EINVAL);
	tl_err("stat dir", stat(tl_tmpdir(), &c), 0);
	tl_yes("S_ISDIR", S_ISDIR(c.st_mode));
	tl_say("dir nlink %lu", (unsigned long)c.st_nlink);
	tl_err("stat /", stat("/", &c), 0);
	tl_yes("/ is dir", S_ISDIR(c.st_mode));
	tl_err("stat /etc/passwd", stat("/etc/passwd", &c), 0);
	tl_yes("/etc/passwd regular, 0644",
	       S_ISREG(c.st_mode) && (c.st_mode & 0777) == 0644);
	tl_err("stat missing", stat(tl_tmp("none"), &c), ENOENT);
	tl_err("lstat /proc/self/exe", lstat("/proc/self/exe", &c), 0);
	tl_yes("is a symlink", S_ISLNK(c.st_mode));
	tl_err("stat /proc/self/exe", stat("/proc/self/exe", &c), 0);
	tl_yes("target regular", S_ISREG(c.st_mode));
	tl_err("fstat bad fd", fstat(99, &c), EBADF);
	close(fd);
	close(dfd);
	tl_cleanup();
	return tl_done();
}
