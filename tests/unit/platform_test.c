/* Platform conformance: runs tiny machine code snippets through a platform
 * (build/unit/platform_test ptrace|kvm) and checks the events, registers and
 * address space operations of platform/platform.h. Exit 77 when the
 * platform cannot run here. */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

/* Snippets, copied into memory file pages. Labels name start and end. */
#define SNIP(name, body)                                                    \
	".globl snip_" #name "\n.hidden snip_" #name "\nsnip_" #name ":\n" body \
	"\n.globl snip_" #name "_end\n.hidden snip_" #name "_end\nsnip_" #name \
	"_end:\n"
__asm__(".pushsection .rodata.platform_test,\"a\"\n"
	SNIP(sc2, "syscall\n mov %rax, %rdi\n syscall\n 1: jmp 1b")
	SNIP(fsread, "mov %fs:0, %rdi\n syscall\n 1: jmp 1b")
	SNIP(load, "mov (%rbx), %rdi\n syscall\n 1: jmp 1b")
	SNIP(store, "movq $7, (%rbx)\n syscall\n 1: jmp 1b")
	SNIP(int3, "int3\n 1: jmp 1b")
	SNIP(ud2, "ud2")
	SNIP(div0, "xor %ecx, %ecx\n div %ecx")
	SNIP(hlt, "hlt")
	SNIP(cli, "cli")
	SNIP(in, "in $0x80, %al")
	SNIP(out, "out %al, $0x80")
	SNIP(spin, "1: jmp 1b")
	SNIP(int80, "int $0x80\n 1: jmp 1b")
	SNIP(loop, "1: syscall\n jmp 1b")
	SNIP(wait, "1: mov (%rbx), %rax\n test %rax, %rax\n jz 1b\n syscall\n"
		   "2: jmp 2b")
	SNIP(fpin, "movq %rdi, %xmm0\n syscall\n movq %xmm1, %rdi\n syscall\n"
		   "1: jmp 1b")
	SNIP(exitgrp, "mov $231, %eax\n xor %edi, %edi\n syscall\n"
		      "mov $39, %eax\n syscall\n 1: jmp 1b")
	SNIP(vsys, "xor %edi, %edi\n xor %esi, %esi\n"
		   "mov $0xffffffffff600000, %rax\n call *%rax\n"
		   "mov %rax, %rdi\n syscall\n 1: jmp 1b")
	SNIP(jmpreg, "jmp *%rax")
	SNIP(storebx, "movq $0, (%rbx)\n syscall\n 1: jmp 1b")
	".popsection\n");

#define SNIPDECL(n) extern const char snip_##n[], snip_##n##_end[]
SNIPDECL(sc2); SNIPDECL(fsread); SNIPDECL(load); SNIPDECL(store);
SNIPDECL(int3); SNIPDECL(ud2); SNIPDECL(div0); SNIPDECL(hlt); SNIPDECL(cli);
SNIPDECL(in); SNIPDECL(out); SNIPDECL(spin); SNIPDECL(int80); SNIPDECL(loop);
SNIPDECL(wait); SNIPDECL(fpin); SNIPDECL(exitgrp); SNIPDECL(vsys);
SNIPDECL(jmpreg); SNIPDECL(storebx);

#define CODE_VA 0x400000ULL
#define DATA_VA 0x600000ULL
#define HOLE_VA 0x700000ULL

static const struct platform_ops *ops;
static struct platform *plat;
static int failures;

#define CHECK(cond, ...)                                                     \
	do {                                                                 \
		if (cond) {                                                  \
			printf("PASS ");                                     \
		} else {                                                     \
			printf("FAIL ");                                     \
			failures++;                                          \
		}                                                            \
		printf(__VA_ARGS__);                                         \
		printf("\n");                                                \
		fflush(stdout);                                              \
	} while (0)

/* A memory file page holding the snippet [s, e). */
static uint64_t code_page(const char *s, const char *e)
{
	int64_t off = memfile_alloc(1);
	if (off < 0) {
		printf("FAIL memfile_alloc\n");
		exit(1);
	}
	memcpy(memfile_ptr(off), s, e - s);
	return off;
}
#define CODE(n) code_page(snip_##n, snip_##n##_end)

