/* /proc: generated at open from the sentry's own state (tasks, mm, fds,
 * mounts); nothing of the host's /proc is shown except cpuinfo. */
#ifndef RV_FS_PROC_H
#define RV_FS_PROC_H

#include "sentry/vfs/fs.h"

int procfs_new_sb(struct super_block **sb, struct dentry **root);
/* The tgid of a /proc/<pid> directory open as f, else 0. */
int procfs_dir_tgid(struct file *f);

#endif
