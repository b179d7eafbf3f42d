/* renameat2(RENAME_WHITEOUT) on tmpfs (/tmp, natively and in the
 * sandbox): the file moves and a whiteout, a character device 0/0 with
 * mode 0 owned by the caller, takes its old name; it opens no device
 * (ENXIO). No CAP_MKNOD needed since Linux 5.8. EINVAL with
 * RENAME_EXCHANGE; RENAME_NOREPLACE still applies. */
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include "testlib.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif

static char dir[64];

static long r2(const char *a, const char *b, unsigned flags)
{
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static char *p(const char *name)
{
	static char buf[4][128];
	static int k;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			tl_say("write %s: %s", path, tl_errname(errno));
		close(fd);
	}
}

static void get(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("read %s: %s\n", strrchr(path, '/') + 1,
		       tl_errname(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	printf("read %s: \"%s\"\n", strrchr(path, '/') + 1, buf);
}

/* What stands at name: a whiteout, or its type. */
static void show(const char *name)
{
	struct stat st;
	if (lstat(p(name), &st) < 0) {
		printf("%s: %s\n", name, tl_errname(errno));
		return;
	}
	if (S_ISCHR(st.st_mode))
		printf("%s: char %u:%u mode %04o nlink %lu%s\n", name,
		       major(st.st_rdev), minor(st.st_rdev),
		       (unsigned)(st.st_mode & 07777),
		       (unsigned long)st.st_nlink,
		       st.st_uid == geteuid() && st.st_gid == getegid()
			       ? " owned by the caller" : " owner?");
	else
		printf("%s: %s\n", name, S_ISDIR(st.st_mode) ? "dir" :
		       S_ISREG(st.st_mode) ? "file" : "other");
}

static void list(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char names[16][288];
	int n = 0;
	while (d && (e = readdir(d)) && n < 16)
		if (e->d_name[0] != '.')
			snprintf(names[n++], 288, "%s%s", e->d_name,
				 e->d_type == DT_CHR ? "(chr)" : "");
	if (d)
		closedir(d);
	/* sorted: readdir order differs between file systems */
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(names[i], names[j]) > 0) {
				char t[288];
				memcpy(t, names[i], 288);
				memcpy(names[i], names[j], 288);
				memcpy(names[j], t, 288);
			}
	printf("entries:");
	for (int i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf("\n");
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/rv-wo-XXXXXX");
	if (!mkdtemp(dir)) {
		tl_say("mkdtemp: %s", tl_errname(errno));
		return 1;
	}
	chmod(dir, 0777);

	put(p("a"), "A");
	tl_err("whiteout rename a -> b", r2(p("a"), p("b"), RENAME_WHITEOUT),
	       0);
	show("a");
	show("b");
	get(p("b"));
	/* No device behind it: ENXIO, or EACCES first on a nodev mount
	 * (the sandbox's /tmp is nosuid,nodev). */
	struct statvfs sv;
	statvfs(dir, &sv);
	int want = (sv.f_flag & ST_NODEV) ? EACCES : ENXIO;
	errno = 0;
	tl_yes("open the whiteout: no device",
	       open(p("a"), O_RDONLY) < 0 && errno == want);
	list();

	/* Onto an existing name: replaced, as a plain rename. */
	put(p("c"), "C");
	tl_err("whiteout rename b -> c (exists)",
	       r2(p("b"), p("c"), RENAME_WHITEOUT), 0);
	get(p("c"));
	show("b");

	/* NOREPLACE still holds; a missing source is ENOENT. */
	put(p("d"), "D");
	tl_err("WHITEOUT|NOREPLACE onto c", r2(p("d"), p("c"),
					       RENAME_WHITEOUT |
					       RENAME_NOREPLACE), EEXIST);
	tl_err("WHITEOUT|NOREPLACE to e", r2(p("d"), p("e"),
					     RENAME_WHITEOUT |
					     RENAME_NOREPLACE), 0);
	show("d");
	tl_err("WHITEOUT|EXCHANGE", r2(p("c"), p("e"), RENAME_WHITEOUT |
				      RENAME_EXCHANGE), EINVAL);
	tl_err("missing source", r2(p("nope"), p("f"), RENAME_WHITEOUT),
	       ENOENT);

	/* A whiteout can itself be renamed away, with or without one. */
	tl_err("whiteout a renamed (whiteout) to g",
	       r2(p("a"), p("g"), RENAME_WHITEOUT), 0);
	show("g");
	show("a");

	/* A directory: it moves, its old name becomes a whiteout. */
	mkdir(p("dir"), 0755);
	put(p("dir/in"), "IN");
	struct stat before, after;
	stat(dir, &before);
	tl_err("whiteout rename of a directory",
	       r2(p("dir"), p("dir2"), RENAME_WHITEOUT), 0);
	stat(dir, &after);
	show("dir");
	get(p("dir2/in"));
	tl_yes("parent's link count unchanged",
	       before.st_nlink == after.st_nlink);

	/* Not root: no CAP_MKNOD needed; the whiteout is the caller's. */
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(1000, 1000, 1000) < 0 ||
		    setresuid(1000, 1000, 1000) < 0)
			_exit(3);
		put(p("u"), "U");
		tl_err("uid 1000: whiteout rename",
		       r2(p("u"), p("u2"), RENAME_WHITEOUT), 0);
		show("u");
		_exit(tl_done());
	}
	int st;
	waitpid(pid, &st, 0);
	tl_yes("uid 1000 child ok", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	list();

	/* Whiteouts unlink like any file; the directory then goes. */
	const char *names[] = {"a", "b", "c", "d", "e", "g", "dir", "u",
			       "u2", "dir2/in"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(p(names[i]));
	rmdir(p("dir2"));
	tl_err("rmdir the test directory", rmdir(dir), 0);
	return tl_done();
}
