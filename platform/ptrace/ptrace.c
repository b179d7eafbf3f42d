/* The ptrace platform: app threads run in stub processes (stub.c) under
 * PTRACE_SYSEMU, so every app system call stops before the host runs it.
 *
 *  - one stub process per address space; its first thread (the spawner)
 *    is untraced and idle, and is seized briefly to clone new threads or
 *    to change the mappings while other threads run app code;
 *  - one stub thread per task, traced by the task's host thread for the
 *    life of the binding (ptrace requests are per tracer thread);
 *  - address space changes are host syscalls injected into a stopped stub
 *    thread, several per injection (the op table page), or queued until a
 *    thread next enters the address space when nobody runs in it;
 *  - a task's host thread and its stub thread are pinned to one CPU: on
 *    these hosts a cross-CPU wake-up costs ~30 us, the whole round trip
 *    ~3 us when both stay on one CPU;
 *  - fork and exec never wait for a stub to be made or to die: a helper
 *    thread keeps spare stubs, each with its first thread, made ahead of
 *    time, and reaps the stubs as_destroy killed.
 *
 * Lock order: pt_bind_lock, then pt_as.lock, then pt_pool_lock. */
#include "platform/platform.h"

#include <elf.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "platform/ptrace/ptrace.h"
#include "sentry/mm/memfile.h"
#include "sentry/util.h"

#define PT_USER_CS 0x33
#define PT_USER_DS 0x2b
#define PT_XSTATE_BUF 16384

struct pt_platform {
	struct platform base;
};

/* What the stub has mapped, so that as_protect leaves holes alone and a
 * fault can be told read from write. Sorted, non-overlapping. */
struct pt_range {
	uint64_t start, end, off;
	int prot;
};

struct pt_ctx;

struct pt_as {
	pthread_mutex_t lock;
	pid_t pid;                 /* stub process, = its spawner thread */
	uint64_t ops_off;          /* memory file page of the op table */
	struct pt_stub_op *ops;    /* the sentry's view of that page */
	struct pt_range *r;
	size_t nr, capr;
	struct pt_stub_op *q;      /* ops waiting for a thread to run them */
	size_t nq, capq;
	int running;               /* ctxs currently in app code */
	pid_t spare_tid;           /* idle thread made with the stub, or 0 */
	struct pt_ctx **ctxs;      /* ctxs with a stub thread here */
	size_t nctx, capctx;
	bool dead;
};

struct pt_ctx {
	struct platform_ctx base;
	pid_t owner;               /* host thread that traces stub_tid */
	struct pt_as *as;          /* bound address space, or NULL */
	pid_t stub_pid, stub_tid;
	atomic_int interrupt;
	atomic_int in_app;
	bool regs_live;            /* kernel holds exactly `last` */
	bool fp_valid;             /* base.fpstate fetched since the app ran */
	bool destroy_pending;      /* ctx_destroy came from another thread */
	int cpu;
	rv_regs_t last;
	uint8_t *xbuf;             /* full XSAVE image when > FPSTATE_MAX */
	size_t xlen;               /* host XSAVE size, 0 = not known yet */
};

static pthread_mutex_t pt_bind_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread struct pt_ctx *pt_self; /* ctx whose stub this thread traces */
static pthread_key_t pt_exit_key;
static pthread_once_t pt_key_once = PTHREAD_ONCE_INIT;
static atomic_uint pt_next_cpu;
static cpu_set_t pt_cpus;
static int pt_ncpus;

static pid_t pt_gettid(void) { return (pid_t)syscall(SYS_gettid); }

/* --- waiting on tracees -------------------------------------------------- */

static int pt_wait(pid_t tid, int *st)
{
	for (;;) {
		if (waitpid(tid, st, __WALL) == tid)
			return 0;
		if (errno != EINTR)
			return -ESRCH;
	}
}

static bool pt_gone(int st) { return WIFEXITED(st) || WIFSIGNALED(st); }

/* Wait until tid is in any ptrace stop. */
static int pt_wait_stopped(pid_t tid)
{
	int st;

	if (pt_wait(tid, &st) < 0 || pt_gone(st))
		return -ESRCH;
	return 0;
}

/* After PTRACE_CONT into stub code: wait for its int3. An interrupt
 * signal or job-control stop on the way is swallowed; anything else means
 * the stub is broken. */
static int pt_wait_trap(pid_t tid)
{
	int st = 0;

	for (;;) {
		if (pt_wait(tid, &st) < 0 || pt_gone(st)) {
			rv_dbg("ptrace: stub %d gone (status %#x)", tid, st);
			return -ESRCH;
		}
		int sig = WSTOPSIG(st);
		if (sig == SIGTRAP && (st >> 16) == 0)
			return 0;
		if ((st >> 16) == 0 && sig != PT_INTR_SIG) {
			rv_dbg("ptrace: stub %d stopped by signal %d", tid,
			       sig);
			return -EIO;
		}
		if (ptrace(PTRACE_CONT, tid, 0, 0) < 0)
			return -ESRCH;
	}
}

static void pt_stub_regs(rv_regs_t *r, uint64_t rip)
{
	memset(r, 0, sizeof(*r));
	r->rip = rip;
	r->cs = PT_USER_CS;
	r->ss = PT_USER_DS;
	r->eflags = 0x202;
	/* No syscall restart on the way out of the stop we came from. */
	r->orig_rax = (uint64_t)-1;
}

/* Run n ops from the op page in stopped tracee tid. 0 or the -errno of
 * the first op that failed. */
