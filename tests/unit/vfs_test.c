/* Unit tests of the VFS, called directly with sentry buffers: the path walk,
 * tmpfs, the read-only host mount, /proc texts, pipes and the fd table.
 * The host root is a fixture tree made in a temporary directory. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "sentry/fs/pipe/pipe.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/fs.h"
#include "sentry/vfs/namei.h"
#include "sentry/vfs/vfs.h"

static int failures, passes;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			passes++;                                            \
		} else {                                                     \
			failures++;                                          \
			printf("FAIL %s:%d: ", __FILE__, __LINE__);          \
			printf(__VA_ARGS__);                                 \
			printf("\n");                                        \
		}                                                            \
	} while (0)

#define CHECK_EQ(a, b, what)                                                 \
	do {                                                                 \
		long _a = (long)(a), _b = (long)(b);                         \
		CHECK(_a == _b, "%s: got %ld want %ld", what, _a, _b);       \
	} while (0)

static struct task T;
static struct thread_group TG;
static char fixture[PATH_MAX];

static void sh(const char *fmt, const char *arg)
{
	char cmd[PATH_MAX * 2];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg);
	if (system(cmd) != 0) {
		printf("FAIL fixture: %s\n", cmd);
		exit(1);
	}
}

static void make_fixture(void)
{
	snprintf(fixture, sizeof(fixture), "/tmp/vfs_test.XXXXXX");
	if (!mkdtemp(fixture)) {
		perror("mkdtemp");
		exit(1);
	}
	sh("cd %s && mkdir -p tmp proc dev etc a/b/c usr/bin && "
	   "echo secret-root > etc/passwd && echo inner > a/b/c/f && "
	   "ln -s /etc abs && ln -s ../../../../../../etc up && "
	   "ln -s loop2 loop1 && ln -s loop1 loop2 && ln -s a/b rel && "
	   "ln -s etc/passwd filelink && ln -s nowhere dangling && "
	   "chmod 700 a && chmod 755 . && mkdir many && "
	   "(cd many && seq 1 5000 | xargs touch)",
	   fixture);
}

static ssize_t read_path(const char *path, char *buf, size_t len)
{
	struct file *f;
	int err = vfs_openat(&T, AT_FDCWD, path, O_RDONLY, 0, &f);
	if (err)
		return err;
	ssize_t n = vfs_pread(f, buf, len - 1, 0);
	file_put(f);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

static int write_path(const char *path, int flags, const char *text)
{
	struct file *f;
	int err = vfs_openat(&T, AT_FDCWD, path, O_WRONLY | flags, 0644, &f);
	if (err)
		return err;
	struct iovec iov = {(void *)text, strlen(text)};
	ssize_t n = vfs_writev(f, &iov, 1, -1);
	file_put(f);
	return n < 0 ? (int)n : 0;
}

static void test_walk(void)
{
	char buf[4096];
	CHECK(read_path("/etc/passwd", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "secret-root\n"),
	      "read /etc/passwd: %s", buf);
	/* An absolute symlink resolves inside the sandbox root. */
	CHECK(read_path("/abs/passwd", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "secret-root\n"),
	      "abs symlink stays in root");
	/* ".." above the root stays at the root. */
	CHECK(read_path("/up/passwd", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "secret-root\n"),
	      "../ symlink stays in root");
	CHECK(read_path("/../../../etc/passwd", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "secret-root\n"),
	      "/.. is /");
	CHECK(read_path("/rel/c/f", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "inner\n"),
	      "relative symlink in the middle");
	CHECK(read_path("/a/b/../b/./c/f", buf, sizeof(buf)) > 0,
	      "dot and dotdot");
	CHECK_EQ(read_path("/loop1", buf, sizeof(buf)), -ELOOP, "ELOOP");
	CHECK_EQ(read_path("/dangling", buf, sizeof(buf)), -ENOENT,
		 "dangling");
	CHECK_EQ(read_path("/etc/passwd/x", buf, sizeof(buf)), -ENOTDIR,
		 "ENOTDIR in the middle");
	CHECK_EQ(read_path("/etc/passwd/", buf, sizeof(buf)), -ENOTDIR,
		 "trailing slash on a file");
	CHECK_EQ(read_path("/filelink/", buf, sizeof(buf)), -ENOTDIR,
		 "trailing slash on a link to a file");
	CHECK_EQ(read_path("", buf, sizeof(buf)), -ENOENT, "empty path");
	CHECK_EQ(read_path("/nonexistent", buf, sizeof(buf)), -ENOENT,
		 "ENOENT");
	char longname[300];
	memset(longname, 'x', 256);
	longname[0] = '/';
	longname[257] = 0;
	memset(longname + 1, 'x', 256);
	CHECK_EQ(read_path(longname, buf, sizeof(buf)), -ENAMETOOLONG,
		 "NAME_MAX");
	/* O_NOFOLLOW on a symlink: ELOOP; O_PATH|O_NOFOLLOW: the link. */
	struct file *f;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/filelink", O_RDONLY | O_NOFOLLOW,
			    0, &f),
		 -ELOOP, "O_NOFOLLOW");
	if (vfs_openat(&T, AT_FDCWD, "/filelink", O_PATH | O_NOFOLLOW, 0,
		       &f)) {
		CHECK(0, "O_PATH|O_NOFOLLOW");
	} else {
		struct kstat st;
		passes++; /* O_PATH|O_NOFOLLOW opened */
		vfs_fstat(f, &st);
		CHECK(S_ISLNK(st.mode), "O_PATH of a link is the link");
		file_put(f);
	}
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/etc/passwd", O_RDONLY | O_DIRECTORY,
			    0, &f),
		 -ENOTDIR, "O_DIRECTORY");
	ssize_t n = vfs_readlinkat(&T, AT_FDCWD, "/abs", buf, sizeof(buf));
	CHECK(n == 4 && !memcmp(buf, "/etc", 4), "readlink");
	CHECK_EQ(vfs_readlinkat(&T, AT_FDCWD, "/etc", buf, sizeof(buf)),
		 -EINVAL, "readlink of a dir");
	/* chdir and relative walks, getcwd. */
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/a/b"), 0, "chdir");
	CHECK(read_path("c/f", buf, sizeof(buf)) > 0, "relative to cwd");
	CHECK(vfs_getcwd(&T, buf, sizeof(buf)) > 0 && !strcmp(buf, "/a/b"),
	      "getcwd %s", buf);
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/etc/passwd"), -ENOTDIR,
		 "chdir to a file");
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/"), 0, "chdir /");
	/* Permission checks: a non-root caller cannot search a 0700 dir it
	 * does not own (the fixture is owned by whoever runs the test). */
	struct cred saved = T.cred;
	T.cred.fsuid = T.cred.uid = 12345;
	T.cred.fsgid = T.cred.gid = 12345;
	if (getuid() != 12345)
		CHECK_EQ(read_path("/a/b/c/f", buf, sizeof(buf)), -EACCES,
			 "EACCES for another user");
	T.cred = saved;
	/* PATH_MAX: lookups of many components still work. */
	char deep[PATH_MAX];
	size_t k = 0;
	while (k + 3 < sizeof(deep) - 20) {
		memcpy(deep + k, "/./", 3);
		k += 2;
	}
	strcpy(deep + k, "/etc/passwd");
	CHECK(read_path(deep, buf, sizeof(buf)) > 0, "long path of dots");
}

