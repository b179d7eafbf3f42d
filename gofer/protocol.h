/* The gofer wire protocol: what the sentry and the gofer say to each other
 * over one unix SOCK_SEQPACKET socket. docs/gofer-protocol.md is the prose
 * version of this file; keep them in step.
 *
 * One request, one reply, in order. Every message is a fixed header
 * followed by a variable part whose length the header gives; a seqpacket
 * socket keeps message boundaries, so a message is one recvmsg(). Both
 * ends are the same ringvisor binary on the same host, so integers are
 * host-endian; fields still have fixed widths so that the layout never
 * depends on a compiler's idea of a struct stat.
 *
 * Objects are named by fids: small integers the gofer hands out (walk,
 * create, mkdir, ...) and the sentry returns (clunk). A fid stands for an
 * O_PATH host fd the gofer keeps; the sentry never holds a host fd of a
 * directory, so it never needs a path-based host call. Only open and
 * create donate a host fd (SCM_RIGHTS), opened for I/O. */
#ifndef RV_GOFER_PROTOCOL_H
#define RV_GOFER_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GOFER_VERSION 1

/* Longest name (one path component) and longest variable part. An xattr
 * value (XATTR_SIZE_MAX) is the largest thing that travels. */
#define GOFER_NAME_MAX 255
#define GOFER_DATA_MAX 65536
#define GOFER_MSG_MAX (sizeof(struct gofer_req) + 2 * GOFER_NAME_MAX + \
		       GOFER_DATA_MAX)

/* The most fids one gofer hands out at a time: a bound on the gofer's own
 * fd table, whatever the sentry asks. */
#define GOFER_MAX_FIDS 65536

enum gofer_op {
	GOFER_ATTACH = 1,  /* -> fid, attr of the root */
	GOFER_WALK,        /* fid, name, flags -> fid, attr (symlinks not
			    * followed); with GOFER_WALK_OPEN_DIR, a
			    * directory comes with a donated O_RDONLY fd */
	GOFER_OPEN,        /* fid, flags -> donated fd */
	GOFER_CREATE,      /* fid, name, flags, mode -> fid, attr, donated fd */
	GOFER_STAT,        /* fid -> attr */
	GOFER_STATFS,      /* fid -> statfs in the data */
	GOFER_MKDIR,       /* fid, name, mode -> fid, attr */
	GOFER_MKNOD,       /* fid, name, mode (S_IFIFO or S_IFSOCK) -> fid, attr */
	GOFER_SYMLINK,     /* fid, name, data = target -> fid, attr */
	GOFER_LINK,        /* fid = dir, name, fid2 = target -> fid, attr */
	GOFER_UNLINK,      /* fid, name, flags (AT_REMOVEDIR) */
	GOFER_RENAME,      /* fid, name, fid2, name2, flags (RENAME_*) */
	GOFER_READLINK,    /* fid -> data = target */
	GOFER_CHMOD,       /* fid, mode */
	GOFER_CHOWN,       /* fid, uid, gid (-1: unchanged) */
	GOFER_UTIMENS,     /* fid, times (UTIME_NOW/UTIME_OMIT honoured) */
	GOFER_TRUNCATE,    /* fid, arg = size */
	GOFER_GETDENTS,    /* fid, arg = offset, count -> data = linux_dirent64s,
			    * val = offset to continue from */
	GOFER_GETXATTR,    /* fid, name, count -> data = value, val = size */
	GOFER_SETXATTR,    /* fid, name, data = value, flags (XATTR_*) */
	GOFER_LISTXATTR,   /* fid, count -> data = names, val = size */
	GOFER_REMOVEXATTR, /* fid, name */
	GOFER_CLUNK,       /* fid: forget it */
	GOFER_OP_MAX,
};

/* WALK flags: also open the object when it is a directory, as OPEN with
 * O_RDONLY|O_DIRECTORY would, and donate that fd with the reply (val 1):
 * a walk the sentry makes to open a directory (a tree walk opens each one)
 * is then one round trip, not two. Not an error when the object is no
 * directory or the open fails: the reply then has val 0 and no fd. */
#define GOFER_WALK_OPEN_DIR 1U

/* A request: this header, then name (name_len bytes, no NUL), name2,
 * then data (len - name_len - name2_len bytes). */
struct gofer_req {
	uint32_t op;
	uint32_t len;       /* bytes after the header */
	uint16_t name_len;
	uint16_t name2_len;
	uint32_t flags;     /* open flags, AT_*, RENAME_*, XATTR_* */
	uint64_t fid;
	uint64_t fid2;
	uint64_t arg;       /* truncate size, getdents offset */
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t count;     /* most bytes of data wanted back */
	int64_t times[4];   /* atime sec, nsec, mtime sec, nsec */
};

/* Attributes of a file, as fstatat() gives them. */
struct gofer_attr {
	uint64_t dev;
	uint64_t ino;
	uint64_t nlink;
	uint64_t size;
	uint64_t blocks;
	uint64_t rdev;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t blksize;
	int64_t atime_sec, atime_nsec;
	int64_t mtime_sec, mtime_nsec;
	int64_t ctime_sec, ctime_nsec;
};

/* fstatfs() of the gofer's tree, in the data of a STATFS reply. */
struct gofer_statfs {
	uint64_t type;
	uint64_t bsize;
	uint64_t blocks;
	uint64_t bfree;
	uint64_t bavail;
	uint64_t files;
	uint64_t ffree;
	uint64_t namelen;
	uint64_t frsize;
	uint64_t flags;
};

/* A reply: this header, then len bytes of data. An OPEN or CREATE reply
 * with err == 0 carries exactly one fd in SCM_RIGHTS, a WALK reply one
 * when val is 1 (GOFER_WALK_OPEN_DIR); no other reply carries any. */
struct gofer_reply {
	int32_t err;        /* 0 or -errno */
	uint32_t len;
	uint64_t fid;       /* the new fid (walk, create, mkdir, ...) */
	uint64_t val;       /* getdents: next offset; xattr: size; walk: 1
			     * when a directory fd comes with it */
	uint32_t has_attr;
	uint32_t pad;
	struct gofer_attr attr;
};

/* The layout is the protocol: docs/gofer-protocol.md gives these sizes. */
_Static_assert(sizeof(struct gofer_req) == 88, "gofer_req layout");
_Static_assert(sizeof(struct gofer_reply) == 144, "gofer_reply layout");

/* One path component: what every name in a request must be. Both ends
 * check it; the gofer's check is the one that counts. */
static inline bool gofer_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > GOFER_NAME_MAX)
		return false;
	if (memchr(name, '/', len) || memchr(name, 0, len))
		return false;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return false;
	return true;
}

#endif
