/* hostfs_backend over the gofers of volumes (see gofer/volume.h). A
 * handle is the volume's number in bits 20..29 and the fid below: fids
 * are below GOFER_MAX_FIDS (2^16), so the two never overlap, and a handle
 * stays a positive int. A handle that names no registered volume is a
 * sentry bug, refused with EIO rather than sent to another volume's
 * gofer. */
#include "gofer/volume.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gofer/protocol.h"
#include "sentry/util.h"

#define VOL_SHIFT 20
#define VOL_FID_MASK ((1u << VOL_SHIFT) - 1)

_Static_assert(GOFER_MAX_FIDS <= (1u << VOL_SHIFT), "fids fit a handle");
_Static_assert(((uint64_t)GOFER_MAX_VOLUMES << VOL_SHIFT) <= INT_MAX,
	       "volume numbers fit a handle");

static struct gofer_client *vol_clients[GOFER_MAX_VOLUMES];
static unsigned vol_count;

int gofer_volume_add(struct gofer_client *c, char *key, size_t keylen)
{
	if (vol_count >= GOFER_MAX_VOLUMES)
		return -ENOSPC;
	vol_clients[vol_count] = c;
	snprintf(key, keylen, "volume:%u", vol_count);
	vol_count++;
	return 0;
}

static struct gofer_client *vol_client(int h)
{
	unsigned v = (unsigned)h >> VOL_SHIFT;
	return h > 0 && v < vol_count ? vol_clients[v] : NULL;
}

static uint64_t vol_fid(int h)
{
	return (unsigned)h & VOL_FID_MASK;
}

static int vol_handle(unsigned v, struct gofer_client *c, uint64_t fid,
		      int *out)
{
	if (fid == 0 || fid > VOL_FID_MASK) {
		gofer_clunk(c, fid);
		return -EIO;
	}
	*out = (int)((v << VOL_SHIFT) | (unsigned)fid);
	return 0;
}

static int vol_attach(const char *key, int *out, struct stat *st)
{
	char *end;
	if (strncmp(key, "volume:", 7) != 0)
		return -EINVAL;
	unsigned long v = strtoul(key + 7, &end, 10);
	if (*end || end == key + 7 || v >= vol_count)
		return -ENODEV;
	uint64_t fid;
	struct gofer_client *c = vol_clients[v];
	int err = gofer_attach(c, &fid, st);
	return err ? err : vol_handle((unsigned)v, c, fid, out);
}

static int vol_walk(int dir, const char *name, int *out, struct stat *st)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid;
	if (!c)
		return -EIO;
	int err = gofer_walk(c, vol_fid(dir), name, &fid, st);
	return err ? err : vol_handle((unsigned)dir >> VOL_SHIFT, c, fid, out);
}

static int vol_walk_dir(int dir, const char *name, int *out, struct stat *st,
			int *dfd)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid;
	*dfd = -1;
	if (!c)
		return -EIO;
	int err = gofer_walk_dir(c, vol_fid(dir), name, &fid, st, dfd);
	if (!err)
		err = vol_handle((unsigned)dir >> VOL_SHIFT, c, fid, out);
	if (err && *dfd >= 0) {
		close(*dfd);
		*dfd = -1;
	}
	return err;
}

static int vol_stat(int h, struct stat *st)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_stat(c, vol_fid(h), st) : -EIO;
}

static int vol_open(int h, int flags)
{
	struct gofer_client *c = vol_client(h);
	int fd = -1;
	if (!c)
		return -EIO;
	/* Write access only reaches a writable volume's gofer: a read-only
	 * one refuses it (EROFS) on its read-only bind. */
	int err = gofer_open(c, vol_fid(h), flags & (O_ACCMODE | O_DIRECTORY),
			     &fd);
	return err ? err : fd;
}

static ssize_t vol_readlink(int h, char *buf, size_t len)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_readlink(c, vol_fid(h), buf, len) : -EIO;
}

static int vol_statfs(int h, struct statfs *sf)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_statfs(c, vol_fid(h), sf) : -EIO;
}

static void vol_close(int h)
{
	struct gofer_client *c = vol_client(h);
	if (c)
		gofer_clunk(c, vol_fid(h));
}

/* --- changes (writable volumes) ------------------------------------------ */

/* The handle of a fid that a call on directory dir just made: the new
 * object belongs to dir's volume. */
static int vol_made(int dir, int err, uint64_t fid, int *out)
{
	if (err)
		return err;
	return vol_handle((unsigned)dir >> VOL_SHIFT, vol_client(dir), fid,
			  out);
}