static int count_host_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 65536; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void test_host_dcache(void)
{
	/* More host files than the cache keeps: every lookup works and the
	 * host fds held stay bounded (about one per cached dentry). */
	int before = count_host_fds();
	char p[64];
	struct kstat st;
	int bad = 0;
	for (int round = 0; round < 2; round++)
		for (int i = 1; i <= 5000; i++) {
			snprintf(p, sizeof(p), "/many/%d", i);
			if (vfs_statat(&T, AT_FDCWD, p, 0, &st) || !S_ISREG(st.mode))
				bad++;
		}
	CHECK_EQ(bad, 0, "10000 host lookups");
	int after = count_host_fds();
	CHECK(after - before <= 4096 + 16, "host fds bounded: %d more",
	      after - before);
	struct mount *rm = vfs_root_mount();
	CHECK(rm->sb->lru_count <= rm->sb->lru_max,
	      "unused host dentries within the bound (%zu)", rm->sb->lru_count);
	/* Mount points survive eviction. */
	CHECK_EQ(vfs_statat(&T, AT_FDCWD, "/tmp", 0, &st), 0, "stat /tmp");
	CHECK_EQ(st.dev, vfs_root_mount()->next->sb->dev, "/tmp is the tmpfs");
}

static void test_rofs(void)
{
	CHECK_EQ(write_path("/etc/passwd", 0, "x"), -EROFS, "write on host");
	CHECK_EQ(write_path("/etc/newfile", O_CREAT, "x"), -EROFS,
		 "create on host");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/newdir", 0755), -EROFS, "mkdir");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/etc/passwd", 0), -EROFS,
		 "unlink");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/etc/passwd", AT_FDCWD,
			       "/etc/p2", 0),
		 -EROFS, "rename");
	CHECK_EQ(vfs_chmodat(&T, AT_FDCWD, "/etc/passwd", 0777, 0), -EROFS,
		 "chmod");
	CHECK_EQ(vfs_truncate(&T, "/etc/passwd", 0), -EROFS, "truncate");
	CHECK_EQ(vfs_symlinkat(&T, "x", AT_FDCWD, "/sym"), -EROFS, "symlink");
	CHECK_EQ(vfs_accessat(&T, AT_FDCWD, "/etc/passwd", W_OK, 0), -EROFS,
		 "access W_OK");
	CHECK_EQ(vfs_accessat(&T, AT_FDCWD, "/etc/passwd", R_OK, 0), 0,
		 "access R_OK");
	/* The host file really is unchanged. */
	char p[PATH_MAX + 16], buf[64];
	snprintf(p, sizeof(p), "%s/etc/passwd", fixture);
	FILE *fp = fopen(p, "r");
	CHECK(fp && fgets(buf, sizeof(buf), fp) && !strcmp(buf, "secret-root\n"),
	      "host file unchanged");
	if (fp)
		fclose(fp);
}

struct dirlist {
	struct dir_context ctx;
	char names[4096];
	size_t len;
	int count;
};

static int list_emit(struct dir_context *c, const char *name, size_t len,
		     uint64_t ino, unsigned char type, int64_t off)
{
	(void)ino;
	(void)type;
	(void)off;
	struct dirlist *l = (struct dirlist *)c;
	if (l->len + len + 2 < sizeof(l->names)) {
		memcpy(l->names + l->len, name, len);
		l->len += len;
		l->names[l->len++] = ' ';
		l->names[l->len] = 0;
	}
	l->count++;
	return 0;
}

static int list_dir(const char *path, struct dirlist *l)
{
	struct file *f;
	memset(l, 0, sizeof(*l));
	l->ctx.emit = list_emit;
	int err = vfs_openat(&T, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0, &f);
	if (err)
		return err;
	err = vfs_iterate_dir(f, &l->ctx);
	file_put(f);
	return err;
}

