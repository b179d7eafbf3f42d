/* runtime/bpf.h: every filter compiles with libseccomp, and a compiled
 * program loaded raw (as build/ringvisor loads the build's copy) confines
 * as the rules say. */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/bpf.h"

static int failed;

static void check(int ok, const char *what)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", what);
	if (!ok)
		failed = 1;
}

int main(void)
{
	char what[128];

	for (size_t i = 0; i < rv_bpf_nbuilders; i++) {
		struct sock_fprog p = {0};
		int r = rv_bpf_compile(rv_bpf_builders[i].name, &p);
		snprintf(what, sizeof(what), "%s compiles (%u insns)",
			 rv_bpf_builders[i].name, p.len);
		check(r == 0 && p.len > 4, what);
		free(p.filter);
	}
	struct sock_fprog p;
	check(rv_bpf_get("no-such-filter", &p) == -ENOENT,
	      "an unknown filter is ENOENT");

	/* The gofer's filter, loaded raw: write(2, ...) is allowed, getppid
	 * kills the process with SIGSYS (not getpid, which a sanitizer
	 * build's filter allows for abort()). */
	check(rv_bpf_get("gofer", &p) == 0, "gofer filter available");
	pid_t pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    rv_bpf_load(&p, 0) < 0)
			_exit(2);
		if (write(2, "", 0) < 0)
			_exit(3);
		syscall(SYS_getppid);
		_exit(4);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	      "gofer filter loaded raw allows write(2) and kills on getppid");

	/* TSYNC on a single-threaded process: the sentry's flag works. */
	check(rv_bpf_get("sentry-ptrace", &p) == 0, "sentry filter available");
	pid = fork();
	if (pid == 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    rv_bpf_load(&p, SECCOMP_FILTER_FLAG_TSYNC) < 0)
			_exit(2);
		/* execve is not in the sentry's list: SIGSYS (trap, no
		 * handler: the process dies of it). */
		char *argv[] = {"/bin/true", NULL};
		syscall(SYS_execve, "/bin/true", argv, NULL);
		_exit(4);
	}
	waitpid(pid, &st, 0);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	      "sentry filter loaded raw with TSYNC refuses execve");
	return failed;
}
