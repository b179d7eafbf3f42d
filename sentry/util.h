/* Small helpers shared by every part of ringvisor: logging, panics,
 * cleanup attributes and arithmetic that must not overflow.
 *
 * Sentry code returns -errno like the kernel; it never calls exit() from
 * deep inside. A broken invariant is a sentry bug: rv_panic() prints a
 * backtrace of every sentry thread, kills the sandbox and exits non-zero. */
#ifndef RV_UTIL_H
#define RV_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define RV_PAGE_SIZE 4096UL
#define RV_PAGE_SHIFT 12
#define RV_PAGE_MASK (~(RV_PAGE_SIZE - 1))
#define rv_page_down(x) ((uint64_t)(x) & RV_PAGE_MASK)
#define rv_page_up(x) (((uint64_t)(x) + RV_PAGE_SIZE - 1) & RV_PAGE_MASK)
#define rv_page_aligned(x) (((uint64_t)(x) & (RV_PAGE_SIZE - 1)) == 0)

#define RV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define RV_MIN(a, b) ((a) < (b) ? (a) : (b))
#define RV_MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* --- logging ------------------------------------------------------------ */

extern int rv_debug;            /* --debug */
extern const char *rv_progname; /* "ringvisor" */

/* A user-facing error: "ringvisor: <msg>" on stderr. */
void rv_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strerror() in lower case, as error lines read: "exec /x: no such file or
 * directory". Thread-local buffer. */
const char *rv_errstr(int err);
/* Only with --debug: "ringvisor[debug]: <msg>". */
void rv_dbg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Sentry bug: message, backtrace of all sentry threads, kill the sandbox,
 * exit 70 (EX_SOFTWARE). Never returns. */
void rv_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn, cold));

#define RV_BUG_ON(cond)                                                      \
	do {                                                                 \
		if (unlikely(cond))                                          \
			rv_panic("BUG at %s:%d: %s", __FILE__, __LINE__,     \
				 #cond);                                     \
	} while (0)

/* Sentry faults (SIGSEGV, SIGBUS, …) become rv_panic(); every thread
 * that may fault needs its own alternate signal stack. */
void rv_install_crash_handlers(void);
void *rv_thread_altstack(void);
void rv_thread_altstack_free(void *stack);
void rv_backtrace(void);

/* Registered by the runtime: called by rv_panic() to kill every process of
 * the sandbox (stubs, gofer) before the sentry exits. */
void rv_set_panic_hook(void (*hook)(void));

/* --- cleanup ------------------------------------------------------------ */

static inline void rv_freep(void *p) { free(*(void **)p); }
static inline void rv_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_free __attribute__((cleanup(rv_freep)))
#define cleanup_close __attribute__((cleanup(rv_closep)))

/* --- checked arithmetic ------------------------------------------------- */

/* true when a + b overflows or the range [a, a+b) leaves the user half of
 * the x86-64 address space. */
static inline bool rv_range_bad(uint64_t a, uint64_t len)
{
	uint64_t end;
	if (__builtin_add_overflow(a, len, &end))
		return true;
	return end > 0x800000000000ULL;
}

/* *dl += rel for a deadline, rel a valid relative time (tv_sec >= 0,
 * tv_nsec < 1e9) from the app: saturates at the largest time rather than
 * overflowing into the past, as Linux's timespec64_add_safe does; a huge
 * timeout means "forever". */
static inline void rv_ts_add_sat(struct timespec *dl,
				 const struct timespec *rel)
{
	if (__builtin_add_overflow(dl->tv_sec, rel->tv_sec, &dl->tv_sec) ||
	    (dl->tv_nsec + rel->tv_nsec >= 1000000000L &&
	     dl->tv_sec == INT64_MAX)) {
		*dl = (struct timespec){INT64_MAX, 999999999L};
		return;
	}
	dl->tv_nsec += rel->tv_nsec;
	if (dl->tv_nsec >= 1000000000L) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000L;
	}
}

/* Allocation that cannot fail silently: panics on ENOMEM of the sentry's
 * own heap (the app's memory lives in the memory file, not here). */
void *rv_xmalloc(size_t n);
void *rv_xcalloc(size_t n, size_t m);
void *rv_xrealloc(void *p, size_t n);
char *rv_xstrdup(const char *s);

/* Host read/write that retry on EINTR and short counts. -errno on error. */
ssize_t rv_read_full(int fd, void *buf, size_t len);
ssize_t rv_write_full(int fd, const void *buf, size_t len);

/* Monotonic nanoseconds. */
uint64_t rv_now_ns(void);

/* The host's online CPUs as counted at start-up, before the sentry's
 * threads are pinned (one CPU each on ptrace) and confined (no /sys):
 * get_nprocs() later says 1. */
int rv_host_cpus(void);

/* Drop this process's page-table entries of the read-only file-backed
 * segments of ringvisor and its shared libraries (text, rodata; never a
 * writable or RELRO page, which may hold private copies): the pages stay
 * in the page cache and what runs again faults back in (minor faults,
 * with Linux's fault-around mapping up to 64 KiB around each). For a
 * process that has run its start-up code and then mostly waits (the
 * monitor); bench/README.md has what it saves and where it does not pay.
 * Not done under a debugger (TracerPid), whose breakpoints are private
 * copies of text pages; a uprobe's are too, and one placed in this
 * process before the call no longer fires in it. */
void rv_drop_code_ptes(void);

#endif
