/* inotify(7): the events of changes made through the file system calls,
 * their order, cookies, names, IN_ONESHOT, IN_MASK_ADD, IN_ONLYDIR,
 * IN_IGNORED, the queue's overflow, readiness, FIONREAD and the errors. */
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "testlib.h"

#ifndef IN_MASK_CREATE
#define IN_MASK_CREATE 0x10000000
#endif

static const char *const names[] = {
	"ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN",
	"MOVED_FROM", "MOVED_TO", "CREATE", "DELETE", "DELETE_SELF",
	"MOVE_SELF",
};

static void mask_str(uint32_t m, char *out)
{
	out[0] = 0;
	for (int b = 0; b < 12; b++)
		if (m & (1u << b))
			sprintf(out + strlen(out), "%s%s", out[0] ? "|" : "",
				names[b]);
	if (m & IN_IGNORED)
		strcat(out, out[0] ? "|IGNORED" : "IGNORED");
	if (m & IN_Q_OVERFLOW)
		strcat(out, out[0] ? "|Q_OVERFLOW" : "Q_OVERFLOW");
	if (m & IN_ISDIR)
		strcat(out, "|ISDIR");
}

/* Print every queued event as "label: wdN MASK name", wd numbers as the
 * test's own (1st watch = w1) and cookies only as pairs matching. */
static int wds[16];
static int nwds;
static uint32_t last_cookie;

static int wd_label(int wd)
{
	for (int k = 0; k < nwds; k++)
		if (wds[k] == wd)
			return k + 1;
	return wd;
}

static void dump(const char *label, int fd)
{
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		printf("%s: read %s\n", label, tl_errname(errno));
		return;
	}
	for (char *p = buf; p < buf + n;) {
		struct inotify_event *e = (struct inotify_event *)p;
		char m[200];
		mask_str(e->mask, m);
		const char *ck = "";
		if (e->mask & IN_MOVED_FROM) {
			last_cookie = e->cookie;
			ck = e->cookie ? " cookie" : " nocookie";
		} else if (e->mask & IN_MOVED_TO) {
			ck = e->cookie == last_cookie ? " cookie=from"
						      : " cookie!=from";
		}
		printf("%s: w%d %s %s len%%16=%u%s\n", label, wd_label(e->wd),
		       m, e->len ? e->name : "-", e->len % 16, ck);
		p += sizeof(*e) + e->len;
	}
}

static int watch(int fd, const char *path, uint32_t mask)
{
	int wd = inotify_add_watch(fd, path, mask);
	if (wd < 0) {
		tl_fail("inotify_add_watch");
		return wd;
	}
	for (int k = 0; k < nwds; k++)
		if (wds[k] == wd)
			return wd;
	wds[nwds++] = wd;
	return wd;
}

/* Everything but the queue's limit, in directory dir; with limit, the
 * overflow and a blocking read too. */
