/* The gofer: the only process of a sandbox that opens host files. It is a
 * fork of the ringvisor runtime made before the sentry starts (see
 * gofer_spawn for why a fork and not an exec), confined to the sandbox's
 * root, and it serves the protocol of gofer/protocol.h on one socket. */
#ifndef RV_GOFER_H
#define RV_GOFER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct gofer_opts {
	const char *root;  /* host directory served as / */
	bool rdonly;       /* refuse every change (EROFS), mount it read-only */
	/* Pivot into root in a new mount namespace, drop capabilities, set
	 * no_new_privs and install the gofer's seccomp allowlist. Only unit
	 * tests that run unprivileged turn this off. */
	bool confine;
};

/* Fork the gofer. On success returns its pid and stores the sentry's end of
 * the socket in *sock (close-on-exec); the gofer has already confined
 * itself and answers requests. On failure returns -errno and writes a
 * message to err.
 *
 * Must be called while the caller has a single thread (before the sentry
 * starts any): the child keeps running the caller's code, and a lock held
 * by another thread at fork time would stay held forever. */
pid_t gofer_spawn(const struct gofer_opts *opts, int *sock, char *err,
		  size_t errlen);

/* The request loop over sock, for the tree at rootfd (an O_PATH directory
 * fd). procfd is an O_PATH fd of /proc/self/fd of this process, used to
 * re-open O_PATH fds for I/O without a path. Returns when the sentry closes
 * its end (0) or on a socket error (-errno). Used by gofer_spawn's child
 * and by unit tests. */
int gofer_serve(int rootfd, int procfd, int sock, bool rdonly);

#endif
