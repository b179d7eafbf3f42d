/* open(2): flag checks, O_CREAT/O_EXCL, permission, O_TRUNC, and the
 * filesystem's open hook (Linux's fs/open.c and do_last() in namei.c). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "sentry/fs/inotify/inotify.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/namei.h"

/* O_PATH descriptions: no I/O at all (every op NULL gives EBADF). */
static const struct file_operations path_fops;

bool vfs_path_rdonly(const struct path *p)
{
	return (p->mnt->flags & MS_RDONLY) || p->dentry->inode->sb->rdonly;
}

/* Size changes waiting for the mappings to drop their pages past the
 * end. A filesystem's setattr may call vfs_setattr on another one (the
 * overlay on its upper layer, under vfs_ns_lock); the mm's lock is
 * taken before vfs_ns_lock (/proc/PID/maps names files), so the pages
 * are unmapped only once the outermost setattr has returned. The
 * innermost inode is the one that mappings hold (overlay files are
 * opened on the upper inode). */
#define SETATTR_PENDING 4
static _Thread_local struct {
	int depth;
	size_t n;
	struct inode *ino[SETATTR_PENDING];
	uint64_t size[SETATTR_PENDING];
} setattr_tl;

static void setattr_unmap_pending(void)
{
	for (size_t k = 0; k < setattr_tl.n; k++) {
		mm_truncate_inode(setattr_tl.ino[k], setattr_tl.size[k]);
		inode_put(setattr_tl.ino[k]);
	}
	setattr_tl.n = 0;
}

static int do_setattr_fs(struct dentry *d, const struct iattr *ia)
{
	struct inode *i = d->inode;
	if (i->iops && i->iops->setattr)
		return i->iops->setattr(d, ia);
	if (ia->valid & ATTR_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&i->lock);
	if (ia->valid & ATTR_MODE)
		i->mode = (i->mode & S_IFMT) | (ia->mode & 07777);
	if (ia->valid & ATTR_UID)
		i->uid = ia->uid;
	if (ia->valid & ATTR_GID)
		i->gid = ia->gid;
	if (ia->valid & ATTR_ATIME)
		i->atime = ia->atime;
	if (ia->valid & ATTR_MTIME)
		i->mtime = ia->mtime;
	i->ctime = vfs_now();
	pthread_mutex_unlock(&i->lock);
	return 0;
}

static int do_setattr(struct dentry *d, const struct iattr *ia)
{
	struct inode *i = d->inode;

	pthread_mutex_lock(&i->lock);
	uint64_t old = i->size;
	pthread_mutex_unlock(&i->lock);
	setattr_tl.depth++;
	int err = do_setattr_fs(d, ia);
	setattr_tl.depth--;
	/* Only a shrink takes pages back (nothing is mapped past the old
	 * end). It also keeps the overlay's copy-up, which sets the size of
	 * a new upper file under vfs_ns_lock, away from the mm locks. */
	if (!err && (ia->valid & ATTR_SIZE) && S_ISREG(i->mode) &&
	    ia->size < old) {
		/* Only the innermost filesystem's inode is mapped: a newer
		 * entry for the same truncate (the overlay's own inode)
		 * joins the list harmlessly. */
		if (setattr_tl.n < SETATTR_PENDING) {
			setattr_tl.ino[setattr_tl.n] = inode_get(i);
			setattr_tl.size[setattr_tl.n++] = ia->size;
		} else {
			rv_err("vfs: truncate nested too deep; mappings keep "
			       "pages past the end");
		}
	}
	if (!setattr_tl.depth)
		setattr_unmap_pending();
	return err;
}

/* inotify: fsnotify_change()'s IN_ATTRIB / IN_MODIFY / IN_ACCESS. */
int vfs_setattr(struct dentry *d, const struct iattr *ia)
{
	int err = do_setattr(d, ia);
	uint32_t m = err ? 0 : inotify_setattr_mask(ia->valid);
	if (m)
		inotify_dentry(d, m);
	return err;
}

