/* Shared writable file mappings: stores through the mapping are seen by
 * read(2) at once, written back by msync(MS_SYNC) and munmap, seen by a
 * second mapping and by a child; write(2) is seen through the mapping;
 * ftruncate then growing the file; EACCES/ENODEV cases.
 *
 * Works on a file it makes in argv[1] (a directory) when given:
 * tests/security/overlay_none_writes.sh runs it on a host directory with
 * --overlay=none and checks the host file afterwards; else in /tmp. */
#include <sys/mman.h>
#include <sys/wait.h>

#include "testlib.h"

#define PG 4096

static void show(const char *what, const char *p, size_t n)
{
	printf("%s: \"", what);
	for (size_t i = 0; i < n; i++)
		putchar(p[i] >= ' ' && p[i] < 127 ? p[i] : '.');
	printf("\"\n");
}

static void one(const char *path)
{
	char buf[64];
	struct stat st;
	int fd = tl_err("open rdwr", open(path, O_RDWR), 0);
	if (fd < 0)
		return;
	tl_err("fstat", fstat(fd, &st), 0);
	size_t len = (size_t)st.st_size;
	tl_yes("size >= 2 pages", len >= 2 * PG);

	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tl_yes("mmap shared rw", m != MAP_FAILED);
	if (m == MAP_FAILED) {
		printf("  errno %s\n", tl_errname(errno));
		close(fd);
		return;
	}
	memcpy(m + 10, "MAPPED", 6);
	memcpy(m + PG + 1, "PAGE2", 5);
	tl_val("pread after store", pread(fd, buf, 6, 10), 6);
	show("read sees the store", buf, 6);
	tl_val("pread page 2", pread(fd, buf, 5, PG + 1), 5);
	show("read sees page 2", buf, 5);

	/* another name of the file, opened on its own, sees the stores and
	 * its writes are seen through the mapping */
	char other[600];
	snprintf(other, sizeof(other), "%s.link", path);
	tl_err("link", link(path, other), 0);
	int fd2 = tl_err("open the link", open(other, O_RDWR), 0);
	tl_val("pread through the link", pread(fd2, buf, 6, 10), 6);
	show("the link sees the store", buf, 6);
	tl_val("pwrite through the link", pwrite(fd2, "LINKED", 6, 50), 6);
	show("mapping sees the link's write", m + 50, 6);
	close(fd2);
	tl_err("unlink the link", unlink(other), 0);

	/* write(2) through the fd is seen by the mapping */
	tl_val("pwrite", pwrite(fd, "WRITTEN", 7, 20), 7);
	show("mapping sees the write", m + 20, 7);
	show("and keeps its store", m + 10, 6);

	/* a second mapping of the same file sees the same pages */
	char *m2 = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	tl_yes("second mapping", m2 != MAP_FAILED);
	if (m2 != MAP_FAILED) {
		show("second mapping sees the store", m2 + 10, 6);
		munmap(m2, PG);
	}
	/* a private mapping made now sees the file as it is */
	char *mp = mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (mp != MAP_FAILED) {
		show("private mapping sees the store", mp + 10, 6);
		munmap(mp, PG);
	}

	/* a child's store through the inherited mapping */
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(m + 30, "CHILD", 5);
		_exit(0);
	}
	int ws;
	waitpid(pid, &ws, 0);
	tl_yes("child exited", WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
	show("parent sees the child's store", m + 30, 5);
	tl_val("pread child's store", pread(fd, buf, 5, 30), 5);
	show("read sees the child's store", buf, 5);

	tl_err("msync MS_SYNC", msync(m, len, MS_SYNC), 0);
	tl_err("msync MS_ASYNC", msync(m, PG, MS_ASYNC), 0);
	tl_err("msync both", msync(m, PG, MS_ASYNC | MS_SYNC), EINVAL);
	tl_err("msync unaligned", msync(m + 1, PG, MS_SYNC), EINVAL);

	/* a last store, then munmap: written back */
	memcpy(m + 40, "UNMAP", 5);
	tl_err("munmap", munmap(m, len), 0);
	tl_val("pread after munmap", pread(fd, buf, 5, 40), 5);
	show("read after munmap", buf, 5);
	tl_err("msync unmapped", msync(m, PG, MS_SYNC), ENOMEM);

	/* store past the end of file in the last page is not written */
	tl_err("ftruncate to 1.5 pages", ftruncate(fd, PG + PG / 2), 0);
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tl_yes("remap", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		tl_yes("tail past EOF is zero", m[PG + PG / 2 + 5] == 0);
		m[PG + PG / 2 + 5] = 'Z';
		tl_err("msync", msync(m, 2 * PG, MS_SYNC), 0);
		tl_err("fstat", fstat(fd, &st), 0);
		tl_val("size unchanged", st.st_size, PG + PG / 2);
		munmap(m, 2 * PG);
	}
	close(fd);

	/* access checks */
	fd = open(path, O_RDONLY);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	tl_yes("rw shared of O_RDONLY fd fails", m == MAP_FAILED);
	tl_err("errno", m == MAP_FAILED ? -1 : 0, EACCES);
	m = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	tl_yes("ro shared of O_RDONLY fd works", m != MAP_FAILED);
	if (m != MAP_FAILED) {
		show("ro mapping sees the data", m + 10, 6);
		tl_err("mprotect to write", mprotect(m, PG, PROT_WRITE),
		       EACCES);
		munmap(m, PG);
	}
	close(fd);

	/* a store left mapped at exit, its fd closed: exit writes it back
	 * (overlay_none_writes.sh compares the host file with native's) */
	fd = open(path, O_RDWR);
	m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	tl_yes("last mapping", m != MAP_FAILED);
	if (m != MAP_FAILED)
		memcpy(m + 60, "ATEXIT", 6);
}

static int make_file(const char *path)
{
	char page[PG];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	for (int i = 0; i < 3; i++) {
		memset(page, 'a' + i, sizeof(page));
		if (write(fd, page, sizeof(page)) != PG) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	char path[512];
	if (argc > 1) {
		snprintf(path, sizeof(path), "%s/mapped", argv[1]);
		tl_err("make file", make_file(path), 0);
		one(path);
		return tl_done();
	}
	snprintf(path, sizeof(path), "%s", tl_tmp("mapped"));
	tl_err("make file", make_file(path), 0);
	one(path);
	tl_cleanup();
	return tl_done();
}
