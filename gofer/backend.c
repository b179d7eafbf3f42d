/* hostfs_backend over the gofer client: each backend call is one gofer
 * request; a handle is a fid. See gofer/backend.h. */
#include "gofer/backend.h"

#include <fcntl.h>
#include <limits.h>

#include "sentry/util.h"

static struct gofer_client *gb_client;

void gofer_backend_set_client(struct gofer_client *c)
{
	gb_client = c;
}

/* Fids are below GOFER_MAX_FIDS, so they fit the backend's int handles;
 * anything else is a gofer bug, refused rather than truncated. */
static int fid_to_handle(uint64_t fid, int *out)
{
	if (fid == 0 || fid > INT_MAX) {
		gofer_clunk(gb_client, fid);
		return -EIO;
	}
	*out = (int)fid;
	return 0;
}

static int gb_attach(const char *root, int *out, struct stat *st)
{
	uint64_t fid;
	(void)root;
	if (!gb_client)
		return -ENODEV;
	int err = gofer_attach(gb_client, &fid, st);
	return err ? err : fid_to_handle(fid, out);
}

static int gb_walk(int dir, const char *name, int *out, struct stat *st)
{
	uint64_t fid;
	int err = gofer_walk(gb_client, (uint64_t)dir, name, &fid, st);
	return err ? err : fid_to_handle(fid, out);
}

static int gb_stat(int h, struct stat *st)
{
	return gofer_stat(gb_client, (uint64_t)h, st);
}

static int gb_open(int h, int flags)
{
	int fd = -1;
	int err = gofer_open(gb_client, (uint64_t)h,
			     O_RDONLY | (flags & O_DIRECTORY), &fd);
	return err ? err : fd;
}

static ssize_t gb_readlink(int h, char *buf, size_t len)
{
	return gofer_readlink(gb_client, (uint64_t)h, buf, len);
}

static int gb_statfs(int h, struct statfs *sf)
{
	return gofer_statfs(gb_client, (uint64_t)h, sf);
}

static void gb_close(int h)
{
	gofer_clunk(gb_client, (uint64_t)h);
}

const struct hostfs_backend hostfs_gofer_backend = {
	.attach = gb_attach,
	.walk = gb_walk,
	.stat = gb_stat,
	.open = gb_open,
	.readlink = gb_readlink,
	.statfs = gb_statfs,
	.close = gb_close,
};
