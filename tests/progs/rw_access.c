/* The checks read(2), write(2) and their vector forms make before any
 * byte moves, in Linux's order: the fd (EBADF), its mode (EBADF), then
 * the buffers as access_ok() sees them (EFAULT for one that does not end
 * inside user space, a count of -1 included; EINVAL for a negative
 * length in a vector). A huge count that does fit moves at most
 * MAX_RW_COUNT, and /dev/null takes a write without reading the buffer. */
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include "testlib.h"

#define TOP 0x7ffffffff000UL
static char buf[4096];

/* Raw calls: glibc's fortified wrappers would object to the sizes. */
static long rd(int fd, void *b, unsigned long n)
{
	return syscall(SYS_read, fd, b, n);
}

static long wr(int fd, const void *b, unsigned long n)
{
	return syscall(SYS_write, fd, b, n);
}

static long rdv(int fd, const void *v, long n)
{
	return syscall(SYS_readv, fd, v, n);
}

int main(void)
{
	int fd = open("/etc/hostname", O_RDONLY);
	int wfd = open("/dev/null", O_WRONLY);
	int dfd = open("/", O_RDONLY | O_DIRECTORY);

	tl_err("read count -1", rd(fd, buf, -1UL), EFAULT);
	tl_err("read count 2^62", rd(fd, buf, 1UL << 62), EFAULT);
	tl_err("pread count 2^47", syscall(SYS_pread64, fd, buf, 1UL << 47, 0),
	       EFAULT);
	tl_err("read ends at the top", rd(fd, (void *)(TOP - 10), 10), EFAULT);
	tl_err("read ends past the top", rd(fd, (void *)(TOP - 10), 11),
	       EFAULT);
	tl_err("read of a write-only fd, count -1", rd(wfd, buf, -1UL), EBADF);
	tl_err("write of a read-only fd, count -1", wr(fd, buf, -1UL), EBADF);
	tl_err("read bad fd, count -1", rd(-1, buf, -1UL), EBADF);
	tl_err("read directory, count -1", rd(dfd, buf, -1UL), EFAULT);
	tl_err("read directory", rd(dfd, buf, 10), EISDIR);
	tl_err("write /dev/null count -1", wr(wfd, buf, -1UL), EFAULT);
	tl_val("write /dev/null 1 TiB", wr(wfd, buf, 1UL << 40), 0x7ffff000L);
	tl_val("write /dev/null unmapped", wr(wfd, (void *)0x10000, 4096),
	       4096);
	tl_val("read still at 0", lseek(fd, 0, SEEK_CUR), 0);

	struct iovec big[2] = {{buf, 10}, {buf, 1UL << 62}};
	struct iovec neg[2] = {{(void *)(TOP + 4096), 10}, {buf, -1UL}};
	tl_err("readv huge second", readv(fd, big, 2), EFAULT);
	tl_err("readv negative after bad", readv(fd, neg, 2), EINVAL);
	tl_err("readv write-only fd", readv(wfd, big, 2), EBADF);
	tl_err("readv write-only fd, negative", readv(wfd, neg, 2), EBADF);
	tl_err("readv write-only fd, bad vector",
	       rdv(wfd, (void *)8, 2), EBADF);
	tl_err("readv bad vector", rdv(fd, (void *)8, 2), EFAULT);
	tl_err("readv bad fd, bad vector", rdv(-1, (void *)8, 2),
	       EBADF);
	tl_err("readv 1025", rdv(fd, big, 1025), EINVAL);
	tl_err("writev /dev/null huge", writev(wfd, big, 2), EFAULT);
	tl_val("read after all", rd(fd, buf, sizeof(buf)) > 0, 1);
	return tl_done();
}
