/* Volumes (--volume HOST:SANDBOX[:ro]): each one is a host directory served
 * by a gofer of its own, confined to that directory exactly as the root's
 * gofer is to the root. In the sentry, a volume is a host filesystem whose
 * backend sends its requests to that volume's gofer. */
#ifndef RV_GOFER_VOLUME_H
#define RV_GOFER_VOLUME_H

#include "gofer/client.h"
#include "sentry/fs/host/backend.h"

/* The most volumes one sandbox may have (a handle carries the volume's
 * number in its high bits). */
#define GOFER_MAX_VOLUMES 256

/* The backend of every volume. attach(key) takes the key that
 * gofer_volume_add() returned ("volume:N"), not a host path: the gofer
 * serves exactly the tree it was spawned on. */
extern const struct hostfs_backend hostfs_volume_backend;

/* Register the client of a volume's gofer (taken over). Writes the key
 * to give hostfs_new_sb() into key (at least 16 bytes). 0 or -ENOSPC when
 * GOFER_MAX_VOLUMES are registered. Call before the sandbox runs (the
 * table is not locked). */
int gofer_volume_add(struct gofer_client *c, char *key, size_t keylen);

#endif
