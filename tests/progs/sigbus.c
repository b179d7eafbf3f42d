/* Touching a file mapping beyond the end of the file raises SIGBUS
 * (BUS_ADRERR) with si_addr the address touched, while the part of the
 * last page past EOF reads zero. */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include "testlib.h"

static sigjmp_buf env;
static volatile int got_sig, got_code;
static void *volatile got_addr;

static void on_sig(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa = { 0 };
	int fd;
	char *m;

	sa.sa_sigaction = on_sig;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	tl_write_file(tl_tmp("f"), "0123456789", 10);
	fd = open(tl_tmp("f"), O_RDONLY);
	m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	tl_yes("mapped 3 pages of a 10-byte file", m != MAP_FAILED);
	tl_yes("data", !memcmp(m, "0123456789", 10));
	tl_yes("rest of page zero", m[10] == 0 && m[4095] == 0);
	if (!sigsetjmp(env, 1))
		(void)*(volatile char *)(m + 4096 + 7);
	tl_say("beyond EOF: %s code %d", got_sig ? sigabbrev_np(got_sig) :
	       "none", got_code);
	tl_yes("si_addr exact", got_addr == m + 4096 + 7);
	/* Growing the file makes the page valid. */
	ftruncate(open(tl_tmp("f"), O_RDWR), 8192);
	got_sig = 0;
	if (!sigsetjmp(env, 1))
		(void)*(volatile char *)(m + 4096 + 7);
	tl_say("after ftruncate: %s", got_sig ? sigabbrev_np(got_sig) :
	       "none");
	tl_cleanup();
	return tl_done();
}