static void checks(const char *dir, int limit)
{
	nwds = 0;
	char a[300], b[300], sub[300], tmp[300];
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);

	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (in < 0)
		exit(1);
	tl_yes("cloexec", fcntl(in, F_GETFD) == FD_CLOEXEC);
	tl_yes("nonblock", (fcntl(in, F_GETFL) & O_NONBLOCK) != 0);
	dump("empty", in);
	watch(in, dir, IN_ALL_EVENTS);

	/* create, write twice (merged), close */
	int fd = open(a, O_CREAT | O_WRONLY, 0644);
	if (write(fd, "x", 1) != 1 || write(fd, "y", 1) != 1)
		tl_fail("write");
	close(fd);
	dump("create", in);

	/* readiness and FIONREAD */
	struct pollfd pf = {in, POLLIN, 0};
	tl_val("poll empty", poll(&pf, 1, 0), 0);
	fd = open(a, O_RDONLY);
	char c;
	if (read(fd, &c, 1) != 1)
		tl_fail("read");
	close(fd);
	tl_val("poll ready", poll(&pf, 1, 0), 1);
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
	tl_val("epoll ready", epoll_wait(ep, &ev, 1, 0), 1);
	int avail = 0;
	tl_val("FIONREAD", ioctl(in, FIONREAD, &avail), 0);
	tl_val("FIONREAD bytes", avail, 3 * (long)sizeof(struct inotify_event) +
					 3 * 16);
	/* a buffer too small for one event */
	char small[8];
	tl_err("small read", read(in, small, sizeof(small)), EINVAL);
	dump("read", in);
	close(ep);

	/* attributes, truncate, rename with cookie, link, unlink */
	chmod(a, 0600);
	truncate(a, 0);
	struct timeval tv[2] = {{1, 0}, {2, 0}};
	utimes(a, tv);
	dump("attrib", in);
	rename(a, b);
	dump("rename", in);
	snprintf(tmp, sizeof(tmp), "%s/hard", dir);
	link(b, tmp);
	unlink(tmp);
	dump("link", in);

	/* a watch on the file itself: DELETE_SELF then IGNORED */
	int in2 = inotify_init1(IN_NONBLOCK);
	watch(in2, b, IN_ALL_EVENTS);
	unlink(b);
	dump("self", in2);
	dump("dir after unlink", in);
	dump("self again", in2);

	/* directories: ISDIR, rmdir */
	mkdir(sub, 0755);
	watch(in2, sub, IN_ALL_EVENTS);
	int d = open(sub, O_RDONLY | O_DIRECTORY);
	close(d);
	rmdir(sub);
	dump("dir", in);
	dump("subdir self", in2);

	/* moves between directories, a watched file moved and replaced */
	char sub2[300], m1[300], m2[300];
	snprintf(sub2, sizeof(sub2), "%s/sub2", dir);
	snprintf(m1, sizeof(m1), "%s/m1", dir);
	snprintf(m2, sizeof(m2), "%s/sub2/m2", dir);
	mkdir(sub2, 0755);
	tl_write_file(m1, "m", 1);
	dump("skip", in);
	watch(in, sub2, IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE);
	watch(in2, m1, IN_MOVE_SELF | IN_ATTRIB | IN_DELETE_SELF);
	rename(m1, m2);
	dump("cross move", in);
	dump("move self", in2);
	tl_write_file(m1, "n", 1);
	dump("skip", in);
	rename(m1, m2); /* replaces the watched file: it is gone */
	dump("replace", in);
	dump("replaced self", in2);
	unlink(m2);
	rmdir(sub2);
	dump("skip", in);

	/* An unlinked file still open: its directory hears of its writes
	 * and close, except through an IN_EXCL_UNLINK watch. */
	int inx = inotify_init1(IN_NONBLOCK);
	int wx = inotify_add_watch(inx, dir, IN_ALL_EVENTS | IN_EXCL_UNLINK);
	tl_yes("excl watch", wx > 0);
	snprintf(tmp, sizeof(tmp), "%s/open-unlinked", dir);
	int ou = open(tmp, O_CREAT | O_RDWR, 0600);
	unlink(tmp);
	dump("skip", in);
	dump("excl before", inx);
	if (write(ou, "x", 1) != 1)
		tl_fail("write");
	close(ou);
	dump("unlinked", in);
	dump("excl unlinked", inx);
	close(inx);

	/* splice raises IN_ACCESS on its input file, IN_MODIFY on its
	 * output file. */
	int sp[2];
	if (pipe(sp))
		exit(1);
	snprintf(tmp, sizeof(tmp), "%s/spliced", dir);
	int sf = open(tmp, O_CREAT | O_RDWR, 0600);
	if (write(sf, "abc", 3) != 3)
		tl_fail("write");
	loff_t so = 0;
	dump("skip", in);
	tl_val("splice out of file", splice(sf, &so, sp[1], NULL, 3, 0), 3);
	dump("splice in", in);
	tl_val("splice into file", splice(sp[0], NULL, sf, &so, 3, 0), 3);
	dump("splice out", in);
	close(sf);
	close(sp[0]);
	close(sp[1]);
	unlink(tmp);
	dump("skip", in);

	/* IN_ONESHOT: one event, then IGNORED */
	tl_write_file(a, "1", 1);
	dump("skip", in);
	watch(in2, a, IN_MODIFY | IN_ONESHOT);
	tl_write_file(a, "2", 1);
	tl_write_file(a, "3", 1);
	dump("oneshot", in2);
	dump("skip", in);

	/* IN_MASK_ADD / replace / IN_MASK_CREATE / rm_watch */
	int w = watch(in2, a, IN_OPEN);
	tl_yes("same wd", inotify_add_watch(in2, a, IN_CLOSE) == w);
	tl_write_file(a, "4", 1);
	dump("replaced", in2);
	tl_yes("mask add", inotify_add_watch(in2, a, IN_OPEN | IN_MASK_ADD) ==
				   w);
	tl_write_file(a, "5", 1);
	dump("added", in2);
	tl_err("mask create", inotify_add_watch(in2, a, IN_OPEN |
						IN_MASK_CREATE), EEXIST);
	tl_err("add+create", inotify_add_watch(in2, a, IN_OPEN | IN_MASK_ADD |
					       IN_MASK_CREATE), EINVAL);
	tl_val("rm_watch", inotify_rm_watch(in2, w), 0);
	dump("removed", in2);
	tl_err("rm again", inotify_rm_watch(in2, w), EINVAL);
	dump("skip", in);

	/* errors */
	tl_err("onlydir", inotify_add_watch(in2, a, IN_OPEN | IN_ONLYDIR),
	       ENOTDIR);
	tl_err("no mask", inotify_add_watch(in2, a, 0), EINVAL);
	tl_err("missing", inotify_add_watch(in2, "/nonexistent/x", IN_OPEN),
	       ENOENT);
	tl_err("bad fd", inotify_add_watch(99, a, IN_OPEN), EBADF);
	tl_err("not inotify", inotify_add_watch(0, a, IN_OPEN), EINVAL);
	tl_err("efault", inotify_add_watch(in2, (char *)TL_BAD1, IN_OPEN),
	       EFAULT);
	tl_err("rm bad fd", inotify_rm_watch(99, 1), EBADF);
	tl_err("rm not inotify", inotify_rm_watch(0, 1), EINVAL);
	tl_err("init1 flags", inotify_init1(0x1), EINVAL);
	tl_err("empty nonblock", read(in2, tmp, sizeof(tmp)), EAGAIN);
	snprintf(tmp, sizeof(tmp), "%s/lnk", dir);
	symlink("nonexistent", tmp);
	tl_err("dangling", inotify_add_watch(in2, tmp, IN_OPEN), ENOENT);
	tl_yes("dont_follow", inotify_add_watch(in2, tmp, IN_OPEN |
						 IN_DONT_FOLLOW) > 0);
	dump("skip", in);

	close(in);
	close(in2);
	unlink(a);
	unlink(b);
	unlink(tmp);
	if (!limit)
		return;

	/* the queue's limit: 16384 events, then one IN_Q_OVERFLOW */
	int in3 = inotify_init1(IN_NONBLOCK);
	watch(in3, dir, IN_MODIFY);
	int fa = open(a, O_WRONLY | O_CREAT, 0600), fb = open(b, O_WRONLY | O_CREAT, 0600);
	for (int k = 0; k < 17000; k++)
		if (write(k & 1 ? fb : fa, "z", 1) != 1)
			tl_fail("write");
	close(fa);
	close(fb);
	long events = 0, overflows = 0, last_overflow = 0;
	char big[65536] __attribute__((aligned(8)));
	ssize_t n;
	while ((n = read(in3, big, sizeof(big))) > 0) {
		for (char *p = big; p < big + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			events++;
			last_overflow = e->mask == IN_Q_OVERFLOW && e->wd == -1;
			overflows += last_overflow;
			p += sizeof(*e) + e->len;
		}
	}
	tl_val("queued", events, 16385);
	tl_val("overflows", overflows, 1);
	tl_yes("overflow last", last_overflow);

	/* epoll_wait blocks until a child makes an event */
	int in5 = inotify_init1(IN_NONBLOCK);
	watch(in5, dir, IN_CREATE);
	int ep5 = epoll_create1(0);
	struct epoll_event ev5 = {.events = EPOLLIN};
	epoll_ctl(ep5, EPOLL_CTL_ADD, in5, &ev5);
	snprintf(tmp, sizeof(tmp), "%s/late0", dir);
	pid_t pid5 = fork();
	if (pid5 == 0) {
		usleep(50000);
		close(open(tmp, O_CREAT | O_WRONLY, 0600));
		_exit(0);
	}
	tl_val("epoll blocking", epoll_wait(ep5, &ev5, 1, 5000), 1);
	dump("epoll", in5);
	waitpid(pid5, NULL, 0);
	close(ep5);
	close(in5);

	/* blocking read wakes up on an event made by a child */
	int in4 = inotify_init();
	watch(in4, dir, IN_CREATE);
	snprintf(tmp, sizeof(tmp), "%s/late", dir);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		close(open(tmp, O_CREAT | O_WRONLY, 0600));
		_exit(0);
	}
	dump("blocking", in4);
	waitpid(pid, NULL, 0);

	close(in3);
	close(in4);
}

int main(int argc, char **argv)
{
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/t", tl_tmpdir());
	mkdir(dir, 0755);
	checks(dir, 1);
	/* On the root overlay too (inotify.args: a fresh directory that is
	 * part of the lower layer in the sandbox). */
	if (argc > 1) {
		printf("--- %s\n", "root");
		checks(argv[1], 0);
	}
	tl_cleanup();
	return tl_done();
}
