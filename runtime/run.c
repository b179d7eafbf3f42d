/* ringvisor run: start a sandbox, run one program in it, and exit with its
 * status. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "platform/platform.h"
#include "gofer/backend.h"
#include "gofer/client.h"
#include "gofer/gofer.h"
#include "runtime/confine.h"
#include "runtime/runtime.h"
#include "runtime/volume.h"
#include "sentry/fs/overlay/overlay.h"
#include "sentry/kernel/exec.h"
#include "sentry/kernel/kernel.h"
#include "sentry/mm/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

extern char **environ;

/* Find PROG the way execvp(3) does, but inside the sandbox: a name without
 * '/' is searched in the caller's PATH. Returns 0 or -errno. */
static int open_program(struct task *t, const char *prog, char *path,
			size_t pathlen, struct file **out)
{
	if (strchr(prog, '/')) {
		snprintf(path, pathlen, "%s", prog);
		return vfs_openat(t, AT_FDCWD, prog, O_RDONLY, 0, out);
	}
	const char *p = getenv("PATH");
	if (!p || !*p)
		p = "/usr/local/bin:/usr/bin:/bin";
	int err = -ENOENT;
	while (*p) {
		const char *end = strchrnul(p, ':');
		int n = snprintf(path, pathlen, "%.*s/%s", (int)(end - p), p, prog);
		if (n > 0 && (size_t)n < pathlen) {
			int r = vfs_openat(t, AT_FDCWD, path, O_RDONLY, 0, out);
			if (r == 0)
				return 0;
			if (r != -ENOENT && r != -ENOTDIR)
				err = r; /* e.g. EACCES: keep looking, report it */
		}
		p = *end ? end + 1 : end;
	}
	snprintf(path, pathlen, "%s", prog);
	return err;
}

/* Host signals a user sends ringvisor (Ctrl-C, kill) go to the sandbox's
 * init, as runsc forwards them; SIGUSR1 (`ringvisor debug --stacks`)
 * prints the stack dump of every task instead. */
static void *signal_forwarder(void *arg)
{
	sigset_t *set = arg;
	for (;;) {
		int sig;
		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGUSR1) {
			/* timeout(1) -s USR1 signals the whole process group,
			 * so the request comes twice (directly and forwarded
			 * by the monitor): one dump a second is enough. */
			static uint64_t last_ns;
			uint64_t now = rv_now_ns();
			if (last_ns && now - last_ns < 1000000000ULL)
				continue;
			kernel_dump_tasks(2);
			last_ns = rv_now_ns();
		} else
			kernel_forward_signal(sig);
	}
	return NULL;
}

/* Starting a platform takes ~1 ms on kvm (the VM, its memory slots, vCPU
 * set-up, the system call probe) and needs nothing of the gofer client or
 * the file systems: it runs on a thread of its own while they start. */
struct platform_start {
	const struct platform_ops *ops;
	struct platform *p;
	const char *err;
};

static void *platform_start_main(void *arg)
{
	struct platform_start *ps = arg;
	ps->p = ps->ops->create(&ps->err);
	return NULL;
}

/* The sentry's first steps, right after its clone (confine_config's
 * sentry_early): the memory file, and a platform that may start that
 * early (kvm; platform_ops.create_early) on its thread. Until the monitor
 * has written the sentry's id maps the sentry would only wait; kvm's ~1.3
 * ms of VM set-up now overlaps that, the network namespace and the
 * sentry's mounts, as well as the gofer client and the file systems. The
 * thread reads nothing the sandbox controls and is joined before the
 * sentry is confined (seccomp) and before the first task. */
struct sentry_early {
	struct platform_start ps;
	pthread_t thread;
	bool threaded;	 /* ps runs on thread */
	int memfile_err; /* memfile_init's: 0 or -errno */
};

static void sentry_early_main(void *arg)
{
	struct sentry_early *se = arg;
	se->memfile_err = memfile_init();
	if (se->memfile_err || !se->ps.ops->create_early)
		return;
	se->threaded = pthread_create(&se->thread, NULL, platform_start_main,
				      &se->ps) == 0;
}

