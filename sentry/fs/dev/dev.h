/* /dev: a small tmpfs with the devices the sentry implements. */
#ifndef RV_FS_DEV_H
#define RV_FS_DEV_H

#include "sentry/vfs/fs.h"

int devfs_new_sb(struct super_block **sb, struct dentry **root);

/* Pseudo-terminals (pty.c): the /dev/pts directory, and /dev/ptmx's
 * open. */
void pty_init(struct dentry *pts_dir);
int pty_ptmx_open(struct inode *, struct file *);

#endif
