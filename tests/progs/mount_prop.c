/* mount(2) beyond a new mount, natively in a private mount namespace of
 * its own (unshare(CLONE_NEWNS), then MS_REC|MS_PRIVATE on /, as
 * unshare(1) does) and in the sandbox (its own namespace already: there
 * unshare is ENOSYS): propagation types (MS_SHARED, MS_SLAVE, MS_PRIVATE,
 * MS_UNBINDABLE, with MS_REC) and mounts and unmounts propagating between
 * peers and to slaves; MS_BIND|MS_REC; MS_MOVE; MS_REMOUNT of a tmpfs
 * (read-only for every mount of it) and MS_REMOUNT|MS_BIND (one mount);
 * umount2's MNT_DETACH, MNT_EXPIRE and UMOUNT_NOFOLLOW; and what
 * /proc/self/mountinfo says of each (ids, peer groups normalized).
 * Everything happens on tmpfs mounts below a fresh directory. */
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include "testlib.h"

static char D[64];

static char *P(const char *rel)
{
	static char buf[8][160];
	static int k;
	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s%s%s", D, *rel ? "/" : "", rel);
	return buf[k];
}

/* mountinfo lines of the mounts below D, normalized: the mount and
 * parent ids and the peer groups renamed in order of appearance, D
 * written "D", the per-mount options cut to ro/rw,nosuid,nodev,noexec
 * and the super options to ro/rw. */
