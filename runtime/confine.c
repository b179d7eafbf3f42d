/* Confinement of the sentry (runtime/confine.h, docs/security.md).
 *
 * The order of the steps is the point of this file:
 *
 *   monitor: clone(NEWUSER|NEWNS|NEWPID|NEWIPC|NEWUTS[|NEWNET]) -> sentry,
 *            write the sentry's uid/gid maps, release it, wait.
 *   sentry (still one thread): mounts private, cwd "/", loopback up, fork
 *            the *pivot helper*, drop every capability, no_new_privs.
 *   ... start-up: memory file, platform (threads, /dev/kvm), gofer client.
 *   sentry: confine_sentry_start(): the helper starts to pivot the shared
 *            mount namespace into an empty read-only tmpfs (pivot_root(2)
 *            moves the root of every process whose root was the old one:
 *            the sentry's too), while the sentry installs the seccomp
 *            allowlist with TSYNC on every thread; confine_sentry_finish()
 *            waits for the pivot, before the program file is read.
 *
 * Capabilities and no_new_privs are per thread, so they are dropped while
 * the sentry still has one thread; the only step that needs a capability
 * later (the pivot) is done by the helper, a process that never runs
 * sentry code after the fork and exits once done. */
#include "runtime/confine.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/magic.h>
#include <linux/securebits.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <ucontext.h>

#include "runtime/bpf.h"
#include "sentry/util.h"

extern char **environ;

/* --- helpers ----------------------------------------------------------------- */

static void set_err(char *err, size_t len, const char *what, int e)
{
	snprintf(err, len, "%s: %s", what, strerror(e));
}

int confine_drop_caps(uint64_t keep)
{
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which
	 * capset is about to remove. */
	for (int cap = 0; cap < 64; cap++) {
		if (keep & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
			if (errno == EINVAL)
				break; /* past CAP_LAST_CAP */
			return -errno;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -errno;
	/* Being uid 0 must never give capabilities back (an execve would
	 * not, thanks to no_new_privs, but say it twice). Needs CAP_SETPCAP
	 * too; EPERM only when we never had it, and then there is nothing to
	 * regain either. */
	if (prctl(PR_SET_SECUREBITS,
		  SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			  SECBIT_NO_CAP_AMBIENT_RAISE |
			  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) < 0 && errno != EPERM)
		return -errno;
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2] = {
		{.effective = (uint32_t)keep, .permitted = (uint32_t)keep},
		{.effective = (uint32_t)(keep >> 32),
		 .permitted = (uint32_t)(keep >> 32)},
	};
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, s, strlen(s));
	int e = n < 0 ? -errno : (size_t)n != strlen(s) ? -EIO : 0;
	close(fd);
	return e;
}

int confine_write_idmap(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];
	int e;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if ((e = write_file(path, map)))
		return e;
	/* user_namespaces(7): an unprivileged gid_map needs setgroups
	 * denied, and denying it also stops the sandbox from dropping a
	 * supplementary group that a host ACL denies access to. */
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if ((e = write_file(path, "deny")) && e != -ENOENT)
		return e;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	return write_file(path, map);
}

int confine_unshare_mounts(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid != 0) {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return -errno;
		int e = confine_write_idmap(getpid(), uid, gid);
		if (e)
			return e;
	} else if (unshare(CLONE_NEWNS) < 0) {
		return -errno;
	}
	/* Nothing we mount or unmount from here on reaches the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/* The MS_* flags a bind remount must repeat: in a user namespace the
 * kernel refuses to clear flags the parent namespace locked. */
