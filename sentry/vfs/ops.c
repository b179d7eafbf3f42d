/* The VFS side of the file system calls: I/O on file descriptions and the
 * namespace operations (mkdir, unlink, rename, link, …) with the checks
 * Linux makes before a filesystem is asked (fs/read_write.c, fs/namei.c,
 * fs/stat.c, fs/open.c, fs/attr.c). */
#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

#include "sentry/fs/inotify/inotify.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/namei.h"

/* --- I/O -------------------------------------------------------------------- */

static bool can_read(struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_RDONLY || acc == O_RDWR);
}

static bool can_write(struct file *f)
{
	int acc = f->flags & O_ACCMODE;
	return !(f->flags & O_PATH) && (acc == O_WRONLY || acc == O_RDWR);
}

int vfs_rw_check(struct file *f, bool write)
{
	if (!(write ? can_write(f) : can_read(f)))
		return -EBADF;
	/* A directory's read is generic_read_dir(): EISDIR, after the
	 * buffer's check. */
	if (!write && f->inode && S_ISDIR(f->inode->mode))
		return 0;
	if (!f->ops || !(write ? (void *)f->ops->write : (void *)f->ops->read))
		return -EINVAL;
	return 0;
}

/* rw_verify_area(): a range that ends past the largest file offset is
 * EINVAL, before the filesystem is asked (pread at INT64_MAX - 1). */
static bool range_bad(int64_t pos, const struct iovec *iov, int iovcnt)
{
	/* A negative position is a filesystem's own marker (host stdio
	 * files keep theirs in the host fd), not the app's. */
	if (pos < 0)
		return false;
	uint64_t end;
	if (__builtin_add_overflow((uint64_t)pos,
				   (uint64_t)vfs_iov_length(iov, iovcnt), &end))
		return true;
	return end > (uint64_t)INT64_MAX;
}

static ssize_t do_readv(struct file *f, const struct iovec *iov, int iovcnt,
			int64_t pos)
{
	if (!can_read(f))
		return -EBADF;
	if (f->inode && S_ISDIR(f->inode->mode))
		return -EISDIR;
	if (!f->ops || !f->ops->read)
		return -EINVAL;
	if (pos >= 0) {
		if (!f->ops->llseek)
			return -ESPIPE;
		if (range_bad(pos, iov, iovcnt))
			return -EINVAL;
		return f->ops->read(f, iov, iovcnt, &pos);
	}
	if (!f->ops->llseek)
		return f->ops->read(f, iov, iovcnt, NULL);
	/* The position lock makes concurrent reads of one description see
	 * disjoint ranges (Linux's f_pos_lock). */
	pthread_mutex_lock(&f->pos_lock);
	int64_t p = f->pos;
	ssize_t n = range_bad(p, iov, iovcnt)
			    ? -EINVAL
			    : f->ops->read(f, iov, iovcnt, &p);
	if (n > 0)
		f->pos = p;
	pthread_mutex_unlock(&f->pos_lock);
	return n;
}

/* inotify: IN_ACCESS / IN_MODIFY when bytes moved (fsnotify_access(),
 * fsnotify_modify()). */
ssize_t vfs_readv(struct file *f, const struct iovec *iov, int iovcnt,
		  int64_t pos)
{
	ssize_t n = do_readv(f, iov, iovcnt, pos);
	if (n > 0)
		inotify_dentry(f->dentry, IN_ACCESS);
	return n;
}

static ssize_t do_writev(struct file *f, const struct iovec *iov,
			 int iovcnt, int64_t pos)
{
	if (!can_write(f))
		return -EBADF;
	if (!f->ops || !f->ops->write)
		return -EINVAL;
	if (pos >= 0) {
		if (!f->ops->llseek)
			return -ESPIPE;
		if (range_bad(pos, iov, iovcnt))
			return -EINVAL;
		return f->ops->write(f, iov, iovcnt, &pos);
	}
	if (!f->ops->llseek)
		return f->ops->write(f, iov, iovcnt, NULL);
	pthread_mutex_lock(&f->pos_lock);
	int64_t p = f->pos;
	/* O_APPEND writes at the end, whatever the position says. */
	ssize_t n = !(f->flags & O_APPEND) && range_bad(p, iov, iovcnt)
			    ? -EINVAL
			    : f->ops->write(f, iov, iovcnt, &p);
	if (n > 0)
		f->pos = p;
	pthread_mutex_unlock(&f->pos_lock);
	return n;
}

ssize_t vfs_writev(struct file *f, const struct iovec *iov, int iovcnt,
		   int64_t pos)
{
	ssize_t n = do_writev(f, iov, iovcnt, pos);
	if (n > 0)
		inotify_dentry(f->dentry, IN_MODIFY);
	return n;
}

