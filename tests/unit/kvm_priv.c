/* KVM platform: an app executing privileged instructions in guest ring 3
 * gets the signal Linux would deliver, the guest's own state (page tables,
 * IDT, GDT, IOPL) is unchanged, and the next system call still works.
 * Exit 77 when KVM cannot run here. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

#define SNIP(name, body)                                                    \
	".globl kp_" #name "\n.hidden kp_" #name "\nkp_" #name ":\n" body      \
	"\n.globl kp_" #name "_end\n.hidden kp_" #name "_end\nkp_" #name     \
	"_end:\n"
/* Each snippet faults on its first instruction; the harness then moves rip
 * to the probe page, which makes a system call. */
__asm__(".pushsection .rodata.kvm_priv,\"a\"\n"
	SNIP(hlt, "hlt")
	SNIP(cli, "cli")
	SNIP(sti, "sti")
	SNIP(in, "in %dx, %al")
	SNIP(out, "out %al, %dx")
	SNIP(movcr3, "mov %rax, %cr3")
	SNIP(readcr0, "mov %cr0, %rax")
	SNIP(wrmsr, "wrmsr")
	SNIP(rdmsr, "rdmsr")
	SNIP(lgdt, "lgdt (%rsp)")
	SNIP(lidt, "lidt (%rsp)")
	SNIP(ltr, "ltr %ax")
	SNIP(invlpg, "invlpg (%rax)")
	SNIP(swapgs, "swapgs")
	SNIP(sysret, "sysretq")
	SNIP(sgdt, "sgdt (%rsp)")
	SNIP(int21, "int $0x21")
	/* A ring-0 frame: ss, rsp, rflags, cs = kernel code, rip. */
	SNIP(iret0, "pushq $0x18\n pushq %rsp\n pushfq\n pushq $0x10\n"
		    " pushq $0\n iretq")
	/* A ring-3 frame asking for IOPL 3, then cli: must still fault. */
	SNIP(iopl, "pushq $0x2b\n pushq %rsp\n pushq $0x3202\n pushq $0x33\n"
		   " lea 1f(%rip), %rax\n pushq %rax\n iretq\n 1: cli")
	SNIP(popf, "pushq $0x3202\n popfq\n cli")
	SNIP(icebp, ".byte 0xf1")
	/* The ports the PVM system call stub uses: still #GP for the app. */
	SNIP(outfe, "out %al, $0xfe")
	SNIP(infd, "in $0xfd, %al")
	SNIP(insb, "mov %rsp, %rdi\n mov $0xfe, %dx\n insb")
	SNIP(kread, "mov (%rax), %rax")
	SNIP(kjump, "jmp *%rax")
	SNIP(probe, "syscall\n ud2\n syscall")
	".popsection\n");

#define DECL(n) extern const char kp_##n[], kp_##n##_end[]
DECL(hlt); DECL(cli); DECL(sti); DECL(in); DECL(out); DECL(movcr3);
DECL(readcr0); DECL(wrmsr); DECL(rdmsr); DECL(lgdt); DECL(lidt); DECL(ltr);
DECL(invlpg); DECL(swapgs); DECL(sysret); DECL(sgdt); DECL(int21);
DECL(iret0); DECL(iopl); DECL(popf); DECL(icebp); DECL(kread); DECL(kjump);
DECL(probe); DECL(outfe); DECL(infd); DECL(insb);

#define CODE_VA 0x400000ULL
#define PROBE_VA 0x500000ULL
#define STACK_VA 0x600000ULL

static const struct platform_ops *ops;
static struct platform *plat;
static struct platform_as *as;
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

/* Run snippet [s, e) and expect signal signo/si_code; then the probe page
 * must still make system calls and take #UD normally. */
