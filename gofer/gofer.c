/* The gofer's request loop: every host file operation of a sandbox, done
 * one component at a time below the gofer's root.
 *
 * Why this cannot leave the root, even for a hostile sentry:
 *  - a fid is an O_PATH fd the gofer opened itself, below its root; the
 *    sentry only ever names fids by number, and a number the gofer did not
 *    hand out is EBADF;
 *  - names are single components: no '/', no NUL, not "." or "..". The
 *    sentry resolves ".." in its own dentry tree, so the gofer never has
 *    to go up and never can;
 *  - symlinks are never followed: openat2(RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS), or O_NOFOLLOW on one
 *    component where the host has no openat2. A symlink is returned as
 *    itself and the sentry reads its target (readlink) and walks it in the
 *    sandbox's namespace;
 *  - an object is re-opened for I/O through /proc/self/fd of the gofer
 *    (the fd it walked to), never through its name, so a rename race
 *    between walk and open cannot swap in something else;
 *  - device nodes are never opened (a host /dev/sda inside the root must
 *    not become the sandbox's disk) and only fifos and sockets can be
 *    made;
 *  - and the process itself is confined (gofer_spawn.c): its root is the
 *    sandbox root, no other mount is visible, its seccomp allowlist has no
 *    execve, no socket, no mount. */
#include "gofer/gofer.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "gofer/protocol.h"
#include "sentry/util.h"

struct gfid {
	int fd;        /* O_PATH, O_NOFOLLOW; -1 when the slot is free */
	mode_t mode;   /* file type: an inode never changes type */
};

struct gofer {
	int procfd;
	int sock;
	bool rdonly;
	struct gfid *fids;
	uint32_t nfids;    /* slots in fids */
	uint32_t nused;
	uint32_t hint;     /* where to look for a free slot first */
	bool no_openat2;
};

/* --- fids ------------------------------------------------------------------ */

/* A new fid for fd (taken over). Fid 0 is never handed out, so a zeroed
 * request can never name an object. */
static int fid_new(struct gofer *g, int fd, mode_t mode, uint64_t *out)
{
	if (g->nused >= GOFER_MAX_FIDS) {
		close(fd);
		return -EMFILE;
	}
	if (g->nused + 1 >= g->nfids) {
		uint32_t n = g->nfids ? g->nfids * 2 : 64;
		if (n > GOFER_MAX_FIDS + 1)
			n = GOFER_MAX_FIDS + 1;
		g->fids = rv_xrealloc(g->fids, n * sizeof(*g->fids));
		for (uint32_t i = g->nfids; i < n; i++)
			g->fids[i].fd = -1;
		g->nfids = n;
	}
	for (uint32_t k = 0; k < g->nfids; k++) {
		uint32_t i = (g->hint + k) % g->nfids;
		if (i == 0 || g->fids[i].fd >= 0)
			continue;
		g->fids[i].fd = fd;
		g->fids[i].mode = mode & S_IFMT;
		g->nused++;
		g->hint = i + 1;
		*out = i;
		return 0;
	}
	close(fd);
	return -EMFILE;
}

static struct gfid *fid_get(struct gofer *g, uint64_t fid)
{
	if (fid == 0 || fid >= g->nfids || g->fids[fid].fd < 0)
		return NULL;
	return &g->fids[fid];
}

static void fid_put(struct gofer *g, uint64_t fid)
{
	struct gfid *f = fid_get(g, fid);
	if (!f)
		return;
	close(f->fd);
	f->fd = -1;
	g->nused--;
}

/* --- helpers --------------------------------------------------------------- */

static void attr_from_stat(struct gofer_attr *a, const struct stat *st)
{
	memset(a, 0, sizeof(*a));
	a->dev = st->st_dev;
	a->ino = st->st_ino;
	a->nlink = st->st_nlink;
	a->size = (uint64_t)st->st_size;
	a->blocks = (uint64_t)st->st_blocks;
	a->rdev = st->st_rdev;
	a->mode = st->st_mode;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->blksize = (uint32_t)st->st_blksize;
	a->atime_sec = st->st_atim.tv_sec;
	a->atime_nsec = st->st_atim.tv_nsec;
	a->mtime_sec = st->st_mtim.tv_sec;
	a->mtime_nsec = st->st_mtim.tv_nsec;
	a->ctime_sec = st->st_ctim.tv_sec;
	a->ctime_nsec = st->st_ctim.tv_nsec;
}

