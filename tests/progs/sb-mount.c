/* Sandbox only: mount(2) and umount2(2) inside the sandbox (issue 5):
 * tmpfs and proc, MS_BIND, MS_REMOUNT, flags, busy and detached mounts,
 * /proc/self/mounts and mountinfo, and Linux's errors for the rest.
 * Natively these would change the host's mount table, so no comparison:
 * the expected output is in sb-mount.expected.
 *
 * The sandbox's root may mount (its CAP_SYS_ADMIN); other users get EPERM.
 * The program refuses to run outside a sandbox. */
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include "testlib.h"

#define M "/tmp/rv-mnt"

/* The mountinfo line of the mount at target, without its two ids and
 * its device (they differ run to run): "root target opts - type src". */
static void show_mountinfo(const char *target)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = 0;
	if (!f) {
		tl_say("mountinfo: %s", tl_errname(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char root[512], tgt[512], rest[512];
		if (sscanf(line, "%*d %*d %*s %511s %511s %511[^\n]", root,
			   tgt, rest) != 3 || strcmp(tgt, target))
			continue;
		/* Keep the last one: a stacked mount shows on top. */
		printf("mountinfo %s %s %s\n", root, tgt, rest);
		found = 1;
	}
	fclose(f);
	if (!found)
		printf("mountinfo %s: none\n", target);
}

static void show_mounts(const char *target)
{
	char line[1024];
	FILE *f = fopen("/proc/self/mounts", "r");
	int found = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char src[256], tgt[512];
		if (sscanf(line, "%255s %511s", src, tgt) == 2 &&
		    !strcmp(tgt, target)) {
			printf("mounts %s", line);
			found = 1;
		}
	}
	fclose(f);
	if (!found)
		printf("mounts %s: none\n", target);
}

static int put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -1 : 0;
}

static void unprivileged(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setresuid(1000, 1000, 1000) < 0)
			_exit(2);
		tl_err("mount tmpfs as uid 1000",
		       mount("x", M, "tmpfs", 0, NULL), EPERM);
		tl_err("umount /tmp as uid 1000", umount("/tmp"), EPERM);
		tl_err("mount on a missing dir as uid 1000",
		       mount("x", "/nonexistent-rv", "tmpfs", 0, NULL),
		       ENOENT);
		_exit(tl_done());
	}
	int st;
	waitpid(pid, &st, 0);
	tl_yes("unprivileged child done", WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0);
}