static void show(const char *what)
{
	char line[2048];
	int ids[64], nids = 0, groups[64], ngroups = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");
	printf("-- %s\n", what);
	if (!f) {
		printf("mountinfo: %s\n", tl_errname(errno));
		return;
	}
	size_t dl = strlen(D);
	while (fgets(line, sizeof(line), f)) {
		int id, parent;
		char dev[32], root[512], tgt[512], opts[256];
		int off = 0;
		if (sscanf(line, "%d %d %31s %511s %511s %255s%n", &id, &parent,
			   dev, root, tgt, opts, &off) != 6)
			continue;
		if (strncmp(tgt, D, dl) || (tgt[dl] && tgt[dl] != '/'))
			continue;
		ids[nids < 64 ? nids++ : 63] = id;
		int pl = -1;
		for (int i = 0; i < nids; i++)
			if (ids[i] == parent)
				pl = i;
		char out[1024];
		int n = snprintf(out, sizeof(out), "M%d on %s D%s root %s ",
				 nids, pl < 0 ? "outside" : "", tgt + dl, root);
		if (pl >= 0)
			n = snprintf(out, sizeof(out), "M%d on M%d D%s root %s ",
				     nids, pl + 1, tgt + dl, root);
		/* per-mount options */
		const char *keep[] = {"nosuid", "nodev", "noexec"};
		n += snprintf(out + n, sizeof(out) - (size_t)n, "%s",
			      strncmp(opts, "ro", 2) ? "rw" : "ro");
		for (size_t k = 0; k < 3; k++) {
			char pat[16];
			snprintf(pat, sizeof(pat), ",%s", keep[k]);
			if (strstr(opts, pat))
				n += snprintf(out + n, sizeof(out) - (size_t)n,
					      "%s", pat);
		}
		/* optional fields up to " - " */
		char *rest = line + off;
		char *dash = strstr(rest, " - ");
		if (!dash)
			continue;
		*dash = 0;
		for (char *tok = strtok(rest, " \n"); tok;
		     tok = strtok(NULL, " \n")) {
			int g;
			char kind[16];
			if (sscanf(tok, "%15[a-z]:%d", kind, &g) == 2) {
				int gl = -1;
				for (int i = 0; i < ngroups; i++)
					if (groups[i] == g)
						gl = i;
				if (gl < 0 && ngroups < 64) {
					groups[ngroups] = g;
					gl = ngroups++;
				}
				n += snprintf(out + n, sizeof(out) - (size_t)n,
					      " %s:%c", kind, 'A' + gl);
			} else {
				n += snprintf(out + n, sizeof(out) - (size_t)n,
					      " %s", tok);
			}
		}
		char type[64], src[256], sopts[512];
		if (sscanf(dash + 3, "%63s %255s %511s", type, src, sopts) == 3)
			n += snprintf(out + n, sizeof(out) - (size_t)n,
				      " - %s %s %s", type, src,
				      strncmp(sopts, "ro", 2) ? "rw" : "ro");
		printf("%s\n", out);
	}
	fclose(f);
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

static int tm(const char *src, const char *rel)
{
	return mount(src, P(rel), "tmpfs", 0, NULL);
}

static void propagation(void)
{
	mkdir(P("a"), 0755);
	mkdir(P("b"), 0755);
	tl_err("tmpfs at a", tm("ta", "a"), 0);
	tl_err("MS_SHARED a", mount(NULL, P("a"), NULL, MS_SHARED, NULL), 0);
	tl_err("bind a on b", mount(P("a"), P("b"), NULL, MS_BIND, NULL), 0);
	show("a shared, b its peer");
	mkdir(P("a/sub"), 0755);
	tl_err("tmpfs at a/sub", tm("ts", "a/sub"), 0);
	tl_err("file in a/sub", put(P("a/sub/f"), "peer"), 0);
	tl_err("seen in b/sub", access(P("b/sub/f"), F_OK), 0);
	show("a/sub propagated to b/sub");
	tl_err("umount b/sub", umount(P("b/sub")), 0);
	tl_err("gone from a/sub too", access(P("a/sub/f"), F_OK), ENOENT);
	show("the umount propagated back");

	tl_err("MS_SLAVE b", mount(NULL, P("b"), NULL, MS_SLAVE, NULL), 0);
	mkdir(P("a/t"), 0755);
	tl_err("tmpfs at a/t", tm("tt", "a/t"), 0);
	mkdir(P("b/x"), 0755);
	tl_err("tmpfs at b/x", tm("tx", "b/x"), 0);
	show("b a slave: a/t reaches b/t, b/x stays in b");
	tl_err("umount a/t", umount(P("a/t")), 0);
	tl_err("umount b/x", umount(P("b/x")), 0);
	show("a/t's umount reached b/t");

	tl_err("MS_SHARED b (slave and shared)",
	       mount(NULL, P("b"), NULL, MS_SHARED, NULL), 0);
	show("b shared and a slave");
	tl_err("MS_PRIVATE a", mount(NULL, P("a"), NULL, MS_PRIVATE, NULL), 0);
	show("a private: b receives from nothing");
	tl_err("MS_UNBINDABLE b", mount(NULL, P("b"), NULL, MS_UNBINDABLE,
					NULL), 0);
	mkdir(P("c"), 0755);
	tl_err("bind of unbindable b", mount(P("b"), P("c"), NULL, MS_BIND,
					     NULL), EINVAL);
	show("b unbindable");
	tl_err("MS_SHARED|MS_SLAVE", mount(NULL, P("a"), NULL,
					   MS_SHARED | MS_SLAVE, NULL), EINVAL);
	tl_err("MS_PRIVATE|MS_RDONLY", mount(NULL, P("a"), NULL,
					     MS_PRIVATE | MS_RDONLY, NULL),
	       EINVAL);
	tl_err("MS_SHARED|MS_NOSUID", mount(NULL, P("a"), NULL,
					    MS_SHARED | MS_NOSUID, NULL),
	       EINVAL);
	tl_err("MS_SHARED|MS_SILENT", mount(NULL, P("a"), NULL,
					    MS_SHARED | MS_SILENT, NULL), 0);
	tl_err("MS_PRIVATE a again", mount(NULL, P("a"), NULL, MS_PRIVATE,
					   NULL), 0);
	tl_err("MS_PRIVATE on a non-mountpoint",
	       mount(NULL, P("a/sub"), NULL, MS_PRIVATE, NULL), EINVAL);
	tl_err("MS_REC|MS_SHARED on D", mount(NULL, D, NULL,
					      MS_REC | MS_SHARED, NULL), 0);
	show("all shared");
	tl_err("MS_REC|MS_PRIVATE on D", mount(NULL, D, NULL,
					       MS_REC | MS_PRIVATE, NULL), 0);
	show("all private");
	tl_err("umount a", umount(P("a")), 0);
	tl_err("umount b", umount(P("b")), 0);
}

static void rbind(void)
{
	mkdir(P("a"), 0755);
	tm("ta", "a");
	mkdir(P("a/sub"), 0755);
	mkdir(P("a/u"), 0755);
	tm("ts", "a/sub");
	tm("tu", "a/u");
	put(P("a/sub/f"), "sub");
	mkdir(P("r"), 0755);
	mkdir(P("p"), 0755);
	tl_err("MS_BIND|MS_REC a on r", mount(P("a"), P("r"), NULL,
					      MS_BIND | MS_REC, NULL), 0);
	tl_err("r/sub has a's submount", access(P("r/sub/f"), F_OK), 0);
	tl_err("MS_BIND a on p", mount(P("a"), P("p"), NULL, MS_BIND, NULL),
	       0);
	tl_err("p/sub does not", access(P("p/sub/f"), F_OK), ENOENT);
	tl_err("MS_UNBINDABLE a/u", mount(NULL, P("a/u"), NULL,
					  MS_UNBINDABLE, NULL), 0);
	mkdir(P("q"), 0755);
	tl_err("MS_BIND|MS_REC a on q", mount(P("a"), P("q"), NULL,
					      MS_BIND | MS_REC, NULL), 0);
	show("r: a with its submounts; p: a alone; q: without unbindable u");
	tl_err("umount r (busy: r/sub)", umount(P("r")), EBUSY);
	tl_err("umount2 r MNT_DETACH", umount2(P("r"), MNT_DETACH), 0);
	tl_err("umount2 q MNT_DETACH", umount2(P("q"), MNT_DETACH), 0);
	umount(P("p"));
	umount2(P("a"), MNT_DETACH);
	show("after MNT_DETACH of the trees");
}

static void move(void)
{
	mkdir(P("m1"), 0755);
	mkdir(P("m2"), 0755);
	mkdir(P("m3"), 0755);
	tm("tm", "m1");
	put(P("m1/f"), "moved");
	mkdir(P("m1/in"), 0755);
	tm("ti", "m1/in");
	mkdir(P("m1/in/deep"), 0755);
	tl_err("MS_MOVE m1 to m2", mount(P("m1"), P("m2"), NULL, MS_MOVE,
					 NULL), 0);
	tl_err("file at m2", access(P("m2/f"), F_OK), 0);
	tl_err("m1 empty", access(P("m1/f"), F_OK), ENOENT);
	tl_err("submount came along", access(P("m2/in/deep"), F_OK), 0);
	show("m1 moved to m2, m2/in with it");
	tl_err("MS_MOVE of a non-root", mount(P("m2/in/deep"), P("m3"), NULL,
					      MS_MOVE, NULL), EINVAL);
	tl_err("MS_MOVE into itself", mount(P("m2"), P("m2/in/deep"), NULL,
					    MS_MOVE, NULL), ELOOP);
	tl_err("MS_MOVE onto a file", mount(P("m2"), P("m2/f"), NULL,
					    MS_MOVE, NULL), EINVAL);
	tl_err("MS_MOVE missing source", mount(P("nope"), P("m3"), NULL,
					       MS_MOVE, NULL), ENOENT);
	tl_err("MS_MOVE NULL source", mount(NULL, P("m3"), NULL, MS_MOVE,
					    NULL), EINVAL);
	tl_err("MS_MOVE empty source", mount("", P("m3"), NULL, MS_MOVE,
					     NULL), EINVAL);
	tl_err("MS_BIND NULL source", mount(NULL, P("m3"), NULL, MS_BIND,
					    NULL), EINVAL);
	tl_err("MS_BIND empty source", mount("", P("m3"), NULL, MS_BIND,
					     NULL), EINVAL);
	tl_err("MS_MOVE m2/in to m3", mount(P("m2/in"), P("m3"), NULL,
					    MS_MOVE, NULL), 0);
	show("m2/in moved to m3");
	/* Moved onto a mountpoint: on top of what is there. */
	mkdir(P("m5"), 0755);
	mkdir(P("m6"), 0755);
	tm("low", "m5");
	put(P("m5/low"), "l");
	tm("high", "m6");
	put(P("m6/high"), "h");
	tl_err("MS_MOVE m6 onto m5", mount(P("m6"), P("m5"), NULL, MS_MOVE,
					   NULL), 0);
	tl_err("m5 shows the moved one", access(P("m5/high"), F_OK), 0);
	tl_err("umount m5 (the top)", umount(P("m5")), 0);
	tl_err("the lower one back", access(P("m5/low"), F_OK), 0);
	tl_err("umount m5", umount(P("m5")), 0);
	/* A mount whose parent is shared does not move. */
	tl_err("MS_SHARED m2", mount(NULL, P("m2"), NULL, MS_SHARED, NULL),
	       0);
	mkdir(P("m2/s"), 0755);
	tm("tsh", "m2/s");
	tl_err("MS_MOVE from a shared parent", mount(P("m2/s"), P("m1"), NULL,
						     MS_MOVE, NULL), EINVAL);
	/* Moving under a shared mount: the tree is shared, copied to the
	 * peers. */
	mkdir(P("m4"), 0755);
	tl_err("bind m2 on m4 (a peer)", mount(P("m2"), P("m4"), NULL,
					       MS_BIND, NULL), 0);
	mkdir(P("m2/dst"), 0755);
	tl_err("MS_MOVE m3 under shared m2", mount(P("m3"), P("m2/dst"), NULL,
						   MS_MOVE, NULL), 0);
	tl_err("seen at the peer m4", access(P("m4/dst/deep"), F_OK), 0);
	show("m3 moved under shared m2, propagated to m4");
	umount2(P("m4"), MNT_DETACH);
	umount2(P("m2"), MNT_DETACH);
}

static void remount(void)
{
	struct statvfs sv;
	mkdir(P("r"), 0755);
	mkdir(P("r2"), 0755);
	tm("tr", "r");
	put(P("r/f"), "x");
	mount(P("r"), P("r2"), NULL, MS_BIND, NULL);
	tl_err("MS_REMOUNT|MS_RDONLY r", mount(NULL, P("r"), NULL,
					       MS_REMOUNT | MS_RDONLY, NULL), 0);
	tl_err("write in r", put(P("r/g"), "x"), EROFS);
	tl_err("write in r2 (same superblock)", put(P("r2/g"), "x"), EROFS);
	statvfs(P("r2"), &sv);
	tl_yes("statvfs r2 ST_RDONLY", sv.f_flag & ST_RDONLY);
	show("tmpfs remounted read-only");
	tl_err("MS_REMOUNT r rw", mount(NULL, P("r"), NULL, MS_REMOUNT, NULL),
	       0);
	tl_err("write in r2 again", put(P("r2/g"), "x"), 0);
	tl_err("MS_REMOUNT|MS_BIND|MS_RDONLY r2",
	       mount(NULL, P("r2"), NULL, MS_REMOUNT | MS_BIND | MS_RDONLY,
		     NULL), 0);
	tl_err("write in r2", put(P("r2/h"), "x"), EROFS);
	tl_err("write in r", put(P("r/h"), "x"), 0);
	tl_err("MS_REMOUNT|MS_BIND nosuid,nodev,noexec r",
	       mount(NULL, P("r"), NULL, MS_REMOUNT | MS_BIND | MS_NOSUID |
		     MS_NODEV | MS_NOEXEC, NULL), 0);
	statvfs(P("r"), &sv);
	tl_yes("statvfs r nosuid, nodev, noexec",
	       (sv.f_flag & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) ==
		       (ST_NOSUID | ST_NODEV | ST_NOEXEC));
	show("per-mount flags");
	tl_err("MS_REMOUNT of a non-root", mount(NULL, P("r/f"), NULL,
						 MS_REMOUNT, NULL), EINVAL);
	umount(P("r2"));
	umount(P("r"));
}

static void umounts(void)
{
	mkdir(P("e"), 0755);
	tm("te", "e");
	tl_err("MNT_EXPIRE first", umount2(P("e"), MNT_EXPIRE), EAGAIN);
	tl_err("a look inside", access(P("e/."), F_OK), 0);
	tl_err("MNT_EXPIRE after the look", umount2(P("e"), MNT_EXPIRE),
	       EAGAIN);
	tl_err("MNT_EXPIRE again", umount2(P("e"), MNT_EXPIRE), 0);
	tm("te", "e");
	int fd = open(P("e"), O_RDONLY | O_DIRECTORY);
	tl_err("MNT_EXPIRE busy", umount2(P("e"), MNT_EXPIRE), EBUSY);
	tl_err("MNT_EXPIRE|MNT_FORCE", umount2(P("e"), MNT_EXPIRE |
					       MNT_FORCE), EINVAL);
	tl_err("MNT_DETACH busy", umount2(P("e"), MNT_DETACH), 0);
	tl_err("fd still usable", fstatat(fd, ".", &(struct stat){0}, 0), 0);
	close(fd);
	tm("te", "e");
	tl_err("symlink to e", symlink(P("e"), P("link")), 0);
	tl_err("UMOUNT_NOFOLLOW on the link", umount2(P("link"),
						      UMOUNT_NOFOLLOW),
	       EINVAL);
	tl_err("umount through the link", umount2(P("link"), 0), 0);
	unlink(P("link"));
	show("nothing left below D");
}

int main(void)
{
	if (geteuid() != 0) {
		tl_say("needs root: mount(2) is EPERM otherwise");
		return 77;
	}
	/* Natively: a mount namespace of our own, nothing propagating
	 * to or from the host's. The sandbox has no unshare(2) (ENOSYS):
	 * it is one mount namespace of its own already. */
	if (unshare(CLONE_NEWNS) < 0 && errno != ENOSYS) {
		tl_say("unshare(CLONE_NEWNS): %s", tl_errname(errno));
		return 1;
	}
	tl_err("MS_REC|MS_PRIVATE on /", mount(NULL, "/", NULL,
					       MS_REC | MS_PRIVATE, NULL), 0);
	snprintf(D, sizeof(D), "/tmp/rv-mp-XXXXXX");
	if (!mkdtemp(D))
		return 1;
	tl_err("tmpfs at D", mount("top", D, "tmpfs", 0, NULL), 0);
	propagation();
	rbind();
	move();
	remount();
	umounts();
	tl_err("umount D", umount(D), 0);
	rmdir(D);
	return tl_done();
}
