/* ringvisor: the command line.
 *
 *   ringvisor [global flags] run [flags] -- PROG [ARGS...]
 *   ringvisor syscalls [--markdown]
 *   ringvisor --help | --version
 *
 * Errors the user sees name what failed and why; usage errors exit 2. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "runtime/runtime.h"
#include "runtime/volume.h"
#include "sentry/util.h"

#define RV_VERSION "0.1.0"

static const char usage_text[] =
	"usage: ringvisor [GLOBAL FLAGS] COMMAND [ARGS...]\n"
	"\n"
	"Run untrusted Linux programs in a user-space kernel.\n"
	"\n"
	"commands:\n"
	"  run [FLAGS] -- PROG [ARGS...]   run PROG in a new sandbox\n"
	"  syscalls [--markdown]           list the system calls and their support\n"
	"  debug --stacks PID              the sandbox of `ringvisor run` PID prints\n"
	"                                  every task's state and backtrace\n"
	"\n"
	"run flags (also accepted as global flags):\n"
	"  --platform=auto|kvm|ptrace      how system calls are caught (default auto)\n"
	"  --network=none|host             sandbox network (default none)\n"
	"  --root=DIR                      host directory the sandbox sees as / (default /)\n"
	"  --overlay=tmpfs|none            root is an overlay with a private writable\n"
	"                                  tmpfs layer (default), or the host tree itself\n"
	"  --tmpfs-size=SIZE               limit of the writable layer and /tmp\n"
	"                                  (bytes, or with K/M/G; default 1G)\n"
	"  --total-memory=SIZE             memory the sandbox's programs may use\n"
	"                                  (default 3/4 of the host's RAM)\n"
	"  --volume=HOST:SANDBOX[:ro]      show host directory HOST at SANDBOX, through\n"
	"                                  a gofer of its own (repeatable); :ro makes it\n"
	"                                  read-only\n"
	"  --strace                        print every system call to stderr\n"
	"  --debug                         print debugging messages\n"
	"\n"
	"  --help                          this text\n"
	"  --version                       the version\n";

void runtime_usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ringvisor: %s\n\n%s", msg, usage_text);
	exit(2);
}

enum { OPT_PLATFORM = 256, OPT_NETWORK, OPT_ROOT, OPT_STRACE, OPT_DEBUG,
       OPT_HELP, OPT_VERSION, OPT_MARKDOWN, OPT_LOG, OPT_LOG_FORMAT,
       OPT_OVERLAY, OPT_TMPFS_SIZE, OPT_TOTAL_MEMORY, OPT_VOLUME };

static const struct option run_opts[] = {
	{"platform", required_argument, NULL, OPT_PLATFORM},
	{"network", required_argument, NULL, OPT_NETWORK},
	{"root", required_argument, NULL, OPT_ROOT},
	{"overlay", required_argument, NULL, OPT_OVERLAY},
	{"tmpfs-size", required_argument, NULL, OPT_TMPFS_SIZE},
	{"total-memory", required_argument, NULL, OPT_TOTAL_MEMORY},
	{"volume", required_argument, NULL, OPT_VOLUME},
	{"strace", no_argument, NULL, OPT_STRACE},
	{"debug", no_argument, NULL, OPT_DEBUG},
	{"help", no_argument, NULL, OPT_HELP},
	{"version", no_argument, NULL, OPT_VERSION},
	{"markdown", no_argument, NULL, OPT_MARKDOWN},
	{NULL, 0, NULL, 0},
};

/* "4096", "64K", "512M", "2G": bytes, at least one page. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end || v == 0 || v > (~0ULL >> shift) || (v << shift) < 4096)
		return -1;
	*out = v << shift;
	return 0;
}

/* Parse flags from argv[*i] on until a non-flag or "--". Returns false on
 * an unknown flag (usage error). */
static void parse_flags(int argc, char **argv, struct run_config *cfg,
			bool *markdown)
{
	int c;
	opterr = 0;
	/* '+': stop at the first non-option (the command, or PROG). */
	while ((c = getopt_long(argc, argv, "+", run_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PLATFORM:
			cfg->platform = optarg;
			break;
		case OPT_NETWORK:
			if (strcmp(optarg, "none") && strcmp(optarg, "host"))
				runtime_usage_error("--network=%s: want none or host", optarg);
			cfg->network = optarg;
			break;
		case OPT_ROOT:
			cfg->root = optarg;
			break;
		case OPT_STRACE:
			cfg->strace = true;
			break;
		case OPT_OVERLAY:
			if (strcmp(optarg, "tmpfs") == 0)
				cfg->overlay = true;
			else if (strcmp(optarg, "none") == 0)
				cfg->overlay = false;
			else
				runtime_usage_error("--overlay=%s: want tmpfs or none", optarg);
			break;
		case OPT_TMPFS_SIZE:
			if (parse_size(optarg, &cfg->tmpfs_size) < 0)
				runtime_usage_error("--tmpfs-size=%s: want a size like 512M", optarg);
			break;
		case OPT_TOTAL_MEMORY:
			if (parse_size(optarg, &cfg->total_memory) < 0 ||
			    cfg->total_memory < (16ULL << 20))
				runtime_usage_error("--total-memory=%s: want a size of at least 16M", optarg);
			break;
		case OPT_VOLUME: {
			char err[512];
			struct run_volume v;
			/* Bad volumes are errors of the user's setup, not of
			 * the command line: one line, exit 1 (as runsc). */
			if (runtime_volume_parse(optarg, &v, err,
						 sizeof(err)) < 0) {
				rv_err("%s", err);
				exit(1);
			}
			cfg->volumes = rv_xrealloc(cfg->volumes,
						   (cfg->nvolumes + 1) *
						   sizeof(v));
			cfg->volumes[cfg->nvolumes++] = v;
			break;
		}
		case OPT_DEBUG:
			rv_debug = 1;
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			printf("ringvisor version %s\n", RV_VERSION);
			exit(0);
		case OPT_MARKDOWN:
			if (!markdown)
				runtime_usage_error("unknown flag --markdown");
			*markdown = true;
			break;
		default:
			runtime_usage_error("unknown flag %s", argv[optind - 1]);
		}
	}
}

int main(int argc, char **argv)
{
	struct run_config cfg = {.platform = "auto", .network = "none",
				 .root = "/", .overlay = true};

	if (argc < 2)
		runtime_usage_error("missing command");
	optind = 1;
	parse_flags(argc, argv, &cfg, NULL);
	if (optind >= argc)
		runtime_usage_error("missing command");
	const char *cmd = argv[optind];
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;

	if (strcmp(cmd, "debug") == 0)
		return runtime_debug(sub_argc, sub_argv);
	if (strcmp(cmd, "syscalls") == 0) {
		bool md = false;
		optind = 1;
		parse_flags(sub_argc, sub_argv, &cfg, &md);
		return runtime_syscalls_doc(md);
	}
	if (strcmp(cmd, "run") == 0) {
		optind = 1;
		parse_flags(sub_argc, sub_argv, &cfg, NULL);
		/* The program must follow "--" so that its own flags are never
		 * taken for ours. */
		if (optind < 1 || strcmp(sub_argv[optind - 1], "--") != 0)
			runtime_usage_error("run: missing -- before the program");
		if (optind >= sub_argc)
			runtime_usage_error("run: missing program after --");
		return runtime_run(&cfg, sub_argv + optind);
	}
	runtime_usage_error("unknown command %s", cmd);
}
