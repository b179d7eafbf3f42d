/* The host filesystem: every inode keeps a backend handle (an
 * O_PATH|O_NOFOLLOW host fd, or a gofer fid) and lookups walk one
 * component at a time with the backend, so the host never follows a
 * symlink for the sandbox: the sentry's path walk does, against the
 * sandbox's root.
 *
 * By default dentries are not cached: each walk asks the backend again and
 * no host fd outlives its use. hostfs_enable_dcache() keeps up to a bound
 * of unused ones (least recently used evicted first): repeated walks then
 * cost no host call. On a read-only tree (the overlay's lower layer)
 * attributes and names missing on the host are trusted for
 * HOST_ATTR_TTL_NS, symlink targets for good, and a regular file's first
 * read-only host fd serves its later read-only opens: a program's
 * start stats, opens and probes the same few files again and again.
 *
 * Read-only unless made with hostfs_new_sb_writable() over a backend that
 * has the change operations (the gofer's): then create, mkdir, mknod
 * (fifos and sockets), symlink, link, unlink, rmdir, rename and setattr go
 * to the backend one request each, and file data is written straight to
 * the donated host fd.
 *
 * Shared mappings (mmap MAP_SHARED) are the one place the sentry keeps
 * host file data: the app's memory can only be memory-file pages, so a
 * shared mapping maps pages of a cache kept per host file (get_page), read
 * from the host when first touched. Every shared mapping of the file, in
 * every process and through any of its names, maps the same pages, as
 * with Linux's page cache. The cache is
 * written back to the host fd on msync, when a mapping goes (munmap, exit)
 * and before any read(2) of the file (so a read sees stores made through a
 * mapping); write(2) and truncate update the cached pages as well as the
 * host. Pages no mapping holds any more leave the cache at write-back, so
 * the cache lives only while the file is mapped shared. Private mappings
 * read their own copy, as before, except on read-only trees, whose files
 * all mappings map from a cache kept across mappings (host_ro_get_page).
 * The choice (rather than mapping the host fd's own pages into the app)
 * keeps the platforms' one rule that app memory is memory-file memory,
 * and the sentry's seccomp filter free of mmap of arbitrary fds. Not covered: changes made to the host file by
 * other host processes while it is mapped are not seen through the
 * mapping, and a store beyond end of file in the last page is dropped at
 * write-back, as on Linux.
 *
 * Device nodes of the host are not opened (EACCES, as on a nodev mount): a
 * host /dev/sda seen through --root must not become the sandbox's disk.
 * Fifos are the sentry's own pipes (pipe_fifo_open), never opened on the
 * host: a host fifo would block the sentry, and the app's two ends are
 * both inside the sandbox anyway. */
#include "sentry/fs/host/host.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "sentry/fs/pipe/pipe.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

struct host_sb {
	const struct hostfs_backend *be;
};

/* The pages of shared mappings of one host file, kept by the file's
 * identity (host st_dev, st_ino) rather than by sentry inode: two names of
 * one file (hard links), or two walks of one name on a tree that caches
 * no dentries, are two sentry inodes but must see one set of pages. A
 * cache exists while it holds pages (or an operation holds it).
 *
 * Two levels, PC_LEAF slots a leaf, so a mapping touched at the end of a
 * huge sparse file costs one leaf and a directory proportional to the
 * file's size / 2 MiB. A slot is a memory-file offset | 1 (the cache's
 * reference), 0 when absent. Fields under lock; refs and next under
 * pc_table_lock. */
#define PC_LEAF_SHIFT 9
#define PC_LEAF (1U << PC_LEAF_SHIFT)
#define PC_BUCKETS 64

struct host_pcache {
	pthread_mutex_t lock;
	uint64_t dev, ino;
	int refs;
	struct host_pcache *next;
	uint64_t **leaf;
	uint64_t nleaf;
	uint64_t npages;
	int wfd;      /* a dup of an O_RDWR host fd, for write-back; or -1 */
	/* Read-only trees' caches only: the file's version this cache
	 * holds (host_ro_get_page), and whether it is still in ro_table. */
	off_t size;
	struct timespec mtime, ctime;
	bool unlinked;
};

static pthread_mutex_t pc_table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct host_pcache *pc_table[PC_BUCKETS];
/* Caches alive: reads and writes skip the table while there are none. */
static _Atomic unsigned pc_live;

/* inode->priv. */
struct host_inode {
	int h;        /* backend handle */
	uint64_t dev; /* the host's st_dev: with inode->ino, the page cache key */
	/* The fd create() got (O_RDWR), kept for the open that follows:
	 * Linux lets the creating open write a file whose new mode denies
	 * it, which a re-open by handle would not. -1 when none. */
	int cfd;
	/* Read-only trees only (the overlay's lower layer, read-only
	 * volumes): the host attributes last fetched and when, so stat
	 * within HOST_ATTR_TTL_NS costs no backend call. Under i->lock. */
	struct stat attr;
	uint64_t attr_at;
	/* A symlink's target once read: a symlink's body never changes
	 * (a new one is a new inode), so this is never stale. */
	char *link;
	size_t linklen;
	/* Directories of read-only trees: names the host said were missing,
	 * with when (NULL until the first miss). Under i->lock. */
	struct host_neg *neg;
	/* Regular files of read-only trees: a host fd opened O_RDONLY,
	 * used by every read-only open of the file instead of asking the
	 * gofer again (a shell's every exec opens the same ld.so and libc),
	 * and not even duplicated: an open and close of a cached file make
	 * no host call. Safe to share: host file I/O is positional (pread at
	 * the sentry's own offset; the lseek of SEEK_END/SEEK_DATA/SEEK_HOLE
	 * moves the host offset, which nothing reads), and locks are the
	 * sentry's. -1 when none. */
	int rfd;
	/* Directories: the host_dfd slot holding the fd their walk
	 * brought, or -1. Under host_dfd_lock. */
	int dfd_slot;
};

/* Host fds held as rfd, bounded so a big tree walk cannot take the
 * sentry's fd limit. */
#define HOST_RFD_MAX 256
static _Atomic unsigned host_rfds;

/* Directory fds that came with a walk (walk_dir), kept by the inode for
 * the open that usually follows: a tree walk (find, git status, a build)
 * stats every entry of a directory, then opens each subdirectory in turn,
 * and that open then costs no backend request. At most HOST_DFD_MAX are
 * held, in a ring: when it is full the oldest is closed (its directory's
 * open asks the backend, as before). An inode knows its slot (dfd_slot);
 * host_put_inode closes its fd before the inode goes. */
#define HOST_DFD_MAX 512
static struct {
	struct inode *i;
	int fd;
} host_dfd[HOST_DFD_MAX];
static unsigned host_dfd_next;
static pthread_mutex_t host_dfd_lock = PTHREAD_MUTEX_INITIALIZER;

static void host_dfd_keep(struct inode *i, int fd);
static int host_dfd_take(struct inode *i);

/* Negative entries of one directory: a shell looking a command up in
 * every $PATH directory, or python probing for modules, asks again and
 * again for names that are not there, each a gofer round trip. A small
 * ring: the oldest miss is forgotten first. */
#define HOST_NEG_SLOTS 32
struct host_neg {
	struct {
		char *name;
		uint64_t at;
	} e[HOST_NEG_SLOTS];
	unsigned next;
};

/* How long the attributes of a read-only tree's file (and a name missing
 * from it) are trusted. The sandbox cannot change these files; only a
 * host process can, and then the sandbox may see the old attributes for
 * up to this long (docs/limits.md). Short, unlike FUSE's 1 s default: a
 * program start (python's ~100 stats) fits in it, and a sandbox whose
 * gofer dies still notices within it while busy with files. */