int64_t vfs_llseek(struct file *f, int64_t off, int whence)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->ops || !f->ops->llseek)
		return -ESPIPE;
	pthread_mutex_lock(&f->pos_lock);
	int64_t r = f->ops->llseek(f, off, whence);
	pthread_mutex_unlock(&f->pos_lock);
	return r;
}

int vfs_iterate_dir(struct file *f, struct dir_context *ctx)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->inode || !S_ISDIR(f->inode->mode) || !f->ops ||
	    !f->ops->iterate)
		return -ENOTDIR;
	if (f->dentry && f->dentry->dead)
		return -ENOENT;
	pthread_mutex_lock(&f->pos_lock);
	ctx->pos = f->pos;
	int err = 0;
	/* "." and ".." at positions 0 and 1, like dir_emit_dots(). */
	if (ctx->pos == 0) {
		if (ctx->emit(ctx, ".", 1, f->inode->ino, DT_DIR, 1))
			goto out;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		struct dentry *pd = f->dentry ? f->dentry->parent : NULL;
		uint64_t ino = pd && pd->inode ? pd->inode->ino : f->inode->ino;
		if (ctx->emit(ctx, "..", 2, ino, DT_DIR, 2))
			goto out;
		ctx->pos = 2;
	}
	err = f->ops->iterate(f, ctx);
out:
	f->pos = ctx->pos;
	pthread_mutex_unlock(&f->pos_lock);
	/* iterate_dir(): every getdents of a live directory is an access. */
	inotify_dentry(f->dentry, IN_ACCESS);
	return err;
}

int vfs_ftruncate(struct file *f, int64_t len)
{
	if (len < 0)
		return -EINVAL;
	if (!f->inode || !S_ISREG(f->inode->mode))
		return -EINVAL;
	if (!can_write(f))
		return -EINVAL; /* ftruncate(2): "not open for writing" */
	if (f->flags & O_APPEND)
		return -EPERM;
	struct iattr ia = {.valid = ATTR_SIZE, .size = (uint64_t)len};
	if (!f->dentry) {
		/* Stdio redirected to a file: the inode's own setattr. */
		struct dentry anon = {.inode = f->inode};
		anon.parent = &anon;
		if (!f->inode->iops || !f->inode->iops->setattr)
			return -EINVAL;
		pthread_mutex_lock(&f->inode->lock);
		uint64_t old = f->inode->size;
		pthread_mutex_unlock(&f->inode->lock);
		int err = f->inode->iops->setattr(&anon, &ia);
		/* Mappings lose the pages past a new, smaller end. */
		if (!err && ia.size < old)
			mm_truncate_inode(f->inode, ia.size);
		return err;
	}
	struct path p = {f->mnt, f->dentry};
	if (vfs_path_rdonly(&p))
		return -EROFS;
	return vfs_setattr(f->dentry, &ia);
}

int vfs_fsync(struct file *f)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (f->ops && f->ops->fsync)
		return f->ops->fsync(f);
	/* Pipes, sockets, ttys: EINVAL (fsync(2)); in-memory files: done. */
	if (f->inode && (S_ISFIFO(f->inode->mode) || S_ISSOCK(f->inode->mode)))
		return -EINVAL;
	return 0;
}

long vfs_ioctl(struct file *f, struct task *t, unsigned int cmd,
	       uint64_t arg)
{
	if (f->flags & O_PATH)
		return -EBADF;
	if (!f->ops || !f->ops->ioctl)
		return -ENOTTY;
	return f->ops->ioctl(f, t, cmd, arg);
}

/* --- metadata ------------------------------------------------------------- */

static unsigned int at_lookup_flags(int at_flags)
{
	unsigned int lf = 0;
	if (!(at_flags & AT_SYMLINK_NOFOLLOW))
		lf |= LOOKUP_FOLLOW;
	if (at_flags & AT_EMPTY_PATH)
		lf |= LOOKUP_EMPTY;
	return lf;
}

int vfs_getattr(const struct path *p, struct kstat *st)
{
	struct inode *i = p->dentry->inode;
	if (i->iops && i->iops->getattr)
		return i->iops->getattr(p->dentry, st);
	inode_fill_kstat(i, st);
	return 0;
}

int vfs_statat(struct task *t, int dirfd, const char *path, int at_flags,
	       struct kstat *st)
{
	struct path p;
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
			 AT_STATX_SYNC_TYPE))
		return -EINVAL;
	/* fstatat(fd, "", AT_EMPTY_PATH) on a pipe or other anonymous file. */
	if (!*path && (at_flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		struct file *f = fd_get(t->files, dirfd);
		if (!f)
			return -EBADF;
		int err = vfs_fstat(f, st);
		file_put(f);
		return err;
	}
	int err = vfs_lookup(t, dirfd, path, at_lookup_flags(at_flags), &p);
	if (err)
		return err;
	err = vfs_getattr(&p, st);
	path_put(&p);
	return err;
}

