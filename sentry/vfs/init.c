/* The initial mount table: the host tree (read-only) at /, tmpfs at /tmp,
 * proc at /proc and dev at /dev, as a container sees them. */
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "sentry/fs/dev/dev.h"
#include "sentry/fs/host/host.h"
#include "sentry/fs/proc/proc.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/util.h"
#include "sentry/vfs/namei.h"

uint64_t vfs_tmp_size;

/* Mount sb/root on the directory at path (relative to the global root).
 * The host tree may lack the directory (a minimal --root): then the mount
 * is skipped with a debug note, as the app could not reach it anyway. */
static int mount_at(const char *path, struct super_block *sb,
		    struct dentry *root, const char *source, unsigned flags)
{
	struct mount *rm = vfs_root_mount();
	struct path start = {rm, rm->root};
	struct path mp;
	int err = vfs_lookup_at(NULL, &start, path, LOOKUP_FOLLOW, &mp);
	if (err) {
		rv_dbg("vfs: no %s in the root (%d): not mounted", path, err);
		dput(root);
		return 0;
	}
	err = vfs_mount(&mp, sb, root, source, flags, NULL);
	path_put(&mp);
	dput(root);
	return err;
}

/* Where the first task starts: the caller's cwd when the sandbox root is
 * the host's / (like `runsc do`), else the root. */
static struct path initial_cwd;

bool vfs_initial_cwd(struct path *out)
{
	if (!initial_cwd.mnt)
		return false;
	*out = initial_cwd;
	path_get(out);
	return true;
}

static void set_initial_cwd(const char *root_dir)
{
	char *cwd = getcwd(NULL, 0);
	if (!cwd)
		return;
	if ((!root_dir || !strcmp(root_dir, "/")) && cwd[0] == '/') {
		struct mount *rm = vfs_root_mount();
		struct path start = {rm, rm->root};
		if (vfs_lookup_at(NULL, &start, cwd,
				  LOOKUP_FOLLOW | LOOKUP_DIRECTORY,
				  &initial_cwd) != 0)
			initial_cwd = (struct path){0};
	}
	free(cwd);
}

int vfs_init(const char *root_dir)
{
	struct super_block *sb;
	struct dentry *root;
	int err;
	/* A root already mounted (the overlay, overlay_mount_root()) is
	 * kept: only the standard mounts go on top of it. */
	if (!vfs_root_mount()) {
		err = hostfs_new_sb(&hostfs_direct_backend,
				    root_dir ? root_dir : "/", &sb, &root);
		if (err)
			return err;
		hostfs_enable_dcache(sb, HOSTFS_DCACHE_DEFAULT);
		err = vfs_mount(NULL, sb, root, "none", MS_RDONLY, NULL);
		dput(root);
		if (err)
			return err;
	}

	sb = tmpfs_new_sb(vfs_tmp_size, 01777, &root);
	err = mount_at("/tmp", sb, root, "tmpfs", MS_NOSUID | MS_NODEV);
	if (err)
		return err;
	err = procfs_new_sb(&sb, &root);
	if (!err)
		err = mount_at("/proc", sb, root, "proc",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (err)
		return err;
	err = devfs_new_sb(&sb, &root);
	if (!err)
		err = mount_at("/dev", sb, root, "tmpfs", MS_NOSUID);
	if (!err)
		set_initial_cwd(root_dir);
	return err;
}
