/* Escapes out of a --volume (tests/security/volume_escape.sh runs this,
 * static, as /vescape in `ringvisor run --root=R --volume=V:/vol
 * --volume=VRO:/volro:ro`). Next to V on the host is a directory holding
 * files named like those of the volume ("f", "secret") whose content
 * starts with "RV-SECRET": reading one of them is an escape.
 *
 * Every attempt prints "ok   NAME: what happened" or "LEAK NAME: ...";
 * the last line is "ok: N leak(s)". The host side (volume_escape.sh)
 * swaps V/d between a directory and symlinks out of V while this runs
 * (the rename race), and compares the host trees before and after.
 *
 * argv[1]: the host path of the secret directory (absolute). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int leaks;

static void report(const char *name, int leaked, const char *what)
{
	if (leaked)
		leaks++;
	printf("%s %s: %s\n", leaked ? "LEAK" : "ok  ", name, what);
}

static int fd_leaks(int fd)
{
	char buf[64] = {0};
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && strstr(buf, "RV-SECRET") != NULL;
}

static void try_open(const char *name, const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		report(name, 0, strerror(errno));
		return;
	}
	report(name, fd_leaks(fd), "opened, content checked");
}

/* A change to the read-only volume must fail with EROFS. */
static void must_erofs(const char *name, int r)
{
	if (r == 0)
		report(name, 1, "succeeded on a read-only volume");
	else
		report(name, errno != EROFS,
		       errno == EROFS ? "EROFS" : strerror(errno));
}

static int dir_has(const char *dir, const char *entry)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, entry))
			found = 1;
	closedir(d);
	return found;
}