static int stat_fd(int fd, struct stat *st)
{
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

/* Re-open the object behind an O_PATH fd through the gofer's own
 * /proc/self/fd: the inode walked to, whatever its name is now. */
static int reopen(struct gofer *g, int fd, int flags)
{
	char n[16];
	snprintf(n, sizeof(n), "%d", fd);
	int r = openat(g->procfd, n, flags | O_CLOEXEC | O_NOCTTY);
	return r < 0 ? -errno : r;
}

/* name below dir, never through a symlink, as an O_PATH fd. */
static int walk_one(struct gofer *g, int dir, const char *name)
{
	int fd;
	if (!g->no_openat2) {
		struct open_how how = {
			.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				   RESOLVE_NO_MAGICLINKS,
		};
		fd = (int)syscall(SYS_openat2, dir, name, &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS)
			return -errno;
		g->no_openat2 = true;
	}
	/* One component without '/' and not "..": nothing to resolve but
	 * the name itself, which O_NOFOLLOW keeps as it is. */
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* --- the operations ---------------------------------------------------------- */

struct msg {
	const struct gofer_req *req;
	const char *name, *name2, *data;
	size_t dlen;
	struct gofer_reply *rep;
	char *out;       /* reply data buffer, GOFER_DATA_MAX bytes */
	int fd_out;      /* fd to donate, -1 for none */
};

/* A walk result as a new fid with its attributes in the reply. */
static int reply_fid(struct gofer *g, struct msg *m, int fd)
{
	struct stat st;
	int err = stat_fd(fd, &st);
	if (err) {
		close(fd);
		return err;
	}
	err = fid_new(g, fd, st.st_mode, &m->rep->fid);
	if (err)
		return err;
	attr_from_stat(&m->rep->attr, &st);
	m->rep->has_attr = 1;
	return 0;
}

static int op_walk(struct gofer *g, struct gfid *d, struct msg *m)
{
	if (m->req->flags & ~GOFER_WALK_OPEN_DIR)
		return -EINVAL;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	int fd = walk_one(g, d->fd, m->name);
	if (fd < 0)
		return fd;
	int err = reply_fid(g, m, fd);
	if (err || !(m->req->flags & GOFER_WALK_OPEN_DIR) ||
	    !S_ISDIR(m->rep->attr.mode))
		return err;
	/* The open OPEN would make next (O_RDONLY|O_DIRECTORY, the same
	 * reopen of the walked inode); no fd when it fails, and the sentry
	 * then asks with OPEN as before. */
	int dfd = reopen(g, fd, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		m->fd_out = dfd;
		m->rep->val = 1;
	}
	return 0;
}

#define GOFER_OPEN_FLAGS (O_ACCMODE | O_APPEND | O_TRUNC | O_DIRECTORY | \
			  O_NONBLOCK | O_DSYNC | O_SYNC | O_NOATIME | \
			  O_DIRECT | O_LARGEFILE)

static int open_flags_ok(struct gofer *g, uint32_t flags)
{
	if (flags & ~(uint32_t)GOFER_OPEN_FLAGS)
		return -EINVAL;
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if (g->rdonly && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)))
		return -EROFS;
	return 0;
}

static int op_open(struct gofer *g, struct gfid *f, struct msg *m)
{
	int err = open_flags_ok(g, m->req->flags);
	if (err)
		return err;
	/* Only regular files and directories are opened on the host: a
	 * device node would give the sandbox the host's device, a fifo would
	 * block the sentry, a symlink is never followed here. */
	if (S_ISLNK(f->mode))
		return -ELOOP;
	if (S_ISCHR(f->mode) || S_ISBLK(f->mode))
		return -EACCES;
	if (!S_ISREG(f->mode) && !S_ISDIR(f->mode))
		return -ENXIO;
	int fd = reopen(g, f->fd, (int)m->req->flags);
	if (fd < 0)
		return fd;
	m->fd_out = fd;
	return 0;
}

static int op_create(struct gofer *g, struct gfid *d, struct msg *m)
{
	int err = open_flags_ok(g, m->req->flags & ~(uint32_t)O_EXCL);
	if (err)
		return err;
	if (g->rdonly)
		return -EROFS;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	if (m->req->flags & O_DIRECTORY)
		return -EINVAL;
	/* Always O_EXCL: create makes a new regular file and nothing else.
	 * Opening whatever already has the name (a fifo, a device node) is
	 * the job of walk + open, which check the type. */
	int oflags = (int)(m->req->flags & ~(uint32_t)O_TRUNC) | O_CREAT |
		     O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY;
	int fd = openat(d->fd, m->name, oflags, m->req->mode & 07777);
	if (fd < 0)
		return -errno;
	int pfd = reopen(g, fd, O_PATH);
	if (pfd < 0) {
		close(fd);
		return pfd;
	}
	err = reply_fid(g, m, pfd);
	if (err) {
		close(fd);
		return err;
	}
	m->fd_out = fd;
	return 0;
}

