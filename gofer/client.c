/* The sentry's side of the gofer protocol: build a request, send it, wait
 * for the reply, check it, copy it out. See gofer/client.h.
 *
 * The gofer is less trusted than it might look: it reads host files a
 * hostile app may have shaped. So a reply is checked as carefully as a
 * request: lengths must add up, an errno must be an errno, an fd comes
 * only where one is due. Anything else kills the client (EIO from then
 * on) rather than letting a confused sentry go on. */
#include "gofer/client.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "gofer/protocol.h"
#include "sentry/util.h"

struct gofer_client {
	pthread_mutex_t lock;
	int sock;
	bool dead;
	void (*dead_hook)(const char *why);
	const char *name; /* a volume's path in the sandbox, or NULL */
	char *buf;  /* reply buffer: header + GOFER_DATA_MAX */
	/* Clunks sent whose replies are not read yet (gofer_clunk does not
	 * wait for its reply; the next request reads them first). */
	unsigned owed;
};

/* Clunk replies left unread at most: a bound on what waits in the
 * socket (144 bytes each). */
#define CLUNK_OWED_MAX 64

static void default_dead_hook(const char *why)
{
	rv_err("the gofer died (%s); stopping the sandbox", why);
	_exit(1);
}

struct gofer_client *gofer_client_new(int sock)
{
	struct gofer_client *c = rv_xcalloc(1, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->sock = sock;
	c->dead_hook = default_dead_hook;
	c->buf = rv_xmalloc(sizeof(struct gofer_reply) + GOFER_DATA_MAX);
	return c;
}

void gofer_client_free(struct gofer_client *c)
{
	if (!c)
		return;
	close(c->sock);
	pthread_mutex_destroy(&c->lock);
	free(c->buf);
	free(c);
}

void gofer_client_set_dead_hook(struct gofer_client *c,
				void (*hook)(const char *why))
{
	c->dead_hook = hook ? hook : default_dead_hook;
}

void gofer_client_set_name(struct gofer_client *c, const char *name)
{
	c->name = name;
}

/* Called with c->lock held. */
static int client_die(struct gofer_client *c, const char *why)
{
	if (!c->dead) {
		c->dead = true;
		/* The same line as the monitor's when it sees the death
		 * first (runtime/confine.c): whichever notices, one line
		 * naming the gofer. */
		if (c->dead_hook == default_dead_hook && c->name) {
			rv_err("the gofer of volume %s died (%s); stopping "
			       "the sandbox", c->name, why);
			_exit(1);
		}
		c->dead_hook(why);
	}
	return -EIO;
}

static void close_fds(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		size_t n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
}

/* One fd, exactly, or -1 (and every fd received closed). */
static int take_one_fd(struct msghdr *mh)
{
	struct cmsghdr *cm = CMSG_FIRSTHDR(mh);
	if (!cm || CMSG_NXTHDR(mh, cm) || cm->cmsg_level != SOL_SOCKET ||
	    cm->cmsg_type != SCM_RIGHTS ||
	    cm->cmsg_len != CMSG_LEN(sizeof(int))) {
		close_fds(mh);
		return -1;
	}
	int fd;
	memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
	return fd;
}

struct call {
	struct gofer_req q;
	const char *name, *name2;
	const void *data;
	size_t dlen;
	/* out */
	struct gofer_reply rep;
	void *out;       /* where reply data goes; at most q.count bytes */
	int *fd;         /* non-NULL: an fd is due on success */
	bool nowait;     /* the reply is read by a later call (clunk) */
	bool fd_if_val;  /* with fd: due only when the reply's val is 1 */
};

/* Round trips by request type and their time, printed under --debug when
 * the sentry exits: what a program's start costs in gofer calls. */
static uint64_t rpc_count[GOFER_OP_MAX], rpc_fail[GOFER_OP_MAX],
	rpc_ns[GOFER_OP_MAX];

static __attribute__((destructor)) void rpc_stats_print(void)
{
	static const char *const names[GOFER_OP_MAX] = {
		[GOFER_ATTACH] = "attach", [GOFER_WALK] = "walk",
		[GOFER_OPEN] = "open", [GOFER_CREATE] = "create",
		[GOFER_STAT] = "stat", [GOFER_STATFS] = "statfs",
		[GOFER_READLINK] = "readlink", [GOFER_GETDENTS] = "getdents",
		[GOFER_CLUNK] = "clunk", [GOFER_GETXATTR] = "getxattr",
	};
	char buf[512];
	size_t n = 0;
	uint64_t all = 0, ns = 0;

	if (!rv_debug)
		return;
	for (int op = 1; op < GOFER_OP_MAX && n < sizeof(buf) - 64; op++) {
		if (!rpc_count[op])
			continue;
		all += rpc_count[op];
		ns += rpc_ns[op];
		n += (size_t)snprintf(buf + n, sizeof(buf) - n,
				      " %s %lu (%lu failed, %lu us)",
				      names[op] ? names[op] : "other",
				      rpc_count[op], rpc_fail[op],
				      rpc_ns[op] / 1000);
	}
	if (all)
		rv_dbg("gofer: %lu round trips (%lu us):%s", all, ns / 1000,
		       buf);
}

static int rpc_timed(struct gofer_client *c, struct call *k);

static int rpc(struct gofer_client *c, struct call *k)
{
	uint64_t t0 = rv_debug ? rv_now_ns() : 0;
	int err = rpc_timed(c, k);
	uint32_t op = k->q.op;

	if (rv_debug && op < GOFER_OP_MAX) {
		__atomic_fetch_add(&rpc_count[op], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&rpc_fail[op], err < 0, __ATOMIC_RELAXED);
		__atomic_fetch_add(&rpc_ns[op], rv_now_ns() - t0,
				   __ATOMIC_RELAXED);
	}
	return err;
}

/* Read the replies owed for clunks sent without waiting: each is a bare
 * reply, no data and no fd (an EBADF is the gofer's and changes nothing
 * here, as when clunk waited). Called with c->lock held. */
static int drain_owed(struct gofer_client *c)
{
	while (c->owed) {
		struct gofer_reply rep;
		union {
			char buf[CMSG_SPACE(sizeof(int) * 4)];
			struct cmsghdr align;
		} cm;
		struct iovec riov = {.iov_base = c->buf,
				     .iov_len = sizeof(rep) + GOFER_DATA_MAX};
		struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1,
				    .msg_control = cm.buf,
				    .msg_controllen = sizeof(cm.buf)};
		ssize_t n;
		do
			n = recvmsg(c->sock, &rh, MSG_CMSG_CLOEXEC);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			char why[64];
			snprintf(why, sizeof(why), "receive: %s",
				 n == 0 ? "connection closed"
					: strerror(errno));
			return client_die(c, why);
		}
		memcpy(&rep, c->buf, RV_MIN((size_t)n, sizeof(rep)));
		if ((rh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
		    (size_t)n != sizeof(rep) || CMSG_FIRSTHDR(&rh) ||
		    rep.len || rep.err > 0 || rep.err < -4095) {
			close_fds(&rh);
			return client_die(c, "malformed reply");
		}
		c->owed--;
	}
	return 0;
}