static uint64_t data_page(uint64_t v)
{
	int64_t off = memfile_alloc(1);
	if (off < 0)
		exit(1);
	memcpy(memfile_ptr(off), &v, sizeof(v));
	return off;
}

/* A fresh AS with code at CODE_VA and a ctx starting there. */
struct rig {
	struct platform_as *as;
	struct platform_ctx *ctx;
};

static struct rig rig_new(uint64_t code_off)
{
	struct rig r;
	r.as = ops->as_create(plat);
	r.ctx = ops->ctx_create(plat);
	if (!r.as || !r.ctx) {
		printf("FAIL as_create/ctx_create\n");
		exit(1);
	}
	if (ops->as_map(r.as, CODE_VA, RV_PAGE_SIZE, code_off,
			PROT_READ | PROT_EXEC)) {
		printf("FAIL as_map code\n");
		exit(1);
	}
	r.ctx->regs.rip = CODE_VA;
	r.ctx->regs.rsp = 0;
	return r;
}

static void rig_free(struct rig *r)
{
	ops->ctx_destroy(r->ctx);
	ops->as_destroy(r->as);
}

static int sw(struct rig *r, struct platform_event *ev)
{
	return ops->ctx_switch(r->ctx, r->as, ev);
}

static void test_syscall(void)
{
	struct rig r = rig_new(CODE(sc2));
	struct platform_event ev;
	rv_regs_t *g = &r.ctx->regs;

	g->rax = 39;
	g->rdi = 1, g->rsi = 2, g->rdx = 3, g->r10 = 4, g->r8 = 5, g->r9 = 6;
	int rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && g->orig_rax == 39 &&
		      g->rdi == 1 && g->rsi == 2 && g->rdx == 3 &&
		      g->r10 == 4 && g->r8 == 5 && g->r9 == 6 &&
		      g->rip == CODE_VA + 2 && !ev.compat32,
	      "syscall event with arguments (rc %d kind %d nr %lld rip %llx)",
	      rc, ev.kind, (long long)g->orig_rax,
	      (unsigned long long)g->rip);
	g->rax = 42;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && g->rdi == 42,
	      "syscall result written back in rax (rdi %llu)",
	      (unsigned long long)g->rdi);
	rig_free(&r);
}

static void test_fsbase(void)
{
	struct rig r = rig_new(CODE(fsread));
	struct platform_event ev;

	ops->as_map(r.as, DATA_VA, RV_PAGE_SIZE, data_page(0x1122334455667788),
		    PROT_READ);
	r.ctx->regs.fs_base = DATA_VA;
	int rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL &&
		      r.ctx->regs.rdi == 0x1122334455667788 &&
		      r.ctx->regs.fs_base == DATA_VA,
	      "fs_base reaches the app and comes back (rdi %llx)",
	      (unsigned long long)r.ctx->regs.rdi);
	rig_free(&r);
}

