/* Unit tests of the overlay root, driven through the VFS as the system
 * calls drive it (vfs_openat, vfs_readv/writev, the path operations of
 * sentry/vfs/ops.c) over a fixture tree in a temporary host directory:
 * reads of lower files, copy-up on write/append/O_TRUNC/chmod/chown/
 * truncate/link/rename, whiteouts, opaque directories, merged readdir,
 * ENOTEMPTY, EXDEV, symlinks, hard links, inode numbers, and at the end a
 * check that the host tree did not change at all. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "sentry/fs/host/host.h"
#include "sentry/fs/overlay/overlay.h"
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
static char buf[1 << 20];

static void sh(const char *fmt, const char *arg)
{
	char cmd[PATH_MAX * 4];
	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg, arg, arg, arg, arg);
	if (system(cmd) != 0) {
		printf("FAIL fixture: %s\n", cmd);
		exit(1);
	}
}

static void make_mnt(void);
static void make_deep(void);

static void make_fixture(void)
{
	snprintf(fixture, sizeof(fixture), "/tmp/overlay_test.XXXXXX");
	if (!mkdtemp(fixture)) {
		perror("mkdtemp");
		exit(1);
	}
	make_mnt();
	make_deep();
	sh("cd %s && mkdir -p tmp proc dev etc usr/share/doc/a d1 d2 d3 "
	   "emptydir gone dm small/lower race && echo g > gone/g && echo m > dm/m && printf 'root:x:0:0\\n' > etc/passwd && "
	   "echo localhost > etc/hosts && echo one > usr/share/doc/a/1 && "
	   "echo two > usr/share/doc/a/2 && echo bee > usr/share/doc/b && "
	   "echo cee > usr/share/doc/c && echo x > d1/x && echo y > d1/y && "
	   "echo z > d1/z && echo orig > d3/orig && "
	   "ln -s etc/passwd link && ln -s /etc/hosts abslink && "
	   "echo m > mode644 && chmod 644 mode644 && echo h > hl1 && "
	   "ln hl1 hl2 && for i in 0 1 2 3 4 5 6 7; do echo $i > race/f$i; "
	   "done && head -c 300000 /dev/urandom > small/lower/big && "
	   "printf head > sparse && "
	   "truncate -s 300000 sparse && printf tail >> sparse && "
	   "chmod 755 . && find . -printf '%%p %%s %%m %%n %%T@ %%l\\n' | "
	   "sort > %s.before",
	   fixture);
}

/* A tmpfs mounted at fixture/mnt (when this host lets us mount): a second
 * host filesystem below the lower root, for inode number folding. */
static bool have_mnt;

