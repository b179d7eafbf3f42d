/* getdents64 of a directory made in /tmp: names (sorted, since order is
 * the filesystem's choice), d_type, and reading in small buffers. */
#include <sys/sysmacros.h>
#include "testlib.h"

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	static char names[64][64];
	char *sorted[64];
	char buf[200];
	int n = 0, fd;
	long r;

	mkdir(tl_tmp("sub"), 0755);
	for (int i = 0; i < 20; i++) {
		char f[32];

		snprintf(f, sizeof(f), "file%02d", i);
		tl_write_file(tl_tmp(f), "x", 1);
	}
	fd = open(tl_tmpdir(), O_RDONLY | O_DIRECTORY);
	/* A 200-byte buffer forces several calls and resumption by offset. */
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < r;) {
			struct dirent64_raw *d = (void *)(buf + off);

			if (n < 64) {
				snprintf(names[n], sizeof(names[0]), "%s %s",
					 d->d_name,
					 d->d_type == DT_DIR ? "dir" :
					 d->d_type == DT_REG ? "reg" : "other");
				sorted[n] = names[n];
				n++;
			}
			off += d->d_reclen;
		}
	}
	tl_val("end of directory", r, 0);
	qsort(sorted, n, sizeof(sorted[0]), cmp);
	tl_say("entries %d", n);
	for (int i = 0; i < n; i++)
		tl_say("%s", sorted[i]);
	tl_val("again at end", syscall(SYS_getdents64, fd, buf, sizeof(buf)),
	       0);
	lseek(fd, 0, SEEK_SET);
	tl_yes("rewind restarts",
	       syscall(SYS_getdents64, fd, buf, sizeof(buf)) > 0);
	tl_err("buffer too small", syscall(SYS_getdents64, fd, buf, 8),
	       EINVAL);
	tl_err("bad buffer", syscall(SYS_getdents64, fd, TL_BAD1, 4096),
	       EFAULT);
	close(fd);
	fd = open(tl_tmp("file00"), O_RDONLY);
	tl_err("getdents on a file",
	       syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
	close(fd);
	tl_err("getdents bad fd",
	       syscall(SYS_getdents64, 99, buf, sizeof(buf)), EBADF);
	tl_cleanup();
	return tl_done();
}
