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

/* splice(2), tee(2), vmsplice(2) (fs/splice.c's waits; nonblock is
 * SPLICE_F_NONBLOCK or the O_NONBLOCK Linux folds into it). */
bool pipe_is_pipe(struct file *f);
bool pipe_same(struct file *a, struct file *b); /* ends of one pipe */
/* Wait for data (0: empty, no writer left), then copy out what is there
 * up to iov's length; consume false leaves it in the pipe (tee, or a
 * splice that drops what the output took with pipe_splice_drop()). */
ssize_t pipe_splice_read(struct file *f, const struct iovec *iov,
			 int iovcnt, bool nonblock, bool consume);
void pipe_splice_drop(struct file *f, size_t n);
/* Wait for room (EPIPE and SIGPIPE with no reader); bytes free. */
ssize_t pipe_splice_space(struct file *f, bool nonblock);
/* Wait for room, then put in what fits (a partial write). */
ssize_t pipe_splice_write(struct file *f, const struct iovec *iov,
			  int iovcnt, bool nonblock);
/* splice with a regular file, atomic like Linux's (which holds the pipe
 * lock throughout): under the pipe's lock, wait for data (drain) or room,
 * then call fn with the ring's bytes (at most len) or its free space as
 * iovecs; fn returns how much it wrote from / read into them (or -errno),
 * and that much is consumed / added. fn must not block for long nor touch
 * this pipe: a file read or write. */
ssize_t pipe_splice_locked(struct file *f, bool drain, size_t len,
			   bool nonblock,
			   ssize_t (*fn)(void *, const struct iovec *, int),
			   void *arg);
/* Pipe to pipe (splice, or tee with consume false): input data waited
 * for, then output room, then both locks held while the bytes move. */
ssize_t pipe_splice_pipes(struct file *in, struct file *out, size_t len,
			  bool nonblock, bool consume);

#endif
