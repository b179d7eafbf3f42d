/* From a system call number to its handler; --strace; ENOSYS logging. */
#include <stdatomic.h>
#include <stdio.h>

#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "syscalls/strace.h"
#include "syscalls/table.h"

/* One bit per number: unsupported calls are logged once, by name, so that
 * users can report what their program needs. */
static _Atomic uint64_t enosys_logged[SYSCALL_TABLE_SIZE / 64];

/* Numbers past the table: only the first is logged, or a program looping
 * over random numbers would write a line to the host for each call. */
static _Atomic bool unknown_logged;

static void log_enosys(unsigned long nr)
{
	if (nr < SYSCALL_TABLE_SIZE) {
		uint64_t bit = 1ULL << (nr % 64);
		if (atomic_fetch_or(&enosys_logged[nr / 64], bit) & bit)
			return;
	} else if (atomic_exchange(&unknown_logged, true)) {
		return;
	}
	const char *name = syscall_name(nr);
	if (name)
		rv_err("unsupported system call %s (%lu): returning ENOSYS",
		       name, nr);
	else
		rv_err("unknown system call %lu: returning ENOSYS (further "
		       "numbers past the table are not logged)", nr);
}

long syscall_dispatch(struct task *t, unsigned long nr, const uint64_t a[6])
{
	const struct syscall_def *d =
		nr < SYSCALL_TABLE_SIZE ? &syscall_table[nr] : NULL;
	long ret;

	if (unlikely(rv_strace))
		strace_enter(t, nr, a);
	if (likely(d && syscall_implemented(d))) {
		ret = d->fn(t, a);
	} else {
		if (!d || d->fn != rv_sys_enosys_quiet)
			log_enosys(nr);
		ret = -ENOSYS;
	}
	if (unlikely(rv_strace))
		strace_exit(t, nr, a, ret);
	return ret;
}
