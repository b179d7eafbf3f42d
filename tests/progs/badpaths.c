/* Bad paths and bad namespace changes, with Linux's errors: a path of
 * PATH_MAX bytes or more, a component longer than NAME_MAX, symlink loops
 * and chains, a directory renamed into its own child, rmdir of a non-empty
 * directory, renames between files and directories of the wrong kind.
 * Run on /tmp (tmpfs in the sandbox) and on argv[1], a tree outside /tmp
 * (the root overlay's lower layer in the sandbox; badpaths.args). */
#include "testlib.h"

#include <limits.h>

static char base[300];

static const char *P(const char *rel)
{
	static char bufs[4][600];
	static int i;
	char *b = bufs[i++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/%s", base, rel);
	return b;
}

static void label(const char *where, const char *what, char *out, size_t n)
{
	snprintf(out, n, "%s: %s", where, what);
}

#define E(what, call, want)                                            \
	do {                                                           \
		char l_[200];                                          \
		label(where, what, l_, sizeof(l_));                    \
		tl_err(l_, (call), (want));                            \
	} while (0)

static void checks(const char *where)
{
	struct stat st;
	char *buf = malloc(PATH_MAX + 300);

	/* PATH_MAX (4096) counts the NUL: 4095 bytes pass the length check
	 * and fail on a missing component; 4096 bytes are ENAMETOOLONG. */
	static const int lens[] = {PATH_MAX - 1, PATH_MAX, PATH_MAX + 100};
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		int len = lens[k];
		int n = snprintf(buf, PATH_MAX + 300, "%s/", base);
		for (; n < len; n++)
			buf[n] = (n % 100 == 99) ? '/' : 'a';
		buf[len - 1] = 'z';
		buf[len] = 0;
		char what[64];
		snprintf(what, sizeof(what), "stat path of %d", len);
		E(what, stat(buf, &st),
		  len >= PATH_MAX ? ENAMETOOLONG : ENOENT);
		snprintf(what, sizeof(what), "mkdir path of %d", len);
		E(what, mkdir(buf, 0755), len >= PATH_MAX ? ENAMETOOLONG
							  : ENOENT);
		snprintf(what, sizeof(what), "open creat path of %d", len);
		E(what, tl_fdclose(open(buf, O_CREAT | O_WRONLY, 0644)),
		  len >= PATH_MAX ? ENAMETOOLONG : ENOENT);
	}
	E("rename to long path", rename(P("d"), buf), ENAMETOOLONG);
	E("symlink to long path", symlink("x", buf), ENAMETOOLONG);
	/* A symlink body of PATH_MAX bytes: ENAMETOOLONG too. */
	memset(buf, 'b', PATH_MAX);
	buf[PATH_MAX] = 0;
	E("symlink long target", symlink(buf, P("longlink")), ENAMETOOLONG);
	buf[PATH_MAX - 1] = 0;
	E("symlink 4095 target", symlink(buf, P("longlink")), 0);
	E("follow 4095 link", stat(P("longlink"), &st), ENAMETOOLONG);
	unlink(P("longlink"));

	/* Components: 255 bytes is fine, 256 is ENAMETOOLONG everywhere. */
	char name[300];
	memset(name, 'n', 256);
	name[256] = 0;
	E("create 256-byte name",
	  tl_fdclose(open(P(name), O_CREAT | O_WRONLY, 0644)), ENAMETOOLONG);
	E("mkdir 256-byte name", mkdir(P(name), 0755), ENAMETOOLONG);
	E("stat 256-byte name", stat(P(name), &st), ENAMETOOLONG);
	E("rename to 256-byte name", rename(P("d"), P(name)), ENAMETOOLONG);
	E("symlink 256-byte name", symlink("x", P(name)), ENAMETOOLONG);
	E("link 256-byte name", link(P("full/file"), P(name)), ENAMETOOLONG);
	name[255] = 0;
	E("create 255-byte name",
	  tl_fdclose(open(P(name), O_CREAT | O_WRONLY, 0644)), 0);
	E("stat 255-byte name", stat(P(name), &st), 0);
	E("unlink 255-byte name", unlink(P(name)), 0);
	/* In a middle component too. */
	name[255] = 'n';
	char mid[600];
	snprintf(mid, sizeof(mid), "%s/x", name);
	E("stat long middle", stat(P(mid), &st), ENAMETOOLONG);

	/* Symlink loops and chains: 40 links are followed, the 41st is
	 * ELOOP; O_NOFOLLOW on a link is ELOOP. */
	symlink("self", P("self"));
	E("self loop", stat(P("self"), &st), ELOOP);
	E("loop pair open", tl_fdclose(open(P("loop1"), O_RDONLY)), ELOOP);
	E("loop creat", tl_fdclose(open(P("loop1"), O_CREAT | O_WRONLY,
					0644)), ELOOP);
	E("loop as dir", stat(P("loop1/x"), &st), ELOOP);
	E("lstat loop", lstat(P("loop1"), &st), 0);
	E("nofollow link", tl_fdclose(open(P("loop1"), O_RDONLY | O_NOFOLLOW)),
	  ELOOP);
	E("loop unlink", unlink(P("self")), 0);
	tl_write_file(P("target"), "t", 1);
	char ln[32], to[32];
	for (int k = 1; k <= 41; k++) {
		snprintf(ln, sizeof(ln), "c%d", k);
		if (k == 1)
			snprintf(to, sizeof(to), "target");
		else
			snprintf(to, sizeof(to), "c%d", k - 1);
		symlink(to, P(ln));
	}
	E("chain of 40", stat(P("c40"), &st), 0);
	E("chain of 41", stat(P("c41"), &st), ELOOP);
	E("chain of 41 open", tl_fdclose(open(P("c41"), O_RDONLY)), ELOOP);

	/* Directories: into its own child, itself, non-empty targets. */
	E("rename dir into child", rename(P("full"), P("full/sub/x")), EINVAL);
	E("rename dir into itself", rename(P("full"), P("full/x")), EINVAL);
	E("rename dir onto child", rename(P("full"), P("full/sub")), EINVAL);
	/* A directory made here (on the overlay: upper only, so it may
	 * move; one with a lower part is EXDEV, docs/limits.md). */
	mkdir(P("e"), 0755);
	E("rename onto non-empty", rename(P("e"), P("full")), ENOTEMPTY);
	E("rename onto emptied", rename(P("e"), P("d")), 0);
	E("rename dir over file", rename(P("d"), P("full/file")), ENOTDIR);
	E("rename file over dir", rename(P("full/file"), P("d")), EISDIR);
	E("rename to self", rename(P("full"), P("full")), 0);
	E("rename parent into child", rename(base, P("full/sub/up")), EINVAL);
	E("rmdir non-empty", rmdir(P("full")), ENOTEMPTY);
	E("rmdir dot", rmdir(P("full/.")), EINVAL);
	E("rmdir dotdot", rmdir(P("full/sub/..")), ENOTEMPTY);
	E("rmdir file", rmdir(P("full/file")), ENOTDIR);
	E("unlink dir", unlink(P("full/sub")), EISDIR);
	E("mkdir existing", mkdir(P("full"), 0755), EEXIST);
	E("file as dir", stat(P("full/file/x"), &st), ENOTDIR);
	E("trailing slash on file", stat(P("full/file/"), &st), ENOTDIR);
	E("empty path", stat("", &st), ENOENT);
	/* Emptied, the directory goes (whiteouts on the overlay). */
	E("unlink y", unlink(P("full/sub/y")), 0);
	E("rmdir sub", rmdir(P("full/sub")), 0);
	E("unlink file", unlink(P("full/file")), 0);
	E("rmdir emptied", rmdir(P("full")), 0);
	E("gone", stat(P("full"), &st), ENOENT);
	free(buf);
}

int main(int argc, char **argv)
{
	snprintf(base, sizeof(base), "%s/t", tl_tmpdir());
	mkdir(base, 0755);
	mkdir(P("full"), 0755);
	mkdir(P("full/sub"), 0755);
	mkdir(P("d"), 0755);
	tl_write_file(P("full/file"), "x", 1);
	tl_write_file(P("full/sub/y"), "y", 1);
	symlink("loop2", P("loop1"));
	symlink("loop1", P("loop2"));
	checks("tmp");
	if (argc > 1) {
		/* without symlinks, which would count towards the 40 */
		char *real = realpath(argv[1], NULL);
		snprintf(base, sizeof(base), "%s", real ? real : argv[1]);
		free(real);
		checks("root");
	}
	tl_cleanup();
	return tl_done();
}