static int vol_create(int dir, const char *name, int flags, mode_t mode,
		      int *out, struct stat *st, int *fd)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid = 0;
	if (!c)
		return -EIO;
	int err = gofer_create(c, vol_fid(dir), name, flags & O_ACCMODE, mode,
			       &fid, st, fd);
	if (err)
		return err;
	err = vol_made(dir, 0, fid, out);
	if (err)
		close(*fd);
	return err;
}

static int vol_mkdir(int dir, const char *name, mode_t mode, int *out,
		     struct stat *st)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid = 0;
	if (!c)
		return -EIO;
	int err = gofer_mkdir(c, vol_fid(dir), name, mode, &fid, st);
	return vol_made(dir, err, fid, out);
}

static int vol_mknod(int dir, const char *name, mode_t mode, int *out,
		     struct stat *st)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid = 0;
	if (!c)
		return -EIO;
	int err = gofer_mknod(c, vol_fid(dir), name, mode, &fid, st);
	return vol_made(dir, err, fid, out);
}

static int vol_symlink(int dir, const char *name, const char *target,
		       int *out, struct stat *st)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid = 0;
	if (!c)
		return -EIO;
	int err = gofer_symlink(c, vol_fid(dir), name, target, &fid, st);
	return vol_made(dir, err, fid, out);
}

/* Both handles must be of one volume (the VFS never links across
 * mounts: EXDEV before this); a mix would name another gofer's fid. */
static int vol_link(int dir, const char *name, int target, int *out,
		    struct stat *st)
{
	struct gofer_client *c = vol_client(dir);
	uint64_t fid = 0;
	if (!c || c != vol_client(target))
		return -EXDEV;
	int err = gofer_link(c, vol_fid(dir), name, vol_fid(target), &fid,
			     st);
	return vol_made(dir, err, fid, out);
}

static int vol_unlink(int dir, const char *name, int at_flags)
{
	struct gofer_client *c = vol_client(dir);
	return c ? gofer_unlink(c, vol_fid(dir), name, at_flags) : -EIO;
}

static int vol_rename(int odir, const char *oname, int ndir,
		      const char *nname, unsigned int flags)
{
	struct gofer_client *c = vol_client(odir);
	if (!c || c != vol_client(ndir))
		return -EXDEV;
	return gofer_rename(c, vol_fid(odir), oname, vol_fid(ndir), nname,
			    flags);
}

static int vol_chmod(int h, mode_t mode)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_chmod(c, vol_fid(h), mode) : -EIO;
}

static int vol_chown(int h, uid_t uid, gid_t gid)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_chown(c, vol_fid(h), uid, gid) : -EIO;
}

static int vol_utimens(int h, const struct timespec ts[2])
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_utimens(c, vol_fid(h), ts) : -EIO;
}

static int vol_truncate(int h, uint64_t size)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_truncate(c, vol_fid(h), size) : -EIO;
}

static ssize_t vol_getxattr(int h, const char *name, void *buf, size_t len)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_getxattr(c, vol_fid(h), name, buf, len) : -EIO;
}

static int vol_setxattr(int h, const char *name, const void *val, size_t len,
			int flags)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_setxattr(c, vol_fid(h), name, val, len, flags) :
		   -EIO;
}

static ssize_t vol_listxattr(int h, char *buf, size_t len)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_listxattr(c, vol_fid(h), buf, len) : -EIO;
}

static int vol_removexattr(int h, const char *name)
{
	struct gofer_client *c = vol_client(h);
	return c ? gofer_removexattr(c, vol_fid(h), name) : -EIO;
}

const struct hostfs_backend hostfs_volume_backend = {
	.attach = vol_attach,
	.walk = vol_walk,
	.walk_dir = vol_walk_dir,
	.stat = vol_stat,
	.open = vol_open,
	.readlink = vol_readlink,
	.statfs = vol_statfs,
	.close = vol_close,
	.create = vol_create,
	.mkdir = vol_mkdir,
	.mknod = vol_mknod,
	.symlink = vol_symlink,
	.link = vol_link,
	.unlink = vol_unlink,
	.rename = vol_rename,
	.chmod = vol_chmod,
	.chown = vol_chown,
	.utimens = vol_utimens,
	.truncate = vol_truncate,
	.getxattr = vol_getxattr,
	.setxattr = vol_setxattr,
	.listxattr = vol_listxattr,
	.removexattr = vol_removexattr,
};
