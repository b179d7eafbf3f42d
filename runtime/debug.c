/* ringvisor debug --stacks PID: ask a running sandbox for the stack dump
 * of all its tasks (like `runsc debug --stacks`).
 *
 * The sandbox's monitor (the `ringvisor run` process) forwards SIGUSR1 to
 * the sentry, whose signal thread prints every task's state and host
 * backtrace on the sandbox's standard error (sentry/kernel/debug.c). A
 * signal keeps the confined sentry free of any listening socket. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "sentry/util.h"

/* The target must run this same ringvisor binary: SIGUSR1 kills most
 * other programs, so a mistyped pid must not get it. */
static int check_target(pid_t pid)
{
	char path[64];
	struct stat self, other;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (stat("/proc/self/exe", &self) < 0)
		return -errno;
	if (stat(path, &other) < 0)
		return -errno;
	if (self.st_dev != other.st_dev || self.st_ino != other.st_ino)
		return -EPERM;
	return 0;
}

/* Usage errors exit 2, as runtime_usage_error does (main.c is not linked
 * into the unit tests, this file is). */
#define debug_usage(...)                                                \
	do {                                                            \
		rv_err(__VA_ARGS__);                                    \
		fputs("usage: ringvisor debug --stacks PID\n", stderr); \
		return 2;                                               \
	} while (0)

int runtime_debug(int argc, char **argv)
{
	bool stacks = false;
	const char *pidarg = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--stacks") == 0)
			stacks = true;
		else if (argv[i][0] == '-')
			debug_usage("debug: unknown flag %s", argv[i]);
		else if (!pidarg)
			pidarg = argv[i];
		else
			debug_usage("debug: one PID only");
	}
	if (!stacks || !pidarg)
		debug_usage("debug: want --stacks PID");
	char *end;
	errno = 0;
	long pid = strtol(pidarg, &end, 10);
	if (errno || *end || pid <= 1 || pid > 4194304)
		debug_usage("debug: %s: not a process id", pidarg);

	int r = check_target((pid_t)pid);
	if (r == -EPERM) {
		rv_err("debug: process %ld is not a ringvisor sandbox (not this "
		       "ringvisor binary)", pid);
		return 1;
	}
	if (r < 0) {
		rv_err("debug: process %ld: %s", pid, rv_errstr(-r));
		return 1;
	}
	if (kill((pid_t)pid, SIGUSR1) < 0) {
		rv_err("debug: signal to process %ld: %s", pid,
		       rv_errstr(errno));
		return 1;
	}
	fprintf(stderr, "ringvisor: asked sandbox %ld for its stack dump; it "
		"prints on that sandbox's standard error\n", pid);
	return 0;
}