static void make_mnt(void)
{
	/* In a mount namespace of our own: the mount goes away with the
	 * test, however it ends. */
	if (unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return;
	char cmd[PATH_MAX * 5];
	snprintf(cmd, sizeof(cmd),
		 "mkdir %s/mnt && mount -t tmpfs none %s/mnt 2>/dev/null && "
		 "mkdir %s/mnt/d && echo f > %s/mnt/f",
		 fixture, fixture, fixture, fixture);
	have_mnt = system(cmd) == 0;
}

static ssize_t read_path(const char *path, char *out, size_t len)
{
	struct file *f;
	int err = vfs_openat(&T, AT_FDCWD, path, O_RDONLY, 0, &f);
	if (err)
		return err;
	ssize_t n = vfs_pread(f, out, len - 1, 0);
	file_put(f);
	if (n >= 0)
		out[n] = 0;
	return n;
}

static int write_path(const char *path, int flags, const char *data)
{
	struct file *f;
	int err = vfs_openat(&T, AT_FDCWD, path, O_WRONLY | flags, 0644, &f);
	if (err)
		return err;
	struct iovec iov = {(void *)data, strlen(data)};
	ssize_t n = vfs_writev(f, &iov, 1, -1);
	file_put(f);
	return n < 0 ? (int)n : 0;
}

static ssize_t host_read(const char *rel, char *out, size_t len)
{
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/%s", fixture, rel);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, out, len - 1);
	close(fd);
	if (n >= 0)
		out[n] = 0;
	return n;
}

static bool host_exists(const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", fixture, rel);
	return lstat(p, &st) == 0;
}

static uint64_t host_ino(const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", fixture, rel);
	return lstat(p, &st) == 0 ? st.st_ino : 0;
}

static int st(const char *path, struct kstat *k)
{
	return vfs_statat(&T, AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, k);
}

/* A directory listing: names in getdents order, space separated. */
struct dirlist {
	struct dir_context ctx;
	char names[4096];
	size_t len;
	int count, dots, dotdots;
};

static int list_emit(struct dir_context *c, const char *name, size_t len,
		     uint64_t ino, unsigned char type, int64_t off)
{
	(void)ino;
	(void)type;
	(void)off;
	struct dirlist *l = (struct dirlist *)c;
	if (len == 1 && name[0] == '.') {
		l->dots++;
		return 0;
	}
	if (len == 2 && !memcmp(name, "..", 2)) {
		l->dotdots++;
		return 0;
	}
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
	int err = vfs_openat(&T, AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0,
			     &f);
	if (err)
		return err;
	err = vfs_iterate_dir(f, &l->ctx);
	file_put(f);
	return err;
}

static bool has_name(const struct dirlist *l, const char *name)
{
	char pat[NAME_MAX + 3];
	snprintf(pat, sizeof(pat), " %s ", name);
	char all[sizeof(l->names) + 2];
	snprintf(all, sizeof(all), " %s", l->names);
	return strstr(all, pat) != NULL;
}

static uint64_t root_dev;

static void test_read_lower(void)
{
	struct kstat k;
	CHECK(read_path("/etc/passwd", buf, sizeof(buf)) == 11 &&
		      !strcmp(buf, "root:x:0:0\n"),
	      "read lower: %s", buf);
	CHECK_EQ(st("/", &k), 0, "stat /");
	root_dev = k.dev;
	CHECK_EQ(st("/etc/passwd", &k), 0, "stat lower");
	CHECK_EQ(k.dev, root_dev, "one st_dev");
	CHECK(k.ino == host_ino("etc/passwd"), "lower ino kept");
	struct statfs sf;
	CHECK_EQ(vfs_statfsat(&T, AT_FDCWD, "/etc", 0, &sf), 0, "statfs");
	CHECK_EQ(sf.f_type, OVERLAYFS_MAGIC, "f_type");
	CHECK_EQ(vfs_accessat(&T, AT_FDCWD, "/etc/passwd", W_OK, 0), 0,
		 "access W_OK: writable root");
}

static void test_write_copy_up(void)
{
	struct kstat k;
	uint64_t ino = host_ino("etc/passwd");
	CHECK_EQ(write_path("/etc/passwd", O_APPEND, "x\n"), 0, "append");
	CHECK(read_path("/etc/passwd", buf, sizeof(buf)) == 13 &&
		      !strcmp(buf, "root:x:0:0\nx\n"),
	      "appended: %s", buf);
	CHECK(host_read("etc/passwd", buf, sizeof(buf)) == 11 &&
		      !strcmp(buf, "root:x:0:0\n"),
	      "host passwd unchanged: %s", buf);
	CHECK_EQ(st("/etc/passwd", &k), 0, "stat copied up");
	CHECK(k.ino == ino && k.dev == root_dev, "ino kept across copy-up");
	CHECK_EQ(k.size, 13, "size");
	CHECK_EQ(write_path("/etc/passwd", O_APPEND, "y\n"), 0, "append 2");
	CHECK_EQ(read_path("/etc/passwd", buf, sizeof(buf)), 15, "appended 2");

	/* O_TRUNC copies up without data. */
	CHECK_EQ(write_path("/etc/hosts", O_TRUNC, "new\n"), 0, "O_TRUNC");
	CHECK(read_path("/etc/hosts", buf, sizeof(buf)) == 4 &&
		      !strcmp(buf, "new\n"),
	      "truncated: %s", buf);
	CHECK(host_read("etc/hosts", buf, sizeof(buf)) == 10,
	      "host hosts unchanged");

	/* O_RDWR without writing still copies up; pwrite in the middle. */
	struct file *f;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/d1/x", O_RDWR, 0, &f), 0, "rdwr");
	struct iovec iov = {"Q", 1};
	CHECK_EQ(vfs_writev(f, &iov, 1, 0), 1, "pwrite");
	file_put(f);
	CHECK(read_path("/d1/x", buf, sizeof(buf)) == 2 && buf[0] == 'Q',
	      "pwritten");

	/* A new file: upper only, never on the host. */
	CHECK_EQ(write_path("/etc/new", O_CREAT | O_EXCL, "fresh"), 0,
		 "create");
	CHECK_EQ(read_path("/etc/new", buf, sizeof(buf)), 5, "read new");
	CHECK(!host_exists("etc/new"), "new file not on host");
	CHECK_EQ(st("/etc/new", &k), 0, "stat new");
	CHECK(k.dev == root_dev && k.ino != host_ino("etc/passwd"),
	      "new file: same dev, own ino");

	/* Sparse lower file: data both ends survives copy-up. */
	CHECK_EQ(vfs_truncate(&T, "/sparse", 300004), 0, "truncate (same)");
	ssize_t n = read_path("/sparse", buf, sizeof(buf));
	CHECK(n == 300004 && !memcmp(buf, "head", 4) &&
		      !memcmp(buf + 300000, "tail", 4) && buf[150000] == 0,
	      "sparse copy-up: %zd", n);
	CHECK_EQ(vfs_truncate(&T, "/sparse", 2), 0, "truncate");
	CHECK(read_path("/sparse", buf, sizeof(buf)) == 2 && !strcmp(buf, "he"),
	      "truncated sparse");
}

static void test_unlink_whiteout(void)
{
	struct kstat k;
	struct dirlist l;
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/b", 0), 0,
		 "unlink lower");
	CHECK_EQ(st("/usr/share/doc/b", &k), -ENOENT, "whited out");
	CHECK(host_exists("usr/share/doc/b"), "host file still there");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/b", 0), -ENOENT,
		 "unlink again");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/etc/hosts", 0), 0,
		 "unlink copied-up");
	CHECK_EQ(st("/etc/hosts", &k), -ENOENT, "copied-up gone");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/etc/new", 0), 0,
		 "unlink upper-only");
	CHECK_EQ(list_dir("/etc", &l), 0, "list /etc");
	CHECK(!has_name(&l, "hosts") && !has_name(&l, "new") &&
		      has_name(&l, "passwd") && l.count == 1,
	      "/etc lists: %s", l.names);
	CHECK(l.dots == 1 && l.dotdots == 1, ". and .. once");
	/* Create again over the whiteout: the new file, not the old one. */
	CHECK_EQ(write_path("/usr/share/doc/b", O_CREAT | O_EXCL, "new b"), 0,
		 "create over whiteout");
	CHECK(read_path("/usr/share/doc/b", buf, sizeof(buf)) == 5 &&
		      !strcmp(buf, "new b"),
	      "new b: %s", buf);
	/* An open file outlives its unlink. */
	struct file *f;
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/usr/share/doc/c", O_RDWR, 0, &f),
		 0, "open c");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/c", 0), 0,
		 "unlink open");
	struct iovec iov = {"CC", 2};
	CHECK_EQ(vfs_writev(f, &iov, 1, 0), 2, "write after unlink");
	CHECK_EQ(vfs_fstat(f, &k), 0, "fstat after unlink");
	CHECK_EQ(k.nlink, 0, "nlink 0");
	file_put(f);
	CHECK(host_exists("usr/share/doc/c"), "host c still there");
	/* mknod of a device (a fake whiteout) is refused. */
	CHECK_EQ(vfs_mknodat(&T, AT_FDCWD, "/etc/wo", S_IFCHR | 0600, 0),
		 -EPERM, "no char devices");
}

