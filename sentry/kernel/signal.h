/* Signal frames and masks (kernel-internal; see kernel.h for sending). */
#ifndef RV_SIGNAL_H
#define RV_SIGNAL_H

#include <stdint.h>

#include "sentry/kernel/task.h"

/* rt_sigreturn(2): restore the registers and mask saved in the frame. */
long signal_rt_sigreturn(struct task *t);
/* A mask with SIGKILL and SIGSTOP removed: they cannot be blocked. */
uint64_t signal_sanitize_mask(uint64_t mask);

#endif