static void test_tmpfs(void)
{
	static char buf[16384];
	struct kstat st;
	CHECK_EQ(write_path("/tmp/a", O_CREAT, "hello"), 0, "create");
	CHECK(read_path("/tmp/a", buf, sizeof(buf)) == 5 &&
		      !strcmp(buf, "hello"),
	      "read back");
	CHECK_EQ(write_path("/tmp/a", O_CREAT | O_EXCL, "x"), -EEXIST,
		 "O_EXCL");
	CHECK_EQ(write_path("/tmp/a", O_APPEND, " world"), 0, "append");
	CHECK(read_path("/tmp/a", buf, sizeof(buf)) == 11 &&
		      !strcmp(buf, "hello world"),
	      "appended: %s", buf);
	CHECK_EQ(write_path("/tmp/a", O_TRUNC, "new"), 0, "O_TRUNC");
	CHECK(read_path("/tmp/a", buf, sizeof(buf)) == 3, "truncated");
	CHECK_EQ(write_path("/tmp/a/", O_CREAT, "x"), -EISDIR,
		 "O_CREAT with trailing slash");
	CHECK_EQ(write_path("/tmp/nodir/x", O_CREAT, "x"), -ENOENT,
		 "create in missing dir");

	/* Sparse write: the hole reads as zeros, size follows. */
	struct file *f;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/sparse", O_RDWR | O_CREAT, 0600,
			    &f),
		 0, "open sparse");
	struct iovec iov = {"end", 3};
	CHECK_EQ(vfs_writev(f, &iov, 1, 10000), 3, "pwrite at 10000");
	vfs_fstat(f, &st);
	CHECK_EQ(st.size, 10003, "sparse size");
	memset(buf, 1, sizeof(buf));
	CHECK_EQ(vfs_pread(f, buf, 10003, 0), 10003, "read sparse");
	CHECK(buf[0] == 0 && buf[9999] == 0 && !memcmp(buf + 10000, "end", 3),
	      "hole reads zeros");
	CHECK_EQ(vfs_ftruncate(f, 2), 0, "ftruncate");
	CHECK_EQ(vfs_ftruncate(f, 8000), 0, "ftruncate up");
	CHECK_EQ(vfs_pread(f, buf, 8000, 0), 8000, "read after regrow");
	CHECK(buf[2] == 0 && buf[4096] == 0, "regrown area is zero");
	CHECK_EQ(vfs_llseek(f, 0, SEEK_END), 8000, "SEEK_END");
	CHECK_EQ(vfs_llseek(f, -1, SEEK_SET), -EINVAL, "negative seek");
	/* Unlinked while open: still readable, nlink 0. */
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp/sparse", 0), 0, "unlink");
	CHECK_EQ(vfs_pread(f, buf, 10, 0), 10, "read unlinked");
	vfs_fstat(f, &st);
	CHECK_EQ(st.nlink, 0, "nlink of unlinked");
	char path[256];
	CHECK(vfs_file_path(f, path, sizeof(path)) > 0 &&
		      !strcmp(path, "/tmp/sparse (deleted)"),
	      "deleted path: %s", path);
	file_put(f);
	CHECK_EQ(read_path("/tmp/sparse", buf, sizeof(buf)), -ENOENT,
		 "gone after unlink");

	/* Directories. */
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/tmp/d", 0755), 0, "mkdir");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/tmp/d", 0755), -EEXIST,
		 "mkdir EEXIST");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/tmp/d/e/", 0755), 0,
		 "mkdir trailing slash");
	CHECK_EQ(write_path("/tmp/d/e/f", O_CREAT, "f"), 0, "file in subdir");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp/d", AT_REMOVEDIR),
		 -ENOTEMPTY, "rmdir non-empty");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp/d", 0), -EISDIR,
		 "unlink dir");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp/a", AT_REMOVEDIR), -ENOTDIR,
		 "rmdir file");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp/d/.", AT_REMOVEDIR), -EINVAL,
		 "rmdir .");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp", AT_REMOVEDIR), -EBUSY,
		 "rmdir mountpoint");
	CHECK_EQ(vfs_statat(&T, AT_FDCWD, "/tmp/d", 0, &st), 0, "stat dir");
	CHECK_EQ(st.nlink, 3, "dir nlink with a subdir");

	/* rename */
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/d/e/f", AT_FDCWD, "/tmp/g",
			       0),
		 0, "rename file");
	CHECK(read_path("/tmp/g", buf, sizeof(buf)) == 1, "renamed readable");
	CHECK_EQ(read_path("/tmp/d/e/f", buf, sizeof(buf)), -ENOENT,
		 "old name gone");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/d/e/x",
			       0),
		 -EINVAL, "rename dir into itself");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/g", AT_FDCWD, "/tmp/a",
			       RENAME_NOREPLACE),
		 -EEXIST, "RENAME_NOREPLACE");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/g", AT_FDCWD, "/tmp/a", 0),
		 0, "rename over a file");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/d", 0),
		 -EISDIR, "file over dir");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/a", 0),
		 -ENOTDIR, "dir over file");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/a", AT_FDCWD, "/etc/a", 0),
		 -EXDEV, "rename across mounts");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/tmp/m", 0755), 0, "mkdir m");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/tmp/d/e", AT_FDCWD, "/tmp/m/e",
			       0),
		 0, "move a dir");
	vfs_statat(&T, AT_FDCWD, "/tmp/d", 0, &st);
	CHECK_EQ(st.nlink, 2, "old parent nlink");
	vfs_statat(&T, AT_FDCWD, "/tmp/m", 0, &st);
	CHECK_EQ(st.nlink, 3, "new parent nlink");

	/* links */
	CHECK_EQ(vfs_linkat(&T, AT_FDCWD, "/tmp/a", AT_FDCWD, "/tmp/hard", 0),
		 0, "link");
	vfs_statat(&T, AT_FDCWD, "/tmp/a", 0, &st);
	CHECK_EQ(st.nlink, 2, "nlink 2");
	CHECK_EQ(vfs_linkat(&T, AT_FDCWD, "/tmp/d", AT_FDCWD, "/tmp/hd", 0),
		 -EPERM, "link a dir");
	CHECK_EQ(vfs_symlinkat(&T, "a", AT_FDCWD, "/tmp/sl"), 0, "symlink");
	CHECK(read_path("/tmp/sl", buf, sizeof(buf)) == 1, "via symlink");
	CHECK_EQ(vfs_statat(&T, AT_FDCWD, "/tmp/sl", AT_SYMLINK_NOFOLLOW, &st),
		 0, "lstat");
	CHECK(S_ISLNK(st.mode) && st.size == 1, "lstat is a link");
	CHECK_EQ(vfs_symlinkat(&T, "/etc", AT_FDCWD, "/tmp/etclink"), 0,
		 "symlink to /etc");
	CHECK(read_path("/tmp/etclink/passwd", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "secret-root\n"),
	      "tmpfs link to the sandbox's /etc");

	/* O_CREAT through a dangling symlink creates its target (twice
	 * removed, and with a relative body). */
	CHECK_EQ(vfs_symlinkat(&T, "d/target2", AT_FDCWD, "/tmp/dang2"), 0,
		 "dangling link");
	CHECK_EQ(vfs_symlinkat(&T, "/tmp/dang2", AT_FDCWD, "/tmp/dang1"), 0,
		 "link to the dangling link");
	CHECK_EQ(write_path("/tmp/dang1", O_CREAT, "t"), 0,
		 "O_CREAT through two links");
	CHECK(read_path("/tmp/d/target2", buf, sizeof(buf)) == 1,
	      "target created in the link's directory");
	CHECK_EQ(write_path("/tmp/dang1", O_CREAT | O_EXCL, "t"), -EEXIST,
		 "O_EXCL on a link");
	CHECK_EQ(vfs_symlinkat(&T, "/tmp/nodir/x", AT_FDCWD, "/tmp/dang3"), 0,
		 "link into a missing dir");
	CHECK_EQ(write_path("/tmp/dang3", O_CREAT, "t"), -ENOENT,
		 "O_CREAT through it: ENOENT");
	CHECK_EQ(write_path("/loop1", O_CREAT, "t"), -ELOOP,
		 "O_CREAT on a loop");

	/* readdir */
	struct dirlist l;
	CHECK_EQ(list_dir("/tmp/m", &l), 0, "readdir");
	CHECK(!strcmp(l.names, ". .. e "), "readdir names: %s", l.names);
	CHECK_EQ(list_dir("/etc", &l), 0, "readdir host");
	CHECK(strstr(l.names, "passwd") && !strncmp(l.names, ". .. ", 5),
	      "host readdir: %s", l.names);

	/* chmod, permissions of a non-root user */
	CHECK_EQ(vfs_chmodat(&T, AT_FDCWD, "/tmp/a", 0600, 0), 0, "chmod");
	vfs_statat(&T, AT_FDCWD, "/tmp/a", 0, &st);
	CHECK_EQ(st.mode & 07777, 0600, "mode after chmod");
	struct cred saved = T.cred;
	T.cred.fsuid = T.cred.uid = 1000;
	T.cred.fsgid = T.cred.gid = 1000;
	CHECK_EQ(read_path("/tmp/a", buf, sizeof(buf)), -EACCES,
		 "EACCES on 0600 root file");
	CHECK_EQ(vfs_chmodat(&T, AT_FDCWD, "/tmp/a", 0777, 0), -EPERM,
		 "chmod of another's file");
	CHECK_EQ(write_path("/tmp/mine", O_CREAT, "u"), 0, "user creates");
	vfs_statat(&T, AT_FDCWD, "/tmp/mine", 0, &st);
	CHECK(st.uid == 1000 && (st.mode & 0777) == 0644,
	      "owner %u mode %o (umask 022)", st.uid, st.mode & 0777);
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/tmp/a", 0), -EPERM,
		 "sticky /tmp protects others' files");
	T.cred = saved;

	/* statfs of tmpfs */
	struct statfs sf;
	CHECK_EQ(vfs_statfsat(&T, AT_FDCWD, "/tmp", 0, &sf), 0, "statfs");
	CHECK_EQ(sf.f_type, 0x01021994, "TMPFS_MAGIC");
}

