/* The mount table: a list of mounts in mount order (so /proc/mounts lists
 * them as Linux does), each attached at a (parent mount, dentry) pair. The
 * mountpoint dentry is pinned in the dcache so that every walk reaching it
 * finds the same dentry, and so the mount. */
#include "sentry/vfs/fs.h"

#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>

#include "sentry/util.h"

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
		if (!d_is_dir(mp->dentry)) {
			pthread_mutex_unlock(&vfs_ns_lock);
			dput(m->root);
			free(m->source);
			free(m);
			return -ENOTDIR;
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

char *vfs_mountinfo_text(size_t *lenp)
{
	size_t cap = 1024, len = 0;
	char *buf = rv_xmalloc(cap);
	buf[0] = 0;
	pthread_mutex_lock(&vfs_ns_lock);
	for (struct mount *m = mounts_head; m; m = m->next) {
		char line[4600];
		int n = snprintf(line, sizeof(line),
				 "%d %d %u:%u / %s %s%s%s%s%s - %s %s %s\n",
				 m->id, m->parent->id, major(m->sb->dev),
				 minor(m->sb->dev), m->target,
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