#define HOST_ATTR_TTL_NS 100000000ULL

/* Was name missing from read-only directory dir less than
 * HOST_ATTR_TTL_NS ago? */
static bool host_neg_hit(struct inode *dir, const char *name)
{
	struct host_neg *n;
	bool hit = false;

	pthread_mutex_lock(&dir->lock);
	n = ((struct host_inode *)dir->priv)->neg;
	for (unsigned k = 0; n && k < HOST_NEG_SLOTS && !hit; k++)
		hit = n->e[k].name && !strcmp(n->e[k].name, name) &&
		      rv_now_ns() - n->e[k].at < HOST_ATTR_TTL_NS;
	pthread_mutex_unlock(&dir->lock);
	return hit;
}

static void host_neg_add(struct inode *dir, const char *name)
{
	struct host_inode *hi = dir->priv;
	struct host_neg *n;
	char *copy = rv_xstrdup(name);

	pthread_mutex_lock(&dir->lock);
	if (!hi->neg)
		hi->neg = rv_xcalloc(1, sizeof(*hi->neg));
	n = hi->neg;
	free(n->e[n->next].name);
	n->e[n->next].name = copy;
	n->e[n->next].at = rv_now_ns();
	n->next = (n->next + 1) % HOST_NEG_SLOTS;
	pthread_mutex_unlock(&dir->lock);
}

struct host_file {
	int fd;       /* host fd opened for I/O */
	/* fd is the inode's rfd, not the description's own: not closed on
	 * release (the inode closes it when it goes). */
	bool borrowed;
	/* Read-only trees: the page cache of the file's version seen at
	 * its first mapping (a reference), or NULL. */
	struct host_pcache *ro;
	/* directories: getdents64 buffer */
	char *dbuf;
	size_t dlen, doff;
	int64_t dpos;       /* position of the next entry in dbuf */
	bool eof;
};

static const struct inode_operations host_iops;
static const struct file_operations host_file_fops;
static const struct file_operations host_ro_file_fops;
static const struct file_operations host_dir_fops;

static const struct hostfs_backend *BE(struct inode *i)
{
	return ((struct host_sb *)i->sb->priv)->be;
}

static struct host_inode *HI(struct inode *i)
{
	return i->priv;
}

static int HFD(struct inode *i)
{
	return HI(i)->h;
}

static void stat_to_inode(struct inode *i, const struct stat *st)
{
	i->ino = st->st_ino;
	i->mode = st->st_mode;
	i->uid = st->st_uid;
	i->gid = st->st_gid;
	i->nlink = st->st_nlink;
	i->size = (uint64_t)st->st_size;
	i->rdev = st->st_rdev;
	i->atime = st->st_atim;
	i->mtime = st->st_mtim;
	i->ctime = st->st_ctim;
}

static struct inode *host_inode(struct super_block *sb, int h,
				const struct stat *st)
{
	struct inode *i = inode_alloc(sb, st->st_mode);
	stat_to_inode(i, st);
	struct host_inode *hi = rv_xmalloc(sizeof(*hi));
	hi->h = h;
	hi->cfd = -1;
	hi->dev = st->st_dev;
	hi->attr = *st;
	hi->attr_at = sb->rdonly ? rv_now_ns() : 0;
	hi->link = NULL;
	hi->linklen = 0;
	hi->neg = NULL;
	hi->rfd = -1;
	hi->dfd_slot = -1;
	i->priv = hi;
	i->iops = &host_iops;
	if (S_ISDIR(st->st_mode))
		i->fops = &host_dir_fops;
	else if (S_ISREG(st->st_mode))
		i->fops = sb->rdonly ? &host_ro_file_fops : &host_file_fops;
	return i;
}

static void host_dfd_keep(struct inode *i, int fd)
{
	pthread_mutex_lock(&host_dfd_lock);
	unsigned k = host_dfd_next++ % HOST_DFD_MAX;
	int old = -1;
	if (host_dfd[k].i) {
		HI(host_dfd[k].i)->dfd_slot = -1;
		old = host_dfd[k].fd;
	}
	if (HI(i)->dfd_slot >= 0) {
		/* A second walk of one inode cannot happen (a walk makes a
		 * new inode), but keep the count right if it did. */
		unsigned o = (unsigned)HI(i)->dfd_slot;
		close(host_dfd[o].fd);
		host_dfd[o].i = NULL;
	}
	host_dfd[k].i = i;
	host_dfd[k].fd = fd;
	HI(i)->dfd_slot = (int)k;
	pthread_mutex_unlock(&host_dfd_lock);
	if (old >= 0)
		close(old);
}

/* The fd kept for i, taken (the caller owns it), or -1. */
static int host_dfd_take(struct inode *i)
{
	int fd = -1;
	pthread_mutex_lock(&host_dfd_lock);
	int k = HI(i)->dfd_slot;
	if (k >= 0) {
		RV_BUG_ON(host_dfd[k].i != i);
		fd = host_dfd[k].fd;
		host_dfd[k].i = NULL;
		HI(i)->dfd_slot = -1;
	}
	pthread_mutex_unlock(&host_dfd_lock);
	return fd;
}

/* --- the page cache of shared mappings ------------------------------------ */

static uint64_t *pc_slot(struct host_pcache *pc, uint64_t pg, bool create)
{
	uint64_t l = pg >> PC_LEAF_SHIFT;
	if (l >= pc->nleaf) {
		if (!create)
			return NULL;
		uint64_t n = RV_MAX(l + 1, pc->nleaf * 2);
		pc->leaf = rv_xrealloc(pc->leaf, n * sizeof(*pc->leaf));
		memset(pc->leaf + pc->nleaf, 0,
		       (n - pc->nleaf) * sizeof(*pc->leaf));
		pc->nleaf = n;
	}
	if (!pc->leaf[l]) {
		if (!create)
			return NULL;
		pc->leaf[l] = rv_xcalloc(PC_LEAF, sizeof(uint64_t));
	}
	return &pc->leaf[l][pg & (PC_LEAF - 1)];
}

