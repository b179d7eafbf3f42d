/* File semantics on existing files of the root: run natively on a host
 * directory and in the sandbox on the same tree seen through the root
 * overlay's lower layer (ov-files.args makes a fresh one before each run),
 * so every change below is a copy-up, a whiteout or a merged directory in
 * the sandbox, and must look exactly like the host's own filesystem. */
#include "testlib.h"

#include <sys/sysmacros.h>
#include <utime.h>

static char fix[200];

static const char *P(const char *rel)
{
	static char bufs[4][400];
	static int i;
	char *b = bufs[i++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/%s", fix, rel);
	return b;
}

static void show_file(const char *what, const char *rel)
{
	char buf[256];
	int fd = open(P(rel), O_RDONLY);
	if (fd < 0) {
		printf("%s: %s\n", what, tl_errname(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	for (char *c = buf; *c; c++)
		if (*c == '\n')
			*c = '|';
	printf("%s: \"%s\"\n", what, buf);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names (getdents order is the filesystem's), and whether any
 * name came twice or "." / ".." were missing. */
static void show_dir(const char *what, const char *path)
{
	char *names[64];
	int n = 0, dots = 0;
	DIR *d = opendir(path);
	if (!d) {
		printf("%s: %s\n", what, tl_errname(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) {
			dots++;
			continue;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp);
	printf("%s:", what);
	int dup = 0;
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		if (i && !strcmp(names[i], names[i - 1]))
			dup = 1;
	}
	printf("\n");
	tl_yes("  no duplicates, . and .. once", !dup && dots == 2);
	for (int i = 0; i < n; i++)
		free(names[i]);
}

int main(int argc, char **argv)
{
	struct stat st, st2, sd;
	if (argc < 2 || strlen(argv[1]) > 150) {
		tl_say("usage: ov-files FIXTURE (made by ov-files.args)");
		return 2;
	}
	snprintf(fix, sizeof(fix), "%s", argv[1]);

	/* Reads, then copy-up by append: same file, same inode number. */
	show_file("data", "data.txt");
	stat(P("data.txt"), &st);
	stat(fix, &sd);
	tl_yes("one st_dev for dir and file", st.st_dev == sd.st_dev);
	int fd = open(P("data.txt"), O_WRONLY | O_APPEND);
	tl_err("open O_APPEND", fd, 0);
	tl_val("append", write(fd, "more\n", 5), 5);
	fstat(fd, &st2);
	tl_yes("fstat of the written fd: same ino", st2.st_ino == st.st_ino);
	close(fd);
	show_file("appended", "data.txt");
	stat(P("data.txt"), &st2);
	tl_yes("ino stable across copy-up", st2.st_ino == st.st_ino);
	tl_yes("dev stable across copy-up", st2.st_dev == st.st_dev);
	tl_val("size", st2.st_size, 11);

	/* O_TRUNC, pwrite into the middle, truncate(2). */
	tl_err("O_TRUNC", tl_fdclose(open(P("dir/a"), O_WRONLY | O_TRUNC)), 0);
	stat(P("dir/a"), &st);
	tl_val("size after O_TRUNC", st.st_size, 0);
	fd = open(P("dir/b"), O_RDWR);
	tl_val("pwrite", pwrite(fd, "B", 1, 0), 1);
	close(fd);
	show_file("b", "dir/b");
	tl_err("truncate sparse", truncate(P("sparse"), 1000004), 0);
	fd = open(P("sparse"), O_RDONLY);
	char buf[8] = {0};
	pread(fd, buf, 4, 1000000);
	tl_yes("sparse tail kept", !memcmp(buf, "tail", 4));
	pread(fd, buf, 4, 500000);
	tl_yes("sparse hole reads zeros", !memcmp(buf, "\0\0\0\0", 4));
	close(fd);

	/* chmod, chown, utimes on lower files. */
	tl_err("chmod", chmod(P("ro.txt"), 0640), 0);
	stat(P("ro.txt"), &st);
	tl_val("mode", st.st_mode & 07777, 0640);
	tl_err("chown", chown(P("ro.txt"), 123, 456), 0);
	stat(P("ro.txt"), &st);
	tl_yes("owner 123:456", st.st_uid == 123 && st.st_gid == 456);
	struct timespec ts[2] = {{1000000, 0}, {2000000, 5}};
	tl_err("utimensat", utimensat(AT_FDCWD, P("dir/c"), ts, 0), 0);
	stat(P("dir/c"), &st);
	tl_yes("mtime set", st.st_mtim.tv_sec == 2000000 &&
				    st.st_mtim.tv_nsec == 5);
	show_file("c unchanged", "dir/c");

	/* Unlink (a whiteout), create again, open file outlives unlink. */
	tl_err("unlink", unlink(P("dir/c")), 0);
	tl_err("stat unlinked", stat(P("dir/c"), &st), ENOENT);
	tl_err("unlink again", unlink(P("dir/c")), ENOENT);
	fd = open(P("dir/c"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	tl_err("create over removed", fd, 0);
	write(fd, "new c", 5);
	close(fd);
	show_file("new c", "dir/c");
	fd = open(P("dir/b"), O_RDONLY);
	tl_err("unlink open file", unlink(P("dir/b")), 0);
	fstat(fd, &st);
	tl_val("nlink of open unlinked", st.st_nlink, 0);
	tl_val("read open unlinked", read(fd, buf, 2), 2);
	close(fd);
	show_dir("dir", P("dir"));

	/* rmdir: ENOTEMPTY across layers, then empty. */
	tl_err("rmdir non-empty", rmdir(P("dir/sub")), ENOTEMPTY);
	tl_err("unlink sub/x", unlink(P("dir/sub/x")), 0);
	show_dir("sub", P("dir/sub"));
	tl_err("rmdir emptied", rmdir(P("dir/sub")), 0);
	tl_err("stat removed dir", stat(P("dir/sub"), &st), ENOENT);
	tl_err("mkdir again", mkdir(P("dir/sub"), 0755), 0);
	show_dir("sub again", P("dir/sub"));
	tl_err("stat old child", stat(P("dir/sub/x"), &st), ENOENT);
	tl_err("rmdir lower empty", rmdir(P("emptyd")), 0);
	tl_err("rmdir .", rmdir(P("dir/.")), EINVAL);

	/* Renames of files within and across directories, over files. */
	tl_err("rename within", rename(P("dir/a"), P("dir/a2")), 0);
	tl_err("rename across", rename(P("d2/y"), P("dir/y")), 0);
	show_file("moved y", "dir/y");
	tl_err("rename over", rename(P("dir/y"), P("data.txt")), 0);
	show_file("data replaced", "data.txt");
	show_dir("dir", P("dir"));
	show_dir("d2", P("d2"));
	tl_err("rename missing", rename(P("dir/nope"), P("dir/x")), ENOENT);
	tl_err("rename into own child",
	       rename(P("dir"), P("dir/sub/dir")), EINVAL);
	tl_err("mkdir made", mkdir(P("made"), 0700), 0);
	tl_err("made/f", tl_fdclose(open(P("made/f"), O_CREAT | O_WRONLY,
					  0600)), 0);
	tl_err("rename made dir", rename(P("made"), P("made2")), 0);
	tl_err("rename onto non-empty dir", rename(P("made2"), P("dir")),
	       ENOTEMPTY);
	tl_err("rename onto empty lower dir", rename(P("made2"), P("d2")), 0);
	show_dir("d2 replaced", P("d2"));

	/* Symlinks. */
	char t[64];
	ssize_t n = readlink(P("link"), t, sizeof(t) - 1);
	t[n < 0 ? 0 : n] = 0;
	printf("readlink: %s\n", t);
	show_file("through link", "link");
	tl_err("lchown link", lchown(P("link"), 7, 8), 0);
	lstat(P("link"), &st);
	tl_yes("link owner 7:8", S_ISLNK(st.st_mode) && st.st_uid == 7);
	n = readlink(P("link"), t, sizeof(t) - 1);
	t[n < 0 ? 0 : n] = 0;
	printf("readlink after lchown: %s\n", t);
	tl_err("symlink", symlink("dir/c", P("newlink")), 0);
	show_file("through new link", "newlink");

	/* Hard links made here: one inode. */
	tl_err("link", link(P("dir/c"), P("hard")), 0);
	stat(P("dir/c"), &st);
	stat(P("hard"), &st2);
	tl_yes("same ino", st.st_ino == st2.st_ino);
	tl_val("nlink", st2.st_nlink, 2);
	stat(P("hl1"), &st);
	tl_val("lower hard link nlink", st.st_nlink, 2);

	/* A cwd from before the directory was copied up. */
	tl_err("chdir", chdir(P("cwd")), 0);
	tl_err("create by absolute path",
	       tl_fdclose(open(P("cwd/abs"), O_CREAT | O_WRONLY, 0600)), 0);
	tl_err("create relative",
	       tl_fdclose(open("rel", O_CREAT | O_EXCL | O_WRONLY, 0600)), 0);
	show_dir("cwd", ".");
	tl_err("access W_OK ro file as root", access(P("hl2"), W_OK), 0);

	/* seekdir back into a merged directory gives the same entry. */
	DIR *d = opendir(P("dir"));
	readdir(d);
	long pos = telldir(d);
	struct dirent *e = readdir(d);
	char name[256];
	snprintf(name, sizeof(name), "%s", e ? e->d_name : "");
	readdir(d);
	seekdir(d, pos);
	e = readdir(d);
	tl_yes("seekdir", e && !strcmp(e->d_name, name));
	closedir(d);
	return tl_done();
}
