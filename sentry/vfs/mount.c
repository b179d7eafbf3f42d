/* The mount table: a list of mounts in mount order (so /proc/mounts lists
 * them as Linux does), each attached at a (parent mount, dentry) pair. The
 * mountpoint dentry is pinned in the dcache so that every walk reaching it
 * finds the same dentry, and so the mount. */
#include "sentry/vfs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "sentry/fs/proc/proc.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/namei.h"

static struct mount *mounts_head, *mounts_tail;
static struct mount *root_mount;

struct mount *mnt_get(struct mount *m)
{
	if (m)
		atomic_fetch_add(&m->refs, 1);
	return m;
}

void mnt_put(struct mount *m)
{
	/* Mounts are never unmounted yet: the table keeps a reference to each
	 * for the life of the sandbox. */
	if (m)
		atomic_fetch_sub(&m->refs, 1);
}

void path_get(struct path *p)
{
	mnt_get(p->mnt);
	dget(p->dentry);
}

void path_put(struct path *p)
{
	dput(p->dentry);
	mnt_put(p->mnt);
}

struct mount *vfs_root_mount(void)
{
	return root_mount;
}

int vfs_mount(struct path *mp, struct super_block *sb, struct dentry *root,
	      const char *source, unsigned int flags, struct mount **out)
{
	char target[4096];
	struct mount *m = rv_xcalloc(1, sizeof(*m));
	atomic_init(&m->refs, 1);
	m->sb = sb;
	m->root = dget(root);
	m->source = rv_xstrdup(source);
	m->flags = flags | (sb->rdonly ? MS_RDONLY : 0);
	pthread_mutex_lock(&vfs_ns_lock);
	static int next_id = 20;
	m->id = next_id++;
	if (mp) {
		/* A directory on a directory, a file on a file (Linux's
		 * graft_tree()); nothing on a removed name. */
		int bad = d_is_dir(mp->dentry) != d_is_dir(root) ? -ENOTDIR :
			  mp->dentry->dead ? -ENOENT : 0;
		if (bad) {
			pthread_mutex_unlock(&vfs_ns_lock);
			dput(m->root);
			free(m->source);
			free(m);
			return bad;
		}
		struct path gr = {root_mount, root_mount->root};
		int n = vfs_path_string(mp, &gr, target, sizeof(target));
		m->target = rv_xstrdup(n < 0 ? "?" : target);
		m->parent = mnt_get(mp->mnt);
		m->mountpoint = dget(mp->dentry);
		mp->dentry->mounted++;
		/* Pin the mountpoint and its ancestors in the dcache. */
		for (struct dentry *d = mp->dentry; d->parent != d;
		     d = d->parent)
			if (!d->cached && !d->dead)
				d_add_child(d);
	} else {
		m->target = rv_xstrdup("/");
		m->parent = m;
		m->mountpoint = dget(root);
		root_mount = m;
	}
	if (mounts_tail)
		mounts_tail->next = m;
	else
		mounts_head = m;
	mounts_tail = m;
	pthread_mutex_unlock(&vfs_ns_lock);
	if (out)
		*out = m;
	return 0;
}

struct mount *vfs_mount_at(struct mount *mnt, struct dentry *d)
{
	if (!d->mounted)
		return NULL;
	struct mount *found = NULL;
	/* The last mount wins (mounts stack, Linux shows the top one). */
	for (struct mount *m = mounts_head; m; m = m->next)
		if (m->parent == mnt && m->mountpoint == d && m != mnt)
			found = m;
	return found;
}

int vfs_path_string(const struct path *p, const struct path *root, char *buf,
		    size_t len)
{
	/* Built backwards from the end of buf, as Linux's d_path(). */
	if (len < 2)
		return -ENAMETOOLONG;
	size_t pos = len - 1;
	buf[pos] = 0;
	struct mount *m = p->mnt;
	struct dentry *d = p->dentry;
	for (;;) {
		if (root && m == root->mnt && d == root->dentry)
			break;
		if (d == m->root) {
			if (m->parent == m)
				break;
			d = m->mountpoint;
			m = m->parent;
			continue;
		}
		if (d->parent == d)
			break;
		if (pos < d->namelen + 1)
			return -ENAMETOOLONG;
		pos -= d->namelen;
		memcpy(buf + pos, d->name, d->namelen);
		buf[--pos] = '/';
		d = d->parent;
	}
	if (pos == len - 1)
		buf[--pos] = '/';
	size_t n = len - 1 - pos;
	memmove(buf, buf + pos, n + 1);
	return (int)n;
}