static int pt_run_batch(pid_t tid, size_t n)
{
	rv_regs_t r;
	int rc;

	pt_stub_regs(&r, pt_stub_batch_addr());
	r.rbx = PT_STUB_OPS_ADDR;
	r.r12 = n;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return -ESRCH;
	rc = pt_wait_trap(tid);
	if (rc)
		return rc;
	if (ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
		return -ESRCH;
	if (r.r13 < n)
		return (int)(long)r.rax;
	return 0;
}

/* Run every queued op through tracee tid. as->lock held. */
static int pt_flush_locked(struct pt_as *as, pid_t tid)
{
	size_t done = 0;
	int rc = 0;

	while (done < as->nq) {
		size_t n = RV_MIN(as->nq - done, PT_OPS_MAX);
		memcpy(as->ops, as->q + done, n * sizeof(*as->ops));
		rc = pt_run_batch(tid, n);
		/* The app (whose threads share the stub's address space)
		 * can read the op page; between batches it holds nothing.
		 * Clearing costs nothing, while keeping the page PROT_NONE
		 * outside batches (two more host calls per batch, one with
		 * a TLB shootdown) cost ~15% of mmap+touch+munmap. */
		memset(as->ops, 0, n * sizeof(*as->ops));
		/* The app (whose threads share the stub's address space)
		 * can read the op page; between batches it holds nothing.
		 * Clearing costs nothing, while keeping the page PROT_NONE
		 * outside batches (two more host calls per batch, one with
		 * a TLB shootdown) cost ~15% of mmap+touch+munmap. */
		memset(as->ops, 0, n * sizeof(*as->ops));
		if (rc)
			break;
		done += n;
	}
	as->nq = 0;
	return rc;
}

/* Seize the idle spawner so this thread can inject into it. */
static int pt_spawner_seize(struct pt_as *as)
{
	if (ptrace(PTRACE_SEIZE, as->pid, 0, 0) < 0)
		return -ESRCH;
	if (ptrace(PTRACE_INTERRUPT, as->pid, 0, 0) < 0 ||
	    pt_wait_stopped(as->pid) < 0) {
		as->dead = true;
		return -ESRCH;
	}
	return 0;
}

static void pt_spawner_release(struct pt_as *as)
{
	rv_regs_t r;

	pt_stub_regs(&r, pt_stub_pause_addr());
	ptrace(PTRACE_SETREGS, as->pid, 0, &r);
	ptrace(PTRACE_DETACH, as->pid, 0, 0);
}

static void pt_reap(pid_t tid);

/* A stub thread that is not stopped under its tracer when it should be is
 * dead or dying, and its address space cannot be trusted any more: kill
 * the stub and reap the thread (the spawner cannot be reaped before it),
 * then forget the tid before the host can give it to someone else. */
static void pt_lost(struct pt_ctx *c)
{
	pid_t tid = c->stub_tid;

	if (!tid)
		return;
	kill(c->stub_pid, SIGKILL);
	pt_reap(tid);
	__atomic_store_n(&c->stub_tid, 0, __ATOMIC_RELEASE);
}

/* Make the queued ops take effect in time. When no thread runs app code
 * here they wait for the next ctx_switch into this AS (it runs them before
 * any app code, all in one injection: exec and fault handling make several
 * changes between two switches). When some do, the change must be seen
 * before we return (munmap semantics): the calling thread runs them in its
 * own stopped stub thread if it has one here, else borrows the spawner. */
static int pt_commit_locked(struct pt_as *as)
{
	struct pt_ctx *self = pt_self;
	int rc;

	if (as->dead) {
		as->nq = 0;
		return -ESRCH;
	}
	if (as->running == 0)
		return 0;
	if (self && self->as == as && self->stub_tid) {
		self->regs_live = false;
		rc = pt_flush_locked(as, self->stub_tid);
		if (rc == -ESRCH)
			pt_lost(self);
		return rc;
	}
	rc = pt_spawner_seize(as);
	if (rc) {
		as->nq = 0;
		return rc;
	}
	rc = pt_flush_locked(as, as->pid);
	pt_spawner_release(as);
	return rc;
}

static void pt_queue(struct pt_as *as, uint64_t nr, uint64_t a0, uint64_t a1,
		     uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (as->nq == as->capq) {
		as->capq = as->capq ? as->capq * 2 : 64;
		as->q = rv_xrealloc(as->q, as->capq * sizeof(*as->q));
	}
	as->q[as->nq++] = (struct pt_stub_op){nr, {a0, a1, a2, a3, a4, a5}};
}

/* --- the record of mappings ---------------------------------------------- */

/* Index of the first range with end > addr. */
static size_t rec_lower(struct pt_as *as, uint64_t addr)
{
	size_t lo = 0, hi = as->nr;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (as->r[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static struct pt_range *rec_find(struct pt_as *as, uint64_t addr)
{
	size_t i = rec_lower(as, addr);

	if (i < as->nr && as->r[i].start <= addr)
		return &as->r[i];
	return NULL;
}

static void rec_insert_at(struct pt_as *as, size_t i, struct pt_range r)
{
	if (as->nr == as->capr) {
		as->capr = as->capr ? as->capr * 2 : 64;
		as->r = rv_xrealloc(as->r, as->capr * sizeof(*as->r));
	}
	memmove(&as->r[i + 1], &as->r[i], (as->nr - i) * sizeof(*as->r));
	as->r[i] = r;
	as->nr++;
}

/* Make addr a range boundary. */
static void rec_split(struct pt_as *as, uint64_t addr)
{
	size_t i = rec_lower(as, addr);

	if (i == as->nr || as->r[i].start >= addr)
		return;
	struct pt_range hi = as->r[i];
	hi.off += addr - hi.start;
	hi.start = addr;
	as->r[i].end = addr;
	rec_insert_at(as, i + 1, hi);
}

static void rec_remove(struct pt_as *as, uint64_t start, uint64_t end)
{
	rec_split(as, start);
	rec_split(as, end);
	size_t i = rec_lower(as, start), j = i;
	while (j < as->nr && as->r[j].end <= end)
		j++;
	if (j == i)
		return;
	memmove(&as->r[i], &as->r[j], (as->nr - j) * sizeof(*as->r));
	as->nr -= j - i;
}

/* --- address spaces ------------------------------------------------------ */

/* One host syscall in stopped tracee tid: its result, or -ESRCH. */
static long pt_inject1(pid_t tid, uint64_t nr, uint64_t a0, uint64_t a1,
		       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	rv_regs_t r;

	pt_stub_regs(&r, pt_stub_syscall_addr());
	r.rax = nr;
	r.rdi = a0, r.rsi = a1, r.rdx = a2, r.r10 = a3, r.r8 = a4, r.r9 = a5;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, tid, 0, 0) < 0 || pt_wait_trap(tid) < 0 ||
	    ptrace(PTRACE_GETREGS, tid, 0, &r) < 0)
		return -ESRCH;
	return (long)r.rax;
}

static pthread_mutex_t pt_factory_lock = PTHREAD_MUTEX_INITIALIZER;

/* A new stub process and an app thread in it, not yet used. */
struct pt_spare {
	pid_t pid;        /* the stub, = its spawner thread */
	pid_t tid;        /* its first thread, idle, for the first bind */
	int64_t ops_off;  /* memory file page of its op table */
};

/* A new stub: cloned from the factory, then given its op page, told to
 * die with the sentry (a fork clears PR_SET_PDEATHSIG), and given its
 * first thread while we hold it stopped anyway (a later clone would cost
 * a seize of the spawner: ~100 us). Until then it is traced with
 * EXITKILL, so a sentry dying half-way leaves nothing. */
static int pt_new_stub(struct pt_spare *sp)
{
	struct pt_as fac = {.pid = pt_stub_factory()};
	rv_regs_t r;
	pid_t pid;
	long rc;

	pthread_mutex_lock(&pt_factory_lock);
	if (fac.pid <= 0 || pt_spawner_seize(&fac) < 0) {
		/* Killed from outside: a platform that can no longer make
		 * address spaces would fail every fork from now on. */
		rv_dbg("ptrace: stub factory %d lost, making another", fac.pid);
		fac.pid = pt_stub_factory_renew(fac.pid);
		fac.dead = false;
		if (fac.pid <= 0 || pt_spawner_seize(&fac) < 0) {
			pthread_mutex_unlock(&pt_factory_lock);
			return -ESRCH;
		}
	}
	pt_stub_regs(&r, pt_stub_clone_addr());
	r.rax = SYS_clone;
	r.rdi = CLONE_PARENT | SIGCHLD;
	if (ptrace(PTRACE_SETREGS, fac.pid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, fac.pid, 0, 0) < 0 ||
	    pt_wait_trap(fac.pid) < 0 ||
	    ptrace(PTRACE_GETREGS, fac.pid, 0, &r) < 0) {
		rv_dbg("ptrace: the stub factory %d is gone", fac.pid);
		pthread_mutex_unlock(&pt_factory_lock);
		return -ESRCH;
	}
	pt_spawner_release(&fac);
	pthread_mutex_unlock(&pt_factory_lock);
	pid = (pid_t)(long)r.rax;
	if ((long)r.rax <= 0)
		return (long)r.rax < 0 ? (int)(long)r.rax : -EIO;

	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL) < 0 ||
	    ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 ||
	    pt_wait_stopped(pid) < 0) {
		rc = -errno;
		goto fail;
	}
	rc = pt_inject1(pid, SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0, 0);
	if (rc != 0)
		goto fail;
	rc = pt_inject1(pid, SYS_mmap, PT_STUB_OPS_ADDR, RV_PAGE_SIZE,
			PROT_READ, MAP_SHARED | MAP_FIXED, PT_STUB_MEMFD,
			(uint64_t)sp->ops_off);
	if (rc != (long)PT_STUB_OPS_ADDR)
		goto fail;
	/* The clone entry: the new thread idles in pause, untraced. */
	pt_stub_regs(&r, pt_stub_clone_addr());
	r.rax = SYS_clone;
	r.rdi = PT_CLONE_FLAGS;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, pid, 0, 0) < 0 || pt_wait_trap(pid) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, 0, &r) < 0) {
		rc = -ESRCH;
		goto fail;
	}
	rc = (long)r.rax;
	if (rc <= 0)
		goto fail;
	sp->tid = (pid_t)rc;
	fac.pid = pid;
	pt_spawner_release(&fac);
	sp->pid = pid;
	return 0;
