/* The runtime: command line, sandbox start-up and shutdown. */
#ifndef RV_RUNTIME_H
#define RV_RUNTIME_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

struct run_volume;

struct run_config {
	const char *platform; /* auto, kvm, ptrace */
	const char *network;  /* none, host */
	const char *root;     /* host directory seen as / */
	bool strace;
	bool overlay;         /* root is an overlay (default) or the host tree */
	uint64_t tmpfs_size;  /* bytes of the overlay's upper layer; 0: default */
	uint64_t total_memory; /* --total-memory: app memory limit; 0: default */
	struct run_volume *volumes; /* --volume, in command-line order */
	size_t nvolumes;
};

/* Print "ringvisor: <msg>", the usage text, and exit 2. */
void runtime_usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* ringvisor run: returns the exit status for the shell (the program's, or
 * 128+N when signal N killed it; 126/127 when it could not be started). */
int runtime_run(const struct run_config *cfg, char **argv);

/* ringvisor syscalls [--markdown]: the table, for docs/syscalls.md. */
int runtime_syscalls_doc(bool markdown);

/* ringvisor debug --stacks PID: the running sandbox PID prints the state
 * and backtrace of every task on its standard error. */
int runtime_debug(int argc, char **argv);

#endif
