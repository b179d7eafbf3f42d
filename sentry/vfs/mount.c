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
	/* Mounts are never freed: the table keeps a reference to each for
	 * the life of the sandbox. A use of the mount ends its
	 * MNT_EXPIRE mark (Linux's mntput()). */
	if (m) {
		if (atomic_load_explicit(&m->expiry_mark,
					 memory_order_relaxed))
			atomic_store(&m->expiry_mark, false);
		atomic_fetch_sub(&m->refs, 1);
	}
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

void path_put_walk(struct path *p)
{
	dput(p->dentry);
	if (p->mnt)
		atomic_fetch_sub(&p->mnt->refs, 1);
}

struct mount *vfs_root_mount(void)
{
	return root_mount;
}

static int next_mount_id = 20;

static struct mount *mnt_alloc(struct super_block *sb, struct dentry *root,
			       const char *source, unsigned int flags)
{
	struct mount *m = rv_xcalloc(1, sizeof(*m));
	atomic_init(&m->refs, 1);
	m->sb = sb;
	m->root = dget(root);
	m->source = rv_xstrdup(source);
	m->flags = flags;
	return m;
}

static void mnt_free_unattached(struct mount *m)
{
	dput(m->root);
	free(m->source);
	free(m->target);
	free(m);
}

/* /proc/mounts' second field: m's path from the root mount. */
static void mnt_set_target_locked(struct mount *m)
{
	char target[4096];
	struct path here = {m->parent, m->mountpoint};
	struct path gr = {root_mount, root_mount->root};
	int n = vfs_path_string(&here, &gr, target, sizeof(target));
	free(m->target);
	m->target = rv_xstrdup(n < 0 ? "?" : target);
}

/* A directory on a directory, a file on a file (Linux's graft_tree());
 * nothing on a removed name. */
static int mnt_can_attach(const struct dentry *mp, const struct dentry *root)
{
	return d_is_dir(mp) != d_is_dir(root) ? -ENOTDIR :
	       mp->dead ? -ENOENT : 0;
}

/* Hang m at (parent, mp), pinning the mountpoint and its ancestors in
 * the dcache so every walk finds the same dentry, and so the mount. */
static void mnt_hang_locked(struct mount *m, struct mount *parent,
			    struct dentry *mp)
{
	static unsigned long hang_seq;
	m->hang_seq = ++hang_seq;
	m->parent = mnt_get(parent);
	m->mountpoint = dget(mp);
	mp->mounted++;
	for (struct dentry *d = mp; d->parent != d; d = d->parent)
		if (!d->cached && !d->dead)
			d_add_child(d);
	mnt_set_target_locked(m);
}

static void mnt_unhang_locked(struct mount *m)
{
	struct mount *parent = m->parent;
	m->mountpoint->mounted--;
	dput(m->mountpoint);
	/* A detached mount is a root: ".." at it stays there. */
	m->mountpoint = dget(m->root);
	m->parent = m;
	mnt_put(parent);
}

/* Into the table (a new mount id, at the end of the list). */
static void mnt_list_add_locked(struct mount *m)
{
	m->id = next_mount_id++;
	if (mounts_tail)
		mounts_tail->next = m;
	else
		mounts_head = m;
	mounts_tail = m;
}