static int rpc_timed(struct gofer_client *c, struct call *k)
{
	size_t nlen = k->name ? strlen(k->name) : 0;
	size_t n2len = k->name2 ? strlen(k->name2) : 0;
	size_t total = nlen + n2len + k->dlen;
	if (nlen > GOFER_NAME_MAX || n2len > GOFER_NAME_MAX ||
	    k->dlen > GOFER_DATA_MAX)
		return -ENAMETOOLONG;
	if (k->q.count > GOFER_DATA_MAX)
		k->q.count = GOFER_DATA_MAX;
	k->q.name_len = (uint16_t)nlen;
	k->q.name2_len = (uint16_t)n2len;
	k->q.len = (uint32_t)total;

	struct iovec iov[4] = {
		{.iov_base = &k->q, .iov_len = sizeof(k->q)},
		{.iov_base = (void *)k->name, .iov_len = nlen},
		{.iov_base = (void *)k->name2, .iov_len = n2len},
		{.iov_base = (void *)k->data, .iov_len = k->dlen},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 4};
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} cm;
	int err;

	pthread_mutex_lock(&c->lock);
	if (c->dead) {
		err = -EIO;
		goto out;
	}
	if (k->nowait && c->owed >= CLUNK_OWED_MAX && (err = drain_owed(c)))
		goto out;
	ssize_t n;
	do
		n = sendmsg(c->sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		char why[64];
		snprintf(why, sizeof(why), "send: %s", strerror(errno));
		err = client_die(c, why);
		goto out;
	}
	if (k->nowait) {
		c->owed++;
		err = 0;
		goto out;
	}
	/* The gofer answers in order: clunks sent earlier first. */
	if ((err = drain_owed(c)))
		goto out;

	struct iovec riov = {.iov_base = c->buf,
			     .iov_len = sizeof(k->rep) + GOFER_DATA_MAX};
	struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1,
			    .msg_control = cm.buf,
			    .msg_controllen = sizeof(cm.buf)};
	do
		n = recvmsg(c->sock, &rh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		char why[64];
		snprintf(why, sizeof(why), "receive: %s",
			 n == 0 ? "connection closed" : strerror(errno));
		err = client_die(c, why);
		goto out;
	}
	if ((rh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(k->rep)) {
		close_fds(&rh);
		err = client_die(c, "malformed reply");
		goto out;
	}
	memcpy(&k->rep, c->buf, sizeof(k->rep));
	if (k->rep.len != (size_t)n - sizeof(k->rep) ||
	    k->rep.len > k->q.count || k->rep.err > 0 ||
	    k->rep.err < -4095 || (k->rep.err && k->rep.len)) {
		close_fds(&rh);
		err = client_die(c, "malformed reply");
		goto out;
	}
	err = k->rep.err;
	if (!err && k->fd && k->fd_if_val && k->rep.val != 1) {
		/* A walk without its directory fd: val 0 and none. */
		if (k->rep.val != 0 || CMSG_FIRSTHDR(&rh)) {
			close_fds(&rh);
			err = client_die(c, "malformed reply");
			goto out;
		}
	} else if (!err && k->fd) {
		if (k->fd_if_val &&
		    !(k->rep.has_attr && S_ISDIR(k->rep.attr.mode))) {
			close_fds(&rh);
			err = client_die(c, "fd for a walk to a non-directory");
			goto out;
		}
		*k->fd = take_one_fd(&rh);
		if (*k->fd < 0) {
			err = client_die(c, "reply without its fd");
			goto out;
		}
	} else if (CMSG_FIRSTHDR(&rh)) {
		close_fds(&rh);
		err = client_die(c, "fd in a reply that has none");
		goto out;
	}
	if (!err && k->rep.len)
		memcpy(k->out, c->buf + sizeof(k->rep), k->rep.len);
out:
	pthread_mutex_unlock(&c->lock);
	return err;
}

