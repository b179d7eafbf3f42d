/* Unit tests of the gofer: a real gofer (gofer_spawn, confined when the
 * host lets us) serving a temporary directory, driven through the client
 * and through raw, hand-made requests a hostile sentry could send. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "gofer/client.h"
#include "gofer/gofer.h"
#include "gofer/protocol.h"
#include "sentry/util.h"

static int failures;
static char tmp[64];

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			printf("PASS ");                                     \
		} else {                                                     \
			printf("FAIL ");                                     \
			failures++;                                          \
		}                                                            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
	} while (0)

static void host_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmp, name);
}

static void write_host(const char *name, const char *text)
{
	char p[256];
	host_path(p, sizeof(p), name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		perror(p);
	close(fd);
}

static void setup_tree(void)
{
	char p[256], q[256];
	snprintf(tmp, sizeof(tmp), "/tmp/rv-gofer-XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		exit(1);
	}
	write_host("a", "hello");
	host_path(p, sizeof(p), "d");
	mkdir(p, 0755);
	write_host("d/inner", "inner");
	host_path(p, sizeof(p), "esc");
	if (symlink("/etc/passwd", p) < 0)
		perror(p);
	host_path(p, sizeof(p), "up");
	if (symlink("../../../../..", p) < 0)
		perror(p);
	host_path(p, sizeof(p), "d/rootlink");
	if (symlink("/", p) < 0)
		perror(p);
	host_path(q, sizeof(q), "fifo");
	mkfifo(q, 0644);
}

/* A raw request: what a compromised sentry could put on the socket. */
static int raw(int sock, uint32_t op, uint64_t fid, const char *name,
	       size_t nlen, struct gofer_reply *rep)
{
	char buf[sizeof(struct gofer_req) + 512];
	struct gofer_req q = {.op = op, .fid = fid,
			      .name_len = (uint16_t)nlen,
			      .len = (uint32_t)nlen};
	memcpy(buf, &q, sizeof(q));
	memcpy(buf + sizeof(q), name, nlen);
	if (send(sock, buf, sizeof(q) + nlen, 0) < 0)
		return -errno;
	char in[sizeof(*rep) + GOFER_DATA_MAX];
	ssize_t n = recv(sock, in, sizeof(in), 0);
	if (n < (ssize_t)sizeof(*rep))
		return -EIO;
	memcpy(rep, in, sizeof(*rep));
	return rep->err;
}

static const char *dead_why;
static char dead_buf[128];
static void dead_hook(const char *why)
{
	snprintf(dead_buf, sizeof(dead_buf), "%s", why);
	dead_why = dead_buf;
}

static bool status_has(pid_t pid, const char *line)
{
	char p[64], buf[4096];
	snprintf(p, sizeof(p), "/proc/%d/status", (int)pid);
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return false;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, line) != NULL;
}

