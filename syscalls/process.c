/* Thread and process life: exit(2), exit_group(2), arch_prctl(2),
 * set_tid_address(2), set_robust_list(2). */
#include <asm/prctl.h>
#include <string.h>
#include <sys/wait.h>

#include "sentry/kernel/kernel.h"
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