int vfs_mount(struct path *mp, struct super_block *sb, struct dentry *root,
	      const char *source, unsigned int flags, struct mount **out)
{
	struct mount *m = mnt_alloc(sb, root, source,
				    flags | (sb->rdonly ? MS_RDONLY : 0));
	pthread_mutex_lock(&vfs_ns_lock);
	if (mp) {
		int bad = mnt_can_attach(mp->dentry, root);
		if (bad) {
			pthread_mutex_unlock(&vfs_ns_lock);
			mnt_free_unattached(m);
			return bad;
		}
		mnt_hang_locked(m, mp->mnt, mp->dentry);
	} else {
		m->target = rv_xstrdup("/");
		m->parent = m;
		m->mountpoint = dget(root);
		root_mount = m;
	}
	mnt_list_add_locked(m);
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
	/* The last mount hung there wins (mounts stack, Linux shows the top
	 * one; a mount moved there goes on top). */
	for (struct mount *m = mounts_head; m; m = m->next)
		if (m->parent == mnt && m->mountpoint == d && m != mnt &&
		    (!found || m->hang_seq > found->hang_seq))
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
		char line[4600], root[4096], prop[64] = "";
		if (mount_root_string(m, root, sizeof(root)) < 0)
			snprintf(root, sizeof(root), "/");
		/* The optional fields (proc(5)): shared:N, master:N,
		 * unbindable. */
		int pn = 0;
		if (m->group)
			pn += snprintf(prop + pn, sizeof(prop) - (size_t)pn,
				       " shared:%d", m->group);
		if (m->master)
			pn += snprintf(prop + pn, sizeof(prop) - (size_t)pn,
				       " master:%d", m->master);
		if (m->unbindable)
			snprintf(prop + pn, sizeof(prop) - (size_t)pn,
				 " unbindable");
		int n = snprintf(line, sizeof(line),
				 "%d %d %u:%u %s %s %s%s%s%s%s - %s %s %s\n",
				 m->id, m->parent->id, major(m->sb->dev),
				 minor(m->sb->dev), root, m->target,
				 (m->flags & MS_RDONLY) ? "ro" : "rw",
				 (m->flags & MS_NOSUID) ? ",nosuid" : "",
				 (m->flags & MS_NODEV) ? ",nodev" : "",
				 (m->flags & MS_NOEXEC) ? ",noexec" : "",
				 prop, m->sb->fstype, m->source,
				 m->sb->rdonly ? "ro" : "rw");
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

static void tree_attach_locked(struct mount **t, struct mount **src,
			       struct path *mp, bool moving);
static size_t tree_len(struct mount **t);

static size_t mount_count_locked(void)
{
	size_t n = 0;
	for (struct mount *m = mounts_head; m; m = m->next)
		n++;
	return n;
}

/* May the app make k more mounts? Counts them. Under vfs_ns_lock. */
static int mount_charge(size_t k)
{
	size_t n = mount_count_locked();
	if (n + k > VFS_MAX_MOUNTS ||
	    app_mounts_made + k > VFS_MAX_APP_MOUNTS)
		return -ENOSPC;
	app_mounts_made += (int)k;
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
	err = mount_charge(1);
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
	struct mount *m = mnt_alloc(sb, root, source ? source : "none",
				    mflags | (sb->rdonly ? MS_RDONLY : 0));
	dput(root);
	pthread_mutex_lock(&vfs_ns_lock);
	err = mnt_can_attach(mp->dentry, m->root);
	if (!err)
		tree_attach_locked((struct mount *[]){m, NULL},
				   (struct mount *[]){m, NULL}, mp, false);
	pthread_mutex_unlock(&vfs_ns_lock);
	if (err)
		mnt_free_unattached(m);
	return err;
}

/* --- propagation ------------------------------------------------------------
 * Shared subtrees (Linux's Documentation/filesystems/sharedsubtree.rst)
 * by group numbers: m->group is the peer group m is in (0: not shared),
 * m->master the group m receives from (0: not a slave). A mount made, or
 * unmounted, on a mount of a shared group happens at every mount that
 * receives from that group too (its peers, its slaves, and the peers and
 * slaves of those in turn), where the mountpoint shows. All under
 * vfs_ns_lock. */

/* Walks over the table mark what they have seen with a new number. */
static unsigned prop_gen;

static bool mnt_below(const struct mount *k, const struct mount *m)
{
	for (int depth = 0; depth < VFS_MAX_MOUNTS; depth++) {
		if (k == m)
			return true;
		if (k->parent == k)
			return false;
		k = k->parent;
	}
	return false;
}

/* Linux's mnt_alloc_group_id(): the lowest number no group uses. */
static int group_alloc_locked(void)
{
	/* A group has a mount, so the answer is at most the count + 1. */
	size_t n = mount_count_locked() + 2;
	bool *used = rv_xcalloc(n, sizeof(*used));
	for (struct mount *k = mounts_head; k; k = k->next) {
		if (k->group > 0 && (size_t)k->group < n)
			used[k->group] = true;
		if (k->master > 0 && (size_t)k->master < n)
			used[k->master] = true;
	}
	int g = 1;
	while ((size_t)g < n - 1 && used[g])
		g++;
	free(used);
	return g;
}

/* m leaves its peer group; when it was the last one, the group's slaves
 * receive from m's master instead (do_make_slave()), or from nothing. */
static void group_leave_locked(struct mount *m)
{
	int g = m->group;
	if (!g)
		return;
	m->group = 0;
	for (struct mount *k = mounts_head; k; k = k->next)
		if (k->group == g)
			return;
	for (struct mount *k = mounts_head; k; k = k->next)
		if (k->master == g)
			k->master = m->master;
}

/* Linux's change_mnt_propagation(). */
static void change_type_locked(struct mount *m, unsigned long type)
{
	if (type == MS_SHARED) {
		if (!m->group)
			m->group = group_alloc_locked();
		m->unbindable = false;
		return;
	}
	int g = m->group;
	bool peers = false;
	for (struct mount *k = mounts_head; k && g; k = k->next)
		peers |= k != m && k->group == g;
	group_leave_locked(m);
	if (type == MS_SLAVE) {
		if (peers)
			m->master = g;
	} else {
		m->master = 0;
	}
	m->unbindable = type == MS_UNBINDABLE;
}

/* Is d at or below root (the part of the file system a mount shows)? */
static bool dentry_below(const struct dentry *d, const struct dentry *root)
{
	for (;;) {
		if (d == root)
			return true;
		if (d->parent == d)
			return false;
		d = d->parent;
	}
}

/* The mounts of a tree about to be copied: src[0] shown from root, then
 * (rec) each mount below it whose mountpoint shows, parents first;
 * unbindable ones and what is below them are left out (copy_tree()).
 * NULL-terminated, malloc'ed. */
static struct mount **tree_collect_locked(struct mount *top,
					  struct dentry *root, bool rec)
{
	size_t n = 1, cap = 8;
	struct mount **v = rv_xmalloc(cap * sizeof(*v));
	v[0] = top;
	unsigned mark = ++prop_gen;
	top->prop_mark = mark;
	/* Parents first: each pass takes the children of what is taken. */
	for (bool more = rec; more;) {
		more = false;
		for (struct mount *k = mounts_head; k; k = k->next) {
			if (k->parent == k || k->unbindable ||
			    k->prop_mark == mark ||
			    k->parent->prop_mark != mark ||
			    (k->parent == top &&
			     !dentry_below(k->mountpoint, root)))
				continue;
			if (n + 2 > cap) {
				cap *= 2;
				v = rv_xrealloc(v, cap * sizeof(*v));
			}
			k->prop_mark = mark;
			v[n++] = k;
			more = true;
		}
	}
	v[n] = NULL;
	return v;
}

/* How a copy relates to its original (clone_mnt()'s CL_* flags). */
enum copy_kind {
	COPY_BIND,   /* a peer of a shared one, a slave of its master */
	COPY_PEER,   /* a peer (CL_MAKE_SHARED) */
	COPY_SLAVE,  /* receives from the original's group (CL_SLAVE) */
	COPY_SLAVE_SHARED, /* that, and shared in a group of its own */
};

/* Copies of the mounts src[] (tree_collect_locked), src[0] showing
 * root, the others in the same places below it; attached to nothing yet.
 * NULL-terminated, malloc'ed. */
static struct mount **tree_copy_locked(struct mount **src,
				       struct dentry *root,
				       enum copy_kind kind)
{
	size_t n = 0;
	while (src[n])
		n++;
	struct mount **c = rv_xcalloc(n + 1, sizeof(*c));
	for (size_t i = 0; i < n; i++) {
		struct mount *o = src[i];
		c[i] = mnt_alloc(o->sb, i ? o->root : root, o->source,
				 o->flags & (MNT_USER_FLAGS | VFS_MNT_LOCK_RO));
		switch (kind) {
		case COPY_BIND:
			c[i]->group = o->group;
			c[i]->master = o->master;
			break;
		case COPY_PEER:
			c[i]->group = o->group;
			c[i]->master = o->master;
			break;
		case COPY_SLAVE:
		case COPY_SLAVE_SHARED:
			c[i]->master = o->group;
			break;
		}
	}
	return c;
}

/* Hang copies c[] of src[] (tree_copy_locked): c[0] at (parent, mp), each
 * other where its original hangs in the copied tree. */
static void tree_hang_locked(struct mount **c, struct mount **src,
			     struct mount *parent, struct dentry *mp)
{
	for (size_t i = 0; c[i]; i++) {
		struct mount *p = parent;
		struct dentry *d = mp;
		for (size_t j = 0; j < i && i; j++)
			if (src[j] == src[i]->parent) {
				p = c[j];
				d = src[i]->mountpoint;
			}
		mnt_list_add_locked(c[i]);
		mnt_hang_locked(c[i], p, d);
	}
}

/* The tree t[] (originals src[]) was just hung at (dest, mp), dest in
 * group g: a copy of it at every other mount receiving from g where mp
 * shows (propagate_mnt()). Mounts made here are marked and not visited. */
static void propagate_locked(int g, struct mount **t, struct mount *dest,
			     struct dentry *mp, int depth)
{
	if (!g || depth > 16)
		return;
	for (struct mount *k = mounts_head; k; k = k->next) {
		if (k->prop_mark == prop_gen || k == dest ||
		    k->parent == k || k->sb != dest->sb ||
		    (k->group != g && k->master != g) ||
		    !dentry_below(mp, k->root))
			continue;
		/* No more than the table holds (Linux: ENOSPC past
		 * fs.mount-max; here the copies beyond are not made). */
		if (mount_charge(tree_len(t)))
			return;
		bool peer = k->group == g;
		struct mount **c = tree_copy_locked(
			t, t[0]->root,
			peer ? COPY_PEER : k->group ? COPY_SLAVE_SHARED
						    : COPY_SLAVE);
		k->prop_mark = prop_gen;
		for (size_t i = 0; c[i]; i++) {
			c[i]->prop_mark = prop_gen;
			if (!peer && k->group)
				c[i]->group = group_alloc_locked();
		}
		tree_hang_locked(c, t, k, mp);
		/* A slave that is shared passes it on to its own group. */
		if (!peer && k->group)
			propagate_locked(k->group, c, k, mp, depth + 1);
		free(c);
	}
}

/* Hang the tree t[] (attached to nothing, or just taken off its place:
 * move) at mp, with the propagation Linux's attach_recursive_mnt() does:
 * under a shared mount the tree becomes shared and is copied to every
 * mount receiving from that group. src[] gives the tree's shape (t's
 * own mounts for a move, the originals for a copy). */
static void tree_attach_locked(struct mount **t, struct mount **src,
			       struct path *mp, bool moving)
{
	if (mp->mnt->group)
		for (size_t i = 0; t[i]; i++)
			if (!t[i]->group)
				t[i]->group = group_alloc_locked();
	prop_gen++;
	for (size_t i = 0; t[i]; i++)
		t[i]->prop_mark = prop_gen;
	mp->mnt->prop_mark = prop_gen;
	if (!moving) {
		tree_hang_locked(t, src, mp->mnt, mp->dentry);
	} else {
		/* A move: only the top changes place. */
		mnt_hang_locked(t[0], mp->mnt, mp->dentry);
		for (size_t i = 1; t[i]; i++)
			mnt_set_target_locked(t[i]);
	}
	propagate_locked(mp->mnt->group, t, mp->mnt, mp->dentry, 0);
}

static bool tree_unbindable(struct mount **t)
{
	for (size_t i = 0; t[i]; i++)
		if (t[i]->unbindable)
			return true;
	return false;
}

static size_t tree_len(struct mount **t)
{
	size_t n = 0;
	while (t[n])
		n++;
	return n;
}

/* MS_BIND's and MS_MOVE's source: a path to something in the tree (not
 * NULL nor empty: EINVAL, as do_loopback() and do_move_mount_old()). */
static int mount_source(struct task *t, const char *source, struct path *src)
{
	if (!source || !*source)
		return -EINVAL;
	int err = vfs_lookup(t, AT_FDCWD, source, LOOKUP_FOLLOW, src);
	if (err)
		return err;
	if (!mnt_in_tree(src->mnt)) {
		path_put(src);
		return -EINVAL;
	}
	return 0;
}

/* MS_BIND: the subtree at source shows at mp too; with MS_REC the mounts
 * below it as well (but unbindable ones). The copies keep source's mount
 * flags, as clone_mnt() does (a bind of a read-only volume is read-only),
 * and its propagation: a bind of a shared mount is its peer. */
static int bind_mount(struct task *t, struct path *mp, const char *source,
		      bool rec)
{
	struct path src;
	int err = mount_source(t, source, &src);
	if (err)
		return err;
	pthread_mutex_lock(&vfs_ns_lock);
	struct mount **v = NULL, **c = NULL;
	if (src.mnt->unbindable) {
		err = -EINVAL;
		goto out;
	}
	if ((err = mnt_can_attach(mp->dentry, src.dentry)))
		goto out;
	v = tree_collect_locked(src.mnt, src.dentry, rec);
	if ((err = mount_charge(tree_len(v))))
		goto out;
	c = tree_copy_locked(v, src.dentry, COPY_BIND);
	tree_attach_locked(c, v, mp, false);
out:
	pthread_mutex_unlock(&vfs_ns_lock);
	free(v);
	free(c);
	path_put(&src);
	return err;
}

/* MS_MOVE (do_move_mount()): the mount at source, with everything below
 * it, moves to mp. */
static int do_move_mount(struct task *t, struct path *mp, const char *source)
{
	struct path src;
	int err = mount_source(t, source, &src);
	if (err)
		return err;
	struct mount *old = src.mnt, **v = NULL;
	pthread_mutex_lock(&vfs_ns_lock);
	if (src.dentry != old->root || old->parent == old ||
	    d_is_dir(mp->dentry) != d_is_dir(src.dentry) ||
	    old->parent->group) {
		err = -EINVAL;
		goto out;
	}
	/* Every mount below old, unbindable ones too, old first. */
	size_t n = 0, cap = 8;
	v = rv_xmalloc(cap * sizeof(*v));
	for (struct mount *k = mounts_head; k; k = k->next) {
		if (!mnt_below(k, old))
			continue;
		if (n + 2 > cap) {
			cap *= 2;
			v = rv_xrealloc(v, cap * sizeof(*v));
		}
		if (k == old) {
			memmove(v + 1, v, n * sizeof(*v));
			v[0] = k;
		} else {
			v[n] = k;
		}
		n++;
	}
	v[n] = NULL;
	if (mp->mnt->group && tree_unbindable(v)) {
		err = -EINVAL;
		goto out;
	}
	if (mnt_below(mp->mnt, old)) {
		err = -ELOOP;
		goto out;
	}
	if (mp->dentry->dead) {
		err = -ENOENT;
		goto out;
	}
	mnt_unhang_locked(old);
	tree_attach_locked(v, v, mp, true);
out:
	pthread_mutex_unlock(&vfs_ns_lock);
	free(v);
	path_put(&src);
	return err;
}

/* MS_REMOUNT: new per-mount flags; without MS_BIND a tmpfs's superblock
 * goes read-only or back too (every mount of it), as Linux's do_remount.
 * A mount the runtime made read-only (an :ro volume) stays read-only:
 * Linux's MNT_LOCK_READONLY, which a container's root cannot lift either
 * (EPERM). */
static int remount(struct path *mp, unsigned int mflags, bool bind)
{
	struct mount *m = mp->mnt;
	if (mp->dentry != m->root)
		return -EINVAL;
	if ((m->flags & VFS_MNT_LOCK_RO) && !(mflags & MS_RDONLY))
		return -EPERM;
	pthread_mutex_lock(&vfs_ns_lock);
	if (!bind && !strcmp(m->sb->fstype, "tmpfs") &&
	    !(m->flags & VFS_MNT_LOCK_RO))
		m->sb->rdonly = mflags & MS_RDONLY;
	m->flags = (m->flags & ~MNT_USER_FLAGS) | mflags |
		   (m->sb->rdonly ? MS_RDONLY : 0);
	pthread_mutex_unlock(&vfs_ns_lock);
	return 0;
}

/* MS_SHARED, MS_PRIVATE, MS_SLAVE, MS_UNBINDABLE (do_change_type()):
 * exactly one, on a mount's root; MS_REC for every mount below it. */
static int change_type(struct path *mp, unsigned long type, bool rec)
{
	if (mp->dentry != mp->mnt->root || !type || (type & (type - 1)))
		return -EINVAL;
	pthread_mutex_lock(&vfs_ns_lock);
	for (struct mount *k = mounts_head; k; k = k->next)
		if (k == mp->mnt || (rec && mnt_below(k, mp->mnt)))
			change_type_locked(k, type);
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
	const unsigned long props = MS_SHARED | MS_PRIVATE | MS_SLAVE |
				    MS_UNBINDABLE;
	if ((flags & MS_REMOUNT) && (flags & MS_BIND)) {
		err = remount(&mp, mflags, true);
	} else if (flags & MS_REMOUNT) {
		err = remount(&mp, mflags, false);
	} else if (flags & MS_BIND) {
		err = bind_mount(t, &mp, source, flags & MS_REC);
	} else if (flags & props) {
		/* Anything beside the one type but MS_REC and MS_SILENT
		 * is EINVAL (flags_to_propagation_type()). */
		unsigned long type = flags & ~(MS_REC | MS_SILENT);
		err = change_type(&mp, type, flags & MS_REC);
	} else if (flags & MS_MOVE) {
		err = do_move_mount(t, &mp, source);
	} else if (!fstype) {
		err = -EINVAL;
	} else {
		err = new_mount(&mp, source, fstype, mflags, data);
	}
out:
	path_put(&mp);
	return err;
}

/* Take m and every mount below it out of the tree (umount_tree()), each
 * made private. The structures stay allocated: files and cwds inside keep
 * working, and ".." at a detached root stays there. */
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
	group_leave_locked(m);
	m->master = 0;
	mnt_unhang_locked(m);
	m->flags |= VFS_MNT_DETACHED;
}