static void attr_to_stat(const struct gofer_attr *a, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = a->dev;
	st->st_ino = a->ino;
	st->st_nlink = a->nlink;
	st->st_size = (off_t)a->size;
	st->st_blocks = (blkcnt_t)a->blocks;
	st->st_rdev = a->rdev;
	st->st_mode = a->mode;
	st->st_uid = a->uid;
	st->st_gid = a->gid;
	st->st_blksize = (blksize_t)a->blksize;
	st->st_atim.tv_sec = a->atime_sec;
	st->st_atim.tv_nsec = a->atime_nsec;
	st->st_mtim.tv_sec = a->mtime_sec;
	st->st_mtim.tv_nsec = a->mtime_nsec;
	st->st_ctim.tv_sec = a->ctime_sec;
	st->st_ctim.tv_nsec = a->ctime_nsec;
}

static bool name_arg_ok(const char *name)
{
	return name && gofer_name_ok(name, strnlen(name, GOFER_NAME_MAX + 1));
}

/* The reply of a call that makes a fid: hand it out, or clunk it when the
 * caller does not want it. */
static int got_fid(struct gofer_client *c, struct call *k, int err,
		   uint64_t *fid, struct stat *st)
{
	if (err)
		return err;
	if (!k->rep.has_attr)
		return -EIO;
	if (fid)
		*fid = k->rep.fid;
	else
		gofer_clunk(c, k->rep.fid);
	if (st)
		attr_to_stat(&k->rep.attr, st);
	return 0;
}

int gofer_attach(struct gofer_client *c, uint64_t *fid, struct stat *st)
{
	struct call k = {.q = {.op = GOFER_ATTACH}};
	return got_fid(c, &k, rpc(c, &k), fid, st);
}

int gofer_walk(struct gofer_client *c, uint64_t dir, const char *name,
	       uint64_t *fid, struct stat *st)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_WALK, .fid = dir}, .name = name};
	return got_fid(c, &k, rpc(c, &k), fid, st);
}

int gofer_walk_dir(struct gofer_client *c, uint64_t dir, const char *name,
		   uint64_t *fid, struct stat *st, int *dfd)
{
	*dfd = -1;
	if (!name_arg_ok(name))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_WALK, .fid = dir,
			       .flags = GOFER_WALK_OPEN_DIR},
			 .name = name, .fd = dfd, .fd_if_val = true};
	int err = got_fid(c, &k, rpc(c, &k), fid, st);
	if (err && *dfd >= 0) {
		close(*dfd);
		*dfd = -1;
	}
	return err;
}

