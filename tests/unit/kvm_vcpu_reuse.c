/* KVM platform: the vCPU that ran the start-up system-call probe is
 * reconfigured for the probe's answer and handed to the first task, so a
 * sandbox with one task has one vCPU (KVM_CREATE_VCPU and its set-up cost
 * ~0.2-0.3 ms of start-up on PVM hosts). The reused vCPU must then take
 * system calls (64-bit and, on PVM, through the user stub the I/O bitmap
 * allows), keep the app from the stub's port, and a second live context
 * must get a vCPU of its own; a context created after one is destroyed
 * takes the pooled vCPU instead of a new one. vCPUs are counted as the
 * kvm-vcpu file descriptors of this process.
 * Exit 77 when KVM cannot run here. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

__asm__(".pushsection .rodata.kvm_reuse,\"a\"\n"
	".globl kr_code\n.hidden kr_code\nkr_code:\n"
	"	syscall\n"	  /* +0 */
	"	out %al, $0xfe\n" /* +2: the stub's port, from the app */
	".globl kr_code_end\n.hidden kr_code_end\nkr_code_end:\n"
	".popsection\n");
extern const char kr_code[], kr_code_end[];

#define CODE_VA 0x400000ULL

static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		printf((cond) ? "PASS " : "FAIL ");                          \
		failures += !(cond);                                         \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		fflush(stdout);                                              \
	} while (0)

static int count_vcpu_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], link[128];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t k = readlink(path, link, sizeof(link) - 1);
		if (k <= 0)
			continue;
		link[k] = 0;
		n += strncmp(link, "anon_inode:kvm-vcpu", 19) == 0;
	}
	closedir(d);
	return n;
}

static bool syscall_ok(const struct platform_ops *ops,
		       struct platform_ctx *ctx, struct platform_as *as,
		       uint64_t nr)
{
	struct platform_event ev;
	ctx->regs.rip = CODE_VA;
	ctx->regs.rax = nr;
	int rc = ops->ctx_switch(ctx, as, &ev);
	return rc == 0 && ev.kind == PEV_SYSCALL && !ev.compat32 &&
	       ctx->regs.orig_rax == nr && ctx->regs.rip == CODE_VA + 2;
}

int main(void)
{
	const struct platform_ops *ops = &platform_kvm_ops;
	struct platform_probe pr = {0};
	const char *err = NULL;
	struct platform *p;
	struct platform_event ev;

	if (memfile_init() || ops->probe(&pr) || !pr.usable ||
	    !(p = ops->create(&err))) {
		printf("SKIP kvm: %s\n", pr.usable ? err : pr.why);
		return 77;
	}
	int n0 = count_vcpu_fds();
	CHECK(n0 == 1, "after create: %d vCPU (the probe's)", n0);

	struct platform_as *as = ops->as_create(p);
	int64_t code = memfile_alloc(1);
	if (!as || code < 0)
		return 1;
	memcpy(memfile_ptr(code), kr_code, kr_code_end - kr_code);
	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, code, PROT_READ | PROT_EXEC);

	struct platform_ctx *a = ops->ctx_create(p);
	CHECK(a && syscall_ok(ops, a, as, 39), "first task: getpid traps");
	int n1 = count_vcpu_fds();
	CHECK(n1 == 1, "first task runs on the probe's vCPU: %d vCPU", n1);
	bool many = true;
	for (int i = 0; i < 50 && many; i++)
		many = syscall_ok(ops, a, as, 100 + (uint64_t)i);
	CHECK(many, "50 more system calls on it");

	/* The stub's port stays closed to the app on the reused vCPU. */
	a->regs.rip = CODE_VA + 2;
	a->regs.rax = 0x77;
	int rc = ops->ctx_switch(a, as, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SIGNAL && ev.signo == SIGSEGV &&
		      a->regs.rip == CODE_VA + 2,
	      "out to the stub's port from the app: SIGSEGV at the out "
	      "(rc %d kind %d signo %d rip %#llx)",
	      rc, ev.kind, ev.signo, (unsigned long long)a->regs.rip);
	CHECK(syscall_ok(ops, a, as, 39), "system call after it");

	struct platform_ctx *b = ops->ctx_create(p);
	CHECK(b && syscall_ok(ops, b, as, 39) && syscall_ok(ops, a, as, 39),
	      "a second live task: both trap");
	int n2 = count_vcpu_fds();
	CHECK(n2 == 2, "two live tasks: %d vCPUs", n2);

	ops->ctx_destroy(a);
	struct platform_ctx *c = ops->ctx_create(p);
	CHECK(c && syscall_ok(ops, c, as, 39), "a task after one ended");
	int n3 = count_vcpu_fds();
	CHECK(n3 == 2, "it takes the pooled vCPU: %d vCPUs", n3);

	ops->ctx_destroy(b);
	ops->ctx_destroy(c);
	ops->as_destroy(as);
	ops->destroy(p);
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