static void test_dirs(void)
{
	struct kstat k;
	struct dirlist l;
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/newdir", 0755), 0, "mkdir");
	CHECK_EQ(st("/newdir", &k), 0, "stat newdir");
	CHECK(S_ISDIR(k.mode) && (k.mode & 0777) == 0755, "mode %o", k.mode);
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/newdir", 0755), -EEXIST,
		 "mkdir again");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/etc", 0755), -EEXIST,
		 "mkdir lower");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/newdir", AT_REMOVEDIR), 0,
		 "rmdir");
	CHECK_EQ(st("/newdir", &k), -ENOENT, "rmdir'ed");
	CHECK(!host_exists("newdir"), "never on host");

	CHECK_EQ(st("/d3", &k), 0, "stat lower-only dir");
	CHECK_EQ(k.nlink, 2, "lower dir nlink from the host");
	CHECK_EQ(st("/", &k), 0, "stat merged /");
	CHECK_EQ(k.nlink, 1, "merged dir nlink 1, as Linux");
	/* Merge: upper entries first, each name once. */
	CHECK_EQ(write_path("/d1/w", O_CREAT, "w"), 0, "create d1/w");
	CHECK_EQ(list_dir("/d1", &l), 0, "list d1");
	CHECK(l.count == 4 && !strncmp(l.names, "x ", 2) && has_name(&l, "w") &&
		      has_name(&l, "y") && has_name(&l, "z"),
	      "d1 merged: %s", l.names);
	CHECK(l.dots == 1 && l.dotdots == 1, ". and .. once in d1");

	/* ENOTEMPTY across the layers. */
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/a", AT_REMOVEDIR),
		 -ENOTEMPTY, "rmdir lower non-empty");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/a/1", 0), 0,
		 "unlink a/1");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/a", AT_REMOVEDIR),
		 -ENOTEMPTY, "rmdir half empty");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/a/2", 0), 0,
		 "unlink a/2");
	CHECK_EQ(list_dir("/usr/share/doc/a", &l), 0, "list a");
	CHECK_EQ(l.count, 0, "a is empty");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/usr/share/doc/a", AT_REMOVEDIR),
		 0, "rmdir merged empty");
	CHECK_EQ(st("/usr/share/doc/a", &k), -ENOENT, "a gone");
	CHECK(host_exists("usr/share/doc/a/1"), "host a/1 still there");
	CHECK_EQ(list_dir("/usr/share/doc", &l), 0, "list doc");
	CHECK(!has_name(&l, "a") && has_name(&l, "b"), "doc: %s", l.names);
	/* mkdir over the whiteout: opaque, the lower entries stay hidden. */
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/usr/share/doc/a", 0700), 0,
		 "mkdir over whiteout");
	CHECK_EQ(list_dir("/usr/share/doc/a", &l), 0, "list opaque");
	CHECK_EQ(l.count, 0, "opaque dir empty");
	CHECK_EQ(st("/usr/share/doc/a/1", &k), -ENOENT, "opaque hides");
	/* A lower directory still empty in lower: rmdir works too. */
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/emptydir", AT_REMOVEDIR), 0,
		 "rmdir lower empty");
	CHECK(host_exists("emptydir"), "host emptydir still there");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/d1", AT_REMOVEDIR), -ENOTEMPTY,
		 "rmdir d1");
}