fail:
	rv_dbg("ptrace: cannot set up stub %d: %s", pid, strerror((int)-rc));
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
	return -ESRCH;
}

/* 0 with *sp filled, or -errno. */
static int pt_spare_make(struct pt_spare *sp)
{
	int rc;

	sp->ops_off = memfile_alloc(1);
	if (sp->ops_off < 0)
		return -ENOMEM;
	rc = pt_new_stub(sp);
	if (rc) {
		memfile_decref((uint64_t)sp->ops_off, 1);
		return rc;
	}
	return 0;
}

static void pt_spare_drop(struct pt_spare *sp)
{
	kill(sp->pid, SIGKILL);
	pt_reap(sp->pid);
	memfile_decref((uint64_t)sp->ops_off, 1);
}

/* --- the helper thread: spare stubs, reaping ------------------------- */

/* Every fork and exec needs a new stub: ~0.3-1 ms of ptrace round trips
 * and cross-CPU wake-ups (seize the factory, clone, set up, first
 * thread). A helper thread makes the next one ahead of time, while the app
 * runs, so that as_create is a hand-over. Two spares: a shell's fork is
 * followed at once by the child's exec; each spare is two idle host
 * threads and a few pages.
 *
 * The same thread waits for killed stubs to die (as_destroy): that takes
 * ~100-200 us of scheduling on a loaded host, which the exiting task and
 * its parent's waitpid need not see. */
#define PT_POOL_MAX 2

static pthread_mutex_t pt_pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pt_pool_cond = PTHREAD_COND_INITIALIZER;
static struct pt_spare pt_pool[PT_POOL_MAX];
static int pt_npool;
static bool pt_pool_stop, pt_pool_on;
static bool pt_pool_want; /* a spare was taken (or failed): make one */
static bool pt_pool_busy; /* the thread is making one now */
static pthread_cond_t pt_pool_made = PTHREAD_COND_INITIALIZER;
static pthread_t pt_pool_thread;
static pid_t *pt_reapq; /* killed stub threads to wait for, in order */
static size_t pt_nreap, pt_capreap;

/* Wait for killed tid in the helper thread, or now when there is none.
 * The tid stays a zombie, never reused, until then. */
static void pt_reap_later(pid_t tid)
{
	pthread_mutex_lock(&pt_pool_lock);
	if (pt_pool_on) {
		if (pt_nreap == pt_capreap) {
			pt_capreap = pt_capreap ? pt_capreap * 2 : 16;
			pt_reapq = rv_xrealloc(pt_reapq,
					       pt_capreap * sizeof(*pt_reapq));
		}
		pt_reapq[pt_nreap++] = tid;
		pthread_cond_signal(&pt_pool_cond);
		tid = 0;
	}
	pthread_mutex_unlock(&pt_pool_lock);
	if (tid)
		pt_reap(tid);
}

/* Helper thread, pt_pool_lock held: reap the queue in order (a stub's
 * spawner cannot be reaped before its traced threads). */
