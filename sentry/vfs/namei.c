/* The path walk (Linux's fs/namei.c): one component at a time from the
 * task's root, its cwd or a directory fd; symlinks are followed by the
 * sentry itself (a host symlink to /etc resolves inside the sandbox's
 * root), at most 40 of them (ELOOP); ".." never climbs above the task's
 * root and crosses mount points like Linux; names longer than NAME_MAX are
 * ENAMETOOLONG; a trailing slash demands a directory. */
#include "sentry/vfs/namei.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <string.h>

#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"

#define MAX_NESTED_LINKS 40

/* --- fs_context ------------------------------------------------------------ */

struct fs_context *fs_context_create_root(void)
{
	struct fs_context *fs = rv_xcalloc(1, sizeof(*fs));
	struct mount *m = vfs_root_mount();
	atomic_init(&fs->refs, 1);
	pthread_mutex_init(&fs->lock, NULL);
	fs->umask = 022;
	if (m) {
		fs->root = (struct path){mnt_get(m), dget(m->root)};
		if (!vfs_initial_cwd(&fs->cwd))
			fs->cwd = (struct path){mnt_get(m), dget(m->root)};
	}
	return fs;
}

struct fs_context *fs_context_copy(struct fs_context *src)
{
	struct fs_context *fs = rv_xcalloc(1, sizeof(*fs));
	atomic_init(&fs->refs, 1);
	pthread_mutex_init(&fs->lock, NULL);
	pthread_mutex_lock(&src->lock);
	fs->root = src->root;
	fs->cwd = src->cwd;
	if (fs->root.mnt)
		path_get(&fs->root);
	if (fs->cwd.mnt)
		path_get(&fs->cwd);
	fs->umask = src->umask;
	pthread_mutex_unlock(&src->lock);
	return fs;
}

struct fs_context *fs_context_get(struct fs_context *fs)
{
	atomic_fetch_add(&fs->refs, 1);
	return fs;
}

void fs_context_put(struct fs_context *fs)
{
	if (!fs || atomic_fetch_sub(&fs->refs, 1) != 1)
		return;
	if (fs->root.mnt)
		path_put(&fs->root);
	if (fs->cwd.mnt)
		path_put(&fs->cwd);
	pthread_mutex_destroy(&fs->lock);
	free(fs);
}

void fs_context_get_paths(struct fs_context *fs, struct path *root,
			  struct path *cwd)
{
	pthread_mutex_lock(&fs->lock);
	if (root) {
		*root = fs->root;
		path_get(root);
	}
	if (cwd) {
		*cwd = fs->cwd;
		path_get(cwd);
	}
	pthread_mutex_unlock(&fs->lock);
}

void fs_context_set_cwd(struct fs_context *fs, const struct path *p)
{
	struct path old;
	struct path np = *p;
	path_get(&np);
	pthread_mutex_lock(&fs->lock);
	old = fs->cwd;
	fs->cwd = np;
	pthread_mutex_unlock(&fs->lock);
	if (old.mnt)
		path_put(&old);
}

void fs_context_set_root(struct fs_context *fs, const struct path *p)
{
	struct path old;
	struct path np = *p;
	path_get(&np);
	pthread_mutex_lock(&fs->lock);
	old = fs->root;
	fs->root = np;
	pthread_mutex_unlock(&fs->lock);
	if (old.mnt)
		path_put(&old);
}

uint32_t fs_context_umask(struct fs_context *fs, int set)
{
	pthread_mutex_lock(&fs->lock);
	uint32_t old = fs->umask;
	if (set >= 0)
		fs->umask = (uint32_t)set & 0777;
	pthread_mutex_unlock(&fs->lock);
	return old;
}

/* --- walking ---------------------------------------------------------------- */

struct nameidata {
	const struct cred *cred;
	struct path root;
	struct path cur;
	int nlinks;
	/* openat2's RESOLVE_* flags for this walk (0 for every other
	 * lookup); linked: a symlink body is being walked, where an
	 * absolute path may not leave the mount under RESOLVE_NO_XDEV. */
	uint64_t resolve;
	bool linked;
};