static int open_path(const struct cred *cred, const struct path *p,
		     int flags, bool created, struct file **out)
{
	struct inode *i = p->dentry->inode;
	int acc = flags & O_ACCMODE;
	int err;

	if (flags & O_PATH) {
		*out = file_alloc(p, i, &path_fops,
				  (unsigned)flags & (O_PATH | O_DIRECTORY |
						     O_NOFOLLOW));
		return 0;
	}
	if (acc == O_ACCMODE)
		return -EINVAL;
	if (S_ISLNK(i->mode))
		return -ELOOP; /* O_NOFOLLOW on a symlink */
	if (S_ISDIR(i->mode) && (acc != O_RDONLY || (flags & O_TRUNC)))
		return -EISDIR;
	if ((flags & O_DIRECTORY) && !S_ISDIR(i->mode))
		return -ENOTDIR;
	bool wr = acc != O_RDONLY || (flags & O_TRUNC);
	if (wr && vfs_path_rdonly(p) && !S_ISCHR(i->mode) &&
	    !S_ISFIFO(i->mode) && !S_ISSOCK(i->mode))
		return -EROFS;
	if (S_ISSOCK(i->mode))
		return -ENXIO;
	/* A device node on a nodev mount (mount(2) MS_NODEV) cannot be
	 * opened: EACCES, as Linux's may_open(). */
	if ((S_ISCHR(i->mode) || S_ISBLK(i->mode)) &&
	    (p->mnt->flags & MS_NODEV))
		return -EACCES;
	if (!created) {
		int mask = 0;
		if (acc == O_RDONLY || acc == O_RDWR)
			mask |= MAY_READ;
		if (wr)
			mask |= MAY_WRITE;
		err = inode_permission(cred, i, mask);
		if (err)
			return err;
	}
	/* Its IN_MODIFY follows IN_OPEN, as do_open() orders them. */
	bool truncated = false;
	if ((flags & O_TRUNC) && S_ISREG(i->mode) && !created) {
		struct iattr ia = {.valid = ATTR_SIZE, .size = 0};
		err = do_setattr(p->dentry, &ia);
		if (err)
			return err;
		truncated = true;
	}
	/* Linux keeps neither the creation flags nor O_CLOEXEC (a property of
	 * the fd) in f_flags; on 64-bit it always adds O_LARGEFILE. */
	unsigned int fl = ((unsigned)flags & ~(unsigned)(O_CREAT | O_EXCL |
			   O_NOCTTY | O_TRUNC | O_CLOEXEC)) | VFS_O_LARGEFILE;
	bool anon = p->mnt->flags & VFS_MNT_ANON;
	struct file *f = file_alloc(anon ? NULL : p, i, i->fops, fl);
	if (i->iops && i->iops->open) {
		err = i->iops->open(i, f);
		if (err) {
			f->ops = NULL; /* nothing to release */
			file_put(f);
			return err;
		}
	}
	if (!f->ops) {
		file_put(f);
		return -ENXIO;
	}
	inotify_dentry(f->dentry, IN_OPEN);
	if (truncated)
		inotify_dentry(f->dentry, IN_MODIFY);
	*out = f;
	return 0;
}

int vfs_open_path(const struct cred *cred, const struct path *p, int flags,
		  struct file **out)
{
	return open_path(cred, p, flags, false, out);
}

/* May cred create or delete names in directory dir? (may_create /
 * may_delete without the sticky bit subtleties beyond Linux's basic one.) */
int vfs_may_modify_dir(const struct cred *cred, const struct path *dir)
{
	if (vfs_path_rdonly(dir))
		return -EROFS;
	if (dir->dentry->dead)
		return -ENOENT;
	return inode_permission(cred, dir->dentry->inode, MAY_WRITE | MAY_EXEC);
}

/* How often open(O_CREAT) looks again after its create met a name made
 * meanwhile by someone outside the sandbox. Generous: a host process that
 * creates and deletes the name in a loop holds the directory's lock for
 * its creates, so ours queue behind them and fail while our walks land
 * between its unlink and its next create; measured with
 * tests/security/volume_creat_race.sh, a few opens in 3000 needed over 60
 * tries (each two gofer round trips), none near 1000. */
#define VFS_CREATE_RETRIES 1000

static int create_and_open(struct task *t, const struct path *dir,
			   const struct last_component *last, int flags,
			   mode_t mode, struct file **out)
{
	struct inode *di = dir->dentry->inode;
	int err = vfs_may_modify_dir(&t->cred, dir);
	if (err)
		return err;
	if (!di->iops || !di->iops->create)
		return -EACCES;
	uint32_t um = fs_context_umask(t->fs, -1);
	struct dentry *d = d_alloc(dir->dentry, last->name, last->len);
	err = di->iops->create(di, d, S_IFREG | (mode & 07777 & ~um),
			       &t->cred);
	if (err) {
		dput(d);
		return err;
	}
	if (di->sb->cache_dentries)
		d_add_child(d);
	inotify_dir(di, d->inode, d->name, d->namelen, IN_CREATE, 0);
	struct path p = {dir->mnt, d};
	err = open_path(&t->cred, &p, flags, true, out);
	dput(d);
	return err;
}

/* O_TMPFILE: an unnamed regular file in directory path (open(2)): made
 * by the filesystem's create and unlinked at once, so it lives exactly as
 * long as its descriptions. Filesystems without create: EOPNOTSUPP. */
