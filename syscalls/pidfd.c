/* Process file descriptors (pidfd_open(2), pidfd_send_signal(2),
 * pidfd_getfd(2), waitid(P_PIDFD), clone's CLONE_PIDFD): an anonymous file
 * holding a reference on a thread group. It polls readable once the
 * process has exited (Linux's pidfd_poll), woken by process_exit_wq. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/fs/proc/proc.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

#define RV_PIDFD_NONBLOCK O_NONBLOCK
#define RV_PIDFD_THREAD O_EXCL

static unsigned int pidfd_poll(struct file *f, struct poll_table *pt)
{
	struct thread_group *tg = f->priv;
	poll_wait(&process_exit_wq, pt);
	/* Readable once the process has exited, and hung up too once it
	 * has been reaped (no longer in the kernel's list). */
	kernel_lock();
	bool dead = tg->zombie, listed = false;
	kernel_for_each_tg_locked(g, {
		if (g == tg) {
			listed = true;
			break;
		}
	});
	kernel_unlock();
	if (!listed)
		return POLLIN | POLLRDNORM | POLLHUP;
	return dead ? POLLIN | POLLRDNORM : 0;
}

static void pidfd_release(struct file *f)
{
	kernel_tg_put(f->priv);
}

static const struct file_operations pidfd_fops = {
	.poll = pidfd_poll,
	.release = pidfd_release,
};

struct file *pidfd_file_create(struct thread_group *tg, unsigned int flags)
{
	atomic_fetch_add(&tg->refs, 1);
	return anon_file_create(&pidfd_fops, tg,
				O_RDWR | (flags & O_NONBLOCK),
				"anon_inode:[pidfd]", 0600);
}

/* The thread group of pidfd fd with a reference, or NULL (*err: EBADF). */
static struct thread_group *pidfd_get(struct task *t, int fd, int *err,
				      unsigned int *fflags)
{
	struct file *f = fd_get(t->files, fd);
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (f->ops != &pidfd_fops) {
		file_put(f);
		*err = -EBADF;
		return NULL;
	}
	struct thread_group *tg = f->priv;
	atomic_fetch_add(&tg->refs, 1);
	if (fflags)
		*fflags = f->flags;
	file_put(f);
	return tg;
}

int pidfd_tgid(struct task *t, int fd, bool *nonblock)
{
	int err = 0;
	unsigned int fl = 0;
	struct thread_group *tg = pidfd_get(t, fd, &err, &fl);
	if (!tg)
		return err;
	int tgid = tg->tgid;
	kernel_tg_put(tg);
	*nonblock = fl & O_NONBLOCK;
	return tgid;
}

/* The thread group tgid (zombies too) with a reference, or NULL. */
static struct thread_group *tg_find_get(int tgid)
{
	struct thread_group *tg = NULL;
	kernel_lock();
	kernel_for_each_tg_locked(g, {
		if (g->tgid == tgid) {
			tg = g;
			break;
		}
	});
	if (tg)
		atomic_fetch_add(&tg->refs, 1);
	kernel_unlock();
	return tg;
}

