/* The floor of the ptrace platform: the bare PTRACE_SYSEMU round trip
 * (resume, wait, GETREGS, write the result, SETREGS) between a tracer and a
 * tracee pinned to one CPU, with nothing of ringvisor around it.
 *
 *   cc -O2 -o ptrace_floor ptrace_floor.c && ./ptrace_floor [iterations]
 *   ptrace_floor_us 3.41
 *
 * Pinning matters: on the project's virtual machines a wake-up on the other
 * CPU costs ~30 us (notes/kvm-on-these-machines.md). */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	struct user_regs_struct r;
	cpu_set_t one;
	pid_t pid;
	int st;

	if (n <= 0)
		n = 100000;
	/* Both on the CPU the tracer is on now; the child inherits it. */
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		die("sched_setaffinity");

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		raise(SIGSTOP);
		/* getppid forever; every call stops under SYSEMU. */
		__asm__ volatile("1: mov %0, %%eax\n syscall\n jmp 1b" ::"i"(
					 SYS_getppid)
				 : "rax", "rcx", "r11", "memory");
		_exit(0);
	}
	if (waitpid(pid, &st, WUNTRACED) < 0 || !WIFSTOPPED(st))
		die("waitpid");
	if (ptrace(PTRACE_SEIZE, pid, 0,
		   PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) < 0)
		die("PTRACE_SEIZE");
	kill(pid, SIGCONT);
	/* Reach the first syscall stop. */
	for (;;) {
		if (waitpid(pid, &st, __WALL) < 0)
			die("waitpid");
		if (WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80))
			break;
		if (ptrace(PTRACE_SYSEMU, pid, 0, 0) < 0)
			die("PTRACE_SYSEMU");
	}

	double best = 1e30;
	for (int round = 0; round < 3; round++) {
		double t0 = now_us();
		for (long i = 0; i < n; i++) {
			if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
				die("PTRACE_GETREGS");
			r.rax = 1;
			r.orig_rax = -1;
			if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0)
				die("PTRACE_SETREGS");
			if (ptrace(PTRACE_SYSEMU, pid, 0, 0) < 0)
				die("PTRACE_SYSEMU");
			if (waitpid(pid, &st, __WALL) < 0 || !WIFSTOPPED(st))
				die("waitpid");
		}
		double us = (now_us() - t0) / n;
		if (us < best)
			best = us;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, __WALL);
	printf("ptrace_floor_us %.3f\n", best);
	return 0;
}
