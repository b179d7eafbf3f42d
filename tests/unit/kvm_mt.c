/* KVM platform, several threads: munmap while another vCPU reads the page,
 * interrupting vCPUs that spin in ring 3, and many VMs and vCPUs created
 * and destroyed without leaking host fds. Exit 77 when KVM cannot run. */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

#define SNIP(name, body)                                                    \
	".globl km_" #name "\n.hidden km_" #name "\nkm_" #name ":\n" body      \
	"\n.globl km_" #name "_end\n.hidden km_" #name "_end\nkm_" #name     \
	"_end:\n"
__asm__(".pushsection .rodata.kvm_mt,\"a\"\n"
	/* Read the page at rbx forever, counting reads in the page at rdx. */
	SNIP(reader, "1: mov (%rbx), %rax\n incq (%rdx)\n jmp 1b")
	SNIP(spin, "1: inc %rcx\n jmp 1b")
	SNIP(sc, "syscall\n 1: jmp 1b")
	".popsection\n");
extern const char km_reader[], km_reader_end[], km_spin[], km_spin_end[],
	km_sc[], km_sc_end[];

#define CODE_VA 0x400000ULL
#define DATA_VA 0x600000ULL
#define COUNT_VA 0x700000ULL

static const struct platform_ops *ops;
static struct platform *plat;
static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		printf((cond) ? "PASS " : "FAIL ");                          \
		failures += !(cond);                                         \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		fflush(stdout);                                              \
	} while (0)

