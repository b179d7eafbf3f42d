/* The sentry's side of the gofer protocol (gofer/protocol.h).
 *
 * Synchronous: each call sends one request and waits for its reply. Any
 * number of task threads may call at once; requests on one client are
 * serialised (one socket, one gofer thread), which keeps the gofer simple
 * and its state out of reach of races. Calls return 0 (or a count) or
 * -errno, the host's errno as Linux would give it to the app.
 *
 * No reconnection: if the gofer dies, or answers something malformed, the
 * client is dead for good: every call returns -EIO and the dead hook runs
 * once (by default it prints a message and ends the sandbox). */
#ifndef RV_GOFER_CLIENT_H
#define RV_GOFER_CLIENT_H

#include <stdint.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <time.h>

struct gofer_client;

/* A client over sock (taken over). */
struct gofer_client *gofer_client_new(int sock);
void gofer_client_free(struct gofer_client *c);

/* What runs, once, when the gofer is found dead. The default prints
 * "ringvisor: the gofer died (...); stopping the sandbox" and exits the
 * sentry with status 1 (the monitor then ends everything). A unit test or
 * the runtime can replace it; a hook that returns leaves the client
 * failing every call with -EIO. */
void gofer_client_set_dead_hook(struct gofer_client *c,
				void (*hook)(const char *why));

/* Whose gofer this is, for the default hook's line: "the gofer of volume
 * NAME died (...)". NULL (the default) is the root's gofer. name must
 * outlive the client. */
void gofer_client_set_name(struct gofer_client *c, const char *name);

/* The root: a fid and its attributes. */
int gofer_attach(struct gofer_client *c, uint64_t *fid, struct stat *st);
/* One component below directory dir, symlinks never followed. name: no
 * '/', not "." or "..", 1..255 bytes (EINVAL otherwise, checked here and
 * again by the gofer). */
int gofer_walk(struct gofer_client *c, uint64_t dir, const char *name,
	       uint64_t *fid, struct stat *st);
/* gofer_walk, and when name is a directory also an fd of it opened
 * O_RDONLY|O_DIRECTORY (GOFER_WALK_OPEN_DIR) in *dfd, else -1: a walk to
 * open a directory in one round trip. */
int gofer_walk_dir(struct gofer_client *c, uint64_t dir, const char *name,
		   uint64_t *fid, struct stat *st, int *dfd);
/* A host fd for I/O on fid: flags O_RDONLY/O_WRONLY/O_RDWR, O_APPEND,
 * O_TRUNC, O_DIRECTORY, O_NONBLOCK, O_DSYNC, O_SYNC, O_NOATIME, O_DIRECT.
 * Regular files and directories only. The fd is close-on-exec. */
int gofer_open(struct gofer_client *c, uint64_t fid, int flags, int *fd);
/* A new regular file (always O_EXCL), its fid and an fd opened with
 * flags. */
int gofer_create(struct gofer_client *c, uint64_t dir, const char *name,
		 int flags, mode_t mode, uint64_t *fid, struct stat *st,
		 int *fd);
int gofer_stat(struct gofer_client *c, uint64_t fid, struct stat *st);
int gofer_statfs(struct gofer_client *c, uint64_t fid, struct statfs *sf);
/* The new objects come back as fids (fid, st may be NULL: then the fid
 * is clunked at once). */
int gofer_mkdir(struct gofer_client *c, uint64_t dir, const char *name,
		mode_t mode, uint64_t *fid, struct stat *st);
/* S_IFIFO or S_IFSOCK only (EPERM otherwise). */
int gofer_mknod(struct gofer_client *c, uint64_t dir, const char *name,
		mode_t mode, uint64_t *fid, struct stat *st);
int gofer_symlink(struct gofer_client *c, uint64_t dir, const char *name,
		  const char *target, uint64_t *fid, struct stat *st);
int gofer_link(struct gofer_client *c, uint64_t dir, const char *name,
	       uint64_t target, uint64_t *fid, struct stat *st);
/* flags: 0 or AT_REMOVEDIR. */
int gofer_unlink(struct gofer_client *c, uint64_t dir, const char *name,
		 int flags);
/* flags: RENAME_NOREPLACE, RENAME_EXCHANGE. */
int gofer_rename(struct gofer_client *c, uint64_t olddir,
		 const char *oldname, uint64_t newdir, const char *newname,
		 unsigned int flags);
/* Like readlink(2): no NUL added, the target truncated to len. */
ssize_t gofer_readlink(struct gofer_client *c, uint64_t fid, char *buf,
		       size_t len);
int gofer_chmod(struct gofer_client *c, uint64_t fid, mode_t mode);
/* (uid_t)-1 / (gid_t)-1 leave that id alone. */
int gofer_chown(struct gofer_client *c, uint64_t fid, uid_t uid, gid_t gid);
/* ts as for utimensat(2): UTIME_NOW, UTIME_OMIT; NULL for now. */
int gofer_utimens(struct gofer_client *c, uint64_t fid,
		  const struct timespec ts[2]);
int gofer_truncate(struct gofer_client *c, uint64_t fid, uint64_t size);
/* linux_dirent64 records from *off into buf; *off is then where the next
 * call goes on. 0 at the end of the directory. */
ssize_t gofer_getdents(struct gofer_client *c, uint64_t fid, uint64_t *off,
		       void *buf, size_t len);
/* Like the f*xattr(2) calls (len 0 asks for the size). */
ssize_t gofer_getxattr(struct gofer_client *c, uint64_t fid, const char *name,
		       void *buf, size_t len);
int gofer_setxattr(struct gofer_client *c, uint64_t fid, const char *name,
		   const void *val, size_t len, int flags);
ssize_t gofer_listxattr(struct gofer_client *c, uint64_t fid, char *buf,
			size_t len);
int gofer_removexattr(struct gofer_client *c, uint64_t fid,
		      const char *name);
/* Forget fid. Never fails as far as the caller is concerned. */
void gofer_clunk(struct gofer_client *c, uint64_t fid);

#endif