static void pc_free(struct host_pcache *pc)
{
	if (!pc)
		return;
	for (uint64_t l = 0; l < pc->nleaf; l++) {
		if (!pc->leaf[l])
			continue;
		for (uint32_t k = 0; k < PC_LEAF; k++)
			if (pc->leaf[l][k])
				memfile_decref(pc->leaf[l][k] & ~1ULL, 1);
		free(pc->leaf[l]);
	}
	free(pc->leaf);
	if (pc->wfd >= 0)
		close(pc->wfd);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

/* The cache of i's host file, locked, with a reference; made when create,
 * else NULL when there is none. */
static struct host_pcache *pc_get(struct inode *i, bool create)
{
	if (!create && !atomic_load(&pc_live))
		return NULL;
	uint64_t dev = HI(i)->dev, ino = i->ino;
	struct host_pcache **b = &pc_table[(ino ^ dev) % PC_BUCKETS], *pc;
	pthread_mutex_lock(&pc_table_lock);
	for (pc = *b; pc; pc = pc->next)
		if (pc->dev == dev && pc->ino == ino)
			break;
	if (!pc && create) {
		pc = rv_xcalloc(1, sizeof(*pc));
		pthread_mutex_init(&pc->lock, NULL);
		pc->dev = dev;
		pc->ino = ino;
		pc->wfd = -1;
		pc->next = *b;
		*b = pc;
		atomic_fetch_add(&pc_live, 1);
	}
	if (pc)
		pc->refs++;
	pthread_mutex_unlock(&pc_table_lock);
	if (pc)
		pthread_mutex_lock(&pc->lock);
	return pc;
}

/* Unlock and drop the reference; a cache nobody holds and that holds no
 * page goes. */
static void pc_put(struct host_pcache *pc)
{
	pthread_mutex_unlock(&pc->lock);
	pthread_mutex_lock(&pc_table_lock);
	bool gone = --pc->refs == 0 && pc->npages == 0;
	if (gone) {
		struct host_pcache **b =
			&pc_table[(pc->ino ^ pc->dev) % PC_BUCKETS];
		while (*b != pc)
			b = &(*b)->next;
		*b = pc->next;
		atomic_fetch_sub(&pc_live, 1);
	}
	pthread_mutex_unlock(&pc_table_lock);
	if (gone)
		pc_free(pc);
}

/* Calls fn on every cached page of [first, last] (page numbers), in
 * order. Under pc->lock. fn returns non-zero to stop. */
static int pc_each(struct host_pcache *pc, uint64_t first, uint64_t last,
		   int (*fn)(struct host_pcache *, uint64_t pg, uint64_t *slot,
			     void *arg),
		   void *arg)
{
	if (!pc)
		return 0;
	for (uint64_t l = first >> PC_LEAF_SHIFT;
	     l < pc->nleaf && l <= last >> PC_LEAF_SHIFT; l++) {
		if (!pc->leaf[l])
			continue;
		for (uint32_t k = 0; k < PC_LEAF; k++) {
			uint64_t pg = (l << PC_LEAF_SHIFT) | k;
			if (pg < first || pg > last || !pc->leaf[l][k])
				continue;
			int r = fn(pc, pg, &pc->leaf[l][k], arg);
			if (r)
				return r;
		}
	}
	return 0;
}

struct pc_wb {
	uint64_t size;  /* the host file's */
	int err;
};

/* Write one page back (the part of it below end of file: a store beyond
 * it is not the file's, as on Linux), then let it go if no mapping holds
 * it any more. */
static int pc_wb_one(struct host_pcache *pc, uint64_t pg, uint64_t *slot,
		     void *arg)
{
	struct pc_wb *w = arg;
	uint64_t off = *slot & ~1ULL;
	uint64_t pos = pg << RV_PAGE_SHIFT;
	if (pc->wfd >= 0 && pos < w->size) {
		size_t len = (size_t)RV_MIN((uint64_t)RV_PAGE_SIZE,
					    w->size - pos);
		size_t done = 0;
		while (done < len) {
			ssize_t n = pwrite(pc->wfd,
					   (char *)memfile_ptr(off) + done,
					   len - done, (off_t)(pos + done));
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				if (!w->err)
					w->err = n < 0 ? -errno : -EIO;
				break;
			}
			done += (size_t)n;
		}
	}
	if (memfile_refcount(off) == 1) {
		memfile_decref(off, 1);
		*slot = 0;
		pc->npages--;
	}
	return 0;
}

/* Write the cached pages of [first, last] back to the host. Under
 * pc->lock. */
static int pc_writeback(struct host_pcache *pc, uint64_t first,
			uint64_t last)
{
	struct stat st;
	if (!pc->npages)
		return 0;
	struct pc_wb w = {0};
	if (pc->wfd >= 0) {
		if (fstat(pc->wfd, &st) < 0)
			return -errno;
		w.size = (uint64_t)st.st_size;
	}
	pc_each(pc, first, last, pc_wb_one, &w);
	return w.err;
}

#define PC_ALL 0, (UINT64_MAX >> RV_PAGE_SHIFT)

/* Every cached page of i's host file back to the host (before a read, a
 * truncate, an fsync, the last close). */
static int host_flush(struct inode *i)
{
	struct host_pcache *pc = pc_get(i, false);
	if (!pc)
		return 0;
	int err = pc_writeback(pc, PC_ALL);
	pc_put(pc);
	return err;
}

struct pc_copy {
	const struct iovec *iov;
	int iovcnt;
	uint64_t pos, len;  /* the bytes the iovec holds, in the file */
};

/* Copy what a write(2) put in the host file into a cached page, so that
 * mappings see it; the rest of the page keeps its stores. */
static int pc_copy_one(struct host_pcache *pc, uint64_t pg, uint64_t *slot,
		       void *arg)
{
	struct pc_copy *c = arg;
	(void)pc;
	uint64_t ps = pg << RV_PAGE_SHIFT, pe = ps + RV_PAGE_SIZE;
	uint64_t s = RV_MAX(ps, c->pos), e = RV_MIN(pe, c->pos + c->len);
	if (s >= e)
		return 0;
	vfs_iov_copy_in((char *)memfile_ptr(*slot & ~1ULL) + (s - ps), e - s,
			c->iov, c->iovcnt, s - c->pos);
	return 0;
}

struct pc_trunc {
	uint64_t size;
};

/* After a truncate: pages past the new end leave the cache (a mapping
 * that still holds one keeps it, detached: Linux would SIGBUS there),
 * and the tail of the last page reads as zeroes, as Linux's. */
static int pc_trunc_one(struct host_pcache *pc, uint64_t pg, uint64_t *slot,
			void *arg)
{
	struct pc_trunc *t = arg;
	uint64_t off = *slot & ~1ULL;
	uint64_t ps = pg << RV_PAGE_SHIFT;
	if (ps >= t->size) {
		memfile_decref(off, 1);
		*slot = 0;
		pc->npages--;
	} else if (t->size - ps < RV_PAGE_SIZE) {
		memset((char *)memfile_ptr(off) + (t->size - ps), 0,
		       RV_PAGE_SIZE - (t->size - ps));
	}
	return 0;
}

static void host_put_inode(struct inode *i)
{
	struct host_inode *hi = HI(i);
	if (S_ISDIR(i->mode)) {
		int dfd = host_dfd_take(i);
		if (dfd >= 0)
			close(dfd);
	}
	BE(i)->close(hi->h);
	if (hi->cfd >= 0)
		close(hi->cfd);
	free(hi->link);
	if (hi->rfd >= 0) {
		close(hi->rfd);
		host_rfds--;
	}
	if (hi->neg) {
		for (unsigned k = 0; k < HOST_NEG_SLOTS; k++)
			free(hi->neg->e[k].name);
		free(hi->neg);
	}
	free(hi);
}