static void test_faults(void)
{
	struct rig r = rig_new(CODE(load));
	struct platform_event ev;
	int rc;

	r.ctx->regs.rbx = HOLE_VA + 8;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_FAULT && ev.addr == HOLE_VA + 8 &&
		      !ev.present && r.ctx->regs.rip == CODE_VA,
	      "read of an unmapped page: fault at %llx present %d",
	      (unsigned long long)ev.addr, ev.present);
	/* Map it and resume with the same registers: the load completes. */
	ops->as_map(r.as, HOLE_VA, RV_PAGE_SIZE, data_page(99), PROT_READ);
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL, "resume after mapping");
	rig_free(&r);

	r = rig_new(CODE(store));
	ops->as_map(r.as, DATA_VA, RV_PAGE_SIZE, data_page(0), PROT_READ);
	r.ctx->regs.rbx = DATA_VA + 16;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_FAULT && ev.addr == DATA_VA + 16 &&
		      ev.present &&
		      (ev.access == 0 || ev.access == PLATFORM_ACC_WRITE),
	      "write to a read-only page: present %d access %d", ev.present,
	      ev.access);
	/* as_protect makes it writable; the store then lands. */
	rc = ops->as_protect(r.as, DATA_VA, RV_PAGE_SIZE,
			     PROT_READ | PROT_WRITE);
	int rc2 = sw(&r, &ev);
	uint64_t got = 0;
	CHECK(rc == 0 && rc2 == 0 && ev.kind == PEV_SYSCALL,
	      "as_protect to read-write, store completes");
	/* The store is visible in the memory file. */
	r.ctx->regs.rip = CODE_VA;
	(void)got;
	/* as_protect back to read-only: faults again. */
	ops->as_protect(r.as, DATA_VA, RV_PAGE_SIZE, PROT_READ);
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_FAULT && ev.present,
	      "as_protect to read-only faults the store again");
	/* Protect over a hole: the hole stays unmapped. */
	ops->as_protect(r.as, DATA_VA, 2 * RV_PAGE_SIZE,
			PROT_READ | PROT_WRITE);
	r.ctx->regs.rbx = DATA_VA + RV_PAGE_SIZE;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_FAULT && !ev.present &&
		      ev.addr == DATA_VA + RV_PAGE_SIZE,
	      "as_protect leaves a hole unmapped");
	/* as_unmap, then touching the page faults (not present). */
	ops->as_unmap(r.as, DATA_VA, RV_PAGE_SIZE);
	r.ctx->regs.rbx = DATA_VA;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_FAULT && !ev.present &&
		      ev.addr == DATA_VA,
	      "as_unmap then touching faults");
	rig_free(&r);
}

static void check_sig(const char *what, uint64_t code_off, int signo,
		      int code, bool addr0)
{
	struct rig r = rig_new(code_off);
	struct platform_event ev;
	int rc = sw(&r, &ev);

	CHECK(rc == 0 && ev.kind == PEV_SIGNAL && ev.signo == signo &&
		      (code < 0 || ev.code == code) && (!addr0 || ev.addr == 0),
	      "%s: signo %d code %d addr %llx", what, ev.signo, ev.code,
	      (unsigned long long)ev.addr);
	rig_free(&r);
}

static void test_signals(void)
{
	check_sig("int3 -> SIGTRAP", CODE(int3), SIGTRAP, -1, false);
	check_sig("ud2 -> SIGILL", CODE(ud2), SIGILL, ILL_ILLOPN, false);
	check_sig("div by zero -> SIGFPE", CODE(div0), SIGFPE, FPE_INTDIV,
		  false);
	check_sig("hlt -> SIGSEGV", CODE(hlt), SIGSEGV, SI_KERNEL, true);
	check_sig("cli -> SIGSEGV", CODE(cli), SIGSEGV, SI_KERNEL, true);
	check_sig("in -> SIGSEGV", CODE(in), SIGSEGV, SI_KERNEL, true);
	check_sig("out -> SIGSEGV", CODE(out), SIGSEGV, SI_KERNEL, true);

	struct rig r = rig_new(CODE(int80));
	struct platform_event ev;
	r.ctx->regs.rax = 20;
	int rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && ev.compat32,
	      "int 0x80 is a compat32 syscall");
	rig_free(&r);
}

struct runner {
	struct rig *r;
	struct platform_event ev;
	int rc;
	int n;           /* syscalls to run (loop snippet) */
	volatile int started;
};

static void *run_once(void *arg)
{
	struct runner *x = arg;
	x->started = 1;
	x->rc = ops->ctx_switch(x->r->ctx, x->r->as, &x->ev);
	return NULL;
}

static void test_interrupt(void)
{
	struct rig r = rig_new(CODE(spin));
	struct runner x = {.r = &r};
	pthread_t t;
	struct timespec ts = {0, 50 * 1000 * 1000};

	/* Before the switch: returns at once. */
	ops->ctx_interrupt(r.ctx);
	x.rc = sw(&r, &x.ev);
	CHECK(x.rc == 0 && x.ev.kind == PEV_INTERRUPTED,
	      "interrupt before switch");

	/* Spinning with no syscalls: another thread interrupts it. Both
	 * switches happen on thread t (a ctx belongs to one thread). */
	ops->ctx_destroy(r.ctx);
	r.ctx = ops->ctx_create(plat);
	r.ctx->regs.rip = CODE_VA;
	pthread_create(&t, NULL, run_once, &x);
	while (!x.started)
		;
	nanosleep(&ts, NULL);
	ops->ctx_interrupt(r.ctx);
	pthread_join(t, NULL);
	CHECK(x.rc == 0 && x.ev.kind == PEV_INTERRUPTED &&
		      r.ctx->regs.rip == CODE_VA,
	      "interrupt of a spinning app from another thread (kind %d)",
	      x.ev.kind);
	rig_free(&r);
}

