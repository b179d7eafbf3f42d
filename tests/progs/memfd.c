/* memfd_create(2) (Python's os.memfd_create, test_os): an anonymous file
 * that reads, writes, truncates, maps and seals like a tmpfs file. */
#include <sys/mman.h>
#include "testlib.h"

int main(void)
{
	int fd = memfd_create("Hi", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (!tl_yes("memfd_create", fd >= 0)) {
		tl_say("errno %s", tl_errname(errno));
		return tl_done();
	}
	tl_yes("cloexec", fcntl(fd, F_GETFD) == FD_CLOEXEC);
	tl_val("write", write(fd, "hello", 5), 5);
	tl_val("ftruncate", ftruncate(fd, 8192), 0);
	struct stat st;
	fstat(fd, &st);
	tl_val("size", st.st_size, 8192);
	tl_yes("regular file", S_ISREG(st.st_mode));
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tl_yes("mmap", p != MAP_FAILED);
	if (p != MAP_FAILED) {
		tl_yes("mapped bytes", memcmp(p, "hello", 5) == 0);
		p[4096] = 'x';
		munmap(p, 8192);
	}
	char c = 0;
	tl_val("pread sees the store", pread(fd, &c, 1, 4096), 1);
	tl_yes("x", c == 'x');
	tl_val("seal grow", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	tl_err("grow sealed", ftruncate(fd, 16384), EPERM);
	tl_err("bad flags", memfd_create("x", 0x1000), EINVAL);
	tl_err("bad name", syscall(SYS_memfd_create, TL_BAD1, 0), EFAULT);
	close(fd);
	return tl_done();
}
