/* What the sentry asks of a platform: run application code until it needs
 * the sentry (a system call, a fault, an interruption), with its memory made
 * of ranges of the memory file.
 *
 * The sentry never knows which platform it runs on and never includes a
 * platform's private header. Every platform passes the same differential
 * tests through this interface.
 *
 * Threading rules:
 *  - A platform_ctx belongs to one sentry task, and ctx_switch() is always
 *    called from that task's host thread (1:1). The first ctx_switch() binds
 *    the ctx to the calling thread.
 *  - as_map/as_unmap/as_protect may be called from any thread. When they
 *    return, the change is in effect for every ctx that will next run in
 *    that address space; when another thread of the same address space is
 *    running app code at that moment, it too sees the change before the
 *    call returns (Linux's munmap semantics).
 *  - ctx_interrupt() may be called from any thread at any time, including
 *    before or while the target is inside ctx_switch(); an interrupt is
 *    never lost: if the target is not in the app, its next ctx_switch()
 *    returns PEV_INTERRUPTED at once.
 */
#ifndef RV_PLATFORM_H
#define RV_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h> /* struct user_regs_struct, user_fpregs_struct */

struct platform;
struct platform_as;

/* Exclusive end of the address space a platform gives the app. The ptrace
 * platform keeps its stub code and op table in [PLATFORM_USER_TOP,
 * 0x7ffffffff000) and its as_map refuses that range; the mm should not hand
 * out addresses above it (Linux's TASK_SIZE, 0x7ffffffff000, is 8 KiB
 * higher). */
#define PLATFORM_USER_TOP 0x7fffffffd000ULL

/* Registers of one app thread. The layout is the kernel's ptrace one,
 * including orig_rax, fs_base and gs_base. */
typedef struct user_regs_struct rv_regs_t;

/* FXSAVE/XSAVE image of the app's FPU state. The first 512 bytes are the
 * legacy FXSAVE area (struct user_fpregs_struct); platforms that support
 * XSAVE keep the rest. */
#define PLATFORM_FPSTATE_MAX 4096

/* Common head of every platform's context. Between switches the sentry
 * reads and writes regs (and fs_base/gs_base inside them) directly; the
 * platform loads them into the app at the next ctx_switch(). */
struct platform_ctx {
	struct platform *platform;
	rv_regs_t regs;
	/* FPU state, 64-byte aligned for XSAVE. Valid between switches. */
	uint8_t fpstate[PLATFORM_FPSTATE_MAX] __attribute__((aligned(64)));
	uint32_t fpstate_len; /* bytes of fpstate in use */
	bool fpstate_dirty;   /* sentry changed fpstate: platform reloads it */
};

enum platform_event_kind {
	PEV_SYSCALL = 1, /* regs.orig_rax = number, rip past the instruction */
	PEV_FAULT,       /* page fault: addr, access */
	PEV_SIGNAL,      /* other synchronous exception: signo, code, addr */
	PEV_INTERRUPTED, /* ctx_interrupt() (or a host signal) stopped the app */
};

/* Access kinds of a fault, like PROT_*: 0 when the platform cannot tell. */
#define PLATFORM_ACC_READ 1
#define PLATFORM_ACC_WRITE 2
#define PLATFORM_ACC_EXEC 4

struct platform_event {
	enum platform_event_kind kind;
	/* PEV_FAULT: faulting address; access (PLATFORM_ACC_*, 0 = unknown);
	 * present = the page was mapped but the access was not allowed.
	 * PEV_SIGNAL: signo (SIGILL, SIGFPE, SIGTRAP, SIGBUS, SIGSEGV for #GP),
	 * code (si_code as Linux would set it), addr (si_addr), trapno. */
	uint64_t addr;
	int access;
	bool present;
	int signo;
	int code;
	int trapno;
	/* PEV_SYSCALL: true if the app used int 0x80 (32-bit ABI) instead of
	 * syscall; the sentry answers -ENOSYS. */
	bool compat32;
};

struct platform_probe {
	bool usable;
	char why[160]; /* when !usable: "/dev/kvm: permission denied" */
};

struct platform_ops {
	const char *name; /* "kvm", "systrap", "ptrace" */

	/* Can this platform run here? Cheap; fills why when not. */
	int (*probe)(struct platform_probe *out);
	/* One per sandbox. memfile must be initialised. NULL + errno-style
	 * message in *err (static or malloc'd, caller prints). */
	struct platform *(*create)(const char **err);
	/* create forks no process and makes no host call that the sentry's
	 * capabilities would widen (kvm: /dev/kvm ioctls): it may start on
	 * a thread of the sentry before the capabilities are dropped, and
	 * overlap the sentry's namespace set-up (runtime/run.c). ptrace's
	 * forks its stub factory, which must inherit the confined
	 * sentry's credentials. */
	bool create_early;
	void (*destroy)(struct platform *);

	/* One address space per mm. */
	struct platform_as *(*as_create)(struct platform *);
	void (*as_destroy)(struct platform_as *);
	/* Map [addr, addr+len) to memory file [off, off+len) with prot
	 * (PROT_READ|PROT_WRITE|PROT_EXEC subset), replacing what was there.
	 * All page aligned. 0 or -errno. */
	int (*as_map)(struct platform_as *, uint64_t addr, uint64_t len,
		      uint64_t off, int prot);
	int (*as_unmap)(struct platform_as *, uint64_t addr, uint64_t len);
	/* Change the protection of pages mapped with as_map (unmapped pages in
	 * the range stay unmapped). */
	int (*as_protect)(struct platform_as *, uint64_t addr, uint64_t len,
			  int prot);

	/* One context per task. */
	struct platform_ctx *(*ctx_create)(struct platform *);
	void (*ctx_destroy)(struct platform_ctx *);
	/* Run the app in as with ctx->regs until something needs the sentry.
	 * On return ctx->regs (and fpstate) hold the app's state. 0, or
	 * -errno on a platform failure the sentry cannot recover from (the
	 * task is then killed with SIGKILL). */
	int (*ctx_switch)(struct platform_ctx *, struct platform_as *,
			  struct platform_event *);
	/* Make ctx_switch() return PEV_INTERRUPTED soon. Any thread. */
	void (*ctx_interrupt)(struct platform_ctx *);
	/* Optional: make the FPU state current in ctx->fpstate (platforms may
	 * fetch it lazily). NULL when fpstate is always current. */
	int (*ctx_sync_fpstate)(struct platform_ctx *);
};

/* Every platform embeds this as its first member. */
struct platform {
	const struct platform_ops *ops;
};

extern const struct platform_ops platform_ptrace_ops;
extern const struct platform_ops platform_kvm_ops;
/* KVM only: does every vCPU's TSC read the host's TSC (offset 0, no
 * scaling), so that the vDSO can compute time in the guest? */
bool platform_kvm_tsc_is_host(const struct platform *);

/* Resolve --platform=NAME ("auto" probes in order of preference). On error
 * returns NULL and sets *err to a one-line message. */
const struct platform_ops *platform_lookup(const char *name, const char **err);

#endif
