/* --strace: one line per system call, decoded from the table's argument
 * kinds, like `strace -f`. Lines go to the sentry's stderr. */
#ifndef RV_STRACE_H
#define RV_STRACE_H

#include <stdint.h>

struct task;

void strace_enter(struct task *t, unsigned long nr, const uint64_t a[6]);
void strace_exit(struct task *t, unsigned long nr, const uint64_t a[6],
		 long ret);

#endif