static void test_tmpfs_enospc(void)
{
	/* /dev is a small tmpfs (64 MiB): fill /dev/shm until ENOSPC. */
	struct file *f;
	int err = vfs_openat(&T, AT_FDCWD, "/dev/shm/big", O_RDWR | O_CREAT,
			     0600, &f);
	CHECK_EQ(err, 0, "create in /dev/shm");
	if (err)
		return;
	static char chunk[1 << 20];
	ssize_t n = 0;
	int i;
	for (i = 0; i < 100; i++) {
		struct iovec iov = {chunk, sizeof(chunk)};
		n = vfs_writev(f, &iov, 1, -1);
		if (n != (ssize_t)sizeof(chunk))
			break;
	}
	CHECK(i < 100 && (n == -ENOSPC || n >= 0), "ENOSPC at the limit (%d, %zd)",
	      i, n);
	struct iovec iov = {chunk, 4096};
	CHECK_EQ(vfs_writev(f, &iov, 1, -1), -ENOSPC, "full: ENOSPC");
	file_put(f);
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/dev/shm/big", 0), 0, "unlink big");
	CHECK_EQ(write_path("/dev/shm/small", O_CREAT, "ok"), 0,
		 "space back after unlink+close");
}

static void test_tmpfs_pages(void)
{
	/* get_page hands out the file's own memory-file page: a write
	 * through it is what read() sees (MAP_SHARED semantics). */
	struct file *f;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/shm", O_RDWR | O_CREAT, 0600,
			    &f),
		 0, "create shm file");
	CHECK_EQ(vfs_ftruncate(f, 8192), 0, "size 2 pages");
	uint64_t off;
	CHECK_EQ(f->ops->get_page(f, 1, true, &off), 0, "get_page");
	memcpy(memfile_ptr(off), "shared!", 7);
	char buf[8] = {0};
	CHECK(vfs_pread(f, buf, 7, 4096) == 7 && !memcmp(buf, "shared!", 7),
	      "write through the page is visible to read");
	uint64_t off2;
	CHECK(f->ops->get_page(f, 1, false, &off2) == 0 && off2 == off,
	      "same page again");
	memfile_decref(off2, 1);
	CHECK_EQ(f->ops->get_page(f, 2, false, &off2), -ENXIO,
		 "beyond EOF");
	CHECK_EQ(vfs_ftruncate(f, 0), 0, "truncate while mapped");
	CHECK(memfile_refcount(off) == 1, "mapping keeps its page");
	memfile_decref(off, 1);
	CHECK_EQ(vfs_mmap_check(f, PROT_READ | PROT_WRITE, MAP_SHARED), 0,
		 "mmap check rw shared");
	file_put(f);
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/shm", O_RDONLY, 0, &f), 0,
		 "reopen ro");
	CHECK_EQ(vfs_mmap_check(f, PROT_READ | PROT_WRITE, MAP_SHARED),
		 -EACCES, "shared writable map of a read-only fd");
	CHECK_EQ(vfs_mmap_check(f, PROT_READ | PROT_WRITE, MAP_PRIVATE), 0,
		 "private writable map of a read-only fd");
	file_put(f);
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp", O_RDONLY, 0, &f), 0,
		 "open dir");
	CHECK_EQ(vfs_mmap_check(f, PROT_READ, MAP_PRIVATE), -ENODEV,
		 "no mmap of a directory");
	file_put(f);

	char path[256];
	/* Sparse writes far out cost a few tree nodes; past 4 TiB: EFBIG. */
	struct statfs sf0, sf1;
	vfs_statfsat(&T, AT_FDCWD, "/tmp", 0, &sf0);
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/far", O_RDWR | O_CREAT, 0600,
			    &f),
		 0, "create far");
	struct iovec one = {"z", 1};
	CHECK_EQ(vfs_writev(f, &one, 1, (1LL << 41) + 5), 1, "pwrite at 2 TiB");
	CHECK_EQ(vfs_writev(f, &one, 1, 1LL << 42), -EFBIG, "pwrite at 4 TiB");
	CHECK(vfs_pread(f, buf, 1, (1ULL << 41) + 5) == 1 && buf[0] == 'z',
	      "read far byte");
	vfs_statfsat(&T, AT_FDCWD, "/tmp", 0, &sf1);
	CHECK_EQ(sf0.f_bfree - sf1.f_bfree, 1, "one page used");
	CHECK_EQ(vfs_ftruncate(f, 1), 0, "truncate far file");
	vfs_statfsat(&T, AT_FDCWD, "/tmp", 0, &sf1);
	CHECK_EQ(sf0.f_bfree - sf1.f_bfree, 0, "page freed by truncate");
	file_put(f);

	/* memfd: unnamed tmpfs file with seals. */
	CHECK_EQ(tmpfs_memfd_create("Hi", true, &T.cred, &f), 0, "memfd");
	CHECK(vfs_file_path(f, path, sizeof(path)) > 0 &&
		      !strcmp(path, "/memfd:Hi (deleted)"),
	      "memfd path %s", path);
	CHECK_EQ(vfs_get_seals(f), 0, "no seals yet");
	CHECK_EQ(vfs_writev(f, &one, 1, 0), 1, "write memfd");
	CHECK_EQ(vfs_add_seals(f, F_SEAL_GROW | F_SEAL_SHRINK), 0, "seal");
	CHECK_EQ(vfs_ftruncate(f, 10), -EPERM, "grow sealed");
	CHECK_EQ(vfs_ftruncate(f, 0), -EPERM, "shrink sealed");
	CHECK_EQ(vfs_writev(f, &one, 1, 1), -EPERM, "append past the size");
	CHECK_EQ(vfs_writev(f, &one, 1, 0), 1, "overwrite inside");
	CHECK_EQ(vfs_add_seals(f, F_SEAL_WRITE | F_SEAL_SEAL), 0, "seal write");
	CHECK_EQ(vfs_writev(f, &one, 1, 0), -EPERM, "write sealed");
	CHECK_EQ(vfs_mmap_check(f, PROT_READ | PROT_WRITE, MAP_SHARED), -EPERM,
		 "no shared writable map");
	CHECK_EQ(vfs_add_seals(f, F_SEAL_GROW), -EPERM, "F_SEAL_SEAL");
	file_put(f);
	CHECK_EQ(tmpfs_memfd_create("x", false, &T.cred, &f), 0, "memfd 2");
	CHECK_EQ(vfs_add_seals(f, F_SEAL_GROW), -EPERM,
		 "no MFD_ALLOW_SEALING: sealed shut");
	file_put(f);

	/* O_TMPFILE: unnamed, writable, gone with its last description. */
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp", O_TMPFILE | O_RDWR, 0600, &f),
		 0, "O_TMPFILE");
	CHECK_EQ(vfs_writev(f, &one, 1, 0), 1, "write tmpfile");
	CHECK(vfs_file_path(f, path, sizeof(path)) > 0 &&
		      !strncmp(path, "/tmp/#", 6) && strstr(path, " (deleted)"),
	      "tmpfile path %s", path);
	file_put(f);
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp", O_TMPFILE | O_RDONLY, 0600,
			    &f),
		 -EINVAL, "O_TMPFILE read-only");
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/etc", O_TMPFILE | O_RDWR, 0600,
			    &f),
		 -EROFS, "O_TMPFILE on the host");
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/proc", O_TMPFILE | O_RDWR, 0600,
			    &f),
		 -EOPNOTSUPP, "O_TMPFILE on proc");

	/* The path of an open file follows renames of its directory. */
	vfs_mkdirat(&T, AT_FDCWD, "/tmp/r1", 0755);
	write_path("/tmp/r1/f", O_CREAT, "x");
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/r1/f", O_RDONLY, 0, &f), 0,
		 "open for rename");
	vfs_renameat2(&T, AT_FDCWD, "/tmp/r1", AT_FDCWD, "/tmp/r2", 0);
	CHECK(vfs_file_path(f, path, sizeof(path)) > 0 &&
		      !strcmp(path, "/tmp/r2/f"),
	      "path after rename: %s", path);
	file_put(f);
	/* An unlinked cwd: getcwd is ENOENT, like Linux. */
	vfs_mkdirat(&T, AT_FDCWD, "/tmp/gone", 0755);
	vfs_chdir(&T, AT_FDCWD, "/tmp/gone");
	vfs_unlinkat(&T, AT_FDCWD, "/tmp/gone", AT_REMOVEDIR);
	CHECK_EQ(vfs_getcwd(&T, path, sizeof(path)), -ENOENT,
		 "getcwd of a removed dir");
	CHECK_EQ(write_path("x", O_CREAT, "x"), -ENOENT,
		 "create in a removed cwd");
	vfs_chdir(&T, AT_FDCWD, "/");
}

