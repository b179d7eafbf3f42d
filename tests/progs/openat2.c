/* openat2: struct open_how's size and field checks, and each RESOLVE_*
 * flag (BENEATH, IN_ROOT, NO_SYMLINKS, NO_MAGICLINKS, NO_XDEV, CACHED)
 * through plain names, "..", absolute paths and symlinks. */
#include <linux/openat2.h>
#include "testlib.h"

static long o2(int dfd, const char *p, uint64_t fl, uint64_t mode,
	       uint64_t res)
{
	struct open_how h = {.flags = fl, .mode = mode, .resolve = res};
	long r = syscall(SYS_openat2, dfd, p, &h, sizeof(h));
	return r;
}

static void ok(const char *what, long r)
{
	tl_yes(what, r >= 0);
	if (r >= 0)
		close((int)r);
	else
		printf("  %s: %s\n", what, tl_errname(errno));
}

int main(void)
{
	const char *dir = tl_tmp("d");
	mkdir(dir, 0755);
	int d = open(dir, O_RDONLY | O_DIRECTORY);
	mkdirat(d, "sub", 0755);
	close(openat(d, "f", O_CREAT | O_WRONLY, 0644));
	symlinkat("f", d, "ls");
	symlinkat("/f", d, "abs");
	symlinkat("../f", d, "upl");
	symlinkat("target", d, "dang");

	/* struct open_how itself */
	struct open_how h = {.flags = O_RDONLY};
	char big[64] = {0};
	memcpy(big, &h, sizeof(h));
	tl_err("size 23", syscall(SYS_openat2, d, "f", &h, 23), EINVAL);
	tl_err("size > page", syscall(SYS_openat2, d, "f", big, 4097), E2BIG);
	ok("size 64 zero tail", syscall(SYS_openat2, d, "f", big, 64));
	big[40] = 1;
	tl_err("nonzero tail", syscall(SYS_openat2, d, "f", big, 64), E2BIG);
	tl_err("bad how", syscall(SYS_openat2, d, "f", TL_BAD1, 24), EFAULT);
	tl_err("bad path", o2(d, TL_BAD1, 0, 0, 0), EFAULT);
	tl_err("unknown flag", o2(d, "f", 1ULL << 40, 0, 0), EINVAL);
	tl_err("unknown resolve", o2(d, "f", 0, 0, 0x80), EINVAL);
	tl_err("mode without O_CREAT", o2(d, "f", 0, 0644, 0), EINVAL);
	tl_err("mode 010000", o2(d, "n", O_CREAT | O_WRONLY, 010000, 0),
	       EINVAL);
	tl_err("BENEATH|IN_ROOT", o2(d, "f", 0, 0, RESOLVE_BENEATH |
				     RESOLVE_IN_ROOT), EINVAL);
	ok("plain", o2(d, "f", O_RDONLY | O_CLOEXEC, 0, 0));

	/* RESOLVE_BENEATH */
	ok("beneath f", o2(d, "f", 0, 0, RESOLVE_BENEATH));
	ok("beneath sub/../f", o2(d, "sub/../f", 0, 0, RESOLVE_BENEATH));
	ok("beneath ls", o2(d, "ls", 0, 0, RESOLVE_BENEATH));
	tl_err("beneath ..", o2(d, "..", 0, 0, RESOLVE_BENEATH), EXDEV);
	tl_err("beneath ../d/f", o2(d, "../d/f", 0, 0, RESOLVE_BENEATH),
	       EXDEV);
	tl_err("beneath /", o2(d, "/f", 0, 0, RESOLVE_BENEATH), EXDEV);
	tl_err("beneath abs link", o2(d, "abs", 0, 0, RESOLVE_BENEATH), EXDEV);
	tl_err("beneath sub/../upl", o2(d, "sub/upl", 0, 0, RESOLVE_BENEATH),
	       ENOENT);
	tl_err("beneath upl", o2(d, "upl", 0, 0, RESOLVE_BENEATH), EXDEV);
	ok("beneath create", o2(d, "new", O_CREAT | O_WRONLY, 0600,
				RESOLVE_BENEATH));
	tl_err("beneath create ..", o2(d, "../new", O_CREAT | O_WRONLY, 0600,
				       RESOLVE_BENEATH), EXDEV);

	/* RESOLVE_IN_ROOT: "/" and ".." stop at d */
	ok("in_root /f", o2(d, "/f", 0, 0, RESOLVE_IN_ROOT));
	ok("in_root abs", o2(d, "abs", 0, 0, RESOLVE_IN_ROOT));
	ok("in_root ../../f", o2(d, "../../f", 0, 0, RESOLVE_IN_ROOT));
	ok("in_root upl", o2(d, "upl", 0, 0, RESOLVE_IN_ROOT));
	tl_err("in_root /etc", o2(d, "/etc/passwd", 0, 0, RESOLVE_IN_ROOT),
	       ENOENT);

	/* O_CREAT through a dangling symlink stays scoped */
	symlinkat("/made", d, "dangabs");
	symlinkat("../escaped", d, "dangup");
	ok("in_root creat via abs link", o2(d, "dangabs", O_CREAT | O_WRONLY,
					    0600, RESOLVE_IN_ROOT));
	tl_val("made inside", faccessat(d, "made", F_OK, 0), 0);
	tl_err("beneath creat via ../ link", o2(d, "dangup", O_CREAT |
						O_WRONLY, 0600,
						RESOLVE_BENEATH), EXDEV);
	tl_err("beneath creat via abs link", o2(d, "dangabs", O_CREAT |
						O_WRONLY, 0600,
						RESOLVE_BENEATH), EXDEV);

	/* RESOLVE_NO_SYMLINKS */
	ok("nosym f", o2(d, "f", 0, 0, RESOLVE_NO_SYMLINKS));
	tl_err("nosym ls", o2(d, "ls", 0, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	ok("nosym ls O_PATH|O_NOFOLLOW", o2(d, "ls", O_PATH | O_NOFOLLOW, 0,
					    RESOLVE_NO_SYMLINKS));
	tl_err("nosym creat dangling", o2(d, "dang", O_CREAT | O_WRONLY, 0600,
					  RESOLVE_NO_SYMLINKS), ELOOP);
	tl_err("nosym /proc/self", o2(AT_FDCWD, "/proc/self/status", 0, 0,
				     RESOLVE_NO_SYMLINKS), ELOOP);

	/* RESOLVE_NO_MAGICLINKS */
	char fdp[64];
	snprintf(fdp, sizeof(fdp), "/proc/self/fd/%d", d);
	ok("magic plain", o2(AT_FDCWD, fdp, O_RDONLY, 0, 0));
	tl_err("nomagic fd", o2(AT_FDCWD, fdp, O_RDONLY, 0,
				RESOLVE_NO_MAGICLINKS), ELOOP);
	ok("nomagic /proc/self/status", o2(AT_FDCWD, "/proc/self/status", 0,
					   0, RESOLVE_NO_MAGICLINKS));
	ok("nomagic O_PATH|O_NOFOLLOW", o2(AT_FDCWD, fdp, O_PATH | O_NOFOLLOW,
					   0, RESOLVE_NO_MAGICLINKS));
	int p = open("/proc", O_RDONLY | O_DIRECTORY);
	snprintf(fdp, sizeof(fdp), "self/fd/%d", d);
	tl_err("beneath magic", o2(p, fdp, O_RDONLY, 0, RESOLVE_BENEATH),
	       EXDEV);

	/* RESOLVE_NO_XDEV: /proc is another mount than / */
	int r = open("/", O_RDONLY | O_DIRECTORY);
	tl_err("noxdev proc", o2(r, "proc", 0, 0, RESOLVE_NO_XDEV), EXDEV);
	tl_err("noxdev /proc", o2(AT_FDCWD, "/proc/self/status", 0, 0,
				  RESOLVE_NO_XDEV), EXDEV);
	tl_err("noxdev proc ..", o2(p, "..", 0, 0, RESOLVE_NO_XDEV), EXDEV);
	ok("noxdev inside proc", o2(p, "self/status", 0, 0, RESOLVE_NO_XDEV));
	ok("noxdev inside d", o2(d, "sub/../ls", 0, 0, RESOLVE_NO_XDEV));
	close(r);
	close(p);

	/* RESOLVE_CACHED: EAGAIN is always allowed for a lookup */
	long c = o2(d, "f", 0, 0, RESOLVE_CACHED);
	tl_yes("cached ok or EAGAIN", c >= 0 || errno == EAGAIN);
	if (c >= 0)
		close((int)c);
	tl_err("cached O_CREAT", o2(d, "f", O_CREAT | O_RDONLY, 0600,
				    RESOLVE_CACHED), EAGAIN);
	tl_err("cached O_TRUNC", o2(d, "f", O_TRUNC | O_WRONLY, 0,
				    RESOLVE_CACHED), EAGAIN);
	close(d);
	return tl_done();
}
