/* The host filesystem: a view of a host directory tree (the host's / or
 * --root, a --volume), read-only or writable through its backend. */
#ifndef RV_FS_HOST_H
#define RV_FS_HOST_H

#include "sentry/fs/host/backend.h"
#include "sentry/vfs/fs.h"

/* A superblock for the tree at root, served by backend; *droot is its root
 * dentry (reference for the caller). -errno when root cannot be opened. */
int hostfs_new_sb(const struct hostfs_backend *backend, const char *root,
		  struct super_block **sb, struct dentry **droot);
/* The same, writable when writable is true: every change goes to the
 * backend (which must have all the change operations: EROFS otherwise).
 * hostfs_new_sb() is this with writable false. */
int hostfs_new_sb_writable(const struct hostfs_backend *backend,
			   const char *root, bool writable,
			   struct super_block **sb, struct dentry **droot);

/* Keep up to max_unused unused dentries of sb cached (each holds one host
 * O_PATH fd); call before the tree is used. 0: no caching (the default). */
void hostfs_enable_dcache(struct super_block *sb, size_t max_unused);
/* The bound vfs_init() uses for the host root. */
#define HOSTFS_DCACHE_DEFAULT 4096

/* Files over a host fd the sentry owns (stdio, /dev/tty): see hostfd.c.
 * The file takes ownership of host_fd. */
struct file *hostfd_file_wrap(int host_fd, unsigned int flags);

/* Make f (being opened) a file over the host file of hf, which is
 * consumed (/dev/tty, reopens of stdio). */
void hostfd_take(struct file *f, struct file *hf);

#endif
