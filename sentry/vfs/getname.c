/* Copying paths and I/O buffers of the app for the file system calls. */
#include <limits.h>
#include <string.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

int vfs_getname(struct task *t, uint64_t uaddr, char **out)
{
	char *buf = rv_xmalloc(PATH_MAX);
	/* PATH_MAX counts the NUL: a 4096-byte path is ENAMETOOLONG. */
	ssize_t n = mm_copy_in_str(t->mm, buf, uaddr, PATH_MAX);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	*out = buf;
	return 0;
}

void vfs_uiov_free(struct vfs_uiov *u)
{
	mm_iovecs_release(u->iov, u->cnt);
	u->cnt = 0;
	if (u->iov != u->inline_iov)
		free(u->iov);
	u->iov = NULL;
}

/* Append the sentry iovecs of app range [va, va+len) to u. Returns false
 * at the first inaccessible byte. */
static bool uiov_add(struct task *t, struct vfs_uiov *u, uint64_t va,
		     size_t len, bool to_app)
{
	while (len) {
		if (u->cnt == u->cap) {
			size_t ncap = u->cap * 2;
			struct iovec *n = rv_xmalloc(ncap * sizeof(*n));
			memcpy(n, u->iov, u->cnt * sizeof(*n));
			if (u->iov != u->inline_iov)
				free(u->iov);
			u->iov = n;
			u->cap = ncap;
		}
		size_t covered = 0;
		/* Pinned: the handler may block (a pipe read) while another
		 * thread unmaps the buffer. */
		int n = mm_iovecs_pin(t->mm, va, len, to_app,
				      u->iov + u->cnt,
				      (int)(u->cap - u->cnt), &covered);
		if (n <= 0)
			return false;
		u->cnt += (size_t)n;
		u->bytes += covered;
		va += covered;
		len -= covered;
		if (!covered)
			return false;
	}
	return true;
}

int vfs_uiov_build(struct task *t, const struct iovec *app, int n,
		   bool to_app, struct vfs_uiov *u)
{
	memset(u, 0, sizeof(*u));
	u->iov = u->inline_iov;
	u->cap = RV_ARRAY_SIZE(u->inline_iov);
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		size_t len = app[i].iov_len;
		/* Linux clamps the total to MAX_RW_COUNT, silently. */
		if (len > VFS_MAX_RW_COUNT - total)
			len = VFS_MAX_RW_COUNT - total;
		if (len == 0)
			continue;
		if (!uiov_add(t, u, (uint64_t)(uintptr_t)app[i].iov_base, len,
			      to_app)) {
			u->faulted = true;
			break;
		}
		total += len;
	}
	if (u->faulted && u->bytes == 0) {
		vfs_uiov_free(u);
		return -EFAULT;
	}
	return 0;
}