static int host_lookup(struct inode *dir, struct dentry *parent,
		       const char *name, struct dentry **out)
{
	int h;
	struct stat st;
	/* The VFS never passes these; a backend must never see them. */
	if (!*name || strchr(name, '/') || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return -EINVAL;
	/* Only where the sandbox cannot create names (then a name it made
	 * would be hidden by the miss): a host process creating one shows
	 * within HOST_ATTR_TTL_NS. */
	if (dir->sb->rdonly && host_neg_hit(dir, name))
		return -ENOENT;
	int dfd = -1;
	int err = BE(dir)->walk_dir
			  ? BE(dir)->walk_dir(HFD(dir), name, &h, &st, &dfd)
			  : BE(dir)->walk(HFD(dir), name, &h, &st);
	if (err == -ENOENT && dir->sb->rdonly)
		host_neg_add(dir, name);
	if (err)
		return err;
	struct inode *i = host_inode(dir->sb, h, &st);
	if (dfd >= 0)
		host_dfd_keep(i, dfd);
	struct dentry *d = d_alloc(parent, name, strlen(name));
	d_instantiate(d, i);
	inode_put(i);
	*out = d;
	return 0;
}

static ssize_t host_readlink(struct dentry *d, char *buf, size_t len)
{
	struct inode *i = d->inode;
	struct host_inode *hi = HI(i);
	ssize_t n;

	pthread_mutex_lock(&i->lock);
	if (hi->link) {
		/* Truncated to the buffer, as readlink(2) does. */
		n = (ssize_t)RV_MIN(len, hi->linklen);
		memcpy(buf, hi->link, (size_t)n);
		pthread_mutex_unlock(&i->lock);
		return n;
	}
	pthread_mutex_unlock(&i->lock);
	n = BE(i)->readlink(HFD(i), buf, len);
	/* Only a whole target is kept (n == len may be truncated). */
	if (n >= 0 && (size_t)n < len) {
		char *copy = rv_xmalloc((size_t)n + 1);
		memcpy(copy, buf, (size_t)n);
		pthread_mutex_lock(&i->lock);
		if (!hi->link) {
			hi->link = copy;
			hi->linklen = (size_t)n;
			copy = NULL;
		}
		pthread_mutex_unlock(&i->lock);
		free(copy);
	}
	return n;
}

static int host_getattr(struct dentry *d, struct kstat *k)
{
	struct stat st;
	struct inode *i = d->inode;
	struct host_inode *hi = HI(i);
	bool cached = false;
	int err;

	if (i->sb->rdonly) {
		pthread_mutex_lock(&i->lock);
		if (rv_now_ns() - hi->attr_at < HOST_ATTR_TTL_NS) {
			st = hi->attr;
			cached = true;
		}
		pthread_mutex_unlock(&i->lock);
	}
	if (!cached) {
		err = BE(i)->stat(HFD(i), &st);
		if (err)
			return err;
		if (i->sb->rdonly) {
			pthread_mutex_lock(&i->lock);
			hi->attr = st;
			hi->attr_at = rv_now_ns();
			pthread_mutex_unlock(&i->lock);
		}
	}
	memset(k, 0, sizeof(*k));
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->nlink = st.st_nlink;
	k->size = (uint64_t)st.st_size;
	k->blocks = (uint64_t)st.st_blocks;
	k->rdev = st.st_rdev;
	k->mode = st.st_mode;
	k->uid = st.st_uid;
	k->gid = st.st_gid;
	k->blksize = (uint32_t)st.st_blksize;
	k->atime = st.st_atim;
	k->mtime = st.st_mtim;
	k->ctime = st.st_ctim;
	return 0;
}

/* The directory's own attributes after a change in it (mtime, nlink):
 * cached inodes are used for permission checks and by stat through a
 * cached dentry. */
static void host_refresh(struct inode *i)
{
	struct stat st;
	if (BE(i)->stat(HFD(i), &st) == 0) {
		pthread_mutex_lock(&i->lock);
		stat_to_inode(i, &st);
		pthread_mutex_unlock(&i->lock);
	}
}

/* A new object made by the backend, attached to the negative dentry d. */
static struct inode *host_made(struct inode *dir, struct dentry *d, int h,
			       const struct stat *st)
{
	struct inode *i = host_inode(dir->sb, h, st);
	d_instantiate(d, i);
	inode_put(i);
	host_refresh(dir);
	return i;
}

/* The backend's change operations are optional: a backend without them
 * serves a read-only tree (the superblock is read-only too, so the VFS
 * says EROFS first; this is the second line). */
#define HOST_OP(i, op) (BE(i)->op ? 0 : -EROFS)

static int host_create(struct inode *dir, struct dentry *d, uint32_t mode,
		       const struct cred *c)
{
	int h, fd, err;
	struct stat st;
	(void)c;
	if ((err = HOST_OP(dir, create)))
		return err;
	err = BE(dir)->create(HFD(dir), d->name, O_RDWR, mode & 07777, &h,
			      &st, &fd);
	if (err)
		return err;
	struct inode *i = host_made(dir, d, h, &st);
	HI(i)->cfd = fd;
	return 0;
}

static int host_mkdir(struct inode *dir, struct dentry *d, uint32_t mode,
		      const struct cred *c)
{
	int h, err;
	struct stat st;
	(void)c;
	if ((err = HOST_OP(dir, mkdir)))
		return err;
	err = BE(dir)->mkdir(HFD(dir), d->name, mode & 07777, &h, &st);
	if (err)
		return err;
	host_made(dir, d, h, &st);
	return 0;
}

static int host_mknod(struct inode *dir, struct dentry *d, uint32_t mode,
		      dev_t rdev, const struct cred *c)
{
	int h, err;
	struct stat st;
	(void)c;
	(void)rdev;
	/* The VFS lets only fifos and sockets through; a device node on the
	 * host would be a hole in the host whatever the sandbox believes. */
	if (!S_ISFIFO(mode) && !S_ISSOCK(mode))
		return -EPERM;
	if ((err = HOST_OP(dir, mknod)))
		return err;
	err = BE(dir)->mknod(HFD(dir), d->name, mode & (S_IFMT | 07777), &h,
			     &st);
	if (err)
		return err;
	host_made(dir, d, h, &st);
	return 0;
}

static int host_symlink(struct inode *dir, struct dentry *d,
			const char *target, const struct cred *c)
{
	int h, err;
	struct stat st;
	(void)c;
	if (strlen(target) >= PATH_MAX)
		return -ENAMETOOLONG;
	if ((err = HOST_OP(dir, symlink)))
		return err;
	err = BE(dir)->symlink(HFD(dir), d->name, target, &h, &st);
	if (err)
		return err;
	host_made(dir, d, h, &st);
	return 0;
}

static int host_link(struct dentry *old, struct inode *dir, struct dentry *d)
{
	int h, err;
	struct stat st;
	/* The VFS refuses links across mounts; across superblocks would
	 * mix handles of two backends. */
	if (old->inode->sb != dir->sb)
		return -EXDEV;
	if ((err = HOST_OP(dir, link)))
		return err;
	err = BE(dir)->link(HFD(dir), d->name, HFD(old->inode), &h, &st);
	if (err)
		return err;
	host_made(dir, d, h, &st);
	host_refresh(old->inode);
	return 0;
}

static int host_remove(struct inode *dir, struct dentry *d, int at_flags)
{
	int err;
	if ((err = HOST_OP(dir, unlink)))
		return err;
	err = BE(dir)->unlink(HFD(dir), d->name, at_flags);
	if (err)
		return err;
	host_refresh(dir);
	/* Open descriptions and other links keep the inode: its link count
	 * (fstat of an unlinked file shows 0) comes from the host. */
	host_refresh(d->inode);
	if (at_flags & AT_REMOVEDIR) {
		pthread_mutex_lock(&d->inode->lock);
		d->inode->nlink = 0;
		pthread_mutex_unlock(&d->inode->lock);
	}
	return 0;
}

static int host_unlink(struct inode *dir, struct dentry *d)
{
	return host_remove(dir, d, 0);
}

static int host_rmdir(struct inode *dir, struct dentry *d)
{
	return host_remove(dir, d, AT_REMOVEDIR);
}

static int host_rename(struct inode *odir, struct dentry *od,
		       struct inode *ndir, struct dentry *nd,
		       unsigned int flags)
{
	int err;
	if (odir->sb != ndir->sb)
		return -EXDEV;
	if ((err = HOST_OP(odir, rename)))
		return err;
	/* Not passed to the host: the gofer makes no device nodes. */
	if (flags & RENAME_WHITEOUT)
		return -EINVAL;
	/* A target the VFS found missing must still be missing on the host:
	 * NOREPLACE makes the check and the move one step, so a name made
	 * meanwhile on the host is not silently replaced. */
	if (!nd->inode)
		flags |= RENAME_NOREPLACE;
	err = BE(odir)->rename(HFD(odir), od->name, HFD(ndir), nd->name,
			       flags);
	if (err)
		return err;
	host_refresh(odir);
	if (ndir != odir)
		host_refresh(ndir);
	host_refresh(od->inode);
	if (nd->inode)
		host_refresh(nd->inode);
	return 0;
}

static int host_setattr(struct dentry *d, const struct iattr *ia)
{
	struct inode *i = d->inode;
	const struct hostfs_backend *be = BE(i);
	int err = 0;
	if (!be->chmod || !be->chown || !be->utimens || !be->truncate)
		return -EROFS;
	if (ia->valid & ATTR_SIZE) {
		if (S_ISDIR(i->mode))
			return -EISDIR;
		if (!S_ISREG(i->mode))
			return -EINVAL;
		if (ia->size > (uint64_t)INT64_MAX)
			return -EFBIG;
		/* Mapped stores reach the host before it is cut, and the
		 * cache then drops what is past the new end. */
		struct host_pcache *pc = pc_get(i, false);
		err = pc ? pc_writeback(pc, PC_ALL) : 0;
		if (!err)
			err = be->truncate(HFD(i), ia->size);
		if (pc) {
			struct pc_trunc t = {ia->size};
			if (!err)
				pc_each(pc, PC_ALL, pc_trunc_one, &t);
			pc_put(pc);
		}
	}
	if (!err && (ia->valid & (ATTR_UID | ATTR_GID)))
		err = be->chown(HFD(i),
				(ia->valid & ATTR_UID) ? ia->uid : (uid_t)-1,
				(ia->valid & ATTR_GID) ? ia->gid : (gid_t)-1);
	/* After chown: the host clears set-id bits on chown, and a chmod
	 * asked for together is the final word, as in Linux's notify_change.
	 */
	if (!err && (ia->valid & ATTR_MODE))
		err = be->chmod(HFD(i), ia->mode & 07777);
	if (!err && (ia->valid & (ATTR_ATIME | ATTR_MTIME))) {
		struct timespec ts[2] = {
			{.tv_nsec = UTIME_OMIT}, {.tv_nsec = UTIME_OMIT}};
		if (ia->valid & ATTR_ATIME)
			ts[0] = ia->atime;
		if (ia->valid & ATTR_MTIME)
			ts[1] = ia->mtime;
		err = be->utimens(HFD(i), ts);
	}
	host_refresh(i);
	return err;
}

static int host_open(struct inode *i, struct file *f)
{
	if (S_ISCHR(i->mode) || S_ISBLK(i->mode))
		return -EACCES;
	if (S_ISFIFO(i->mode))
		return pipe_fifo_open(i, f);
	if (!S_ISREG(i->mode) && !S_ISDIR(i->mode))
		return -ENXIO;
	int acc = f->flags & O_ACCMODE;
	int fd = -1;
	/* The description holds the inode (f->inode == i) for as long as
	 * it may use the inode's rfd. */
	bool shareable = i->sb->rdonly && S_ISREG(i->mode) &&
			 acc == O_RDONLY && f->inode == i;
	bool borrowed = false;
	pthread_mutex_lock(&i->lock);
	if (HI(i)->cfd >= 0) {
		/* The open of the create that made it. */
		fd = HI(i)->cfd;
		HI(i)->cfd = -1;
	} else if (shareable && HI(i)->rfd >= 0) {
		fd = HI(i)->rfd;
		borrowed = true;
	}
	pthread_mutex_unlock(&i->lock);
	/* A directory's fd that came with its walk: the same open
	 * (O_RDONLY|O_DIRECTORY), made by the backend a moment ago. */
	if (fd < 0 && S_ISDIR(i->mode))
		fd = host_dfd_take(i);
	if (fd < 0) {
		/* The access mode only: O_APPEND stays with the sentry's
		 * description (fcntl may change it), which host_write
		 * honours. */
		int fl = S_ISDIR(i->mode) ? O_DIRECTORY : acc;
		fd = BE(i)->open(HFD(i), fl);
		if (fd < 0)
			return fd;
		if (shareable && host_rfds < HOST_RFD_MAX) {
			pthread_mutex_lock(&i->lock);
			if (HI(i)->rfd < 0) {
				HI(i)->rfd = fd;
				host_rfds++;
				borrowed = true;
			}
			pthread_mutex_unlock(&i->lock);
		}
	}
	struct host_file *hf = rv_xcalloc(1, sizeof(*hf));
	hf->fd = fd;
	hf->borrowed = borrowed;
	hf->dpos = 2;
	f->priv = hf;
	return 0;
}

/* Extended attributes, straight from the host file (the syscall layer
 * has checked names, permission and the mount). A backend without them
 * stores none. */
static ssize_t host_getxattr(struct dentry *d, const char *name, void *buf,
			     size_t len)
{
	const struct hostfs_backend *be = BE(d->inode);
	if (!be->getxattr)
		return -ENODATA;
	return be->getxattr(HFD(d->inode), name, buf, len);
}

static int host_setxattr(struct dentry *d, const char *name, const void *val,
			 size_t len, int flags)
{
	const struct hostfs_backend *be = BE(d->inode);
	if (!be->setxattr)
		return -ENOTSUP;
	int err = be->setxattr(HFD(d->inode), name, val, len, flags);
	if (!err)
		host_refresh(d->inode); /* ctime */
	return err;
}

static ssize_t host_listxattr(struct dentry *d, char *buf, size_t len)
{
	const struct hostfs_backend *be = BE(d->inode);
	if (!be->listxattr)
		return 0;
	return be->listxattr(HFD(d->inode), buf, len);
}

static int host_removexattr(struct dentry *d, const char *name)
{
	const struct hostfs_backend *be = BE(d->inode);
	if (!be->removexattr)
		return -ENODATA;
	int err = be->removexattr(HFD(d->inode), name);
	if (!err)
		host_refresh(d->inode);
	return err;
}

static const struct inode_operations host_iops = {
	.lookup = host_lookup,
	.readlink = host_readlink,
	.getattr = host_getattr,
	.setattr = host_setattr,
	.open = host_open,
	.create = host_create,
	.mkdir = host_mkdir,
	.mknod = host_mknod,
	.symlink = host_symlink,
	.link = host_link,
	.unlink = host_unlink,
	.rmdir = host_rmdir,
	.rename = host_rename,
	.getxattr = host_getxattr,
	.setxattr = host_setxattr,
	.listxattr = host_listxattr,
	.removexattr = host_removexattr,
};

static struct host_file *HF(struct file *f)
{
	return f->priv;
}

static int host_get_page(struct file *f, uint64_t pgoff, bool write,
			 uint64_t *memfile_off)
{
	int fd = HF(f)->fd;
	struct stat st;
	(void)write;

	if (fstat(fd, &st) < 0)
		return -errno;
	/* Beyond end of file: SIGBUS for the mapping. */
	if (pgoff >= rv_page_up((uint64_t)st.st_size) >> RV_PAGE_SHIFT)
		return -ENXIO;
	struct host_pcache *pc = pc_get(f->inode, true);
	int err = 0;
	/* Write-back needs a writable fd; any mapping made from an O_RDWR
	 * description may be (or be made, mprotect) writable. */
	if (pc->wfd < 0 && (f->flags & O_ACCMODE) == O_RDWR) {
		pc->wfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (pc->wfd < 0) {
			err = -errno;
			goto out;
		}
	}
	uint64_t *slot = pc_slot(pc, pgoff, true);
	if (!*slot) {
		int64_t off = memfile_alloc(1);
		if (off < 0) {
			err = (int)off;
			goto out;
		}
		/* Fresh pages are zero: a short read leaves the tail of the
		 * last page zero, as Linux. */
		ssize_t n = pread(fd, memfile_ptr((uint64_t)off), RV_PAGE_SIZE,
				  (off_t)(pgoff << RV_PAGE_SHIFT));
		if (n < 0) {
			err = -errno;
			memfile_decref((uint64_t)off, 1);
			goto out;
		}
		*slot = (uint64_t)off | 1;
		pc->npages++;
	}
	*memfile_off = *slot & ~1ULL;
	memfile_incref(*memfile_off, 1);
out:
	pc_put(pc);
	return err;
}

/* --- the page cache of read-only trees ------------------------------------
 *
 * Files of read-only trees (the overlay's lower layer, read-only volumes)
 * cannot change from inside the sandbox, so every mapping of one, private
 * or shared, maps the pages of one cache per file version, as Linux maps
 * private file mappings from its page cache: pages are mapped read-only
 * and a private mapping's first write copies the page (the mm's
 * copy-on-write, since the cache holds a reference). Every exec of a
 * dynamic program thus shares ld.so's and libc's pages instead of reading
 * them again. Unlike the shared-mapping cache, the pages outlive the
 * mappings: they are what the next exec maps.
 *
 * Kept by (st_dev, st_ino) and validated by size, mtime and ctime when a
 * description first maps the file: a file the host changed gets a fresh
 * cache; mappings of the old version keep their old pages (Linux would
 * show them the change). Bounded: beyond 1/8 of the memory limit, or
 * when an allocation fails, pages no mapping holds (refcount 1: the
 * cache's own) are dropped. ro_table_lock, then a cache's lock. */
static pthread_mutex_t ro_table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct host_pcache *ro_table[PC_BUCKETS];
static _Atomic uint64_t ro_pages; /* pages held by every ro cache */
static _Atomic uint64_t ro_reclaim_at; /* no scan below this many */
/* Pages read ahead on a miss: one pread and one memory-file run. */
#define RO_READAHEAD 16

static bool ro_same(const struct host_pcache *pc, const struct stat *st)
{
	return pc->size == st->st_size &&
	       pc->mtime.tv_sec == st->st_mtim.tv_sec &&
	       pc->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       pc->ctime.tv_sec == st->st_ctim.tv_sec &&
	       pc->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* Take pc out of ro_table (ro_table_lock held). */
static void ro_unlink(struct host_pcache *pc)
{
	struct host_pcache **b = &ro_table[(pc->ino ^ pc->dev) % PC_BUCKETS];
	while (*b != pc)
		b = &(*b)->next;
	*b = pc->next;
	pc->unlinked = true;
}

/* The cache of st's file version, with a reference (not locked). */
static struct host_pcache *ro_get(const struct stat *st)
{
	uint64_t dev = st->st_dev, ino = st->st_ino;
	struct host_pcache **b = &ro_table[(ino ^ dev) % PC_BUCKETS], *pc;
	struct host_pcache *dead = NULL;

	pthread_mutex_lock(&ro_table_lock);
	for (pc = *b; pc; pc = pc->next)
		if (pc->dev == dev && pc->ino == ino)
			break;
	if (pc && !ro_same(pc, st)) {
		/* A changed file: the old version leaves the table and
		 * goes with its last description. */
		ro_unlink(pc);
		if (--pc->refs == 0) {
			ro_pages -= pc->npages;
			dead = pc;
		}
		pc = NULL;
	}
	if (!pc) {
		pc = rv_xcalloc(1, sizeof(*pc));
		pthread_mutex_init(&pc->lock, NULL);
		pc->dev = dev;
		pc->ino = ino;
		pc->wfd = -1;
		pc->size = st->st_size;
		pc->mtime = st->st_mtim;
		pc->ctime = st->st_ctim;
		pc->refs = 1; /* the table's */
		pc->next = *b;
		*b = pc;
	}
	pc->refs++;
	pthread_mutex_unlock(&ro_table_lock);
	pc_free(dead);
	return pc;
}

/* Drop a reference. A cache that only the table holds and that holds no
 * page goes too: a program mapping every file of /usr must not grow the
 * sentry's heap by a cache per file. With refs 1 no get_page can run on
 * it, so npages is stable under ro_table_lock. */
static void ro_put(struct host_pcache *pc)
{
	pthread_mutex_lock(&ro_table_lock);
	bool gone = --pc->refs == 0;
	if (!gone && pc->refs == 1 && !pc->unlinked && !pc->npages) {
		ro_unlink(pc);
		gone = --pc->refs == 0;
	}
	if (gone)
		ro_pages -= pc->npages;
	pthread_mutex_unlock(&ro_table_lock);
	if (gone)
		pc_free(pc);
}

/* Drop up to want pages that only the caches hold. Called from the
 * memory file's allocator when it runs out, possibly with a cache's lock
 * held by the caller: locks are only tried. Returns the pages freed. */
static size_t ro_reclaim(size_t want)
{
	size_t freed = 0;
	struct host_pcache *dead = NULL;

	if (pthread_mutex_trylock(&ro_table_lock))
		return 0;
	for (int bk = 0; bk < PC_BUCKETS && freed < want; bk++) {
		struct host_pcache *pc, *next;
		for (pc = ro_table[bk]; pc && freed < want; pc = next) {
			next = pc->next;
			if (pthread_mutex_trylock(&pc->lock))
				continue;
			for (uint64_t l = 0; l < pc->nleaf && freed < want;
			     l++) {
				if (!pc->leaf[l])
					continue;
				bool empty = true;
				for (uint32_t k = 0; k < PC_LEAF; k++) {
					uint64_t *s = &pc->leaf[l][k];
					if (!*s)
						continue;
					if (memfile_refcount(*s & ~1ULL) != 1) {
						empty = false;
						continue;
					}
					memfile_decref(*s & ~1ULL, 1);
					*s = 0;
					pc->npages--;
					ro_pages--;
					freed++;
				}
				/* The next scans skip it. */
				if (empty) {
					free(pc->leaf[l]);
					pc->leaf[l] = NULL;
				}
			}
			pthread_mutex_unlock(&pc->lock);
			/* Empty and no description holds it: it goes. */
			if (!pc->npages && pc->refs == 1) {
				ro_unlink(pc);
				pc->refs = 0;
				pc->next = dead;
				dead = pc;
			}
		}
	}
	pthread_mutex_unlock(&ro_table_lock);
	while (dead) {
		struct host_pcache *n = dead->next;
		pc_free(dead);
		dead = n;
	}
	return freed;
}

static pthread_once_t ro_once = PTHREAD_ONCE_INIT;

static void ro_init(void)
{
	memfile_set_reclaim_hook(ro_reclaim);
}

/* The ro cache of f's file version, attached to the description on first
 * use. NULL with *err set when the file cannot be examined. */
static struct host_pcache *ro_cache_of(struct file *f, int *err)
{
	struct host_file *hf = HF(f);

	pthread_once(&ro_once, ro_init);
	if (!hf->ro) {
		struct stat st;
		if (fstat(hf->fd, &st) < 0) {
			*err = -errno;
			return NULL;
		}
		struct host_pcache *pc = ro_get(&st);
		/* Two tasks sharing the description may race here. */
		struct host_pcache *old = NULL;
		if (!__atomic_compare_exchange_n(&hf->ro, &old, pc, false,
						 __ATOMIC_ACQ_REL,
						 __ATOMIC_ACQUIRE))
			ro_put(pc);
	}
	return __atomic_load_n(&hf->ro, __ATOMIC_ACQUIRE);
}

static size_t host_ro_peek_pages(struct file *f, uint64_t pgoff, size_t n,
				 uint64_t *offs)
{
	int err;
	size_t found = 0;
	struct host_pcache *pc = ro_cache_of(f, &err);

	for (size_t k = 0; k < n; k++)
		offs[k] = UINT64_MAX;
	if (!pc)
		return 0;
	uint64_t npg = rv_page_up((uint64_t)pc->size) >> RV_PAGE_SHIFT;
	pthread_mutex_lock(&pc->lock);
	for (size_t k = 0; k < n && pgoff + k < npg; k++) {
		uint64_t *slot = pc_slot(pc, pgoff + k, false);
		if (!slot || !*slot)
			continue;
		offs[k] = *slot & ~1ULL;
		memfile_incref(offs[k], 1);
		found++;
	}
	pthread_mutex_unlock(&pc->lock);
	return found;
}

static int host_ro_get_page(struct file *f, uint64_t pgoff, bool write,
			    uint64_t *memfile_off)
{
	struct host_file *hf = HF(f);
	int err = 0;
	(void)write; /* a read-only tree's file is never opened O_RDWR */

	struct host_pcache *pc = ro_cache_of(f, &err);
	if (!pc)
		return err;
	/* Beyond end of file (as it was when the cache was made): SIGBUS
	 * for the mapping. */
	uint64_t npg = rv_page_up((uint64_t)pc->size) >> RV_PAGE_SHIFT;
	if (pgoff >= npg)
		return -ENXIO;
	pthread_mutex_lock(&pc->lock);
	uint64_t *slot = pc_slot(pc, pgoff, true);
	if (!*slot) {
		/* Read ahead the missing pages that follow, in one run. */
		uint64_t n = 1;
		while (n < RO_READAHEAD && pgoff + n < npg) {
			uint64_t *s = pc_slot(pc, pgoff + n, true);
			if (*s)
				break;
			n++;
		}
		int64_t off = memfile_alloc(n);
		if (off < 0 && n > 1) {
			n = 1;
			off = memfile_alloc(1);
		}
		if (off < 0) {
			err = (int)off;
			goto out;
		}
		/* Fresh pages are zero: a short read leaves the tail of the
		 * last page zero, as Linux. One madvise maps the run into
		 * the sentry instead of a host fault per page in pread
		 * (as fault.c's reads). */
		madvise(memfile_ptr((uint64_t)off), n << RV_PAGE_SHIFT,
			MADV_POPULATE_WRITE);
		ssize_t r = pread(hf->fd, memfile_ptr((uint64_t)off),
				  n << RV_PAGE_SHIFT,
				  (off_t)(pgoff << RV_PAGE_SHIFT));
		if (r < 0) {
			err = -errno;
			memfile_decref((uint64_t)off, n);
			goto out;
		}
		/* Filled for the app's mapping (ptrace: the stub's, not the
		 * sentry's; memfile.h). */
		memfile_drop_ptes((uint64_t)off, n << RV_PAGE_SHIFT);
		for (uint64_t k = 0; k < n; k++)
			*pc_slot(pc, pgoff + k, false) =
				((uint64_t)off + (k << RV_PAGE_SHIFT)) | 1;
		pc->npages += n;
		ro_pages += n;
	}
	*memfile_off = *slot & ~1ULL;
	memfile_incref(*memfile_off, 1);
out:
	pthread_mutex_unlock(&pc->lock);
	/* Over the limit: down to half of it, so that the scan is paid once
	 * per half of the cache, not once per fault. Pages still mapped
	 * cannot go: then the next scan waits until a quarter of the limit
	 * more was read, rather than rescanning on every fault. */
	uint64_t limit = (memfile_limit() >> RV_PAGE_SHIFT) / 8;
	if (!err && ro_pages > RV_MAX(limit, ro_reclaim_at)) {
		ro_reclaim(ro_pages - limit / 2);
		ro_reclaim_at = ro_pages + limit / 4;
	}
	return err;
}

static int host_mmap_writeback(struct file *f, uint64_t off, uint64_t len,
			       bool sync)
{
	if (!len)
		return 0;
	uint64_t first = off >> RV_PAGE_SHIFT;
	uint64_t last = off + len < off ? UINT64_MAX >> RV_PAGE_SHIFT
					: (off + len - 1) >> RV_PAGE_SHIFT;
	struct host_pcache *pc = pc_get(f->inode, false);
	if (!pc)
		return 0;
	int err = pc_writeback(pc, first, last);
	if (!err && sync && pc->wfd >= 0 && fdatasync(pc->wfd) < 0 &&
	    errno != EINVAL)
		err = -errno;
	pc_put(pc);
	return err;
}

static ssize_t host_read(struct file *f, const struct iovec *iov, int iovcnt,
			 int64_t *pos)
{
	/* Stores made through shared mappings are in the cache: the host
	 * gets them first, so the read sees them. */
	int err = host_flush(f->inode);
	if (err)
		return err;
	ssize_t n = preadv(HF(f)->fd, iov, iovcnt, *pos);
	if (n < 0)
		return -errno;
	*pos += n;
	return n;
}

static ssize_t host_write(struct file *f, const struct iovec *iov,
			  int iovcnt, int64_t *pos)
{
	struct inode *i = f->inode;
	struct host_file *hf = HF(f);
	ssize_t n;
	/* O_APPEND: the end as the host knows it, under the inode lock so
	 * that two appenders in the sandbox do not overwrite each other
	 * (pwrite included, as Linux's O_APPEND). */
	if (f->flags & O_APPEND) {
		struct stat st;
		pthread_mutex_lock(&i->lock);
		if (fstat(hf->fd, &st) < 0) {
			n = -errno;
		} else {
			n = pwritev(hf->fd, iov, iovcnt, st.st_size);
			if (n < 0)
				n = -errno;
			else
				*pos = st.st_size + n;
		}
	} else {
		n = pwritev(hf->fd, iov, iovcnt, *pos);
		if (n < 0)
			n = -errno;
		else
			*pos += n;
		pthread_mutex_lock(&i->lock);
	}
	if (n > 0) {
		if ((uint64_t)*pos > i->size)
			i->size = (uint64_t)*pos;
		i->mtime = i->ctime = vfs_now();
	}
	pthread_mutex_unlock(&i->lock);
	struct host_pcache *pc = n > 0 ? pc_get(i, false) : NULL;
	if (pc) {
		/* Mapped pages see the write too. */
		struct pc_copy c = {iov, iovcnt, (uint64_t)(*pos - n),
				    (uint64_t)n};
		pc_each(pc, c.pos >> RV_PAGE_SHIFT,
			(c.pos + c.len - 1) >> RV_PAGE_SHIFT, pc_copy_one, &c);
		pc_put(pc);
	}
	/* O_SYNC/O_DSYNC: the host fd was opened without them (the fd of a
	 * create serves whatever open follows), so each write is made
	 * durable here, as open(2) promises. */
	if (n > 0 && (f->flags & (O_SYNC | O_DSYNC)) && fdatasync(hf->fd) < 0 &&
	    errno != EINVAL)
		return -errno;
	return n;
}

static int64_t host_llseek(struct file *f, int64_t off, int whence)
{
	if (whence == SEEK_DATA || whence == SEEK_HOLE || whence == SEEK_END) {
		/* The host knows the size (and holes) best. */
		off_t r = lseek(HF(f)->fd, off, whence);
		if (r < 0)
			return -errno;
		return f->pos = r;
	}
	return generic_llseek(f, off, whence, 0);
}

static int host_fsync(struct file *f)
{
	/* Stores through shared mappings first (fsync(2) writes back the
	 * file's dirty pages, mapped ones included). */
	int err = f->inode ? host_flush(f->inode) : 0;
	if (err)
		return err;
	/* The host holds the data: its fsync is the one that counts. A
	 * read-only descriptor may be synced too, as on Linux. */
	if (HF(f) && fsync(HF(f)->fd) < 0 && errno != EINVAL)
		return -errno;
	return 0;
}

static void host_release(struct file *f)
{
	struct host_file *hf = HF(f);
	if (!hf)
		return;
	/* Pages a mapping dropped (MADV_DONTNEED) but did not unmap are
	 * written back by the last close at the latest. */
	if (f->inode)
		host_flush(f->inode);
	if (hf->ro)
		ro_put(hf->ro);
	if (!hf->borrowed)
		close(hf->fd);
	free(hf->dbuf);
	free(hf);
}

static const struct file_operations host_file_fops = {
	.read = host_read,
	.write = host_write,
	.llseek = host_llseek,
	.fsync = host_fsync,
	.release = host_release,
	.get_page = host_get_page,
	.mmap_writeback = host_mmap_writeback,
};

/* Files of read-only trees: mappings share the ro cache, and nothing is
 * ever written back (nothing can write them). */
static const struct file_operations host_ro_file_fops = {
	.read = host_read,
	.write = host_write,
	.llseek = host_llseek,
	.fsync = host_fsync,
	.release = host_release,
	.get_page = host_ro_get_page,
	.peek_pages = host_ro_peek_pages,
	.private_copy = true,
};

/* Directory positions are the host's d_off cookies, except 0..2 which the
 * VFS owns ("." and ".."; 2 is the host's start). */
static int host_iterate(struct file *f, struct dir_context *ctx)
{
	struct host_file *hf = HF(f);
	if (!hf->dbuf)
		hf->dbuf = rv_xmalloc(32768);
	if (ctx->pos != hf->dpos) {
		/* seekdir/rewinddir: restart the host stream there. */
		off_t r = lseek(hf->fd, ctx->pos <= 2 ? 0 : ctx->pos, SEEK_SET);
		if (r < 0)
			return -errno;
		hf->dlen = hf->doff = 0;
		hf->dpos = ctx->pos;
		hf->eof = false;
	}
	for (;;) {
		if (hf->doff >= hf->dlen) {
			if (hf->eof)
				return 0;
			long n = syscall(SYS_getdents64, hf->fd, hf->dbuf,
					 32768);
			if (n < 0)
				return -errno;
			if (n == 0) {
				hf->eof = true;
				return 0;
			}
			hf->dlen = (size_t)n;
			hf->doff = 0;
		}
		struct dirent64 *de = (void *)(hf->dbuf + hf->doff);
		size_t nl = strlen(de->d_name);
		bool dots = !strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, "..");
		/* A host cookie of 0..2 would alias the VFS's own positions;
		 * ext4/xfs/tmpfs never use them after real entries. */
		int64_t next = de->d_off <= 2 ? 3 : de->d_off;
		if (!dots && ctx->emit(ctx, de->d_name, nl, de->d_ino,
				       de->d_type, next))
			return 0;
		hf->doff += de->d_reclen;
		hf->dpos = ctx->pos = next;
	}
}

static int64_t host_dir_llseek(struct file *f, int64_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	return generic_llseek(f, off, whence, INT64_MAX);
}

static const struct file_operations host_dir_fops = {
	.iterate = host_iterate,
	.llseek = host_dir_llseek,
	.fsync = host_fsync,
	.release = host_release,
};

static int host_statfs(struct super_block *sb, struct dentry *d,
		       struct statfs *sf)
{
	struct statfs h;
	(void)sb;
	int err = BE(d->inode)->statfs(HFD(d->inode), &h);
	if (err)
		return err;
	sf->f_type = h.f_type;
	sf->f_bsize = h.f_bsize;
	sf->f_frsize = h.f_frsize;
	sf->f_blocks = h.f_blocks;
	sf->f_bfree = h.f_bfree;
	sf->f_bavail = h.f_bavail;
	sf->f_files = h.f_files;
	sf->f_ffree = h.f_ffree;
	sf->f_namelen = h.f_namelen;
	return 0;
}

int hostfs_new_sb(const struct hostfs_backend *be, const char *root,
		  struct super_block **sbp, struct dentry **droot)
{
	return hostfs_new_sb_writable(be, root, false, sbp, droot);
}

int hostfs_new_sb_writable(const struct hostfs_backend *be, const char *root,
			   bool writable, struct super_block **sbp,
			   struct dentry **droot)
{
	if (writable && (!be->create || !be->mkdir || !be->mknod ||
			 !be->symlink || !be->link || !be->unlink ||
			 !be->rename || !be->chmod || !be->chown ||
			 !be->utimens || !be->truncate))
		return -EROFS;
	int h;
	struct stat st;
	int err = be->attach(root, &h, &st);
	if (err)
		return err;
	if (!S_ISDIR(st.st_mode)) {
		be->close(h);
		return -ENOTDIR;
	}
	struct super_block *sb = rv_xcalloc(1, sizeof(*sb));
	struct host_sb *hs = rv_xcalloc(1, sizeof(*hs));
	hs->be = be;
	sb->fstype = "hostfs";
	sb->dev = st.st_dev;
	sb->rdonly = !writable;
	sb->cache_dentries = false;
	sb->put_inode = host_put_inode;
	sb->statfs = host_statfs;
	sb->priv = hs;
	struct inode *i = host_inode(sb, h, &st);
	struct dentry *d = d_alloc(NULL, "/", 1);
	d_instantiate(d, i);
	inode_put(i);
	*sbp = sb;
	*droot = d;
	return 0;
}

void hostfs_enable_dcache(struct super_block *sb, size_t max_unused)
{
	pthread_mutex_lock(&vfs_ns_lock);
	sb->lru_max = max_unused;
	sb->cache_dentries = max_unused > 0;
	pthread_mutex_unlock(&vfs_ns_lock);
}

/* --- the direct backend ------------------------------------------------------ */

static int direct_attach(const char *root, int *out, struct stat *st)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", st, AT_EMPTY_PATH) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*out = fd;
	return 0;
}