static void test_walks(struct gofer_client *c, uint64_t root)
{
	uint64_t f, g;
	struct stat st;
	char buf[128];
	int fd = -1, r;

	r = gofer_walk(c, root, "a", &f, &st);
	CHECK(r == 0 && S_ISREG(st.st_mode) && st.st_size == 5,
	      "walk a regular file (%d)", r);
	r = gofer_open(c, f, O_RDONLY, &fd);
	ssize_t n = r == 0 ? read(fd, buf, sizeof(buf)) : -1;
	CHECK(r == 0 && n == 5 && !memcmp(buf, "hello", 5),
	      "open donates an fd that reads the file (%d)", r);
	if (fd >= 0)
		close(fd);

	/* The fid keeps the inode: swap the name for a symlink out of the
	 * root and the fid still opens the file walked to. */
	char p[256], p2[256];
	host_path(p, sizeof(p), "a");
	host_path(p2, sizeof(p2), "a.moved");
	rename(p, p2);
	if (symlink("/etc/passwd", p) < 0)
		perror(p);
	fd = -1;
	r = gofer_open(c, f, O_RDONLY, &fd);
	n = r == 0 ? read(fd, buf, sizeof(buf)) : -1;
	CHECK(r == 0 && n == 5 && !memcmp(buf, "hello", 5),
	      "a name swapped after the walk does not redirect open");
	if (fd >= 0)
		close(fd);
	unlink(p);
	rename(p2, p);
	gofer_clunk(c, f);

	r = gofer_walk(c, root, "esc", &f, &st);
	CHECK(r == 0 && S_ISLNK(st.st_mode),
	      "a symlink to /etc/passwd is walked as itself");
	fd = -1;
	r = gofer_open(c, f, O_RDONLY, &fd);
	CHECK(r == -ELOOP && fd == -1, "opening that symlink is ELOOP (%d)", r);
	n = gofer_readlink(c, f, buf, sizeof(buf));
	CHECK(n == 11 && !memcmp(buf, "/etc/passwd", 11),
	      "its target is read, not followed");
	r = gofer_walk(c, f, "x", &g, &st);
	CHECK(r == -ENOTDIR, "walking below a symlink is ENOTDIR (%d)", r);
	gofer_clunk(c, f);

	r = gofer_walk(c, root, "up", &f, &st);
	r = r ? r : gofer_walk(c, f, "etc", &g, &st);
	CHECK(r == -ENOTDIR, "a ../.. symlink leads nowhere (%d)", r);
	gofer_clunk(c, f);

	r = gofer_walk(c, root, "d", &f, &st);
	r = r ? r : gofer_walk(c, f, "rootlink", &g, &st);
	CHECK(r == 0 && S_ISLNK(st.st_mode), "d/rootlink -> / is a symlink");
	r = gofer_walk(c, g, "etc", &st.st_ino, &st);
	CHECK(r == -ENOTDIR, "and is not a way to the host's / (%d)", r);
	gofer_clunk(c, g);
	gofer_clunk(c, f);

	CHECK(gofer_walk(c, root, "..", &f, &st) == -EINVAL,
	      "client refuses ..");
	CHECK(gofer_walk(c, root, "d/inner", &f, &st) == -EINVAL,
	      "client refuses a name with /");
	CHECK(gofer_walk(c, root, "nope", &f, &st) == -ENOENT,
	      "a missing name is ENOENT");

	r = gofer_walk(c, root, "fifo", &f, &st);
	fd = -1;
	r = r ? r : gofer_open(c, f, O_RDONLY, &fd);
	CHECK(r == -ENXIO, "a host fifo is not opened (%d)", r);
	gofer_clunk(c, f);
}

/* GOFER_WALK_OPEN_DIR: a directory's walk brings an fd that reads it; a
 * file's brings none. Clunks do not wait for their replies: many in a row,
 * past the client's bound of unread replies, and the next call still gets
 * its own reply. */
static void test_walk_dir(struct gofer_client *c, uint64_t root)
{
	uint64_t f, fids[150];
	struct stat st;
	int dfd = 7, r;

	r = gofer_walk_dir(c, root, "d", &f, &st, &dfd);
	char dbuf[4096];
	long n = dfd >= 0 ? syscall(SYS_getdents64, dfd, dbuf, sizeof(dbuf))
			  : -1;
	bool inner = false;
	for (long o = 0; o < n;) {
		struct dirent64 *e = (struct dirent64 *)(dbuf + o);
		inner |= !strcmp(e->d_name, "inner");
		o += e->d_reclen;
	}
	CHECK(r == 0 && S_ISDIR(st.st_mode) && dfd >= 0 && inner,
	      "walk_dir of a directory gives an fd listing it (%d, %d)", r,
	      dfd);
	if (dfd >= 0)
		close(dfd);
	gofer_clunk(c, f);
	dfd = 7;
	r = gofer_walk_dir(c, root, "a", &f, &st, &dfd);
	CHECK(r == 0 && S_ISREG(st.st_mode) && dfd == -1,
	      "walk_dir of a file gives no fd (%d, %d)", r, dfd);
	gofer_clunk(c, f);
	dfd = 7;
	r = gofer_walk_dir(c, root, "nope", &f, &st, &dfd);
	CHECK(r == -ENOENT && dfd == -1, "walk_dir of a missing name (%d)", r);

	unsigned got = 0;
	for (unsigned i = 0; i < RV_ARRAY_SIZE(fids); i++)
		got += gofer_walk(c, root, "a", &fids[i], &st) == 0;
	for (unsigned i = 0; i < RV_ARRAY_SIZE(fids); i++)
		gofer_clunk(c, fids[i]);
	r = gofer_walk(c, root, "d", &f, &st);
	CHECK(got == RV_ARRAY_SIZE(fids) && r == 0 && S_ISDIR(st.st_mode),
	      "a call after %zu clunks gets its own reply (%d)",
	      RV_ARRAY_SIZE(fids), r);
	/* The clunked fids are gone: each stat of one is EBADF. */
	unsigned bad = 0;
	for (unsigned i = 0; i < RV_ARRAY_SIZE(fids); i++)
		bad += gofer_stat(c, fids[i], &st) == -EBADF ||
		       fids[i] == f; /* handed out again to the walk of d */
	CHECK(bad == RV_ARRAY_SIZE(fids), "clunked fids are forgotten (%u)",
	      bad);
	gofer_clunk(c, f);
	/* A synchronous call reads the clunk's reply: the raw requests
	 * that follow share the socket. */
	CHECK(gofer_stat(c, root, &st) == 0, "stat after the clunks");
}