static void append(char **buf, size_t *len, size_t *cap, const char *s,
		   size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = rv_xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n);
	*len += n;
	(*buf)[*len] = 0;
}

/* The mount's root within its filesystem: "/" but for a bind mount of a
 * subdirectory (mountinfo's fourth field). */
static int mount_root_string(const struct mount *m, char *buf, size_t len)
{
	size_t pos = len - 1;
	buf[pos] = 0;
	for (struct dentry *d = m->root; d->parent != d; d = d->parent) {
		if (pos < d->namelen + 1)
			return -ENAMETOOLONG;
		pos -= d->namelen;
		memcpy(buf + pos, d->name, d->namelen);
		buf[--pos] = '/';
	}
	if (pos == len - 1)
		buf[--pos] = '/';
	memmove(buf, buf + pos, len - pos);
	return 0;
}

char *vfs_mountinfo_text(size_t *lenp)
{
	size_t cap = 1024, len = 0;
	char *buf = rv_xmalloc(cap);
	buf[0] = 0;
	pthread_mutex_lock(&vfs_ns_lock);
	for (struct mount *m = mounts_head; m; m = m->next) {
		char line[4600], root[4096];
		if (mount_root_string(m, root, sizeof(root)) < 0)
			snprintf(root, sizeof(root), "/");
		int n = snprintf(line, sizeof(line),
				 "%d %d %u:%u %s %s %s%s%s%s%s - %s %s %s\n",
				 m->id, m->parent->id, major(m->sb->dev),
				 minor(m->sb->dev), root, m->target,
				 (m->flags & MS_RDONLY) ? "ro" : "rw",
				 (m->flags & MS_NOSUID) ? ",nosuid" : "",
				 (m->flags & MS_NODEV) ? ",nodev" : "",
				 (m->flags & MS_NOEXEC) ? ",noexec" : "",
				 m->parent == m ? "" : " shared:1",
				 m->sb->fstype, m->source,
				 (m->flags & MS_RDONLY) ? "ro" : "rw");
		if (n > 0)
			append(&buf, &len, &cap, line,
			       RV_MIN((size_t)n, sizeof(line) - 1));
	}
	pthread_mutex_unlock(&vfs_ns_lock);
	*lenp = len;
	return buf;
}

char *vfs_mounts_text(size_t *lenp)
{
	size_t cap = 1024, len = 0;
	char *buf = rv_xmalloc(cap);
	pthread_mutex_lock(&vfs_ns_lock);
	for (struct mount *m = mounts_head; m; m = m->next) {
		char line[4400];
		int n = snprintf(line, sizeof(line), "%s %s %s %s%s%s%s 0 0\n",
				 m->source, m->target, m->sb->fstype,
				 (m->flags & MS_RDONLY) ? "ro" : "rw",
				 (m->flags & MS_NOSUID) ? ",nosuid" : "",
				 (m->flags & MS_NODEV) ? ",nodev" : "",
				 (m->flags & MS_NOEXEC) ? ",noexec" : "");
		if (n < 0)
			continue;
		if ((size_t)n >= sizeof(line))
			n = sizeof(line) - 1;
		if (len + (size_t)n + 1 > cap) {
			cap = (len + (size_t)n + 1) * 2;
			buf = rv_xrealloc(buf, cap);
		}
		memcpy(buf + len, line, (size_t)n);
		len += (size_t)n;
	}
	pthread_mutex_unlock(&vfs_ns_lock);
	buf[len] = 0;
	*lenp = len;
	return buf;
}

/* Files reached through /proc/[pid]/fd links to anonymous files (pipes,
 * stdio) are opened on this mount: writable, in no mount list, and the
 * resulting file has no path (open_path drops it). */
static struct mount anon_mount = {
	.refs = 1,
	.parent = &anon_mount,
	.source = "anon",
	.target = "anon",
	.flags = VFS_MNT_ANON,
};

struct mount *vfs_anon_mount(void)
{
	return &anon_mount;
}

/* --- mount(2) and umount2(2) ------------------------------------------------ */

/* A bound on live mounts, like Linux's fs.mount-max (100000 there): a
 * loop of mount(2) must not grow the sentry without end. */
#define VFS_MAX_MOUNTS 1000
/* Unmounted mounts are not freed (a tmpfs's files live in its dcache
 * until the sandbox ends), so the app may make only so many in all: a
 * loop of mount and umount must not grow the sentry's heap without end. */
#define VFS_MAX_APP_MOUNTS 10000
static int app_mounts_made;