/* The openat2 in progress on this sentry thread: its flags and, for the
 * scoped ones (RESOLVE_BENEATH, RESOLVE_IN_ROOT), the dirfd's path that
 * replaces the root of every walk it makes (Linux keeps the same state
 * in current->nameidata). NULL outside vfs_openat2. */
struct resolve_ctx {
	uint64_t flags;
	struct path root;
};
static __thread struct resolve_ctx *nd_resolve;

#define RESOLVE_SCOPED (RESOLVE_BENEATH | RESOLVE_IN_ROOT)

/* Take the openat2 context, if any, into a walk whose root is set. */
static void nd_take_resolve(struct nameidata *nd)
{
	struct resolve_ctx *rc = nd_resolve;
	if (!rc)
		return;
	nd->resolve = rc->flags;
	if (rc->flags & RESOLVE_SCOPED) {
		path_put(&nd->root);
		nd->root = rc->root;
		path_get(&nd->root);
	}
}

/* Moving nd->cur to p crosses a mount: EXDEV under RESOLVE_NO_XDEV. */
static int nd_xdev(const struct nameidata *nd, const struct path *p)
{
	if ((nd->resolve & RESOLVE_NO_XDEV) && p->mnt != nd->cur.mnt)
		return -EXDEV;
	return 0;
}

static void nd_set(struct nameidata *nd, struct path *p)
{
	/* takes over p's references */
	path_put_walk(&nd->cur);
	nd->cur = *p;
}

static void follow_mounts(struct path *p)
{
	struct mount *m;
	while ((m = vfs_mount_at(p->mnt, p->dentry))) {
		struct path np = {mnt_get(m), dget(m->root)};
		path_put_walk(p);
		*p = np;
	}
}

/* Is p root or below it, through dentry parents and mountpoints? Under
 * vfs_ns_lock. */
static bool path_under_locked(struct path p, const struct path *root)
{
	for (;;) {
		if (p.mnt == root->mnt && p.dentry == root->dentry)
			return true;
		if (p.dentry == p.mnt->root) {
			if (p.mnt->parent == p.mnt)
				return false;
			p.dentry = p.mnt->mountpoint;
			p.mnt = p.mnt->parent;
		} else if (p.dentry->parent == p.dentry) {
			return false; /* moved out of its mount's subtree */
		} else {
			p.dentry = p.dentry->parent;
		}
	}
}

static int follow_dotdot(struct nameidata *nd)
{
	struct mount *before = nd->cur.mnt;
	pthread_mutex_lock(&vfs_ns_lock);
	for (;;) {
		/* chroot(2) semantics: ".." of the root is the root;
		 * RESOLVE_BENEATH refuses to try (Linux: -EXDEV). */
		if (nd->cur.mnt == nd->root.mnt &&
		    nd->cur.dentry == nd->root.dentry) {
			if (nd->resolve & RESOLVE_BENEATH) {
				pthread_mutex_unlock(&vfs_ns_lock);
				return -EXDEV;
			}
			break;
		}
		if (nd->cur.dentry == nd->cur.mnt->root) {
			struct mount *m = nd->cur.mnt;
			if (m->parent == m)
				break;
			struct path np = {mnt_get(m->parent),
					  dget(m->mountpoint)};
			nd_set(nd, &np);
			continue;
		}
		struct path np = {mnt_get(nd->cur.mnt),
				  dget(nd->cur.dentry->parent)};
		nd_set(nd, &np);
		break;
	}
	follow_mounts(&nd->cur);
	/* A scoped walk whose directory was renamed out of the root while
	 * it was in it must not climb on from outside: Linux says EAGAIN
	 * when a rename raced with a scoped "..". */
	if ((nd->resolve & RESOLVE_SCOPED) &&
	    !path_under_locked(nd->cur, &nd->root)) {
		pthread_mutex_unlock(&vfs_ns_lock);
		return -EAGAIN;
	}
	pthread_mutex_unlock(&vfs_ns_lock);
	/* Stepping out of (or into) a mount: before still has the
	 * reference the walk's nd->root or an ancestor holds. */
	if ((nd->resolve & RESOLVE_NO_XDEV) && nd->cur.mnt != before)
		return -EXDEV;
	return 0;
}

