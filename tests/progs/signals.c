/* Signal delivery (issue 4): faults become SIGSEGV with the right si_code
 * and si_addr, raise/kill run the handler, masks defer delivery. */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include "testlib.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;
static volatile int usr1;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(env, 1);
}

static void on_usr1(int sig)
{
	(void)sig;
	usr1++;
}

int main(void)
{
	struct sigaction sa = { 0 };
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	munmap(p + 4096, 4096);
	mprotect(p, 4096, PROT_READ);

	if (!sigsetjmp(env, 1))
		*(volatile char *)(p + 4096 + 5) = 1;
	tl_yes("unmapped write: SIGSEGV", got_sig == SIGSEGV);
	tl_yes("SEGV_MAPERR", got_code == SEGV_MAPERR);
	tl_yes("si_addr exact", got_addr == p + 4096 + 5);
	got_sig = 0;
	if (!sigsetjmp(env, 1))
		*(volatile char *)(p + 9) = 1;
	tl_yes("read-only write: SIGSEGV", got_sig == SIGSEGV);
	tl_yes("SEGV_ACCERR", got_code == SEGV_ACCERR);
	tl_yes("si_addr exact", got_addr == p + 9);

	signal(SIGUSR1, on_usr1);
	raise(SIGUSR1);
	tl_val("handler ran once", usr1, 1);
	kill(getpid(), SIGUSR1);
	tl_val("kill to self", usr1, 2);
	sigset_t s, old;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigprocmask(SIG_BLOCK, &s, &old);
	raise(SIGUSR1);
	tl_val("blocked: not yet", usr1, 2);
	sigset_t pend;
	sigpending(&pend);
	tl_yes("pending", sigismember(&pend, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);
	tl_val("delivered on unblock", usr1, 3);
	signal(SIGUSR2, SIG_IGN);
	raise(SIGUSR2);
	tl_yes("ignored signal harmless", 1);
	return tl_done();
}