static void test_dev(void)
{
	char buf[64];
	CHECK_EQ(read_path("/dev/null", buf, sizeof(buf)), 0, "/dev/null EOF");
	CHECK_EQ(write_path("/dev/null", 0, "abc"), 0, "write /dev/null");
	struct file *f;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/dev/zero", O_RDONLY, 0, &f), 0,
		 "open zero");
	memset(buf, 1, sizeof(buf));
	CHECK(vfs_pread(f, buf, 16, 0) == 16 && buf[0] == 0 && buf[15] == 0,
	      "zeros");
	file_put(f);
	CHECK_EQ(write_path("/dev/full", 0, "x"), -ENOSPC, "/dev/full");
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/dev/urandom", O_RDONLY, 0, &f), 0,
		 "urandom");
	CHECK_EQ(vfs_pread(f, buf, 32, 0), 32, "random bytes");
	file_put(f);
	ssize_t n = vfs_readlinkat(&T, AT_FDCWD, "/dev/stdout", buf,
				   sizeof(buf));
	CHECK(n == 15 && !memcmp(buf, "/proc/self/fd/1", 15), "/dev/stdout");
	struct kstat st;
	CHECK_EQ(vfs_statat(&T, AT_FDCWD, "/dev/null", 0, &st), 0, "stat null");
	CHECK(S_ISCHR(st.mode) && st.rdev == makedev(1, 3), "null is 1:3");
}

