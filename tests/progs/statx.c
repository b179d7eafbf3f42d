/* statx: mask, size, mode and agreement with fstat. */
#include <sys/sysmacros.h>
#include "testlib.h"

int main(void)
{
	const char *p = tl_tmp("f");
	struct statx sx;
	struct stat st;

	tl_write_file(p, "123456789", 9);
	tl_err("statx", statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx), 0);
	tl_yes("mask has BASIC_STATS", (sx.stx_mask & STATX_BASIC_STATS) ==
	       STATX_BASIC_STATS);
	tl_say("size %llu regular %d", (unsigned long long)sx.stx_size,
	       S_ISREG(sx.stx_mode));
	stat(p, &st);
	tl_yes("ino agrees with stat", sx.stx_ino == st.st_ino);
	tl_yes("mode agrees", sx.stx_mode == st.st_mode);
	tl_yes("mtime agrees", (time_t)sx.stx_mtime.tv_sec == st.st_mtime);
	tl_yes("dev agrees", (dev_t)makedev(sx.stx_dev_major, sx.stx_dev_minor) ==
	       st.st_dev);
	tl_err("statx /etc/passwd",
	       statx(AT_FDCWD, "/etc/passwd", 0, STATX_SIZE, &sx), 0);
	stat("/etc/passwd", &st);
	tl_yes("size agrees", sx.stx_size == (unsigned long long)st.st_size);
	int fd = open(p, O_RDONLY);
	tl_err("statx AT_EMPTY_PATH",
	       statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx), 0);
	tl_say("size %llu", (unsigned long long)sx.stx_size);
	tl_err("statx reserved mask bit",
	       statx(fd, "", AT_EMPTY_PATH, 0x80000000U, &sx), EINVAL);
	tl_err("statx bad flags", statx(fd, "", 0x7000000, STATX_SIZE, &sx),
	       EINVAL);
	tl_err("statx missing", statx(AT_FDCWD, tl_tmp("no"), 0, 0, &sx),
	       ENOENT);
	tl_err("statx bad buf", syscall(SYS_statx, AT_FDCWD, p, 0,
					STATX_SIZE, TL_BAD1), EFAULT);
	close(fd);
	tl_cleanup();
	return tl_done();
}