int runtime_run(const struct run_config *cfg, char **argv)
{
	const char *err = NULL;
	char errbuf[256], path[4096];
	int r;

	rv_strace = cfg->strace;
	rv_install_crash_handlers();
	/* A write to a closed pipe must fail with EPIPE in the sentry, not
	 * kill it. */
	signal(SIGPIPE, SIG_IGN);
	static sigset_t fwd;
	sigemptyset(&fwd);
	sigaddset(&fwd, SIGINT);
	sigaddset(&fwd, SIGTERM);
	sigaddset(&fwd, SIGHUP);
	sigaddset(&fwd, SIGQUIT);
	sigaddset(&fwd, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &fwd, NULL);
	kernel_dump_init();

	/* The sentry holds host fds for cached files and the app's open
	 * files: give it the hard limit, and the app the limit the caller
	 * had (set on the first task below). */
	struct rlimit nofile;
	getrlimit(RLIMIT_NOFILE, &nofile);
	struct rlimit raised = {nofile.rlim_max, nofile.rlim_max};
	setrlimit(RLIMIT_NOFILE, &raised);

	const struct platform_ops *ops = platform_lookup(cfg->platform, &err);
	if (!ops) {
		rv_err("%s", err);
		return 1;
	}
	rv_dbg("platform %s chosen", ops->name);

	/* Host files come only through the gofer, confined to the root. It
	 * and the sentry's namespaces are made while this process has one
	 * thread; from here on this process is the monitor's child, the
	 * sentry (pid 1 of its own namespaces), and the monitor only waits. */
	struct gofer_opts gopts = {.root = cfg->root, .rdonly = cfg->overlay,
				   .confine = true};
	int gsock = -1;
	pid_t gpid = gofer_spawn(&gopts, &gsock, errbuf, sizeof(errbuf));
	if (gpid < 0) {
		rv_err("gofer: %s", errbuf);
		return 1;
	}
	/* One more confined gofer per --volume, each on its directory. */
	if (runtime_volumes_spawn(cfg->volumes, cfg->nvolumes, errbuf,
				  sizeof(errbuf)) < 0) {
		rv_err("%s", errbuf);
		return 1;
	}
	struct confine_gofer *vg =
		rv_xcalloc(cfg->nvolumes ? cfg->nvolumes : 1, sizeof(*vg));
	for (size_t i = 0; i < cfg->nvolumes; i++)
		vg[i] = (struct confine_gofer){cfg->volumes[i].gofer_pid,
					       cfg->volumes[i].sock,
					       cfg->volumes[i].sandbox};
	struct sentry_early early = {.ps.ops = ops};
	struct confine_config ccfg = {
		.network_none = strcmp(cfg->network, "host") != 0,
		.platform = ops->name,
		.gofer_sock = gsock,
		.gofer_pid = gpid,
		.volume_gofers = vg,
		.nvolume_gofers = cfg->nvolumes,
		.sentry_early = sentry_early_main,
		.sentry_early_arg = &early,
	};
	if ((r = confine_spawn_sentry(&ccfg, errbuf, sizeof(errbuf))) < 0) {
		rv_err("%s", errbuf);
		return 1;
	}
	rv_dbg("namespaces ready");

	if ((r = early.memfile_err) < 0) {
		rv_err("memory file: %s", rv_errstr(-r));
		return 1;
	}
	/* Past the limit the allocating process is killed inside the
	 * sandbox (or gets ENOMEM), never the sentry by the host. */
	if (cfg->total_memory)
		memfile_set_limit(cfg->total_memory);
	/* The platform thread is joined before the first task (which needs
	 * a context) and before confinement (kvm opens /dev/kvm; the seccomp
	 * filter then applies to every thread that is left). Meanwhile this
	 * thread uses only a few pages of the memory file, far below what kvm
	 * registers at create (64 MiB), so none is handed out unregistered. */
	struct platform_start *ps = &early.ps;
	pthread_t ps_thread = early.thread;
	bool ps_threaded = early.threaded;
	if (!ps_threaded && !ops->create_early) {
		ps_threaded = pthread_create(&ps_thread, NULL,
					     platform_start_main, ps) == 0;
	}
	if (!ps_threaded)
		platform_start_main(ps);

	struct gofer_client *gc = gofer_client_new(gsock);
	if (!gc) {
		rv_err("gofer: cannot start the client");
		return 1;
	}
	gofer_backend_set_client(gc);
	rv_dbg("gofer ready");
	/* The root the app sees: the host tree (read-only) under a private
	 * tmpfs that takes every write, so nothing reaches the host. */
	r = overlay_mount_root(&hostfs_gofer_backend, cfg->root, !cfg->overlay,
			       cfg->tmpfs_size);
	if (r < 0) {
		rv_err("root %s: %s", cfg->root, rv_errstr(-r));
		return 1;
	}
	vfs_tmp_size = cfg->tmpfs_size;
	if ((r = vfs_init(cfg->root)) < 0) {
		rv_err("root %s: %s", cfg->root, rv_errstr(-r));
		return 1;
	}
	rv_dbg("filesystems mounted");
	if (ps_threaded)
		pthread_join(ps_thread, NULL);
	rv_platform = ps->p;
	if (!rv_platform) {
		rv_err("platform %s: %s", ops->name,
		       ps->err ? ps->err : "cannot start");
		return 1;
	}
	rv_dbg("platform %s started", ops->name);
	struct task *init = kernel_create_init();
	if (!init) {
		rv_err("cannot create the first task: out of memory");
		return 1;
	}
	init->tg->rlim[RLIMIT_NOFILE] = nofile;
	if (runtime_volumes_mount(init, cfg->volumes, cfg->nvolumes, errbuf,
				  sizeof(errbuf)) < 0) {
		rv_err("%s", errbuf);
		return 1;
	}

	/* The program starts in the caller's working directory when the
	 * sandbox has it (as `runsc do` and bubblewrap do), else in /. */
	char cwd[4096];
	if (getcwd(cwd, sizeof(cwd)) && vfs_chdir(init, AT_FDCWD, cwd) < 0)
		rv_dbg("cwd %s is not in the sandbox: starting in /", cwd);

	/* Last steps of start-up: an empty root and the seccomp allowlist,
	 * the pivot (in the helper) while the filter is installed. Both are
	 * in place before anything of the app is read: the program file and
	 * its ELF headers are the first input the sandbox controls. */
	if ((r = confine_sentry_start(&ccfg, errbuf, sizeof(errbuf))) < 0 ||
	    (r = confine_sentry_finish(&ccfg, errbuf, sizeof(errbuf))) < 0) {
		rv_err("%s", errbuf);
		return 1;
	}
	rv_dbg("sentry confined");

	struct file *exe = NULL;
	r = open_program(init, argv[0], path, sizeof(path), &exe);
	if (r < 0) {
		rv_err("exec %s: %s", path, rv_errstr(-r));
		return r == -ENOENT || r == -ENOTDIR ? 127 : 126;
	}
	file_put(exe);
	/* The first program starts like any execve(2) in the sandbox:
	 * permission checks, #! scripts, the ELF loader. */
	errbuf[0] = 0;
	r = kernel_execve(init, AT_FDCWD, path, argv, environ, 0, errbuf,
			  sizeof(errbuf));
	if (r != -RV_EJUSTRETURN) {
		if (errbuf[0])
			rv_err("exec %s: %s: %s", path, rv_errstr(-r), errbuf);
		else
			rv_err("exec %s: %s", path, rv_errstr(-r));
		return r == -ENOENT || r == -ENOTDIR ? 127 : 126;
	}

	rv_dbg("program loaded");
	pthread_t fwd_thread;
	pthread_create(&fwd_thread, NULL, signal_forwarder, &fwd);
	if ((r = kernel_start_task(init)) < 0) {
		rv_err("cannot start the first task: %s", rv_errstr(-r));
		return 1;
	}
	int status = kernel_wait_sandbox();
	rv_dbg("sandbox ended with wait status %#x", status);
	fflush(stdout);
	int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status)
				       : WEXITSTATUS(status);
	/* The monitor may now stop everything at once (it reaps it all
	 * before it exits with code). Not with --debug, whose statistics
	 * are printed at exit (destructors). */
	if (!rv_debug)
		confine_sentry_ended(code);
	/* Leaving the process takes every stub down with it (PTRACE_O_EXITKILL,
	 * PDEATHSIG); nothing of the sandbox outlives this. */
	return code;
}
