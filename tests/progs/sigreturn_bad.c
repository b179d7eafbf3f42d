/* rt_sigreturn(2) with a frame the program forged: the kernel takes only
 * what is safe from it (its own code and stack segments, the user-settable
 * flags: no IOPL, no NT, IF forced on) and kills the program with SIGSEGV
 * when the frame or its FPU state cannot be read, never crashing itself.
 * Each case runs in a child; the parent prints how it ended. */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <ucontext.h>
#include "testlib.h"

/* Where a forged frame may send the program: exit(42) without touching
 * the stack or memory. */
void rv_exit42(void);
asm(".globl rv_exit42\n"
    "rv_exit42:\n"
    "	pushfq\n"
    "	pop %rdi\n"
    "	and $0x3000, %edi\n"	/* IOPL must read 0 */
    "	add $42, %edi\n"
    "	mov $60, %eax\n"
    "	syscall\n");

/* rt_sigreturn finds its frame 8 bytes below the stack pointer (the
 * handler's return popped the restorer address): the ucontext is at sp. */
static void __attribute__((noreturn)) sigreturn_at(void *sp)
{
	asm volatile("mov %0, %%rsp\n\t"
		     "mov $15, %%eax\n\t"
		     "syscall\n\t"
		     "ud2" : : "r"(sp) : "memory");
	__builtin_unreachable();
}

static char *area;		/* 64 KiB, mapped read-write */
#define FRAME (area + 32768)	/* ucontext here; room on both sides */

static void run(const char *name, void (*setup)(ucontext_t *uc))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		ucontext_t *uc = (ucontext_t *)FRAME;
		setup(uc);
		sigreturn_at(setup ? (void *)uc : (void *)0x10000);
	}
	int st;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st))
		tl_say("%s: exit %d", name, WEXITSTATUS(st));
	else
		tl_say("%s: %s", name, sigabbrev_np(WTERMSIG(st)));
}

static void fill_ff(ucontext_t *uc)
{
	memset(uc, 0xff, 4096);
}

static void fill_zero(ucontext_t *uc)
{
	memset(uc, 0, 4096);
}

/* A sane frame going to rv_exit42 on a good stack. */
static void good(ucontext_t *uc)
{
	memset(uc, 0, sizeof(*uc));
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)rv_exit42;
	uc->uc_mcontext.gregs[REG_RSP] = (greg_t)(area + 8192);
	uc->uc_mcontext.gregs[REG_EFL] = 0x202;
	uc->uc_mcontext.gregs[REG_CSGSFS] = 0x33;
	uc->uc_mcontext.fpregs = NULL; /* no FPU state: reset */
}

/* Segment selectors and every flag set (but the trap flag): ring 0 code
 * segment, IOPL 3, NT, VM. */
static void bad_segments(ucontext_t *uc)
{
	good(uc);
	uc->uc_mcontext.gregs[REG_CSGSFS] = (greg_t)0xdead0008beef0008ULL;
	uc->uc_mcontext.gregs[REG_EFL] = (greg_t)~0x100ULL;
	uc->uc_mcontext.gregs[REG_ERR] = -1;
	uc->uc_mcontext.gregs[REG_TRAPNO] = -1;
}

/* Every flag but the trap flag on good segments: Linux keeps the
 * arithmetic flags, AC, DF and RF only, so the program runs on without
 * IOPL 3 (port I/O), NT or VM. */
static void bad_flags(ucontext_t *uc)
{
	good(uc);
	uc->uc_mcontext.gregs[REG_EFL] = (greg_t)~0x40100ULL; /* no TF, AC */
}

static void rip_kernel(ucontext_t *uc)
{
	good(uc);
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0xffffffff81000000ULL;
}

static void rip_noncanonical(ucontext_t *uc)
{
	good(uc);
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000ULL;
}

static void fpstate_kernel(ucontext_t *uc)
{
	good(uc);
	uc->uc_mcontext.fpregs = (fpregset_t)0xffff800000000000ULL;
}

static void fpstate_unmapped(ucontext_t *uc)
{
	good(uc);
	uc->uc_mcontext.fpregs = (fpregset_t)(area + 65536);
}

static void fpstate_garbage(ucontext_t *uc)
{
	good(uc);
	/* 512 bytes of 0xff: an MXCSR with reserved bits set */
	memset(area, 0xff, 4096);
	uc->uc_mcontext.fpregs = (fpregset_t)area;
}

int main(void)
{
	area = mmap(NULL, 65536 + 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(area + 65536, 4096);
	run("unmapped frame", NULL);
	run("frame of 0xff", fill_ff);
	run("frame of zeros", fill_zero);
	run("sane frame", good);
	run("bad segments and flags", bad_segments);
	run("every flag", bad_flags);
	run("rip in the kernel half", rip_kernel);
	run("non-canonical rip", rip_noncanonical);
	run("fpstate in the kernel half", fpstate_kernel);
	run("fpstate unmapped", fpstate_unmapped);
	run("fpstate garbage", fpstate_garbage);
	return tl_done();
}
