/* Futexes (futex(2)): wait queues keyed by address, robust lists. */
#ifndef RV_FUTEX_H
#define RV_FUTEX_H

#include <stdint.h>

struct mm;
struct task;

/* futex(2) with its six arguments. */
long futex_syscall(struct task *t, uint64_t uaddr, int op, uint32_t val,
		   uint64_t timeout_or_val2, uint64_t uaddr2, uint32_t val3);
/* Wake up to n private waiters on (mm, addr): CLONE_CHILD_CLEARTID. */
int futex_wake_addr(struct mm *mm, uint64_t addr, int n);
/* A dying thread's robust futex list (set_robust_list(2)). */
void futex_exit_robust_list(struct task *t);

#endif
