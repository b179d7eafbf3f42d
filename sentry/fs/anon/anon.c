/* Anonymous files (Linux's anon_inodefs): one pseudo superblock whose
 * inodes give fstat(2) something to report for eventfd, timerfd, signalfd,
 * epoll and socket files. */
#include "sentry/fs/anon/anon.h"

#include <sys/stat.h>

#include "sentry/util.h"
#include "sentry/vfs/fs.h"

#define ANON_INODE_FS_MAGIC 0x09041934

static void anon_put_inode(struct inode *i)
{
	(void)i;
}

static struct super_block anon_sb = {
	.fstype = "anon_inodefs",
	.magic = ANON_INODE_FS_MAGIC,
	.next_ino = 1,
	.put_inode = anon_put_inode,
};

struct file *anon_file_create(const struct file_operations *ops, void *priv,
			      unsigned flags, const char *name, uint32_t mode)
{
	struct inode *i = inode_alloc(&anon_sb, mode);
	i->fops = ops;
	struct file *f = file_alloc(NULL, i, ops, flags);
	inode_put(i);
	f->priv = priv;
	f->anon_name = rv_xstrdup(name);
	return f;
}