static unsigned long locked_flags(const char *dir)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (statvfs(dir, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* Undo mountinfo's octal escapes (\040 for a space...) in place. */
static void unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* Cover every mount below dir with an empty read-only tmpfs: what the
 * kernel lets a user namespace do with mounts it may not unmount. Called
 * with the cwd at the top of the new bind of dir: the paths are made
 * relative to it, since "/x" would resolve in the old tree below it. Mounts
 * of files (a container's /etc/hosts) cannot be covered by a directory
 * and stay: they are plain read-only files of the host. Best effort: a
 * mount below one already covered is out of reach anyway. */
static void cover_submounts(const char *dir)
{
	char line[4096], mp[4096];
	size_t dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	/* Read the list first: every cover is a new line in mountinfo. */
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	char **mps = NULL;
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		unescape(mp);
		bool below = dlen == 1 ? mp[0] == '/' && mp[1]
				       : !strncmp(mp, dir, dlen) &&
						 mp[dlen] == '/';
		if (!below)
			continue;
		mps = rv_xrealloc(mps, (n + 1) * sizeof(*mps));
		mps[n++] = rv_xstrdup(mp);
	}
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		char rel[4096 + 2];
		snprintf(rel, sizeof(rel), ".%s", mps[i] + (dlen == 1 ? 0 : dlen));
		/* lstat never triggers an automount. */
		if (lstat(rel, &st) == 0 && S_ISDIR(st.st_mode) &&
		    mount("ringvisor-cover", rel, "tmpfs",
			  MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "size=4k,nr_inodes=1,mode=0555") < 0)
			rv_dbg("cover %s: %s", mps[i], strerror(errno));
		free(mps[i]);
	}
	free(mps);
}

int confine_pivot_into(const char *dir, unsigned long flags)
{
	struct stat d, r;
	if (stat(dir, &d) < 0 || stat("/", &r) < 0)
		return -errno;
	bool is_root = d.st_dev == r.st_dev && d.st_ino == r.st_ino;
	/* Not MS_REC: the host's other mounts (/proc, /sys, /dev, /home...)
	 * below dir stay out of sight. In a user namespace the kernel refuses
	 * that (EINVAL) when dir has mounts below it that the namespace
	 * inherited locked: dropping them would reveal what they cover. Then
	 * the bind is recursive and each of those mounts is covered instead
	 * (cover_submounts). */
	bool rec = false;
	if (mount(dir, dir, NULL, MS_BIND, NULL) < 0) {
		if (errno != EINVAL ||
		    mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
			return -errno;
		rec = true;
	}
	unsigned long f = locked_flags(dir) | flags;
	if (f && mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | f, NULL) < 0)
		return -errno;
	/* A lookup of "/" stops at the process root and never crosses the
	 * bind just stacked on it; "/.." does (path_resolution(7): ".." at
	 * the root is the root, and mounts on it are then followed). */
	if (chdir(is_root ? "/.." : dir) < 0)
		return -errno;
	if (rec)
		cover_submounts(dir);
	/* pivot_root(".", ".") stacks the old root on top of the new one;
	 * detaching "." then drops it (pivot_root(2), NOTES). */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return -errno;
	if (umount2(".", MNT_DETACH) < 0)
		return -errno;
	if (chdir("/") < 0)
		return -errno;
	return 0;
}

/* --- loopback ----------------------------------------------------------------- */

/* A new network namespace has "lo" down; bring it up with the ioctl `ip
 * link set lo up` ends up making. */
static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	int e = 0;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
		e = -errno;
	} else {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			e = -errno;
	}
	close(fd);
	return e;
}

/* --- the pivot helper --------------------------------------------------------- */

static int helper_req = -1, helper_res = -1;
static pid_t helper_pid;

/* A mount point for the empty root: any directory that exists (the mount
 * namespace is private, the host sees nothing). */
static const char *const empty_root_candidates[] = {
	"/tmp", "/mnt", "/dev", "/proc", "/run", "/var",
};

