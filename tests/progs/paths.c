/* Path walk corner cases: dot and dot-dot, repeated and trailing slashes,
 * symbolic links, dirfd-relative lookups, name and path length limits. */
#include <limits.h>
#include "testlib.h"

int main(void)
{
	char buf[PATH_MAX + 64];
	struct stat st;
	int dfd, ffd;

	mkdir(tl_tmp("d"), 0755);
	tl_write_file(tl_tmp("d/f"), "data", 4);
	snprintf(buf, sizeof(buf), "%s/./d/../d//f", tl_tmpdir());
	tl_err("dots and double slashes", stat(buf, &st), 0);
	tl_err("/../../etc/passwd", stat("/../../etc/passwd", &st), 0);
	tl_err("trailing slash on dir", stat(tl_tmp("d/"), &st), 0);
	tl_err("trailing slash on file", stat(tl_tmp("d/f/"), &st), ENOTDIR);
	tl_err("open file/ O_RDONLY", open(tl_tmp("d/f/"), O_RDONLY), ENOTDIR);
	tl_err("create with trailing slash",
	       open(tl_tmp("d/new/"), O_CREAT | O_WRONLY, 0644), EISDIR);
	tl_err("mkdir with trailing slash", mkdir(tl_tmp("d/sub/"), 0755), 0);
	tl_err("file/.. is ENOTDIR", stat(tl_tmp("d/f/.."), &st), ENOTDIR);

	/* Symbolic links. */
	tl_err("symlink", symlink("d/f", tl_tmp("l")), 0);
	tl_err("symlink to dir", symlink("d", tl_tmp("ld")), 0);
	tl_err("symlink exists", symlink("x", tl_tmp("l")), EEXIST);
	ssize_t n = readlink(tl_tmp("l"), buf, sizeof(buf));
	tl_say("readlink [%.*s]", (int)(n > 0 ? n : 0), buf);
	tl_err("stat through link", stat(tl_tmp("l"), &st), 0);
	tl_yes("target is the file", S_ISREG(st.st_mode) && st.st_size == 4);
	tl_err("lstat link", lstat(tl_tmp("l"), &st), 0);
	tl_yes("lstat is a link of size 3", S_ISLNK(st.st_mode) &&
	       st.st_size == 3);
	tl_err("walk through dir link", stat(tl_tmp("ld/f"), &st), 0);
	tl_err("O_NOFOLLOW on link", open(tl_tmp("l"), O_RDONLY | O_NOFOLLOW),
	       ELOOP);
	tl_err("dangling", stat((symlink("nowhere", tl_tmp("dang")),
				 tl_tmp("dang")), &st), ENOENT);
	symlink("loop2", tl_tmp("loop1"));
	symlink("loop1", tl_tmp("loop2"));
	tl_err("symlink loop", stat(tl_tmp("loop1"), &st), ELOOP);
	tl_err("absolute symlink", symlink("/etc/passwd", tl_tmp("abs")), 0);
	tl_err("stat abs link", stat(tl_tmp("abs"), &st), 0);
	tl_err("O_CREAT through dangling link creates the target",
	       tl_fdclose(open(tl_tmp("dang"), O_CREAT | O_WRONLY, 0644)), 0);
	tl_err("target now exists", access(tl_tmp("nowhere"), F_OK), 0);
	tl_err("O_CREAT|O_EXCL on a link",
	       open(tl_tmp("l"), O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
	tl_err("unlink removes the link only", unlink(tl_tmp("l")), 0);
	tl_err("file kept", access(tl_tmp("d/f"), F_OK), 0);

	/* dirfd-relative lookups. */
	dfd = open(tl_tmp("d"), O_RDONLY | O_DIRECTORY);
	ffd = open(tl_tmp("d/f"), O_RDONLY);
	tl_err("openat relative", tl_fdclose(openat(dfd, "f", O_RDONLY)), 0);
	tl_err("openat .. from dir", tl_fdclose(openat(dfd, "../d/f", O_RDONLY)),
	       0);
	tl_err("openat with file as dirfd", openat(ffd, "x", O_RDONLY),
	       ENOTDIR);
	tl_err("absolute path ignores bad dirfd",
	       tl_fdclose(openat(9999, "/etc/passwd", O_RDONLY)), 0);
	tl_err("relative path with bad dirfd", openat(9999, "f", O_RDONLY),
	       EBADF);
	tl_err("O_PATH fd as dirfd",
	       tl_fdclose(openat(open(tl_tmp("d"), O_PATH), "f", O_RDONLY)), 0);

	/* Length limits: a 255-byte name is fine, 256 is not; a path of
	 * PATH_MAX bytes or more is ENAMETOOLONG. */
	char name[300];
	memset(name, 'n', 255);
	name[255] = 0;
	tl_err("255-byte name", tl_fdclose(openat(dfd, name, O_CREAT | O_WRONLY,
					     0644)), 0);
	name[255] = 'n';
	name[256] = 0;
	tl_err("256-byte name", openat(dfd, name, O_CREAT | O_WRONLY, 0644),
	       ENAMETOOLONG);
	memset(buf, 0, sizeof(buf));
	for (size_t i = 0; i + 2 < PATH_MAX + 10; i += 2)
		memcpy(buf + i, "./", 2);
	tl_err("path longer than PATH_MAX", stat(buf, &st), ENAMETOOLONG);
	tl_err("empty path", stat("", &st), ENOENT);
	close(dfd);
	close(ffd);
	tl_cleanup();
	return tl_done();
}