int gofer_open(struct gofer_client *c, uint64_t fid, int flags, int *fd)
{
	struct call k = {.q = {.op = GOFER_OPEN, .fid = fid,
			       .flags = (uint32_t)flags & ~(uint32_t)O_CLOEXEC},
			 .fd = fd};
	return rpc(c, &k);
}

int gofer_create(struct gofer_client *c, uint64_t dir, const char *name,
		 int flags, mode_t mode, uint64_t *fid, struct stat *st,
		 int *fd)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	int hfd = -1;
	struct call k = {.q = {.op = GOFER_CREATE, .fid = dir,
			       .flags = (uint32_t)flags &
					~(uint32_t)(O_CLOEXEC | O_CREAT),
			       .mode = mode},
			 .name = name, .fd = &hfd};
	int err = got_fid(c, &k, rpc(c, &k), fid, st);
	if (err) {
		if (hfd >= 0)
			close(hfd);
		return err;
	}
	*fd = hfd;
	return 0;
}

int gofer_stat(struct gofer_client *c, uint64_t fid, struct stat *st)
{
	struct call k = {.q = {.op = GOFER_STAT, .fid = fid}};
	int err = rpc(c, &k);
	if (err)
		return err;
	if (!k.rep.has_attr)
		return -EIO;
	attr_to_stat(&k.rep.attr, st);
	return 0;
}

int gofer_statfs(struct gofer_client *c, uint64_t fid, struct statfs *sf)
{
	struct gofer_statfs g;
	struct call k = {.q = {.op = GOFER_STATFS, .fid = fid,
			       .count = sizeof(g)},
			 .out = &g};
	int err = rpc(c, &k);
	if (err)
		return err;
	if (k.rep.len != sizeof(g))
		return -EIO;
	memset(sf, 0, sizeof(*sf));
	sf->f_type = (__fsword_t)g.type;
	sf->f_bsize = (__fsword_t)g.bsize;
	sf->f_blocks = g.blocks;
	sf->f_bfree = g.bfree;
	sf->f_bavail = g.bavail;
	sf->f_files = g.files;
	sf->f_ffree = g.ffree;
	sf->f_namelen = (__fsword_t)g.namelen;
	sf->f_frsize = (__fsword_t)g.frsize;
	sf->f_flags = (__fsword_t)g.flags;
	return 0;
}

int gofer_mkdir(struct gofer_client *c, uint64_t dir, const char *name,
		mode_t mode, uint64_t *fid, struct stat *st)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_MKDIR, .fid = dir, .mode = mode},
			 .name = name};
	return got_fid(c, &k, rpc(c, &k), fid, st);
}

int gofer_mknod(struct gofer_client *c, uint64_t dir, const char *name,
		mode_t mode, uint64_t *fid, struct stat *st)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_MKNOD, .fid = dir, .mode = mode},
			 .name = name};
	return got_fid(c, &k, rpc(c, &k), fid, st);
}

int gofer_symlink(struct gofer_client *c, uint64_t dir, const char *name,
		  const char *target, uint64_t *fid, struct stat *st)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	size_t tlen = strnlen(target, 4096);
	if (tlen == 0)
		return -ENOENT;
	if (tlen >= 4096)
		return -ENAMETOOLONG;
	struct call k = {.q = {.op = GOFER_SYMLINK, .fid = dir},
			 .name = name, .data = target, .dlen = tlen};
	return got_fid(c, &k, rpc(c, &k), fid, st);
}

int gofer_link(struct gofer_client *c, uint64_t dir, const char *name,
	       uint64_t target, uint64_t *fid, struct stat *st)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_LINK, .fid = dir, .fid2 = target},
			 .name = name};
	return got_fid(c, &k, rpc(c, &k), fid, st);
}

int gofer_unlink(struct gofer_client *c, uint64_t dir, const char *name,
		 int flags)
{
	if (!name_arg_ok(name))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_UNLINK, .fid = dir,
			       .flags = (uint32_t)flags},
			 .name = name};
	return rpc(c, &k);
}

int gofer_rename(struct gofer_client *c, uint64_t olddir,
		 const char *oldname, uint64_t newdir, const char *newname,
		 unsigned int flags)
{
	if (!name_arg_ok(oldname) || !name_arg_ok(newname))
		return -EINVAL;
	struct call k = {.q = {.op = GOFER_RENAME, .fid = olddir,
			       .fid2 = newdir, .flags = flags},
			 .name = oldname, .name2 = newname};
	return rpc(c, &k);
}