static int pivot_to_empty(void)
{
	const char *mp = NULL;
	for (size_t i = 0; i < RV_ARRAY_SIZE(empty_root_candidates); i++) {
		struct stat st;
		if (stat(empty_root_candidates[i], &st) == 0 &&
		    S_ISDIR(st.st_mode)) {
			mp = empty_root_candidates[i];
			break;
		}
	}
	if (!mp)
		return -ENOENT;
	/* An empty tmpfs that can hold nothing: read-only after the pivot,
	 * and no room even before. */
	if (mount("ringvisor-empty", mp, "tmpfs",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=2,mode=0555") < 0)
		return -errno;
	int e = confine_pivot_into(mp, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	if (e)
		return e;
	if (mount(NULL, "/", NULL,
		  MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -errno;
	return 0;
}

/* Close every fd but a and b. */
static void close_all_but(int a, int b)
{
	int lo = RV_MIN(a, b), hi = RV_MAX(a, b);
	if (lo > 0)
		syscall(SYS_close_range, 0, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0U, 0);
}

static __attribute__((noreturn)) void helper_main(int req, int res)
{
	char c;
	int e;

	/* Only the two pipes: this process keeps capabilities, so it keeps
	 * nothing else of the sentry. */
	close_all_but(req, res);
	if (read(req, &c, 1) != 1)
		_exit(0); /* the sentry ended before confining: nothing to do */
	e = pivot_to_empty();
	if (write(res, &e, sizeof(e)) != sizeof(e))
		_exit(1);
	_exit(0);
}

static int helper_start(void)
{
	int a[2], b[2];
	if (pipe2(a, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(b, O_CLOEXEC) < 0) {
		int e = -errno;
		close(a[0]);
		close(a[1]);
		return e;
	}
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		helper_main(a[0], b[1]);
	}
	int e = pid < 0 ? -errno : 0;
	close(a[0]);
	close(b[1]);
	if (e) {
		close(a[1]);
		close(b[0]);
		return e;
	}
	helper_req = a[1];
	helper_res = b[0];
	helper_pid = pid;
	return 0;
}

/* The pivot is asked for, then waited for: in between the sentry goes on
 * with start-up that needs no path (confine_sentry_start). */
static int helper_pivot_request(void)
{
	char c = 'p';
	if (helper_req < 0)
		return -EINVAL;
	if (write(helper_req, &c, 1) != 1)
		return -EIO;
	return 0;
}

static int helper_pivot_wait(void)
{
	int e = -EIO;
	if (helper_res < 0)
		return -EINVAL;
	if (rv_read_full(helper_res, &e, sizeof(e)) != sizeof(e))
		e = -EIO;
	close(helper_req);
	close(helper_res);
	helper_req = helper_res = -1;
	while (waitpid(helper_pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	return e;
}

/* --- the monitor ---------------------------------------------------------------- */

/* A gofer died under a running sandbox (killed, crashed, a fatal error it
 * reported): the sentry would notice only at its next file request to it,
 * and an app that makes none would run on without its files. Stop the
 * sandbox now. A gofer that ends cleanly (exit 0) does so only after the
 * sentry: nothing to do. volume is NULL for the root's gofer. */
static void monitor_gofer_died(pid_t sentry, int gst, const char *volume)
{
	int status;
	if (WIFEXITED(gst) && !WEXITSTATUS(gst))
		return;
	/* A sentry that saw it first is already stopping and has said so:
	 * one line. */
	for (int k = 0; k < 50; k++) {
		if (waitpid(sentry, &status, WNOHANG) == sentry)
			_exit(1);
		usleep(10000);
	}
	if (WIFSIGNALED(gst)) {
		char who[300];
		if (volume)
			snprintf(who, sizeof(who), "the gofer of volume %s",
				 volume);
		else
			snprintf(who, sizeof(who), "the gofer");
		rv_err("%s died (killed by signal %d, %s); stopping the "
		       "sandbox", who, WTERMSIG(gst), strsignal(WTERMSIG(gst)));
	}
	kill(sentry, SIGKILL);
	while (waitpid(sentry, &status, 0) < 0 && errno == EINTR)
		;
	_exit(1);
}

/* The sentry's word that the sandbox has ended (confine_sentry_ended):
 * `ringvisor run`'s exit code, 4 bytes, one atomic pipe write. The monitor's
 * end is non-blocking and raises SIGIO when the word arrives. */
static int ended_rd = -1, ended_wr = -1;

void confine_sentry_ended(int exit_code)
{
	if (ended_wr < 0)
		return;
	if (write(ended_wr, &exit_code, sizeof(exit_code)) !=
	    (ssize_t)sizeof(exit_code)) {
		/* The monitor is gone: PDEATHSIG ends us anyway. */
	}
	close(ended_wr);
	ended_wr = -1;
}

/* True once the sentry has said the sandbox ended, with the exit code. */
static bool monitor_sentry_ended(int *code)
{
	int st;
	if (ended_rd < 0)
		return false;
	ssize_t n = read(ended_rd, &st, sizeof(st));
	if (n == (ssize_t)sizeof(st)) {
		*code = st;
		return true;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		/* The sentry died without a word: its own wait status says
		 * how (the loop below). */
		close(ended_rd);
		ended_rd = -1;
	}
	return false;
}

/* The sandbox ended and the sentry said so: nothing of it is needed any
 * more. The sentry is killed first (every thread of it has SIGKILL
 * pending before a gofer can be seen gone, so a sentry thread never
 * reports the gofers' death), then the gofers; the kernel tears them all
 * down at once, where a sentry left to exit by itself and a gofer killed
 * only after it would take turns. Everything is reaped before the monitor
 * exits: nothing of the sandbox outlives `ringvisor run`. */
static void monitor_stop_all(pid_t sentry, pid_t gofer, const pid_t *vol,
			     size_t nvol)
{
	kill(sentry, SIGKILL);
	if (gofer > 0)
		kill(gofer, SIGKILL);
	for (size_t i = 0; i < nvol; i++)
		if (vol[i] > 0)
			kill(vol[i], SIGKILL);
	while (waitpid(sentry, NULL, 0) < 0 && errno == EINTR)
		;
}

static __attribute__((noreturn)) void monitor(pid_t sentry,
					      const struct confine_config *cfg)
{
	sigset_t set;
	siginfo_t si;
	int status = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGUSR1); /* the stack dump (ringvisor debug) */
	sigaddset(&set, SIGIO);	  /* the sentry's word (ended_rd) */
	sigprocmask(SIG_BLOCK, &set, NULL);
	bool ended = false;
	int ended_code = 0;
	pid_t gofer = cfg->gofer_pid;
	/* The volume gofers still to watch: pid 0 once reaped. Our own copy
	 * (the configuration is the caller's). */
	size_t nvol = cfg->nvolume_gofers;
	pid_t *vol = rv_xcalloc(nvol ? nvol : 1, sizeof(*vol));
	for (size_t i = 0; i < nvol; i++)
		vol[i] = cfg->volume_gofers[i].pid;
	/* From here on this process only waits: the ~2 MiB of code and
	 * rodata its start-up mapped (ringvisor, libc, ld.so) need not stay
	 * in its page tables. The loop below faults back the little it runs. */
	rv_drop_code_ptes();
	for (;;) {
		pid_t r = waitpid(sentry, &status, WNOHANG);
		if (r == sentry)
			break;
		if (r < 0 && errno != EINTR)
			break;
		if (monitor_sentry_ended(&ended_code)) {
			ended = true;
			monitor_stop_all(sentry, gofer, vol, nvol);
			break;
		}
		int gst;
		if (gofer > 0 && waitpid(gofer, &gst, WNOHANG) == gofer) {
			gofer = 0;
			monitor_gofer_died(sentry, gst, NULL);
		}
		for (size_t i = 0; i < nvol; i++) {
			if (vol[i] > 0 &&
			    waitpid(vol[i], &gst, WNOHANG) == vol[i]) {
				vol[i] = 0;
				monitor_gofer_died(sentry, gst,
						   cfg->volume_gofers[i].name);
			}
		}
		if (sigwaitinfo(&set, &si) < 0 || si.si_signo == SIGCHLD ||
		    si.si_signo == SIGIO)
			continue;
		/* A signal kill(1)'d to us is for the sandbox. One from the
		 * terminal (si_code SI_KERNEL) reached the sentry too: it is
		 * in our process group. */
		if (si.si_code <= 0)
			kill(sentry, si.si_signo);
	}
	if (gofer > 0) {
		kill(gofer, SIGKILL);
		while (waitpid(gofer, NULL, 0) < 0 && errno == EINTR)
			;
	}
	/* Reaped before we exit, not left to PR_SET_PDEATHSIG: when the
	 * user's `ringvisor` returns, no gofer holds a volume any more. */
	for (size_t i = 0; i < nvol; i++) {
		if (vol[i] <= 0)
			continue;
		kill(vol[i], SIGKILL);
		while (waitpid(vol[i], NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (ended)
		_exit(ended_code);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		rv_err("sentry killed by signal %d (%s); sandbox stopped", sig,
		       strsignal(sig));
		_exit(128 + sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/* --- step 1 ----------------------------------------------------------------------- */

int confine_spawn_sentry(const struct confine_config *cfg, char *err,
			 size_t errlen)
{
	int sync[2];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char c = 0;
	int e;

	if (pipe2(sync, O_CLOEXEC) < 0) {
		set_err(err, errlen, "pipe", errno);
		return -errno;
	}
	int ended[2] = {-1, -1};
	if (pipe2(ended, O_CLOEXEC | O_NONBLOCK) < 0) {
		e = errno;
		close(sync[0]);
		close(sync[1]);
		set_err(err, errlen, "pipe", e);
		return -e;
	}
	/* The network namespace is not made here (~0.5 ms in the kernel,
	 * on the monitor's clock) but by the sentry, while the monitor
	 * writes its id maps (below). */
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			      CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
	/* A raw clone behaves like fork(2) here (no new stack): the sentry
	 * goes on from this point as pid 1 of its pid namespace, so every
	 * stub it forks is inside that namespace. */
	pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
	if (pid < 0) {
		e = errno;
		close(sync[0]);
		close(sync[1]);
		close(ended[0]);
		close(ended[1]);
		set_err(err, errlen, "new namespaces for the sentry (clone)", e);
		return -e;
	}
	if (pid == 0) {
		close(sync[1]);
		close(ended[0]);
		ended_wr = ended[1];
		/* The sentry must not outlive the monitor. Before the read:
		 * the monitor is known alive until it writes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Until the monitor has written the id maps, start-up work
		 * that needs none of them runs here instead of waiting: the
		 * network namespace first (a thread started after it is in
		 * it, and so is the kernel worker KVM adds to its VM's
		 * creator), then the caller's. */
		const char *what = NULL;
		if (cfg->network_none && unshare(CLONE_NEWNET) < 0)
			what = "new network namespace";
		if (!what && cfg->sentry_early)
			cfg->sentry_early(cfg->sentry_early_arg);
		if (!what && cfg->network_none && (e = loopback_up()) < 0)
			errno = -e, what = "loopback up";
		if (what) {
			rv_err("confining the sentry: %s: %s", what,
			       strerror(errno));
			_exit(1);
		}
		if (read(sync[0], &c, 1) != 1 || c != 'g')
			_exit(1);
		close(sync[0]);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			what = "private mounts";
		else if ((e = helper_start()) < 0)
			errno = -e, what = "pivot helper";
		else if ((e = confine_drop_caps(0)) < 0)
			errno = -e, what = "dropping capabilities";
		else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			what = "no_new_privs";
		if (what) {
			rv_err("confining the sentry: %s: %s", what,
			       strerror(errno));
			_exit(1);
		}
		return 0;
	}
	close(sync[0]);
	close(ended[1]);
	ended_rd = ended[0];
	/* SIGIO when the sentry's word arrives: the monitor sleeps in
	 * sigwaitinfo. */
	if (fcntl(ended_rd, F_SETOWN, getpid()) < 0 ||
	    fcntl(ended_rd, F_SETFL, O_NONBLOCK | O_ASYNC) < 0) {
		close(ended_rd);
		ended_rd = -1;
	}
	e = confine_write_idmap(pid, uid, gid);
	if (e) {
		close(sync[1]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		set_err(err, errlen, "uid/gid map of the sentry", -e);
		return e;
	}
	if (cfg->gofer_sock >= 0)
		close(cfg->gofer_sock);
	/* The sentry has its ends of the volume gofers' sockets too (the
	 * clone copied them): the monitor needs none, and a gofer must see
	 * EOF when the sentry dies. */
	for (size_t i = 0; i < cfg->nvolume_gofers; i++)
		if (cfg->volume_gofers[i].sock >= 0)
			close(cfg->volume_gofers[i].sock);
	c = 'g';
	if (write(sync[1], &c, 1) != 1)
		kill(pid, SIGKILL);
	close(sync[1]);
	monitor(pid, cfg);
}

/* --- step 2: the seccomp allowlist ---------------------------------------------- */

/* Every host call the sentry makes after confine_sentry, and why. Found by
 * running the sentry under `strace -f -c` for the build/tests programs and busybox on
 * each platform (docs/security.md says how to redo it). Calls with an
 * argument that matters are not here but in add_filtered_rules. */
static const struct {
	const char *name;
	const char *why;
} sentry_allow[] = {
	/* I/O on fds the sentry holds: memory file, gofer-donated files,
	 * pipes, eventfds, host sockets, stdio. None takes a path. */
	{"read", "file and pipe reads"},
	{"write", "file, pipe and eventfd writes; the error log"},
	{"readv", "readv(2) on host files"},
	{"writev", "writev(2) on host files"},
	{"pread64", "page cache fills from host files, memory file"},
	{"pwrite64", "writes to host files, memory file"},
	{"preadv", "preadv(2)"},
	{"pwritev", "pwritev(2)"},
	{"preadv2", "preadv2(2)"},
	{"pwritev2", "pwritev2(2)"},
	{"lseek", "file offsets, SEEK_DATA/HOLE"},
	{"close", "closing fds"},
	{"dup", "fd duplication"},
	{"dup2", "fd duplication (a new ptrace stub, before its filter)"},
	{"dup3", "fd duplication"},
	{"close_range", "a new ptrace stub closing the sentry's fds"},
	{"fcntl", "F_GETFL/F_SETFL, locks on host files"},
	{"fstat", "attributes of a held fd"},
	{"fstatfs", "statfs of a held fd"},
	{"ftruncate", "memory file size, host files"},
	{"fallocate", "memory file hole punching"},
	{"fsync", "fsync(2) passthrough"},
	{"fdatasync", "fdatasync(2) passthrough"},
	{"getdents64", "directory listings of donated directory fds"},
	{"flock", "flock(2) passthrough"},
	{"sendfile", "sendfile(2) passthrough"},
	{"splice", "splice(2) passthrough"},
	{"copy_file_range", "copy_file_range(2) passthrough"},
	{"fadvise64", "readahead hints"},
	/* Memory of the sentry itself and of stubs (the ptrace platform
	 * injects mmap/munmap/mprotect into stubs, which inherit this
	 * filter). */
	{"mmap", "malloc, the memory file mapping, stub mappings"},
	{"munmap", "the same"},
	{"mprotect", "the same; thread stacks guard pages"},
	{"mremap", "realloc of large blocks"},
	{"madvise", "MADV_DONTNEED on freed memory"},
	{"brk", "malloc"},
	{"msync", "shared file mappings written back"},
	{"mincore", "probing of mapped ranges"},
	{"memfd_create", "memory files (no path)"},
	/* Threads, blocking, time. */
	{"futex", "locks, condition variables, task wake-ups"},
	{"sched_yield", "spinning hand-offs"},
	{"sched_getaffinity", "CPU pinning of task and stub threads"},
	{"sched_setaffinity", "the same"},
	{"nanosleep", "sleeps"},
	{"clock_nanosleep", "sleeps"},
	{"clock_gettime", "time (also the vDSO's fallback)"},
	{"clock_getres", "clock_getres(2)"},
	{"gettimeofday", "time"},
	{"set_robust_list", "every new thread (glibc)"},
	{"rseq", "every new thread (glibc)"},
	{"set_tid_address", "every new thread"},
	{"exit", "thread exit"},
	{"exit_group", "process exit"},
	{"restart_syscall", "restart after SIGSTOP/SIGCONT"},
	{"getpid", "own pid"},
	{"gettid", "own tid"},
	{"getppid", "stub set-up checks its parent"},
	{"setpgid", "stubs leave the keyboard's process group"},
	{"wait4", "reaping stubs"},
	{"waitid", "reaping stubs"},
	{"getrusage", "getrusage(2) of the sandbox"},
	{"sysinfo", "sysinfo(2) passthrough"},
	{"uname", "the host's release for uname(2)"},
	{"getuid", "credentials of the sentry"},
	{"geteuid", "the same"},
	{"getgid", "the same"},
	{"getegid", "the same"},
	{"getgroups", "the first task's supplementary groups"},
	{"getcwd", "always \"/\" of the empty root: reveals nothing"},
	{"times", "times(2) passthrough"},
	{"getrandom", "getrandom(2), /dev/urandom, AT_RANDOM"},
	{"pause", "idle stubs"},
	{"seccomp", "a stub installing its own, stricter filter"},
	/* Signals. */
	{"rt_sigaction", "the sentry's handlers; stubs reset theirs"},
	{"rt_sigprocmask", "masks of sentry threads"},
	{"rt_sigreturn", "return from a sentry signal handler"},
	{"rt_sigtimedwait", "the signal forwarder"},
	{"sigaltstack", "glibc thread set-up"},
	{"kill", "stubs killed when an address space dies"},
	{"tgkill", "interrupting a task's host thread or stub thread"},
	{"tkill", "the same (glibc raise)"},
	/* Waiting on fds. */
	{"poll", "poll(2) on host fds"},
	{"ppoll", "the same"},
	{"pselect6", "the same"},
	{"epoll_create1", "epoll of host fds"},
	{"epoll_ctl", "the same"},
	{"epoll_wait", "the same"},
	{"epoll_pwait", "the same"},
	{"eventfd2", "per-task wake-ups"},
	{"pipe2", "sentry-internal pipes, stub ready pipes"},
	/* Host sockets (hostinet) in the sandbox's network namespace; the
	 * socket(2) call itself is filtered by family below. */
	{"socketpair", "the gofer channel, sentry-internal pairs"},
	{"sendmsg", "gofer requests, host sockets"},
	{"recvmsg", "gofer replies (SCM_RIGHTS), host sockets"},
	{"sendto", "host sockets"},
	{"recvfrom", "host sockets"},
	{"shutdown", "host sockets"},
	{"connect", "host sockets (AF_INET/AF_INET6 only exist)"},
	{"bind", "host sockets"},
	{"listen", "host sockets"},
	{"accept4", "host sockets"},
	{"getsockopt", "host sockets"},
	{"setsockopt", "host sockets"},
	{"getsockname", "host sockets"},
	{"getpeername", "host sockets"},
};

#define RV_NS_FLAGS (CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | \
		     CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |  \
		     CLONE_NEWCGROUP)

static int add_filtered_rules(scmp_filter_ctx ctx, const char *platform)
{
	int r;
#define ALLOW(name, n, ...)                                                  \
	do {                                                                 \
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(name), n, \
				     ##__VA_ARGS__);                         \
		if (r < 0)                                                   \
			return r;                                            \
	} while (0)

	/* fstat(2) in glibc is newfstatat(fd, "", AT_EMPTY_PATH). The path
	 * itself cannot be checked here; the root is empty and every
	 * directory fd the sentry holds was donated by the gofer and lives
	 * in the gofer's mount tree, so a path there stays in the sandbox's
	 * root. */
	ALLOW(newfstatat, 1, SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH));
	ALLOW(newfstatat, 1,
	      SCMP_A3(SCMP_CMP_EQ, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
	/* glibc's fstat on some versions: statx(fd, "", AT_EMPTY_PATH). */
	ALLOW(statx, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH,
				AT_EMPTY_PATH));
	/* Threads (pthread_create) and forks (stubs, the ptrace platform's
	 * stub threads), but never a new namespace: a nested user namespace
	 * would hand capabilities back. */
	ALLOW(clone, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, RV_NS_FLAGS, 0));
	/* clone3 passes its flags in memory, out of seccomp's sight: glibc
	 * falls back to clone on ENOSYS. */
	r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (r < 0)
		return r;
	/* Only the prctls the sentry and its stubs make. */
	ALLOW(prctl, 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG));
	ALLOW(prctl, 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_NO_NEW_PRIVS));
	ALLOW(prctl, 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
	ALLOW(prctl, 1, SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME));
	/* Limits are read, never raised. */
	ALLOW(prlimit64, 1, SCMP_A2(SCMP_CMP_EQ, 0));
	ALLOW(getrlimit, 0);
	/* Host sockets of the network families only: no AF_UNIX socket
	 * that could connect to a host path or an abstract name, no
	 * netlink, no packet sockets. */
	ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_INET));
	ALLOW(socket, 1, SCMP_A0(SCMP_CMP_EQ, AF_INET6));
	/* Routing reads for getifaddrs(3) (sentry/net/inet.c passes only
	 * RTM_GET* on); a change would need CAP_NET_ADMIN, which is gone. */
	ALLOW(socket, 2, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
	      SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE));
	/* Terminal requests (hostfd.c) — not TIOCSTI, which pushes input
	 * into the host terminal, nor TIOCLINUX or TIOCSCTTY. */
	static const unsigned long tty[] = {
		TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ, TIOCSWINSZ,
		TIOCGPGRP, TIOCSPGRP, TIOCGSID, TCFLSH, TCXONC, TCSBRK,
		TIOCOUTQ, TIOCINQ, FIONBIO, FIOCLEX, FIONCLEX,
		/* and socket reads (sentry/net/inet.c) */
		SIOCATMARK, SIOCGIFINDEX, SIOCGIFNAME,
	};
	for (size_t i = 0; i < RV_ARRAY_SIZE(tty); i++)
		ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_EQ, tty[i]));
	if (platform && !strcmp(platform, "kvm")) {
		/* Every KVM request has type 0xAE (KVMIO) in bits 8..15. */
		ALLOW(ioctl, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xff00, 0xAE00));
	}
	if (platform && !strcmp(platform, "ptrace")) {
		/* The requests ptrace.c makes; not PEEK/POKE, not ATTACH. In
		 * the sentry's pid namespace only the sandbox's own
		 * processes can be named at all. */
		static const long req[] = {
			PTRACE_SEIZE, PTRACE_CONT, PTRACE_SYSEMU,
			PTRACE_GETREGS, PTRACE_SETREGS, PTRACE_GETREGSET,
			PTRACE_SETREGSET, PTRACE_GETSIGINFO, PTRACE_INTERRUPT,
			PTRACE_DETACH, PTRACE_GETFPREGS, PTRACE_SETFPREGS,
		};
		for (size_t i = 0; i < RV_ARRAY_SIZE(req); i++)
			ALLOW(ptrace, 1, SCMP_A0(SCMP_CMP_EQ, req[i]));
	}
#undef ALLOW
	return 0;
}

/* Names for the report, from the same table the syscall table uses. */
static const char *const host_sysnames[] = {
#include "sysnames.h"
};

/* Path lookups glibc makes on its own, behind the sentry's back: malloc
 * reads /proc/sys/vm/overcommit_memory and /sys/devices/system/cpu/online,
 * pthread_setname_np writes /proc/self/task/N/comm, and each copes with a
 * failure. These calls are refused softly: they still never run, and they
 * fail with ENOENT, which is what the empty root would have answered. Any
 * other refused call ends the sandbox. */
static const int soft_refused[] = {
	__NR_open, __NR_openat, __NR_openat2, __NR_readlink, __NR_readlinkat,
	__NR_access, __NR_faccessat, __NR_faccessat2, __NR_stat, __NR_lstat,
	__NR_newfstatat, __NR_statx,
};

static size_t append(char *buf, size_t n, size_t cap, const char *s)
{
	size_t l = strlen(s);
	if (n + l >= cap)
		return n;
	memcpy(buf + n, s, l);
	return n + l;
}

/* A refused host call: say which, then end the sandbox (or, for the soft
 * ones, fail it with ENOENT). Only async-signal-safe calls (write,
 * exit_group); the monitor sees exit status 128 + SIGSYS and passes it
 * on. */
static void sigsys_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	char buf[192], num[16];
	int nr = si->si_syscall;
	const char *name = nr >= 0 && (size_t)nr < RV_ARRAY_SIZE(host_sysnames)
				   && host_sysnames[nr] ? host_sysnames[nr]
							: "?";
	int i = (int)sizeof(num);
	unsigned v = (unsigned)nr;
	num[--i] = 0;
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);

	for (size_t k = 0; k < RV_ARRAY_SIZE(soft_refused); k++) {
		if (nr != soft_refused[k])
			continue;
		uc->uc_mcontext.gregs[REG_RAX] = -ENOENT;
		if (rv_debug) {
			size_t n = append(buf, 0, sizeof(buf),
				"ringvisor[debug]: sentry host call ");
			n = append(buf, n, sizeof(buf), name);
			n = append(buf, n, sizeof(buf),
				   " refused by the filter: ENOENT\n");
			if (write(2, buf, n) < 0) {
				/* nothing more to say */
			}
		}
		return;
	}
	size_t n = append(buf, 0, sizeof(buf),
			  "ringvisor: sentry made a forbidden host call ");
	n = append(buf, n, sizeof(buf), name);
	n = append(buf, n, sizeof(buf), " (");
	n = append(buf, n, sizeof(buf), num + i);
	n = append(buf, n, sizeof(buf), "); sandbox killed\n");
	if (write(2, buf, n) < 0) {
		/* nothing more to say */
	}
	syscall(SYS_exit_group, 128 + sig);
}