static int open_tmpfile(struct task *t, int dirfd, const char *path,
			int flags, mode_t mode, struct file **out)
{
	static _Atomic unsigned long seq;
	int acc = flags & O_ACCMODE;
	if (acc != O_WRONLY && acc != O_RDWR)
		return -EINVAL;
	struct path dir;
	int err = vfs_lookup(t, dirfd, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
			     &dir);
	if (err)
		return err;
	struct inode *di = dir.dentry->inode;
	err = vfs_may_modify_dir(&t->cred, &dir);
	if (!err && (!di->iops || !di->iops->create || !di->iops->unlink))
		err = -EOPNOTSUPP;
	if (err) {
		path_put(&dir);
		return err;
	}
	char name[32];
	int n = snprintf(name, sizeof(name), "#%lu", atomic_fetch_add(&seq, 1));
	uint32_t um = fs_context_umask(t->fs, -1);
	struct dentry *d = d_alloc(dir.dentry, name, (size_t)n);
	pthread_mutex_lock(&vfs_ns_lock);
	err = di->iops->create(di, d, S_IFREG | (mode & 07777 & ~um), &t->cred);
	if (!err) {
		di->iops->unlink(di, d);
		d_drop(d);
	}
	pthread_mutex_unlock(&vfs_ns_lock);
	if (!err) {
		struct path p = {dir.mnt, d};
		err = open_path(&t->cred, &p, flags & ~O_TMPFILE, true, out);
	}
	dput(d);
	path_put(&dir);
	return err;
}

int vfs_openat(struct task *t, int dirfd, const char *path, int flags,
	       mode_t mode, struct file **out)
{
	struct path p;
	int err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return *path ? open_tmpfile(t, dirfd, path, flags, mode, out)
			     : -ENOENT;
	/* open(2): O_CREAT|O_DIRECTORY is EINVAL since Linux 6.4. */
	if ((flags & O_CREAT) && (flags & O_DIRECTORY))
		return -EINVAL;
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (!*path)
		return -ENOENT;

	if (!(flags & O_CREAT)) {
		unsigned int lf = (flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW;
		if (flags & O_DIRECTORY)
			lf |= LOOKUP_DIRECTORY;
		err = vfs_lookup(t, dirfd, path, lf, &p);
		if (err)
			return err;
		err = open_path(&t->cred, &p, flags, false, out);
		path_put(&p);
		return err;
	}

	struct path dir;
	struct last_component last;
	err = vfs_lookup_parent(t, dirfd, path, &dir, &last);
	if (err)
		return err;
	/* open(2) with O_CREAT follows a final symlink (unless O_EXCL or
	 * O_NOFOLLOW) and, when it dangles, creates its target. */
	for (int nlinks = 0, races = 0;; nlinks++) {
		if (last.type != LAST_NORM || last.trailing_slash) {
			err = -EISDIR;
			break;
		}
		pthread_mutex_lock(&vfs_ns_lock);
		err = vfs_lookup_one(&dir, last.name, last.len, &p);
		if (err == -ENOENT) {
			err = create_and_open(t, &dir, &last, flags, mode, out);
			pthread_mutex_unlock(&vfs_ns_lock);
			/* On a filesystem shared with the host (a volume, the
			 * root with --overlay=none) the name can appear between
			 * our lookup and the gofer's exclusive create. Without
			 * O_EXCL the caller asked to open whatever is there:
			 * look again and open it, a bounded number of times,
			 * as Linux's atomic_open retries a stale lookup. */
			if (err == -EEXIST && !(flags & O_EXCL) &&
			    ++races < VFS_CREATE_RETRIES) {
				nlinks--;
				continue;
			}
			break;
		}
		pthread_mutex_unlock(&vfs_ns_lock);
		if (err)
			break;
		struct inode *i = p.dentry->inode;
		if (flags & O_EXCL) {
			err = -EEXIST;
		} else if (!S_ISLNK(i->mode)) {
			err = open_path(&t->cred, &p, flags, false, out);
		} else if (flags & O_NOFOLLOW) {
			err = -ELOOP;
		} else if (nlinks >= 40) {
			err = -ELOOP;
		} else if (i->iops && i->iops->get_link) {
			/* A magic link: its target exists by definition. */
			struct path target;
			err = vfs_lookup_at(t, &dir, last.name, LOOKUP_FOLLOW,
					    &target);
			if (!err) {
				err = open_path(&t->cred, &target, flags, false,
						out);
				path_put(&target);
			}
		} else {
			/* Continue with the link's body, relative to dir. */
			char *body = rv_xmalloc(PATH_MAX);
			ssize_t n = i->iops && i->iops->readlink
					    ? i->iops->readlink(p.dentry, body,
								PATH_MAX - 1)
					    : -EINVAL;
			path_put(&p);
			if (n == 0)
				n = -ENOENT;
			if (n < 0) {
				free(body);
				err = (int)n;
				break;
			}
			body[n] = 0;
			struct path ndir;
			err = vfs_lookup_parent_at(t, &dir, body, &ndir, &last);
			free(body);
			if (err)
				break;
			path_put(&dir);
			dir = ndir;
			continue;
		}
		path_put(&p);
		break;
	}
	path_put(&dir);
	return err;
}
