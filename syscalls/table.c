/* The system call table, built from syscalls/syscalls.def. */
#include "syscalls/table.h"

#include <errno.h>
#include <sys/syscall.h>

#include "sentry/util.h"

long rv_sys_enosys(struct task *t, const uint64_t args[6])
{
	(void)t;
	(void)args;
	return -ENOSYS;
}

long rv_sys_enosys_quiet(struct task *t, const uint64_t args[6])
{
	(void)t;
	(void)args;
	return -ENOSYS;
}

/* A row whose handler is not written links to rv_sys_enosys. */
#define SYSCALL(name, ...) \
	long sys_##name(struct task *, const uint64_t[6]) \
		__attribute__((weak, alias("rv_sys_enosys")));
#include "syscalls/syscalls.def"
#undef SYSCALL

#define SYSCALL(nm, n, k0, k1, k2, k3, k4, k5, r) \
	[__NR_##nm] = {.name = #nm, .fn = sys_##nm, .nargs = n, \
		       .kinds = {k0, k1, k2, k3, k4, k5}, .ret = r},
#define SYSCALL_QUIET_ENOSYS(nm, n, k0, k1, k2, k3, k4, k5, r) \
	[__NR_##nm] = {.name = #nm, .fn = rv_sys_enosys_quiet, .nargs = n, \
		       .kinds = {k0, k1, k2, k3, k4, k5}, .ret = r},
const struct syscall_def syscall_table[SYSCALL_TABLE_SIZE] = {
#include "syscalls/syscalls.def"
};
#undef SYSCALL
#undef SYSCALL_QUIET_ENOSYS

/* Names of every x86-64 system call, generated at build time from the
 * kernel's <asm/unistd_64.h> (see Makefile). */
static const char *const all_names[SYSCALL_TABLE_SIZE] = {
#include "sysnames.h"
};

const char *syscall_name(unsigned long nr)
{
	if (nr >= SYSCALL_TABLE_SIZE)
		return NULL;
	return all_names[nr];
}
