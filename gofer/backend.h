/* The host filesystem's backend (sentry/fs/host/backend.h) served by the
 * gofer: what makes the sentry's host tree go through gofer requests
 * instead of host paths. Handles are fids. */
#ifndef RV_GOFER_BACKEND_H
#define RV_GOFER_BACKEND_H

#include "gofer/client.h"
#include "sentry/fs/host/backend.h"

/* The backend; set its client first. attach() ignores the root path it
 * is given: the gofer serves exactly one tree, the one it was spawned on
 * (gofer_opts.root), so pass the same --root to both. */
extern const struct hostfs_backend hostfs_gofer_backend;

/* The client every hostfs_gofer_backend call uses (the root's gofer). */
void gofer_backend_set_client(struct gofer_client *c);

#endif
