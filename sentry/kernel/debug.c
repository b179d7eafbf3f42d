/* The stack dump of a hung sandbox, like `runsc debug --stacks`: every
 * task with its state (app code, which syscall, asleep where and on what,
 * stopped, exiting), every zombie, and each task thread's host backtrace.
 *
 * A hang is a task asleep that nobody will wake: the wait channel names
 * the sleeper (pipe_wait, do_wait, futex_wait…), the backtrace shows the
 * way there, and the other tasks' states show who should have woken it.
 * The dump reads the tasks' debug fields without their locks (they are
 * atomics written only by the task itself), and takes the kernel lock only
 * for a bounded time, since the thread that holds it forever may be the
 * bug. */
#include "sentry/kernel/kernel.h"

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#define UNW_LOCAL_ONLY /* as sentry/util.c: -lunwind has the local unwinder */
#include <libunwind.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sentry/kernel/process.h"
#include "sentry/util.h"
#include "syscalls/table.h"

/* --- symbols --------------------------------------------------------------
 *
 * The confined sentry sees no host /proc and no host files, so libunwind
 * cannot name frames by reading the binary. kernel_dump_init() keeps an fd
 * of our own executable; the first dump reads its symbol table through it.
 * Frames in shared libraries are named by dladdr() (their exported
 * symbols), else as library+offset, enough for addr2line on the host. */

struct dump_sym {
	uintptr_t start, size;
	uint32_t name;
};

static int exe_fd = -1;
static uintptr_t exe_base;
static struct dump_sym *syms;
static size_t nsyms;
static char *sym_names;
static size_t sym_names_len;
static bool syms_loaded;

static int sym_cmp(const void *a, const void *b)
{
	const struct dump_sym *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

static bool pread_all(int fd, void *buf, size_t len, off_t off)
{
	return pread(fd, buf, len, off) == (ssize_t)len;
}

static void syms_load(void)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL;
	Elf64_Sym *st = NULL;

	syms_loaded = true;
	if (exe_fd < 0 || !pread_all(exe_fd, &eh, sizeof(eh), 0) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shnum == 0 ||
	    eh.e_shnum > 4096)
		return;
	sh = rv_xcalloc(eh.e_shnum, sizeof(*sh));
	if (!pread_all(exe_fd, sh, eh.e_shnum * sizeof(*sh), (off_t)eh.e_shoff))
		goto out;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh.e_shnum)
			continue;
		Elf64_Shdr *str = &sh[sh[i].sh_link];
		size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
		if (n == 0 || n > (1u << 22) || str->sh_size > (64u << 20))
			break;
		st = rv_xcalloc(n, sizeof(*st));
		sym_names = rv_xmalloc(str->sh_size + 1);
		if (!pread_all(exe_fd, st, n * sizeof(*st), (off_t)sh[i].sh_offset) ||
		    !pread_all(exe_fd, sym_names, str->sh_size,
			       (off_t)str->sh_offset)) {
			free(sym_names);
			sym_names = NULL;
			break;
		}
		sym_names[str->sh_size] = 0;
		sym_names_len = str->sh_size;
		syms = rv_xcalloc(n, sizeof(*syms));
		for (size_t k = 0; k < n; k++) {
			if (ELF64_ST_TYPE(st[k].st_info) != STT_FUNC ||
			    !st[k].st_value || st[k].st_name >= sym_names_len)
				continue;
			syms[nsyms++] = (struct dump_sym){
				exe_base + st[k].st_value, st[k].st_size,
				st[k].st_name};
		}
		qsort(syms, nsyms, sizeof(*syms), sym_cmp);
		break;
	}
out:
	free(st);
	free(sh);
}

