/* inotify(7): watches on inodes and the events the VFS raises for changes
 * made through the sentry (changes made on the host behind the sandbox's
 * back are not seen). Watches are keyed by (superblock, inode number), so
 * filesystems that build a fresh struct inode per lookup (host, overlay)
 * are watched as well as tmpfs.
 *
 * The VFS calls the inotify_*() hooks below at one place per operation;
 * they cost one atomic load while no watch exists anywhere. */
#ifndef RV_FS_INOTIFY_H
#define RV_FS_INOTIFY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/inotify.h>

#include "sentry/vfs/fs.h"

/* Watches alive in the whole sandbox (the hooks' fast path). */
extern _Atomic int inotify_nwatches;

static inline bool inotify_active(void)
{
	return atomic_load_explicit(&inotify_nwatches, memory_order_relaxed);
}

/* Event on the file's inode, and on its parent directory with its name
 * (IN_ACCESS, IN_MODIFY, IN_OPEN, IN_CLOSE_*, IN_ATTRIB). */
void inotify__dentry(struct dentry *d, uint32_t mask);
/* Event in directory dir about entry name (IN_CREATE, IN_DELETE,
 * IN_MOVED_FROM/TO); child: the entry's inode (IN_ISDIR) or NULL. */
void inotify__dir(struct inode *dir, struct inode *child, const char *name,
		  size_t len, uint32_t mask, uint32_t cookie);
/* Event on the inode only (IN_ATTRIB of a link count, IN_MOVE_SELF). */
void inotify__inode(struct inode *i, uint32_t mask);
/* The inode is gone (last reference of an unlinked inode): IN_DELETE_SELF
 * and IN_IGNORED, and its watches end. */
void inotify__evict(struct inode *i);
/* A fresh non-zero cookie tying IN_MOVED_FROM to IN_MOVED_TO. */
uint32_t inotify_cookie(void);
/* The IN_ATTRIB/IN_MODIFY/IN_ACCESS mask a setattr raises (Linux's
 * fsnotify_change()); 0 for none. */
uint32_t inotify_setattr_mask(unsigned int attr_valid);

/* A caller about to hold a lock that delivering an event must not nest
 * in (splice holds a pipe's lock while the file is read or written, and
 * delivery takes vfs_ns_lock) defers the file events of its thread, and
 * raises them with inotify_defer_end() once the lock is dropped. */
void inotify_defer_begin(void);
void inotify_defer_end(void);
extern _Thread_local int inotify_deferring;
void inotify__defer(struct dentry *d, uint32_t mask);

static inline void inotify_dentry(struct dentry *d, uint32_t mask)
{
	if (inotify_active() && d && d->inode) {
		if (inotify_deferring)
			inotify__defer(d, mask);
		else
			inotify__dentry(d, mask);
	}
}

static inline void inotify_dir(struct inode *dir, struct inode *child,
			       const char *name, size_t len, uint32_t mask,
			       uint32_t cookie)
{
	if (inotify_active() && dir)
		inotify__dir(dir, child, name, len, mask, cookie);
}

static inline void inotify_inode(struct inode *i, uint32_t mask)
{
	if (inotify_active() && i)
		inotify__inode(i, mask);
}

static inline void inotify_evict(struct inode *i)
{
	if (inotify_active() && i->nlink == 0)
		inotify__evict(i);
}

/* --- the system calls' side --------------------------------------------- */
/* inotify_init1(2): flags IN_NONBLOCK | IN_CLOEXEC (checked by the
 * caller); EMFILE past max_user_instances. */
int inotify_create(int flags, struct file **out);
bool file_is_inotify(struct file *);
/* inotify_add_watch(2) on an already resolved inode: the watch descriptor
 * or -EEXIST (IN_MASK_CREATE) / -ENOSPC (max_user_watches). */
int inotify_add(struct file *f, struct inode *i, uint32_t mask);
/* inotify_rm_watch(2): 0 or -EINVAL. */
int inotify_rm(struct file *f, int wd);

#endif
