/* KVM platform speed: a getppid-like loop through ctx_switch compared, in
 * the same process and interleaved batch by batch, with the floor (a raw
 * ring-3 `out` round trip, bench/floor/kvm_floor.c). This host is shared
 * and noisy: only the ratio of medians means something.
 * Prints kvm_floor_us, kvm_syscall_floor_us (raw `syscall` redirected to
 * a ring-3 `out`, see kvm_floor.c), kvm_syscall_us and the ratios of the
 * last to the first two; FAIL only when
 * the loop itself misbehaves. Exit 77 when KVM cannot run here. */
#define KVM_FLOOR_NO_MAIN
#include "bench/floor/kvm_floor.c"

#include <sched.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

__asm__(".pushsection .rodata.kvm_perf,\"a\"\n"
	".globl kperf_loop\n.hidden kperf_loop\nkperf_loop:\n"
	"1: mov $110, %eax\n syscall\n jmp 1b\n"
	".globl kperf_loop_end\n.hidden kperf_loop_end\nkperf_loop_end:\n"
	".popsection\n");
extern const char kperf_loop[], kperf_loop_end[];

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	enum { BATCHES = 7 };
	long n = argc > 1 ? atol(argv[1]) : 5000;
	const struct platform_ops *ops = &platform_kvm_ops;
	struct platform_probe pr = {0};
	const char *err = NULL;
	struct platform *p;
	double fl[BATCHES], sf[BATCHES], sc[BATCHES];

	/* The pair (this thread, its vCPU) stays on one CPU, as the sentry
	 * would keep it. */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu(), &set);
	sched_setaffinity(0, sizeof(set), &set);

	if (memfile_init() || ops->probe(&pr) || !pr.usable ||
	    !(p = ops->create(&err))) {
		printf("SKIP kvm: %s\n", pr.usable ? err : pr.why);
		return 77;
	}
	struct platform_as *as = ops->as_create(p);
	struct platform_ctx *ctx = ops->ctx_create(p);
	int64_t code = memfile_alloc(1);
	memcpy(memfile_ptr(code), kperf_loop, kperf_loop_end - kperf_loop);
	ops->as_map(as, 0x400000, RV_PAGE_SIZE, code, PROT_READ | PROT_EXEC);
	ctx->regs.rip = 0x400000;

	struct platform_event ev;
	int bad = 0;
	for (int b = 0; b < BATCHES; b++) {
		fl[b] = kvm_floor_measure(n, 0);
		sf[b] = kvm_floor_measure(n, 1);
		if (fl[b] < 0 || sf[b] < 0)
			return 77;
		uint64_t t0 = rv_now_ns();
		for (long i = 0; i < n; i++) {
			if (ops->ctx_switch(ctx, as, &ev) ||
			    ev.kind != PEV_SYSCALL || ctx->regs.orig_rax != 110)
				bad++;
			ctx->regs.rax = 1; /* getppid */
		}
		sc[b] = (double)(rv_now_ns() - t0) / 1000.0 / (double)n;
	}
	qsort(fl, BATCHES, sizeof(double), cmp);
	qsort(sf, BATCHES, sizeof(double), cmp);
	qsort(sc, BATCHES, sizeof(double), cmp);
	double f = fl[BATCHES / 2], g = sf[BATCHES / 2], s = sc[BATCHES / 2];
	printf("%s %ld syscall round trips through ctx_switch\n",
	       bad ? "FAIL" : "PASS", n * BATCHES);
	printf("kvm_floor_us %.3f\nkvm_syscall_floor_us %.3f\n"
	       "kvm_syscall_us %.3f\nkvm_syscall_ratio %.2f "
	       "(to the syscall floor: %.2f)\n", f, g, s, s / f, s / g);
	ops->ctx_destroy(ctx);
	ops->as_destroy(as);
	ops->destroy(p);
	return bad ? 1 : 0;
}
