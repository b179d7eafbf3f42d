/* The host operations the host filesystem needs, behind one small table so
 * that the gofer client (issue 5) can implement them instead of direct host
 * calls. A handle is a host fd opened O_PATH|O_NOFOLLOW that the sentry
 * owns (the gofer will donate them with SCM_RIGHTS); every operation works
 * on one component relative to a handle: no host path is ever resolved by
 * the host on the sandbox's behalf. */
#ifndef RV_FS_HOST_BACKEND_H
#define RV_FS_HOST_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>

struct hostfs_backend {
	/* Root handle of the tree (--root). */
	int (*attach)(const char *root, int *out, struct stat *st);
	/* The child name of directory dir, symlinks not followed: a new
	 * handle and its attributes. name is one component (no '/', not "."
	 * or ".."). */
	int (*walk)(int dir, const char *name, int *out, struct stat *st);
	/* Optional: walk, and when name is a directory also an fd of it for
	 * getdents (as open(h, O_RDONLY|O_DIRECTORY) would give) in *dfd,
	 * else -1; one request where walk and open are two. */
	int (*walk_dir)(int dir, const char *name, int *out, struct stat *st,
			int *dfd);
	int (*stat)(int h, struct stat *st);
	/* An fd for I/O on the file behind h: flags O_RDONLY, optionally
	 * O_DIRECTORY (for getdents); O_WRONLY/O_RDWR on a writable
	 * backend. */
	int (*open)(int h, int flags);
	ssize_t (*readlink)(int h, char *buf, size_t len);
	int (*statfs)(int h, struct statfs *sf);
	void (*close)(int h);

	/* Changes (--overlay=none, writable volumes). A backend without
	 * them (NULL) serves a read-only tree. Names are one component as
	 * for walk; new objects come back as a handle and attributes. */
	/* A new regular file (always exclusive), its handle and an fd for
	 * I/O opened with flags (O_ACCMODE only). */
	int (*create)(int dir, const char *name, int flags, mode_t mode,
		      int *out, struct stat *st, int *fd);
	int (*mkdir)(int dir, const char *name, mode_t mode, int *out,
		     struct stat *st);
	/* S_IFIFO or S_IFSOCK only. */
	int (*mknod)(int dir, const char *name, mode_t mode, int *out,
		     struct stat *st);
	int (*symlink)(int dir, const char *name, const char *target,
		       int *out, struct stat *st);
	int (*link)(int dir, const char *name, int target, int *out,
		    struct stat *st);
	int (*unlink)(int dir, const char *name, int at_flags);
	int (*rename)(int odir, const char *oname, int ndir,
		      const char *nname, unsigned int flags);
	int (*chmod)(int h, mode_t mode);
	int (*chown)(int h, uid_t uid, gid_t gid);
	int (*utimens)(int h, const struct timespec ts[2]);
	int (*truncate)(int h, uint64_t size);
	ssize_t (*getxattr)(int h, const char *name, void *buf, size_t len);
	int (*setxattr)(int h, const char *name, const void *val, size_t len,
			int flags);
	ssize_t (*listxattr)(int h, char *buf, size_t len);
	int (*removexattr)(int h, const char *name);
};

/* Direct host system calls (the sentry is not confined yet). */
extern const struct hostfs_backend hostfs_direct_backend;

#endif
