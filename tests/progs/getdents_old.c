/* The old getdents(2) (struct linux_dirent, d_type in the record's last
 * byte), still called raw by the sanitizers' runtime: the same entries
 * as getdents64, long-aligned records, EINVAL for a buffer too small for
 * one entry, ENOTDIR and EBADF. */
#include "testlib.h"

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *d = tl_tmp("dir");
	char path[512], buf[4096], *names[16];
	int n = 0, bad = 0;

	mkdir(d, 0755);
	const char *files[] = {"a", "bb", "a-much-longer-name-than-the-rest"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", d, files[i]);
		tl_write_file(path, "x", 1);
	}
	snprintf(path, sizeof(path), "%s/sub", d);
	mkdir(path, 0755);
	int fd = open(d, O_RDONLY | O_DIRECTORY);
	long r;
	while ((r = syscall(SYS_getdents, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r;) {
			unsigned short reclen = *(unsigned short *)(buf + off + 16);
			char *name = buf + off + 18;
			char type = buf[off + reclen - 1];
			if (reclen % sizeof(long) || reclen < 20)
				bad++;
			if (n < 16) {
				char *s = malloc(strlen(name) + 8);
				sprintf(s, "%s %s", name,
					type == DT_DIR ? "dir" :
					type == DT_REG ? "reg" : "?");
				names[n++] = s;
			}
			off += reclen;
		}
	}
	tl_val("getdents at the end", r, 0);
	qsort(names, n, sizeof(*names), cmp);
	for (int i = 0; i < n; i++)
		tl_say("%s", names[i]);
	tl_val("misaligned records", bad, 0);
	lseek(fd, 0, SEEK_SET);
	tl_err("buffer of 10 bytes", syscall(SYS_getdents, fd, buf, 10),
	       EINVAL);
	tl_err("bad buffer", syscall(SYS_getdents, fd, TL_BAD1, 4096), EFAULT);
	close(fd);
	tl_err("closed fd", syscall(SYS_getdents, fd, buf, sizeof(buf)),
	       EBADF);
	snprintf(path, sizeof(path), "%s/a", d);
	fd = open(path, O_RDONLY);
	tl_err("a file", syscall(SYS_getdents, fd, buf, sizeof(buf)),
	       ENOTDIR);
	close(fd);
	tl_cleanup();
	return tl_done();
}