/* The child name of dir (a directory path), mounts crossed. */
int vfs_lookup_one(const struct path *dir, const char *name, size_t len,
		   struct path *out)
{
	struct dentry *dd = dir->dentry;
	struct dentry *d;
	int err = 0;
	pthread_mutex_lock(&vfs_ns_lock);
	if (dd->dead) {
		err = -ENOENT;
		goto out;
	}
	d = d_lookup_cached(dd, name, len);
	if (!d) {
		struct inode *di = dd->inode;
		if (!di->iops || !di->iops->lookup) {
			err = -ENOENT;
			goto out;
		}
		char nm[NAME_MAX + 1];
		memcpy(nm, name, len);
		nm[len] = 0;
		err = di->iops->lookup(di, dd, nm, &d);
		if (err)
			goto out;
		if (di->sb->cache_dentries && !d->cached)
			d_add_child(d);
	}
	out->mnt = mnt_get(dir->mnt);
	out->dentry = d;
	follow_mounts(out);
out:
	pthread_mutex_unlock(&vfs_ns_lock);
	return err;
}

static bool is_symlink(const struct dentry *d)
{
	return d->inode && S_ISLNK(d->inode->mode);
}

/* Follow the symlink at p (nd->cur is its directory); result in nd->cur. */
static int follow_link(struct nameidata *nd, struct path *p)
{
	struct inode *i = p->dentry->inode;
	if (++nd->nlinks > MAX_NESTED_LINKS)
		return -ELOOP;
	if (nd->resolve & RESOLVE_NO_SYMLINKS)
		return -ELOOP;
	if (i->iops && i->iops->get_link) {
		/* Magic links (/proc/PID/fd/N…) jump anywhere: refused by
		 * RESOLVE_NO_MAGICLINKS (ELOOP) and by the scoped walks
		 * (EXDEV), as Linux's nd_jump_link(). */
		if (nd->resolve & RESOLVE_NO_MAGICLINKS)
			return -ELOOP;
		struct path target;
		int err = i->iops->get_link(p->dentry, &target);
		if (err)
			return err;
		if (!err && (nd->resolve & RESOLVE_SCOPED))
			err = -EXDEV;
		if (!err)
			err = nd_xdev(nd, &target);
		if (err) {
			path_put(&target);
			return err;
		}
		nd_set(nd, &target);
		return 0;
	}
	if (!i->iops || !i->iops->readlink)
		return -EINVAL;
	char *body = rv_xmalloc(PATH_MAX);
	ssize_t n = i->iops->readlink(p->dentry, body, PATH_MAX - 1);
	if (n < 0) {
		free(body);
		return (int)n;
	}
	body[n] = 0;
	if (n == 0) {
		free(body);
		return -ENOENT;
	}
	bool linked = nd->linked;
	nd->linked = true;
	int err = vfs_walk(nd, body, WALK_FOLLOW, NULL);
	nd->linked = linked;
	free(body);
	return err;
}

static int may_search(struct nameidata *nd)
{
	struct inode *i = nd->cur.dentry->inode;
	if (!i || !S_ISDIR(i->mode))
		return -ENOTDIR;
	return inode_permission(nd->cred, i, MAY_EXEC);
}

/* Walk path from nd->cur (or nd->root for absolute paths). With a non-NULL
 * last, the last component is not resolved: it is described in *last and
 * nd->cur is its directory. */
