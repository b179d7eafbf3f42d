/* The ptrace platform's stub processes: one per address space.
 *
 * A stub keeps only the memory file descriptor, a page of code at
 * PT_STUB_CODE_ADDR and its read-only op page, runs under a seccomp filter
 * that allows just the host calls the platform injects, and idles in
 * pause(2). App code runs in threads of a stub under PTRACE_SYSEMU, so the
 * app's own system calls never execute on the host; the filter is the
 * second wall, for the calls the platform makes the stub run.
 *
 * Only one stub is made by forking the sentry: the factory, at platform
 * creation (before the sentry confines itself). Every address space's
 * stub is then cloned from the factory by an injected
 * clone(CLONE_PARENT | SIGCHLD) (ptrace.c): it is born clean, is a child of
 * the sentry (so the sentry reaps it), and costs no copy of the sentry's
 * page tables. The factory is forked by a sentry thread that lives as long
 * as the platform, because PR_SET_PDEATHSIG fires when the *thread* that
 * forked dies (prctl(2)), and CLONE_PARENT gives every stub that same
 * parent thread. */
#include "platform/ptrace/ptrace.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "runtime/bpf.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

/* The stub code. Position independent and stackless: after the stub has
 * unmapped the sentry there is no stack, and the app (which runs in these
 * threads) must not be able to influence it. */
__asm__(".pushsection .rodata.rv_ptrace_stub,\"a\"\n"
	".globl rv_stub_begin\n"
	".hidden rv_stub_begin\n"
	"rv_stub_begin:\n"
	/* Entry from the child set-up: unmap the sentry, tell the parent
	 * through the ready pipe, close it, idle. */
	".Lstart:\n"
	"	mov $11, %eax\n" /* munmap(0, PT_STUB_BASE) */
	"	xor %edi, %edi\n"
	"	movabs $0x7fffffffd000, %rsi\n"
	"	syscall\n"
	"	mov $1, %eax\n" /* write(READYFD, code, 1) */
	"	mov $4, %edi\n"
	"	lea .Lstart(%rip), %rsi\n"
	"	mov $1, %edx\n"
	"	syscall\n"
	"	mov $3, %eax\n" /* close(READYFD) */
	"	mov $4, %edi\n"
	"	syscall\n"
	".globl rv_stub_pause\n"
	".hidden rv_stub_pause\n"
	"rv_stub_pause:\n"
	"	mov $34, %eax\n" /* pause() */
	"	syscall\n"
	"	jmp rv_stub_pause\n"
	".globl rv_stub_batch\n"
	".hidden rv_stub_batch\n"
	"rv_stub_batch:\n"
	"	xor %r13d, %r13d\n"
	"1:	cmp %r12, %r13\n"
	"	jae 2f\n"
	"	mov (%rbx), %rax\n"
	"	mov 8(%rbx), %rdi\n"
	"	mov 16(%rbx), %rsi\n"
	"	mov 24(%rbx), %rdx\n"
	"	mov 32(%rbx), %r10\n"
	"	mov 40(%rbx), %r8\n"
	"	mov 48(%rbx), %r9\n"
	"	syscall\n"
	"	cmp $-4095, %rax\n" /* -errno: stop here */
	"	jae 2f\n"
	"	add $56, %rbx\n"
	"	inc %r13\n"
	"	jmp 1b\n"
	"2:	int3\n"
	"	jmp rv_stub_pause\n"
	".globl rv_stub_clone\n"
	".hidden rv_stub_clone\n"
	"rv_stub_clone:\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jz rv_stub_pause\n" /* the new thread: idle */
	"	int3\n"
	"	jmp rv_stub_pause\n"
	".globl rv_stub_syscall\n"
	".hidden rv_stub_syscall\n"
	"rv_stub_syscall:\n"
	"	syscall\n"
	"	int3\n"
	"	jmp rv_stub_pause\n"
	".globl rv_stub_end\n"
	".hidden rv_stub_end\n"
	"rv_stub_end:\n"
	".popsection\n");

extern const char rv_stub_begin[], rv_stub_pause[], rv_stub_batch[],
	rv_stub_clone[], rv_stub_syscall[], rv_stub_end[];

#define STUB_OFF(sym) ((uint64_t)((sym) - rv_stub_begin))

uint64_t pt_stub_pause_addr(void)
{
	return PT_STUB_CODE_ADDR + STUB_OFF(rv_stub_pause);
}
uint64_t pt_stub_batch_addr(void)
{
	return PT_STUB_CODE_ADDR + STUB_OFF(rv_stub_batch);
}
uint64_t pt_stub_clone_addr(void)
{
	return PT_STUB_CODE_ADDR + STUB_OFF(rv_stub_clone);
}
uint64_t pt_stub_syscall_addr(void)
{
	return PT_STUB_CODE_ADDR + STUB_OFF(rv_stub_syscall);
}

static struct sock_fprog stub_prog;
static pid_t sentry_pid;

/* What the stub may do on the host. Everything else kills the stub
 * process: a stub that tries anything else has been subverted. */
