/* Changes to a file tree, as a writable host tree must take them: create
 * (O_EXCL, a mode that denies writing), write, O_APPEND, pwrite, O_TRUNC,
 * truncate, mkdir/rmdir, fifos and sockets, symlink/readlink, link, rename
 * (over a file, NOREPLACE, a directory into its own child), chmod, chown
 * to oneself, utimensat, unlink of an open file; then a listing of what is
 * left.
 *
 * Works in argv[1] when given (tests/security/overlay_none_writes.sh runs
 * it on a host directory, natively and with `--overlay=none --root`, and
 * compares the host trees it leaves), else in a private /tmp directory
 * (the differential run: the overlay's upper layer and tmpfs). */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <time.h>

#include "testlib.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char typec(mode_t m)
{
	return S_ISREG(m) ? 'f' : S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' :
	       S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '?';
}

/* Names, types, sizes, modes and links of dir, sorted, recursively. */
static void list(const char *dir, const char *rel)
{
	char *names[256];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d) {
		tl_fail("opendir");
		return;
	}
	while ((e = readdir(d)) && n < 256) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp);
	for (int i = 0; i < n; i++) {
		char p[512], r[512];
		struct stat st;
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		snprintf(r, sizeof(r), "%s%s", rel, names[i]);
		if (lstat(p, &st) < 0) {
			tl_fail("lstat");
			continue;
		}
		printf("  %s %c %04o nlink=%ld", r, typec(st.st_mode),
		       st.st_mode & 07777, (long)st.st_nlink);
		if (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))
			printf(" size=%ld", (long)st.st_size);
		putchar('\n');
		if (S_ISDIR(st.st_mode)) {
			char sub[520];
			snprintf(sub, sizeof(sub), "%s/", r);
			list(p, sub);
		}
		free(names[i]);
	}
}

static const char *P(const char *base, const char *name)
{
	static char bufs[4][600];
	static int i;
	char *b = bufs[i++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/%s", base, name);
	return b;
}

static void show_file(const char *what, const char *path)
{
	char buf[128];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0) {
		tl_fail(what);
		return;
	}
	buf[n] = 0;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\n')
			buf[i] = '|';
	printf("%s: \"%s\"\n", what, buf);
}

