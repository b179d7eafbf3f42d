/* The system call table: one row per system call, the single source of
 * truth for dispatch, --strace decoding and docs/syscalls.md.
 *
 * Rows live in syscalls/syscalls.def as
 *     SYSCALL(name, nargs, kind0, ..., kind5, result_kind)
 * and each implemented call is `long sys_NAME(struct task *, const uint64_t
 * args[6])` in the file of its family (syscalls/file.c, mmap.c, …). A row
 * whose handler is not (yet) written resolves to rv_sys_enosys: the call
 * returns -ENOSYS, is logged once by name, and docs/syscalls.md lists it as
 * unsupported. */
#ifndef RV_SYSCALL_TABLE_H
#define RV_SYSCALL_TABLE_H

#include <stdbool.h>
#include <stdint.h>

struct task;

/* How --strace prints an argument. */
enum arg_kind {
	A_NONE = 0,
	A_INT,        /* signed decimal */
	A_UINT,       /* unsigned decimal */
	A_HEX,        /* 0x… */
	A_PTR,        /* pointer: 0x… or NULL */
	A_FD,         /* fd, AT_FDCWD */
	A_PATH,       /* NUL-terminated string in app memory */
	A_BUF_IN,     /* buffer the call reads; length is the next argument */
	A_BUF_OUT,    /* buffer the call fills; length printed = result */
	A_SIZE,       /* size_t */
	A_OPEN_FLAGS, /* O_RDONLY|O_CLOEXEC… */
	A_MODE,       /* octal */
	A_PROT,       /* PROT_READ|… */
	A_MMAP_FLAGS, /* MAP_PRIVATE|… */
	A_SIGNAL,     /* SIGINT… */
	A_CLONE_FLAGS,
	A_AT_FLAGS,   /* AT_SYMLINK_NOFOLLOW|… */
	A_WHENCE,     /* SEEK_SET… */
	A_STRV,       /* argv/envp arrays */
	A_IOCTL,      /* ioctl request name */
	A_FCNTL,      /* F_GETFL… */
};

/* How --strace prints the result. */
enum ret_kind {
	R_INT = 0,  /* decimal or -1 ERRNO (strerror) */
	R_HEX,      /* addresses: mmap, brk */
	R_NONE,     /* exit, exit_group: no return */
};

/* A handler that has set every register itself (rt_sigreturn, execve)
 * returns -RV_EJUSTRETURN: the dispatcher then leaves rax alone. The value
 * is outside the errno range (1..4095) so no real result collides. */
#define RV_EJUSTRETURN 4096
/* Restart codes a blocking handler returns when a signal interrupts it;
 * the signal code turns them into EINTR or a restart as Linux does
 * (same numbers as Linux's include/linux/errno.h). */
#define RV_ERESTARTSYS 512
#define RV_ERESTARTNOINTR 513
#define RV_ERESTARTNOHAND 514
#define RV_ERESTART_RESTARTBLOCK 516

typedef long (*syscall_fn)(struct task *, const uint64_t args[6]);

struct syscall_def {
	const char *name;
	syscall_fn fn;
	uint8_t nargs;
	uint8_t kinds[6];
	uint8_t ret;
};

#define SYSCALL_TABLE_SIZE 512

/* Indexed by x86-64 system call number; name is NULL for numbers that are
 * not in syscalls.def (unknown to ringvisor). */
extern const struct syscall_def syscall_table[SYSCALL_TABLE_SIZE];

/* Name of any x86-64 system call number (from the kernel's unistd_64.h),
 * or NULL. */
const char *syscall_name(unsigned long nr);

long rv_sys_enosys(struct task *, const uint64_t args[6]);
/* Deliberately unsupported calls that libc probes and falls back from
 * (rseq): -ENOSYS without the "unsupported" log line. */
long rv_sys_enosys_quiet(struct task *, const uint64_t args[6]);
static inline bool syscall_implemented(const struct syscall_def *d)
{
	return d->fn && d->fn != rv_sys_enosys && d->fn != rv_sys_enosys_quiet;
}

/* Dispatch one system call: strace, table lookup, ENOSYS logging. */
long syscall_dispatch(struct task *t, unsigned long nr, const uint64_t a[6]);

/* Declarations of every handler. */
#define SYSCALL(name, ...) long sys_##name(struct task *, const uint64_t[6]);
#include "syscalls/syscalls.def"
#undef SYSCALL

#endif