static void pt_reap_queued_locked(void)
{
	while (pt_nreap > 0) {
		pid_t tid = pt_reapq[0];
		memmove(pt_reapq, pt_reapq + 1, --pt_nreap * sizeof(*pt_reapq));
		pthread_mutex_unlock(&pt_pool_lock);
		pt_reap(tid);
		pthread_mutex_lock(&pt_pool_lock);
	}
}

static void *pt_pool_main(void *arg)
{
	struct pt_spare sp;
	sigset_t all;
	int rc;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pthread_mutex_lock(&pt_pool_lock);
	for (;;) {
		while (!pt_pool_stop && !pt_nreap &&
		       (!pt_pool_want || pt_npool == PT_POOL_MAX))
			pthread_cond_wait(&pt_pool_cond, &pt_pool_lock);
		pt_reap_queued_locked();
		if (pt_pool_stop)
			break;
		if (!pt_pool_want || pt_npool == PT_POOL_MAX)
			continue;
		pt_pool_busy = true;
		pthread_mutex_unlock(&pt_pool_lock);
		rc = pt_spare_make(&sp);
		pthread_mutex_lock(&pt_pool_lock);
		pt_pool_busy = false;
		pthread_cond_broadcast(&pt_pool_made);
		if (rc) {
			/* Retried at the next as_create, not in a loop. */
			rv_dbg("ptrace: no spare stub: %s", strerror(-rc));
			pt_pool_want = false;
			continue;
		}
		pt_pool[pt_npool++] = sp;
		pt_pool_want = pt_npool < PT_POOL_MAX;
	}
	pthread_mutex_unlock(&pt_pool_lock);
	return NULL;
}

/* A spare from the pool, or one made now. */
static int pt_spare_get(struct pt_spare *sp)
{
	bool have = false;

	pthread_mutex_lock(&pt_pool_lock);
	/* One the thread is making is ready sooner than a new one (the first
	 * of all is made while the sentry starts). */
	while (pt_npool == 0 && pt_pool_busy)
		pthread_cond_wait(&pt_pool_made, &pt_pool_lock);
	if (pt_npool > 0) {
		*sp = pt_pool[--pt_npool];
		have = true;
	}
	/* A spare killed from outside while it waited (its leader is a
	 * zombie by now, which this wait reaps): make a new one. */
	if (have && waitpid(sp->pid, NULL, WNOHANG | __WALL) != 0) {
		memfile_decref((uint64_t)sp->ops_off, 1);
		have = false;
	}
	if (pt_pool_on) {
		pt_pool_want = true;
		pthread_cond_signal(&pt_pool_cond);
	}
	pthread_mutex_unlock(&pt_pool_lock);
	return have ? 0 : pt_spare_make(sp);
}

static void pt_pool_start(void)
{
	if (pt_pool_on)
		return;
	/* The first spare is made by the thread while the sentry goes on
	 * starting (file systems, confinement, loading the program): the
	 * first as_create, the init task's, takes it or waits for it. */
	pt_pool_stop = false;
	pt_pool_want = true;
	pt_pool_busy = false;
	if (pthread_create(&pt_pool_thread, NULL, pt_pool_main, NULL)) {
		rv_dbg("ptrace: no pool thread, stubs made on demand");
		return;
	}
	pt_pool_on = true;
	/* SCHED_BATCH: its fair share of CPU, but its wake-ups never preempt
	 * a task thread (CFS lets no batch thread preempt on wake-up): the
	 * fork that asked for a new spare must not wait while it is made on
	 * the same CPU (as_create 190 -> 3 us). Set from here, before the
	 * sentry confines itself. */
	struct sched_param prio = {0};
	if (pthread_setschedparam(pt_pool_thread, SCHED_BATCH, &prio))
		rv_dbg("ptrace: pool thread keeps its scheduling policy");
}

static void pt_pool_stop_all(void)
{
	pthread_mutex_lock(&pt_pool_lock);
	pt_pool_stop = true;
	pthread_cond_broadcast(&pt_pool_cond);
	pthread_mutex_unlock(&pt_pool_lock);
	if (pt_pool_on)
		pthread_join(pt_pool_thread, NULL);
	pthread_mutex_lock(&pt_pool_lock);
	pt_pool_on = false;
	pt_reap_queued_locked();
	pthread_mutex_unlock(&pt_pool_lock);
	while (pt_npool > 0)
		pt_spare_drop(&pt_pool[--pt_npool]);
}

static struct platform_as *pt_as_create(struct platform *p)
{
	struct pt_spare sp;
	struct pt_as *as;
	int rc;

	(void)p;
	rc = pt_spare_get(&sp);
	if (rc) {
		rv_dbg("ptrace: cannot start a stub: %s", strerror(-rc));
		return NULL;
	}
	as = rv_xcalloc(1, sizeof(*as));
	pthread_mutex_init(&as->lock, NULL);
	as->ops_off = (uint64_t)sp.ops_off;
	as->ops = memfile_ptr(as->ops_off);
	as->pid = sp.pid;
	as->spare_tid = sp.tid;
	return (struct platform_as *)as;
}

static void pt_reap(pid_t tid)
{
	int st;

	while (pt_wait(tid, &st) == 0 && !pt_gone(st))
		;
}

/* The caller guarantees no ctx runs in pas. Ctxs still bound to it lose
 * their stub thread; their next ctx_switch binds them afresh. */
static void pt_as_destroy(struct platform_as *pas)
{
	struct pt_as *as = (struct pt_as *)pas;

	if (!as)
		return;
	pthread_mutex_lock(&pt_bind_lock);
	pthread_mutex_lock(&as->lock);
	/* From here no thread of the stub returns to user mode: the pages
	 * it maps may go back to the memory file even before it is gone. */
	kill(as->pid, SIGKILL);
	/* Killed traced threads stay zombies until waited for; any thread of
	 * the tracer's process may do that, and the spawner cannot be reaped
	 * before them. */
	for (size_t i = 0; i < as->nctx; i++) {
		struct pt_ctx *c = as->ctxs[i];
		pid_t tid = c->stub_tid;
		__atomic_store_n(&c->stub_tid, 0, __ATOMIC_RELEASE);
		c->as = NULL;
		if (tid)
			pt_reap_later(tid);
	}
	pt_reap_later(as->pid);
	pthread_mutex_unlock(&as->lock);
	pthread_mutex_unlock(&pt_bind_lock);

	memfile_decref(as->ops_off, 1);
	pthread_mutex_destroy(&as->lock);
	free(as->r);
	free(as->q);
	free(as->ctxs);
	free(as);
}