int vfs_walk(struct nameidata *nd, const char *path, unsigned int flags,
	     struct last_component *last)
{
	int err;
	if (*path == '/') {
		/* RESOLVE_BENEATH: no absolute path, given or in a link;
		 * RESOLVE_IN_ROOT: nd->root is the dirfd already. */
		if (nd->resolve & RESOLVE_BENEATH)
			return -EXDEV;
		if ((nd->resolve & RESOLVE_NO_XDEV) && nd->linked &&
		    nd->root.mnt != nd->cur.mnt)
			return -EXDEV;
		struct path r = nd->root;
		path_get(&r);
		nd_set(nd, &r);
		while (*path == '/')
			path++;
		if (!*path) {
			if (last) {
				last->type = LAST_ROOT;
				last->len = 0;
				last->trailing_slash = true;
			}
			return 0;
		}
	}
	for (;;) {
		const char *name = path;
		size_t len = 0;
		while (name[len] && name[len] != '/')
			len++;
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		path = name + len;
		bool slash = *path == '/';
		while (*path == '/')
			path++;
		bool is_last = !*path;
		int type = LAST_NORM;
		if (len == 1 && name[0] == '.')
			type = LAST_DOT;
		else if (len == 2 && name[0] == '.' && name[1] == '.')
			type = LAST_DOTDOT;

		err = may_search(nd);
		if (err)
			return err;
		if (is_last && last) {
			last->type = type;
			memcpy(last->name, name, len);
			last->name[len] = 0;
			last->len = len;
			last->trailing_slash = slash;
			return 0;
		}
		if (type == LAST_DOT) {
			/* nothing */
		} else if (type == LAST_DOTDOT) {
			err = follow_dotdot(nd);
			if (err)
				return err;
		} else {
			struct path child;
			err = vfs_lookup_one(&nd->cur, name, len, &child);
			if (err)
				return err;
			err = nd_xdev(nd, &child);
			if (err) {
				path_put(&child);
				return err;
			}
			bool follow = !is_last || slash ||
				      (flags & WALK_FOLLOW);
			if (is_symlink(child.dentry) && follow) {
				err = follow_link(nd, &child);
				path_put(&child);
				if (err)
					return err;
			} else {
				nd_set(nd, &child);
			}
		}
		if (is_last) {
			if ((slash || (flags & WALK_DIRECTORY)) &&
			    !d_is_dir(nd->cur.dentry))
				return -ENOTDIR;
			return 0;
		}
	}
}

/* Set up a walk: root from the task, start at dirfd/cwd. */
static int nd_init(struct nameidata *nd, struct task *t, int dirfd,
		   const char *path)
{
	memset(nd, 0, sizeof(*nd));
	nd->cred = &t->cred;
	fs_context_get_paths(t->fs, &nd->root, NULL);
	nd_take_resolve(nd);
	if (*path == '/' || dirfd == AT_FDCWD) {
		fs_context_get_paths(t->fs, NULL, &nd->cur);
		return 0;
	}
	struct file *f = fd_get(t->files, dirfd);
	if (!f) {
		path_put(&nd->root);
		return -EBADF;
	}
	if (!f->dentry || !f->mnt) {
		file_put(f);
		path_put(&nd->root);
		return -ENOTDIR;
	}
	nd->cur = (struct path){mnt_get(f->mnt), dget(f->dentry)};
	file_put(f);
	if (*path && !d_is_dir(nd->cur.dentry)) {
		path_put(&nd->cur);
		path_put(&nd->root);
		return -ENOTDIR;
	}
	return 0;
}

static void nd_done(struct nameidata *nd)
{
	path_put_walk(&nd->cur);
	path_put_walk(&nd->root);
}