int confine_sentry_filter_build(const char *platform, scmp_filter_ctx *out)
{
	/* SCMP_ACT_TRAP rather than KILL_PROCESS: the sentry says which call
	 * was refused before it dies. The trade-off: the handler runs in the
	 * (possibly compromised) sentry, which could catch SIGSYS itself and
	 * carry on — but the refused call still never ran, which is what
	 * the filter is for. */
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < RV_ARRAY_SIZE(sentry_allow); i++) {
		int nr = seccomp_syscall_resolve_name(sentry_allow[i].name);
		if (nr == __NR_SCMP_ERROR) {
			rv_dbg("seccomp: libseccomp does not know %s",
			       sentry_allow[i].name);
			continue;
		}
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0)) < 0)
			goto out;
	}
	r = add_filtered_rules(ctx, platform);
	/* The soft refusals as the filter's own answer, ENOENT, without a
	 * signal: glibc makes some of them with every signal blocked (a
	 * detached thread's exit trims its malloc arena, and shrink_heap
	 * reads /proc/sys/vm/overcommit_memory), where a SIGSYS cannot be
	 * handled and kills the sentry without a word (seen on kvm with
	 * hundreds of tasks exiting). The calls allowed with conditions
	 * (fstat's newfstatat and statx) keep the handler's answer. */
	for (size_t k = 0; !r && k < RV_ARRAY_SIZE(soft_refused); k++) {
		int nr = soft_refused[k];
		if (nr == __NR_newfstatat || nr == __NR_statx)
			continue;
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), nr, 0);
	}
