/* The overlay filesystem: the root the app sees. A read-only lower layer
 * (the host tree, later the gofer's) under a writable upper layer (a tmpfs
 * in the memory file): the app may write, rename and delete anywhere and
 * nothing reaches the host. From the app's side it behaves like Linux's
 * overlayfs without redirect_dir, index or metacopy (see overlay.c). */
#ifndef RV_FS_OVERLAY_H
#define RV_FS_OVERLAY_H

#include <stdbool.h>

#include "sentry/fs/host/backend.h"
#include "sentry/vfs/fs.h"

/* statfs(2) f_type, as Linux's OVERLAYFS_SUPER_MAGIC. */
#define OVERLAYFS_MAGIC 0x794c7630

/* A new overlay over the lower tree at lower_root (any filesystem; its
 * dentries are only looked up, opened for reading and read) with a fresh
 * tmpfs of upper_max_bytes (0: the tmpfs default) as upper layer. Takes its
 * own reference on lower_root; *root is the overlay's root dentry with a
 * reference for the caller. 0 or -errno. */
int overlay_new_sb(struct dentry *lower_root, uint64_t upper_max_bytes,
		   struct super_block **sb, struct dentry **root);

/* Mount the sandbox's root filesystem at / (the first mount, in place of
 * vfs_init()'s read-only host mount): the host tree at host_root served by
 * backend (NULL: direct host calls) as the lower layer of an overlay whose
 * upper tmpfs holds at most upper_max_bytes of file data (0: the tmpfs
 * default; a write or copy-up beyond it is ENOSPC).
 *
 * writable_lower (--overlay=none): no overlay, the lower tree itself is
 * mounted read-write, so writes reach it through the backend (which must
 * have the change operations, as the gofer's has; one without them, like
 * the direct backend, gives a read-only root).
 * 0 or -errno. */
int overlay_mount_root(const struct hostfs_backend *backend,
		       const char *host_root, bool writable_lower,
		       uint64_t upper_max_bytes);

#endif
