/* Seccomp filters compiled at build time (runtime/bpf.h). */
#include "runtime/bpf.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sentry/util.h"

/* The sentry's filter differs by platform (ptrace(2) only for ptrace, KVM
 * ioctls only for kvm): one program per platform that has a builder
 * here. */
const struct rv_bpf_builder rv_bpf_builders[] = {
	{"sentry-ptrace", confine_sentry_filter_build, "ptrace"},
	{"sentry-kvm", confine_sentry_filter_build, "kvm"},
	{"gofer", gofer_filter_build, NULL},
	{"ptrace-stub", pt_stub_filter_build, NULL},
};
const size_t rv_bpf_nbuilders = RV_ARRAY_SIZE(rv_bpf_builders);

#ifdef RV_SANITIZE
/* Sanitizer builds only (make SAN=...; the Makefile defines RV_SANITIZE):
 * the ASan/UBSan runtime makes host calls of its own behind the code's
 * back: sigaltstack when a thread or the process ends, abort() on a
 * report (abort_on_error), an occasional prctl, sched_yield in its spin
 * locks, mprotect in its allocator. Without them a report, or a clean
 * exit, dies of the filter instead. The ptrace stubs' filter (which the
 * app's code runs under) is left as it is. Never in a normal build. */
static const char *const sanitizer_allow[] = {
	"sigaltstack", "rt_sigaction", "rt_sigprocmask", "getpid", "gettid",
	"tgkill", "sched_yield", "mprotect", "write",
	/* made by the runtime now and then (a random-syscall run of the
	 * app killed the sandbox at exit with it; the sentry's own prctls
	 * are the filtered ones) */
	"prctl",
};

static int bpf_add_sanitizer_rules(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < RV_ARRAY_SIZE(sanitizer_allow); i++) {
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
			seccomp_syscall_resolve_name(sanitizer_allow[i]), 0);
		if (r < 0)
			return r;
	}
	return 0;
}
#endif

int rv_bpf_compile(const char *name, struct sock_fprog *out)
{
	const struct rv_bpf_builder *b = NULL;
	for (size_t i = 0; i < rv_bpf_nbuilders; i++)
		if (!strcmp(rv_bpf_builders[i].name, name))
			b = &rv_bpf_builders[i];
	if (!b)
		return -ENOENT;
	scmp_filter_ctx ctx = NULL;
	int r = b->build(b->arg, &ctx);
	if (r < 0)
		return r;
#ifdef RV_SANITIZE
	if (strcmp(name, "ptrace-stub") &&
	    (r = bpf_add_sanitizer_rules(ctx)) < 0) {
		seccomp_release(ctx);
		return r;
	}
#endif
	/* seccomp_export_bpf writes to an fd; a memfd keeps it off any
	 * path. */
	int fd = memfd_create("ringvisor-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if ((r = seccomp_export_bpf(ctx, fd)) < 0)
		goto out;
	off_t len = lseek(fd, 0, SEEK_END);
	if (len <= 0 || len % sizeof(struct sock_filter) ||
	    len / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		r = -EINVAL;
		goto out;
	}
	struct sock_filter *insns = rv_xmalloc((size_t)len);
	if (pread(fd, insns, (size_t)len, 0) != len) {
		free(insns);
		r = -EIO;
		goto out;
	}
	out->filter = insns;
	out->len = (unsigned short)(len / sizeof(struct sock_filter));
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return r;
}

int rv_bpf_get(const char *name, struct sock_fprog *out)
{
	if (&rv_bpf_nprecompiled && &rv_bpf_precompiled) {
		for (size_t i = 0; i < rv_bpf_nprecompiled; i++) {
			const struct rv_bpf_precompiled *p =
				&rv_bpf_precompiled[i];
			if (strcmp(p->name, name))
				continue;
			/* The kernel copies the program and never writes
			 * it. */
			out->filter = (struct sock_filter *)p->insns;
			out->len = p->len;
			return 0;
		}
	}
	return rv_bpf_compile(name, out);
}

int rv_bpf_load(const struct sock_fprog *prog, unsigned flags)
{
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
	if (r < 0)
		return -errno;
	/* With TSYNC, a positive result names a thread that could not take
	 * the filter (seccomp(2)): then no thread has it. */
	if (r > 0)
		return -EAGAIN;
	return 0;
}
