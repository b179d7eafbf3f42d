/* execve(2): replace the task's program.
 *
 * The new address space is built completely before anything of the old
 * image is touched, so a failing exec (bad ELF, missing interpreter)
 * returns an error to the old program as Linux does. After that point:
 * other threads die, close-on-exec fds close, handled signals reset, and
 * the registers start fresh at the new entry point. */
#include "sentry/kernel/exec.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/loader/loader.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"
#include "syscalls/timer.h"

/* Linux's BINPRM_MAX_RECURSION: a script's interpreter may be a script,
 * four levels deep. */
#define MAX_INTERP_DEPTH 4
#define BINPRM_BUF_SIZE 256

static int exec_open(struct task *t, int dirfd, const char *path, int flags,
		     struct file **out)
{
	int oflags = O_RDONLY | O_CLOEXEC;
	if (flags & AT_SYMLINK_NOFOLLOW)
		oflags |= O_NOFOLLOW;
	if (path[0] == 0 && (flags & AT_EMPTY_PATH)) {
		struct file *f = fd_get(t->files, dirfd);
		if (!f)
			return -EBADF;
		*out = f;
		return 0;
	}
	if (path[0] == 0)
		return -ENOENT;
	int r = vfs_openat(t, dirfd, path, oflags, 0, out);
	return r == -ELOOP && (flags & AT_SYMLINK_NOFOLLOW) ? -ELOOP : r;
}

/* execve(2) EACCES rules: a regular file, not on a noexec mount, with an
 * execute bit the caller may use (root needs any x bit). */
static int exec_permission(struct task *t, struct file *f)
{
	struct kstat st;
	int r = vfs_fstat(f, &st);
	if (r < 0)
		return r;
	if (!S_ISREG(st.mode) || vfs_file_noexec(f))
		return -EACCES;
	unsigned int x;
	if (t->cred.euid == 0)
		x = st.mode & 0111;
	else if (st.uid == t->cred.euid)
		x = st.mode & 0100;
	else if (st.gid == t->cred.egid)
		x = st.mode & 0010;
	else
		x = st.mode & 0001;
	return x ? 0 : -EACCES;
}

/* "#!interp [arg]\n": fills interp and arg (possibly empty). 1 if the file
 * is a script, 0 if not, -ENOEXEC for a malformed line. */
static int parse_shebang(const char *buf, size_t len, char *interp,
			 size_t ilen, char *arg, size_t alen)
{
	if (len < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	/* The line ends at a newline or at the end of what was read. */
	const char *end = memchr(buf, '\n', len);
	if (!end)
		end = buf + len;
	const char *p = buf + 2;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *i0 = p;
	while (p < end && *p != ' ' && *p != '\t' && *p)
		p++;
	size_t n = (size_t)(p - i0);
	if (n == 0 || n >= ilen)
		return -ENOEXEC;
	memcpy(interp, i0, n);
	interp[n] = 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *a0 = p;
	const char *a1 = end;
	while (a1 > a0 && (a1[-1] == ' ' || a1[-1] == '\t' || a1[-1] == '\r' ||
			   a1[-1] == 0))
		a1--;
	n = (size_t)(a1 - a0);
	if (n >= alen)
		return -ENOEXEC;
	memcpy(arg, a0, n);
	arg[n] = 0;
	return 1;
}

/* The FPU state of a new program: FCW 0x37f, MXCSR 0x1f80 (FNINIT). */
static void fpstate_reset(struct platform_ctx *ctx)
{
	if (!ctx->fpstate_len)
		return;
	memset(ctx->fpstate, 0, ctx->fpstate_len);
	ctx->fpstate[0] = 0x7f;
	ctx->fpstate[1] = 0x03;
	uint32_t mxcsr = 0x1f80;
	memcpy(ctx->fpstate + 24, &mxcsr, 4);
	uint32_t mask = 0xffff;
	memcpy(ctx->fpstate + 28, &mask, 4);
	ctx->fpstate_dirty = true;
}

/* Kill every other thread of the group and wait for them to go
 * (de_thread() in Linux). */
static void exec_kill_other_threads(struct task *t)
{
	struct thread_group *tg = t->tg;
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		kernel_lock();
		int others = tg->nr_threads - 1;
		if (others > 0)
			kernel_exec_zap_others_locked(t);
		tg->execer = others > 0 ? t : NULL;
		kernel_unlock();
		if (others <= 0)
			break;
		task_wait_commit(t, seq, NULL);
	}
	kernel_lock();
	if (tg->leader != t)
		kernel_exec_become_leader_locked(t);
	kernel_unlock();
}

/* Handlers shared with another process (clone(CLONE_SIGHAND) without
 * CLONE_THREAD) are copied first, so that resetting ours leaves the other
 * process's alone (Linux's unshare_sighand()). */
static void unshare_sighand(struct task *t)
{
	struct sighand *old = t->tg->sighand, *sh = NULL;
	pthread_mutex_lock(&old->lock);
	if (old->refs > 1) {
		sh = rv_xcalloc(1, sizeof(*sh));
		pthread_mutex_init(&sh->lock, NULL);
		sh->refs = 1;
		memcpy(sh->action, old->action, sizeof(sh->action));
		/* Never the last reference: the other holder frees it. */
		old->refs--;
	}
	pthread_mutex_unlock(&old->lock);
	if (!sh)
		return;
	/* Senders read tg->sighand under the kernel lock. */
	kernel_lock();
	t->tg->sighand = sh;
	kernel_unlock();
}