static void test_proc(void)
{
	char buf[8192];
	CHECK(read_path("/proc/mounts", buf, sizeof(buf)) > 0, "mounts");
	CHECK(strstr(buf, "none / hostfs ro 0 0\n") &&
		      strstr(buf, "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n") &&
		      strstr(buf, "proc /proc proc rw,nosuid,nodev,noexec 0 0\n") &&
		      strstr(buf, "tmpfs /dev tmpfs rw,nosuid 0 0\n"),
	      "mounts text:\n%s", buf);
	printf("/proc/mounts:\n%s", buf);
	/* [pid] directories need the kernel's tasks: mountinfo's text is
	 * checked at the source. */
	size_t milen;
	char *mi = vfs_mountinfo_text(&milen);
	CHECK(strstr(mi, " / / ro - hostfs none ro\n") &&
		      strstr(mi, " / /tmp rw,nosuid,nodev - tmpfs tmpfs rw\n"),
	      "mountinfo:\n%s", mi);
	free(mi);
	CHECK(read_path("/proc/meminfo", buf, sizeof(buf)) > 0 &&
		      !strncmp(buf, "MemTotal:", 9),
	      "meminfo");
	CHECK(read_path("/proc/uptime", buf, sizeof(buf)) > 0 &&
		      strchr(buf, '.'),
	      "uptime");
	CHECK(read_path("/proc/sys/kernel/ostype", buf, sizeof(buf)) > 0 &&
		      !strcmp(buf, "Linux\n"),
	      "ostype");
	CHECK(read_path("/proc/filesystems", buf, sizeof(buf)) > 0 &&
		      strstr(buf, "tmpfs"),
	      "filesystems");
	ssize_t n = vfs_readlinkat(&T, AT_FDCWD, "/proc/self", buf, 64);
	CHECK(n == 1 && buf[0] == '7', "self -> tgid 7 (%zd)", n);
	CHECK_EQ(write_path("/proc/meminfo", 0, "x"), -EACCES,
		 "proc is read-only");
	CHECK_EQ(write_path("/proc/newfile", O_CREAT, "x"), -EACCES,
		 "no create in proc");
	struct dirlist l;
	CHECK_EQ(list_dir("/proc", &l), 0, "readdir /proc");
	CHECK(strstr(l.names, "meminfo") && strstr(l.names, "self"),
	      "proc listing: %s", l.names);
}

/* --- pipes ------------------------------------------------------------------ */

struct writer_arg {
	struct file *w;
	char c;
	int n;
};

static void *pipe_writer(void *p)
{
	struct writer_arg *a = p;
	char buf[PIPE_BUF];
	memset(buf, a->c, sizeof(buf));
	for (int i = 0; i < a->n; i++) {
		struct iovec iov = {buf, sizeof(buf)};
		if (vfs_writev(a->w, &iov, 1, -1) != sizeof(buf))
			return (void *)1;
	}
	return NULL;
}

