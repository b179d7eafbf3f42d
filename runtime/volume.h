/* --volume HOST:SANDBOX[:ro]: a host directory bind-mounted into the
 * sandbox, served by a gofer of its own (gofer/volume.h). */
#ifndef RV_RUNTIME_VOLUME_H
#define RV_RUNTIME_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct task;

struct run_volume {
	char *host;      /* absolute, symlinks resolved (realpath) */
	char *sandbox;   /* absolute path inside the sandbox, not "/" */
	bool rdonly;     /* :ro */
	int sock;        /* the sentry's end of its gofer's socket */
	pid_t gofer_pid;
};

/* Parse one --volume argument. 0, or -1 with a one-line message in err
 * (no colon, relative or "/" SANDBOX, HOST missing or not a directory). */
int runtime_volume_parse(const char *arg, struct run_volume *out, char *err,
			 size_t errlen);

/* Fork each volume's confined gofer. Single-threaded start-up, like
 * gofer_spawn(). 0 or -1 and a message. */
int runtime_volumes_spawn(struct run_volume *v, size_t n, char *err,
			  size_t errlen);

/* Mount each volume at its SANDBOX path, as seen by t (the first task),
 * creating the missing directories of that path in the overlay's upper
 * layer; in command-line order, so a later volume may sit inside an
 * earlier one. 0 or -1 and a message. */
int runtime_volumes_mount(struct task *t, struct run_volume *v, size_t n,
			  char *err, size_t errlen);

#endif
