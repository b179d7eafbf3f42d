/* tmpfs: an in-memory filesystem whose file data lives in the memory file
 * (see tmpfs.c for the size limit). */
#ifndef RV_FS_TMPFS_H
#define RV_FS_TMPFS_H

#include "sentry/vfs/fs.h"

/* Default size limit of one tmpfs mount: 1 GiB of file data (half of what a
 * typical sandbox may use; like tmpfs's default of half of RAM). */
#define TMPFS_DEFAULT_MAX_BYTES (1ULL << 30)

/* A new tmpfs (max_bytes 0: the default); *root is its root dentry with a
 * reference for the caller. */
struct super_block *tmpfs_new_sb(uint64_t max_bytes, uint32_t root_mode,
				 struct dentry **root);

/* Add a node the sentry provides (device, directory, symlink) to a tmpfs
 * directory, at set-up: open is called to open a character device,
 * target is a symlink body. Returns the new dentry (borrowed). */
struct dentry *tmpfs_add_node(struct dentry *dir, const char *name,
			      uint32_t mode, dev_t rdev,
			      int (*open)(struct inode *, struct file *),
			      const char *target);

/* Remove a node added with tmpfs_add_node (if still there). */
void tmpfs_remove_node(struct dentry *d);

/* memfd_create(2): an unnamed tmpfs file open O_RDWR, "memfd:name";
 * sealing: MFD_ALLOW_SEALING (else F_SEAL_SEAL is set). Up to
 * MEMFD_MAX_BYTES of memfd data in the sandbox. */
#define MEMFD_MAX_BYTES (4ULL << 30)
int tmpfs_memfd_create(const char *name, bool sealing, const struct cred *c,
		       struct file **out);

#endif
