/* Logging, panics and small host helpers: see util.h. */
#include "sentry/util.h"

#include <fcntl.h>
#include <link.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

int rv_debug;
const char *rv_progname = "ringvisor";
static void (*panic_hook)(void);

static void vmsg(const char *tag, const char *fmt, va_list ap)
{
	char buf[1024];
	int n = snprintf(buf, sizeof(buf), "%s%s: ", rv_progname, tag);
	if (n < 0)
		return;
	int m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = RV_MIN((size_t)n + (size_t)m, sizeof(buf) - 2);
	buf[len++] = '\n';
	/* One write so that lines of concurrent threads do not interleave. */
	(void)rv_write_full(2, buf, len);
}

void rv_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void rv_dbg(const char *fmt, ...)
{
	static uint64_t t0;
	char tag[48];
	if (!rv_debug)
		return;
	/* Milliseconds since the first debug line: start-up phases show
	 * where the time goes. */
	uint64_t now = rv_now_ns();
	if (!t0)
		t0 = now;
	snprintf(tag, sizeof(tag), "[debug +%.3fms]", (double)(now - t0) / 1e6);
	va_list ap;
	va_start(ap, fmt);
	vmsg(tag, fmt, ap);
	va_end(ap);
}

void rv_set_panic_hook(void (*hook)(void)) { panic_hook = hook; }

/* Backtrace of the calling thread. Other sentry threads are stopped by the
 * panic hook killing the sandbox; their stacks are printed by the kernel's
 * own panic path (kernel/panic.c) when it is linked in. */
void rv_backtrace(void)
{
	unw_context_t uc;
	unw_cursor_t cur;
	char name[128], line[256];

	if (unw_getcontext(&uc) < 0 || unw_init_local(&cur, &uc) < 0)
		return;
	for (int depth = 0; depth < 64 && unw_step(&cur) > 0; depth++) {
		unw_word_t ip = 0, offp = 0;
		unw_get_reg(&cur, UNW_REG_IP, &ip);
		if (unw_get_proc_name(&cur, name, sizeof(name), &offp) < 0)
			strcpy(name, "?");
		int n = snprintf(line, sizeof(line), "  #%d 0x%lx %s+0x%lx\n",
				 depth, (unsigned long)ip, name,
				 (unsigned long)offp);
		if (n > 0)
			(void)rv_write_full(2, line, RV_MIN((size_t)n, sizeof(line) - 1));
	}
}

void rv_panic(const char *fmt, ...)
{
	static _Atomic int panicking;
	va_list ap;

	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		/* Another thread is already panicking: let it finish. */
		for (;;)
			pause();
	}
	va_start(ap, fmt);
	vmsg(": panic", fmt, ap);
	va_end(ap);
	rv_backtrace();
	if (panic_hook)
		panic_hook();
	_exit(70);
}

void *rv_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		rv_panic("out of sentry memory (%zu bytes)", n);
	return p;
}

void *rv_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		rv_panic("out of sentry memory (%zu x %zu bytes)", n, m);
	return p;
}

void *rv_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		rv_panic("out of sentry memory (%zu bytes)", n);
	return q;
}

char *rv_xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		rv_panic("out of sentry memory");
	return p;
}

ssize_t rv_read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

ssize_t rv_write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, (const char *)buf + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

uint64_t rv_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A fault in the sentry itself is a sentry bug: report it with a backtrace
 * and take the sandbox down (rv_panic) rather than die silently or leave
 * stubs and other threads half alive. */
static __attribute__((unused)) void crash_handler(int sig, siginfo_t *si,
						  void *uc)
{
	(void)uc;
	rv_panic("sentry crashed: %s at address %p", sigdescr_np(sig),
		 si->si_addr);
}

void *rv_thread_altstack(void)
{
	/* The handler must run even when the fault is a stack overflow. */
	stack_t ss = {.ss_size = 64 << 10};
	ss.ss_sp = malloc(ss.ss_size);
	if (ss.ss_sp && sigaltstack(&ss, NULL) < 0) {
		free(ss.ss_sp);
		return NULL;
	}
	return ss.ss_sp;
}

void rv_thread_altstack_free(void *stack)
{
	stack_t ss = {.ss_flags = SS_DISABLE};
	if (!stack)
		return;
	sigaltstack(&ss, NULL);
	free(stack);
}

void rv_install_crash_handlers(void)
{
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer reports faults itself, better. */
	return;
#else
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = crash_handler;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	rv_thread_altstack();
	for (size_t i = 0; i < RV_ARRAY_SIZE(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
#endif
}

const char *rv_errstr(int err)
{
	static __thread char buf[128];
	snprintf(buf, sizeof(buf), "%s", strerror(err));
	/* "No such file or directory" -> "no such file or directory", but
	 * leave acronyms ("RPC struct is bad") alone. */
	if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z'))
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}

static int rv_cpus;

__attribute__((constructor)) static void rv_count_cpus(void)
{
	rv_cpus = get_nprocs();
}

int rv_host_cpus(void)
{
	return rv_cpus > 0 ? rv_cpus : 1;
}

/* The pages of [a, b) that no writable or RELRO segment of the object
 * shares (page granularity): only those may be dropped, since
 * MADV_DONTNEED on a private page that was written (relocated data) would
 * bring back the file's bytes. */
static void drop_segment(const struct dl_phdr_info *info, uintptr_t a,
			 uintptr_t b)
{
	const uintptr_t pg = 4096;
	a &= ~(pg - 1);
	b = (b + pg - 1) & ~(pg - 1);
	for (int i = 0; i < info->dlpi_phnum && a < b; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (!((ph->p_type == PT_LOAD && (ph->p_flags & PF_W)) ||
		      ph->p_type == PT_GNU_RELRO))
			continue;
		uintptr_t wa = (info->dlpi_addr + ph->p_vaddr) & ~(pg - 1);
		uintptr_t wb = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz +
				pg - 1) & ~(pg - 1);
		if (wb <= a || wa >= b)
			continue;
		/* Segments are laid out in address order: keep the part
		 * before the writable pages (a writable segment never sits in
		 * the middle of a read-only one). */
		if (wa > a)
			b = wa;
		else
			a = RV_MIN(wb, b);
	}
	if (a < b)
		madvise((void *)a, b - a, MADV_DONTNEED);
}

static int drop_object(struct dl_phdr_info *info, size_t size, void *vdso)
{
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD)
			continue;
		/* The vDSO is the kernel's special mapping: left alone. */
		if (vdso && a <= (uintptr_t)vdso &&
		    (uintptr_t)vdso < a + ph->p_memsz)
			return 0;
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) ||
		    !ph->p_memsz)
			continue;
		uintptr_t a = info->dlpi_addr + ph->p_vaddr;
		drop_segment(info, a, a + ph->p_memsz);
	}
	return 0;
}

/* A debugger's breakpoints are private copies of text pages, which
 * MADV_DONTNEED would throw away: a traced process keeps its pages. */
static bool traced(void)
{
	char buf[2048];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	ssize_t n = rv_read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	const char *t = strstr(buf, "\nTracerPid:");
	return !t || atoi(t + 11) != 0;
}

void rv_drop_code_ptes(void)
{
	if (!traced())
		dl_iterate_phdr(drop_object,
				(void *)getauxval(AT_SYSINFO_EHDR));
}