int vfs_lookup(struct task *t, int dirfd, const char *path,
	       unsigned int flags, struct path *out)
{
	struct nameidata nd;
	if (!*path && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	int err = nd_init(&nd, t, dirfd, path);
	if (err)
		return err;
	if (*path)
		err = vfs_walk(&nd, path,
			       ((flags & LOOKUP_FOLLOW) ? WALK_FOLLOW : 0) |
				       ((flags & LOOKUP_DIRECTORY)
						? WALK_DIRECTORY
						: 0),
			       NULL);
	else if ((flags & LOOKUP_DIRECTORY) && !d_is_dir(nd.cur.dentry))
		err = -ENOTDIR;
	if (!err) {
		*out = nd.cur;
		path_get(out);
	}
	nd_done(&nd);
	return err;
}

int vfs_lookup_parent(struct task *t, int dirfd, const char *path,
		      struct path *parent, struct last_component *last)
{
	struct nameidata nd;
	if (!*path)
		return -ENOENT;
	int err = nd_init(&nd, t, dirfd, path);
	if (err)
		return err;
	err = vfs_walk(&nd, path, 0, last);
	if (!err) {
		*parent = nd.cur;
		path_get(parent);
	}
	nd_done(&nd);
	return err;
}

int vfs_lookup_parent_at(struct task *t, const struct path *start,
			 const char *path, struct path *parent,
			 struct last_component *last)
{
	struct nameidata nd;
	if (!*path)
		return -ENOENT;
	memset(&nd, 0, sizeof(nd));
	nd.cred = &t->cred;
	fs_context_get_paths(t->fs, &nd.root, NULL);
	nd_take_resolve(&nd);
	/* Called by open(O_CREAT) to go on with a final symlink's body. */
	nd.linked = true;
	nd.cur = *start;
	path_get(&nd.cur);
	int err = (nd.resolve & RESOLVE_NO_SYMLINKS) ? -ELOOP
						     : vfs_walk(&nd, path, 0,
								last);
	if (!err) {
		*parent = nd.cur;
		path_get(parent);
	}
	nd_done(&nd);
	return err;
}

int vfs_lookup_at(struct task *t, const struct path *start, const char *path,
		  unsigned int flags, struct path *out)
{
	struct nameidata nd;
	memset(&nd, 0, sizeof(nd));
	nd.cred = t ? &t->cred : NULL;
	if (t) {
		fs_context_get_paths(t->fs, &nd.root, NULL);
		nd_take_resolve(&nd);
	} else {
		struct mount *m = vfs_root_mount();
		nd.root = (struct path){mnt_get(m), dget(m->root)};
	}
	nd.cur = *start;
	path_get(&nd.cur);
	int err = vfs_walk(&nd, path,
			   (flags & LOOKUP_FOLLOW) ? WALK_FOLLOW : 0, NULL);
	if (!err) {
		*out = nd.cur;
		path_get(out);
	}
	nd_done(&nd);
	return err;
}

int vfs_openat2(struct task *t, int dirfd, const char *path, int flags,
		mode_t mode, uint64_t resolve, struct file **out)
{
	if (!resolve)
		return vfs_openat(t, dirfd, path, flags, mode, out);
	/* RESOLVE_CACHED: Linux refuses at once what may create or
	 * truncate; a lookup it would do in RCU mode succeeds here too. */
	if ((resolve & RESOLVE_CACHED) &&
	    (flags & (O_TRUNC | O_CREAT | O_TMPFILE)))
		return -EAGAIN;
	struct resolve_ctx rc = {.flags = resolve};
	if (resolve & RESOLVE_SCOPED) {
		/* The anchor is dirfd (or the cwd), even for an absolute
		 * path: it becomes the root of the walk. */
		if (dirfd == AT_FDCWD) {
			fs_context_get_paths(t->fs, NULL, &rc.root);
		} else {
			struct file *f = fd_get(t->files, dirfd);
			if (!f)
				return -EBADF;
			if (!f->dentry || !f->mnt) {
				file_put(f);
				return -ENOTDIR;
			}
			rc.root = (struct path){mnt_get(f->mnt),
						dget(f->dentry)};
			file_put(f);
		}
	}
	struct resolve_ctx *saved = nd_resolve;
	nd_resolve = &rc;
	int err = vfs_openat(t, dirfd, path, flags, mode, out);
	nd_resolve = saved;
	if (rc.root.mnt)
		path_put(&rc.root);
	return err;
}