/* May the app make one more mount? Counts it. Under vfs_ns_lock. */
static int mount_charge(void)
{
	int n = 0;
	for (struct mount *m = mounts_head; m; m = m->next)
		n++;
	if (n >= VFS_MAX_MOUNTS || app_mounts_made >= VFS_MAX_APP_MOUNTS)
		return -ENOSPC;
	app_mounts_made++;
	return 0;
}

int vfs_mount_path(struct task *t, const char *path, struct super_block *sb,
		   struct dentry *root, const char *source, unsigned int flags)
{
	struct path mp;
	int err = vfs_lookup(t, AT_FDCWD, path, LOOKUP_FOLLOW, &mp);
	if (err)
		return err;
	err = vfs_mount(&mp, sb, root, source, flags, NULL);
	path_put(&mp);
	return err;
}

/* Is m in the mount tree (Linux's check_mnt())? Not the private mounts of
 * anonymous files and memfds, not a detached mount: those are EINVAL for
 * mount(2) and umount2(2), whichever path reached them (a /proc/self/fd
 * link, a cwd left in a detached tree). */
static bool mnt_in_tree(struct mount *m)
{
	bool found = false;
	pthread_mutex_lock(&vfs_ns_lock);
	for (struct mount *k = mounts_head; k && !found; k = k->next)
		found = k == m;
	pthread_mutex_unlock(&vfs_ns_lock);
	return found;
}

/* The sandbox's CAP_SYS_ADMIN: its root user (as sethostname(2)). */
static bool may_mount(struct task *t)
{
	return t->cred.euid == 0;
}

/* Per-mount flags mount(2) takes (MS_RELATIME and friends are accepted and
 * have no effect: the sentry keeps atimes in memory). */
#define MNT_USER_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* "size=64M,mode=1777,uid=0,gid=0" (tmpfs(5)). Unknown options are EINVAL
 * as in Linux. */
