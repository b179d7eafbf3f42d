/* preadv2/pwritev2: offset -1 is the file position, the RWF_* flags as
 * Linux checks them (EOPNOTSUPP for unknown ones, RWF_APPEND, RWF_NOWAIT
 * on an empty pipe). */
#include <sys/uio.h>
#include "testlib.h"

#ifndef RWF_HIPRI
#define RWF_HIPRI 0x01
#define RWF_DSYNC 0x02
#define RWF_SYNC 0x04
#define RWF_NOWAIT 0x08
#define RWF_APPEND 0x10
#endif

static long prv2(int fd, struct iovec *iov, int n, long off, long fl)
{
	return syscall(SYS_preadv2, fd, iov, n, off, 0L, fl);
}

static long pwv2(int fd, struct iovec *iov, int n, long off, long fl)
{
	return syscall(SYS_pwritev2, fd, iov, n, off, 0L, fl);
}

int main(void)
{
	const char *p = tl_tmp("f");
	int fd = open(p, O_RDWR | O_CREAT | O_TRUNC, 0644);
	char a[] = "hello", b[] = "world", buf[32];
	struct iovec w[2] = {{a, 5}, {b, 5}};
	tl_val("pwritev2 at 0", pwv2(fd, w, 2, 0, 0), 10);
	tl_val("pos still 0", lseek(fd, 0, SEEK_CUR), 0);
	tl_val("pwritev2 -1 sync", pwv2(fd, w, 1, -1, RWF_SYNC | RWF_DSYNC), 5);
	tl_val("pos moved", lseek(fd, 0, SEEK_CUR), 5);
	memset(buf, 0, sizeof(buf));
	struct iovec r = {buf, 4};
	tl_val("preadv2 at 6", prv2(fd, &r, 1, 6, RWF_HIPRI), 4);
	printf("read %s\n", buf);
	tl_val("preadv2 -1", prv2(fd, &r, 1, -1, 0), 4);
	printf("read %s\n", buf);
	tl_val("pos 9", lseek(fd, 0, SEEK_CUR), 9);
	tl_err("offset -2", prv2(fd, &r, 1, -2, 0), EINVAL);
	tl_err("unknown flag", prv2(fd, &r, 1, 0, 0x10000), EOPNOTSUPP);
	tl_err("bad fd", prv2(-1, &r, 1, 0, 0x10000), EBADF);
	tl_err("APPEND|NOAPPEND", pwv2(fd, w, 1, 0, RWF_APPEND | 0x20),
	       EINVAL);
	tl_val("nowait regular", prv2(fd, &r, 1, 0, RWF_NOWAIT), 4);
	tl_val("append at 0", pwv2(fd, &w[1], 1, 0, RWF_APPEND), 5);
	struct stat st;
	fstat(fd, &st);
	printf("size %ld\n", (long)st.st_size);
	char all[32] = {0};
	pread(fd, all, 15, 0);
	printf("content %s\n", all);
	lseek(fd, 0, SEEK_SET);
	tl_val("append -1", pwv2(fd, w, 1, -1, RWF_APPEND), 5);
	tl_val("pos at end", lseek(fd, 0, SEEK_CUR), 20);
	close(fd);

	int pp[2];
	pipe(pp);
	tl_err("pipe offset", prv2(pp[0], &r, 1, 0, 0), ESPIPE);
	tl_err("pipe nowait empty", prv2(pp[0], &r, 1, -1, RWF_NOWAIT),
	       EAGAIN);
	tl_val("pipe write", pwv2(pp[1], w, 1, -1, 0), 5);
	tl_val("pipe nowait ready", prv2(pp[0], &r, 1, -1, RWF_NOWAIT), 4);
	tl_err("efault", prv2(pp[0], TL_BAD1, 1, -1, 0), EFAULT);
	close(pp[0]);
	close(pp[1]);
	return tl_done();
}