int main(void)
{
	struct statvfs sv;
	char buf[64];

	if (geteuid() != 0) {
		tl_say("not the sandbox's root: mount(2) is EPERM by design");
		return 77;
	}
	/* A sandbox has ringvisor's mounts; a host never has "proc" with
	 * source "proc" at /proc and overlay at / both... be explicit. */
	if (access("/proc/self/mountinfo", R_OK) < 0 ||
	    statvfs("/", &sv) < 0) {
		tl_say("no /proc: not in a sandbox");
		return 2;
	}
	mkdir(M, 0755);
	mkdir(M "2", 0755);

	/* A new tmpfs, options honoured. */
	tl_err("mount tmpfs size=1M,mode=700",
	       mount("rvtmp", M, "tmpfs", MS_NOSUID, "size=1M,mode=700"), 0);
	struct stat st;
	stat(M, &st);
	tl_yes("root mode 0700", (st.st_mode & 07777) == 0700);
	tl_err("write a file in it", put(M "/f", "hello"), 0);
	statvfs(M, &sv);
	tl_yes("statvfs: 1 MiB, nosuid",
	       sv.f_blocks * sv.f_frsize == (1 << 20) &&
	       (sv.f_flag & ST_NOSUID) && !(sv.f_flag & ST_RDONLY));
	show_mounts(M);
	show_mountinfo(M);
	tl_err("rename out of it: EXDEV", rename(M "/f", "/tmp/rv-f"), EXDEV);
	tl_err("link out of it: EXDEV", link(M "/f", "/tmp/rv-f"), EXDEV);

	/* Busy: an open file, a mount below it. */
	int fd = open(M "/f", O_RDONLY);
	tl_err("umount with a file open", umount(M), EBUSY);
	close(fd);
	mkdir(M "/sub", 0755);
	tl_err("mount proc below it", mount("proc", M "/sub", "proc", 0,
					     NULL), 0);
	tl_err("proc there has self/status",
	       access(M "/sub/self/status", R_OK), 0);
	tl_err("umount of the parent", umount(M), EBUSY);
	tl_err("umount of a non-mountpoint", umount(M "/sub/self"), EINVAL);
	tl_err("umount proc", umount(M "/sub"), 0);
	tl_err("proc gone", access(M "/sub/self", F_OK), ENOENT);

	/* Remount read-only and back. */
	tl_err("remount ro", mount(NULL, M, NULL, MS_REMOUNT | MS_RDONLY,
				   NULL), 0);
	tl_err("create on ro", put(M "/g", "x"), EROFS);
	show_mounts(M);
	tl_err("remount rw", mount(NULL, M, NULL, MS_REMOUNT, NULL), 0);
	tl_err("create on rw", put(M "/g", "x"), 0);
	tl_err("remount of a non-root", mount(NULL, M "/sub", NULL,
					      MS_REMOUNT, NULL), EINVAL);

	/* noexec: no PROT_EXEC mapping of its files. */
	tl_err("remount noexec", mount(NULL, M, NULL,
				       MS_REMOUNT | MS_NOEXEC, NULL), 0);
	fd = open(M "/f", O_RDONLY);
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	tl_err("mmap PROT_EXEC on noexec", p == MAP_FAILED ? -1 : 0, EPERM);
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	tl_err("mmap PROT_READ on noexec", p == MAP_FAILED ? -1 : 0, 0);
	close(fd);
	put(M "/script", "#!/bin/sh\nexit 0\n");
	chmod(M "/script", 0755);
	char *const sargv[] = { M "/script", NULL };
	tl_err("execve on noexec", execve(M "/script", sargv, environ), EACCES);

	/* Bind of a subdirectory: same files, mountinfo names its root. */
	mkdir(M "/d", 0755);
	put(M "/d/in", "bound");
	tl_err("bind a subdirectory", mount(M "/d", M "2", NULL, MS_BIND,
					    NULL), 0);
	fd = open(M "2/in", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	tl_yes("file seen through the bind", !strcmp(buf, "bound"));
	if (fd >= 0)
		close(fd);
	show_mountinfo(M "2");
	tl_err("umount the bind", umount(M "2"), 0);
	tl_err("bind gone", access(M "2/in", F_OK), ENOENT);

	/* nodev: a bind of /dev with nodev refuses device nodes. */
	tl_err("bind /dev", mount("/dev", M "2", NULL, MS_BIND, NULL), 0);
	tl_err("open null through the bind",
	       tl_fdclose(open(M "2/null", O_RDWR)), 0);
	tl_err("remount,bind nodev", mount(NULL, M "2", NULL,
					   MS_REMOUNT | MS_BIND | MS_NODEV,
					   NULL), 0);
	tl_err("open null on nodev", tl_fdclose(open(M "2/null", O_RDWR)),
	       EACCES);
	tl_err("umount it", umount(M "2"), 0);

	/* MNT_DETACH: gone from the tree, open files keep working. */
	fd = open(M "/f", O_RDONLY);
	tl_err("umount2 MNT_DETACH with a file open",
	       umount2(M, MNT_DETACH), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	tl_yes("the open file still reads", !strcmp(buf, "hello"));
	close(fd);
	tl_err("the mount point is empty again", access(M "/f", F_OK),
	       ENOENT);
	show_mounts(M);

	/* MNT_EXPIRE: the first call marks, the second unmounts. */
	mount("x", M, "tmpfs", 0, NULL);
	tl_err("MNT_EXPIRE first", umount2(M, MNT_EXPIRE), EAGAIN);
	tl_err("MNT_EXPIRE second", umount2(M, MNT_EXPIRE), 0);
	tl_err("MNT_EXPIRE|MNT_DETACH", umount2(M, MNT_EXPIRE | MNT_DETACH),
	       EINVAL);

	/* Stacked mounts: the top one shows, umount uncovers the next. */
	mount("a", M, "tmpfs", 0, NULL);
	put(M "/a", "a");
	mount("b", M, "tmpfs", 0, NULL);
	tl_err("top mount hides the lower", access(M "/a", F_OK), ENOENT);
	umount(M);
	tl_err("lower mount back", access(M "/a", F_OK), 0);
	umount(M);

	/* Propagation changes: nothing to propagate, Linux's checks. */
	tl_err("MS_REC|MS_PRIVATE on /", mount(NULL, "/", NULL,
					       MS_REC | MS_PRIVATE, NULL), 0);
	tl_err("MS_SHARED on a non-mountpoint", mount(NULL, M, NULL,
						      MS_SHARED, NULL),
	       EINVAL);
	tl_err("MS_SHARED|MS_SLAVE", mount(NULL, "/tmp", NULL,
					   MS_SHARED | MS_SLAVE, NULL),
	       EINVAL);

	/* What a container without devices gets. */
	tl_err("unknown type", mount("x", M, "rvnosuchfs", 0, NULL), ENODEV);
	tl_err("ext4 (needs a device)", mount("/dev/sda1", M, "ext4", 0,
					      NULL), EPERM);
	tl_err("no type", mount("x", M, NULL, 0, NULL), EINVAL);
	tl_err("bad tmpfs option", mount("x", M, "tmpfs", 0, "bogus=1"),
	       EINVAL);
	tl_err("bad tmpfs size", mount("x", M, "tmpfs", 0, "size=12Q"),
	       EINVAL);
	tl_err("target missing", mount("x", "/nonexistent-rv", "tmpfs", 0,
					NULL), ENOENT);
	tl_err("target a file", mount("x", "/etc/passwd", "tmpfs", 0, NULL),
	       ENOTDIR);
	tl_err("bad target pointer", syscall(SYS_mount, "x", TL_BAD1,
					     "tmpfs", 0, NULL), EFAULT);
	tl_err("bad type pointer", syscall(SYS_mount, "x", M, TL_BADK, 0,
					   NULL), EFAULT);
	tl_err("umount2 bad flags", umount2(M, 0x100), EINVAL);
	tl_err("umount of a missing path", umount("/nonexistent-rv"),
	       ENOENT);
	tl_err("umount of /", umount("/"), EBUSY);
	tl_err("umount bad pointer", syscall(SYS_umount2, TL_BAD1, 0),
	       EFAULT);

	unprivileged();
	return tl_done();
}