static void reset_signal_handlers(struct task *t)
{
	unshare_sighand(t);
	struct sighand *sh = t->tg->sighand;
	pthread_mutex_lock(&sh->lock);
	for (int i = 1; i <= RV_NSIG; i++) {
		struct k_sigaction *a = &sh->action[i];
		if (a->handler != (uint64_t)(uintptr_t)SIG_IGN) {
			memset(a, 0, sizeof(*a));
		} else {
			a->flags = 0;
			a->mask = 0;
		}
	}
	pthread_mutex_unlock(&sh->lock);
	t->altstack_sp = t->altstack_size = 0;
	t->altstack_flags = 0;
}

long kernel_execve(struct task *t, int dirfd, const char *path,
		   char **argv, char **envp, int flags, char *err,
		   size_t errlen)
{
	char interp[BINPRM_BUF_SIZE], iarg[BINPRM_BUF_SIZE];
	char buf[BINPRM_BUF_SIZE], errbuf[200];
	char **cur_argv = argv;
	char **owned_argv = NULL;
	const char *cur_path = path;
	char path_copy[4096], fdname[4096] = "";
	struct file *f = NULL;
	struct loader_image img;
	long r;

	for (int depth = 0;; depth++) {
		if (depth > MAX_INTERP_DEPTH) {
			r = -ELOOP;
			goto out;
		}
		r = exec_open(t, depth ? AT_FDCWD : dirfd, cur_path,
			      depth ? 0 : flags, &f);
		if (r < 0)
			goto out;
		if ((r = exec_permission(t, f)) < 0)
			goto out;
		/* execveat(fd, "", AT_EMPTY_PATH): the new comm is the
		 * file's own name (Linux since 6.11). */
		if (depth == 0 && path[0] == 0 &&
		    vfs_file_path(f, fdname, sizeof(fdname)) < 0)
			fdname[0] = 0;
		ssize_t n = vfs_pread(f, buf, sizeof(buf), 0);
		if (n < 0) {
			r = n;
			goto out;
		}
		int s = parse_shebang(buf, (size_t)n, interp, sizeof(interp),
				      iarg, sizeof(iarg));
		if (s < 0) {
			r = s;
			goto out;
		}
		if (s == 0)
			break;
		/* argv becomes: interp [arg] path argv[1..] */
		size_t argc = 0;
		while (cur_argv[argc])
			argc++;
		char **na = rv_xcalloc(argc + 4, sizeof(char *));
		size_t k = 0;
		na[k++] = rv_xstrdup(interp);
		if (iarg[0])
			na[k++] = rv_xstrdup(iarg);
		na[k++] = rv_xstrdup(cur_path);
		for (size_t i = 1; i < argc; i++)
			na[k++] = rv_xstrdup(cur_argv[i]);
		na[k] = NULL;
		if (owned_argv) {
			for (char **p = owned_argv; *p; p++)
				free(*p);
			free(owned_argv);
		}
		owned_argv = cur_argv = na;
		snprintf(path_copy, sizeof(path_copy), "%s", interp);
		cur_path = path_copy;
		file_put(f);
		f = NULL;
	}

	errbuf[0] = 0;
	r = loader_load(t, f, cur_path, cur_argv, envp, &img, errbuf,
			sizeof(errbuf));
	if (r < 0) {
		if (errbuf[0])
			rv_dbg("exec %s: %s", cur_path, errbuf);
		if (err && errlen)
			snprintf(err, errlen, "%s", errbuf);
		goto out;
	}

	/* Point of no return. */
	exec_kill_other_threads(t);
	struct fdtable *nf = fdtable_copy(t->files), *of = NULL;
	/* Swapped under res_lock, released after: another task reading our
	 * memory or files (/proc, process_vm_readv) holds it for reading. */
	pthread_rwlock_wrlock(&t->res_lock);
	struct mm *old = t->mm;
	t->mm = img.mm;
	if (nf) {
		of = t->files;
		t->files = nf;
	}
	pthread_rwlock_unlock(&t->res_lock);
	if (of)
		fdtable_put(of);
	process_vfork_release(t);
	if (old) {
		/* mm_release(): a CLONE_CHILD_CLEARTID parent waiting in the
		 * old address space learns that this thread is gone from it. */
		mm_put(old);
	}
	t->clear_child_tid = 0;
	t->robust_list = 0;
	fd_close_on_exec(t->files);
	reset_signal_handlers(t);
	/* execve(2): POSIX timers are deleted; alarm and itimers stay. The
	 * termination signal is SIGCHLD again, PR_SET_KEEPCAPS cleared. */
	timers_release_posix(t->tg->tgid);
	kernel_lock();
	t->tg->exit_signal = SIGCHLD;
	kernel_unlock();
	t->keepcaps = false;

	const char *name = path[0] ? path : fdname;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t blen = RV_MIN(strlen(base), sizeof(t->comm) - 1);
	memcpy(t->comm, base, blen);
	t->comm[blen] = 0;

	rv_regs_t *regs = &t->ctx->regs;
	memset(regs, 0, sizeof(*regs));
	regs->rip = img.entry;
	regs->rsp = img.sp;
	regs->cs = 0x33;
	regs->ss = 0x2b;
	regs->eflags = 0x202;
	regs->orig_rax = (uint64_t)-1;
	fpstate_reset(t->ctx);
	r = -RV_EJUSTRETURN;
out:
	if (f)
		file_put(f);
	if (owned_argv) {
		for (char **p = owned_argv; *p; p++)
			free(*p);
		free(owned_argv);
	}
	return r;
}