static int tmpfs_options(const char *data, uint64_t *size, uint32_t *mode,
			 uint32_t *uid, uint32_t *gid)
{
	char buf[4096];
	if (!data)
		return 0;
	snprintf(buf, sizeof(buf), "%s", data);
	char *save = NULL;
	for (char *o = strtok_r(buf, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		char *v = strchr(o, '=');
		char *end;
		if (v)
			*v++ = 0;
		if (!strcmp(o, "size") && v) {
			errno = 0;
			unsigned long long n = strtoull(v, &end, 10);
			unsigned shift = 0;
			switch (*end) {
			case 'k': case 'K': shift = 10; end++; break;
			case 'm': case 'M': shift = 20; end++; break;
			case 'g': case 'G': shift = 30; end++; break;
			}
			if (errno || end == v || *end || v[0] == '-' ||
			    n > (~0ULL >> (shift + 1)))
				return -EINVAL;
			*size = n << shift;
			if (*size == 0)
				*size = TMPFS_DEFAULT_MAX_BYTES;
			/* Never less than a page, so that the sb has one. */
			if (*size < RV_PAGE_SIZE)
				*size = RV_PAGE_SIZE;
		} else if (!strcmp(o, "mode") && v) {
			unsigned long n = strtoul(v, &end, 8);
			if (end == v || *end || n > 07777)
				return -EINVAL;
			*mode = (uint32_t)n;
		} else if ((!strcmp(o, "uid") || !strcmp(o, "gid")) && v) {
			errno = 0;
			unsigned long n = strtoul(v, &end, 10);
			if (errno || end == v || *end || v[0] == '-' ||
			    n >= 0xffffffffUL)
				return -EINVAL;
			*(o[0] == 'u' ? uid : gid) = (uint32_t)n;
		} else if ((!strcmp(o, "nr_inodes") || !strcmp(o, "nr_blocks") ||
			    !strcmp(o, "huge") || !strcmp(o, "mpol")) && v) {
			/* Accepted; the sentry's tmpfs has no such knob. */
		} else if (!strcmp(o, "noswap") && !v) {
		} else if (!strcmp(o, "rw") || !strcmp(o, "ro") ||
			   !strcmp(o, "defaults")) {
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* proc(5) options: accepted (hidepid= and subset= have nothing to hide in
 * a sandbox that is one pid namespace), unknown ones EINVAL. */
static int proc_options(const char *data)
{
	char buf[4096];
	if (!data)
		return 0;
	snprintf(buf, sizeof(buf), "%s", data);
	char *save = NULL;
	for (char *o = strtok_r(buf, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (strncmp(o, "hidepid=", 8) && strncmp(o, "gid=", 4) &&
		    strncmp(o, "subset=", 7) && strcmp(o, "rw") &&
		    strcmp(o, "ro") && strcmp(o, "defaults"))
			return -EINVAL;
	}
	return 0;
}

/* Filesystems the host kernel has but that need a block device: in a
 * container (a user namespace) Linux refuses them with EPERM before it
 * looks at the device (they are not FS_USERNS_MOUNT). */
static bool needs_device(const char *fstype)
{
	static const char *const blockfs[] = {
		"ext2", "ext3", "ext4", "xfs", "btrfs", "vfat", "msdos",
		"exfat", "ntfs", "ntfs3", "iso9660", "udf", "squashfs",
		"f2fs", "jfs", "reiserfs", "hfsplus", "minix", "erofs",
		"devtmpfs", "debugfs", "tracefs", "securityfs", "configfs",
		"pstore", "efivarfs", "hugetlbfs", "nfs", "nfs4", "cifs",
		"smb3", "9p", "virtiofs", "fuseblk",
	};
	for (size_t i = 0; i < RV_ARRAY_SIZE(blockfs); i++)
		if (!strcmp(fstype, blockfs[i]))
			return true;
	return false;
}

static int new_mount(struct path *mp, const char *source, const char *fstype,
		     unsigned int mflags, const char *data)
{
	struct super_block *sb;
	struct dentry *root;
	int err;

	bool tmpfs = !strcmp(fstype, "tmpfs") || !strcmp(fstype, "ramfs");
	uint64_t size = 0;
	uint32_t mode = 01777, uid = 0, gid = 0;
	if (tmpfs)
		err = tmpfs_options(data, &size, &mode, &uid, &gid);
	else if (!strcmp(fstype, "proc"))
		err = proc_options(data);
	else
		return needs_device(fstype) ? -EPERM : -ENODEV;
	if (err)
		return err;
	if (!d_is_dir(mp->dentry))
		return -ENOTDIR;
	/* Charged before anything is made: a refused call leaves nothing. */
	pthread_mutex_lock(&vfs_ns_lock);
	err = mount_charge();
	pthread_mutex_unlock(&vfs_ns_lock);
	if (err)
		return err;
	if (tmpfs) {
		sb = tmpfs_new_sb(size, mode, &root);
		root->inode->uid = uid;
		root->inode->gid = gid;
	} else if ((err = procfs_new_sb(&sb, &root))) {
		return err;
	}
	if (mflags & MS_RDONLY)
		sb->rdonly = true;
	err = vfs_mount(mp, sb, root, source ? source : "none", mflags, NULL);
	dput(root);
	return err;
}

/* MS_BIND: the subtree at source shows at mp too. Not recursive (MS_REC
 * binds only the top mount; the submounts of source stay where they
 * are). The new mount keeps source's mount flags, as clone_mnt() does:
 * a bind of a read-only volume is read-only. */
static int bind_mount(struct task *t, struct path *mp, const char *source)
{
	struct path src;
	if (!source)
		return -EFAULT;
	int err = vfs_lookup(t, AT_FDCWD, source, LOOKUP_FOLLOW, &src);
	if (err)
		return err;
	if (!mnt_in_tree(src.mnt)) {
		path_put(&src);
		return -EINVAL;
	}
	pthread_mutex_lock(&vfs_ns_lock);
	err = mount_charge();
	pthread_mutex_unlock(&vfs_ns_lock);
	unsigned int fl = src.mnt->flags & (MNT_USER_FLAGS | VFS_MNT_LOCK_RO);
	if (!err)
		err = vfs_mount(mp, src.mnt->sb, src.dentry, src.mnt->source,
				fl, NULL);
	path_put(&src);
	return err;
}

/* MS_REMOUNT: new per-mount flags. A mount the runtime made read-only
 * (an :ro volume) stays read-only: Linux's MNT_LOCK_READONLY, which a
 * container's root cannot lift either (EPERM). */
static int remount(struct path *mp, unsigned int mflags)
{
	struct mount *m = mp->mnt;
	if (mp->dentry != m->root)
		return -EINVAL;
	if ((m->flags & VFS_MNT_LOCK_RO) && !(mflags & MS_RDONLY))
		return -EPERM;
	pthread_mutex_lock(&vfs_ns_lock);
	m->flags = (m->flags & ~MNT_USER_FLAGS) | mflags |
		   (m->sb->rdonly ? MS_RDONLY : 0);
	pthread_mutex_unlock(&vfs_ns_lock);
	return 0;
}

int vfs_do_mount(struct task *t, const char *source, const char *target,
		 const char *fstype, unsigned long flags, const char *data)
{
	struct path mp;
	/* The old magic number in the high bits (mount(2): "ignored"). */
	if ((flags & 0xffff0000UL) == 0xc0ed0000UL)
		flags &= 0xffff;
	if (flags & (1UL << 31)) /* MS_NOUSER */
		return -EINVAL;
	int err = vfs_lookup(t, AT_FDCWD, target, LOOKUP_FOLLOW, &mp);
	if (err)
		return err;
	if (!may_mount(t)) {
		err = -EPERM;
		goto out;
	}
	if (!mnt_in_tree(mp.mnt)) {
		err = -EINVAL;
		goto out;
	}
	unsigned int mflags = (unsigned int)flags & MNT_USER_FLAGS;
	unsigned long prop = flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE |
				      MS_UNBINDABLE);
	if ((flags & MS_REMOUNT) && (flags & MS_BIND)) {
		err = remount(&mp, mflags);
	} else if (flags & MS_REMOUNT) {
		err = remount(&mp, mflags);
	} else if (flags & MS_BIND) {
		err = bind_mount(t, &mp, source);
	} else if (prop) {
		/* Propagation types: the sandbox is one mount namespace
		 * with no peers, so there is nothing to propagate; Linux's
		 * checks are kept (a mount's root, exactly one type). */
		if (mp.dentry != mp.mnt->root || (prop & (prop - 1)))
			err = -EINVAL;
	} else if (flags & MS_MOVE) {
		err = -EINVAL; /* not supported: see docs/limits.md */
	} else if (!fstype) {
		err = -EINVAL;
	} else {
		err = new_mount(&mp, source, fstype, mflags, data);
	}
out:
	path_put(&mp);
	return err;
}

/* Take m and every mount below it out of the tree (umount_tree()). The
 * structures stay allocated: files and cwds inside keep working, and ".."
 * at a detached root stays there. Under vfs_ns_lock. */
static void detach_tree(struct mount *m)
{
	for (;;) {
		struct mount *c = NULL;
		for (struct mount *k = mounts_head; k; k = k->next)
			if (k->parent == m && k != m)
				c = k;
		if (!c)
			break;
		detach_tree(c);
	}
	struct mount *prev = NULL;
	for (struct mount *k = mounts_head; k; prev = k, k = k->next) {
		if (k != m)
			continue;
		if (prev)
			prev->next = m->next;
		else
			mounts_head = m->next;
		if (mounts_tail == m)
			mounts_tail = prev;
		break;
	}
	m->mountpoint->mounted--;
	struct mount *parent = m->parent;
	m->parent = m;
	m->flags |= VFS_MNT_DETACHED;
	mnt_put(parent);
}

int vfs_umount(struct task *t, const char *target, int flags)
{
	struct path p;
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	int err = vfs_lookup(t, AT_FDCWD, target,
			     (flags & UMOUNT_NOFOLLOW) ? 0 : LOOKUP_FOLLOW, &p);
	if (err)
		return err;
	struct mount *m = p.mnt;
	if (!may_mount(t))
		err = -EPERM;
	else if (p.dentry != m->root || !mnt_in_tree(m))
		err = -EINVAL;
	if (err)
		goto out;
	pthread_mutex_lock(&vfs_ns_lock);
	if (m == root_mount) {
		err = -EBUSY; /* the sandbox's / stays */
	} else if (!(flags & MNT_DETACH)) {
		/* Busy: a mount below it, or a reference beyond the
		 * table's and ours (an open file, a cwd, a root). */
		bool child = false;
		for (struct mount *k = mounts_head; k; k = k->next)
			if (k->parent == m && k != m)
				child = true;
		if (child || atomic_load(&m->refs) > 2)
			err = -EBUSY;
		else if ((flags & MNT_EXPIRE) &&
			 !(m->flags & VFS_MNT_EXPIRE)) {
			/* The first MNT_EXPIRE only marks it (umount(2)). */
			m->flags |= VFS_MNT_EXPIRE;
			err = -EAGAIN;
		}
	}
	if (!err)
		detach_tree(m);
	pthread_mutex_unlock(&vfs_ns_lock);
out:
	path_put(&p);
	return err;
}

bool vfs_file_noexec(const struct file *f)
{
	return f->mnt && (f->mnt->flags & MS_NOEXEC);
}
