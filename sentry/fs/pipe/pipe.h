/* Pipes and FIFOs: a 64 KiB ring buffer with Linux's semantics (PIPE_BUF
 * atomic writes, EOF when the last writer closes, EPIPE when the last
 * reader has closed, O_NONBLOCK gives EAGAIN). */
#ifndef RV_FS_PIPE_H
#define RV_FS_PIPE_H

#include "sentry/vfs/fs.h"

#define PIPE_CAPACITY 65536

/* Open hook for a FIFO inode (mkfifo on tmpfs): the pipe hangs off
 * inode->pipe; open blocks like fifo(7) until the other side is there. */
int pipe_fifo_open(struct inode *, struct file *);
/* F_SETPIPE_SZ / F_GETPIPE_SZ: the new or current capacity, -EBADF when
 * f is not a pipe. */
long pipe_set_size(struct file *f, uint64_t size, bool privileged);
long pipe_get_size(struct file *f);
/* Called by a filesystem's put_inode for inodes that had a FIFO. */
void pipe_inode_release(struct inode *);

#endif