static void test_rename(void)
{
	struct kstat k;
	struct dirlist l;
	uint64_t zino = host_ino("d1/z");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/d1/y", AT_FDCWD, "/d1/y2", 0),
		 0, "rename within dir");
	CHECK_EQ(st("/d1/y", &k), -ENOENT, "old name gone");
	CHECK(read_path("/d1/y2", buf, sizeof(buf)) == 2 && !strcmp(buf, "y\n"),
	      "new name: %s", buf);
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/d1/z", AT_FDCWD, "/d2/z", 0), 0,
		 "rename across dirs");
	CHECK_EQ(st("/d2/z", &k), 0, "moved");
	CHECK(k.ino == zino, "ino kept across rename");
	CHECK_EQ(list_dir("/d1", &l), 0, "list d1");
	CHECK(l.count == 3 && has_name(&l, "x") && has_name(&l, "w") &&
		      has_name(&l, "y2"),
	      "d1 after renames: %s", l.names);
	CHECK(host_exists("d1/y") && host_exists("d1/z") &&
		      !host_exists("d2/z"),
	      "host unchanged by rename");
	/* Over an existing lower file. */
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/d1/w", AT_FDCWD, "/mode644", 0),
		 0, "rename over lower");
	CHECK(read_path("/mode644", buf, sizeof(buf)) == 1 && buf[0] == 'w',
	      "replaced: %s", buf);
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/mode644", AT_FDCWD, "/d1/w",
			       0),
		 0, "and back");
	CHECK_EQ(st("/mode644", &k), -ENOENT, "whiteout after move back");
	/* Two walks give two overlay dentries: the overlay itself must see
	 * one file and a directory's own subtree. */
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/hl1", AT_FDCWD, "/hl2", 0), 0,
		 "rename onto another link of the same file");
	CHECK(st("/hl1", &k) == 0 && st("/hl2", &k) == 0, "both names stay");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/own", 0755), 0, "mkdir own");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/own/sub", 0755), 0, "own/sub");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/own", AT_FDCWD, "/own/sub/x",
			       0),
		 -EINVAL, "rename into own subtree");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/d1", AT_FDCWD, "/d1/x9", 0),
		 -EINVAL, "lower dir into own subtree: EINVAL before EXDEV");
	/* Directories with a lower part: EXDEV (no redirect_dir). */
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/d1", AT_FDCWD, "/d9", 0), -EXDEV,
		 "rename merged dir");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/d3", AT_FDCWD, "/d9", 0), -EXDEV,
		 "rename lower dir");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/up", 0755), 0, "mkdir up");
	CHECK_EQ(write_path("/up/f", O_CREAT, "f"), 0, "up/f");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/up", AT_FDCWD, "/up2", 0), 0,
		 "rename upper dir");
	CHECK_EQ(read_path("/up2/f", buf, sizeof(buf)), 1, "moved with dir");
	/* Upper dir onto an empty merged dir (d2 after moving z out). */
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/up2", AT_FDCWD, "/d2", 0),
		 -ENOTEMPTY, "onto non-empty");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/d2/z", 0), 0, "empty d2");
	CHECK_EQ(vfs_renameat2(&T, AT_FDCWD, "/up2", AT_FDCWD, "/d2", 0), 0,
		 "onto empty merged dir");
	CHECK_EQ(list_dir("/d2", &l), 0, "list d2");
	CHECK(l.count == 1 && has_name(&l, "f"), "d2 now: %s", l.names);
}