ssize_t vfs_readlinkat(struct task *t, int dirfd, const char *path,
		       char *buf, size_t len)
{
	struct path p;
	if (len == 0)
		return -EINVAL;
	int err = vfs_lookup(t, dirfd, path, LOOKUP_EMPTY, &p);
	if (err)
		return err;
	struct inode *i = p.dentry->inode;
	ssize_t n;
	if (!S_ISLNK(i->mode) || !i->iops || !i->iops->readlink) {
		/* readlinkat(fd, "") of a non-symlink: ENOENT (Linux). */
		n = *path ? -EINVAL : -ENOENT;
	} else {
		n = i->iops->readlink(p.dentry, buf, len);
		if (n >= 0)
			inode_touch(i, true, false, false);
	}
	path_put(&p);
	return n;
}

int vfs_accessat(struct task *t, int dirfd, const char *path, int mode,
		 int at_flags)
{
	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (at_flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int err = vfs_lookup(t, dirfd, path, at_lookup_flags(at_flags), &p);
	if (err)
		return err;
	/* access(2) uses the real ids, AT_EACCESS the effective ones. */
	struct cred c = t->cred;
	if (!(at_flags & AT_EACCESS)) {
		c.fsuid = c.uid;
		c.fsgid = c.gid;
	}
	int mask = ((mode & R_OK) ? MAY_READ : 0) |
		   ((mode & W_OK) ? MAY_WRITE : 0) |
		   ((mode & X_OK) ? MAY_EXEC : 0);
	struct inode *i = p.dentry->inode;
	if ((mode & W_OK) && vfs_path_rdonly(&p) &&
	    (S_ISREG(i->mode) || S_ISDIR(i->mode) || S_ISLNK(i->mode)))
		err = -EROFS;
	else if (mask)
		err = inode_permission(&c, i, mask);
	path_put(&p);
	return err;
}

int vfs_chdir(struct task *t, int dirfd, const char *path)
{
	struct path p;
	int err = vfs_lookup(t, dirfd, path,
			     LOOKUP_FOLLOW | LOOKUP_DIRECTORY | LOOKUP_EMPTY,
			     &p);
	if (err)
		return err;
	err = inode_permission(&t->cred, p.dentry->inode, MAY_EXEC);
	if (!err)
		fs_context_set_cwd(t->fs, &p);
	path_put(&p);
	return err;
}

int vfs_getcwd(struct task *t, char *buf, size_t len)
{
	struct path root, cwd;
	fs_context_get_paths(t->fs, &root, &cwd);
	int n;
	pthread_mutex_lock(&vfs_ns_lock);
	if (cwd.dentry->dead) {
		n = -ENOENT; /* getcwd(2): the cwd has been unlinked */
	} else {
		n = vfs_path_string(&cwd, &root, buf, len);
		if (n == -ENAMETOOLONG)
			n = -ERANGE;
	}
	pthread_mutex_unlock(&vfs_ns_lock);
	path_put(&root);
	path_put(&cwd);
	return n;
}

/* --- namespace changes ------------------------------------------------------ */

/* Look up the parent of path and check that its last component may be
 * created: returns with vfs_ns_lock held and a negative dentry in *d. */
static int create_prepare(struct task *t, int dirfd, const char *path,
			  bool is_dir, struct path *dir, struct dentry **d)
{
	struct last_component last;
	int err = vfs_lookup_parent(t, dirfd, path, dir, &last);
	if (err)
		return err;
	if (last.type != LAST_NORM) {
		path_put(dir);
		return -EEXIST;
	}
	pthread_mutex_lock(&vfs_ns_lock);
	struct path ex;
	err = vfs_lookup_one(dir, last.name, last.len, &ex);
	if (!err) {
		path_put(&ex);
		err = -EEXIST;
	} else if (err == -ENOENT) {
		/* "name/" may only create a directory. */
		if (last.trailing_slash && !is_dir)
			err = -ENOENT;
		else
			err = vfs_may_modify_dir(&t->cred, dir);
	}
	if (err) {
		pthread_mutex_unlock(&vfs_ns_lock);
		path_put(dir);
		return err;
	}
	*d = d_alloc(dir->dentry, last.name, last.len);
	return 0;
}

static void create_finish(struct path *dir, struct dentry *d, int err)
{
	if (!err && dir->dentry->inode->sb->cache_dentries)
		d_add_child(d);
	if (!err)
		inotify_dir(dir->dentry->inode, d->inode, d->name, d->namelen,
			    IN_CREATE, 0);
	pthread_mutex_unlock(&vfs_ns_lock);
	dput(d);
	path_put(dir);
}

int vfs_mkdirat(struct task *t, int dirfd, const char *path, mode_t mode)
{
	struct path dir;
	struct dentry *d;
	int err = create_prepare(t, dirfd, path, true, &dir, &d);
	if (err)
		return err;
	struct inode *di = dir.dentry->inode;
	uint32_t um = fs_context_umask(t->fs, -1);
	if (!di->iops || !di->iops->mkdir)
		err = -EPERM;
	else
		err = di->iops->mkdir(di, d, S_IFDIR | (mode & 07777 & ~um),
				      &t->cred);
	create_finish(&dir, d, err);
	return err;
}

int vfs_mknodat(struct task *t, int dirfd, const char *path, mode_t mode,
		dev_t dev)
{
	uint32_t type = mode & S_IFMT;
	if (type == 0)
		type = S_IFREG;
	/* No device nodes inside the sandbox: they would reach host devices
	 * (Linux without CAP_MKNOD: EPERM). */
	if (type == S_IFCHR || type == S_IFBLK)
		return -EPERM;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFSOCK)
		return -EINVAL;
	struct path dir;
	struct dentry *d;
	int err = create_prepare(t, dirfd, path, false, &dir, &d);
	if (err)
		return err;
	struct inode *di = dir.dentry->inode;
	uint32_t um = fs_context_umask(t->fs, -1);
	uint32_t m = type | (mode & 07777 & ~um);
	if (type == S_IFREG && di->iops && di->iops->create)
		err = di->iops->create(di, d, m, &t->cred);
	else if (di->iops && di->iops->mknod)
		err = di->iops->mknod(di, d, m, dev, &t->cred);
	else
		err = -EPERM;
	create_finish(&dir, d, err);
	return err;
}