static void test_pipe(void)
{
	struct file *e[2];
	char buf[PIPE_BUF * 4];
	CHECK_EQ(vfs_pipe(e, O_NONBLOCK), 0, "pipe2");
	struct iovec iov = {buf, 10};
	CHECK_EQ(vfs_readv(e[0], &iov, 1, -1), -EAGAIN, "empty: EAGAIN");
	CHECK_EQ(vfs_writev(e[0], &iov, 1, -1), -EBADF, "write to read end");
	CHECK_EQ(vfs_readv(e[1], &iov, 1, -1), -EBADF, "read write end");
	CHECK_EQ(vfs_readv(e[0], &iov, 1, 0), -ESPIPE, "pread on a pipe");
	memcpy(buf, "0123456789", 10);
	CHECK_EQ(vfs_writev(e[1], &iov, 1, -1), 10, "write");
	/* Fill: 64 KiB then EAGAIN; a PIPE_BUF write never goes in part. */
	static char big[PIPE_CAPACITY];
	struct iovec bi = {big, sizeof(big)};
	ssize_t n = vfs_writev(e[1], &bi, 1, -1);
	CHECK_EQ(n, 65536 - 10, "fills to 64 KiB");
	CHECK_EQ(vfs_writev(e[1], &iov, 1, -1), -EAGAIN, "full: EAGAIN");
	char out[16];
	struct iovec oi = {out, 10};
	CHECK(vfs_readv(e[0], &oi, 1, -1) == 10 && !memcmp(out, "0123456789", 10),
	      "FIFO order");
	struct iovec pb = {big, PIPE_BUF};
	CHECK_EQ(vfs_writev(e[1], &pb, 1, -1), -EAGAIN,
		 "PIPE_BUF write with 10 bytes free: EAGAIN, not partial");
	char path[64];
	CHECK(vfs_file_path(e[0], path, sizeof(path)) > 0 &&
		      !strncmp(path, "pipe:[", 6),
	      "pipe name %s", path);
	file_put(e[1]);
	/* Drain, then EOF because the writer is gone. */
	static char sink[PIPE_CAPACITY];
	struct iovec si = {sink, sizeof(sink)};
	CHECK(vfs_readv(e[0], &si, 1, -1) > 0, "drain");
	CHECK_EQ(vfs_readv(e[0], &si, 1, -1), 0, "EOF after writer closed");
	file_put(e[0]);

	CHECK_EQ(vfs_pipe(e, 0), 0, "pipe");
	file_put(e[0]);
	CHECK_EQ(vfs_writev(e[1], &iov, 1, -1), -EPIPE, "EPIPE without reader");
	file_put(e[1]);
	CHECK_EQ(vfs_pipe(e, 0x12345678), -EINVAL, "bad pipe2 flags");

	/* Two writers of PIPE_BUF blocks: every block read is uniform. */
	CHECK_EQ(vfs_pipe(e, 0), 0, "pipe for threads");
	struct writer_arg a1 = {e[1], 'a', 200}, a2 = {e[1], 'b', 200};
	pthread_t t1, t2;
	pthread_create(&t1, NULL, pipe_writer, &a1);
	pthread_create(&t2, NULL, pipe_writer, &a2);
	size_t total = 0;
	int mixed = 0;
	char blk[PIPE_BUF];
	size_t have = 0;
	while (total < 400 * PIPE_BUF) {
		struct iovec ri = {blk + have, PIPE_BUF - have};
		ssize_t r = vfs_readv(e[0], &ri, 1, -1);
		if (r <= 0)
			break;
		have += (size_t)r;
		total += (size_t)r;
		if (have == PIPE_BUF) {
			for (size_t k = 1; k < PIPE_BUF; k++)
				if (blk[k] != blk[0])
					mixed++;
			have = 0;
		}
	}
	void *r1, *r2;
	pthread_join(t1, &r1);
	pthread_join(t2, &r2);
	CHECK(total == 400 * PIPE_BUF && !r1 && !r2, "all bytes through");
	CHECK_EQ(mixed, 0, "PIPE_BUF writes are atomic");
	file_put(e[0]);
	file_put(e[1]);

	/* FIFO on tmpfs, O_RDWR never blocks. */
	CHECK_EQ(vfs_mknodat(&T, AT_FDCWD, "/tmp/fifo", S_IFIFO | 0644, 0), 0,
		 "mkfifo");
	struct file *ff;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/fifo", O_RDWR, 0, &ff), 0,
		 "open fifo rdwr");
	CHECK_EQ(vfs_writev(ff, &iov, 1, -1), 10, "write fifo");
	CHECK_EQ(vfs_readv(ff, &oi, 1, -1), 10, "read fifo");
	file_put(ff);
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/fifo", O_WRONLY | O_NONBLOCK,
			    0, &ff),
		 -ENXIO, "fifo O_WRONLY|O_NONBLOCK without reader");
	CHECK_EQ(vfs_mknodat(&T, AT_FDCWD, "/tmp/dev", S_IFCHR | 0644,
			     makedev(1, 3)),
		 -EPERM, "no device nodes");
}

/* --- advisory locks ----------------------------------------------------------- */

static struct task T2;
static struct thread_group TG2;
static struct file *lock_file2;

static void *lock_waiter(void *arg)
{
	(void)arg;
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	long r = vfs_fcntl_lock(&T2, lock_file2, F_SETLKW, &fl);
	return (void *)r;
}