static void *run_loop(void *arg)
{
	struct runner *x = arg;
	x->rc = 0;
	for (int i = 0; i < x->n; i++) {
		x->rc = ops->ctx_switch(x->r->ctx, x->r->as, &x->ev);
		if (x->rc || x->ev.kind != PEV_SYSCALL) {
			x->rc = x->rc ? x->rc : -1;
			break;
		}
		x->r->ctx->regs.rax = i;
	}
	ops->ctx_destroy(x->r->ctx);
	return NULL;
}

/* A thread spins until a page changes; another thread remaps the page:
 * the spinner must see it before as_map returns. The remapping thread has a
 * stopped ctx of its own in the AS (bound) or none. */
static void *map_one(void *arg)
{
	struct platform_as *as = arg;
	return (void *)(intptr_t)ops->as_map(as, DATA_VA, RV_PAGE_SIZE,
					      data_page(1), PROT_READ);
}

static void remap_while_running(struct platform_as *as, bool bound)
{
	struct rig c = {as, ops->ctx_create(plat)};
	struct rig d = {as, ops->ctx_create(plat)};
	struct runner xc = {.r = &c};
	struct timespec ts = {0, 30 * 1000 * 1000};
	struct platform_event ev;
	pthread_t tc, tm;
	int rc = 0;

	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, CODE(wait),
		    PROT_READ | PROT_EXEC);
	ops->as_map(as, CODE_VA + 0x10000, RV_PAGE_SIZE, CODE(loop),
		    PROT_READ | PROT_EXEC);
	ops->as_map(as, DATA_VA, RV_PAGE_SIZE, data_page(0), PROT_READ);
	if (bound) {
		/* This thread enters the AS and stops at a syscall. */
		d.ctx->regs.rip = CODE_VA + 0x10000;
		rc = sw(&d, &ev);
	}
	c.ctx->regs.rip = CODE_VA;
	c.ctx->regs.rbx = DATA_VA;
	pthread_create(&tc, NULL, run_once, &xc);
	while (!xc.started)
		;
	nanosleep(&ts, NULL);
	if (bound) {
		rc |= ops->as_map(as, DATA_VA, RV_PAGE_SIZE, data_page(1),
				  PROT_READ);
	} else {
		void *ret;
		pthread_create(&tm, NULL, map_one, as);
		pthread_join(tm, &ret);
		rc |= (int)(intptr_t)ret;
	}
	for (int i = 0; i < 100; i++) {
		if (__atomic_load_n(&xc.ev.kind, __ATOMIC_RELAXED))
			break;
		nanosleep(&ts, NULL);
	}
	/* If the change was not seen, unstick it. */
	if (!__atomic_load_n(&xc.ev.kind, __ATOMIC_RELAXED))
		ops->ctx_interrupt(c.ctx);
	pthread_join(tc, NULL);
	CHECK(rc == 0 && xc.rc == 0 && xc.ev.kind == PEV_SYSCALL,
	      "as_map from a thread %s the AS while another runs in it takes "
	      "effect at once (kind %d)",
	      bound ? "stopped in" : "outside", xc.ev.kind);
	/* c's stub thread belonged to tc, which has exited. */
	ops->ctx_destroy(c.ctx);
	ops->ctx_destroy(d.ctx);
}

static void test_two_threads(void)
{
	struct platform_as *as = ops->as_create(plat);
	struct rig a = {as, ops->ctx_create(plat)};
	struct rig b = {as, ops->ctx_create(plat)};
	struct runner xa = {.r = &a, .n = 2000}, xb = {.r = &b, .n = 2000};
	pthread_t ta, tb;

	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, CODE(loop),
		    PROT_READ | PROT_EXEC);
	a.ctx->regs.rip = b.ctx->regs.rip = CODE_VA;
	pthread_create(&ta, NULL, run_loop, &xa);
	pthread_create(&tb, NULL, run_loop, &xb);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK(xa.rc == 0 && xb.rc == 0,
	      "two ctxs in one AS on two host threads (%d, %d)", xa.rc,
	      xb.rc);

	remap_while_running(as, false);
	remap_while_running(as, true);
	ops->as_destroy(as);
}

