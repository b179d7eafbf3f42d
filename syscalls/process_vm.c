/* process_vm_readv(2) / process_vm_writev(2) between sandbox processes:
 * the remote pages are pinned (mm_iovecs_pin) while the local side is
 * copied, so an munmap by the target cannot hand them to someone else in
 * the middle. Access as PTRACE_MODE_ATTACH_REALCREDS inside the sandbox:
 * the same real uid as the target's uids, or root. */
#include <errno.h>
#include <limits.h>
#include <sys/uio.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

#define PVM_IOV_MAX 1024 /* IOV_MAX */
/* Remote bytes pinned at a time. */
#define PVM_CHUNK (256UL << 10)
#define PVM_PIECES (PVM_CHUNK / RV_PAGE_SIZE + 1)

static int pvm_iov_in(struct task *t, uint64_t uaddr, uint64_t cnt,
		      struct iovec **out)
{
	if (cnt > PVM_IOV_MAX)
		return -EINVAL;
	struct iovec *v = rv_xmalloc((size_t)(cnt ? cnt : 1) * sizeof(*v));
	if (cnt && mm_copy_in(t->mm, v, uaddr, (size_t)cnt * sizeof(*v))) {
		free(v);
		return -EFAULT;
	}
	/* import_iovec(): the lengths' sum must fit ssize_t. */
	size_t total = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		if ((ssize_t)v[i].iov_len < 0 ||
		    __builtin_add_overflow(total, v[i].iov_len, &total) ||
		    total > (size_t)SSIZE_MAX) {
			free(v);
			return -EINVAL;
		}
	}
	*out = v;
	return 0;
}

static bool pvm_may_access(const struct cred *c, const struct cred *o)
{
	if (c->euid == 0)
		return true;
	return c->uid == o->uid && c->uid == o->euid && c->uid == o->suid &&
	       c->gid == o->gid && c->gid == o->egid && c->gid == o->sgid;
}

static long pvm_rw(struct task *t, const uint64_t a[6], bool write)
{
	int pid = (int)a[0];
	if (a[5])
		return -EINVAL;
	struct iovec *lv = NULL, *rv = NULL;
	long r = pvm_iov_in(t, a[1], a[2], &lv);
	if (r)
		return r;
	r = pvm_iov_in(t, a[3], a[4], &rv);
	if (r) {
		free(lv);
		return r;
	}
	size_t nl = (size_t)a[2], nr = (size_t)a[4];
	struct task *o = pid > 0 ? task_find(pid) : NULL;
	struct mm *om = NULL;
	if (!o) {
		r = -ESRCH;
		goto out;
	}
	/* Its own process always (__ptrace_may_access()). */
	if (o->tg != t->tg && !pvm_may_access(&t->cred, &o->cred)) {
		r = -EPERM;
		goto out;
	}
	/* A task that has released its memory (exiting) has none. The
	 * reference is taken under res_lock, against the target's exec or
	 * exit freeing the mm between our load and our get. */
	task_res_read_lock(o);
	om = o->exited ? NULL : o->mm;
	if (om)
		mm_get(om);
	task_res_read_unlock(o);
	if (!om) {
		r = -ESRCH;
		goto out;
	}

	size_t done = 0, li = 0, loff = 0;
	bool fault = false;
	struct iovec pv[PVM_PIECES];
	for (size_t ri = 0; ri < nr && !fault && li < nl; ri++) {
		uint64_t va = (uint64_t)(uintptr_t)rv[ri].iov_base;
		size_t left = rv[ri].iov_len;
		while (left && !fault) {
			while (li < nl && loff == lv[li].iov_len) {
				li++;
				loff = 0;
			}
			if (li == nl)
				break;
			size_t chunk = left < PVM_CHUNK ? left : PVM_CHUNK;
			size_t covered = 0;
			int n = mm_iovecs_pin(om, va, chunk, write, pv,
					      (int)PVM_PIECES, &covered);
			if (n < 0) {
				fault = true;
				break;
			}
			size_t moved = 0;
			for (int k = 0; k < n && !fault; k++) {
				char *p = pv[k].iov_base;
				size_t plen = pv[k].iov_len;
				while (plen && li < nl) {
					size_t room = lv[li].iov_len - loff;
					size_t m = plen < room ? plen : room;
					uint64_t lva = (uint64_t)(uintptr_t)
							       lv[li].iov_base +
						       loff;
					int e = write ? mm_copy_in(t->mm, p, lva,
								   m)
						      : mm_copy_out(t->mm, lva,
								    p, m);
					if (e) {
						fault = true;
						break;
					}
					p += m;
					plen -= m;
					moved += m;
					loff += m;
					if (loff == lv[li].iov_len) {
						li++;
						loff = 0;
					}
				}
				if (plen)
					break; /* local side exhausted */
			}
			mm_iovecs_release(pv, (size_t)n);
			done += moved;
			va += moved;
			left -= moved;
			if (moved < chunk && !fault && li < nl)
				fault = covered < chunk; /* remote hole */
			if (moved == 0)
				break;
		}
	}
	r = done ? (long)done : fault ? -EFAULT : 0;
out:
	if (om)
		mm_put(om);
	if (o)
		task_put(o);
	free(lv);
	free(rv);
	return r;
}

long sys_process_vm_readv(struct task *t, const uint64_t a[6])
{
	return pvm_rw(t, a, false);
}

long sys_process_vm_writev(struct task *t, const uint64_t a[6])
{
	return pvm_rw(t, a, true);
}
