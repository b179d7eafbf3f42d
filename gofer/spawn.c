/* Starting the gofer and confining it.
 *
 * A fork of the runtime rather than an exec of `ringvisor gofer`: the
 * runtime calls this first thing in `run`, before the memory file, the
 * platform or any thread exist, so the child holds nothing of the sentry
 * but the code, and no path to our own binary has to be trusted (an exec
 * of /proc/self/exe would need /proc and a host path lookup in a process
 * that is about to be confined). The child closes every fd but its socket
 * before it serves anything.
 *
 * Confinement of the gofer, in order:
 *   1. new mount namespace (and a user namespace when not root), mounts
 *      private;
 *   2. /proc/self/fd of the gofer opened (O_PATH) while /proc is still in
 *      sight: the only way to re-open an O_PATH fd for I/O without its
 *      name;
 *   3. the root bind-mounted on itself, not recursively (no other mount
 *      is visible), read-only for a read-only gofer, nosuid and nodev
 *      always; pivot_root into it and the old root detached;
 *   4. every capability dropped but those that serving files of other
 *      users needs as root (CHOWN, DAC_OVERRIDE, FOWNER, FSETID);
 *   5. no_new_privs, not dumpable (no same-uid process may ptrace it);
 *   6. the seccomp allowlist below, default action kill. */
#include "gofer/gofer.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "runtime/bpf.h"
#include "runtime/confine.h"
#include "sentry/util.h"

/* Host calls the gofer makes while serving; everything else kills it. */
static const char *const gofer_allow[] = {
	"recvmsg", "sendmsg",                  /* the one socket */
	"openat", "openat2", "close",          /* walk, open, re-open */
	"fstat", "newfstatat", "statx", "fstatfs", "lseek", "getdents64",
	"mkdirat", "symlinkat", "linkat", "unlinkat", "renameat2",
	"readlinkat", "fchownat", "fchmodat", "utimensat", "ftruncate",
	"fgetxattr", "fsetxattr", "flistxattr", "fremovexattr",
	"brk", "mmap", "munmap", "mremap", "madvise",  /* malloc */
	"futex", "rt_sigreturn", "restart_syscall",
	"exit", "exit_group",
};

int gofer_filter_build(const char *arg, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = 0;
	(void)arg;
	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < RV_ARRAY_SIZE(gofer_allow); i++) {
		int nr = seccomp_syscall_resolve_name(gofer_allow[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* openat2 on an old libseccomp */
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			goto out;
	}
	/* mknod of fifos and sockets only (op_mknod checks it too). */
	if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mknodat), 1,
				  SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT,
					  S_IFIFO))) < 0 ||
	    (r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mknodat), 1,
				  SCMP_A2(SCMP_CMP_MASKED_EQ, S_IFMT,
					  S_IFSOCK))) < 0)
		goto out;
	/* Error messages on stderr only. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
			     SCMP_A0(SCMP_CMP_EQ, 2));
out:
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

/* The program the build compiled from gofer_filter_build (runtime/bpf.h). */
static int gofer_seccomp(void)
{
	struct sock_fprog prog;
	int r = rv_bpf_get("gofer", &prog);
	return r < 0 ? r : rv_bpf_load(&prog, 0);
}

static int gofer_confine(const struct gofer_opts *o, int *rootfd,
			 int *procfd, const char **what)
{
	int e;
	*what = "new mount namespace";
	if ((e = confine_unshare_mounts()))
		return e;
	*what = "/proc/self/fd";
	*procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*procfd < 0)
		return -errno;
	*what = "pivot into the root";
	e = confine_pivot_into(o->root, MS_NOSUID | MS_NODEV |
					       (o->rdonly ? MS_RDONLY : 0));
	if (e)
		return e;
	*what = "root";
	*rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*rootfd < 0)
		return -errno;
	*what = "dropping capabilities";
	uint64_t keep = 1ULL << CAP_CHOWN | 1ULL << CAP_DAC_OVERRIDE |
			1ULL << CAP_FOWNER | 1ULL << CAP_FSETID;
	if ((e = confine_drop_caps(keep)))
		return e;
	*what = "no_new_privs";
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -errno;
	*what = "seccomp filter";
	return gofer_seccomp();
}

static __attribute__((noreturn)) void gofer_child(const struct gofer_opts *o,
						  int sock)
{
	const char *what = "";
	int rootfd = -1, procfd = -1, e;

	/* The gofer serves one sandbox and dies with whoever started it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* Keyboard signals are for the sandbox, not for the file server. */
	setpgid(0, 0);
	if (sock != 3 && dup2(sock, 3) < 0)
		_exit(1);
	/* stderr stays for error lines; stdin/stdout are the app's. */
	syscall(SYS_close_range, 4, ~0U, 0);
	close(0);
	close(1);
	sock = 3;
	umask(0); /* the sentry applies the app's umask itself */

	if (o->confine) {
		e = gofer_confine(o, &rootfd, &procfd, &what);
	} else {
		what = o->root;
		procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
		rootfd = open(o->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		e = procfd < 0 || rootfd < 0 ? -errno : 0;
	}
	if (e) {
		rv_err("gofer: %s: %s", what, strerror(-e));
		_exit(1);
	}
	e = gofer_serve(rootfd, procfd, sock, o->rdonly);
	if (e)
		rv_err("gofer: %s", strerror(-e));
	_exit(e ? 1 : 0);
}

pid_t gofer_spawn(const struct gofer_opts *opts, int *sock, char *err,
		  size_t errlen)
{
	int sv[2];
	struct stat st;

	if (stat(opts->root, &st) < 0) {
		snprintf(err, errlen, "%s: %s", opts->root, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", opts->root, strerror(ENOTDIR));
		return -ENOTDIR;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		snprintf(err, errlen, "gofer socket: %s", strerror(errno));
		return -errno;
	}
	/* Ready check: the child writes nothing until it serves, so a
	 * child that fails to confine itself is seen at the first request
	 * (EIO). gofer_client_new's attach is that first request. */
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		snprintf(err, errlen, "fork of the gofer: %s", strerror(e));
		return -e;
	}
	if (pid == 0) {
		close(sv[0]);
		gofer_child(opts, sv[1]);
	}
	close(sv[1]);
	*sock = sv[0];
	return pid;
}
