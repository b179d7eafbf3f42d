/* Sandbox only: renameat2(RENAME_EXCHANGE) on the root overlay, with
 * names of the lower layer (a fixture made by sb-ov-xchg.args), as Linux's
 * overlayfs without redirect_dir: lower files are copied up and swapped,
 * a directory with a lower part is EXDEV, a pure upper directory swapped
 * onto a name whose lower directory was removed does not show the lower
 * entries again (it is made opaque).
 *
 * Natively it would change the host tree: it refuses unless /proc/mounts
 * shows the sandbox's own overlay root line. */
#include "testlib.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static char fix[200];

static const char *P(const char *rel)
{
	static char bufs[4][400];
	static int i;
	char *b = bufs[i++ & 3];
	snprintf(b, sizeof(bufs[0]), "%s/%s", fix, rel);
	return b;
}

static long xchg(const char *a, const char *b)
{
	return syscall(SYS_renameat2, AT_FDCWD, P(a), AT_FDCWD, P(b),
		       RENAME_EXCHANGE);
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
	return !strcmp(line, "overlay / overlay rw 0 0\n");
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
		/* Sorted names: readdir order is the filesystem's. */
		struct dirent **ents;
		int n = scandir(P(rel), &ents, NULL, alphasort);
		printf("%s: dir [", rel);
		for (int k = 0; k < n; k++) {
			if (strcmp(ents[k]->d_name, ".") &&
			    strcmp(ents[k]->d_name, ".."))
				printf(" %s", ents[k]->d_name);
			free(ents[k]);
		}
		if (n >= 0)
			free(ents);
		printf(" ]\n");
		return;
	}
	int fd = open(P(rel), O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	printf("%s: file \"%s\"\n", rel, buf);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !in_sandbox()) {
		fprintf(stderr, "only in the sandbox, with a fixture\n");
		return 77;
	}
	snprintf(fix, sizeof(fix), "%s", argv[1]);

	/* Two lower files: both copied up, swapped. */
	tl_err("exchange f1 f2 (lower files)", xchg("f1", "f2"), 0);
	show("f1");
	show("f2");

	/* A directory with a lower part cannot move. */
	int fd = open(P("up"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	tl_err("exchange ldir up (a lower directory)", xchg("ldir", "up"),
	       EXDEV);
	tl_err("exchange up ldir (a lower directory)", xchg("up", "ldir"),
	       EXDEV);
	show("ldir");
	unlink(P("up"));

	/* A pure upper directory and a lower file. */
	mkdir(P("updir"), 0755);
	fd = open(P("updir/u"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	tl_err("exchange updir f1 (upper dir, lower file)",
	       xchg("updir", "f1"), 0);
	show("f1");
	show("updir");

	/* ldir2 emptied and made again (an opaque upper directory), then
	 * swapped with a plain upper directory: the lower entries of ldir2
	 * stay hidden under either. */
	unlink(P("ldir2/lower_entry"));
	tl_err("rmdir ldir2", rmdir(P("ldir2")), 0);
	tl_err("mkdir ldir2", mkdir(P("ldir2"), 0755), 0);
	fd = open(P("ldir2/new"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	mkdir(P("up2"), 0755);
	fd = open(P("up2/x"), O_WRONLY | O_CREAT, 0644);
	close(fd);
	tl_err("exchange up2 ldir2", xchg("up2", "ldir2"), 0);
	show("ldir2");
	show("up2");
	tl_err("exchange up2 ldir2 again", xchg("up2", "ldir2"), 0);
	show("ldir2");
	show("up2");
	return tl_done();
}