static void test_raw(int sock, uint64_t root)
{
	struct gofer_reply rep;
	int r;

	r = raw(sock, GOFER_WALK, root, "..", 2, &rep);
	CHECK(r == -EINVAL, "gofer refuses .. (%d)", r);
	r = raw(sock, GOFER_WALK, root, ".", 1, &rep);
	CHECK(r == -EINVAL, "gofer refuses . (%d)", r);
	r = raw(sock, GOFER_WALK, root, "../etc", 6, &rep);
	CHECK(r == -EINVAL, "gofer refuses ../etc (%d)", r);
	r = raw(sock, GOFER_WALK, root, "a\0b", 3, &rep);
	CHECK(r == -EINVAL, "gofer refuses a name with NUL (%d)", r);
	r = raw(sock, GOFER_WALK, root, "", 0, &rep);
	CHECK(r == -EINVAL, "gofer refuses an empty name (%d)", r);
	{
		/* WALK takes only GOFER_WALK_OPEN_DIR. */
		struct gofer_req q = {.op = GOFER_WALK, .fid = root,
				      .flags = 0x80, .name_len = 1, .len = 1};
		char b[sizeof(q) + 1];
		memcpy(b, &q, sizeof(q));
		b[sizeof(q)] = 'a';
		char in[sizeof(rep) + 64];
		r = send(sock, b, sizeof(b), 0) < 0 ? -errno : 0;
		ssize_t got = r ? -1 : recv(sock, in, sizeof(in), 0);
		if (got >= (ssize_t)sizeof(rep))
			memcpy(&rep, in, sizeof(rep));
		CHECK(got == (ssize_t)sizeof(rep) && rep.err == -EINVAL,
		      "gofer refuses unknown walk flags (%d)",
		      got >= (ssize_t)sizeof(rep) ? rep.err : -1);
	}
	r = raw(sock, GOFER_WALK, 0, "a", 1, &rep);
	CHECK(r == -EBADF, "fid 0 is never valid (%d)", r);
	r = raw(sock, GOFER_WALK, 1ULL << 40, "a", 1, &rep);
	CHECK(r == -EBADF, "an unknown fid is EBADF (%d)", r);
	r = raw(sock, GOFER_OP_MAX + 7, root, "", 0, &rep);
	CHECK(r == -EBADF || r == -ENOSYS, "an unknown op is refused (%d)", r);

	/* Lengths that do not add up. */
	struct gofer_req q = {.op = GOFER_WALK, .fid = root, .name_len = 200,
			      .len = 1};
	char buf[sizeof(q) + 1];
	memcpy(buf, &q, sizeof(q));
	buf[sizeof(q)] = 'a';
	char in[sizeof(rep) + 16];
	if (send(sock, buf, sizeof(buf), 0) > 0 &&
	    recv(sock, in, sizeof(in), 0) >= (ssize_t)sizeof(rep))
		memcpy(&rep, in, sizeof(rep));
	CHECK(rep.err == -EINVAL, "a name longer than the message is EINVAL");
	r = send(sock, "x", 1, 0) == 1 && recv(sock, in, sizeof(in), 0) > 0
		    ? ((struct gofer_reply *)in)->err
		    : 0;
	CHECK(r == -EINVAL, "a runt message is EINVAL (%d)", r);

	/* An fd the sentry sends is dropped, never installed. */
	int sv[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} cm;
	struct gofer_req s = {.op = GOFER_STAT, .fid = root};
	struct iovec iov = {.iov_base = &s, .iov_len = sizeof(s)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cm.b,
			    .msg_controllen = sizeof(cm.b)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &sv[0], sizeof(int));
	r = sendmsg(sock, &mh, 0) > 0 && recv(sock, in, sizeof(in), 0) > 0
		    ? ((struct gofer_reply *)in)->err
		    : -1;
	CHECK(r == 0, "a request with an fd attached is served, fd dropped");
	close(sv[0]);
	close(sv[1]);
}