int main(int argc, char **argv)
{
	char p[4096];
	const char *secret_dir;

	if (argc < 2) {
		fprintf(stderr, "usage: vescape SECRET-DIR\n");
		return 2;
	}
	secret_dir = argv[1];
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* The volume is there at all. */
	int fd = open("/vol/data", O_RDONLY);
	char buf[64] = {0};
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0 ||
	    strncmp(buf, "volume data", 11)) {
		printf("FAIL: /vol/data does not read 'volume data'\n");
		return 1;
	}
	close(fd);

	/* Symlinks planted in the volume on the host: resolved by the
	 * sandbox against its own root, never by the host. */
	try_open("absolute symlink to the host secret", "/vol/abs");
	try_open("relative symlink out of the volume", "/vol/rel");
	try_open("symlink to a host dir, then a name", "/vol/sdir/secret");
	snprintf(p, sizeof(p), "/vol%s/secret", secret_dir);
	try_open("host path under the volume", p);

	/* ".." from the volume's root is the mount point's parent in the
	 * sandbox (here /), not the host directory holding the volume. */
	try_open("/vol/../secret", "/vol/../secret");
	snprintf(p, sizeof(p), "/vol/..%s/secret", secret_dir);
	try_open("/vol/.. then the host path", p);
	report("ls /vol/.. is the sandbox's /",
	       !dir_has("/vol/..", "vescape") ||
	       dir_has("/vol/..", "rv-vol-secret"), "checked");
	if (chdir("/vol/d") == 0) {
		for (int i = 0; i < 8; i++)
			if (chdir("..") < 0)
				break;
		report("chdir .. from the volume reaches /",
		       !dir_has(".", "vescape"), "checked");
		try_open("relative open after chdir ..", "secret");
		chdir("/");
	}
	int vfd = open("/vol", O_RDONLY | O_DIRECTORY);
	if (vfd >= 0) {
		int f = openat(vfd, "../secret", O_RDONLY);
		report("openat(/vol, ../secret)", f >= 0 && fd_leaks(f),
		       f < 0 ? strerror(errno) : "opened, content checked");
		f = openat(vfd, "rel", O_RDONLY);
		report("openat(/vol, rel)", f >= 0 && fd_leaks(f),
		       f < 0 ? strerror(errno) : "opened, content checked");
		/* Where the sandbox says the fd is: a sandbox path. */
		snprintf(p, sizeof(p), "/proc/self/fd/%d", vfd);
		ssize_t n = readlink(p, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		report("/proc/self/fd of /vol names /vol", strcmp(buf, "/vol"),
		       buf);
		close(vfd);
	}

	/* The rename race: the host swaps /vol/d between a directory with
	 * "f" ("inside") and symlinks to the secret directory, which has an
	 * "f" too. A walk that the host resolved would read it. */
	int got_inside = 0, races = 0;
	for (int i = 0; i < 3000; i++) {
		/* Every other time an append: a write that the host resolved
		 * through the symlink would change the secret's "f" (the
		 * script compares the host's trees). */
		int f = open("/vol/d/f", (i & 1) ? O_RDONLY :
					 O_WRONLY | O_APPEND);
		if (f < 0)
			continue;
		if (!(i & 1)) {
			if (write(f, "", 0) < 0 || write(f, "w", 1) < 0)
				;
			close(f);
			continue;
		}
		char b[64] = {0};
		ssize_t n = read(f, b, sizeof(b) - 1);
		close(f);
		if (n > 0 && strstr(b, "RV-SECRET"))
			races++;
		else if (n > 0 && !strncmp(b, "inside", 6))
			got_inside++;
	}
	snprintf(p, sizeof(p), "%d reads of the secret (%s)", races,
		 got_inside ? "the directory was seen" : "never the directory");
	report("rename race on /vol/d/f", races > 0, p);

	/* The writable volume: the app plants its own links and races. */
	fd = open("/vol/written", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	report("a write to /vol works", 0,
	       fd < 0 ? strerror(errno) : "written");
	if (fd >= 0) {
		if (write(fd, "app\n", 4) != 4)
			report("write to /vol/written", 0, strerror(errno));
		close(fd);
	}
	fd = open("/vol/abs", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	report("create through the planted symlink", 0,
	       fd < 0 ? strerror(errno) : "in the sandbox only");
	if (fd >= 0)
		close(fd);
	if (symlink(secret_dir, "/vol/esc") == 0) {
		try_open("the app's own symlink to the host dir",
			 "/vol/esc/secret");
		unlink("/vol/esc");
	}
	if (symlink("../rv-vol-secret", "/vol/esc2") == 0) {
		try_open("the app's own relative symlink", "/vol/esc2/secret");
		unlink("/vol/esc2");
	}
	/* The app's own rename race: a child swaps /vol/w between a
	 * directory holding "secret" and a symlink to the host directory,
	 * the parent opens /vol/w/secret. */
	mkdir("/vol/w", 0755);
	fd = open("/vol/w/secret", O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) {
		if (write(fd, "inside\n", 7) < 0)
			;
		close(fd);
	}
	pid_t kid = fork();
	if (kid == 0) {
		for (int i = 0; i < 2000; i++) {
			rename("/vol/w", "/vol/w.real");
			symlink(secret_dir, "/vol/w");
			unlink("/vol/w");
			rename("/vol/w.real", "/vol/w");
		}
		_exit(0);
	}
	races = 0;
	for (int i = 0; i < 2000; i++) {
		int f = open("/vol/w/secret", O_RDONLY);
		if (f >= 0 && fd_leaks(f))
			races++;
	}
	int kst;
	waitpid(kid, &kst, 0);
	snprintf(p, sizeof(p), "%d reads of the secret", races);
	report("the app's rename race on /vol/w", races > 0, p);

	/* Hard links never cross a mount (EXDEV), in or out. */
	int r = link("/vol/data", "/tmp/hl");
	report("link out of the volume", r == 0, r ? strerror(errno) : "linked");
	r = link("/vescape", "/vol/hl");
	report("link into the volume", r == 0, r ? strerror(errno) : "linked");
	r = link("/vol/data", "/volro/hl");
	report("link between volumes", r == 0, r ? strerror(errno) : "linked");
	r = rename("/vol/data", "/tmp/data");
	report("rename out of the volume", r == 0,
	       r ? strerror(errno) : "renamed");

	/* The read-only volume: every change EROFS. */
	must_erofs("create in /volro",
		   open("/volro/new", O_WRONLY | O_CREAT, 0644) < 0 ? -1 : 0);
	must_erofs("open /volro/data for writing",
		   open("/volro/data", O_WRONLY) < 0 ? -1 : 0);
	must_erofs("truncate /volro/data", truncate("/volro/data", 0));
	must_erofs("unlink /volro/data", unlink("/volro/data"));
	must_erofs("rename in /volro", rename("/volro/data", "/volro/x"));
	must_erofs("mkdir in /volro", mkdir("/volro/dir", 0755));
	must_erofs("symlink in /volro", symlink("/etc", "/volro/sl"));
	must_erofs("chmod /volro/data", chmod("/volro/data", 0777));
	must_erofs("utimes /volro/data", utimes("/volro/data", NULL));
	must_erofs("mknod fifo in /volro", mknod("/volro/fifo",
						 S_IFIFO | 0644, 0));
	/* A remount cannot lift :ro, directly or through a bind. */
	r = mount(NULL, "/volro", NULL, MS_REMOUNT, NULL);
	report("remount /volro rw", r == 0, r ? strerror(errno) : "remounted");
	mkdir("/tmp/rb", 0755);
	r = mount("/volro", "/tmp/rb", NULL, MS_BIND, NULL);
	if (r == 0) {
		r = mount(NULL, "/tmp/rb", NULL, MS_REMOUNT | MS_BIND, NULL);
		report("remount a bind of /volro rw", r == 0,
		       r ? strerror(errno) : "remounted");
		must_erofs("create through the bind",
			   open("/tmp/rb/new", O_WRONLY | O_CREAT, 0644) < 0 ?
			   -1 : 0);
		umount("/tmp/rb");
	} else {
		report("bind of /volro", 0, strerror(errno));
	}
	/* Unmounting the volume leaves the sandbox's own mount point: what
	 * is written there stays in the overlay. */
	r = umount2("/volro", MNT_DETACH);
	report("umount /volro", 0, r ? strerror(errno) : "unmounted");
	if (r == 0) {
		fd = open("/volro/after-umount", O_WRONLY | O_CREAT, 0644);
		report("write under the old mount point", 0,
		       fd < 0 ? strerror(errno) : "in the sandbox only");
		if (fd >= 0)
			close(fd);
	}

	/* Handles: no way to name a host inode directly. */
	struct {
		unsigned int bytes;
		int type;
		unsigned char h[128];
	} fh = {.bytes = 128};
	int mnt_id;
	r = (int)syscall(SYS_name_to_handle_at, AT_FDCWD, "/vol/data", &fh,
			 &mnt_id, 0);
	report("name_to_handle_at on the volume", 0,
	       r ? strerror(errno) : "a handle");
	r = (int)syscall(SYS_open_by_handle_at, AT_FDCWD, &fh, O_RDONLY);
	report("open_by_handle_at", r >= 0 && fd_leaks(r),
	       r < 0 ? strerror(errno) : "opened, content checked");

	printf("ok: %d leak%s\n", leaks, leaks == 1 ? "" : "s");
	return leaks ? 1 : 0;
}