int vfs_symlinkat(struct task *t, const char *target, int dirfd,
		  const char *path)
{
	if (!*target)
		return -ENOENT;
	struct path dir;
	struct dentry *d;
	int err = create_prepare(t, dirfd, path, false, &dir, &d);
	if (err)
		return err;
	struct inode *di = dir.dentry->inode;
	if (!di->iops || !di->iops->symlink)
		err = -EPERM;
	else
		err = di->iops->symlink(di, d, target, &t->cred);
	create_finish(&dir, d, err);
	return err;
}

int vfs_linkat(struct task *t, int olddirfd, const char *oldpath,
	       int newdirfd, const char *newpath, int at_flags)
{
	if (at_flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path old;
	unsigned int lf = (at_flags & AT_SYMLINK_FOLLOW) ? LOOKUP_FOLLOW : 0;
	if (at_flags & AT_EMPTY_PATH)
		lf |= LOOKUP_EMPTY;
	int err = vfs_lookup(t, olddirfd, oldpath, lf, &old);
	if (err)
		return err;
	if (S_ISDIR(old.dentry->inode->mode)) {
		path_put(&old);
		return -EPERM;
	}
	struct path dir;
	struct dentry *d;
	err = create_prepare(t, newdirfd, newpath, false, &dir, &d);
	if (err) {
		path_put(&old);
		return err;
	}
	struct inode *di = dir.dentry->inode;
	if (dir.mnt != old.mnt)
		err = -EXDEV;
	else if (old.dentry->inode->nlink == 0)
		err = -ENOENT; /* linking an unlinked file (no O_TMPFILE) */
	else if (!di->iops || !di->iops->link)
		err = -EPERM;
	else
		err = di->iops->link(old.dentry, di, d);
	if (!err) /* fsnotify_link(): the link count changed */
		inotify_inode(old.dentry->inode, IN_ATTRIB);
	create_finish(&dir, d, err);
	path_put(&old);
	return err;
}

/* Sticky directories: only the owner of the file or of the directory (or
 * root) may remove or rename an entry (Linux's check_sticky()). */
static int check_sticky(const struct cred *c, struct inode *dir,
			struct inode *i)
{
	if (!(dir->mode & S_ISVTX) || c->fsuid == 0)
		return 0;
	if (c->fsuid == i->uid || c->fsuid == dir->uid)
		return 0;
	return -EPERM;
}

static bool is_mountpoint(const struct path *p)
{
	return p->dentry->mounted || p->dentry == p->mnt->root;
}

/* The link count of p's file as the filesystem knows it now (an inode's
 * own count may be stale where each walk makes an inode); only inotify
 * needs it. */
static uint64_t link_count(const struct path *p)
{
	struct kstat st;
	if (!inotify_active() || vfs_getattr(p, &st))
		return p->dentry->inode->nlink;
	return st.nlink;
}

/* The last name of i went. Filesystems whose inodes do not count links
 * (the overlay, host files: each walk makes its own inode) learn it here,
 * so that the inode's last reference raises inotify's IN_DELETE_SELF as
 * on Linux. nlink: the count before the removal. */
static void gone_if_last(struct inode *i, bool dir, uint64_t nlink)
{
	pthread_mutex_lock(&i->lock);
	if (dir || nlink <= 1)
		i->nlink = 0;
	pthread_mutex_unlock(&i->lock);
}

int vfs_unlinkat(struct task *t, int dirfd, const char *path, int at_flags)
{
	if (at_flags & ~AT_REMOVEDIR)
		return -EINVAL;
	bool rmdir = at_flags & AT_REMOVEDIR;
	struct path dir, child;
	struct last_component last;
	int err = vfs_lookup_parent(t, dirfd, path, &dir, &last);
	if (err)
		return err;
	if (last.type != LAST_NORM) {
		/* rmdir(2): "." is EINVAL, ".." ENOTEMPTY, "/" EBUSY;
		 * unlink(2) of any of them: EISDIR. */
		if (!rmdir)
			err = -EISDIR;
		else if (last.type == LAST_DOT)
			err = -EINVAL;
		else if (last.type == LAST_DOTDOT)
			err = -ENOTEMPTY;
		else
			err = -EBUSY;
		path_put(&dir);
		return err;
	}
	pthread_mutex_lock(&vfs_ns_lock);
	err = vfs_lookup_one(&dir, last.name, last.len, &child);
	if (err)
		goto out;
	struct inode *i = child.dentry->inode;
	struct inode *di = dir.dentry->inode;
	if (child.mnt != dir.mnt || is_mountpoint(&child))
		err = -EBUSY;
	else if (rmdir && !S_ISDIR(i->mode))
		err = -ENOTDIR;
	else if (!rmdir && S_ISDIR(i->mode))
		err = -EISDIR;
	else if (!rmdir && last.trailing_slash)
		err = -ENOTDIR;
	if (!err)
		err = vfs_may_modify_dir(&t->cred, &dir);
	if (!err)
		err = check_sticky(&t->cred, di, i);
	uint64_t nlink = link_count(&child);
	if (!err) {
		int (*op)(struct inode *, struct dentry *) =
			di->iops ? (rmdir ? di->iops->rmdir : di->iops->unlink)
				 : NULL;
		err = op ? op(di, child.dentry) : -EPERM;
	}
	if (!err) {
		d_drop(child.dentry);
		gone_if_last(i, rmdir, nlink);
		if (!rmdir) /* fsnotify_link_count() */
			inotify_inode(i, IN_ATTRIB);
	}
	/* The last reference of an unlinked inode raises IN_DELETE_SELF
	 * here, before the directory hears IN_DELETE (d_delete_notify()). */
	path_put(&child);
	if (!err)
		inotify_dir(di, NULL, last.name, last.len,
			    IN_DELETE | (rmdir ? IN_ISDIR : 0), 0);
out:
	pthread_mutex_unlock(&vfs_ns_lock);
	path_put(&dir);
	return err;
}

static bool is_ancestor(struct dentry *anc, struct dentry *d)
{
	for (;;) {
		if (d == anc)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

/* RENAME_WHITEOUT's whiteout at the old name, once the file has moved
 * (a file system whose rename took the flag has mknod). Under
 * vfs_ns_lock. */
static int make_whiteout(struct task *t, struct path *dir, const char *name,
			 size_t len)
{
	struct inode *di = dir->dentry->inode;
	struct dentry *wd = d_alloc(dir->dentry, name, len);
	int err = di->iops->mknod ? di->iops->mknod(di, wd, S_IFCHR, 0,
						    &t->cred)
				  : -EINVAL;
	if (!err && di->sb->cache_dentries)
		d_add_child(wd);
	dput(wd);
	return err;
}

int vfs_renameat2(struct task *t, int olddirfd, const char *oldpath,
		  int newdirfd, const char *newpath, unsigned int flags)
{
	/* renameat2(2): unknown flags, and EXCHANGE with NOREPLACE or
	 * WHITEOUT, are EINVAL. WHITEOUT leaves a character device 0/0 at
	 * the old name, on a file system whose rename takes the flag (tmpfs;
	 * the others say EINVAL, as Linux's overlayfs does). Since Linux
	 * 5.8 it needs no CAP_MKNOD: a whiteout opens no device (ENXIO). */
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	bool xchg = flags & RENAME_EXCHANGE;
	if (xchg && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	struct path od, nd, oc, nc = {0};
	struct last_component ol, nl;
	int err = vfs_lookup_parent(t, olddirfd, oldpath, &od, &ol);
	if (err)
		return err;
	err = vfs_lookup_parent(t, newdirfd, newpath, &nd, &nl);
	if (err)
		goto out_od;
	if (ol.type != LAST_NORM || nl.type != LAST_NORM) {
		err = -EBUSY;
		goto out_nd;
	}
	if (od.mnt != nd.mnt) {
		err = -EXDEV;
		goto out_nd;
	}
	pthread_mutex_lock(&vfs_ns_lock);
	err = vfs_lookup_one(&od, ol.name, ol.len, &oc);
	if (err)
		goto out_unlock;
	struct inode *oi = oc.dentry->inode;
	struct inode *odi = od.dentry->inode, *ndi = nd.dentry->inode;
	err = vfs_may_modify_dir(&t->cred, &od);
	if (!err)
		err = vfs_may_modify_dir(&t->cred, &nd);
	if (!err && (oc.mnt != od.mnt || is_mountpoint(&oc)))
		err = -EBUSY;
	if (!err && !S_ISDIR(oi->mode) &&
	    (ol.trailing_slash || (nl.trailing_slash && !xchg)))
		err = -ENOTDIR;
	/* A directory cannot move below itself. */
	if (!err && S_ISDIR(oi->mode) && is_ancestor(oc.dentry, nd.dentry))
		err = -EINVAL;
	if (!err)
		err = check_sticky(&t->cred, odi, oi);
	if (err)
		goto out_oc;
	int nerr = vfs_lookup_one(&nd, nl.name, nl.len, &nc);
	struct dentry *target;
	if (nerr == 0) {
		struct inode *ni = nc.dentry->inode;
		if (xchg && !S_ISDIR(ni->mode) && nl.trailing_slash) {
			err = -ENOTDIR;
			goto out_nc;
		}
		if (nc.dentry == oc.dentry || ni == oi) {
			/* rename(2): same file, nothing to do. */
			err = 0;
			goto out_nc;
		}
		if (xchg) {
			/* Both names stay taken: no type or emptiness rule,
			 * but either directory could land below itself, and
			 * both names are removed from their directory. */
			if (nc.mnt != nd.mnt || is_mountpoint(&nc))
				err = -EBUSY;
			else if (S_ISDIR(ni->mode) &&
				 is_ancestor(nc.dentry, od.dentry))
				err = -EINVAL;
			else
				err = check_sticky(&t->cred, ndi, ni);
			/* vfs_rename(): a directory changing parent has
			 * its ".." rewritten, which needs write access to
			 * it. */
			if (!err && odi != ndi && S_ISDIR(oi->mode))
				err = inode_permission(&t->cred, oi,
						       MAY_WRITE);
			if (!err && odi != ndi && S_ISDIR(ni->mode))
				err = inode_permission(&t->cred, ni,
						       MAY_WRITE);
			if (err)
				goto out_nc;
			err = odi->iops && odi->iops->rename
				      ? odi->iops->rename(odi, oc.dentry, ndi,
							  nc.dentry,
							  RENAME_EXCHANGE)
				      : -EPERM;
			if (err)
				goto out_nc;
			d_move(oc.dentry, nd.dentry, nl.name, nl.len);
			d_move(nc.dentry, od.dentry, ol.name, ol.len);
			/* fsnotify_move() twice: each file moved, each
			 * with its own cookie. */
			if (inotify_active()) {
				uint32_t c = inotify_cookie();
				inotify_dir(odi, oi, ol.name, ol.len,
					    IN_MOVED_FROM, c);
				inotify_dir(ndi, oi, nl.name, nl.len,
					    IN_MOVED_TO, c);
				inotify_inode(oi, IN_MOVE_SELF);
				c = inotify_cookie();
				inotify_dir(ndi, ni, nl.name, nl.len,
					    IN_MOVED_FROM, c);
				inotify_dir(odi, ni, ol.name, ol.len,
					    IN_MOVED_TO, c);
				inotify_inode(ni, IN_MOVE_SELF);
			}
			goto out_nc;
		}
		if (flags & RENAME_NOREPLACE)
			err = -EEXIST;
		else if (nc.mnt != nd.mnt || is_mountpoint(&nc))
			err = -EBUSY;
		else if (S_ISDIR(oi->mode) && !S_ISDIR(ni->mode))
			err = -ENOTDIR;
		else if (!S_ISDIR(oi->mode) && S_ISDIR(ni->mode))
			err = -EISDIR;
		else if (is_ancestor(nc.dentry, od.dentry))
			err = -ENOTEMPTY;
		else
			err = check_sticky(&t->cred, ndi, ni);
		if (err)
			goto out_nc;
		target = dget(nc.dentry);
	} else if (nerr == -ENOENT && !xchg) {
		target = d_alloc(nd.dentry, nl.name, nl.len);
	} else {
		err = nerr;
		goto out_oc;
	}
	struct path tp = {nd.mnt, target};
	uint64_t tnlink = target->inode ? link_count(&tp) : 0;
	if (!odi->iops || !odi->iops->rename)
		err = -EPERM;
	else
		err = odi->iops->rename(odi, oc.dentry, ndi, target,
					flags & RENAME_WHITEOUT);
	if (!err) {
		if (target->inode) {
			d_drop(target);
			gone_if_last(target->inode,
				     S_ISDIR(target->inode->mode), tnlink);
		}
		d_move(oc.dentry, nd.dentry, nl.name, nl.len);
		if (flags & RENAME_WHITEOUT)
			err = make_whiteout(t, &od, ol.name, ol.len);
		/* fsnotify_move(): one cookie ties the pair. */
		if (inotify_active()) {
			uint32_t c = inotify_cookie();
			inotify_dir(odi, oi, ol.name, ol.len, IN_MOVED_FROM, c);
			inotify_dir(ndi, oi, nl.name, nl.len, IN_MOVED_TO, c);
			if (target->inode)
				inotify_inode(target->inode, IN_ATTRIB);
			inotify_inode(oi, IN_MOVE_SELF);
		}
	}
	dput(target);
out_nc:
	if (nc.dentry)
		path_put(&nc);
out_oc:
	path_put(&oc);
out_unlock:
	pthread_mutex_unlock(&vfs_ns_lock);
out_nd:
	path_put(&nd);
out_od:
	path_put(&od);
	return err;
}

/* --- attributes ------------------------------------------------------------- */

static bool owner_or_root(const struct cred *c, struct inode *i)
{
	return c->fsuid == 0 || c->fsuid == i->uid;
}

static int lookup_for_attr(struct task *t, int dirfd, const char *path,
			   int at_flags, struct path *p)
{
	int err = vfs_lookup(t, dirfd, path, at_lookup_flags(at_flags), p);
	if (err)
		return err;
	if (vfs_path_rdonly(p)) {
		path_put(p);
		return -EROFS;
	}
	return 0;
}

int vfs_chmodat(struct task *t, int dirfd, const char *path, mode_t mode,
		int at_flags)
{
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int err = lookup_for_attr(t, dirfd, path, at_flags, &p);
	if (err)
		return err;
	struct inode *i = p.dentry->inode;
	if (S_ISLNK(i->mode)) {
		err = -EOPNOTSUPP; /* fchmodat(AT_SYMLINK_NOFOLLOW) on a link */
	} else if (!owner_or_root(&t->cred, i)) {
		err = -EPERM;
	} else {
		struct iattr ia = {.valid = ATTR_MODE, .mode = mode & 07777};
		/* chmod(2): the set-group-ID bit is cleared for a caller not
		 * in the file's group. */
		if (t->cred.fsuid != 0 && t->cred.fsgid != i->gid)
			ia.mode &= ~(uint32_t)S_ISGID;
		err = vfs_setattr(p.dentry, &ia);
	}
	path_put(&p);
	return err;
}

int vfs_chownat(struct task *t, int dirfd, const char *path, uid_t uid,
		gid_t gid, int at_flags)
{
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct path p;
	int err = lookup_for_attr(t, dirfd, path, at_flags, &p);
	if (err)
		return err;
	struct inode *i = p.dentry->inode;
	struct iattr ia = {0};
	if (uid != (uid_t)-1) {
		ia.valid |= ATTR_UID;
		ia.uid = uid;
	}
	if (gid != (gid_t)-1) {
		ia.valid |= ATTR_GID;
		ia.gid = gid;
	}
	/* chown(2): only root changes the owner; the owner may change the
	 * group to one of its groups. */
	if (t->cred.fsuid != 0) {
		if ((ia.valid & ATTR_UID) && uid != i->uid)
			err = -EPERM;
		else if (t->cred.fsuid != i->uid && ia.valid)
			err = -EPERM;
		else if ((ia.valid & ATTR_GID) && gid != i->gid &&
			 gid != t->cred.fsgid) {
			err = -EPERM;
			for (int k = 0; k < t->cred.ngroups && k < 32; k++)
				if (t->cred.groups[k] == gid)
					err = 0;
		}
	}
	if (!err && ia.valid) {
		/* Linux clears set-user-ID (and set-group-ID with group
		 * execute) on a chown of a non-directory. */
		if (!S_ISDIR(i->mode) && (i->mode & (S_ISUID | S_ISGID))) {
			ia.valid |= ATTR_MODE;
			ia.mode = i->mode & 07777 & ~(uint32_t)S_ISUID;
			if (i->mode & S_IXGRP)
				ia.mode &= ~(uint32_t)S_ISGID;
		}
		err = vfs_setattr(p.dentry, &ia);
	}
	path_put(&p);
	return err;
}

int vfs_truncate(struct task *t, const char *path, int64_t len)
{
	if (len < 0)
		return -EINVAL;
	struct path p;
	int err = vfs_lookup(t, AT_FDCWD, path, LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	struct inode *i = p.dentry->inode;
	if (S_ISDIR(i->mode))
		err = -EISDIR;
	else if (!S_ISREG(i->mode))
		err = -EINVAL;
	else if (vfs_path_rdonly(&p))
		err = -EROFS;
	else
		err = inode_permission(&t->cred, i, MAY_WRITE);
	if (!err) {
		struct iattr ia = {.valid = ATTR_SIZE, .size = (uint64_t)len};
		err = vfs_setattr(p.dentry, &ia);
	}
	path_put(&p);
	return err;
}

int vfs_utimensat(struct task *t, int dirfd, const char *path,
		  const struct timespec times[2], int at_flags)
{
	if (at_flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct iattr ia = {.valid = ATTR_ATIME | ATTR_MTIME};
	struct timespec now = vfs_now();
	bool explicit = false;
	ia.atime = ia.mtime = now;
	if (times) {
		for (int k = 0; k < 2; k++) {
			long ns = times[k].tv_nsec;
			if (ns == UTIME_OMIT) {
				ia.valid &= ~(unsigned)(k ? ATTR_MTIME
							  : ATTR_ATIME);
				continue;
			}
			if (ns == UTIME_NOW)
				continue;
			if (ns < 0 || ns > 999999999)
				return -EINVAL;
			explicit = true;
			if (k)
				ia.mtime = times[k];
			else
				ia.atime = times[k];
		}
	}
	struct path p;
	int err = lookup_for_attr(t, dirfd, path, at_flags, &p);
	if (err)
		return err;
	struct inode *i = p.dentry->inode;
	/* utimensat(2): explicit times need ownership; "now" needs write
	 * permission or ownership. */
	if (!owner_or_root(&t->cred, i)) {
		if (explicit)
			err = -EPERM;
		else if (inode_permission(&t->cred, i, MAY_WRITE))
			err = -EACCES;
	}
	if (!err && ia.valid)
		err = vfs_setattr(p.dentry, &ia);
	path_put(&p);
	return err;
}

int vfs_statfsat(struct task *t, int dirfd, const char *path, int at_flags,
		 struct statfs *sf)
{
	struct path p;
	/* fstatfs(2) of a pipe or other anonymous file: its pseudo fs. */
	if (!*path && (at_flags & AT_EMPTY_PATH) && dirfd != AT_FDCWD) {
		struct file *f = fd_get(t->files, dirfd);
		if (!f)
			return -EBADF;
		bool anon = !f->dentry && f->inode && f->inode->sb;
		if (anon) {
			memset(sf, 0, sizeof(*sf));
			sf->f_type = f->inode->sb->magic;
			sf->f_bsize = sf->f_frsize = 4096;
			sf->f_namelen = NAME_MAX;
		}
		file_put(f);
		if (anon)
			return 0;
	}
	int err = vfs_lookup(t, dirfd, path, at_lookup_flags(at_flags), &p);
	if (err)
		return err;
	struct super_block *sb = p.dentry->inode->sb;
	memset(sf, 0, sizeof(*sf));
	sf->f_type = sb->magic;
	sf->f_bsize = 4096;
	sf->f_frsize = 4096;
	sf->f_blocks = sb->blocks;
	sf->f_bfree = sb->bfree;
	sf->f_bavail = sb->bfree;
	sf->f_files = 0;
	sf->f_ffree = 0;
	sf->f_namelen = NAME_MAX;
	sf->f_fsid.__val[0] = (int)sb->dev;
	sf->f_flags = (vfs_path_rdonly(&p) ? ST_RDONLY : 0) |
		      ((p.mnt->flags & MS_NOSUID) ? ST_NOSUID : 0) |
		      ((p.mnt->flags & MS_NODEV) ? ST_NODEV : 0) |
		      ((p.mnt->flags & MS_NOEXEC) ? ST_NOEXEC : 0);
	if (sb->statfs)
		err = sb->statfs(sb, p.dentry, sf);
	path_put(&p);
	return err;
}