/* "function+0xoff" for a code address. */
static void sym_name(uintptr_t ip, char *buf, size_t len)
{
	if (!syms_loaded)
		syms_load();
	size_t lo = 0, hi = nsyms;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (syms[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		struct dump_sym *s = &syms[lo - 1];
		if (ip < s->start + (s->size ? s->size : 1)) {
			snprintf(buf, len, "%s+0x%lx", sym_names + s->name,
				 (unsigned long)(ip - s->start));
			return;
		}
	}
	Dl_info di;
	if (dladdr((void *)ip, &di) && di.dli_fname) {
		const char *lib = strrchr(di.dli_fname, '/');
		lib = lib ? lib + 1 : di.dli_fname;
		if (di.dli_sname && di.dli_saddr)
			snprintf(buf, len, "%s+0x%lx (%s)", di.dli_sname,
				 (unsigned long)(ip - (uintptr_t)di.dli_saddr),
				 lib);
		else
			snprintf(buf, len, "%s+0x%lx", lib,
				 (unsigned long)(ip - (uintptr_t)di.dli_fbase));
		return;
	}
	snprintf(buf, len, "0x%lx", (unsigned long)ip);
}

static int main_base_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	*(uintptr_t *)arg = info->dlpi_addr; /* the first is the program */
	return 1;
}

/* --- backtraces ------------------------------------------------------------
 *
 * One thread at a time is asked (dump_tid); its handler records its return
 * addresses in dump_ips and says it is done. Naming them is left to the
 * dumping thread: the handler only unwinds, which libunwind's local
 * unwinder does without taking locks the interrupted code may hold. */
#define DUMP_MAX_FRAMES 48
static _Atomic int dump_tid;
static _Atomic int dump_done;
static uintptr_t dump_ips[DUMP_MAX_FRAMES];
static int dump_nips;
static pthread_mutex_t dump_lock = PTHREAD_MUTEX_INITIALIZER;

static void dump_bt_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	int saved = errno;
	unw_context_t ctx;
	unw_cursor_t cur;

	if (atomic_load(&dump_tid) != (int)syscall(SYS_gettid))
		goto out;
	dump_nips = 0;
	if (unw_getcontext(&ctx) < 0 || unw_init_local(&cur, &ctx) < 0)
		goto out;
	/* Past this handler: the signal trampoline, then the thread's own
	 * frames. */
	while (dump_nips < DUMP_MAX_FRAMES && unw_step(&cur) > 0) {
		unw_word_t ip = 0;
		unw_get_reg(&cur, UNW_REG_IP, &ip);
		dump_ips[dump_nips++] = (uintptr_t)ip;
	}
out:
	atomic_store(&dump_done, 1);
	errno = saved;
}

void kernel_dump_init(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = dump_bt_handler;
	/* SA_RESTART: a host call the thread was in (waitpid on its stub, a
	 * futex) carries on afterwards. */
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(KERNEL_DUMP_SIG, &sa, NULL);
	/* Before confinement hides it: read only if a dump is asked for. */
	exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	dl_iterate_phdr(main_base_cb, &exe_base);
}

static const char *const state_names[] = {
	[TASK_DBG_NEW] = "new",
	[TASK_DBG_APP] = "running app code",
	[TASK_DBG_SYSCALL] = "in syscall",
	[TASK_DBG_BLOCKED] = "blocked in syscall",
	[TASK_DBG_STOPPED] = "stopped (group stop)",
	[TASK_DBG_EXITING] = "exiting",
};

struct dump_row {
	int tid, tgid, host_tid, state;
	int status; /* a zombie's wait status */
	long sysno;
	const void *wchan, *wobj;
	bool stopped, exiting, zombie;
	uint64_t pending, shared_pending, sigmask;
	char comm[16];
};

static size_t dump_snapshot(struct dump_row **out)
{
	size_t n = 0, cap = 16;
	struct dump_row *rows = rv_xcalloc(cap, sizeof(*rows));
	for (struct task *t = kernel_all_tasks_locked(); t; t = t->next_all) {
		if (n == cap) {
			cap *= 2;
			rows = rv_xrealloc(rows, cap * sizeof(*rows));
		}
		struct dump_row *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->tid = t->tid;
		r->tgid = t->tg->tgid;
		r->host_tid = atomic_load(&t->host_tid);
		r->state = atomic_load(&t->dbg.state);
		r->sysno = atomic_load(&t->dbg.sysno);
		r->wchan = atomic_load(&t->dbg.wchan);
		r->wobj = atomic_load(&t->dbg.wobj);
		r->stopped = t->tg->stopped;
		r->exiting = t->tg->exiting || t->exited;
		r->pending = atomic_load(&t->pending);
		r->shared_pending = t->tg->shared_pending;
		r->sigmask = t->sigmask;
		memcpy(r->comm, t->comm, sizeof(r->comm));
		r->comm[sizeof(r->comm) - 1] = 0;
	}
	kernel_for_each_tg_locked(tg, {
		if (!tg->zombie)
			continue;
		if (n == cap) {
			cap *= 2;
			rows = rv_xrealloc(rows, cap * sizeof(*rows));
		}
		struct dump_row *r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->tid = r->tgid = tg->tgid;
		r->zombie = true;
		r->status = tg->exit_code;
	});
	*out = rows;
	return n;
}

