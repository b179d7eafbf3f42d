/* Bad pointers give EFAULT and the program keeps running: the sandbox must
 * check every pointer it is given. Raw system calls, since libc wrappers
 * (or the vDSO) might touch the pointer themselves. */
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include "testlib.h"

static void both(const char *what, long (*call)(void *))
{
	char b[128];

	snprintf(b, sizeof(b), "%s (void*)1", what);
	errno = 0;
	tl_err(b, call(TL_BAD1), EFAULT);
	snprintf(b, sizeof(b), "%s kernel ptr", what);
	errno = 0;
	tl_err(b, call(TL_BADK), EFAULT);
}

static int zfd, tfd, pfd[2];

static long c_read(void *p) { return syscall(SYS_read, zfd, p, 16); }
static long c_read_file(void *p) { return syscall(SYS_read, tfd, p, 4); }
static long c_write(void *p) { return syscall(SYS_write, tfd, p, 16); }
static long c_write_pipe(void *p) { return syscall(SYS_write, pfd[1], p, 16); }
static long c_stat_buf(void *p) { return syscall(SYS_stat, "/", p); }
static long c_stat_path(void *p)
{
	struct stat st;

	return syscall(SYS_stat, p, &st);
}
static long c_fstat(void *p) { return syscall(SYS_fstat, 0, p); }
static long c_open(void *p) { return syscall(SYS_openat, AT_FDCWD, p, 0); }
static long c_clock(void *p)
{
	return syscall(SYS_clock_gettime, CLOCK_MONOTONIC, p);
}
static long c_uname(void *p) { return syscall(SYS_uname, p); }
static long c_getcwd(void *p) { return syscall(SYS_getcwd, p, 100); }
static long c_pipe2(void *p) { return syscall(SYS_pipe2, p, 0); }
static long c_readv(void *p) { return syscall(SYS_readv, zfd, p, 2); }

int main(void)
{
	zfd = open("/dev/zero", O_RDONLY);
	tfd = open(tl_tmp("f"), O_RDWR | O_CREAT, 0600);
	write(tfd, "abcdefgh", 8);
	lseek(tfd, 0, SEEK_SET);
	pipe(pfd);

	both("read /dev/zero", c_read);
	both("read tmp file", c_read_file);
	tl_val("file offset not moved", lseek(tfd, 0, SEEK_CUR), 0);
	both("write tmp file", c_write);
	both("write pipe", c_write_pipe);
	both("stat buf", c_stat_buf);
	both("stat path", c_stat_path);
	both("fstat buf", c_fstat);
	both("open path", c_open);
	both("clock_gettime", c_clock);
	both("uname", c_uname);
	both("getcwd", c_getcwd);
	both("pipe2", c_pipe2);
	both("readv iov", c_readv);
	/* The iovec is fine, its buffer is not. */
	struct iovec iov[2] = { { TL_BAD1, 4 }, { TL_BADK, 4 } };
	tl_err("readv bad buffers", syscall(SYS_readv, zfd, iov, 2), EFAULT);
	/* A path that runs off the end of the mapping. */
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(page + 4096, 4096);
	memset(page, 'a', 4096);
	tl_err("path without NUL before hole",
	       syscall(SYS_openat, AT_FDCWD, page + 4000, 0), EFAULT);
	/* A buffer that straddles into unmapped memory: Linux copies what it
	 * can for a regular file and returns the short count. */
	lseek(tfd, 0, SEEK_SET);
	tl_val("read straddling hole", syscall(SYS_read, tfd, page + 4092, 8),
	       4);
	tl_say("got [%.4s]", page + 4092);
	/* And the other way: a write from a buffer running into the hole
	 * writes the mapped part. */
	memcpy(page + 4092, "WXYZ", 4);
	tl_val("write straddling hole", syscall(SYS_write, tfd, page + 4092, 8),
	       4);
	tl_val("file offset advanced by 4", lseek(tfd, 0, SEEK_CUR), 8);
	/* readv stops at the first bad iovec, keeping what it read. */
	char ok4[4];
	struct iovec half[2] = { { ok4, 4 }, { TL_BAD1, 4 } };
	lseek(tfd, 0, SEEK_SET);
	tl_val("readv good then bad", syscall(SYS_readv, tfd, half, 2), 4);
	/* Read-only memory is as bad as no memory for a kernel write. */
	mprotect(page, 4096, PROT_READ);
	tl_err("getrandom into read-only page",
	       syscall(SYS_getrandom, page, 16, 0), EFAULT);
	tl_err("read into read-only page", syscall(SYS_read, zfd, page, 16),
	       EFAULT);
	tl_yes("still alive", 1);
	tl_cleanup();
	return tl_done();
}