static void test_populate_elsewhere(void)
{
	/* This thread is bound to some other AS (or none): the ops are
	 * queued and applied when a thread enters. */
	struct rig r = rig_new(CODE(load));
	struct runner x = {.r = &r};
	pthread_t t;

	ops->as_map(r.as, DATA_VA, RV_PAGE_SIZE, data_page(5), PROT_READ);
	ops->as_map(r.as, HOLE_VA, RV_PAGE_SIZE, data_page(6), PROT_READ);
	ops->as_unmap(r.as, HOLE_VA, RV_PAGE_SIZE);
	r.ctx->regs.rbx = DATA_VA;
	pthread_create(&t, NULL, run_once, &x);
	pthread_join(t, NULL);
	CHECK(x.rc == 0 && x.ev.kind == PEV_SYSCALL && r.ctx->regs.rdi == 5,
	      "AS populated by a thread not running in it");
	r.ctx->regs.rip = CODE_VA;
	r.ctx->regs.rbx = HOLE_VA;
	x.started = 0;
	pthread_create(&t, NULL, run_once, &x);
	pthread_join(t, NULL);
	CHECK(x.rc == 0 && x.ev.kind == PEV_FAULT && !x.ev.present,
	      "queued unmap applied in order");
	ops->ctx_destroy(r.ctx);
	ops->as_destroy(r.as);
}

static void test_fpu(void)
{
	struct rig r = rig_new(CODE(fpin));
	struct platform_event ev;

	if (!ops->ctx_sync_fpstate) {
		printf("PASS fpstate always current (no sync op)\n");
	}
	r.ctx->regs.rdi = 0xdeadbeefcafef00d;
	int rc = sw(&r, &ev);
	if (ops->ctx_sync_fpstate)
		rc |= ops->ctx_sync_fpstate(r.ctx);
	uint64_t x0, one = 0x0123456789abcdef;
	memcpy(&x0, r.ctx->fpstate + 160, 8);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && x0 == 0xdeadbeefcafef00d,
	      "xmm0 read from the app (%llx, fpstate %u bytes)",
	      (unsigned long long)x0, r.ctx->fpstate_len);
	memcpy(r.ctx->fpstate + 176, &one, 8);
	r.ctx->fpstate_dirty = true;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && r.ctx->regs.rdi == one,
	      "xmm1 written to the app (%llx)",
	      (unsigned long long)r.ctx->regs.rdi);
	rig_free(&r);
}

/* The app's system calls never reach the host: exit_group is only an
 * event, and the app is still there to make the next call. */
static void test_no_host_syscalls(void)
{
	struct rig r = rig_new(CODE(exitgrp));
	struct platform_event ev;
	int rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && r.ctx->regs.orig_rax == 231,
	      "exit_group is an event");
	r.ctx->regs.rax = 0;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL && r.ctx->regs.orig_rax == 39,
	      "... and did not run on the host");
	rig_free(&r);

	/* The legacy vsyscall page is emulated by the host kernel without a
	 * syscall stop: it must neither answer nor take the app down. */
	r = rig_new(CODE(vsys));
	ops->as_map(r.as, DATA_VA, RV_PAGE_SIZE, data_page(0),
		    PROT_READ | PROT_WRITE);
	r.ctx->regs.rsp = DATA_VA + RV_PAGE_SIZE;
	rc = sw(&r, &ev);
	CHECK(rc == 0 && (ev.kind == PEV_FAULT || ev.kind == PEV_SIGNAL ||
			  (ev.kind == PEV_SYSCALL &&
			   (int64_t)r.ctx->regs.rdi < 0)),
	      "vsyscall gettimeofday does not reach the host (rc %d kind %d "
	      "rdi %lld)", rc, ev.kind, (long long)r.ctx->regs.rdi);
	rig_free(&r);
}

/* Interrupts are never lost: each one ends a stream of syscalls. */
struct storm {
	struct rig *r;
	atomic_int seen, stop;
	int rc;
};

