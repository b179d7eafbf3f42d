/* Seccomp filters compiled at build time.
 *
 * libseccomp is the source of truth for every filter ringvisor loads (the
 * sentry's, the gofer's, the ptrace stubs'): each is written as libseccomp
 * rules in its module. Compiling those rules takes libseccomp ~0.2-0.7 ms
 * per filter, on the start-up path of every sandbox, for a result that
 * depends on nothing known only at run time. So the build runs each
 * builder once (build/gen/bpf-gen), exports the BPF with
 * seccomp_export_bpf(), and links the programs into build/ringvisor
 * (build/gen/bpf.c); rv_bpf_get() hands them out. A binary without them
 * (the unit tests, the generator itself) compiles the rules at run time,
 * with the same result. */
#ifndef RV_RUNTIME_BPF_H
#define RV_RUNTIME_BPF_H

#include <linux/filter.h>
#include <seccomp.h>
#include <stddef.h>

/* A builder: a new libseccomp context with every rule of the filter in
 * *out, or -errno. arg tells variants apart (the sentry's platform). */
typedef int (*rv_bpf_build_fn)(const char *arg, scmp_filter_ctx *out);

struct rv_bpf_builder {
	const char *name;	/* "sentry-ptrace", "gofer", ... */
	rv_bpf_build_fn build;
	const char *arg;
};

/* The builders, each next to what its filter confines. */
int confine_sentry_filter_build(const char *platform, scmp_filter_ctx *out);
int gofer_filter_build(const char *arg, scmp_filter_ctx *out);
int pt_stub_filter_build(const char *arg, scmp_filter_ctx *out);

/* Every filter ringvisor loads (runtime/bpf.c). */
extern const struct rv_bpf_builder rv_bpf_builders[];
extern const size_t rv_bpf_nbuilders;

/* What build/gen/bpf.c defines in build/ringvisor (weak elsewhere). */
struct rv_bpf_precompiled {
	const char *name;
	const struct sock_filter *insns;
	unsigned short len;
};
extern const struct rv_bpf_precompiled rv_bpf_precompiled[]
	__attribute__((weak));
extern const size_t rv_bpf_nprecompiled __attribute__((weak));

/* The program of filter name: the build's copy when there is one (*out
 * points into read-only data, nothing to free), else compiled now
 * (out->filter is malloc'd and stays for the process's life). -errno,
 * -ENOENT for a name with no builder. */
int rv_bpf_get(const char *name, struct sock_fprog *out);

/* Compile filter name with libseccomp now, whatever the build has: for
 * the generator and the tests. out->filter is malloc'd. -errno. */
int rv_bpf_compile(const char *name, struct sock_fprog *out);

/* Load prog on the calling thread (on every thread with
 * SECCOMP_FILTER_FLAG_TSYNC in flags). The caller has set no_new_privs.
 * -errno; -EAGAIN when a thread could not be synchronised. */
int rv_bpf_load(const struct sock_fprog *prog, unsigned flags);

#endif