out:
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*out = ctx;
	return 0;
}

static int install_seccomp(const char *platform, char *err, size_t errlen)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		set_err(err, errlen, "SIGSYS handler", errno);
		return -errno;
	}

	/* The program the build compiled from confine_sentry_filter_build
	 * (runtime/bpf.h): libseccomp's work is not redone at every start. */
	char name[64];
	struct sock_fprog prog;
	snprintf(name, sizeof(name), "sentry-%s", platform ? platform : "");
	int r = rv_bpf_get(name, &prog);
	if (r == 0) {
		/* Every thread, at once: the platform's threads already
		 * run. */
		r = rv_bpf_load(&prog, SECCOMP_FILTER_FLAG_TSYNC);
	} else if (r == -ENOENT) {
		/* A platform with no program of its own: compiled now. */
		scmp_filter_ctx ctx;
		if ((r = confine_sentry_filter_build(platform, &ctx)) == 0) {
			r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
			if (r == 0)
				r = seccomp_load(ctx);
			seccomp_release(ctx);
		}
	}
	if (r < 0)
		set_err(err, errlen, "seccomp filter", -r);
	return r;
}

int confine_sentry_start(const struct confine_config *cfg, char *err,
			 size_t errlen)
{
	/* Nothing may stay reachable through the cwd once the root is gone:
	 * pivot_root(2) moves a cwd only if it was the old root. (Not done
	 * earlier: start-up reads the caller's cwd for the first task.) */
	if (chdir("/") < 0) {
		set_err(err, errlen, "chdir /", errno);
		return -errno;
	}
	int e = helper_pivot_request();
	if (e) {
		set_err(err, errlen, "empty root for the sentry", -e);
		return e;
	}
	/* The filter goes on while the helper pivots: from here the sentry
	 * can make no call that takes a path (those are refused), so when
	 * its root changes makes no difference to it. */
	if ((e = install_seccomp(cfg->platform, err, errlen)))
		return e;
	return 0;
}