ssize_t gofer_readlink(struct gofer_client *c, uint64_t fid, char *buf,
		       size_t len)
{
	char tmp[4096];
	struct call k = {.q = {.op = GOFER_READLINK, .fid = fid,
			       .count = sizeof(tmp)},
			 .out = tmp};
	int err = rpc(c, &k);
	if (err)
		return err;
	size_t n = RV_MIN((size_t)k.rep.len, len);
	memcpy(buf, tmp, n);
	return (ssize_t)n;
}

int gofer_chmod(struct gofer_client *c, uint64_t fid, mode_t mode)
{
	struct call k = {.q = {.op = GOFER_CHMOD, .fid = fid, .mode = mode}};
	return rpc(c, &k);
}

int gofer_chown(struct gofer_client *c, uint64_t fid, uid_t uid, gid_t gid)
{
	struct call k = {.q = {.op = GOFER_CHOWN, .fid = fid, .uid = uid,
			       .gid = gid}};
	return rpc(c, &k);
}

int gofer_utimens(struct gofer_client *c, uint64_t fid,
		  const struct timespec ts[2])
{
	struct call k = {.q = {.op = GOFER_UTIMENS, .fid = fid}};
	for (int i = 0; i < 2; i++) {
		k.q.times[2 * i] = ts ? ts[i].tv_sec : 0;
		k.q.times[2 * i + 1] = ts ? ts[i].tv_nsec : UTIME_NOW;
	}
	return rpc(c, &k);
}

int gofer_truncate(struct gofer_client *c, uint64_t fid, uint64_t size)
{
	struct call k = {.q = {.op = GOFER_TRUNCATE, .fid = fid, .arg = size}};
	return rpc(c, &k);
}

ssize_t gofer_getdents(struct gofer_client *c, uint64_t fid, uint64_t *off,
		       void *buf, size_t len)
{
	struct call k = {.q = {.op = GOFER_GETDENTS, .fid = fid, .arg = *off,
			       .count = (uint32_t)RV_MIN(len,
						(size_t)GOFER_DATA_MAX)},
			 .out = buf};
	int err = rpc(c, &k);
	if (err)
		return err;
	if (k.rep.len)
		*off = k.rep.val;
	return k.rep.len;
}

ssize_t gofer_getxattr(struct gofer_client *c, uint64_t fid, const char *name,
		       void *buf, size_t len)
{
	if (!name || !*name || strnlen(name, GOFER_NAME_MAX + 1) > GOFER_NAME_MAX)
		return -ERANGE;
	struct call k = {.q = {.op = GOFER_GETXATTR, .fid = fid,
			       .count = (uint32_t)RV_MIN(len,
						(size_t)GOFER_DATA_MAX)},
			 .name = name, .out = buf};
	int err = rpc(c, &k);
	return err ? err : (ssize_t)k.rep.val;
}

int gofer_setxattr(struct gofer_client *c, uint64_t fid, const char *name,
		   const void *val, size_t len, int flags)
{
	if (!name || !*name || strnlen(name, GOFER_NAME_MAX + 1) > GOFER_NAME_MAX)
		return -ERANGE;
	if (len > GOFER_DATA_MAX)
		return -E2BIG;
	struct call k = {.q = {.op = GOFER_SETXATTR, .fid = fid,
			       .flags = (uint32_t)flags},
			 .name = name, .data = val, .dlen = len};
	return rpc(c, &k);
}

ssize_t gofer_listxattr(struct gofer_client *c, uint64_t fid, char *buf,
			size_t len)
{
	struct call k = {.q = {.op = GOFER_LISTXATTR, .fid = fid,
			       .count = (uint32_t)RV_MIN(len,
						(size_t)GOFER_DATA_MAX)},
			 .out = buf};
	int err = rpc(c, &k);
	return err ? err : (ssize_t)k.rep.val;
}

int gofer_removexattr(struct gofer_client *c, uint64_t fid, const char *name)
{
	if (!name || !*name || strnlen(name, GOFER_NAME_MAX + 1) > GOFER_NAME_MAX)
		return -ERANGE;
	struct call k = {.q = {.op = GOFER_REMOVEXATTR, .fid = fid},
			 .name = name};
	return rpc(c, &k);
}

/* Nothing waits for a clunk's reply: the gofer closes the fid's fd while
 * the sentry goes on, and the next call reads the reply (drain_owed).
 * The gofer serves requests in order, so a later request never finds the
 * fid still open, and the fid is not handed out again before. */
void gofer_clunk(struct gofer_client *c, uint64_t fid)
{
	struct call k = {.q = {.op = GOFER_CLUNK, .fid = fid}, .nowait = true};
	(void)rpc(c, &k);
}
