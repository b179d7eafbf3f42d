/* Privileged instructions in user mode become the signal Linux delivers
 * (issue 6: under KVM the app runs in guest ring 3 and must not change
 * guest state). Needs SIGSEGV/SIGILL delivery to a handler (issue 4). */
#include <setjmp.h>
#include <signal.h>
#include "testlib.h"

static sigjmp_buf env;

/* Where the forged ring-0 frame would "return" to: never reached. */
static void hlt_target(void)
{
	for (;;)
		asm volatile("hlt");
}
static volatile int got_sig, got_code;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	siglongjmp(env, 1);
}

#define TRY(name, insn)                                                   \
	do {                                                              \
		got_sig = 0;                                              \
		if (!sigsetjmp(env, 1))                                   \
			asm volatile(insn ::: "rax", "rcx", "rdx", "memory");                  \
		tl_say("%-8s -> %s code %d", name,                        \
		       got_sig ? sigabbrev_np(got_sig) : "none", got_code); \
	} while (0)

int main(void)
{
	struct sigaction sa = { 0 };
	static uint64_t frame[5];
	static char altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };

	/* The forged iretq below runs with %rsp on a tiny frame: the handler
	 * needs a stack of its own. */
	sigaltstack(&ss, NULL);

	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);

	TRY("hlt", "hlt");
	TRY("cli", "cli");
	TRY("sti", "sti");
	TRY("mov cr3", "mov %%cr3, %%rax");
	TRY("wr cr0", "xor %%eax, %%eax; mov %%rax, %%cr0");
	TRY("in", "in $0x80, %%al");
	TRY("out", "out %%al, $0x80");
	TRY("wrmsr", "xor %%ecx, %%ecx; xor %%eax, %%eax; xor %%edx, %%edx; wrmsr");
	TRY("rdmsr", "mov $0xc0000080, %%ecx; rdmsr");
	TRY("lgdt", "lgdt (%%rsp)");
	TRY("lidt", "lidt (%%rsp)");
	TRY("invlpg", "invlpg (%%rsp)");
	TRY("ud2", "ud2");
	TRY("int3", "int3");
	/* sysretq is privileged; a forged ring-0 iretq frame (CS=0x08) is
	 * refused by the CPU with #GP. */
	TRY("sysret", "sysretq");
	frame[0] = (uint64_t)&hlt_target;
	frame[1] = 0x08;
	frame[2] = 0x2;
	frame[3] = (uint64_t)&frame[4];
	frame[4] = 0x10;
	got_sig = 0;
	if (!sigsetjmp(env, 1))
		asm volatile("mov %0, %%rsp; iretq" :: "r"(frame) : "memory");
	tl_say("%-8s -> %s code %d", "iretq r0",
	       got_sig ? sigabbrev_np(got_sig) : "none", got_code);
	TRY("div 0", "xor %%edx, %%edx; mov $1, %%eax; xor %%ecx, %%ecx; "
	    "div %%ecx");
	tl_yes("survived all", 1);
	return tl_done();
}