static bool pt_bad_range(uint64_t addr, uint64_t len)
{
	return len == 0 || !rv_page_aligned(addr) || !rv_page_aligned(len) ||
	       rv_range_bad(addr, len);
}

static int pt_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
		     uint64_t off, int prot)
{
	struct pt_as *as = (struct pt_as *)pas;
	uint64_t fend;
	int rc;

	if (pt_bad_range(addr, len) || !rv_page_aligned(off) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	/* The stub's own pages are not the app's: mapping over them would
	 * let the app choose the code the platform runs on the host. */
	if (addr + len > PT_STUB_BASE)
		return -EINVAL;
	if (__builtin_add_overflow(off, len, &fend) || fend > MEMFILE_MAX_SIZE)
		return -EINVAL;

	pthread_mutex_lock(&as->lock);
	rec_remove(as, addr, addr + len);
	rec_insert_at(as, rec_lower(as, addr),
		      (struct pt_range){addr, addr + len, off, prot});
	pt_queue(as, SYS_mmap, addr, len, (uint64_t)prot,
		 MAP_SHARED | MAP_FIXED, PT_STUB_MEMFD, off);
	rc = pt_commit_locked(as);
	pthread_mutex_unlock(&as->lock);
	return rc;
}

static int pt_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len)
{
	struct pt_as *as = (struct pt_as *)pas;
	int rc;

	if (pt_bad_range(addr, len))
		return -EINVAL;
	/* Never the stub's pages; the rest of the range is fine. */
	if (addr >= PT_STUB_BASE)
		return 0;
	len = RV_MIN(len, PT_STUB_BASE - addr);

	pthread_mutex_lock(&as->lock);
	rec_remove(as, addr, addr + len);
	pt_queue(as, SYS_munmap, addr, len, 0, 0, 0, 0);
	rc = pt_commit_locked(as);
	pthread_mutex_unlock(&as->lock);
	return rc;
}

