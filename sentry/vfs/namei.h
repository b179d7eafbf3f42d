/* Path resolution and the per-task filesystem context, for the VFS, the
 * filesystems that need paths (/proc) and the syscall layer. */
#ifndef RV_VFS_NAMEI_H
#define RV_VFS_NAMEI_H

#include <limits.h>

#include "sentry/vfs/fs.h"

struct fs_context {
	_Atomic int refs;
	pthread_mutex_t lock;
	struct path root, cwd;
	uint32_t umask;
};

struct fs_context *fs_context_get(struct fs_context *);
/* Copies with references of the task's root and/or cwd (NULL: not wanted). */
void fs_context_get_paths(struct fs_context *, struct path *root,
			  struct path *cwd);
void fs_context_set_cwd(struct fs_context *, const struct path *);
void fs_context_set_root(struct fs_context *, const struct path *);
/* Returns the old umask; sets it when set >= 0. */
uint32_t fs_context_umask(struct fs_context *, int set);

/* The cwd of the first task (the caller's, when visible in the sandbox):
 * false when it is the root. */
bool vfs_initial_cwd(struct path *out);

enum { LAST_NORM, LAST_ROOT, LAST_DOT, LAST_DOTDOT };

/* The final component of a path, unresolved (for create/unlink/rename). */
struct last_component {
	int type;                  /* LAST_* */
	char name[NAME_MAX + 1];
	size_t len;
	bool trailing_slash;
};

#define WALK_FOLLOW 0x1
#define WALK_DIRECTORY 0x2

struct nameidata;
int vfs_walk(struct nameidata *, const char *path, unsigned int flags,
	     struct last_component *last);

/* Resolve path relative to dirfd (AT_FDCWD: cwd) with LOOKUP_* flags. The
 * result has references for the caller (path_put). */
int vfs_lookup(struct task *, int dirfd, const char *path,
	       unsigned int flags, struct path *out);
/* Resolve all but the last component. */
int vfs_lookup_parent(struct task *, int dirfd, const char *path,
		      struct path *parent, struct last_component *last);
/* vfs_lookup_parent relative to an explicit start (a symlink's dir). */
int vfs_lookup_parent_at(struct task *, const struct path *start,
			 const char *path, struct path *parent,
			 struct last_component *last);
/* Resolve relative to an explicit start (t may be NULL: global root). */
int vfs_lookup_at(struct task *, const struct path *start, const char *path,
		  unsigned int flags, struct path *out);
/* One child of a directory path (no permission check), mounts crossed. */
int vfs_lookup_one(const struct path *dir, const char *name, size_t len,
		   struct path *out);

#endif
