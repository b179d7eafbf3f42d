/* hostfs_backend over the gofer client: each backend call is one gofer
 * request; a handle is a fid. See gofer/backend.h. */
#include "gofer/backend.h"

#include <fcntl.h>
#include <limits.h>

#include "gofer/protocol.h"
#include "sentry/util.h"

static struct gofer_client *gb_client;

void gofer_backend_set_client(struct gofer_client *c)
{
	gb_client = c;
}

static struct gofer_client *CL(int h)
{
	(void)h;
	return gb_client;
}

static uint64_t FID(int h)
{
	return (uint64_t)h;
}

/* The handle of a fid a call just made (call it first, in a statement of
 * its own: the order arguments are evaluated in is unspecified). Fids are
 * below GOFER_MAX_FIDS, so they fit the backend's int handles; anything
 * else is a gofer bug, refused rather than truncated. */
static int made(int dir, int err, uint64_t fid, int *out)
{
	(void)dir;
	if (err)
		return err;
	if (fid == 0 || fid > GOFER_MAX_FIDS) {
		gofer_clunk(gb_client, fid);
		return -EIO;
	}
	*out = (int)fid;
	return 0;
}

static int gb_attach(const char *root, int *out, struct stat *st)
{
	uint64_t fid = 0;
	(void)root;
	if (!gb_client)
		return -ENODEV;
	int err = gofer_attach(gb_client, &fid, st);
	return made(0, err, fid, out);
}

static int gb_walk(int dir, const char *name, int *out, struct stat *st)
{
	uint64_t fid = 0;
	int err = gofer_walk(CL(dir), FID(dir), name, &fid, st);
	return made(dir, err, fid, out);
}

static int gb_walk_dir(int dir, const char *name, int *out, struct stat *st,
		       int *dfd)
{
	uint64_t fid = 0;
	int err = gofer_walk_dir(CL(dir), FID(dir), name, &fid, st, dfd);
	err = made(dir, err, fid, out);
	if (err && *dfd >= 0) {
		close(*dfd);
		*dfd = -1;
	}
	return err;
}

static int gb_stat(int h, struct stat *st)
{
	return gofer_stat(CL(h), FID(h), st);
}

static int gb_open(int h, int flags)
{
	int fd = -1;
	int err = gofer_open(CL(h), FID(h),
			     (flags & (O_ACCMODE | O_DIRECTORY)), &fd);
	return err ? err : fd;
}

static ssize_t gb_readlink(int h, char *buf, size_t len)
{
	return gofer_readlink(CL(h), FID(h), buf, len);
}

static int gb_statfs(int h, struct statfs *sf)
{
	return gofer_statfs(CL(h), FID(h), sf);
}

static void gb_close(int h)
{
	gofer_clunk(CL(h), FID(h));
}

static int gb_create(int dir, const char *name, int flags, mode_t mode,
		     int *out, struct stat *st, int *fd)
{
	uint64_t fid = 0;
	int err = gofer_create(CL(dir), FID(dir), name, flags & O_ACCMODE,
			       mode, &fid, st, fd);
	if (err)
		return err;
	err = made(dir, 0, fid, out);
	if (err)
		close(*fd);
	return err;
}

static int gb_mkdir(int dir, const char *name, mode_t mode, int *out,
		    struct stat *st)
{
	uint64_t fid = 0;
	int err = gofer_mkdir(CL(dir), FID(dir), name, mode, &fid, st);
	return made(dir, err, fid, out);
}

static int gb_mknod(int dir, const char *name, mode_t mode, int *out,
		    struct stat *st)
{
	uint64_t fid = 0;
	int err = gofer_mknod(CL(dir), FID(dir), name, mode, &fid, st);
	return made(dir, err, fid, out);
}

static int gb_symlink(int dir, const char *name, const char *target,
		      int *out, struct stat *st)
{
	uint64_t fid = 0;
	int err = gofer_symlink(CL(dir), FID(dir), name, target, &fid, st);
	return made(dir, err, fid, out);
}

static int gb_link(int dir, const char *name, int target, int *out,
		   struct stat *st)
{
	uint64_t fid = 0;
	int err = gofer_link(CL(dir), FID(dir), name, FID(target), &fid, st);
	return made(dir, err, fid, out);
}

static int gb_unlink(int dir, const char *name, int at_flags)
{
	return gofer_unlink(CL(dir), FID(dir), name, at_flags);
}

static int gb_rename(int odir, const char *oname, int ndir, const char *nname,
		     unsigned int flags)
{
	return gofer_rename(CL(odir), FID(odir), oname, FID(ndir), nname,
			    flags);
}

static int gb_chmod(int h, mode_t mode)
{
	return gofer_chmod(CL(h), FID(h), mode);
}

static int gb_chown(int h, uid_t uid, gid_t gid)
{
	return gofer_chown(CL(h), FID(h), uid, gid);
}

static int gb_utimens(int h, const struct timespec ts[2])
{
	return gofer_utimens(CL(h), FID(h), ts);
}

static int gb_truncate(int h, uint64_t size)
{
	return gofer_truncate(CL(h), FID(h), size);
}

static ssize_t gb_getxattr(int h, const char *name, void *buf, size_t len)
{
	return gofer_getxattr(CL(h), FID(h), name, buf, len);
}

static int gb_setxattr(int h, const char *name, const void *val, size_t len,
		       int flags)
{
	return gofer_setxattr(CL(h), FID(h), name, val, len, flags);
}

static ssize_t gb_listxattr(int h, char *buf, size_t len)
{
	return gofer_listxattr(CL(h), FID(h), buf, len);
}

static int gb_removexattr(int h, const char *name)
{
	return gofer_removexattr(CL(h), FID(h), name);
}

#define GB_OPS                                                             \
	.walk = gb_walk, .walk_dir = gb_walk_dir, .stat = gb_stat,         \
	.open = gb_open,                                                   \
	.readlink = gb_readlink, .statfs = gb_statfs, .close = gb_close,   \
	.create = gb_create, .mkdir = gb_mkdir, .mknod = gb_mknod,         \
	.symlink = gb_symlink, .link = gb_link, .unlink = gb_unlink,       \
	.rename = gb_rename, .chmod = gb_chmod, .chown = gb_chown,         \
	.utimens = gb_utimens, .truncate = gb_truncate,                    \
	.getxattr = gb_getxattr, .setxattr = gb_setxattr,                  \
	.listxattr = gb_listxattr, .removexattr = gb_removexattr

const struct hostfs_backend hostfs_gofer_backend = {
	.attach = gb_attach,
	GB_OPS,
};