static void test_locks(void)
{
	TG2.tgid = 8;
	T2.tg = &TG2;
	T2.tid = 8;
	T2.fs = T.fs;
	T2.files = T.files;
	struct file *f1, *f2;
	write_path("/tmp/lk", O_CREAT, "0123456789");
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/tmp/lk", O_RDWR, 0, &f1), 0, "f1");
	CHECK_EQ(vfs_openat(&T2, AT_FDCWD, "/tmp/lk", O_RDWR, 0, &f2), 0, "f2");
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET,
			   .l_start = 0, .l_len = 10};
	CHECK_EQ(vfs_fcntl_lock(&T, f1, F_SETLK, &fl), 0, "write lock 0-9");
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET,
			    .l_start = 5, .l_len = 1};
	CHECK_EQ(vfs_fcntl_lock(&T2, f2, F_SETLK, &fl), -EAGAIN,
		 "conflicting read lock");
	CHECK_EQ(vfs_fcntl_lock(&T2, f2, F_GETLK, &fl), 0, "F_GETLK");
	CHECK(fl.l_type == F_WRLCK && fl.l_pid == 7 && fl.l_start == 0 &&
		      fl.l_len == 10,
	      "F_GETLK reports the holder (%d %d %ld %ld)", fl.l_type,
	      fl.l_pid, (long)fl.l_start, (long)fl.l_len);
	fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 5};
	CHECK_EQ(vfs_fcntl_lock(&T, f1, F_SETLK, &fl), 0, "unlock 0-4");
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 5};
	CHECK_EQ(vfs_fcntl_lock(&T2, f2, F_SETLK, &fl), 0,
		 "read lock in the hole");
	fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 0};
	CHECK_EQ(vfs_fcntl_lock(&T, f1, F_SETLK, &fl), -EAGAIN,
		 "whole-file lock conflicts");
	fl.l_whence = 7;
	CHECK_EQ(vfs_fcntl_lock(&T, f1, F_SETLK, &fl), -EINVAL, "bad whence");
	/* Blocking: a waiter gets the lock when the holder closes. */
	fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET};
	vfs_fcntl_lock(&T2, f2, F_SETLK, &fl);
	lock_file2 = f2;
	pthread_t th;
	pthread_create(&th, NULL, lock_waiter, NULL);
	usleep(50000);
	vfs_locks_close(f1->inode, &TG); /* close(2) by process 7 */
	void *res;
	pthread_join(th, &res);
	CHECK_EQ((long)res, 0, "F_SETLKW granted after the close");
	fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET};
	CHECK_EQ(vfs_fcntl_lock(&T, f1, F_SETLK, &fl), -EAGAIN,
		 "now held by the other process");
	/* flock is a separate namespace, owned by the description. */
	CHECK_EQ(vfs_flock(f1, LOCK_EX | LOCK_NB), 0, "flock ignores fcntl");
	CHECK_EQ(vfs_flock(f2, LOCK_SH | LOCK_NB), -EAGAIN, "flock conflict");
	file_put(f1);
	CHECK_EQ(vfs_flock(f2, LOCK_EX | LOCK_NB), 0,
		 "flock free after the description went");
	file_put(f2);
}

/* --- fd table ------------------------------------------------------------------ */

static void test_fdtable(void)
{
	struct fdtable *t = fdtable_create();
	struct file *e[2];
	vfs_pipe(e, 0);
	CHECK_EQ(fd_install(t, e[0], 0, false), 0, "lowest fd 0");
	CHECK_EQ(fd_install(t, e[1], 0, true), 1, "then 1");
	CHECK_EQ(fd_install(t, e[0], 5, false), 5, "minfd");
	CHECK_EQ(fd_install(t, e[0], 0, false), 2, "lowest free");
	CHECK_EQ(fd_close(t, 0), 0, "close");
	CHECK_EQ(fd_close(t, 0), -EBADF, "double close");
	CHECK_EQ(fd_install(t, e[0], 0, false), 0, "reuse 0");
	CHECK_EQ(fd_get_cloexec(t, 1), 1, "cloexec set");
	CHECK_EQ(fd_get_cloexec(t, 3), -EBADF, "cloexec of closed fd");
	/* dup2 onto itself keeps the fd. */
	struct file *f = fd_get(t, 1);
	CHECK_EQ(fd_install_at(t, f, 1, false), 1, "dup2 onto itself");
	CHECK(fd_get_cloexec(t, 1) == 0, "dup2 clears cloexec");
	fd_set_cloexec(t, 1, true);
	file_put(f);
	f = fd_get(t, 1);
	CHECK(f == e[1], "same description after dup2 self");
	file_put(f);
	CHECK(fd_get(t, -1) == NULL && fd_get(t, 100000) == NULL, "bad fds");
	CHECK_EQ(fd_install_at(t, e[0], -1, false), -EBADF, "dup2 to -1");
	CHECK_EQ(fd_install_at(t, e[0], 1 << 20, false), -EBADF,
		 "dup2 beyond RLIMIT_NOFILE");
	struct fdtable *c = fdtable_copy(t);
	fd_close_on_exec(c);
	CHECK(fd_get_cloexec(c, 1) == -EBADF && fd_get_cloexec(c, 0) == 0,
	      "close-on-exec closes only cloexec fds");
	CHECK_EQ(fd_next(c, 1), 2, "fd_next");
	fdtable_put(c);
	/* The limit is the calling task's RLIMIT_NOFILE. */
	TG.rlim[RLIMIT_NOFILE].rlim_cur = 8;
	int last = 0, err;
	while ((err = fd_install(t, e[0], 0, false)) >= 0)
		last = err;
	CHECK(err == -EMFILE && last == 7, "EMFILE at the limit (%d)", last);
	TG.rlim[RLIMIT_NOFILE].rlim_cur = 1024;
	fdtable_put(t);
	file_put(e[0]);
	file_put(e[1]);
}

int main(void)
{
	make_fixture();
	if (memfile_init() != 0 || vfs_init(fixture) != 0) {
		printf("FAIL init\n");
		return 1;
	}
	TG.tgid = 7;
	TG.rlim[RLIMIT_NOFILE] = (struct rlimit){1024, 4096};
	T.tid = 7;
	T.tg = &TG;
	T.fs = fs_context_create_root();
	T.files = fdtable_create();
	current = &T;

	test_walk();
	test_host_dcache();
	test_rofs();
	test_tmpfs();
	test_tmpfs_enospc();
	test_tmpfs_pages();
	test_dev();
	test_proc();
	test_pipe();
	test_locks();
	test_fdtable();

	sh("rm -rf %s", fixture);
	printf("%s vfs_test: %d checks passed, %d failed\n",
	       failures ? "FAIL" : "PASS", passes, failures);
	return failures ? 1 : 0;
}
