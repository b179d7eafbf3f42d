/* ringvisor syscalls [--markdown]: what the table says, for users and for
 * docs/syscalls.md (generated: `make docs`). */
#include <stdio.h>

#include "runtime/runtime.h"
#include "syscalls/table.h"

int runtime_syscalls_doc(bool markdown)
{
	int nimpl = 0, nknown = 0;

	for (unsigned nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
		if (!syscall_name(nr))
			continue;
		nknown++;
		if (syscall_implemented(&syscall_table[nr]))
			nimpl++;
	}
	if (markdown) {
		printf("# System calls\n\n"
		       "Generated from `syscalls/syscalls.def` by `make docs` "
		       "(`ringvisor syscalls --markdown`); do not edit.\n\n"
		       "ringvisor implements %d of the %d x86-64 system calls. "
		       "Any other call returns `ENOSYS` and is logged once by "
		       "name on stderr. The 32-bit ABI (`int 0x80`) is not "
		       "offered (`ENOSYS`).\n\n"
		       "| nr | name | status |\n| ---: | --- | --- |\n",
		       nimpl, nknown);
	}
	for (unsigned nr = 0; nr < SYSCALL_TABLE_SIZE; nr++) {
		const char *name = syscall_name(nr);
		if (!name)
			continue;
		const struct syscall_def *d = &syscall_table[nr];
		const char *st = syscall_implemented(d) ? "supported" :
				 d->fn == rv_sys_enosys_quiet ?
				 "ENOSYS (deliberate: libc falls back)" : "ENOSYS";
		if (markdown)
			printf("| %u | `%s` | %s |\n", nr, name, st);
		else
			printf("%-4u %-24s %s\n", nr, name, st);
	}
	return 0;
}