static void test_changes(struct gofer_client *c, uint64_t root)
{
	uint64_t f, d, l;
	struct stat st, hst;
	char p[256], buf[256];
	int fd = -1, r;

	r = gofer_create(c, root, "new", O_RDWR, 0640, &f, &st, &fd);
	CHECK(r == 0 && S_ISREG(st.st_mode) && fd >= 0,
	      "create a file (%d)", r);
	if (fd >= 0) {
		CHECK(write(fd, "12345678", 8) == 8, "write through its fd");
		close(fd);
	}
	host_path(p, sizeof(p), "new");
	CHECK(stat(p, &hst) == 0 && hst.st_size == 8 &&
	      (hst.st_mode & 0777) == 0640,
	      "the file is on the host with its mode");
	fd = -1;
	r = gofer_create(c, root, "new", O_RDWR, 0640, &l, &st, &fd);
	CHECK(r == -EEXIST, "create is exclusive (%d)", r);
	r = gofer_create(c, root, "esc", O_RDWR, 0640, &l, &st, &fd);
	CHECK(r == -EEXIST, "create over a symlink out of the root is EEXIST");

	CHECK(gofer_truncate(c, f, 3) == 0 && stat(p, &hst) == 0 &&
	      hst.st_size == 3, "truncate");
	CHECK(gofer_chmod(c, f, 0600) == 0 && stat(p, &hst) == 0 &&
	      (hst.st_mode & 0777) == 0600, "chmod");
	CHECK(gofer_chmod(c, f, 0100600) == -EINVAL, "chmod with type bits");
	CHECK(gofer_chown(c, f, (uid_t)-1, getgid()) == 0, "chown");
	struct timespec ts[2] = {{.tv_sec = 1000}, {.tv_sec = 2000}};
	CHECK(gofer_utimens(c, f, ts) == 0 && stat(p, &hst) == 0 &&
	      hst.st_mtime == 2000 && hst.st_atime == 1000, "utimens");
	CHECK(gofer_stat(c, f, &st) == 0 && st.st_mtime == 2000,
	      "stat sees it");

	r = gofer_setxattr(c, f, "user.rv", "v1", 2, 0);
	if (r == -EOPNOTSUPP) {
		printf("SKIP xattrs: not supported on %s\n", tmp);
	} else {
		CHECK(r == 0, "setxattr (%d)", r);
		ssize_t n = gofer_getxattr(c, f, "user.rv", buf, sizeof(buf));
		CHECK(n == 2 && !memcmp(buf, "v1", 2), "getxattr (%zd)", n);
		CHECK(gofer_getxattr(c, f, "user.rv", NULL, 0) == 2,
		      "getxattr size query");
		n = gofer_listxattr(c, f, buf, sizeof(buf));
		CHECK(n > 0 && memmem(buf, (size_t)n, "user.rv", 8),
		      "listxattr (%zd)", n);
		CHECK(gofer_removexattr(c, f, "user.rv") == 0 &&
		      gofer_getxattr(c, f, "user.rv", buf, sizeof(buf)) ==
			      -ENODATA, "removexattr");
	}
	/* Only user.* may be changed: never a file capability or a label. */
	CHECK(gofer_setxattr(c, f, "security.capability", "x", 1, 0) ==
		      -EPERM, "setxattr security.* refused");
	CHECK(gofer_setxattr(c, f, "trusted.rv", "x", 1, 0) == -EPERM,
	      "setxattr trusted.* refused");
	CHECK(gofer_removexattr(c, f, "system.posix_acl_access") == -EPERM,
	      "removexattr system.* refused");

	r = gofer_mkdir(c, root, "sub", 0755, &d, &st);
	CHECK(r == 0 && S_ISDIR(st.st_mode), "mkdir (%d)", r);
	r = gofer_link(c, d, "hard", f, &l, &st);
	CHECK(r == 0 && st.st_nlink == 2, "link (%d)", r);
	gofer_clunk(c, l);
	r = gofer_symlink(c, d, "sym", "../new", &l, &st);
	CHECK(r == 0 && S_ISLNK(st.st_mode), "symlink (%d)", r);
	gofer_clunk(c, l);
	r = gofer_mknod(c, d, "pipe", S_IFIFO | 0600, &l, &st);
	CHECK(r == 0 && S_ISFIFO(st.st_mode), "mknod fifo (%d)", r);
	gofer_clunk(c, l);
	r = gofer_mknod(c, d, "sock", S_IFSOCK | 0600, NULL, NULL);
	CHECK(r == 0, "mknod socket (%d)", r);
	r = gofer_mknod(c, d, "disk", S_IFBLK | 0600, NULL, NULL);
	CHECK(r == -EPERM, "mknod of a block device is EPERM (%d)", r);
	r = gofer_mknod(c, d, "mem", S_IFCHR | 0600, NULL, NULL);
	CHECK(r == -EPERM, "mknod of a char device is EPERM (%d)", r);

	/* getdents: every name once, across several small calls. */
	char names[512] = "";
	uint64_t off = 0;
	int rounds = 0;
	for (;;) {
		ssize_t n = gofer_getdents(c, d, &off, buf, 64);
		if (n <= 0)
			break;
		rounds++;
		for (ssize_t pos = 0; pos < n;) {
			unsigned short reclen;
			memcpy(&reclen, buf + pos +
			       offsetof(struct dirent64, d_reclen),
			       sizeof(reclen));
			strcat(names, buf + pos +
			       offsetof(struct dirent64, d_name));
			strcat(names, ",");
			pos += reclen;
		}
	}
	CHECK(strstr(names, "hard,") && strstr(names, "sym,") &&
	      strstr(names, "pipe,") && strstr(names, "sock,") && rounds > 1,
	      "getdents lists the directory (%s)", names);

	r = gofer_rename(c, d, "hard", root, "moved", 0);
	host_path(p, sizeof(p), "moved");
	CHECK(r == 0 && access(p, F_OK) == 0, "rename across dirs (%d)", r);
	r = gofer_rename(c, root, "moved", root, "new", RENAME_NOREPLACE);
	CHECK(r == -EEXIST, "rename NOREPLACE (%d)", r);
	CHECK(gofer_unlink(c, root, "moved", 0) == 0 && access(p, F_OK) < 0,
	      "unlink");
	CHECK(gofer_unlink(c, root, "sub", AT_REMOVEDIR) == -ENOTEMPTY,
	      "rmdir of a non-empty dir");
	gofer_unlink(c, d, "sym", 0);
	gofer_unlink(c, d, "pipe", 0);
	gofer_unlink(c, d, "sock", 0);
	CHECK(gofer_unlink(c, root, "sub", AT_REMOVEDIR) == 0, "rmdir");
	gofer_clunk(c, d);
	gofer_clunk(c, f);

	struct statfs sf;
	CHECK(gofer_statfs(c, root, &sf) == 0 && sf.f_bsize > 0, "statfs");
}

