/* Private interface of the ptrace platform: the stub process layout and
 * its creation (stub.c), used by the platform ops (ptrace.c). Nothing
 * outside platform/ptrace/ includes this. */
#ifndef RV_PLATFORM_PTRACE_H
#define RV_PLATFORM_PTRACE_H

#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "platform/platform.h"

/* Stub process layout. The app can never use [PT_STUB_BASE, PT_STUB_END):
 * as_map refuses it. PT_STUB_END is the x86-64 TASK_SIZE (4-level paging),
 * so nothing of the stub is left above. */
#define PT_STUB_OPS_ADDR 0x7fffffffd000ULL  /* op table, read-only */
#define PT_STUB_CODE_ADDR 0x7fffffffe000ULL /* stub code, read+exec */
#define PT_STUB_BASE PT_STUB_OPS_ADDR
_Static_assert(PT_STUB_BASE == PLATFORM_USER_TOP, "stub above the app");
#define PT_STUB_END 0x7ffffffff000ULL

/* Descriptors the stub keeps, at fixed numbers so the seccomp filter can
 * name them. */
#define PT_STUB_MEMFD 3
#define PT_STUB_READYFD 4

/* Signal that kicks a stub thread out of app code (ctx_interrupt). It is
 * never delivered: the tracer sees it first and suppresses it. The stub
 * ignores it, which changes nothing for a traced thread (ptrace reports
 * ignored signals too) but lets a thread detached on its way to exit(2)
 * with one still pending die alone instead of taking the stub along. */
#define PT_INTR_SIG SIGUSR2

/* The only clone the stub may make: a thread sharing everything, no
 * settid/cleartid/TLS pointers that the kernel would write through. */
#define PT_CLONE_FLAGS                                                      \
	(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES | CLONE_FS | \
	 CLONE_SYSVSEM)

/* One host system call run by the stub's batch loop. The table lives in
 * a memory file page mapped read-only at PT_STUB_OPS_ADDR: the app (which
 * shares the address space) can never change what the stub is about to
 * execute, and reads zeros but while a batch runs (its own mapping
 * changes, from another thread): the sentry clears it after each batch.
 * The mm maps nothing at or above PT_STUB_BASE (MM_MAP_TOP), so the app
 * can neither map over nor unmap nor mprotect the stub's pages. */
struct pt_stub_op {
	uint64_t nr;
	uint64_t a[6];
};
#define PT_OPS_MAX (4096 / sizeof(struct pt_stub_op))

/* Entry points, as addresses in the stub process.
 *  pause: loop on pause(2); where idle threads wait.
 *  batch: rbx = op table, r12 = count; runs ops in order, stops at the
 *         first error; int3 with r13 = index reached, rax = last result.
 *  clone: rax..r8 set for clone; the parent traps (int3, rax = tid), the
 *         child goes to pause.
 *  syscall: one system call from the registers, then int3. */
uint64_t pt_stub_pause_addr(void);
uint64_t pt_stub_batch_addr(void);
uint64_t pt_stub_clone_addr(void);
uint64_t pt_stub_syscall_addr(void);

/* Build the stub seccomp filter and fork the factory stub, from a thread
 * that lives until pt_stub_fini(). 0 or -errno. */
int pt_stub_init(void);
/* Kill the factory; every stub dies with it. */
void pt_stub_fini(void);
/* pid of the factory stub: an idle stub whose only job is to be cloned
 * into new stubs (clone(CLONE_PARENT | SIGCHLD) at the clone entry). */
pid_t pt_stub_factory(void);
/* The factory `dead` does not answer: replace it. Returns the new pid (or
 * -errno). */
pid_t pt_stub_factory_renew(pid_t dead);

#endif