static int pt_as_protect(struct platform_as *pas, uint64_t addr, uint64_t len,
			 int prot)
{
	struct pt_as *as = (struct pt_as *)pas;
	uint64_t end;
	int rc;

	if (pt_bad_range(addr, len) ||
	    (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EINVAL;
	if (addr >= PT_STUB_BASE)
		return 0;
	end = RV_MIN(addr + len, PT_STUB_BASE);

	pthread_mutex_lock(&as->lock);
	/* Only the mapped pieces: mprotect(2) of a hole fails, and the hole
	 * must stay a hole. */
	rec_split(as, addr);
	rec_split(as, end);
	for (size_t i = rec_lower(as, addr); i < as->nr && as->r[i].start < end;
	     i++) {
		struct pt_range *r = &as->r[i];
		r->prot = prot;
		pt_queue(as, SYS_mprotect, r->start, r->end - r->start,
			 (uint64_t)prot, 0, 0, 0);
	}
	rc = pt_commit_locked(as);
	pthread_mutex_unlock(&as->lock);
	return rc;
}

/* --- stub threads -------------------------------------------------------- */

/* Clone a new stub thread from the spawner; as->lock held. */
static pid_t pt_clone_thread_locked(struct pt_as *as)
{
	rv_regs_t r;
	pid_t tid;
	int rc;

	if (as->dead)
		return -ESRCH;
	rc = pt_spawner_seize(as);
	if (rc)
		return rc;
	pt_stub_regs(&r, pt_stub_clone_addr());
	r.rax = SYS_clone;
	r.rdi = PT_CLONE_FLAGS;
	if (ptrace(PTRACE_SETREGS, as->pid, 0, &r) < 0 ||
	    ptrace(PTRACE_CONT, as->pid, 0, 0) < 0 ||
	    pt_wait_trap(as->pid) < 0 ||
	    ptrace(PTRACE_GETREGS, as->pid, 0, &r) < 0) {
		rv_dbg("ptrace: clone in stub %d failed: %s", as->pid,
		       strerror(errno));
		as->dead = true;
		return -ESRCH;
	}
	tid = (pid_t)(long)r.rax;
	pt_spawner_release(as);
	if ((long)r.rax <= 0)
		return (long)r.rax < 0 ? (int)(long)r.rax : -EIO;
	return tid;
}

/* Make the stub thread of c go away: pointed at exit(0) and let go. An
 * untraced thread that is not the leader is released by the host when it
 * exits, so nobody waits for it (a wait here costs a wake-up of the stub,
 * ~20-100 us per exiting task). An interrupt signal still pending is
 * discarded: the stub ignores PT_INTR_SIG (stub.c). */
static void pt_thread_exit(struct pt_ctx *c)
{
	pid_t tid = c->stub_tid;
	rv_regs_t r;

	if (!tid)
		return;
	pt_stub_regs(&r, pt_stub_syscall_addr());
	r.rax = SYS_exit;
	if (ptrace(PTRACE_SETREGS, tid, 0, &r) < 0 ||
	    ptrace(PTRACE_DETACH, tid, 0, 0) < 0) {
		pt_lost(c);
		return;
	}
	__atomic_store_n(&c->stub_tid, 0, __ATOMIC_RELEASE);
}

static void pt_fp_init_image(struct pt_ctx *c);
static int pt_sync_fpstate(struct platform_ctx *pc);

/* Leave the bound AS. pt_bind_lock held, on the owner thread. */
static void pt_unbind(struct pt_ctx *c)
{
	struct pt_as *as = c->as;

	if (!as)
		return;
	/* The FPU state travels to the next stub thread. */
	if (c->stub_tid && !c->base.fpstate_dirty &&
	    pt_sync_fpstate(&c->base) == 0)
		c->base.fpstate_dirty = true;
	pthread_mutex_lock(&as->lock);
	pt_thread_exit(c);
	for (size_t i = 0; i < as->nctx; i++) {
		if (as->ctxs[i] == c) {
			as->ctxs[i] = as->ctxs[--as->nctx];
			break;
		}
	}
	pthread_mutex_unlock(&as->lock);
	c->as = NULL;
}

static void pt_thread_gone(void *arg);

static void pt_key_init(void)
{
	if (pthread_key_create(&pt_exit_key, pt_thread_gone))
		rv_panic("ptrace: pthread_key_create failed");
}

/* Both ends of the round trip on one CPU. A task stays on the CPU the
 * host's scheduler first ran its thread on (it balances new threads);
 * round-robin when that is not known. The stub thread is pinned before it
 * is woken, so that it wakes there and not on a CPU busy with someone
 * else (a wake-up there waits for that CPU: up to milliseconds). */
static void pt_pin(struct pt_ctx *c, pid_t tid)
{
	cpu_set_t one;

	if (pt_ncpus <= 0)
		return;
	if (c->cpu < 0) {
		int cur = sched_getcpu();
		if (cur >= 0 && cur < CPU_SETSIZE && CPU_ISSET(cur, &pt_cpus))
			c->cpu = cur;
	}
	if (c->cpu < 0) {
		unsigned k = atomic_fetch_add(&pt_next_cpu, 1) % pt_ncpus;
		for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
			if (CPU_ISSET(cpu, &pt_cpus) && k-- == 0) {
				c->cpu = cpu;
				break;
			}
		}
	}
	CPU_ZERO(&one);
	CPU_SET(c->cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0 ||
	    sched_setaffinity(tid, sizeof(one), &one) < 0)
		rv_dbg("ptrace: cannot pin to cpu %d: %s", c->cpu,
		       strerror(errno));
}

/* First switch into as: get a stub thread there, traced by this thread. */
static int pt_bind(struct pt_ctx *c, struct pt_as *as)
{
	pid_t me = pt_gettid();
	pid_t tid;
	int rc = 0;

	pthread_once(&pt_key_once, pt_key_init);
	pthread_mutex_lock(&pt_bind_lock);
	if (c->owner && c->owner != me) {
		rc = -EBUSY; /* a ctx belongs to one host thread */
		goto out;
	}
	if (c->as)
		pt_unbind(c);

	pthread_mutex_lock(&as->lock);
	tid = as->spare_tid;
	as->spare_tid = 0;
	if (!tid)
		tid = pt_clone_thread_locked(as);
	if (tid < 0) {
		pthread_mutex_unlock(&as->lock);
		rc = tid;
		goto out;
	}
	pt_pin(c, tid);
	/* EXITKILL: if the sentry dies, nothing of the app runs on. */
	if (ptrace(PTRACE_SEIZE, tid, 0,
		   PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD) < 0 ||
	    ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 ||
	    pt_wait_stopped(tid) < 0) {
		rv_dbg("ptrace: cannot seize stub thread %d: %s", tid,
		       strerror(errno));
		pthread_mutex_unlock(&as->lock);
		rc = -ESRCH;
		goto out;
	}
	if (as->nctx == as->capctx) {
		as->capctx = as->capctx ? as->capctx * 2 : 8;
		as->ctxs = rv_xrealloc(as->ctxs, as->capctx * sizeof(*as->ctxs));
	}
	as->ctxs[as->nctx++] = c;
	c->as = as;
	c->stub_pid = as->pid;
	__atomic_store_n(&c->stub_tid, tid, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&as->lock);

	c->owner = me;
	c->regs_live = false;
	c->fp_valid = false;
	/* A fresh thread has the FPU registers of the sentry at fork time:
	 * never let the app see them. */
	if (!c->base.fpstate_dirty)
		pt_fp_init_image(c);
	pt_self = c;
	pthread_setspecific(pt_exit_key, c);
out:
	pthread_mutex_unlock(&pt_bind_lock);
	return rc;
}

/* Host thread exit: its tracees would be SIGKILLed (EXITKILL), taking
 * the whole stub process with them, so let the stub thread exit first. */
static void pt_thread_gone(void *arg)
{
	struct pt_ctx *c = arg;
	bool free_it;

	pthread_mutex_lock(&pt_bind_lock);
	if (c->owner != pt_gettid()) {
		pthread_mutex_unlock(&pt_bind_lock);
		return;
	}
	pt_unbind(c);
	c->owner = 0;
	free_it = c->destroy_pending;
	pthread_mutex_unlock(&pt_bind_lock);
	if (free_it) {
		free(c->xbuf);
		free(c);
	}
}

/* --- contexts ------------------------------------------------------------ */

static struct platform_ctx *pt_ctx_create(struct platform *p)
{
	struct pt_ctx *c;

	if (posix_memalign((void **)&c, 64, sizeof(*c)))
		return NULL;
	memset(c, 0, sizeof(*c));
	c->base.platform = p;
	c->cpu = -1;
	c->base.regs.cs = PT_USER_CS;
	c->base.regs.ss = PT_USER_DS;
	c->base.regs.eflags = 0x202;
	pt_fp_init_image(c);
	c->base.fpstate_dirty = false;
	return &c->base;
}

static void pt_ctx_destroy(struct platform_ctx *pc)
{
	struct pt_ctx *c = (struct pt_ctx *)pc;
	pid_t me = pt_gettid();

	if (!c)
		return;
	pthread_mutex_lock(&pt_bind_lock);
	if (c->owner && c->owner != me) {
		/* Only the tracer thread may make its stub thread exit: it
		 * does so, and frees c, when it ends (pt_thread_gone). */
		c->destroy_pending = true;
		pthread_mutex_unlock(&pt_bind_lock);
		return;
	}
	pt_unbind(c);
	pthread_mutex_unlock(&pt_bind_lock);
	if (pt_self == c) {
		pt_self = NULL;
		pthread_setspecific(pt_exit_key, NULL);
	}
	free(c->xbuf);
	free(c);
}

static void pt_ctx_interrupt(struct platform_ctx *pc)
{
	struct pt_ctx *c = (struct pt_ctx *)pc;

	/* Flag first, then look: ctx_switch sets in_app first, then looks
	 * at the flag, so one of the two always sees the other. */
	atomic_store(&c->interrupt, 1);
	if (atomic_load(&c->in_app)) {
		pid_t tid = __atomic_load_n(&c->stub_tid, __ATOMIC_ACQUIRE);
		if (tid)
			syscall(SYS_tgkill, c->stub_pid, tid, PT_INTR_SIG);
	}
}

/* --- FPU ----------------------------------------------------------------- */

static void pt_fp_init_image(struct pt_ctx *c)
{
	struct user_fpregs_struct *fx = (void *)c->base.fpstate;

	/* XSAVE header zero = every component in its init state; only the
	 * x87 control word and MXCSR are taken from the image. */
	memset(c->base.fpstate, 0, sizeof(c->base.fpstate));
	fx->cwd = 0x37f;
	fx->mxcsr = 0x1f80;
	c->base.fpstate_len = RV_MIN(c->xlen ? c->xlen : 576,
				     (size_t)PLATFORM_FPSTATE_MAX);
	c->base.fpstate_dirty = true;
}

static uint8_t *pt_xbuf(struct pt_ctx *c)
{
	if (!c->xbuf)
		c->xbuf = rv_xcalloc(1, PT_XSTATE_BUF);
	return c->xbuf;
}

/* Read the stub thread's XSAVE image into c->xbuf; learns its size. */
static int pt_get_xstate(struct pt_ctx *c)
{
	struct iovec iov = {pt_xbuf(c), PT_XSTATE_BUF};

	if (ptrace(PTRACE_GETREGSET, c->stub_tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	c->xlen = iov.iov_len;
	return 0;
}

static int pt_sync_fpstate(struct platform_ctx *pc)
{
	struct pt_ctx *c = (struct pt_ctx *)pc;
	int rc;

	if (c->fp_valid || c->base.fpstate_dirty || !c->stub_tid)
		return 0;
	rc = pt_get_xstate(c);
	if (rc)
		return rc;
	c->base.fpstate_len = RV_MIN(c->xlen, (size_t)PLATFORM_FPSTATE_MAX);
	memcpy(c->base.fpstate, c->xbuf, c->base.fpstate_len);
	c->fp_valid = true;
	return 0;
}

/* Write the sentry's image back. The kernel takes only a whole XSAVE
 * image; on hosts whose image is larger than PLATFORM_FPSTATE_MAX (AMX
 * tile data) the tail keeps the thread's current contents. */
static int pt_put_fpstate(struct pt_ctx *c)
{
	struct iovec iov;
	size_t n;
	int rc;

	if (!c->xlen || c->xlen > PLATFORM_FPSTATE_MAX) {
		rc = pt_get_xstate(c);
		if (rc)
			return rc;
	}
	n = RV_MIN(c->xlen, (size_t)PLATFORM_FPSTATE_MAX);
	if (c->xlen > PLATFORM_FPSTATE_MAX) {
		memcpy(c->xbuf, c->base.fpstate, n);
		iov = (struct iovec){c->xbuf, c->xlen};
	} else {
		/* Bytes past fpstate_len (an image from a smaller format)
		 * are zero: their components are in the XSAVE header's
		 * init state. */
		if (c->base.fpstate_len < n)
			memset(c->base.fpstate + c->base.fpstate_len, 0,
			       n - c->base.fpstate_len);
		iov = (struct iovec){c->base.fpstate, c->xlen};
	}
	if (ptrace(PTRACE_SETREGSET, c->stub_tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	c->base.fpstate_len = n;
	c->base.fpstate_dirty = false;
	c->fp_valid = true;
	return 0;
}

/* --- running the app ----------------------------------------------------- */

static bool pt_is_int80_locked(struct pt_as *as, uint64_t rip)
{
	uint8_t b[2];

	if (rip < 2)
		return false;
	for (int i = 0; i < 2; i++) {
		uint64_t a = rip - 2 + i;
		struct pt_range *r = rec_find(as, a);
		if (!r)
			return false;
		b[i] = *(uint8_t *)memfile_ptr(r->off + (a - r->start));
	}
	return b[0] == 0xcd && b[1] == 0x80;
}

static int pt_fault_access_locked(struct pt_as *as, uint64_t addr,
				  uint64_t rip, bool present)
{
	/* An instruction fetch faults at rip, or at the next page when the
	 * instruction straddles one. */
	if (addr == rip || (addr > rip && addr - rip < 16 &&
			    rv_page_aligned(addr)))
		return PLATFORM_ACC_EXEC;
	if (present) {
		/* Readable but not writable and still denied: a write. */
		struct pt_range *r = rec_find(as, addr);
		if (r && (r->prot & PROT_READ) && !(r->prot & PROT_WRITE))
			return PLATFORM_ACC_WRITE;
	}
	return 0; /* the host does not tell read from write */
}

/* A synchronous trap of the app. false when the signal came from outside
 * (kill/tgkill: si_code <= 0), which is reported as an interruption. */
static bool pt_classify(pid_t tid, int sig, struct platform_event *ev)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &si) < 0 || si.si_code <= 0)
		return false;
	ev->signo = sig;
	ev->code = si.si_code;
	ev->addr = (uint64_t)si.si_addr;
	switch (sig) {
	case SIGSEGV:
		if (si.si_code == SI_KERNEL) {
			/* #GP (privileged instruction, bad selector):
			 * Linux reports SIGSEGV, SI_KERNEL, address 0. */
			ev->kind = PEV_SIGNAL;
			ev->addr = 0;
			ev->trapno = 13;
		} else {
			ev->kind = PEV_FAULT;
			ev->present = si.si_code != SEGV_MAPERR;
			ev->trapno = 14;
		}
		break;
	case SIGFPE:
		ev->kind = PEV_SIGNAL;
		ev->trapno = si.si_code == FPE_INTDIV ? 0 : 19;
		break;
	case SIGILL:
		ev->kind = PEV_SIGNAL;
		ev->trapno = 6;
		break;
	case SIGTRAP:
		ev->kind = PEV_SIGNAL;
		ev->trapno = si.si_code == SI_KERNEL ? 3 : 1;
		break;
	case SIGBUS:
		ev->kind = PEV_SIGNAL;
		ev->trapno = si.si_code == BUS_ADRALN ? 17 : 14;
		break;
	default:
		return false;
	}
	return true;
}

/* Load the app registers the kernel will accept. */
static void pt_sanitize(rv_regs_t *w)
{
	w->cs = PT_USER_CS;
	w->ss = PT_USER_DS;
	if (w->ds != PT_USER_DS)
		w->ds = 0;
	if (w->es != PT_USER_DS)
		w->es = 0;
	if (w->fs != PT_USER_DS)
		w->fs = 0;
	if (w->gs != PT_USER_DS)
		w->gs = 0;
	/* Entering the app is never a syscall return: no restart logic. */
	w->orig_rax = (uint64_t)-1;
}

static int pt_run(struct pt_ctx *c, struct platform_event *ev)
{
	pid_t tid = c->stub_tid;
	rv_regs_t *r = &c->base.regs;
	int st, rc = 0;

	/* After a fault or interruption the sentry often resumes with the
	 * registers unchanged: the kernel already holds them. */
	if (!c->regs_live || c->last.orig_rax != (uint64_t)-1 ||
	    memcmp(r, &c->last, sizeof(*r)) != 0) {
		rv_regs_t w = *r;
		pt_sanitize(&w);
		if (ptrace(PTRACE_SETREGS, tid, 0, &w) < 0) {
			if (errno != ESRCH)
				return -EINVAL; /* registers the host refuses */
			pt_lost(c);
			return -ESRCH;
		}
	}
	c->regs_live = false;

	atomic_store(&c->in_app, 1);
	if (atomic_exchange(&c->interrupt, 0)) {
		atomic_store(&c->in_app, 0);
		ev->kind = PEV_INTERRUPTED;
		c->regs_live = false;
		return 0;
	}
	for (;;) {
		if (ptrace(PTRACE_SYSEMU, tid, 0, 0) < 0 ||
		    pt_wait(tid, &st) < 0) {
			pt_lost(c);
			rc = -ESRCH;
			break;
		}
		if (pt_gone(st)) {
			/* Reaped by that wait: forget the tid before the
			 * host can give it to someone else. */
			__atomic_store_n(&c->stub_tid, 0, __ATOMIC_RELEASE);
			rc = -ESRCH;
			break;
		}
		int sig = WSTOPSIG(st);
		if ((st >> 16) != 0)
			continue; /* job control or stray interrupt stop */
		if (sig == (SIGTRAP | 0x80)) {
			ev->kind = PEV_SYSCALL;
			break;
		}
		if (sig == PT_INTR_SIG) {
			/* A kick that lost the race with a stop: swallow. */
			if (!atomic_exchange(&c->interrupt, 0))
				continue;
			ev->kind = PEV_INTERRUPTED;
			break;
		}
		if (!pt_classify(tid, sig, ev))
			ev->kind = PEV_INTERRUPTED; /* host signal: suppressed */
		break;
	}
	atomic_store(&c->in_app, 0);
	c->fp_valid = false;
	if (rc)
		return rc;
	if (ptrace(PTRACE_GETREGS, tid, 0, r) < 0) {
		pt_lost(c);
		return -ESRCH;
	}
	c->last = *r;
	c->regs_live = true;
	return 0;
}

static int pt_ctx_switch(struct platform_ctx *pc, struct platform_as *pas,
			 struct platform_event *ev)
{
	struct pt_ctx *c = (struct pt_ctx *)pc;
	struct pt_as *as = (struct pt_as *)pas;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (atomic_exchange(&c->interrupt, 0)) {
		ev->kind = PEV_INTERRUPTED;
		return 0;
	}
	if (unlikely(c->as != as || !c->stub_tid)) {
		rc = pt_bind(c, as);
		if (rc)
			return rc;
	}
	if (c->base.fpstate_dirty) {
		rc = pt_put_fpstate(c);
		if (rc)
			return rc;
	}

	pthread_mutex_lock(&as->lock);
	if (as->nq) {
		c->regs_live = false;
		rc = pt_flush_locked(as, c->stub_tid);
		if (rc) {
			if (rc == -ESRCH)
				pt_lost(c);
			pthread_mutex_unlock(&as->lock);
			return rc;
		}
	}
	as->running++;
	pthread_mutex_unlock(&as->lock);

	rc = pt_run(c, ev);

	pthread_mutex_lock(&as->lock);
	as->running--;
	if (rc == 0 && ev->kind == PEV_SYSCALL)
		ev->compat32 = pt_is_int80_locked(as, c->base.regs.rip);
	else if (rc == 0 && ev->kind == PEV_FAULT)
		ev->access = pt_fault_access_locked(as, ev->addr,
						    c->base.regs.rip,
						    ev->present);
	pthread_mutex_unlock(&as->lock);
	return rc;
}

/* --- platform ------------------------------------------------------------ */

/* The probe's tracee: waits, on a stack of its own, to be killed. Raw
 * calls only: it shares the caller's memory and TLS (no errno writes). */
static int pt_probe_child(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static int pt_probe(struct platform_probe *out)
{
	static char stack[16384] __attribute__((aligned(64)));
	pid_t pid;
	int st;

	memset(out, 0, sizeof(*out));
	/* A child sharing our memory (CLONE_VM): the same PTRACE_SEIZE test
	 * as on a forked one, without copying the page tables there and
	 * tearing them down again (~0.2 ms of every start-up on ptrace). */
	pid = clone(pt_probe_child, stack + sizeof(stack), CLONE_VM | SIGCHLD,
		    NULL);
	if (pid < 0) {
		snprintf(out->why, sizeof(out->why), "clone: %s",
			 strerror(errno));
		return 0;
	}
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL) < 0)
		snprintf(out->why, sizeof(out->why), "ptrace: %s",
			 strerror(errno));
	else
		out->usable = true;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
	return 0;
}

static struct platform *pt_create(const char **err)
{
	static char msg[160];
	struct pt_platform *p;
	int rc;

	rc = pt_stub_init();
	if (rc) {
		snprintf(msg, sizeof(msg), "ptrace platform: %s",
			 rc == -EBADF ? "memory file not initialised"
				      : strerror(-rc));
		*err = msg;
		return NULL;
	}
	if (sched_getaffinity(0, sizeof(pt_cpus), &pt_cpus) == 0)
		pt_ncpus = CPU_COUNT(&pt_cpus);
	pt_pool_start();
	/* The stubs map the memory file themselves: the sentry's mapping is
	 * only its window (memfile.h). */
	memfile_allow_pte_drop();
	p = rv_xcalloc(1, sizeof(*p));
	p->base.ops = &platform_ptrace_ops;
	return &p->base;
}

static void pt_destroy(struct platform *p)
{
	pt_pool_stop_all();
	pt_stub_fini();
	free(p);
}

const struct platform_ops platform_ptrace_ops = {
	.name = "ptrace",
	.probe = pt_probe,
	.create = pt_create,
	.destroy = pt_destroy,
	.as_create = pt_as_create,
	.as_destroy = pt_as_destroy,
	.as_map = pt_as_map,
	.as_unmap = pt_as_unmap,
	.as_protect = pt_as_protect,
	.ctx_create = pt_ctx_create,
	.ctx_destroy = pt_ctx_destroy,
	.ctx_switch = pt_ctx_switch,
	.ctx_interrupt = pt_ctx_interrupt,
	.ctx_sync_fpstate = pt_sync_fpstate,
};
