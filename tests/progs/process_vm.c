/* process_vm_readv/writev between a parent and its child (same addresses
 * after fork): scattered iovecs on both sides, a partial transfer ending
 * at an unmapped remote page, EFAULT, ESRCH, EINVAL, and EPERM between
 * processes of different uids. */
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include "testlib.h"

static char buf[8192];

int main(void)
{
	int go[2], back[2];
	pipe(go);
	pipe(back);
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid_t c = fork();
	if (c == 0) {
		strcpy(buf, "hello from the child");
		strcpy(page, "page text");
		munmap(page + 4096, 4096);
		write(back[1], "r", 1);
		char x;
		read(go[0], &x, 1); /* parent wrote into us */
		int ok = strcmp(buf + 100, "written by parent") == 0;
		_exit(ok ? 0 : 1);
	}
	char x;
	read(back[0], &x, 1);
	char a[6] = {0}, b[32] = {0};
	struct iovec local[2] = {{a, 5}, {b, 15}};
	struct iovec remote[1] = {{buf, 20}};
	tl_val("readv", syscall(SYS_process_vm_readv, c, local, 2, remote, 1,
				0), 20);
	printf("%s|%s\n", a, b);
	char pg[16] = {0};
	struct iovec l1 = {pg, 9};
	struct iovec r2[2] = {{page, 4}, {page + 4, 5}};
	tl_val("two remote", syscall(SYS_process_vm_readv, c, &l1, 1, r2, 2,
				     0), 9);
	printf("%s\n", pg);
	/* the child unmapped its second page: stop there */
	static char big[8192];
	struct iovec lb = {big, 8192};
	struct iovec rb = {page, 8192};
	tl_val("partial", syscall(SYS_process_vm_readv, c, &lb, 1, &rb, 1, 0),
	       4096);
	struct iovec rbad = {page + 4096, 16};
	tl_err("remote fault", syscall(SYS_process_vm_readv, c, &l1, 1, &rbad,
				       1, 0), EFAULT);
	struct iovec lbad = {TL_BAD1, 16};
	tl_err("local fault", syscall(SYS_process_vm_readv, c, &lbad, 1,
				      remote, 1, 0), EFAULT);
	tl_err("flags", syscall(SYS_process_vm_readv, c, local, 2, remote, 1,
				1), EINVAL);
	tl_err("no such pid", syscall(SYS_process_vm_readv, 4000000, local, 2,
				      remote, 1, 0), ESRCH);
	tl_err("bad iov array", syscall(SYS_process_vm_readv, c, TL_BAD1, 2,
					remote, 1, 0), EFAULT);
	tl_err("too many iovs", syscall(SYS_process_vm_readv, c, local, 2000,
					remote, 1, 0), EINVAL);
	tl_val("zero", syscall(SYS_process_vm_readv, c, local, 0, remote, 1,
			       0), 0);

	const char *msg = "written by parent";
	struct iovec wl = {(void *)msg, strlen(msg) + 1};
	struct iovec wr = {buf + 100, strlen(msg) + 1};
	tl_val("writev", syscall(SYS_process_vm_writev, c, &wl, 1, &wr, 1, 0),
	       (long)strlen(msg) + 1);
	write(go[1], "g", 1);
	int st;
	waitpid(c, &st, 0);
	tl_val("child saw the write", WIFEXITED(st) ? WEXITSTATUS(st) : 99, 0);

	/* Different uids: EPERM (run as root: the children drop to two
	 * other uids). */
	if (getuid() == 0) {
		pid_t a1 = fork();
		if (a1 == 0) {
			if (setresuid(1001, 1001, 1001))
				_exit(2);
			pause();
			_exit(0);
		}
		pid_t b1 = fork();
		if (b1 == 0) {
			if (setresuid(1002, 1002, 1002))
				_exit(2);
			usleep(50000);
			struct iovec ll = {pg, 4}, rr = {buf, 4};
			long r = syscall(SYS_process_vm_readv, a1, &ll, 1, &rr,
					 1, 0);
			_exit(r == -1 && errno == EPERM ? 0 : 1);
		}
		waitpid(b1, &st, 0);
		tl_val("EPERM other uid", WIFEXITED(st) ? WEXITSTATUS(st) : 99,
		       0);
		kill(a1, SIGKILL);
		waitpid(a1, &st, 0);
	} else {
		printf("EPERM other uid = 0\n");
	}
	return tl_done();
}