static uint64_t page_with(const char *s, const char *e)
{
	int64_t off = memfile_alloc(1);
	if (off < 0)
		exit(1);
	memcpy(memfile_ptr(off), s, e - s);
	return off;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

struct runner {
	struct platform_ctx *ctx;
	struct platform_as *as;
	struct platform_event ev;
	int rc;
	volatile int started, done;
};

static void *run_once(void *arg)
{
	struct runner *x = arg;
	x->started = 1;
	x->rc = ops->ctx_switch(x->ctx, x->as, &x->ev);
	x->done = 1;
	return NULL;
}

/* One thread reads a page in a loop; another unmaps it. When as_unmap
 * returns, the reader must not read it any more: its read counter stops
 * and it reports a fault at that page. */
static void test_munmap_race(void)
{
	for (int round = 0; round < 6; round++) {
		/* The last round unmaps more pages than the platform logs
		 * for re-stores: its fallback (a full shadow zap) must be as
		 * good. */
		uint64_t npages = round == 5 ? 300 : 1;
		uint64_t base = DATA_VA - (npages - 1) * RV_PAGE_SIZE;
		struct platform_as *as = ops->as_create(plat);
		int64_t cnt = memfile_alloc(1);
		ops->as_map(as, CODE_VA, RV_PAGE_SIZE,
			    page_with(km_reader, km_reader_end),
			    PROT_READ | PROT_EXEC);
		ops->as_map(as, base, npages * RV_PAGE_SIZE,
			    memfile_alloc(npages), PROT_READ);
		ops->as_map(as, COUNT_VA, RV_PAGE_SIZE, (uint64_t)cnt,
			    PROT_READ | PROT_WRITE);
		struct runner x = {.ctx = ops->ctx_create(plat), .as = as};
		x.ctx->regs.rip = CODE_VA;
		x.ctx->regs.rbx = DATA_VA;
		x.ctx->regs.rdx = COUNT_VA;
		pthread_t t;
		pthread_create(&t, NULL, run_once, &x);
		volatile uint64_t *c = memfile_ptr((uint64_t)cnt);
		while (*c < 1000)
			sched_yield();
		int rc = ops->as_unmap(as, base, npages * RV_PAGE_SIZE);
		uint64_t c1 = *c;
		sleep_ms(20);
		uint64_t c2 = *c;
		pthread_join(t, NULL);
		/* One increment may follow a read done before the call. */
		CHECK(rc == 0 && c2 - c1 <= 1 && x.rc == 0 &&
			      x.ev.kind == PEV_FAULT && x.ev.addr == DATA_VA &&
			      !x.ev.present,
		      "munmap of %llu page(s) under a reading vCPU (round %d): "
		      "reads after return %llu, event %d at %llx",
		      (unsigned long long)npages, round,
		      (unsigned long long)(c2 - c1), x.ev.kind,
		      (unsigned long long)x.ev.addr);
		ops->ctx_destroy(x.ctx);
		ops->as_destroy(as);
	}
}

/* mprotect to read-only under a writer: it faults, and no write lands
 * after as_protect returned. */
static void test_protect_race(void)
{
	struct platform_as *as = ops->as_create(plat);
	int64_t cnt = memfile_alloc(1);
	ops->as_map(as, CODE_VA, RV_PAGE_SIZE,
		    page_with(km_reader, km_reader_end),
		    PROT_READ | PROT_EXEC);
	ops->as_map(as, DATA_VA, RV_PAGE_SIZE, memfile_alloc(1), PROT_READ);
	ops->as_map(as, COUNT_VA, RV_PAGE_SIZE, (uint64_t)cnt,
		    PROT_READ | PROT_WRITE);
	struct runner x = {.ctx = ops->ctx_create(plat), .as = as};
	x.ctx->regs.rip = CODE_VA;
	x.ctx->regs.rbx = DATA_VA;
	x.ctx->regs.rdx = COUNT_VA;
	pthread_t t;
	pthread_create(&t, NULL, run_once, &x);
	volatile uint64_t *c = memfile_ptr((uint64_t)cnt);
	while (*c < 1000)
		sched_yield();
	int rc = ops->as_protect(as, COUNT_VA, RV_PAGE_SIZE, PROT_READ);
	uint64_t c1 = *c;
	sleep_ms(20);
	pthread_join(t, NULL);
	CHECK(rc == 0 && *c == c1 && x.ev.kind == PEV_FAULT &&
		      x.ev.addr == COUNT_VA && x.ev.present &&
		      x.ev.access == PLATFORM_ACC_WRITE,
	      "mprotect read-only under a writing vCPU: writes after return "
	      "%llu, event %d", (unsigned long long)(*c - c1), x.ev.kind);
	ops->ctx_destroy(x.ctx);
	ops->as_destroy(as);
}

/* Four vCPUs spin in ring 3 with no system calls, each on its own thread;
 * this thread interrupts them, many times, none lost. */
enum { NSPIN = 4, ROUNDS = 50 };
struct spinner {
	struct platform_ctx *ctx;
	struct platform_as *as;
	_Atomic int round;   /* set by main: start this round */
	_Atomic int running; /* round the spinner entered */
	_Atomic int done;    /* round the spinner finished */
	int wrong;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;
	struct platform_event ev;

	for (int r = 1; r <= ROUNDS; r++) {
		while (s->round < r)
			sched_yield();
		s->running = r;
		int rc = ops->ctx_switch(s->ctx, s->as, &ev);
		if (rc || ev.kind != PEV_INTERRUPTED ||
		    s->ctx->regs.rip < CODE_VA ||
		    s->ctx->regs.rip >= CODE_VA + 16)
			s->wrong++;
		s->done = r;
	}
	return NULL;
}

static void test_interrupt_spinners(void)
{
	struct platform_as *as = ops->as_create(plat);
	struct spinner s[NSPIN];
	pthread_t t[NSPIN];
	int lost = 0, wrong = 0;

	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, page_with(km_spin, km_spin_end),
		    PROT_READ | PROT_EXEC);
	for (int i = 0; i < NSPIN; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		s[i].ctx = ops->ctx_create(plat);
		s[i].as = as;
		s[i].ctx->regs.rip = CODE_VA;
		pthread_create(&t[i], NULL, spin_thread, &s[i]);
	}
	for (int r = 1; r <= ROUNDS; r++) {
		for (int i = 0; i < NSPIN; i++)
			s[i].round = r;
		for (int i = 0; i < NSPIN; i++) {
			while (s[i].running < r)
				sched_yield();
			if (r & 1)
				sleep_ms(1);
			ops->ctx_interrupt(s[i].ctx);
		}
		for (int i = 0; i < NSPIN; i++) {
			int k = 0;
			for (; k < 2000 && s[i].done < r; k++)
				sleep_ms(1);
			if (s[i].done < r) {
				lost++;
				while (s[i].done < r) {
					ops->ctx_interrupt(s[i].ctx);
					sleep_ms(10);
				}
			}
		}
	}
	for (int i = 0; i < NSPIN; i++) {
		pthread_join(t[i], NULL);
		wrong += s[i].wrong;
	}
	uint64_t spins = s[0].ctx->regs.rcx;
	CHECK(lost == 0 && wrong == 0 && spins > 0,
	      "%d interrupts of %d spinning vCPUs: %d lost, %d wrong; "
	      "spinner state kept across interrupts (rcx %llu)",
	      NSPIN * ROUNDS, NSPIN, lost, wrong, (unsigned long long)spins);
	for (int i = 0; i < NSPIN; i++)
		ops->ctx_destroy(s[i].ctx);
	ops->as_destroy(as);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void *run_sc(void *arg)
{
	struct runner *x = arg;
	x->rc = ops->ctx_switch(x->ctx, x->as, &x->ev);
	if (!x->rc && x->ev.kind != PEV_SYSCALL)
		x->rc = -1;
	return NULL;
}

/* Many VMs, each with several vCPUs on several threads, created and
 * destroyed: no fd may stay behind. */
static void test_many_vms(void)
{
	int fds = count_fds(), bad = 0;
	uint64_t code = page_with(km_sc, km_sc_end);

	for (int vm = 0; vm < 20; vm++) {
		const char *err;
		struct platform *p = ops->create(&err);
		if (!p) {
			bad++;
			continue;
		}
		struct platform_as *as = ops->as_create(p);
		ops->as_map(as, CODE_VA, RV_PAGE_SIZE, code,
			    PROT_READ | PROT_EXEC);
		for (int round = 0; round < 3; round++) {
			struct runner x[4];
			pthread_t t[4];
			for (int i = 0; i < 4; i++) {
				memset(&x[i], 0, sizeof(x[i]));
				x[i].ctx = ops->ctx_create(p);
				x[i].as = as;
				x[i].ctx->regs.rip = CODE_VA;
				pthread_create(&t[i], NULL, run_sc, &x[i]);
			}
			for (int i = 0; i < 4; i++) {
				pthread_join(t[i], NULL);
				bad += x[i].rc != 0;
				ops->ctx_destroy(x[i].ctx);
			}
		}
		ops->as_destroy(as);
		ops->destroy(p);
	}
	CHECK(bad == 0 && count_fds() == fds,
	      "20 VMs x 3 rounds x 4 vCPU threads: %d bad, fds %d -> %d", bad,
	      fds, count_fds());
}

int main(void)
{
	const char *err = NULL;
	struct platform_probe pr = {0};

	if (memfile_init())
		return 1;
	ops = &platform_kvm_ops;
	if (ops->probe(&pr) || !pr.usable || !(plat = ops->create(&err))) {
		printf("SKIP kvm: %s\n", pr.usable ? err : pr.why);
		return 77;
	}
	test_munmap_race();
	test_protect_race();
	test_interrupt_spinners();
	ops->destroy(plat);
	test_many_vms();
	printf("kvm_mt: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
