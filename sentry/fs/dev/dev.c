/* /dev: a tmpfs (so /dev/shm and friends are writable like a container's
 * /dev) with the character devices the sentry implements itself. No host
 * device is ever reachable: /dev/tty is the host terminal fd the sentry
 * opened at start-up, or ENXIO when it has none. */
#include "sentry/fs/dev/dev.h"

#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sysmacros.h>

#include "sentry/fs/host/host.h"
#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/util.h"

static int dev_tty_fd = -1;

static ssize_t null_read(struct file *f, const struct iovec *iov, int n,
			 int64_t *pos)
{
	(void)f;
	(void)iov;
	(void)n;
	(void)pos;
	return 0;
}

static ssize_t null_write(struct file *f, const struct iovec *iov, int n,
			  int64_t *pos)
{
	(void)f;
	(void)pos;
	return (ssize_t)vfs_iov_length(iov, n);
}

static ssize_t zero_read(struct file *f, const struct iovec *iov, int n,
			 int64_t *pos)
{
	(void)f;
	(void)pos;
	size_t done = 0;
	for (int k = 0; k < n; k++) {
		memset(iov[k].iov_base, 0, iov[k].iov_len);
		done += iov[k].iov_len;
	}
	return (ssize_t)done;
}

static ssize_t full_write(struct file *f, const struct iovec *iov, int n,
			  int64_t *pos)
{
	(void)f;
	(void)iov;
	(void)n;
	(void)pos;
	return -ENOSPC;
}

static ssize_t random_read(struct file *f, const struct iovec *iov, int n,
			   int64_t *pos)
{
	(void)f;
	(void)pos;
	size_t done = 0;
	for (int k = 0; k < n; k++) {
		size_t got = 0;
		while (got < iov[k].iov_len) {
			ssize_t r = getrandom((char *)iov[k].iov_base + got,
					      iov[k].iov_len - got, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return done ? (ssize_t)done : -errno;
			}
			got += (size_t)r;
		}
		done += got;
	}
	return (ssize_t)done;
}

/* noop_llseek: the position means nothing for these devices. */
static int64_t dev_llseek(struct file *f, int64_t off, int whence)
{
	(void)off;
	(void)whence;
	return f->pos = 0;
}

static const struct file_operations null_fops = {
	.read = null_read, .write = null_write, .llseek = dev_llseek,
	.write_discards = true,
};
static const struct file_operations zero_fops = {
	.read = zero_read, .write = null_write, .llseek = dev_llseek,
	.write_discards = true,
};
static const struct file_operations full_fops = {
	.read = zero_read, .write = full_write, .llseek = dev_llseek,
};
static const struct file_operations random_fops = {
	.read = random_read, .write = null_write, .llseek = dev_llseek,
};

static int null_open(struct inode *i, struct file *f)
{
	(void)i;
	f->ops = &null_fops;
	return 0;
}
static int zero_open(struct inode *i, struct file *f)
{
	(void)i;
	f->ops = &zero_fops;
	return 0;
}
static int full_open(struct inode *i, struct file *f)
{
	(void)i;
	f->ops = &full_fops;
	return 0;
}
static int random_open(struct inode *i, struct file *f)
{
	(void)i;
	f->ops = &random_fops;
	return 0;
}

/* /dev/tty: the controlling terminal. The description is the host one,
 * duplicated, so the app sees the real terminal settings. */
static int tty_open(struct inode *i, struct file *f)
{
	(void)i;
	if (dev_tty_fd < 0)
		return -ENXIO;
	int fd = fcntl(dev_tty_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return -errno;
	struct file *hf = hostfd_file_wrap(fd, f->flags);
	if (!hf) {
		close(fd);
		return -ENXIO;
	}
	hostfd_take(f, hf);
	return 0;
}

int devfs_new_sb(struct super_block **sbp, struct dentry **rootp)
{
	struct dentry *root;
	struct super_block *sb = tmpfs_new_sb(64ULL << 20, 0755, &root);
	dev_tty_fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	tmpfs_add_node(root, "null", S_IFCHR | 0666, makedev(1, 3), null_open,
		       NULL);
	tmpfs_add_node(root, "zero", S_IFCHR | 0666, makedev(1, 5), zero_open,
		       NULL);
	tmpfs_add_node(root, "full", S_IFCHR | 0666, makedev(1, 7), full_open,
		       NULL);
	tmpfs_add_node(root, "random", S_IFCHR | 0666, makedev(1, 8),
		       random_open, NULL);
	tmpfs_add_node(root, "urandom", S_IFCHR | 0666, makedev(1, 9),
		       random_open, NULL);
	tmpfs_add_node(root, "tty", S_IFCHR | 0666, makedev(5, 0), tty_open,
		       NULL);
	tmpfs_add_node(root, "stdin", S_IFLNK | 0777, 0, NULL,
		       "/proc/self/fd/0");
	tmpfs_add_node(root, "stdout", S_IFLNK | 0777, 0, NULL,
		       "/proc/self/fd/1");
	tmpfs_add_node(root, "stderr", S_IFLNK | 0777, 0, NULL,
		       "/proc/self/fd/2");
	tmpfs_add_node(root, "fd", S_IFLNK | 0777, 0, NULL, "/proc/self/fd");
	pty_init(tmpfs_add_node(root, "pts", S_IFDIR | 0755, 0, NULL, NULL));
	tmpfs_add_node(root, "ptmx", S_IFCHR | 0666, makedev(5, 2),
		       pty_ptmx_open, NULL);
	tmpfs_add_node(root, "shm", S_IFDIR | 01777, 0, NULL, NULL);
	*sbp = sb;
	*rootp = root;
	return 0;
}