/* An unmount on a mount of a shared group happens at the mounts that
 * receive from it (propagate_umount()): there, the top mount at the same
 * place showing the same files goes too, when nothing is mounted on it. */
static void propagate_umount_locked(struct mount *m, int g, int depth)
{
	if (!g || depth > 16)
		return;
	for (struct mount *k = mounts_head; k; k = k->next) {
		if (k == m->parent || k->parent == k ||
		    (k->group != g && k->master != g))
			continue;
		struct mount *c = vfs_mount_at(k, m->mountpoint);
		if (!c || c == m || c->root != m->root || c->sb != m->sb)
			continue;
		bool busy = false;
		for (struct mount *q = mounts_head; q && !busy; q = q->next)
			busy = q->parent == c && q != c;
		if (busy)
			continue;
		if (k->group && k->group != g)
			propagate_umount_locked(c, k->group, depth + 1);
		detach_tree(c);
		k = mounts_head; /* the list changed */
	}
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
			 !atomic_exchange(&m->expiry_mark, true))
			/* The first MNT_EXPIRE only marks it (umount(2)). */
			err = -EAGAIN;
	}
	if (!err) {
		propagate_umount_locked(m, m->parent->group, 0);
		detach_tree(m);
	}
	pthread_mutex_unlock(&vfs_ns_lock);
out:
	/* Not a use: the mark stays (mntput_no_expire()). */
	path_put_walk(&p);
	return err;
}

bool vfs_file_noexec(const struct file *f)
{
	return f->mnt && (f->mnt->flags & MS_NOEXEC);
}