int pt_stub_filter_build(const char *arg, scmp_filter_ctx *out)
{
	scmp_filter_ctx sc = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	(void)arg;
	if (!sc)
		return -ENOMEM;
	/* Mappings only of the memory file, only shared and fixed: the stub
	 * never gets memory the sentry did not place. */
	rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 2,
			      SCMP_A3(SCMP_CMP_EQ, MAP_SHARED | MAP_FIXED),
			      SCMP_A4(SCMP_CMP_EQ, PT_STUB_MEMFD));
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(munmap), 0);
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 0);
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_EQ, PT_CLONE_FLAGS));
	/* The factory makes new stubs: children of the sentry, nothing
	 * shared. */
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				      SCMP_A0(SCMP_CMP_EQ,
					      CLONE_PARENT | SIGCHLD));
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 2,
				      SCMP_A0(SCMP_CMP_EQ, PR_SET_PDEATHSIG),
				      SCMP_A1(SCMP_CMP_EQ, SIGKILL));
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(exit), 0);
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(pause), 0);
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(write), 1,
				      SCMP_A0(SCMP_CMP_EQ, PT_STUB_READYFD));
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ALLOW, SCMP_SYS(close), 1,
				      SCMP_A0(SCMP_CMP_EQ, PT_STUB_READYFD));
	/* The vsyscall page is emulated by the host kernel without a
	 * ptrace stop, consulting only seccomp: answer ENOSYS rather than
	 * reading the host clock or killing the stub. */
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(gettimeofday), 0);
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(time), 0);
	if (!rc)
		rc = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOSYS),
				      SCMP_SYS(getcpu), 0);
	if (rc) {
		seccomp_release(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

/* The program the build compiled from pt_stub_filter_build
 * (runtime/bpf.h). */
static int stub_filter_build(void)
{
	return rv_bpf_get("ptrace-stub", &stub_prog);
}

static __attribute__((noreturn)) void child_die(void)
{
	syscall(SYS_exit_group, 127);
	__builtin_unreachable();
}

/* In the forked child, before anything of the sentry is dropped. Only
 * raw system calls and memcpy: other sentry threads may have held locks
 * at fork time. */
static __attribute__((noreturn)) void stub_child(int memfd, int readyfd,
						 uint64_t ops_off)
{
	struct {
		uint64_t handler, flags, restorer, mask;
	} ksa = {0};
	uint64_t mask = 0;
	void *p;
	int a, b;

	/* Keyboard signals to the sentry's process group must not reach
	 * the stub; when the sentry dies the stub must die with it. */
	if (syscall(SYS_setpgid, 0, 0) < 0)
		child_die();
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != sentry_pid)
		child_die();

	/* Keep only the memory file and the ready pipe, at fixed numbers. */
	a = fcntl(memfd, F_DUPFD, 64);
	b = fcntl(readyfd, F_DUPFD, 64);
	if (a < 0 || b < 0 || dup2(a, PT_STUB_MEMFD) < 0 ||
	    dup2(b, PT_STUB_READYFD) < 0)
		child_die();
	if (syscall(SYS_close_range, 0, PT_STUB_MEMFD - 1, 0) < 0 ||
	    syscall(SYS_close_range, PT_STUB_READYFD + 1, ~0U, 0) < 0)
		child_die();

	/* glibc registered this thread's rseq area in the sentry's TLS,
	 * which is about to go: the kernel would then fail to update it on
	 * the next return to user mode and kill the stub with SIGSEGV. */
	if (__rseq_size > 0) {
		void *rs = (char *)__builtin_thread_pointer() + __rseq_offset;
		if (syscall(SYS_rseq, rs, 32, RSEQ_FLAG_UNREGISTER,
			    RSEQ_SIG) < 0 &&
		    syscall(SYS_rseq, rs, __rseq_size, RSEQ_FLAG_UNREGISTER,
			    RSEQ_SIG) < 0)
			child_die();
	}

	/* Default dispositions, nothing blocked: the sentry's handlers are
	 * about to be unmapped, and the interrupt signal must stop a stub
	 * thread at once. That one is ignored (see PT_INTR_SIG). */
	for (int sig = 1; sig <= 64; sig++) {
		ksa.handler = sig == PT_INTR_SIG ? (uint64_t)SIG_IGN : 0;
		syscall(SYS_rt_sigaction, sig, &ksa, NULL, 8);
	}
	if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, 8) < 0)
		child_die();

	p = mmap((void *)PT_STUB_CODE_ADDR, RV_PAGE_SIZE,
		 PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	if (p != (void *)PT_STUB_CODE_ADDR)
		child_die();
	memcpy(p, rv_stub_begin, rv_stub_end - rv_stub_begin);
	if (mprotect(p, RV_PAGE_SIZE, PROT_READ | PROT_EXEC) < 0)
		child_die();
	p = mmap((void *)PT_STUB_OPS_ADDR, RV_PAGE_SIZE, PROT_READ,
		 MAP_SHARED | MAP_FIXED, PT_STUB_MEMFD, (off_t)ops_off);
	if (p != (void *)PT_STUB_OPS_ADDR)
		child_die();

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &stub_prog) < 0)
		child_die();
	/* No stack from here on: the stub code unmaps it. */
	__asm__ volatile("jmp *%0" ::"r"(PT_STUB_CODE_ADDR) : "memory");
	__builtin_unreachable();
}