static void test_symlinks(void)
{
	struct kstat k;
	char t[PATH_MAX];
	CHECK_EQ(vfs_readlinkat(&T, AT_FDCWD, "/link", t, sizeof(t)), 10,
		 "readlink lower");
	CHECK(!memcmp(t, "etc/passwd", 10), "target");
	CHECK_EQ(read_path("/link", buf, sizeof(buf)), 15,
		 "through link: copied-up passwd");
	CHECK_EQ(read_path("/abslink", buf, sizeof(buf)), -ENOENT,
		 "through abs link to removed hosts");
	CHECK_EQ(vfs_chownat(&T, AT_FDCWD, "/link", 5, 6, AT_SYMLINK_NOFOLLOW),
		 0, "lchown (copy-up of the link)");
	CHECK_EQ(vfs_readlinkat(&T, AT_FDCWD, "/link", t, sizeof(t)), 10,
		 "readlink copied up");
	CHECK_EQ(st("/link", &k), 0, "lstat");
	CHECK(S_ISLNK(k.mode) && k.uid == 5 && k.gid == 6,
	      "link owner %u:%u", k.uid, k.gid);
	CHECK_EQ(vfs_symlinkat(&T, "/d1/x", AT_FDCWD, "/mylink"), 0,
		 "symlink");
	CHECK(read_path("/mylink", buf, sizeof(buf)) == 2 && buf[0] == 'Q',
	      "through new link");
}

static void test_attrs(void)
{
	struct kstat k;
	uint64_t ino = host_ino("hl1");
	CHECK_EQ(vfs_chmodat(&T, AT_FDCWD, "/d3/orig", 0600, 0), 0, "chmod");
	CHECK_EQ(st("/d3/orig", &k), 0, "stat");
	CHECK_EQ(k.mode & 07777, 0600, "chmod applied");
	CHECK(read_path("/d3/orig", buf, sizeof(buf)) == 5, "data copied up");
	char p[PATH_MAX * 2];
	struct stat hs;
	snprintf(p, sizeof(p), "%s/d3/orig", fixture);
	CHECK(stat(p, &hs) == 0 && (hs.st_mode & 0777) == 0644,
	      "host mode unchanged");
	struct timespec ts[2] = {{1000, 0}, {2000, 0}};
	CHECK_EQ(vfs_utimensat(&T, AT_FDCWD, "/hl2", ts, 0), 0, "utimens");
	CHECK_EQ(st("/hl2", &k), 0, "stat hl2");
	CHECK(k.mtime.tv_sec == 2000 && k.ino == ino, "mtime set, ino kept");
	/* Hard links of the lower layer break on copy-up (no index=on). */
	CHECK_EQ(st("/hl1", &k), 0, "stat hl1");
	CHECK(k.ino == ino && k.nlink == 2, "hl1 still the lower file");
	/* Hard links made in the overlay. */
	CHECK_EQ(vfs_linkat(&T, AT_FDCWD, "/d3/orig", AT_FDCWD, "/d3/hard", 0),
		 0, "link");
	struct kstat k2;
	CHECK_EQ(st("/d3/orig", &k), 0, "stat orig");
	CHECK_EQ(st("/d3/hard", &k2), 0, "stat hard");
	CHECK(k.ino == k2.ino && k.nlink == 2 && k2.nlink == 2,
	      "one inode, two links (%lu %lu)", (unsigned long)k.nlink,
	      (unsigned long)k2.nlink);
	CHECK_EQ(vfs_linkat(&T, AT_FDCWD, "/d1/x", AT_FDCWD, "/d3/xlink", 0), 0,
		 "link of a lower file");
	CHECK_EQ(write_path("/d3/xlink", O_APPEND, "+"), 0, "append via link");
	CHECK(read_path("/d1/x", buf, sizeof(buf)) == 3 && buf[2] == '+',
	      "seen through the other name");
}