static int direct_walk(int dir, const char *name, int *out, struct stat *st)
{
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatat(fd, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*out = fd;
	return 0;
}

static int direct_stat(int h, struct stat *st)
{
	if (fstatat(h, "", st, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

static int direct_open(int h, int flags)
{
	char p[64];
	/* Re-open the O_PATH fd itself (not its name, which may have been
	 * swapped for a symlink since the walk). */
	snprintf(p, sizeof(p), "/proc/self/fd/%d", h);
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
				 (flags & O_DIRECTORY));
	if (fd < 0)
		return -errno;
	/* O_NONBLOCK only guarded the open against host fifos swapped in. */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

static ssize_t direct_readlink(int h, char *buf, size_t len)
{
	ssize_t n = readlinkat(h, "", buf, len);
	return n < 0 ? -errno : n;
}

static int direct_statfs(int h, struct statfs *sf)
{
	return fstatfs(h, sf) < 0 ? -errno : 0;
}

static void direct_close(int h)
{
	close(h);
}

const struct hostfs_backend hostfs_direct_backend = {
	.attach = direct_attach,
	.walk = direct_walk,
	.stat = direct_stat,
	.open = direct_open,
	.readlink = direct_readlink,
	.statfs = direct_statfs,
	.close = direct_close,
};