static pid_t stub_fork(uint64_t ops_off)
{
	int pfd[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pfd[0]);
		close(pfd[1]);
		return -e;
	}
	if (pid == 0)
		stub_child(memfile_fd(), pfd[1], ops_off);
	close(pfd[1]);
	n = rv_read_full(pfd[0], &c, 1);
	close(pfd[0]);
	if (n != 1) {
		/* The child died during set-up: reap it and say so. */
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
		return -ECHILD;
	}
	return pid;
}

/* The thread that forks the factory stub and then lives, idle, as long as
 * the platform: the parent thread of every stub. */
static pthread_mutex_t fac_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fac_cond = PTHREAD_COND_INITIALIZER;
static bool fac_started, fac_stop, fac_running, fac_refork;
static pid_t fac_pid;
static int64_t fac_ops_off = -1;
static pthread_t fac_thread;

static void *stub_factory(void *arg)
{
	sigset_t all;

	(void)arg;
	/* Sentry signals are for task threads; the stubs start with a clean
	 * mask anyway. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pid_t pid = stub_fork((uint64_t)fac_ops_off);
	pthread_mutex_lock(&fac_lock);
	fac_pid = pid;
	fac_started = true;
	pthread_cond_broadcast(&fac_cond);
	for (;;) {
		while (!fac_stop && !fac_refork)
			pthread_cond_wait(&fac_cond, &fac_lock);
		if (fac_stop)
			break;
		/* The factory was killed from outside: reap it, make
		 * another. */
		pthread_mutex_unlock(&fac_lock);
		if (pid > 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
				;
		}
		pid = stub_fork((uint64_t)fac_ops_off);
		pthread_mutex_lock(&fac_lock);
		fac_pid = pid;
		fac_refork = false;
		pthread_cond_broadcast(&fac_cond);
	}
	pthread_mutex_unlock(&fac_lock);
	if (pid > 0) {
		kill(pid, SIGKILL);
		while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

pid_t pt_stub_factory(void)
{
	pid_t pid;

	pthread_mutex_lock(&fac_lock);
	while (fac_running && !fac_started)
		pthread_cond_wait(&fac_cond, &fac_lock);
	pid = fac_pid;
	pthread_mutex_unlock(&fac_lock);
	return pid;
}

pid_t pt_stub_factory_renew(pid_t dead)
{
	pid_t pid;

	pthread_mutex_lock(&fac_lock);
	if (fac_running && fac_pid == dead) {
		fac_refork = true;
		pthread_cond_broadcast(&fac_cond);
		while (fac_refork)
			pthread_cond_wait(&fac_cond, &fac_lock);
	}
	pid = fac_pid;
	pthread_mutex_unlock(&fac_lock);
	return pid;
}

int pt_stub_init(void)
{
	int rc;

	if (memfile_fd() < 0)
		return -EBADF;
	/* The stub code must fit its page. */
	RV_BUG_ON(rv_stub_end - rv_stub_begin > (long)RV_PAGE_SIZE);
	sentry_pid = getpid();
	if (!stub_prog.filter) {
		rc = stub_filter_build();
		if (rc)
			return rc;
	}
	pthread_mutex_lock(&fac_lock);
	if (fac_running) {
		pthread_mutex_unlock(&fac_lock);
		return 0;
	}
	fac_ops_off = memfile_alloc(1);
	if (fac_ops_off < 0) {
		pthread_mutex_unlock(&fac_lock);
		return -ENOMEM;
	}
	fac_stop = fac_started = false;
	rc = -pthread_create(&fac_thread, NULL, stub_factory, NULL);
	if (rc) {
		memfile_decref(fac_ops_off, 1);
		pthread_mutex_unlock(&fac_lock);
		return rc;
	}
	/* Not waited for here: the fork of the factory (~0.5 ms) overlaps
	 * the rest of start-up, and its first user (pt_stub_factory) waits.
	 * A factory that could not start is seen there, as the first stub
	 * failing. */
	fac_running = true;
	pthread_mutex_unlock(&fac_lock);
	return 0;
}

/* Ends the factory and its thread; every stub dies with that thread
 * (PR_SET_PDEATHSIG). */
void pt_stub_fini(void)
{
	pthread_mutex_lock(&fac_lock);
	if (!fac_running) {
		pthread_mutex_unlock(&fac_lock);
		return;
	}
	fac_stop = true;
	fac_running = false;
	pthread_cond_broadcast(&fac_cond);
	pthread_mutex_unlock(&fac_lock);
	pthread_join(fac_thread, NULL);
	memfile_decref(fac_ops_off, 1);
	fac_pid = 0;
}