/* The task's cwd keeps an overlay dentry from before a copy-up made
 * through another walk: it must find the upper directory. */
static void test_stale_cwd(void)
{
	struct dirlist l;
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/usr"), 0, "chdir lower dir");
	CHECK_EQ(write_path("/usr/abs", O_CREAT, "a"), 0, "create absolute");
	CHECK_EQ(write_path("rel", O_CREAT | O_EXCL, "r"), 0,
		 "create relative to the stale cwd");
	CHECK_EQ(list_dir(".", &l), 0, "list cwd");
	CHECK(has_name(&l, "abs") && has_name(&l, "rel") &&
		      has_name(&l, "share"),
	      "cwd lists: %s", l.names);
	CHECK_EQ(read_path("/usr/rel", buf, sizeof(buf)), 1, "rel via abs");
	/* A cwd whose directory was removed and another made at its name
	 * is a deleted directory, as on Linux. */
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/gone"), 0, "chdir gone");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/gone/g", 0), 0, "unlink g");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/gone", AT_REMOVEDIR), 0,
		 "rmdir gone");
	CHECK_EQ(vfs_mkdirat(&T, AT_FDCWD, "/gone", 0755), 0, "mkdir gone");
	CHECK_EQ(list_dir(".", &l), -ENOENT, "list deleted cwd");
	CHECK_EQ(write_path("x", O_CREAT, "x"), -ENOENT,
		 "create in deleted cwd");
	CHECK_EQ(list_dir("/gone", &l), 0, "list new gone");
	CHECK_EQ(l.count, 0, "new gone is empty");
	/* The same with a merged directory (its upper part removed). */
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/dm"), 0, "chdir dm");
	CHECK_EQ(write_path("/dm/new", O_CREAT, "n"), 0, "copy dm up");
	CHECK_EQ(list_dir(".", &l), 0, "cwd adopts the upper dm");
	CHECK(l.count == 2, "dm lists: %s", l.names);
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/dm/new", 0), 0, "unlink new");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/dm/m", 0), 0, "unlink m");
	CHECK_EQ(vfs_unlinkat(&T, AT_FDCWD, "/dm", AT_REMOVEDIR), 0,
		 "rmdir dm");
	CHECK_EQ(list_dir(".", &l), -ENOENT, "list deleted merged cwd");
	struct kstat k;
	CHECK_EQ(st("m", &k), -ENOENT, "lower child of deleted cwd");
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/"), 0, "chdir /");
}

struct inolist {
	struct dir_context ctx;
	uint64_t f_ino, d_ino;
};

static int ino_emit(struct dir_context *c, const char *name, size_t len,
		    uint64_t ino, unsigned char type, int64_t off)
{
	(void)type;
	(void)off;
	struct inolist *l = (struct inolist *)c;
	if (len == 1 && name[0] == 'f')
		l->f_ino = ino;
	if (len == 1 && name[0] == 'd')
		l->d_ino = ino;
	return 0;
}

/* Files of a second host filesystem: one st_dev still, inode numbers
 * folded with their device so that they collide with no file of the
 * first (both roots are "inode 2"-like small numbers), the same in stat
 * and getdents, kept across copy-up. */
static void test_second_fs(void)
{
	struct kstat kf, kd, kr, km;
	if (!have_mnt) {
		printf("SKIP overlay_test: second filesystem: cannot mount "
		       "a tmpfs here\n");
		return;
	}
	CHECK_EQ(st("/mnt/f", &kf), 0, "stat mnt/f");
	CHECK_EQ(st("/mnt/d", &kd), 0, "stat mnt/d");
	CHECK_EQ(st("/mnt", &km), 0, "stat mnt");
	CHECK_EQ(st("/", &kr), 0, "stat /");
	CHECK(kf.dev == kr.dev && km.dev == kr.dev, "one st_dev");
	CHECK(kf.ino != host_ino("mnt/f"), "folded: %lx",
	      (unsigned long)kf.ino);
	CHECK(km.ino != kr.ino && km.ino != host_ino("mnt"),
	      "mount root has its own number");
	struct file *f;
	struct inolist l = {.ctx.emit = ino_emit};
	CHECK_EQ(vfs_openat(&T, AT_FDCWD, "/mnt", O_RDONLY, 0, &f), 0,
		 "open mnt");
	CHECK_EQ(vfs_iterate_dir(f, &l.ctx), 0, "list mnt");
	file_put(f);
	CHECK(l.f_ino == kf.ino && l.d_ino == kd.ino,
	      "getdents and stat agree (%lx %lx / %lx %lx)",
	      (unsigned long)l.f_ino, (unsigned long)kf.ino,
	      (unsigned long)l.d_ino, (unsigned long)kd.ino);
	CHECK_EQ(write_path("/mnt/f", O_APPEND, "+"), 0, "copy up mnt/f");
	CHECK_EQ(st("/mnt/f", &km), 0, "stat copied up");
	CHECK(km.ino == kf.ino, "kept across copy-up");
}