/* Ask one task thread for its backtrace (into dump_ips); give up after a
 * second (a thread blocking signals, or gone). NULL, or why not. */
static const char *dump_backtrace(int host_tid)
{
	const char *why = NULL;
	dump_nips = 0;
	atomic_store(&dump_done, 0);
	atomic_store(&dump_tid, host_tid);
	if (syscall(SYS_tgkill, getpid(), host_tid, KERNEL_DUMP_SIG) < 0) {
		why = strerror(errno);
	} else {
		struct timespec ms = {0, 1000000};
		int i;
		for (i = 0; i < 1000 && !atomic_load(&dump_done); i++)
			nanosleep(&ms, NULL);
		if (i == 1000)
			why = "the thread did not answer";
	}
	/* A late answer finds dump_tid changed and records nothing. */
	atomic_store(&dump_tid, 0);
	return why;
}

void kernel_dump_tasks(int fd)
{
	struct dump_row *rows;
	char name[160];

	pthread_mutex_lock(&dump_lock);
	bool locked = kernel_lock_within(1000);
	dprintf(fd, "ringvisor: stack dump of sandbox (sentry pid %d)%s\n",
		getpid(),
		locked ? "" : "; the kernel lock is held by a stuck thread, "
			      "listing without it");
	size_t n = dump_snapshot(&rows);
	if (locked)
		kernel_unlock();
	for (size_t i = 0; i < n; i++) {
		struct dump_row *r = &rows[i];
		if (r->zombie) {
			dprintf(fd, "  pid %d: zombie, wait status 0x%x, not "
				"reaped\n", r->tid, r->status);
			continue;
		}
		const char *why = "no host thread";
		if (r->host_tid)
			why = dump_backtrace(r->host_tid);
		const char *st = r->state >= 0 &&
				 r->state < (int)RV_ARRAY_SIZE(state_names) ?
				 state_names[r->state] : "?";
		dprintf(fd, "  tid %d (pid %d, %s, sentry tid %d): %s", r->tid,
			r->tgid, r->comm[0] ? r->comm : "?", r->host_tid, st);
		if (r->state == TASK_DBG_SYSCALL || r->state == TASK_DBG_BLOCKED) {
			const char *name = syscall_name((unsigned long)r->sysno);
			dprintf(fd, " %s", name ? name : "?");
		}
		if (r->state == TASK_DBG_BLOCKED) {
			sym_name((uintptr_t)r->wchan, name, sizeof(name));
			dprintf(fd, ", asleep in %s", name);
			if (r->wobj)
				dprintf(fd, " on waitq %p", r->wobj);
		}
		dprintf(fd, "%s%s; signals pending 0x%llx, to the process 0x%llx, "
			"blocked 0x%llx\n",
			r->stopped ? ", group stopped" : "",
			r->exiting ? ", group exiting" : "",
			(unsigned long long)r->pending,
			(unsigned long long)r->shared_pending,
			(unsigned long long)r->sigmask);
		if (why) {
			dprintf(fd, "      (no backtrace: %s)\n", why);
			continue;
		}
		for (int k = 0; k < dump_nips; k++) {
			sym_name(dump_ips[k], name, sizeof(name));
			dprintf(fd, "      #%-2d %s%s\n", k, name,
				dump_ips[k] == (uintptr_t)r->wchan ?
				"  <- asleep" : "");
		}
	}
	dprintf(fd, "ringvisor: end of stack dump (%zu entries)\n", n);
	free(rows);
	pthread_mutex_unlock(&dump_lock);
}
