/* renameat2(RENAME_EXCHANGE): two names swap their files atomically, on
 * each writable filesystem: tmpfs (/tmp), the overlay's upper layer
 * (/var/tmp in the sandbox), and argv[1] when given (tests/security/
 * volume_writes.sh and overlay_none_writes.sh run it on a host tree).
 * Checked: contents and inode numbers swap, a file and a directory swap
 * (also across directories, with the parents' link counts), Linux's
 * errors (ENOENT for either missing, EINVAL with NOREPLACE or WHITEOUT
 * or for an ancestor, EXDEV across mounts, ENOTDIR for a slash after a
 * file), two names of one file, and the inotify events (a move of each
 * name, each pair with its own cookie). */
#include <limits.h>
#include <sys/inotify.h>

#include "testlib.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_WHITEOUT
#define RENAME_WHITEOUT (1 << 2)
#endif

static char base[PATH_MAX / 2];

static const char *P(const char *rel)
{
	static char buf[4][PATH_MAX];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", base, rel);
	return buf[k];
}

static long xchg(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, P(a), AT_FDCWD, P(b), flags);
}

static void put(const char *rel, const char *s)
{
	int fd = open(P(rel), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s))
		tl_fail("write");
	if (fd >= 0)
		close(fd);
}

static void show(const char *rel)
{
	struct stat st;
	char buf[64] = "";
	if (lstat(P(rel), &st) < 0) {
		printf("%s: %s\n", rel, tl_errname(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		printf("%s: dir\n", rel);
		return;
	}
	int fd = open(P(rel), O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	printf("%s: file \"%s\"\n", rel, buf);
}

static ino_t ino(const char *rel)
{
	struct stat st;
	return lstat(P(rel), &st) < 0 ? 0 : st.st_ino;
}

static nlink_t links(const char *rel)
{
	struct stat st;
	return lstat(P(rel), &st) < 0 ? 0 : st.st_nlink;
}

static void events(int in)
{
	char buf[4096] __attribute__((aligned(8)));
	ssize_t n = read(in, buf, sizeof(buf));
	uint32_t cookies[8];
	int nc = 0;
	for (char *p = buf; n > 0 && p < buf + n;) {
		struct inotify_event *e = (struct inotify_event *)p;
		const char *what = e->mask & IN_MOVED_FROM ? "MOVED_FROM" :
				   e->mask & IN_MOVED_TO ? "MOVED_TO" : "other";
		int k;
		for (k = 0; k < nc && cookies[k] != e->cookie; k++)
			;
		if (k == nc && nc < 8)
			cookies[nc++] = e->cookie;
		printf("event %s%s %s cookie#%d\n", what,
		       e->mask & IN_ISDIR ? "|ISDIR" : "", e->name, k);
		p += sizeof(*e) + e->len;
	}
}

static void run(const char *dir, const char *label)
{
	snprintf(base, sizeof(base), "%.*s", (int)sizeof(base) - 1, dir);
	printf("-- in a fresh directory of %s\n", label);
	put("a", "A");
	put("b", "B");
	ino_t ia = ino("a"), ib = ino("b");
	tl_err("exchange a b", xchg("a", "b", RENAME_EXCHANGE), 0);
	show("a");
	show("b");
	tl_yes("inode numbers swapped", ino("a") == ib && ino("b") == ia);

	/* A file and a directory, across directories. */
	mkdir(P("d1"), 0755);
	mkdir(P("d2"), 0755);
	mkdir(P("d2/sub"), 0755);
	put("d2/sub/x", "X");
	put("d1/f", "F");
	nlink_t l1 = links("d1"), l2 = links("d2");
	tl_err("exchange d1/f d2/sub",
	       xchg("d1/f", "d2/sub", RENAME_EXCHANGE), 0);
	show("d1/f");
	show("d1/f/x");
	show("d2/sub");
	tl_yes("d1 gained a link", links("d1") == l1 + 1);
	tl_yes("d2 lost a link", links("d2") == l2 - 1);
	/* And back, a directory named with a slash. */
	tl_err("exchange d1/f/ d2/sub", xchg("d1/f/", "d2/sub",
					      RENAME_EXCHANGE), 0);
	show("d2/sub/x");
	tl_err("exchange d2/sub d1/f/ (a file with a slash)",
	       xchg("d2/sub", "d1/f/", RENAME_EXCHANGE), ENOTDIR);
	tl_err("exchange d1/f/ d2/sub (a file with a slash)",
	       xchg("d1/f/", "d2/sub", RENAME_EXCHANGE), ENOTDIR);

	/* Linux's errors. */
	tl_err("exchange a missing", xchg("a", "missing", RENAME_EXCHANGE),
	       ENOENT);
	tl_err("exchange missing a", xchg("missing", "a", RENAME_EXCHANGE),
	       ENOENT);
	tl_err("EXCHANGE|NOREPLACE",
	       xchg("a", "b", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL);
	tl_err("EXCHANGE|WHITEOUT",
	       xchg("a", "b", RENAME_EXCHANGE | RENAME_WHITEOUT), EINVAL);
	tl_err("unknown flag", xchg("a", "b", 1u << 6), EINVAL);
	tl_err("exchange d2 d2/sub/x (ancestor first)",
	       xchg("d2", "d2/sub/x", RENAME_EXCHANGE), EINVAL);
	tl_err("exchange d2/sub/x d2 (ancestor second)",
	       xchg("d2/sub/x", "d2", RENAME_EXCHANGE), EINVAL);
	tl_err("exchange a /proc/version",
	       syscall(SYS_renameat2, AT_FDCWD, P("a"), AT_FDCWD,
		       "/proc/version", RENAME_EXCHANGE), EXDEV);
	tl_err("exchange a a", xchg("a", "a", RENAME_EXCHANGE), 0);
	link(P("a"), P("a2"));
	tl_err("exchange a a2 (one file)", xchg("a", "a2", RENAME_EXCHANGE),
	       0);
	show("a");
	show("a2");
	tl_val("a2 links", (long)links("a2"), 2);

	/* inotify: each name moves, each pair has its own cookie. */
	int in = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(in, base, IN_MOVE);
	tl_err("exchange b d1", xchg("b", "d1", RENAME_EXCHANGE), 0);
	events(in);
	close(in);
	show("b/f");
	show("d1");

	/* Clean up. */
	unlink(P("a"));
	unlink(P("a2"));
	unlink(P("d1"));
	unlink(P("b/f"));
	rmdir(P("b"));
	unlink(P("d2/sub/x"));
	rmdir(P("d2/sub"));
	rmdir(P("d2"));
	tl_err("rmdir the directory", rmdir(base), 0);
}

int main(int argc, char **argv)
{
	char dir[PATH_MAX];
	if (argc > 1) {
		snprintf(dir, sizeof(dir), "%s/xchg", argv[1]);
		mkdir(dir, 0755);
		run(dir, "the given tree");
		return tl_done();
	}
	snprintf(dir, sizeof(dir), "/tmp/xchg.%d", getpid());
	mkdir(dir, 0755);
	run(dir, "/tmp");
	snprintf(dir, sizeof(dir), "/var/tmp/xchg.%d", getpid());
	mkdir(dir, 0755);
	run(dir, "/var/tmp");
	return tl_done();
}