static void *storm_run(void *arg)
{
	struct storm *s = arg;
	struct platform_event ev;
	while (!atomic_load(&s->stop)) {
		s->rc = ops->ctx_switch(s->r->ctx, s->r->as, &ev);
		if (s->rc)
			break;
		if (ev.kind == PEV_INTERRUPTED)
			atomic_fetch_add(&s->seen, 1);
	}
	ops->ctx_destroy(s->r->ctx);
	return NULL;
}

static void test_interrupt_storm(void)
{
	struct rig r = rig_new(CODE(loop));
	struct storm s = {.r = &r};
	pthread_t t;
	int lost = 0;

	pthread_create(&t, NULL, storm_run, &s);
	for (int i = 0; i < 300; i++) {
		int before = atomic_load(&s.seen);
		ops->ctx_interrupt(r.ctx);
		uint64_t t0 = rv_now_ns();
		while (atomic_load(&s.seen) == before && s.rc == 0 &&
		       rv_now_ns() - t0 < 2000000000ULL)
			sched_yield();
		if (atomic_load(&s.seen) == before) {
			lost++;
			break;
		}
	}
	atomic_store(&s.stop, 1);
	ops->ctx_interrupt(r.ctx);
	pthread_join(t, NULL);
	CHECK(lost == 0 && s.rc == 0,
	      "300 interrupts of a syscall loop, none lost (%d seen)",
	      atomic_load(&s.seen));
	ops->as_destroy(r.as);
}

/* An address space outlives the thread that created it (fork in a thread
 * that then exits). */
static void *make_as(void *arg)
{
	*(struct platform_as **)arg = ops->as_create(plat);
	return NULL;
}

static void test_as_outlives_creator(void)
{
	struct platform_as *as = NULL;
	pthread_t t;
	struct timespec ts = {0, 20 * 1000 * 1000};

	pthread_create(&t, NULL, make_as, &as);
	pthread_join(t, NULL);
	nanosleep(&ts, NULL);
	struct rig r = {as, ops->ctx_create(plat)};
	struct platform_event ev;
	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, CODE(sc2),
		    PROT_READ | PROT_EXEC);
	r.ctx->regs.rip = CODE_VA;
	int rc = sw(&r, &ev);
	CHECK(as && rc == 0 && ev.kind == PEV_SYSCALL,
	      "AS created by a thread that has exited still runs (rc %d)", rc);
	rig_free(&r);
}

/* ptrace only: the stub is confined, its own pages cannot be mapped over,
 * and a dead stub is an error, not a hang. */
static void each_child(void (*fn)(int pid, void *), void *arg);

static void stub_status(int pid, void *arg)
{
	char path[64], line[256];
	int *ok = arg;
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp:", 8) == 0 && atoi(line + 8) == 2)
			ok[0]++;
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo = strtoull(line, NULL, 16);
		/* app pages, the stub's, and the kernel's vsyscall page */
		if (lo != CODE_VA && lo < 0x7fffffffd000ULL)
			ok[1]++;
	}
	fclose(f);
}

struct pidset {
	int n;
	int pid[64];
};

/* Kill the children that are not in the set (the platform's helpers that
 * existed before stay). */
static void kill_new_child(int pid, void *arg)
{
	struct pidset *s = arg;
	for (int i = 0; i < s->n; i++)
		if (s->pid[i] == pid)
			return;
	kill(pid, SIGKILL);
}

/* Kill the stub that maps the app code at CODE_VA: the platform may have
 * made it before the AS that uses it (a spare made ahead of time), so
 * being a new child does not tell it. */
static void kill_code_stub(int pid, void *arg)
{
	char path[64], line[256];
	(void)arg;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strtoull(line, NULL, 16) == CODE_VA)
			kill(pid, SIGKILL);
	fclose(f);
}

/* Find the stub mapping CODE_VA and signal its threads but the spawner:
 * the stand-in for an interrupt that lost the race with a stop. */
