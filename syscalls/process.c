/* Thread and process life: exit(2), exit_group(2), arch_prctl(2),
 * set_tid_address(2), set_robust_list(2). */
#include <asm/prctl.h>
#include <string.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <linux/sched.h>

#include "sentry/kernel/exec.h"
#include "sentry/kernel/futex.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

long sys_exit(struct task *t, const uint64_t a[6])
{
	t->exit_code = W_EXITCODE((int)a[0] & 0xff, 0);
	t->exited = true;
	return 0;
}

long sys_exit_group(struct task *t, const uint64_t a[6])
{
	task_exit_group(t, W_EXITCODE((int)a[0] & 0xff, 0));
	return 0;
}

long sys_arch_prctl(struct task *t, const uint64_t a[6])
{
	rv_regs_t *r = &t->ctx->regs;
	uint64_t v;

	switch (a[0]) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		/* A base outside user space would fault in the kernel on
		 * Linux's return path: it refuses it with EPERM. */
		if (a[1] >= 0x800000000000ULL)
			return -EPERM;
		if (a[0] == ARCH_SET_FS)
			r->fs_base = a[1];
		else
			r->gs_base = a[1];
		return 0;
	case ARCH_GET_FS:
	case ARCH_GET_GS:
		v = a[0] == ARCH_GET_FS ? r->fs_base : r->gs_base;
		return mm_copy_out(t->mm, a[1], &v, sizeof(v));
	case ARCH_GET_CPUID:
		return 1; /* cpuid is not faulting */
	case ARCH_SET_CPUID:
		return -ENODEV; /* no CPUID faulting support */
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(struct task *t, const uint64_t a[6])
{
	t->clear_child_tid = a[0];
	return t->tid;
}

long sys_set_robust_list(struct task *t, const uint64_t a[6])
{
	/* sizeof(struct robust_list_head) on x86-64 */
	if (a[1] != 24)
		return -EINVAL;
	t->robust_list = a[0];
	t->robust_len = a[1];
	return 0;
}

long sys_get_robust_list(struct task *t, const uint64_t a[6])
{
	uint64_t head, len = 24;
	int pid = (int)a[0];
	if (pid != 0 && pid != t->tid) {
		struct task *o = task_find(pid);
		if (!o)
			return -ESRCH;
		head = o->robust_list;
		task_put(o);
	} else {
		head = t->robust_list;
	}
	if (mm_copy_out(t->mm, a[1], &head, sizeof(head)) < 0 ||
	    mm_copy_out(t->mm, a[2], &len, sizeof(len)) < 0)
		return -EFAULT;
	return 0;
}

/* --- clone, fork, exec, wait ------------------------------------------------ */

long sys_clone(struct task *t, const uint64_t a[6])
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls. */
	struct clone_req req = {
		.flags = a[0] & ~0xffULL,
		.exit_signal = a[0] & 0xff,
		.stack = a[1],
		.parent_tid = a[2],
		.child_tid = a[3],
		.tls = a[4],
		/* clone(2) returns the pidfd where the parent tid would go,
		 * so the two cannot be asked for together. */
		.pidfd = a[2],
	};
	if ((req.flags & CLONE_PIDFD) && (req.flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	return process_clone(t, &req);
}

long sys_fork(struct task *t, const uint64_t a[6])
{
	(void)a;
	struct clone_req req = {.exit_signal = SIGCHLD};
	return process_clone(t, &req);
}

long sys_vfork(struct task *t, const uint64_t a[6])
{
	(void)a;
	struct clone_req req = {.flags = CLONE_VM | CLONE_VFORK,
				.exit_signal = SIGCHLD};
	return process_clone(t, &req);
}

long sys_clone3(struct task *t, const uint64_t a[6])
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
		uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
	} ca;
	size_t size = a[1];

	/* clone3(2): the struct may grow; unknown trailing bytes must be
	 * zero (E2BIG otherwise), and it has a minimum size. */
	if (size < 64 || size > 4096)
		return size < 64 ? -EINVAL : -E2BIG;
	memset(&ca, 0, sizeof(ca));
	if (mm_copy_in(t->mm, &ca, a[0], RV_MIN(size, sizeof(ca))) < 0)
		return -EFAULT;
	for (size_t off = sizeof(ca); off < size; off++) {
		uint8_t b;
		if (mm_copy_in(t->mm, &b, a[0] + off, 1) < 0)
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (ca.flags & 0xff)
		return -EINVAL; /* the exit signal has its own field */
	if (ca.set_tid || ca.set_tid_size)
		return -EPERM;
	if (ca.flags & (1ULL << 33) /* CLONE_INTO_CGROUP */)
		return -EINVAL;
	if ((ca.stack == 0) != (ca.stack_size == 0))
		return -EINVAL;
	struct clone_req req = {
		.flags = ca.flags,
		.exit_signal = ca.exit_signal,
		.stack = ca.stack,
		.stack_size = ca.stack_size,
		.parent_tid = ca.parent_tid,
		.child_tid = ca.child_tid,
		.tls = ca.tls,
		.pidfd = ca.pidfd,
	};
	return process_clone(t, &req);
}

/* Linux's limits on execve arguments: MAX_ARG_STRLEN per string, and the
 * whole of argv+envp within a quarter of the stack limit (at most 6 MiB
 * here, as with the usual 8 MiB stack ulimit... capped). */
#define MAX_ARG_STRLEN (32 * 4096)
#define MAX_ARG_TOTAL (2 * 1024 * 1024)
#define MAX_ARG_COUNT 0x7fffffff

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static long strv_copy_in(struct task *t, uint64_t addr, size_t *total,
			 char ***out)
{
	size_t n = 0, cap = 16;
	char **v = rv_xcalloc(cap, sizeof(char *));
	char *buf = rv_xmalloc(MAX_ARG_STRLEN);
	long r = 0;

	while (addr) {
		uint64_t p;
		if (mm_copy_in(t->mm, &p, addr + n * 8, 8) < 0) {
			r = -EFAULT;
			goto fail;
		}
		if (!p)
			break;
		ssize_t len = mm_copy_in_str(t->mm, buf, p, MAX_ARG_STRLEN);
		if (len == -ENAMETOOLONG) {
			r = -E2BIG;
			goto fail;
		}
		if (len < 0) {
			r = len;
			goto fail;
		}
		*total += (size_t)len + 1 + sizeof(char *);
		if (*total > MAX_ARG_TOTAL || n >= MAX_ARG_COUNT) {
			r = -E2BIG;
			goto fail;
		}
		if (n + 1 >= cap) {
			cap *= 2;
			v = rv_xrealloc(v, cap * sizeof(char *));
		}
		v[n++] = rv_xstrdup(buf);
		v[n] = NULL;
	}
	free(buf);
	*out = v;
	return 0;
fail:
	free(buf);
	strv_free(v);
	return r;
}

static long do_execve(struct task *t, int dirfd, uint64_t upath,
		      uint64_t uargv, uint64_t uenvp, int flags)
{
	char *path = rv_xmalloc(4096);
	char **argv = NULL, **envp = NULL;
	size_t total = 0;
	long r;

	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) {
		r = -EINVAL;
		goto out;
	}
	ssize_t n = mm_copy_in_str(t->mm, path, upath, 4096);
	if (n < 0) {
		r = n;
		goto out;
	}
	if ((r = strv_copy_in(t, uargv, &total, &argv)) < 0)
		goto out;
	if ((r = strv_copy_in(t, uenvp, &total, &envp)) < 0)
		goto out;
	if (!argv[0]) {
		/* An empty argv gets argv[0] = "" as Linux 6.x does. */
		argv = rv_xrealloc(argv, 2 * sizeof(char *));
		argv[0] = rv_xstrdup("");
		argv[1] = NULL;
	}
	r = kernel_execve(t, dirfd, path, argv, envp, flags, NULL, 0);
out:
	free(path);
	strv_free(argv);
	strv_free(envp);
	return r;
}

long sys_execve(struct task *t, const uint64_t a[6])
{
	return do_execve(t, AT_FDCWD, a[0], a[1], a[2], 0);
}

long sys_execveat(struct task *t, const uint64_t a[6])
{
	return do_execve(t, (int)a[0], a[1], a[2], a[3], (int)a[4]);
}

long sys_wait4(struct task *t, const uint64_t a[6])
{
	return process_wait4(t, (int)a[0], a[1], (int)a[2], a[3]);
}

long sys_waitid(struct task *t, const uint64_t a[6])
{
	return process_waitid(t, (int)a[0], (int)a[1], a[2], (int)a[3], a[4]);
}

long sys_futex(struct task *t, const uint64_t a[6])
{
	return futex_syscall(t, a[0], (int)a[1], (uint32_t)a[2], a[3], a[4],
			     (uint32_t)a[5]);
}

long sys_restart_syscall(struct task *t, const uint64_t a[6])
{
	(void)t;
	(void)a;
	/* Restart blocks are not kept: the interrupted call reports EINTR. */
	return -EINTR;
}