long sys_pidfd_open(struct task *t, const uint64_t a[6])
{
	int pid = (int)a[0];
	if (a[1] & ~(uint64_t)(RV_PIDFD_NONBLOCK | RV_PIDFD_THREAD))
		return -EINVAL;
	if (pid <= 0 || a[0] > INT32_MAX)
		return -EINVAL;
	/* Zombies count: the pid exists until reaped. A thread that is not
	 * a group leader needs PIDFD_THREAD, which is not supported. */
	struct thread_group *tg = tg_find_get(pid);
	if (!tg) {
		kernel_lock();
		bool thread = kernel_find_task_locked(pid) != NULL;
		kernel_unlock();
		return thread ? -EINVAL : -ESRCH;
	}
	struct file *f = pidfd_file_create(tg, (unsigned)a[1]);
	kernel_tg_put(tg);
	if (t->tg)
		fd_set_thread_limit(t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
	int fd = fd_install(t->files, f, 0, true);
	file_put(f);
	return fd;
}

long sys_pidfd_send_signal(struct task *t, const uint64_t a[6])
{
	int sig = (int)a[1];
	/* PIDFD_SIGNAL_THREAD (1), _THREAD_GROUP (2), _PROCESS_GROUP (4):
	 * only the default, the thread group, is supported. */
	if (a[3] & ~2ULL)
		return a[3] & ~7ULL ? -EINVAL : -EOPNOTSUPP;
	if (sig < 0 || sig > RV_NSIG)
		return -EINVAL;
	int err = 0;
	struct thread_group *tg = pidfd_get(t, (int)a[0], &err, NULL);
	if (!tg) {
		/* A /proc/<pid> directory stands for a pidfd here. */
		struct file *f = fd_get(t->files, (int)a[0]);
		int tgid = f ? procfs_dir_tgid(f) : 0;
		if (f)
			file_put(f);
		if (!tgid)
			return err;
		tg = tg_find_get(tgid);
		if (!tg)
			return -ESRCH;
	}
	struct ksiginfo info = {.signo = sig, .code = SI_USER,
				.pid = t->tg->tgid, .uid = (int)t->cred.uid};
	long r = 0;
	if (a[2]) {
		struct {
			int32_t signo, errno_, code, pad;
			int32_t pid, uid;
			uint64_t value;
		} si;
		if (mm_copy_in(t->mm, &si, a[2], sizeof(si)) < 0) {
			r = -EFAULT;
			goto out;
		}
		if (si.signo != sig) {
			r = -EINVAL;
			goto out;
		}
		/* As rt_sigqueueinfo: a process may not forge kill(2) or
		 * kernel codes for another one. */
		if (tg != t->tg && (si.code >= 0 || si.code == SI_TKILL)) {
			r = -EPERM;
			goto out;
		}
		info.code = si.code;
		info.errno_ = si.errno_;
		info.pid = si.pid;
		info.uid = si.uid;
		info.value = si.value;
	}
	kernel_lock();
	bool dead = tg->zombie || tg->exiting;
	kernel_unlock();
	if (dead)
		r = -ESRCH;
	else if (tg->leader && !process_may_signal(t, tg->leader, sig))
		r = -EPERM;
	else if (sig)
		r = kernel_send_signal_tg(tg, &info);
out:
	kernel_tg_put(tg);
	return r;
}

long sys_pidfd_getfd(struct task *t, const uint64_t a[6])
{
	if (a[2])
		return -EINVAL;
	int err = 0;
	struct thread_group *tg = pidfd_get(t, (int)a[0], &err, NULL);
	if (!tg)
		return err;
	int tgid = tg->tgid;
	kernel_tg_put(tg);
	struct task *o = task_find(tgid);
	if (!o)
		return -ESRCH;
	long r;
	/* PTRACE_MODE_ATTACH_REALCREDS inside the sandbox (Linux's
	 * __ptrace_may_access): the caller's own process, or its real uid
	 * and gid are every uid and gid of the target, or it has
	 * CAP_SYS_PTRACE (effective uid 0). */
	const struct cred *c = &t->cred, *oc = &o->cred;
	bool may = o->tg == t->tg || c->euid == 0 ||
		   (c->uid == oc->uid && c->uid == oc->euid &&
		    c->uid == oc->suid && c->gid == oc->gid &&
		    c->gid == oc->egid && c->gid == oc->sgid);
	if (!may) {
		r = -EPERM;
	} else {
		/* Under res_lock: the target's exec or exit may free its
		 * table. */
		task_res_read_lock(o);
		bool gone = o->exited || !o->files;
		struct file *f = gone ? NULL : fd_get(o->files, (int)a[1]);
		task_res_read_unlock(o);
		if (gone) {
			r = -ESRCH;
		} else if (!f) {
			r = -EBADF;
		} else {
			if (t->tg)
				fd_set_thread_limit(
					t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
			r = fd_install(t->files, f, 0, true);
			file_put(f);
		}
	}
	task_put(o);
	return r;
}
