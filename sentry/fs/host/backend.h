/* The host operations the host filesystem needs, behind one small table so
 * that the gofer client (issue 5) can implement them instead of direct host
 * calls. A handle is a host fd opened O_PATH|O_NOFOLLOW that the sentry
 * owns (the gofer will donate them with SCM_RIGHTS); every operation works
 * on one component relative to a handle: no host path is ever resolved by
 * the host on the sandbox's behalf. */
#ifndef RV_FS_HOST_BACKEND_H
#define RV_FS_HOST_BACKEND_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

struct hostfs_backend {
	/* Root handle of the tree (--root). */
	int (*attach)(const char *root, int *out, struct stat *st);
	/* The child name of directory dir, symlinks not followed: a new
	 * handle and its attributes. name is one component (no '/', not "."
	 * or ".."). */
	int (*walk)(int dir, const char *name, int *out, struct stat *st);
	int (*stat)(int h, struct stat *st);
	/* An fd for I/O on the file behind h: flags O_RDONLY, optionally
	 * O_DIRECTORY (for getdents). */
	int (*open)(int h, int flags);
	ssize_t (*readlink)(int h, char *buf, size_t len);
	int (*statfs)(int h, struct statfs *sf);
	void (*close)(int h);
};

/* Direct host system calls (the sentry is not confined yet). */
extern const struct hostfs_backend hostfs_direct_backend;

#endif