static int op_made(struct gofer *g, struct gfid *d, struct msg *m, int r)
{
	if (r < 0)
		return -errno;
	int fd = walk_one(g, d->fd, m->name);
	if (fd < 0)
		return fd;
	return reply_fid(g, m, fd);
}

static int op_mkdir(struct gofer *g, struct gfid *d, struct msg *m)
{
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	return op_made(g, d, m, mkdirat(d->fd, m->name, m->req->mode & 07777));
}

static int op_mknod(struct gofer *g, struct gfid *d, struct msg *m)
{
	mode_t mode = m->req->mode;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	/* Fifos and sockets only: a device node made on the host is a hole
	 * in the host, whatever the sandbox's own rules say. */
	if (!S_ISFIFO(mode) && !S_ISSOCK(mode))
		return -EPERM;
	if (mode & ~(mode_t)(S_IFMT | 07777))
		return -EINVAL;
	return op_made(g, d, m, mknodat(d->fd, m->name, mode, 0));
}

static int op_symlink(struct gofer *g, struct gfid *d, struct msg *m)
{
	char target[PATH_MAX];
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	/* The target is stored, never resolved by the gofer. */
	if (m->dlen == 0)
		return -ENOENT;
	if (m->dlen >= PATH_MAX)
		return -ENAMETOOLONG;
	if (memchr(m->data, 0, m->dlen))
		return -EINVAL;
	memcpy(target, m->data, m->dlen);
	target[m->dlen] = 0;
	return op_made(g, d, m, symlinkat(target, d->fd, m->name));
}

static int op_link(struct gofer *g, struct gfid *d, struct gfid *t,
		   struct msg *m)
{
	char n[16];
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	if (S_ISDIR(t->mode))
		return -EPERM;
	/* linkat(AT_EMPTY_PATH) needs CAP_DAC_READ_SEARCH; following the
	 * gofer's own /proc/self/fd link reaches the same inode without it.
	 * The target is a fid, so it is below the root by construction. */
	snprintf(n, sizeof(n), "%d", t->fd);
	return op_made(g, d, m, linkat(g->procfd, n, d->fd, m->name,
				       AT_SYMLINK_FOLLOW));
}

static int op_unlink(struct gofer *g, struct gfid *d, struct msg *m)
{
	(void)g;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	if (m->req->flags & ~(uint32_t)AT_REMOVEDIR)
		return -EINVAL;
	if (unlinkat(d->fd, m->name, (int)m->req->flags) < 0)
		return -errno;
	return 0;
}