int confine_sentry_finish(const struct confine_config *cfg, char *err,
			  size_t errlen)
{
	(void)cfg;
	int e = helper_pivot_wait();
	if (e) {
		set_err(err, errlen, "empty root for the sentry", -e);
		return e;
	}
	rv_dbg("sentry confined: empty root, no capabilities, "
	       "no_new_privs, seccomp allowlist (%zu calls + filtered)",
	       RV_ARRAY_SIZE(sentry_allow));
	/* getenv needs no host call. */
	if (rv_debug && getenv("RINGVISOR_TEST_FORBIDDEN_CALL") &&
	    !strcmp(getenv("RINGVISOR_TEST_FORBIDDEN_CALL"), "1")) {
		/* The debug hook (tests/security/forbidden_call.sh). First a
		 * soft-refused path lookup: it must fail without reaching
		 * the host; then an execve, which must end the sandbox with
		 * the report. */
		/* With every signal blocked, as glibc makes such lookups
		 * when a thread exits: no SIGSYS may be needed for it. */
		sigset_t all, old;
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		int fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_CLOEXEC);
		int e = errno;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		rv_err("forbidden call test: openat /etc/passwd: %s",
		       fd < 0 ? strerror(e) : "opened: NOT REFUSED");
		char *argv[] = {"/bin/sh", NULL};
		syscall(SYS_execve, "/bin/sh", argv, environ);
		rv_err("forbidden call test: execve returned: NOT REFUSED");
		_exit(1);
	}
	return 0;
}

int confine_sentry(const struct confine_config *cfg, char *err,
		   size_t errlen)
{
	int e = confine_sentry_start(cfg, err, errlen);
	return e ? e : confine_sentry_finish(cfg, err, errlen);
}