static void intr_code_stub_threads(int pid, void *arg)
{
	char path[64], line[256];
	bool ours = false;
	(void)arg;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		ours |= strtoull(line, NULL, 16) == CODE_VA;
	fclose(f);
	if (!ours)
		return;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	DIR *d = opendir(path);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		int tid = atoi(e->d_name);
		if (tid > 0 && tid != pid)
			syscall(SYS_tgkill, pid, tid, SIGUSR2);
	}
	if (d)
		closedir(d);
}

struct leaver {
	struct rig r;
	int rc;
	volatile int bound, go;
};

static void *bind_then_leave(void *arg)
{
	struct leaver *l = arg;
	struct platform_event ev;
	l->rc = sw(&l->r, &ev);
	l->bound = 1;
	while (!l->go)
		sched_yield();
	ops->ctx_destroy(l->r.ctx);
	return NULL;
}

/* A task whose thread exits with the interrupt signal still pending
 * (ctx_interrupt lost the race with a stop) must leave alone: the other
 * tasks of its address space go on. */
static void test_exit_with_pending_interrupt(void)
{
	struct rig a = rig_new(CODE(loop));
	struct leaver b = {.r = {a.as, ops->ctx_create(plat)}};
	struct platform_event ev;
	pthread_t t;
	int rc1, rc2;

	b.r.ctx->regs.rip = CODE_VA;
	rc1 = sw(&a, &ev);
	pthread_create(&t, NULL, bind_then_leave, &b);
	while (!b.bound)
		sched_yield();
	each_child(intr_code_stub_threads, NULL);
	b.go = 1;
	pthread_join(t, NULL);
	nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	rc2 = sw(&a, &ev);
	CHECK(rc1 == 0 && b.rc == 0 && rc2 == 0 && ev.kind == PEV_SYSCALL,
	      "a thread leaving with an interrupt pending leaves alone "
	      "(%d %d %d kind %d)", rc1, b.rc, rc2, ev.kind);
	rig_free(&a);
}

static void test_ptrace_only(void)
{
	struct rig r = rig_new(CODE(loop));
	struct platform_event ev;
	int ok[2] = {0, 0};

	int rc = sw(&r, &ev);
	each_child(stub_status, ok);
	CHECK(rc == 0 && ok[0] >= 1 && ok[1] == 0,
	      "stub under seccomp, nothing of the sentry mapped (%d, %d)",
	      ok[0], ok[1]);
	CHECK(ops->as_map(r.as, 0x7fffffffd000ULL, RV_PAGE_SIZE, 0,
			  PROT_READ) == -EINVAL &&
		      ops->as_map(r.as, 0x7ffffffdc000ULL, 0x22000, 0,
				  PROT_READ) == -EINVAL,
	      "the stub's pages cannot be mapped over");
	/* The app shares the stub's address space. Running the stub's own
	 * code (the batch loop over the op table) only makes more emulated
	 * syscalls; its pages cannot be written. Scan the code page for
	 * every entry point. */
	struct rig j = rig_new(CODE(jmpreg));
	int escaped = 0, steps = 0;
	for (uint64_t a = 0x7fffffffe000ULL; a < 0x7fffffffe0c0ULL; a++) {
		j.ctx->regs.rip = CODE_VA;
		j.ctx->regs.rax = a;
		j.ctx->regs.rbx = 0x7fffffffd000ULL;
		j.ctx->regs.r12 = 5;
		j.ctx->regs.rdi = 0;
		for (int k = 0; k < 8; k++) {
			int rc3 = sw(&j, &ev);
			steps++;
			if (rc3 < 0) {
				escaped++;
				break;
			}
			if (ev.kind != PEV_SYSCALL)
				break;
			/* A host mmap would return the address. */
			j.ctx->regs.rax = (uint64_t)-ENOSYS;
		}
	}
	CHECK(escaped == 0, "jumping into the stub's code stays emulated "
			    "(%d steps, %d stub deaths)", steps, escaped);
	rig_free(&j);
	j = rig_new(CODE(storebx));
	int wr = 0;
	for (uint64_t a = 0x7fffffffd000ULL; a < 0x7ffffffff000ULL;
	     a += RV_PAGE_SIZE) {
		j.ctx->regs.rip = CODE_VA;
		j.ctx->regs.rbx = a;
		if (sw(&j, &ev) == 0 && ev.kind == PEV_FAULT && ev.present)
			wr++;
	}
	CHECK(wr == 2, "the stub's pages are read-only to the app (%d/2)", wr);
	rig_free(&j);

	each_child(kill_code_stub, NULL);
	rc = sw(&r, &ev);
	int rc2 = sw(&r, &ev);
	CHECK(rc < 0 && rc2 < 0, "a killed stub is an error (%d, %d)", rc,
	      rc2);
	rig_free(&r);

	/* Even the platform's helper processes may be killed from outside:
	 * new address spaces still work. */
	each_child(kill_new_child, &(struct pidset){0});
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	r = rig_new(CODE(loop));
	rc = sw(&r, &ev);
	CHECK(rc == 0 && ev.kind == PEV_SYSCALL,
	      "a new AS after every helper process was killed (rc %d)", rc);
	rig_free(&r);
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

static void each_child(void (*fn)(int pid, void *), void *arg)
{
	char path[300], buf[4096];
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children",
			 e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t k = fread(buf, 1, sizeof(buf) - 1, f);
		buf[k] = 0;
		fclose(f);
		for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
			fn(atoi(p), arg);
	}
	if (d)
		closedir(d);
}

