/* Sandbox only: the root is an overlay (issue 5), so the app can write
 * anywhere and what differs from a host filesystem is Linux overlayfs's
 * own behaviour: EXDEV for renaming a directory of the lower layer, one
 * st_dev, statfs type OVERLAYFS_SUPER_MAGIC, hard links of the lower layer
 * broken by copy-up. argv[1]: a fixture tree made by sb-ov-root.args.
 *
 * Run natively it would write to the host's /etc and /: it refuses unless
 * /proc/mounts shows the sandbox's own overlay root line. */
#include "testlib.h"

#include <sys/statfs.h>
#include <sys/sysmacros.h>

#define OVERLAYFS_SUPER_MAGIC 0x794c7630

static char fix[200];

static const char *P(const char *rel)
{
	static char bufs[4][400];
	static int i;
	char *b = bufs[i++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/%s", fix, rel);
	return b;
}

static int in_sandbox(void)
{
	char line[128] = "";
	FILE *f = fopen("/proc/mounts", "r");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	/* Linux's overlayfs shows lowerdir=... options: never this line. */
	return !strcmp(line, "overlay / overlay rw 0 0\n");
}

static void show_file(const char *what, const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		printf("%s: %s\n", what, tl_errname(errno));
		return;
	}
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = 0;
	char *last = buf;
	for (char *c = buf; *c; c++)
		if (*c == '\n' && c[1])
			last = c + 1;
	printf("%s (last line): %s", what, last);
}

int main(int argc, char **argv)
{
	struct stat st, st2;
	struct statfs sf;
	if (!in_sandbox()) {
		tl_say("not the sandbox's overlay root: refusing to run");
		return 2;
	}
	if (argc < 2 || strlen(argv[1]) > 150) {
		tl_say("usage: sb-ov-root FIXTURE");
		return 2;
	}
	snprintf(fix, sizeof(fix), "%s", argv[1]);

	tl_err("statfs /", statfs("/", &sf), 0);
	tl_yes("f_type overlay", sf.f_type == OVERLAYFS_SUPER_MAGIC);
	tl_err("access W_OK /etc", access("/etc", W_OK), 0);
	int fd = open("/etc/passwd", O_WRONLY | O_APPEND);
	tl_err("open /etc/passwd O_APPEND", fd, 0);
	tl_val("append", write(fd, "rvtest:x:9:9::/:/bin/false\n", 27), 27);
	close(fd);
	show_file("/etc/passwd", "/etc/passwd");

	/* One device for every file. */
	stat("/", &st);
	stat("/etc/passwd", &st2);
	tl_yes("st_dev / == /etc/passwd", st.st_dev == st2.st_dev);
	stat("/proc/self", &st2);
	tl_yes("/proc is another mount", st.st_dev != st2.st_dev);

	/* New directories anywhere; renaming them works. */
	tl_err("mkdir /rv-ov-new", mkdir("/rv-ov-new", 0755), 0);
	tl_err("create in it", tl_fdclose(open("/rv-ov-new/f",
					       O_CREAT | O_WRONLY, 0644)), 0);
	tl_err("rename new dir", rename("/rv-ov-new", "/rv-ov-new2"), 0);
	tl_err("stat moved file", stat("/rv-ov-new2/f", &st), 0);

	/* Directories with a lower part: EXDEV, as overlayfs without
	 * redirect_dir; mv(1) copies instead. Files move fine. */
	tl_err("rename lower dir", rename(P("lowerdir"), P("moved")), EXDEV);
	tl_err("rename /usr", rename("/usr", "/usr2"), EXDEV);
	tl_err("rename lower file", rename(P("lowerdir/l"), P("l2")), 0);
	tl_err("rename now-merged dir", rename(P("lowerdir"), P("moved")),
	       EXDEV);

	/* Device nodes cannot be made (a whiteout is a char device 0/0). */
	tl_err("mknod char 0/0", mknod(P("wo"), S_IFCHR | 0600, 0), EPERM);

	/* Hard links of the lower layer break on copy-up (no index=on). */
	fd = open(P("hl1"), O_WRONLY | O_APPEND);
	write(fd, "+\n", 2);
	close(fd);
	show_file("hl1", P("hl1"));
	show_file("hl2 (the lower file)", P("hl2"));
	stat(P("hl1"), &st);
	stat(P("hl2"), &st2);
	tl_val("hl1 nlink after copy-up", st.st_nlink, 1);
	tl_val("hl2 nlink", st2.st_nlink, 2);

	/* rm -rf of a lower tree: whiteouts hide it all. */
	tl_rmtree_at(AT_FDCWD, P("tree"));
	tl_err("stat removed tree", stat(P("tree"), &st), ENOENT);
	tl_err("opendir removed tree", opendir(P("tree")) ? 0 : -1, ENOENT);
	tl_err("mkdir it again", mkdir(P("tree"), 0755), 0);
	DIR *d = opendir(P("tree"));
	int n = 0;
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	tl_val("entries in the new tree (. and ..)", n, 2);
	tl_err("old file stays hidden", stat(P("tree/g"), &st), ENOENT);
	return tl_done();
}