/* A full upper layer: copy-up fails with ENOSPC, leaves no partial
 * copy behind and gives its pages back. A second overlay (upper limit
 * 64 KiB) over fixture/small/lower is mounted at /small. */
static void test_enospc(void)
{
	struct kstat k;
	struct mount *rm = vfs_root_mount();
	struct path start = {rm, rm->root}, mp;
	struct super_block *sb, *lsb;
	struct dentry *root, *lower;
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/small/lower", fixture);
	CHECK_EQ(hostfs_new_sb(&hostfs_direct_backend, p, &lsb, &lower), 0,
		 "lower sb");
	CHECK_EQ(overlay_new_sb(lower, 64 * 1024, &sb, &root), 0, "small sb");
	dput(lower);
	CHECK_EQ(vfs_lookup_at(NULL, &start, "/small", LOOKUP_FOLLOW, &mp), 0,
		 "find /small");
	CHECK_EQ(vfs_mount(&mp, sb, root, "overlay", 0, NULL), 0, "mount");
	dput(root);
	path_put(&mp);
	CHECK_EQ(write_path("/small/big", O_APPEND, "x"), -ENOSPC,
		 "copy-up beyond the limit");
	CHECK_EQ(st("/small/big", &k), 0, "still there");
	CHECK_EQ(k.size, 300000, "the lower file, untouched");
	CHECK_EQ(write_path("/small/new", O_CREAT, "fits"), 0,
		 "pages given back");
	CHECK_EQ(read_path("/small/big", buf, sizeof(buf)), 300000,
		 "lower data still read");
	struct dirlist l;
	CHECK_EQ(list_dir("/small", &l), 0, "list small");
	CHECK(l.count == 2 && has_name(&l, "big") && has_name(&l, "new"),
	      "small lists: %s", l.names);
}

/* Threads racing on the same lower files: copy-ups of one file through
 * different dentries, readdir of a directory changing under it, renames
 * and unlinks. Nothing may crash, and every append must land once. */
#define RACE_THREADS 4
#define RACE_ROUNDS 200

static void *race_thread(void *arg)
{
	long id = (long)arg;
	struct task t = T;
	t.fs = fs_context_create_root();
	current = &t;
	char p[64], q[64];
	for (int r = 0; r < RACE_ROUNDS; r++) {
		snprintf(p, sizeof(p), "/race/f%d", r % 8);
		struct file *f;
		if (!vfs_openat(&t, AT_FDCWD, p, O_WRONLY | O_APPEND, 0, &f)) {
			struct iovec iov = {"+", 1};
			vfs_writev(f, &iov, 1, -1);
			file_put(f);
		}
		struct kstat k;
		vfs_statat(&t, AT_FDCWD, p, 0, &k);
		struct dirlist l;
		list_dir("/race", &l);
		snprintf(q, sizeof(q), "/race/t%ld", id);
		struct file *g;
		if (!vfs_openat(&t, AT_FDCWD, q, O_WRONLY | O_CREAT, 0644, &g))
			file_put(g);
		snprintf(p, sizeof(p), "/race/u%ld", id);
		vfs_renameat2(&t, AT_FDCWD, q, AT_FDCWD, p, 0);
		vfs_unlinkat(&t, AT_FDCWD, p, 0);
	}
	fs_context_put(t.fs);
	return NULL;
}