static void test_rdonly(void)
{
	char err[256];
	int sock;
	struct gofer_opts o = {.root = tmp, .rdonly = true, .confine = true};
	pid_t pid = gofer_spawn(&o, &sock, err, sizeof(err));
	if (pid < 0) {
		printf("FAIL read-only gofer: %s\n", err);
		failures++;
		return;
	}
	struct gofer_client *c = gofer_client_new(sock);
	gofer_client_set_dead_hook(c, dead_hook);
	uint64_t root, f;
	struct stat st;
	int fd = -1;
	int r = gofer_attach(c, &root, &st);
	if (r == -EIO) {
		printf("SKIP read-only gofer: cannot confine here\n");
		goto out;
	}
	CHECK(gofer_create(c, root, "x", O_RDWR, 0600, &f, &st, &fd) == -EROFS,
	      "read-only gofer: create is EROFS");
	r = gofer_walk(c, root, "a", &f, &st);
	CHECK(r == 0 && gofer_open(c, f, O_WRONLY, &fd) == -EROFS,
	      "read-only gofer: open for writing is EROFS");
	CHECK(gofer_open(c, f, O_RDONLY, &fd) == 0, "read-only gofer: reads");
	close(fd);
	CHECK(gofer_unlink(c, root, "a", 0) == -EROFS,
	      "read-only gofer: unlink is EROFS");
out:
	gofer_client_free(c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int main(void)
{
	char err[256];
	int sock;

	signal(SIGPIPE, SIG_IGN);
	setup_tree();
	struct gofer_opts o = {.root = tmp, .confine = true};
	pid_t pid = gofer_spawn(&o, &sock, err, sizeof(err));
	CHECK(pid > 0, "spawn a gofer on %s (%s)", tmp, pid > 0 ? "ok" : err);
	if (pid < 0)
		return 1;
	struct gofer_client *c = gofer_client_new(dup(sock));
	gofer_client_set_dead_hook(c, dead_hook);
	uint64_t root;
	struct stat st;
	int r = gofer_attach(c, &root, &st);
	bool confined = r == 0;
	if (!confined) {
		/* No namespaces here (unprivileged without user
		 * namespaces): test the protocol on an unconfined gofer. */
		printf("SKIP confinement: the confined gofer did not start "
		       "(%d)\n", r);
		gofer_client_free(c);
		close(sock);
		waitpid(pid, NULL, 0);
		o.confine = false;
		pid = gofer_spawn(&o, &sock, err, sizeof(err));
		c = gofer_client_new(dup(sock));
		gofer_client_set_dead_hook(c, dead_hook);
		r = gofer_attach(c, &root, &st);
	}
	CHECK(r == 0 && S_ISDIR(st.st_mode), "attach gives the root (%d)", r);

	if (confined) {
		char p[64];
		struct stat a, b;
		snprintf(p, sizeof(p), "/proc/%d/root/", (int)pid);
		if (stat(p, &a) < 0 && errno == EACCES)
			/* Not dumpable: only root may look. */
			printf("SKIP the gofer's root: not root here\n");
		else
			CHECK(stat(p, &a) == 0 && stat(tmp, &b) == 0 &&
			      a.st_ino == b.st_ino && a.st_dev == b.st_dev,
			      "the gofer's root is the served directory");
		snprintf(p, sizeof(p), "/proc/%d/root/proc/self", (int)pid);
		CHECK(access(p, F_OK) < 0, "no /proc in the gofer's root");
		CHECK(status_has(pid, "Seccomp:\t2"), "gofer: Seccomp: 2");
		CHECK(status_has(pid, "NoNewPrivs:\t1"), "gofer: NoNewPrivs: 1");
		CHECK(status_has(pid, "CapBnd:\t000000000000000b") ||
		      status_has(pid, "CapBnd:\t000000000000001b"),
		      "gofer: bounding set is CHOWN DAC_OVERRIDE FOWNER FSETID");
	}

	test_walks(c, root);
	test_walk_dir(c, root);
	test_raw(sock, root);
	test_changes(c, root);

	/* The gofer dies: calls fail with EIO, the hook says why, once. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	r = gofer_stat(c, root, &st);
	CHECK(r == -EIO && dead_why, "a dead gofer gives EIO and runs the hook "
	      "(%s)", dead_why ? dead_why : "no hook");
	CHECK(gofer_stat(c, root, &st) == -EIO, "and EIO from then on");
	gofer_client_free(c);
	close(sock);

	test_rdonly();

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		printf("warning: could not remove %s\n", tmp);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