static void expect(const char *what, const char *s, const char *e,
		   int signo, int code, uint64_t rax)
{
	struct platform_ctx *ctx = ops->ctx_create(plat);
	struct platform_event ev;
	rv_regs_t *g = &ctx->regs;

	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, page_with(s, e),
		    PROT_READ | PROT_EXEC);
	g->rip = CODE_VA;
	g->rsp = STACK_VA + RV_PAGE_SIZE - 64;
	g->rax = rax;
	g->rbx = 0x1111222233334444;
	g->rcx = 0xc0000082; /* LSTAR, for wrmsr/rdmsr */
	g->rdx = 0x80;
	g->r12 = 0x5555;
	int rc = ops->ctx_switch(ctx, as, &ev);
	bool ok = rc == 0 && ev.kind == PEV_SIGNAL && ev.signo == signo &&
		  (code < 0 || ev.code == code) && g->rbx == 0x1111222233334444 &&
		  g->r12 == 0x5555 && (g->eflags & 0x3000) == 0 &&
		  (rax != 0x77 || (g->rax == 0x77 && g->rip < CODE_VA + 16 &&
				   ((s[g->rip - CODE_VA] & 0xf4) == 0xe4 ||
				    s[g->rip - CODE_VA] == 0x6c)));
	CHECK(ok, "%s -> signal %d code %d (rc %d kind %d rip %llx)", what,
	      ev.signo, ev.code, rc, ev.kind, (unsigned long long)g->rip);

	g->rip = PROBE_VA;
	g->rax = 39;
	rc = ops->ctx_switch(ctx, as, &ev);
	ok = rc == 0 && ev.kind == PEV_SYSCALL && g->orig_rax == 39 &&
	     g->rip == PROBE_VA + 2;
	rc |= ops->ctx_switch(ctx, as, &ev);
	ok = ok && rc == 0 && ev.kind == PEV_SIGNAL && ev.signo == SIGILL;
	g->rip += 2;
	rc |= ops->ctx_switch(ctx, as, &ev);
	ok = ok && rc == 0 && ev.kind == PEV_SYSCALL;
	CHECK(ok, "  ... then syscall, #UD and syscall still work");
	ops->ctx_destroy(ctx);
}

static void expect_fault(const char *what, const char *s, const char *e,
			 uint64_t rax, uint64_t addr)
{
	struct platform_ctx *ctx = ops->ctx_create(plat);
	struct platform_event ev;

	ops->as_map(as, CODE_VA, RV_PAGE_SIZE, page_with(s, e),
		    PROT_READ | PROT_EXEC);
	ctx->regs.rip = CODE_VA;
	ctx->regs.rsp = STACK_VA + RV_PAGE_SIZE - 64;
	ctx->regs.rax = rax;
	int rc = ops->ctx_switch(ctx, as, &ev);
	CHECK(rc == 0 && ev.kind == PEV_FAULT && ev.addr == addr &&
		      !ev.present,
	      "%s -> fault at %llx present %d (kind %d)", what,
	      (unsigned long long)ev.addr, ev.present, ev.kind);
	ops->ctx_destroy(ctx);
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
	as = ops->as_create(plat);
	ops->as_map(as, PROBE_VA, RV_PAGE_SIZE, page_with(kp_probe,
							 kp_probe_end),
		    PROT_READ | PROT_EXEC);
	ops->as_map(as, STACK_VA, RV_PAGE_SIZE, memfile_alloc(1),
		    PROT_READ | PROT_WRITE);

#define SEGV(n, rax) expect(#n, kp_##n, kp_##n##_end, SIGSEGV, SI_KERNEL, rax)
	SEGV(hlt, 0);
	SEGV(cli, 0);
	SEGV(sti, 0);
	SEGV(in, 0);
	SEGV(out, 0);
	SEGV(movcr3, 0);
	SEGV(readcr0, 0);
	SEGV(wrmsr, 0);
	SEGV(rdmsr, 0);
	SEGV(lgdt, 0);
	SEGV(lidt, 0);
	SEGV(ltr, 0x40);
	SEGV(invlpg, CODE_VA);
	SEGV(swapgs, 0);
	SEGV(sysret, 0);
	SEGV(sgdt, 0);
	SEGV(int21, 0);
	SEGV(iret0, 0);
	SEGV(iopl, 0);
	SEGV(popf, 0);
	SEGV(outfe, 0x77);
	SEGV(infd, 0x77);
	SEGV(insb, 0x77);
	/* The PVM system call stub page: an app jumping into its middle
	 * gets what the bytes there give, and the sentry does not crash
	 * decoding them. */
	expect("jump to ud2 in the stub page", kp_kjump, kp_kjump_end,
	       SIGILL, ILL_ILLOPN, 0x7ffffffff002ULL);
	expect("jump to int3 fill in the stub page", kp_kjump, kp_kjump_end,
	       SIGTRAP, -1, 0x7ffffffff008ULL);
	expect("icebp", kp_icebp, kp_icebp_end, SIGTRAP, -1, 0);
	/* The platform's own pages are invisible to the app. */
	expect_fault("read of the guest IDT", kp_kread, kp_kread_end,
		     0xffffff8000001000ULL, 0xffffff8000001000ULL);
	expect_fault("jump to the ring-0 system call entry", kp_kjump,
		     kp_kjump_end, 0xffffff8000000000ULL,
		     0xffffff8000000000ULL);
	expect_fault("jump into the guest ring-0 code", kp_kjump,
		     kp_kjump_end, 0xffffff8000000020ULL,
		     0xffffff8000000020ULL);

	ops->as_destroy(as);
	ops->destroy(plat);
	printf("kvm_priv: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
