/* The ptrace platform keeps its stub's op table and code at
 * [0x7fffffffd000, 0x7ffffffff000) of every app address space (the
 * stub runs the host calls the platform injects from there). A hostile
 * app must neither read nor change them: the sentry's address space ends
 * below (TASK_SIZE 0x7fffffffd000), so every way to map over, protect,
 * unmap, move onto, read or write that range fails, and the op table holds
 * nothing but while the stub runs a batch. The stub code is public and
 * read-only; only ptrace has it there, so whether it reads is not
 * printed. Same output on KVM (the range is simply not the app's). */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "testlib.h"

#define OPS 0x7fffffffd000UL
#define CODE 0x7fffffffe000UL

static sigjmp_buf jb;

static void on_segv(int sig)
{
	siglongjmp(jb, sig);
}

/* What the app learns from the page: nothing when it faults (KVM, or a
 * page the app cannot read) or reads only zeros (the ptrace op table
 * between batches). */
static const char *peek(unsigned long addr)
{
	static volatile int i;
	if (sigsetjmp(jb, 1))
		return "nothing";
	for (i = 0; i < 4096; i++)
		if (((volatile unsigned char *)addr)[i])
			return "data";
	return "nothing";
}

static const char *poke(unsigned long addr)
{
	if (sigsetjmp(jb, 1))
		return "SIGSEGV";
	*(volatile unsigned char *)addr = 0xcc;
	return "written";
}

static void res(const char *what, long r)
{
	if (r == -1)
		tl_say("%s = %s", what, tl_errname(errno));
	else
		tl_say("%s = ok", what);
}

int main(void)
{
	struct sigaction sa = {.sa_handler = on_segv};
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	for (int round = 0; round < 2; round++) {
		/* Lots of mapping changes first: they go through the op
		 * table. */
		for (int i = 0; i < 100; i++) {
			char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			m[0] = 1;
			m[4096] = 1;
			mprotect(m, 4096, PROT_READ);
			munmap(m, 8192);
		}
		tl_say("read op table: %s", peek(OPS));
		tl_say("write op table: %s", poke(OPS));
		tl_say("write stub code: %s", poke(CODE));
	}

	res("mmap fixed op table",
	    (long)mmap((void *)OPS, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			    (long)MAP_FAILED
		    ? -1
		    : 0);
	res("mmap fixed across",
	    mmap((void *)(OPS - 4096), 8192, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED
		    ? -1
		    : 0);
	res("mmap fixed_noreplace code",
	    mmap((void *)CODE, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
		 0) == MAP_FAILED
		    ? -1
		    : 0);
	void *h = mmap((void *)OPS, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("mmap hint placed elsewhere",
	       h != MAP_FAILED && (unsigned long)h + 4096 <= OPS);
	res("mprotect op table", mprotect((void *)OPS, 4096, PROT_READ |
							    PROT_WRITE));
	res("mprotect code", mprotect((void *)CODE, 4096, PROT_READ |
							     PROT_WRITE));
	res("madvise dontneed", madvise((void *)OPS, 8192, MADV_DONTNEED));
	res("munmap op table", munmap((void *)OPS, 4096));
	res("munmap both", munmap((void *)OPS, 8192));
	char *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	res("mremap onto op table",
	    mremap(m, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED,
		   (void *)OPS) == MAP_FAILED
		    ? -1
		    : 0);
	res("mremap grow to it",
	    mremap(m, 4096, OPS - (unsigned long)m + 4096, 0) == MAP_FAILED
		    ? -1
		    : 0);
	int p[2];
	if (pipe(p))
		return 1;
	res("write from op table", write(p[1], (void *)OPS, 16));
	if (write(p[1], "xxxxxxxxxxxxxxxx", 16) != 16)
		return 1;
	res("read into op table", read(p[0], (void *)OPS, 16));
	/* /proc/self/maps shows none of it. */
	int fd = open("/proc/self/maps", O_RDONLY);
	static char maps[1 << 16];
	ssize_t n = fd < 0 ? -1 : read(fd, maps, sizeof(maps) - 1);
	maps[n > 0 ? n : 0] = 0;
	tl_yes("maps hides the stub", n > 0 && !strstr(maps, "7fffffffd000") &&
					      !strstr(maps, "7fffffffe000") &&
					      !strstr(maps, "7ffffffff000"));
	tl_say("after all that, read op table: %s", peek(OPS));
	/* Running the stub's code (from its first byte: it unmaps
	 * everything below it, then waits in pause) makes only system
	 * calls of the app's own, which the sentry serves: the child hurts
	 * itself alone. On KVM the page is simply not mapped. */
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		((void (*)(void))CODE)();
		_exit(0);
	}
	usleep(200 * 1000);
	kill(pid, SIGKILL);
	int st;
	tl_yes("jump into the stub code: child contained",
	       waitpid(pid, &st, 0) == pid && WIFSIGNALED(st));
	/* The platform still works: mappings still change. */
	char *z = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	z[0] = 42;
	tl_yes("still works", z[0] == 42 && munmap(z, 4096) == 0);
	return tl_done();
}
