/* --volume: parse, spawn one confined gofer per volume, mount them. */
#include "runtime/volume.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "gofer/client.h"
#include "gofer/gofer.h"
#include "gofer/volume.h"
#include "sentry/fs/host/host.h"
#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"

int runtime_volume_parse(const char *arg, struct run_volume *out, char *err,
			 size_t errlen)
{
	char *s = rv_xstrdup(arg);
	size_t n = strlen(s);
	bool ro = false;
	struct stat st;

	if (n > 3 && !strcmp(s + n - 3, ":ro")) {
		ro = true;
		s[n - 3] = 0;
	} else if (n > 3 && !strcmp(s + n - 3, ":rw")) {
		s[n - 3] = 0;
	}
	char *colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':')) {
		/* HOST:SANDBOX:MODE with a mode we do not know (docker
		 * refuses these too, rather than mount something else). */
		snprintf(err, errlen, "--volume %s: unknown mode %s (want ro "
			 "or rw)", arg, strrchr(s, ':') + 1);
		goto fail;
	}
	if (!colon || colon == s || !colon[1]) {
		snprintf(err, errlen, "--volume %s: want HOST:SANDBOX[:ro]",
			 arg);
		goto fail;
	}
	*colon = 0;
	const char *host = s, *sb = colon + 1;
	if (sb[0] != '/') {
		snprintf(err, errlen,
			 "--volume %s: %s: the sandbox path must be absolute",
			 arg, sb);
		goto fail;
	}
	if (sb[strspn(sb, "/")] == 0) {
		snprintf(err, errlen,
			 "--volume %s: cannot mount a volume on / (use --root)",
			 arg);
		goto fail;
	}
	if (strlen(sb) >= PATH_MAX) {
		snprintf(err, errlen, "--volume: the sandbox path is too long");
		goto fail;
	}
	int e = stat(host, &st) < 0 ? errno :
		!S_ISDIR(st.st_mode) ? ENOTDIR : 0;
	if (e) {
		snprintf(err, errlen, "--volume %s: %s: %s", arg, host,
			 strerror(e));
		goto fail;
	}
	/* The gofer pivots into this directory: resolve it now, on the
	 * host, with the caller's view (the sandbox never names it). */
	char *real = realpath(host, NULL);
	if (!real) {
		snprintf(err, errlen, "--volume %s: %s: %s", arg, host,
			 strerror(errno));
		goto fail;
	}
	*out = (struct run_volume){.host = real, .sandbox = rv_xstrdup(sb),
				   .rdonly = ro, .sock = -1};
	free(s);
	return 0;
fail:
	free(s);
	return -1;
}

int runtime_volumes_spawn(struct run_volume *v, size_t n, char *err,
			  size_t errlen)
{
	char e[256];
	if (n > GOFER_MAX_VOLUMES) {
		snprintf(err, errlen, "--volume: at most %d volumes",
			 GOFER_MAX_VOLUMES);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		/* A read-only volume's gofer refuses every change itself and
		 * sees its tree through a read-only bind: even a compromised
		 * sentry cannot write there (the sentry's own MS_RDONLY is
		 * the first line). */
		struct gofer_opts o = {.root = v[i].host,
				       .rdonly = v[i].rdonly,
				       .confine = true};
		pid_t pid = gofer_spawn(&o, &v[i].sock, e, sizeof(e));
		if (pid < 0) {
			snprintf(err, errlen, "gofer of volume %s: %s",
				 v[i].host, e);
			return -1;
		}
		v[i].gofer_pid = pid;
	}
	return 0;
}

/* mkdir -p of the mount point, as the sandbox's root: the directories go
 * to the overlay's upper tmpfs (the host is never written). */
static int make_mountpoint(struct task *t, const char *path)
{
	char buf[PATH_MAX];
	int r = 0;
	snprintf(buf, sizeof(buf), "%s", path);
	/* Whoever runs ringvisor, the directories are made by the sandbox's
	 * root (as docker makes a missing mount point). */
	struct cred saved = t->cred;
	t->cred.uid = t->cred.euid = t->cred.fsuid = 0;
	t->cred.gid = t->cred.egid = t->cred.fsgid = 0;
	for (char *p = buf + 1; ; p++) {
		if (*p != '/' && *p != 0)
			continue;
		char c = *p;
		*p = 0;
		if (p[-1] != '/') {
			r = vfs_mkdirat(t, AT_FDCWD, buf, 0755);
			if (r == -EEXIST)
				r = 0;
			if (r < 0)
				break;
		}
		if (!c)
			break;
		*p = c;
	}
	t->cred = saved;
	return r;
}

int runtime_volumes_mount(struct task *t, struct run_volume *v, size_t n,
			  char *err, size_t errlen)
{
	/* :ro is locked (VFS_MNT_LOCK_RO): the app's root cannot
	 * remount it read-write, as a container cannot lift a read-only
	 * bind its runtime made. */
	for (size_t i = 0; i < n; i++) {
		char key[32];
		struct super_block *sb;
		struct dentry *root;
		struct gofer_client *c = gofer_client_new(v[i].sock);
		if (!c || gofer_volume_add(c, key, sizeof(key)) < 0) {
			snprintf(err, errlen, "volume %s: no client",
				 v[i].host);
			return -1;
		}
		gofer_client_set_name(c, v[i].sandbox);
		/* Writable volumes take every change to the host through
		 * their gofer; :ro ones are read-only in the sentry's
		 * filesystem, its mount, and the gofer itself. */
		int r = hostfs_new_sb_writable(&hostfs_volume_backend, key,
					       !v[i].rdonly, &sb, &root);
		if (r == 0) {
			r = make_mountpoint(t, v[i].sandbox);
			if (r == 0)
				r = vfs_mount_path(t, v[i].sandbox, sb, root,
						   v[i].host,
						   MS_NOSUID | MS_NODEV |
						   (v[i].rdonly ?
						    MS_RDONLY |
						    VFS_MNT_LOCK_RO : 0));
			dput(root);
		}
		if (r < 0) {
			snprintf(err, errlen, "--volume %s:%s: %s", v[i].host,
				 v[i].sandbox, rv_errstr(-r));
			return -1;
		}
	}
	return 0;
}