static void test_race(void)
{
	pthread_t th[RACE_THREADS];
	for (long k = 0; k < RACE_THREADS; k++)
		pthread_create(&th[k], NULL, race_thread, (void *)k);
	for (int k = 0; k < RACE_THREADS; k++)
		pthread_join(th[k], NULL);
	size_t total = 0;
	for (int k = 0; k < 8; k++) {
		char p[32];
		snprintf(p, sizeof(p), "/race/f%d", k);
		ssize_t n = read_path(p, buf, sizeof(buf));
		total += n > 2 ? (size_t)n - 2 : 0;
	}
	CHECK_EQ(total, RACE_THREADS * RACE_ROUNDS, "every append once");
	struct dirlist l;
	CHECK_EQ(list_dir("/race", &l), 0, "list race");
	CHECK(l.count == 8, "race lists: %s", l.names);
	current = &T;
}

/* A lower tree nested deeper than any path: copy-up of a file at the
 * bottom recreates thousands of parents without recursing. */
#define DEEP 2200
static bool have_deep;

static void make_deep(void)
{
	int fd = open(fixture, O_RDONLY | O_DIRECTORY);
	for (int k = 0; k <= DEEP && fd >= 0; k++) {
		const char *name = k ? "d" : "deep";
		int nfd = -1;
		if (mkdirat(fd, name, 0755) == 0)
			nfd = openat(fd, name, O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = nfd;
	}
	if (fd < 0)
		return;
	int f = openat(fd, "f", O_WRONLY | O_CREAT, 0644);
	have_deep = f >= 0 && write(f, "bottom\n", 7) == 7;
	if (f >= 0)
		close(f);
	close(fd);
}

static void test_deep(void)
{
	if (!have_deep) {
		printf("SKIP overlay_test: cannot make a deep tree here\n");
		return;
	}
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/deep"), 0, "chdir deep");
	int err = 0;
	for (int k = 0; k < DEEP && !err; k++)
		err = vfs_chdir(&T, AT_FDCWD, "d");
	CHECK_EQ(err, 0, "walk down");
	CHECK_EQ(write_path("f", O_APPEND, "+"), 0, "copy-up at the bottom");
	CHECK(read_path("f", buf, sizeof(buf)) == 8 &&
		      !strcmp(buf, "bottom\n+"),
	      "bottom: %s", buf);
	CHECK_EQ(write_path("/deep/d/d/new", O_CREAT, "n"), 0,
		 "parents are upper now");
	CHECK_EQ(vfs_chdir(&T, AT_FDCWD, "/"), 0, "chdir /");
}

static void test_host_unchanged(void)
{
	sh("cd %s && find . -printf '%%p %%s %%m %%n %%T@ %%l\\n' | sort > "
	   "%s.after",
	   fixture);
	char cmd[PATH_MAX * 4];
	snprintf(cmd, sizeof(cmd), "cmp -s %s.before %s.after", fixture,
		 fixture);
	CHECK(system(cmd) == 0, "host tree unchanged (diff %s.before .after)",
	      fixture);
}

/* The whole suite, on a fresh fixture. uncached: overlay dentries are not
 * cached at all, so a cwd or an open directory and a new walk to the same
 * file hold different dentries: the case ovl_refresh() exists for (with
 * the cache, a dentry someone holds is always the cached one). */
static int run_suite(bool uncached)
{
	make_fixture();
	if (memfile_init() != 0) {
		printf("FAIL memfile_init\n");
		return 1;
	}
	int err = overlay_mount_root(NULL, fixture, false, 0);
	if (err) {
		printf("FAIL overlay_mount_root: %d\n", err);
		return 1;
	}
	if (uncached)
		vfs_root_mount()->sb->cache_dentries = false;
	TG.tgid = 7;
	T.tid = 7;
	T.tg = &TG;
	T.fs = fs_context_create_root();
	T.files = fdtable_create();
	current = &T;

	test_read_lower();
	test_write_copy_up();
	test_unlink_whiteout();
	test_dirs();
	test_rename();
	test_symlinks();
	test_attrs();
	test_stale_cwd();
	test_second_fs();
	test_enospc();
	test_race();
	test_deep();
	test_host_unchanged();

	if (have_mnt)
		sh("umount -l %s/mnt", fixture); /* the host dcache holds it */
	if (!failures) {
		sh("rm -rf %s %s.before %s.after", fixture);
	}
	printf("%s overlay_test%s: %d checks passed, %d failed\n",
	       failures ? "FAIL" : "PASS", uncached ? " (uncached)" : "",
	       passes, failures);
	return failures ? 1 : 0;
}

int main(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		exit(run_suite(true));
	int st = 1;
	waitpid(pid, &st, 0);
	int err = run_suite(false);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		printf("FAIL overlay_test: the uncached run failed (status "
		       "%#x)\n", st);
		return 1;
	}
	return err;
}