static int op_rename(struct gofer *g, struct gfid *d, struct gfid *d2,
		     struct msg *m)
{
	(void)g;
	if (!S_ISDIR(d->mode) || !S_ISDIR(d2->mode))
		return -ENOTDIR;
	/* No RENAME_WHITEOUT: it makes a char device (0,0) on the host. */
	if (m->req->flags & ~(uint32_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	/* The raw call: glibc turns flags 0 into renameat, which the
	 * gofer's filter does not need to allow. */
	if (syscall(SYS_renameat2, d->fd, m->name, d2->fd, m->name2,
		    m->req->flags) < 0)
		return -errno;
	return 0;
}

static int op_readlink(struct gofer *g, struct gfid *f, struct msg *m)
{
	(void)g;
	if (!S_ISLNK(f->mode))
		return -EINVAL;
	ssize_t n = readlinkat(f->fd, "", m->out, PATH_MAX);
	if (n < 0)
		return -errno;
	m->rep->len = (uint32_t)n;
	return 0;
}

static int op_chmod(struct gofer *g, struct gfid *f, struct msg *m)
{
	char n[16];
	/* Linux has no mode on symlinks (fchmodat(AT_SYMLINK_NOFOLLOW)). */
	if (S_ISLNK(f->mode))
		return -EOPNOTSUPP;
	if (m->req->mode & ~07777U)
		return -EINVAL;
	snprintf(n, sizeof(n), "%d", f->fd);
	if (fchmodat(g->procfd, n, m->req->mode, 0) < 0)
		return -errno;
	return 0;
}

static int op_chown(struct gofer *g, struct gfid *f, struct msg *m)
{
	(void)g;
	if (fchownat(f->fd, "", (uid_t)m->req->uid, (gid_t)m->req->gid,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int op_utimens(struct gofer *g, struct gfid *f, struct msg *m)
{
	struct timespec ts[2] = {
		{.tv_sec = m->req->times[0], .tv_nsec = m->req->times[1]},
		{.tv_sec = m->req->times[2], .tv_nsec = m->req->times[3]},
	};
	/* utimensat(AT_EMPTY_PATH) (Linux 5.8+) works on the O_PATH fd and on
	 * symlinks; older hosts fall back to the /proc/self/fd link, which
	 * reaches anything but a symlink. */
	if (utimensat(f->fd, "", ts, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != EINVAL || S_ISLNK(f->mode))
		return -errno;
	char n[16];
	snprintf(n, sizeof(n), "%d", f->fd);
	if (utimensat(g->procfd, n, ts, 0) < 0)
		return -errno;
	return 0;
}

static int op_truncate(struct gofer *g, struct gfid *f, struct msg *m)
{
	if (S_ISDIR(f->mode))
		return -EISDIR;
	if (!S_ISREG(f->mode))
		return -EINVAL;
	if (m->req->arg > (uint64_t)INT64_MAX)
		return -EINVAL;
	int fd = reopen(g, f->fd, O_WRONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	int r = ftruncate(fd, (off_t)m->req->arg) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int op_getdents(struct gofer *g, struct gfid *f, struct msg *m)
{
	if (!S_ISDIR(f->mode))
		return -ENOTDIR;
	size_t count = RV_MIN((size_t)m->req->count, (size_t)GOFER_DATA_MAX);
	if (m->req->arg > (uint64_t)INT64_MAX)
		return -EINVAL;
	int fd = reopen(g, f->fd, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	int r = 0;
	if (lseek(fd, (off_t)m->req->arg, SEEK_SET) < 0) {
		r = -errno;
		goto out;
	}
	long n = syscall(SYS_getdents64, fd, m->out, count);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	off_t next = lseek(fd, 0, SEEK_CUR);
	if (next < 0) {
		r = -errno;
		goto out;
	}
	m->rep->len = (uint32_t)n;
	m->rep->val = (uint64_t)next;
out:
	close(fd);
	return r;
}

/* An fd to read or write the xattrs of f: only regular files and
 * directories are opened (see op_open); Linux keeps user.* xattrs off the
 * other types anyway. */
static int xattr_fd(struct gofer *g, struct gfid *f)
{
	if (!S_ISREG(f->mode) && !S_ISDIR(f->mode))
		return -EOPNOTSUPP;
	return reopen(g, f->fd, O_RDONLY | O_NONBLOCK);
}

/* xattr names may hold '/', but never NUL; the kernel bounds them at
 * XATTR_NAME_MAX (255) like a component. */
static int xattr_name(const struct msg *m, char *buf)
{
	size_t len = m->req->name_len;
	if (len == 0 || len > GOFER_NAME_MAX || memchr(m->name, 0, len))
		return -ERANGE;
	memcpy(buf, m->name, len);
	buf[len] = 0;
	return 0;
}

static int op_xattr(struct gofer *g, struct gfid *f, struct msg *m)
{
	char name[GOFER_NAME_MAX + 1];
	uint32_t op = m->req->op;
	size_t count = RV_MIN((size_t)m->req->count, (size_t)GOFER_DATA_MAX);
	int err = 0;
	ssize_t n = 0;

	if (op != GOFER_LISTXATTR && (err = xattr_name(m, name)))
		return err;
	/* Changes to user.* attributes only: trusted.* and security.* carry
	 * the host's own trust (file capabilities, LSM labels), system.* its
	 * ACLs; none of them is the sandbox's to set, whatever capabilities
	 * the gofer holds (Linux without CAP_SYS_ADMIN: EPERM). */
	if ((op == GOFER_SETXATTR || op == GOFER_REMOVEXATTR) &&
	    strncmp(name, "user.", 5) != 0)
		return -EPERM;
	if (op == GOFER_SETXATTR &&
	    (m->req->flags & ~(uint32_t)(XATTR_CREATE | XATTR_REPLACE)))
		return -EINVAL;
	int fd = xattr_fd(g, f);
	if (fd < 0)
		return fd;
	switch (op) {
	case GOFER_GETXATTR:
		n = fgetxattr(fd, name, count ? m->out : NULL, count);
		break;
	case GOFER_LISTXATTR:
		n = flistxattr(fd, count ? m->out : NULL, count);
		break;
	case GOFER_SETXATTR:
		n = fsetxattr(fd, name, m->data, m->dlen, (int)m->req->flags);
		break;
	case GOFER_REMOVEXATTR:
		n = fremovexattr(fd, name);
		break;
	}
	if (n < 0)
		err = -errno;
	close(fd);
	if (err)
		return err;
	if (op == GOFER_GETXATTR || op == GOFER_LISTXATTR) {
		m->rep->val = (uint64_t)n;
		m->rep->len = count ? (uint32_t)n : 0;
	}
	return 0;
}

static int op_statfs(struct gofer *g, struct gfid *f, struct msg *m)
{
	struct statfs s;
	struct gofer_statfs *o = (struct gofer_statfs *)m->out;
	(void)g;
	if (fstatfs(f->fd, &s) < 0)
		return -errno;
	memset(o, 0, sizeof(*o));
	o->type = (uint64_t)s.f_type;
	o->bsize = (uint64_t)s.f_bsize;
	o->blocks = s.f_blocks;
	o->bfree = s.f_bfree;
	o->bavail = s.f_bavail;
	o->files = s.f_files;
	o->ffree = s.f_ffree;
	o->namelen = (uint64_t)s.f_namelen;
	o->frsize = (uint64_t)s.f_frsize;
	o->flags = (uint64_t)s.f_flags;
	m->rep->len = sizeof(*o);
	return 0;
}

/* Which requests change the tree: all refused on a read-only gofer. */
static bool op_writes(uint32_t op)
{
	switch (op) {
	case GOFER_CREATE: case GOFER_MKDIR: case GOFER_MKNOD:
	case GOFER_SYMLINK: case GOFER_LINK: case GOFER_UNLINK:
	case GOFER_RENAME: case GOFER_CHMOD: case GOFER_CHOWN:
	case GOFER_UTIMENS: case GOFER_TRUNCATE: case GOFER_SETXATTR:
	case GOFER_REMOVEXATTR:
		return true;
	}
	return false;
}

/* Which requests carry a name (and a second one). */
static bool op_has_name(uint32_t op)
{
	switch (op) {
	case GOFER_WALK: case GOFER_CREATE: case GOFER_MKDIR:
	case GOFER_MKNOD: case GOFER_SYMLINK: case GOFER_LINK:
	case GOFER_UNLINK: case GOFER_RENAME:
		return true;
	}
	return false;
}

static int dispatch(struct gofer *g, int rootfd, struct msg *m)
{
	const struct gofer_req *q = m->req;
	struct gfid *f, *f2;

	if (q->op == GOFER_ATTACH) {
		int fd = reopen(g, rootfd, O_PATH);
		return fd < 0 ? fd : reply_fid(g, m, fd);
	}
	if (q->op == GOFER_CLUNK) {
		if (!fid_get(g, q->fid))
			return -EBADF;
		fid_put(g, q->fid);
		return 0;
	}
	/* Names: exactly where the op wants them, each one component. */
	if (op_has_name(q->op)) {
		if (!gofer_name_ok(m->name, q->name_len))
			return -EINVAL;
	} else if (q->name_len && q->op != GOFER_GETXATTR &&
		   q->op != GOFER_SETXATTR && q->op != GOFER_REMOVEXATTR) {
		return -EINVAL;
	}
	if (q->op == GOFER_RENAME) {
		if (!gofer_name_ok(m->name2, q->name2_len))
			return -EINVAL;
	} else if (q->name2_len) {
		return -EINVAL;
	}
	if (m->dlen && q->op != GOFER_SYMLINK && q->op != GOFER_SETXATTR)
		return -EINVAL;
	if (g->rdonly && op_writes(q->op))
		return -EROFS;
	if (!(f = fid_get(g, q->fid)))
		return -EBADF;

	switch (q->op) {
	case GOFER_WALK:
		return op_walk(g, f, m);
	case GOFER_OPEN:
		return op_open(g, f, m);
	case GOFER_CREATE:
		return op_create(g, f, m);
	case GOFER_STAT: {
		struct stat st;
		int err = stat_fd(f->fd, &st);
		if (!err) {
			attr_from_stat(&m->rep->attr, &st);
			m->rep->has_attr = 1;
		}
		return err;
	}
	case GOFER_STATFS:
		return op_statfs(g, f, m);
	case GOFER_MKDIR:
		return op_mkdir(g, f, m);
	case GOFER_MKNOD:
		return op_mknod(g, f, m);
	case GOFER_SYMLINK:
		return op_symlink(g, f, m);
	case GOFER_LINK:
		if (!(f2 = fid_get(g, q->fid2)))
			return -EBADF;
		return op_link(g, f, f2, m);
	case GOFER_UNLINK:
		return op_unlink(g, f, m);
	case GOFER_RENAME:
		if (!(f2 = fid_get(g, q->fid2)))
			return -EBADF;
		return op_rename(g, f, f2, m);
	case GOFER_READLINK:
		return op_readlink(g, f, m);
	case GOFER_CHMOD:
		return op_chmod(g, f, m);
	case GOFER_CHOWN:
		return op_chown(g, f, m);
	case GOFER_UTIMENS:
		return op_utimens(g, f, m);
	case GOFER_TRUNCATE:
		return op_truncate(g, f, m);
	case GOFER_GETDENTS:
		return op_getdents(g, f, m);
	case GOFER_GETXATTR:
	case GOFER_SETXATTR:
	case GOFER_LISTXATTR:
	case GOFER_REMOVEXATTR:
		return op_xattr(g, f, m);
	}
	return -ENOSYS;
}

/* --- the loop -------------------------------------------------------------- */

static int send_reply(int sock, const struct gofer_reply *rep,
		      const char *data, int fd)
{
	struct iovec iov[2] = {
		{.iov_base = (void *)rep, .iov_len = sizeof(*rep)},
		{.iov_base = (void *)data, .iov_len = rep->len},
	};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cm;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = rep->len ? 2 : 1};

	if (fd >= 0) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	for (;;) {
		if (sendmsg(sock, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int gofer_serve(int rootfd, int procfd, int sock, bool rdonly)
{
	struct gofer g = {.procfd = procfd, .sock = sock, .rdonly = rdonly};
	char *in = rv_xmalloc(GOFER_MSG_MAX);
	char *out = rv_xmalloc(GOFER_DATA_MAX);
	char name[GOFER_NAME_MAX + 1], name2[GOFER_NAME_MAX + 1];
	int ret = 0;

	for (;;) {
		struct iovec iov = {.iov_base = in, .iov_len = GOFER_MSG_MAX};
		/* No control buffer: fds the sentry might try to send us are
		 * dropped by the kernel (MSG_CTRUNC), never installed. */
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (n == 0)
			break; /* the sentry is gone */

		struct gofer_req q;
		struct gofer_reply rep;
		memset(&rep, 0, sizeof(rep));
		struct msg m = {.req = &q, .rep = &rep, .out = out,
				.fd_out = -1};
		int err;
		if ((size_t)n < sizeof(q) || (mh.msg_flags & MSG_TRUNC)) {
			err = -EINVAL;
			goto reply;
		}
		memcpy(&q, in, sizeof(q));
		/* The lengths must add up to exactly what arrived. */
		if (q.len != (size_t)n - sizeof(q) ||
		    (size_t)q.name_len + q.name2_len > q.len) {
			err = -EINVAL;
			goto reply;
		}
		if (q.name_len > GOFER_NAME_MAX || q.name2_len > GOFER_NAME_MAX) {
			err = -ENAMETOOLONG;
			goto reply;
		}
		/* Names get their NUL here: on the wire they have none, and
		 * what follows them is the next field, not a terminator. */
		memcpy(name, in + sizeof(q), q.name_len);
		name[q.name_len] = 0;
		memcpy(name2, in + sizeof(q) + q.name_len, q.name2_len);
		name2[q.name2_len] = 0;
		m.name = name;
		m.name2 = name2;
		m.data = in + sizeof(q) + q.name_len + q.name2_len;
		m.dlen = q.len - q.name_len - q.name2_len;
		err = dispatch(&g, rootfd, &m);
reply:
		rep.err = err;
		if (err) {
			rep.len = 0;
			rep.has_attr = 0;
		}
		int r = send_reply(sock, &rep, out, err ? -1 : m.fd_out);
		if (m.fd_out >= 0)
			close(m.fd_out);
		if (r < 0) {
			ret = r;
			break;
		}
	}
	for (uint32_t i = 0; i < g.nfids; i++)
		if (g.fids[i].fd >= 0)
			close(g.fids[i].fd);
	free(g.fids);
	free(in);
	free(out);
	return ret == -ECONNRESET || ret == -EPIPE ? 0 : ret;
}
