/* /proc/[pid]/mem and pagemap (proc(5)): reading and writing one's own
 * memory and a child's through them, the forced access ptrace has
 * (read-only private mappings written into a private copy, the file
 * unchanged; PROT_NONE read), EIO for unmapped addresses, short counts at
 * the end of a mapping, mem_lseek; pagemap's 8-byte entries with the
 * present bit of a touched page and not of an untouched one, EINVAL for
 * unaligned offsets and counts, PFNs hidden from a reader without
 * CAP_SYS_ADMIN in the host; a different-uid process refused. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "testlib.h"

#define PM_PRESENT (1ULL << 63)
#define PM_SWAP (1ULL << 62)
#define PM_FILE (1ULL << 61)
#define PM_EXCL (1ULL << 56)
#define PM_PFN ((1ULL << 55) - 1)

static volatile char secret[64] = "the quick brown fox";
static const char rodata[] = "read-only string in .rodata";

static uint64_t pagemap_entry(int fd, const void *p)
{
	uint64_t e = 0;
	off_t off = (off_t)((uintptr_t)p / 4096 * 8);
	if (pread(fd, &e, 8, off) != 8)
		return ~0ULL;
	return e;
}

int main(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	char buf[256];
	int fd = open("/proc/self/mem", O_RDWR);
	if (fd < 0) {
		tl_fail("open /proc/self/mem");
		return tl_done();
	}

	/* Own memory: a variable read and written through the file. */
	memset(buf, 0, sizeof(buf));
	tl_val("mem pread own variable",
	       pread(fd, buf, 19, (off_t)(uintptr_t)secret), 19);
	tl_yes("mem pread content", !memcmp(buf, "the quick brown fox", 19));
	tl_val("mem pwrite own variable",
	       pwrite(fd, "THE", 3, (off_t)(uintptr_t)secret), 3);
	tl_yes("mem pwrite visible", !memcmp((const char *)secret, "THE quick", 9));

	/* lseek to an address and read(). */
	tl_yes("mem lseek to address",
	       lseek(fd, (off_t)(uintptr_t)secret + 4, SEEK_SET) ==
		       (off_t)(uintptr_t)secret + 4);
	tl_val("mem read after lseek", read(fd, buf, 5), 5);
	tl_yes("mem read content", !memcmp(buf, "quick", 5));
	tl_yes("mem position advanced",
	       lseek(fd, 0, SEEK_CUR) == (off_t)(uintptr_t)secret + 9);
	tl_err("mem lseek SEEK_END", lseek(fd, 0, SEEK_END), EINVAL);

	/* A read-only private mapping: written into a private copy (FOLL_FORCE
	 * breaks COW), the file untouched; the app still cannot write it. */
	const char *tf = tl_tmp("f");
	tl_write_file(tf, "file content here", 17);
	int ffd = open(tf, O_RDONLY);
	char *ro = mmap(NULL, ps, PROT_READ, MAP_PRIVATE, ffd, 0);
	if (ro == MAP_FAILED) {
		tl_fail("mmap");
		return tl_done();
	}
	tl_val("mem pwrite read-only private mapping",
	       pwrite(fd, "FILE", 4, (off_t)(uintptr_t)ro), 4);
	tl_yes("mapping changed", !memcmp(ro, "FILE content", 12));
	memset(buf, 0, sizeof(buf));
	tl_val("file unchanged", pread(ffd, buf, 17, 0), 17);
	tl_yes("file content", !memcmp(buf, "file content here", 17));
	tl_val("mem pwrite .rodata",
	       pwrite(fd, "R", 1, (off_t)(uintptr_t)rodata), 1);
	tl_yes(".rodata changed", ((volatile const char *)rodata)[0] == 'R');

	/* A shared read-only mapping cannot be written, even forced. */
	char *sh = mmap(NULL, ps, PROT_READ, MAP_SHARED, ffd, 0);
	tl_err("mem pwrite read-only shared mapping",
	       pwrite(fd, "X", 1, (off_t)(uintptr_t)sh), EIO);
	tl_yes("shared mapping unchanged", sh[0] == 'f');
	munmap(sh, ps);

	/* PROT_NONE: readable through mem (FOLL_FORCE). */
	char *pn = mmap(NULL, 2 * ps, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(pn, "hidden");
	mprotect(pn, ps, PROT_NONE);
	memset(buf, 0, sizeof(buf));
	tl_val("mem pread PROT_NONE", pread(fd, buf, 6, (off_t)(uintptr_t)pn), 6);
	tl_yes("PROT_NONE content", !strcmp(buf, "hidden"));

	/* Unmapped: EIO; a range running into a hole: the bytes before it. */
	munmap(pn + ps, ps);
	tl_err("mem pread unmapped",
	       pread(fd, buf, 8, (off_t)(uintptr_t)(pn + ps)), EIO);
	tl_err("mem pwrite unmapped",
	       pwrite(fd, buf, 8, (off_t)(uintptr_t)(pn + ps)), EIO);
	tl_val("mem pread across the end",
	       pread(fd, buf, 64, (off_t)(uintptr_t)(pn + ps - 16)), 16);
	tl_err("mem pread address 0", pread(fd, buf, 8, 0), EIO);
	tl_err("mem pread at 2^62", pread(fd, buf, 8, 1LL << 62), EIO);
	tl_err("mem pread at 2^47", pread(fd, buf, 8, 1LL << 47), EIO);
	tl_err("mem pread negative", pread(fd, buf, 8, -4096), EINVAL);
	tl_val("mem pread count 0", pread(fd, buf, 0, (off_t)(uintptr_t)secret), 0);
	/* A count far past the mapping (and the buffer, the same pages):
	 * the bytes up to the hole. */
	char *big = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(big + 2 * ps, 2 * ps);
	tl_yes("mem pread big count stops at the hole",
	       pread(fd, big, 16UL << 20, (off_t)(uintptr_t)big) == 2 * ps);
	void *volatile bad = TL_BAD1;
	tl_err("mem pread bad buffer",
	       syscall(SYS_pread64, fd, bad, 8, (off_t)(uintptr_t)secret), EFAULT);
	tl_err("mem pwrite bad buffer",
	       syscall(SYS_pwrite64, fd, bad, 8, (off_t)(uintptr_t)secret), EFAULT);

	/* pagemap: a touched page present, an untouched one (far from it)
	 * not; anonymous pages are not file pages; PFNs are 0 natively only
	 * without CAP_SYS_ADMIN, so only presence is compared. */
	int pm = open("/proc/self/pagemap", O_RDONLY);
	size_t len = 64UL << 20;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 1;
	uint64_t e0 = pagemap_entry(pm, m);
	uint64_t e1 = pagemap_entry(pm, m + len - ps);
	tl_yes("pagemap touched present", (e0 & PM_PRESENT) != 0);
	tl_yes("pagemap touched anon", !(e0 & PM_FILE) && !(e0 & PM_SWAP));
	tl_yes("pagemap touched exclusive", (e0 & PM_EXCL) != 0);
	tl_yes("pagemap untouched not present", !(e1 & PM_PRESENT));
	tl_yes("pagemap untouched no pfn", (e1 & PM_PFN) == 0);
	uint64_t ef = pagemap_entry(pm, ro);
	tl_yes("pagemap file page present", (ef & PM_PRESENT) != 0);
	uint64_t eu = pagemap_entry(pm, pn + ps);
	tl_yes("pagemap unmapped is 0", (eu & ~(1ULL << 55)) == 0);
	uint64_t two[2];
	tl_val("pagemap read 16", pread(pm, two, 16, (off_t)((uintptr_t)m / 4096 * 8)), 16);
	tl_err("pagemap unaligned offset", pread(pm, two, 8, 4), EINVAL);
	tl_err("pagemap unaligned count", pread(pm, two, 7, 0), EINVAL);
	tl_val("pagemap past the end", pread(pm, two, 8, 1LL << 40), 0);
	int pmw = open("/proc/self/pagemap", O_WRONLY);
	tl_yes("pagemap not writable", pmw < 0 || (write(pmw, two, 8) < 0 && errno == EINVAL));
	tl_fdclose(pmw);
	close(pm);

	/* A child's memory, as its parent (same uid) and from a child that
	 * drops to another uid (refused). */
	int p2c[2], c2p[2];
	if (pipe(p2c) || pipe(c2p))
		return tl_done();
	pid_t c = fork();
	if (c == 0) {
		strcpy((char *)secret, "child value");
		char x;
		if (write(c2p[1], "r", 1) != 1 || read(p2c[0], &x, 1) != 1)
			_exit(1);
		_exit(!strcmp((const char *)secret, "PARENT was here") ? 0 : 2);
	}
	char x;
	if (read(c2p[0], &x, 1) != 1)
		return tl_done();
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", c);
	int cfd = open(path, O_RDWR);
	tl_yes("open child's mem", cfd >= 0);
	memset(buf, 0, sizeof(buf));
	tl_val("read child's variable",
	       pread(cfd, buf, 12, (off_t)(uintptr_t)secret), 12);
	tl_yes("child's value", !strcmp(buf, "child value"));
	tl_val("write child's variable",
	       pwrite(cfd, "PARENT was here", 16, (off_t)(uintptr_t)secret), 16);
	if (write(p2c[1], "g", 1) != 1)
		return tl_done();
	int st;
	waitpid(c, &st, 0);
	tl_yes("child saw the write", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* The process is gone: the file reads nothing. */
	tl_val("read after exit", pread(cfd, buf, 8, (off_t)(uintptr_t)secret), 0);
	close(cfd);

	if (getuid() == 0) {
		c = fork();
		if (c == 0) {
			if (setresgid(1000, 1000, 1000) || setresuid(1000, 1000, 1000))
				_exit(3);
			char p[64];
			snprintf(p, sizeof(p), "/proc/%d/mem", getppid());
			int f = open(p, O_RDWR);
			_exit(f < 0 && errno == EACCES ? 0 : 4);
		}
		waitpid(c, &st, 0);
		tl_yes("other uid refused", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	} else {
		tl_yes("other uid refused", 1);
	}
	close(fd);
	tl_cleanup();
	return tl_done();
}
