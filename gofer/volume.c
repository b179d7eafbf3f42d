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
	int err = gofer_open(c, vol_fid(h), O_RDONLY | (flags & O_DIRECTORY),
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

const struct hostfs_backend hostfs_volume_backend = {
	.attach = vol_attach,
	.walk = vol_walk,
	.stat = vol_stat,
	.open = vol_open,
	.readlink = vol_readlink,
	.statfs = vol_statfs,
	.close = vol_close,
};