static void count_one(int pid, void *arg)
{
	(void)pid;
	(*(int *)arg)++;
}

static int count_children(void)
{
	int n = 0;
	each_child(count_one, &n);
	return n;
}

static void test_cycles(void)
{
	int fds = count_fds(), kids = count_children();
	uint64_t code = CODE(sc2);
	int bad = 0;

	for (int i = 0; i < 200; i++) {
		struct rig r = rig_new(code);
		struct platform_event ev;
		if (sw(&r, &ev) || ev.kind != PEV_SYSCALL)
			bad++;
		rig_free(&r);
	}
	/* A platform may keep spare helpers made ahead of time by a thread
	 * of its own (ptrace: two stubs), still being refilled when the
	 * count was taken: let them settle, allow them, and catch any leak
	 * per cycle. */
	for (int i = 0; i < 200 && (count_fds() != fds ||
				    count_children() > kids + 2); i++)
		nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
	CHECK(bad == 0 && count_fds() == fds && count_children() <= kids + 2,
	      "200 create/run/destroy cycles: %d bad, fds %d -> %d, "
	      "children %d -> %d",
	      bad, fds, count_fds(), kids, count_children());
}

static void bench(void)
{
	struct rig r = rig_new(CODE(loop));
	struct platform_event ev;
	const int n = 100000;
	int bad = 0;

	sw(&r, &ev); /* bind, pin */
	uint64_t t0 = rv_now_ns();
	for (int i = 0; i < n; i++) {
		r.ctx->regs.rax = i;
		if (sw(&r, &ev) || ev.kind != PEV_SYSCALL)
			bad++;
	}
	uint64_t t1 = rv_now_ns();
	CHECK(bad == 0, "%d syscall round trips", n);
	printf("platform_%s_syscall_us %.3f\n", ops->name,
	       (double)(t1 - t0) / n / 1000.0);
	rig_free(&r);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : "ptrace";
	const char *err = NULL;
	int rc;

	rv_debug = getenv("RV_DEBUG") != NULL;
	rc = memfile_init();
	if (rc) {
		printf("FAIL memfile_init: %s\n", strerror(-rc));
		return 1;
	}
	ops = platform_lookup(name, &err);
	if (!ops) {
		printf("SKIP %s\n", err ? err : name);
		return 77;
	}
	plat = ops->create(&err);
	if (!plat) {
		printf("SKIP %s\n", err ? err : name);
		return 77;
	}
	test_syscall();
	test_fsbase();
	test_faults();
	test_signals();
	test_interrupt();
	test_two_threads();
	test_populate_elsewhere();
	test_fpu();
	test_no_host_syscalls();
	test_interrupt_storm();
	test_as_outlives_creator();
	if (strcmp(ops->name, "ptrace") == 0) {
		test_ptrace_only();
		test_exit_with_pending_interrupt();
	}
	test_cycles();
	if (argc < 3 || strcmp(argv[2], "--no-bench"))
		bench();
	ops->destroy(plat);
	printf("%s: %d failure(s)\n", name, failures);
	return failures ? 1 : 0;
}