int main(int argc, char **argv)
{
	const char *b = argc > 1 ? argv[1] : tl_tmpdir();
	struct stat st;
	char buf[64];
	int fd;

	umask(022);

	/* create, exclusive */
	fd = tl_err("create a", open(P(b, "a"), O_RDWR | O_CREAT | O_EXCL,
				      0644), 0);
	tl_val("write a", write(fd, "hello\n", 6), 6);
	tl_val("pwrite a", pwrite(fd, "J", 1, 0), 1);
	tl_val("pread a", pread(fd, buf, 6, 0), 6);
	tl_yes("pread sees the write", !memcmp(buf, "Jello\n", 6));
	tl_err("fstat a", fstat(fd, &st), 0);
	tl_val("size a", st.st_size, 6);
	tl_val("mode a", st.st_mode & 07777, 0644);
	close(fd);
	tl_err("create a again", tl_fdclose(open(P(b, "a"), O_RDWR | O_CREAT |
						  O_EXCL, 0644)), EEXIST);

	/* O_APPEND, pwrite included */
	fd = tl_err("open a append", open(P(b, "a"), O_WRONLY | O_APPEND), 0);
	tl_val("append", write(fd, "more\n", 5), 5);
	tl_val("pwrite appends", pwrite(fd, "x\n", 2, 0), 2);
	/* pwrite moves no offset: the end after the first append */
	tl_val("offset after append", lseek(fd, 0, SEEK_CUR), 11);
	close(fd);
	show_file("a", P(b, "a"));

	/* a mode that denies writing: the creating open still writes */
	fd = tl_err("create ro", open(P(b, "ro"), O_WRONLY | O_CREAT | O_EXCL,
				       0444), 0);
	tl_val("write ro", write(fd, "ro\n", 3), 3);
	close(fd);
	show_file("ro", P(b, "ro"));

	/* O_TRUNC, ftruncate, truncate */
	fd = tl_err("open trunc", open(P(b, "t"), O_RDWR | O_CREAT | O_TRUNC,
					0600), 0);
	tl_val("write t", write(fd, "0123456789", 10), 10);
	tl_err("ftruncate", ftruncate(fd, 4), 0);
	tl_err("fstat t", fstat(fd, &st), 0);
	tl_val("size t", st.st_size, 4);
	close(fd);
	tl_err("truncate longer", truncate(P(b, "t"), 8), 0);
	tl_err("stat t", stat(P(b, "t"), &st), 0);
	tl_val("size t", st.st_size, 8);
	fd = tl_err("reopen O_TRUNC", open(P(b, "t"), O_WRONLY | O_TRUNC), 0);
	close(fd);
	tl_err("stat t", stat(P(b, "t"), &st), 0);
	tl_val("size t", st.st_size, 0);

	/* directories */
	tl_err("mkdir d", mkdir(P(b, "d"), 0750), 0);
	tl_err("mkdir d again", mkdir(P(b, "d"), 0750), EEXIST);
	tl_err("mkdir d/e", mkdir(P(b, "d/e"), 0755), 0);
	tl_err("rmdir d (not empty)", rmdir(P(b, "d")), ENOTEMPTY);
	tl_err("unlink d", unlink(P(b, "d")), EISDIR);
	tl_err("rmdir a", rmdir(P(b, "a")), ENOTDIR);
	tl_err("stat d", stat(P(b, "d"), &st), 0);
	tl_val("nlink d", st.st_nlink, 3);
	tl_err("mkdir d/e/gone", mkdir(P(b, "d/e/gone"), 0755), 0);
	tl_err("rmdir d/e/gone", rmdir(P(b, "d/e/gone")), 0);
	tl_err("stat d/e/gone", stat(P(b, "d/e/gone"), &st), ENOENT);

	/* fifos and sockets; no device nodes (tested elsewhere: natively
	 * as root they would succeed) */
	tl_err("mkfifo", mkfifo(P(b, "fifo"), 0640), 0);
	tl_err("mknod sock", mknod(P(b, "sock"), S_IFSOCK | 0600, 0), 0);
	tl_err("stat fifo", stat(P(b, "fifo"), &st), 0);
	tl_yes("fifo is a fifo", S_ISFIFO(st.st_mode));
	fd = tl_err("open fifo nonblock", open(P(b, "fifo"), O_RDONLY |
						 O_NONBLOCK), 0);
	close(fd);

	/* symlinks */
	tl_err("symlink", symlink("a", P(b, "sl")), 0);
	tl_err("symlink exists", symlink("a", P(b, "sl")), EEXIST);
	ssize_t n = readlink(P(b, "sl"), buf, sizeof(buf));
	tl_val("readlink", n, 1);
	show_file("through sl", P(b, "sl"));
	tl_err("symlink dangling", symlink("nowhere/x", P(b, "dl")), 0);
	tl_err("open dangling", tl_fdclose(open(P(b, "dl"), O_RDONLY)),
	       ENOENT);
	tl_err("open O_NOFOLLOW", tl_fdclose(open(P(b, "sl"), O_RDONLY |
						  O_NOFOLLOW)), ELOOP);

	/* hard links */
	tl_err("link", link(P(b, "a"), P(b, "d/a2")), 0);
	tl_err("stat a", stat(P(b, "a"), &st), 0);
	tl_val("nlink a", st.st_nlink, 2);
	tl_err("link dir", link(P(b, "d"), P(b, "d2")), EPERM);
	tl_err("link exists", link(P(b, "a"), P(b, "ro")), EEXIST);

	/* renames */
	tl_err("rename a -> b", rename(P(b, "a"), P(b, "b")), 0);
	tl_err("stat a", stat(P(b, "a"), &st), ENOENT);
	show_file("b", P(b, "b"));
	tl_err("rename ro over t", rename(P(b, "ro"), P(b, "t")), 0);
	show_file("t", P(b, "t"));
	tl_err("rename noreplace",
	       renameat2(AT_FDCWD, P(b, "b"), AT_FDCWD, P(b, "t"),
			 RENAME_NOREPLACE), EEXIST);
	tl_err("rename d into d/e", rename(P(b, "d"), P(b, "d/e/x")), EINVAL);
	tl_err("rename file over dir", rename(P(b, "b"), P(b, "d")), EISDIR);
	tl_err("rename dir over file", rename(P(b, "d"), P(b, "b")), ENOTDIR);
	tl_err("rename d/e -> e", rename(P(b, "d/e"), P(b, "e")), 0);
	tl_err("stat d", stat(P(b, "d"), &st), 0);
	tl_val("nlink d", st.st_nlink, 2);
	tl_err("rename missing", rename(P(b, "nope"), P(b, "x")), ENOENT);

	/* attributes */
	tl_err("chmod b", chmod(P(b, "b"), 0604), 0);
	tl_err("stat b", stat(P(b, "b"), &st), 0);
	tl_val("mode b", st.st_mode & 07777, 0604);
	tl_err("chown to self", chown(P(b, "b"), getuid(), getgid()), 0);
	tl_err("chown -1", chown(P(b, "b"), (uid_t)-1, (gid_t)-1), 0);
	struct timespec ts[2] = {{1000000000, 5}, {1234567890, 0}};
	tl_err("utimensat", utimensat(AT_FDCWD, P(b, "b"), ts, 0), 0);
	tl_err("stat b", stat(P(b, "b"), &st), 0);
	tl_val("atime b", st.st_atim.tv_sec, 1000000000);
	tl_val("mtime b", st.st_mtim.tv_sec, 1234567890);
	struct timespec omit[2] = {{0, UTIME_OMIT}, {0, UTIME_NOW}};
	tl_err("utimensat now", utimensat(AT_FDCWD, P(b, "b"), omit, 0), 0);
	tl_err("stat b", stat(P(b, "b"), &st), 0);
	tl_val("atime kept", st.st_atim.tv_sec, 1000000000);
	tl_yes("mtime now", st.st_mtim.tv_sec > 1234567890);
	tl_err("lutimes on symlink",
	       utimensat(AT_FDCWD, P(b, "sl"), ts, AT_SYMLINK_NOFOLLOW), 0);

	/* extended attributes: on a host directory only (argv[1]; the
	 * sandbox's own tmpfs stores none, a host tmpfs may) */
	if (argc > 1) {
		char v[16];
		long r = setxattr(P(b, "t"), "user.rv", "val", 3, 0);
		if (r < 0 && errno == EOPNOTSUPP) {
			printf("xattrs: not supported here\n");
		} else {
			tl_err("setxattr", r, 0);
			tl_err("setxattr create again",
			       setxattr(P(b, "t"), "user.rv", "x", 1,
					XATTR_CREATE), EEXIST);
			tl_val("getxattr", getxattr(P(b, "t"), "user.rv", v,
						    sizeof(v)), 3);
			tl_yes("value", !memcmp(v, "val", 3));
			tl_val("getxattr size", getxattr(P(b, "t"), "user.rv",
							 NULL, 0), 3);
			tl_err("getxattr small buffer",
			       getxattr(P(b, "t"), "user.rv", v, 1), ERANGE);
			tl_err("getxattr missing",
			       getxattr(P(b, "t"), "user.none", v, sizeof(v)),
			       ENODATA);
			char list[256];
			ssize_t n = listxattr(P(b, "t"), list, sizeof(list));
			tl_yes("listxattr has user.rv",
			       n > 0 && memmem(list, (size_t)n, "user.rv", 8));
			tl_err("set unknown namespace",
			       setxattr(P(b, "t"), "bogus.x", "v", 1, 0),
			       EOPNOTSUPP);
			tl_err("set user.* on a symlink",
			       lsetxattr(P(b, "sl"), "user.x", "v", 1, 0),
			       EPERM);
			tl_err("removexattr", removexattr(P(b, "t"), "user.rv"),
			       0);
			tl_err("removexattr again",
			       removexattr(P(b, "t"), "user.rv"), ENODATA);
		}
	}

	/* unlink an open file: it lives on */
	fd = tl_err("open b", open(P(b, "b"), O_RDWR), 0);
	tl_err("unlink b", unlink(P(b, "b")), 0);
	tl_err("fstat unlinked", fstat(fd, &st), 0);
	tl_val("nlink unlinked (d/a2 left)", st.st_nlink, 1);
	tl_val("read unlinked", pread(fd, buf, 5, 0), 5);
	tl_yes("content kept", !memcmp(buf, "Jello", 5));
	close(fd);
	tl_err("stat d/a2", stat(P(b, "d/a2"), &st), 0);
	tl_val("nlink d/a2", st.st_nlink, 1);
	tl_err("unlink missing", unlink(P(b, "b")), ENOENT);
	tl_err("unlink fifo", unlink(P(b, "fifo")), 0);

	printf("tree:\n");
	list(b, "");
	if (argc <= 1)
		tl_cleanup();
	return tl_done();
}
