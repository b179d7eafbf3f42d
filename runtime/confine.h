/* Confinement of the sentry: what keeps a compromised sentry from becoming
 * a host compromise (docs/security.md).
 *
 * Two steps, because namespaces must exist before the sentry forks its
 * first stub while the empty root and the seccomp filter can only come
 * once start-up (memory file, platform, /dev/kvm, gofer socket) is done:
 *
 *   confine_spawn_sentry()  early, single-threaded: the original process
 *       becomes the *monitor* and the sentry continues in a child that is
 *       pid 1 of new user, mount, pid, ipc, uts (and network) namespaces,
 *       with no capabilities and no_new_privs from the first instruction;
 *   confine_sentry()        after start-up, before the app's first
 *       instruction: root pivoted into an empty read-only tmpfs, and the
 *       seccomp allowlist of host calls, on every thread.
 *
 * The monitor only waits: it forwards kill(1)'d signals to the sentry,
 * exits with the sentry's status, and says so when the sentry was killed. */
#ifndef RV_RUNTIME_CONFINE_H
#define RV_RUNTIME_CONFINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct confine_gofer;

struct confine_config {
	/* A network namespace of its own with only loopback (--network=none);
	 * false keeps the host's (--network=host). */
	bool network_none;
	/* The platform in use ("ptrace", "kvm"): ptrace(2) is allowed only
	 * for ptrace, KVM ioctls only for kvm. */
	const char *platform;
	/* The monitor's copy of the gofer socket, closed in the monitor once
	 * the sentry runs (so that the gofer sees EOF when the sentry dies);
	 * -1 when there is none. */
	int gofer_sock;
	/* The gofer, killed and reaped by the monitor when the sentry ends;
	 * 0 when there is none. */
	pid_t gofer_pid;
	/* The gofers of the volumes (--volume), nvolume_gofers of them:
	 * watched like the root's (one that dies stops the sandbox, naming
	 * its volume), their sockets closed in the monitor once the sentry
	 * has its ends. */
	const struct confine_gofer *volume_gofers;
	size_t nvolume_gofers;
	/* Called in the sentry right after the clone, while the monitor
	 * writes its id maps and before the sentry has dropped its
	 * capabilities: start-up work that forks no process, takes no input
	 * the sandbox controls and leaves no thread running past
	 * confine_sentry_start may begin there (runtime/run.c starts the
	 * memory file and the kvm platform's thread). NULL for none. */
	void (*sentry_early)(void *arg);
	void *sentry_early_arg;
};

struct confine_gofer {
	pid_t pid;
	int sock;	  /* the monitor's copy, or -1 */
	const char *name; /* the volume's path in the sandbox */
};

/* Step 1. Call while the process has one thread. Returns 0 in the sentry;
 * in the monitor it never returns (it exits with the sentry's status). On
 * failure returns -errno in the original process, nothing started, with a
 * message in err. */
int confine_spawn_sentry(const struct confine_config *cfg, char *err,
			 size_t errlen);

/* Step 2, in the sentry after confine_spawn_sentry. -errno and a message
 * on failure (the caller must then not run the app). With --debug and
 * RINGVISOR_TEST_FORBIDDEN_CALL=1 in the environment, the sentry then
 * makes a forbidden host call on purpose (tests/security/forbidden_call.sh);
 * it never returns in that case. */
int confine_sentry(const struct confine_config *cfg, char *err,
		   size_t errlen);

/* confine_sentry in two halves, so that work needing no host path can
 * overlap the pivot (made by a helper process): _start moves the cwd to
 * "/", asks for the pivot and installs the seccomp filter (from then on no
 * host call with a path is possible); _finish waits for the pivot and runs
 * the debug hook above. Nothing the sandbox controls (the program file
 * first) may be read before _finish returned 0. */
int confine_sentry_start(const struct confine_config *cfg, char *err,
			 size_t errlen);
int confine_sentry_finish(const struct confine_config *cfg, char *err,
			  size_t errlen);

/* In the sentry, once the sandbox has ended (the app's init did) and
 * `ringvisor run` is to exit with exit_code: tells the monitor, which then
 * kills the sentry and the gofers at once, so that their teardowns
 * overlap, reaps them all and exits with exit_code. Nothing the sentry does after this call counts (it may be
 * killed at any point); a sentry that never calls it is waited for as
 * before. */
void confine_sentry_ended(int exit_code);

/* --- helpers shared with the gofer ---------------------------------------- */

/* Drop every capability except those in keep (a mask of 1 << CAP_*): from
 * the bounding, inheritable, ambient, permitted and effective sets of the
 * calling thread. -errno. */
int confine_drop_caps(uint64_t keep);

/* Map the caller's uid and gid to themselves in the user namespace of pid
 * (setgroups denied first, as unprivileged maps require). -errno. */
int confine_write_idmap(pid_t pid, uid_t uid, gid_t gid);

/* Enter a new user namespace (only when not root: root keeps its host
 * identity so that the gofer can serve files of every user) and a new
 * mount namespace whose mounts no longer propagate to the host. -errno. */
int confine_unshare_mounts(void);

/* Pivot the caller's mount namespace into dir (bind-mounted on itself,
 * not recursively: no other mount stays visible; recursively only where a
 * user namespace forbids anything else, see confine.c); flags are added to
 * the bind (MS_RDONLY, MS_NOSUID, MS_NODEV). The caller's cwd is "/" of
 * the new root afterwards. -errno. */
int confine_pivot_into(const char *dir, unsigned long flags);

#endif
