/* Private interface of the KVM platform (platform/kvm/). Nothing outside
 * this folder includes it.
 *
 * Guest physical memory:
 *   [0, MEMFILE_MAX_SIZE)            the memory file (gpa == file offset),
 *                                    registered in slots of growing size
 *   [KVM_PRIV_GPA, +KVM_PRIV_SIZE)   platform-private: guest ring-0 code,
 *                                    IDT, per-vCPU GDT/TSS/stack, page tables
 * Guest virtual memory, in every address space:
 *   [0, 0x800000000000)              the app (user pages, written by as_map)
 *   KVM_KVA_BASE + x                 private offset x, supervisor only
 *
 *   KVM_USTUB_VA                     the PVM system call stub, user RX
 *
 * The guest runs no kernel: exceptions leave through an `out` in a ring-0
 * stub and system calls through an `out` at LSTAR (ring 0 on hardware
 * KVM, ring 3 on PVM); the host returns by writing registers and, from
 * ring 0, an iretq frame. kvm_vcpu.c says why this is cheapest. */
#ifndef RV_PLATFORM_KVM_IMPL_H
#define RV_PLATFORM_KVM_IMPL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"

#define KVM_PRIV_GPA MEMFILE_MAX_SIZE
#define KVM_PRIV_SIZE (256ULL << 20)
#define KVM_KVA_BASE 0xffffff8000000000ULL /* pml4[511], pdpt[0] */
#define KVM_USER_TOP 0x800000000000ULL

/* Fixed pages at the start of the private region. */
#define KVM_PG_CODE 0 /* ring-0 stubs, read-only + exec */
#define KVM_PG_IDT 1
#define KVM_PG_KPDPT 2 /* shared by every address space's pml4[511] */
#define KVM_PG_KPD 3
#define KVM_PG_KPT 4 /* 4 KiB mappings of the first 2 MiB */
#define KVM_PG_USTUB 5 /* the PVM system call stub, user-visible */
#define KVM_PG_FIRST_FREE 6

/* Where the user stub sits in every address space: the last page of the
 * user half, which Linux never lets a process map (TASK_SIZE is one page
 * short of 2^47; MM_USER_TOP here). */
#define KVM_USTUB_VA 0x7ffffffff000ULL
#define KVM_USTUB_SYSCALL 0x00
#define KVM_USTUB_SYSCALL32 0x10

/* Layout of the code page. */
#define KVM_CODE_LSTAR 0x000   /* out KVM_PORT_SYSCALL (hardware KVM) */
#define KVM_CODE_CSTAR 0x010   /* out KVM_PORT_SYSCALL32 */
#define KVM_CODE_IRET 0x020    /* iretq */
#define KVM_CODE_APPLY 0x030   /* re-store logged PTEs, reload cr3, iretq */
#define KVM_CODE_APPLY_END 0x0f0
#define KVM_CODE_VEC 0x100     /* + 8 * vector: out vector */
#define KVM_NVEC 33            /* 0..31, and 32 stands for int 0x80 */
#define KVM_VEC_INT80 32
#define KVM_PORT_SYSCALL 0xfe
#define KVM_PORT_SYSCALL32 0xfd

/* Segment selectors: Linux's, so that the app sees the values it would. */
#define KVM_SEL_KCODE 0x10
#define KVM_SEL_KDATA 0x18
#define KVM_SEL_UCODE32 0x23
#define KVM_SEL_UDATA 0x2b
#define KVM_SEL_UCODE 0x33
#define KVM_SEL_TSS 0x40

/* Page-table entry bits. */
#define PTE_P 0x1ULL
#define PTE_W 0x2ULL
#define PTE_U 0x4ULL
#define PTE_A 0x20ULL
#define PTE_D 0x40ULL
#define PTE_PS 0x80ULL
#define PTE_SOFT_NONE 0x200ULL /* not present, but mapped PROT_NONE */
#define PTE_NX (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

struct kvm_vcpu;

struct kvm_platform {
	struct platform base;
	int kvm_fd, vm_fd;
	int run_size;
	uint8_t *priv; /* host view of the private region */
	pthread_mutex_t lock; /* pages, slots, vcpu list, attach */
	uint64_t priv_top;    /* bump pointer, bytes */
	uint64_t *free_pages; /* private offsets of freed pages */
	size_t nfree, nlimbo, capfree;
	uint64_t zaps; /* statistics */
	uint64_t slots_top;   /* memory file registered up to here */
	int nslots;
	struct kvm_vcpu **vcpus; /* every vCPU (busy or pooled) */
	size_t nvcpus;
	int next_vcpu_id;
	/* Contexts alive and the most the VM can back with vCPUs
	 * (KVM_CAP_MAX_VCPUS less the probe's spare): one more is refused
	 * at ctx_create, so clone fails with EAGAIN instead of the task
	 * dying at its first switch. */
	int nctx, max_ctx;
	bool syscall_ring0;   /* probe: `syscall` reaches guest ring 0 */
	bool lstar_user;      /* LSTAR is the user stub (PVM-like host) */
	int tsc_host;         /* vCPU TSCs read the host's: -1 not known yet */
	struct kvm_cpuid2 *cpuid; /* what the app sees */
	uint64_t xcr0;
	uint32_t xsave_len;
	uint64_t cr4;
	uint64_t next_as_id;
	struct kvm_platform *next_all; /* for the memory file grow hook */
};

/* Changed present entries waiting for a guest re-store (kvm_mmu.c). The
 * ring holds entries [log_applied, log_seq); a change that would overflow
 * it zaps instead. */
#define KVM_LOG_CAP 256

struct kvm_as {
	struct kvm_platform *p;
	uint64_t id;
	pthread_mutex_t lock; /* page table edits, the log */
	uint64_t pml4; /* private offset */
	_Atomic uint64_t gen; /* bumped when a present entry changed */
	uint64_t log[KVM_LOG_CAP]; /* guest virtual addresses of PTEs */
	uint64_t log_seq, log_applied;
};

struct kvm_vcpu {
	struct kvm_platform *p;
	int fd, id;
	struct kvm_run *run;
	uint64_t area;  /* private offset: GDT+TSS page */
	uint64_t stack; /* private offset: IST1 stack page */
	struct kvm_ctx *owner; /* NULL when pooled */
	/* Seen by other threads (kicks). */
	_Atomic int in_guest;
	_Atomic uint64_t exits;
	pthread_t thread;
	/* Private to the running thread. */
	struct kvm_sregs sregs; /* what we load when sregs must change */
	bool sregs_stale;       /* sregs must be loaded before the next run */
	struct kvm_as *as;      /* guarded by p->lock for writers */
	uint64_t as_id, seen_gen;
	uint64_t apply_upto;    /* log_seq the last apply stub covered */
	bool applying;
	bool resume_as_is;      /* guest is mid-stub: run without reload */
	bool cpl3;              /* vCPU stopped in ring 3, user segments */
};

struct kvm_ctx {
	struct platform_ctx base; /* first: platform_ctx is cast to this */
	struct kvm_vcpu *vcpu;
	_Atomic int interrupt;
};

static inline struct kvm_platform *kvm_of(struct platform *p)
{
	return (struct kvm_platform *)p;
}

static inline void *kvm_priv_ptr(struct kvm_platform *p, uint64_t off)
{
	return p->priv + off;
}

/* kvm.c */
int64_t kvm_page_alloc(struct kvm_platform *p); /* zeroed; -ENOMEM */
void kvm_page_free(struct kvm_platform *p, uint64_t off);
int kvm_slots_cover(struct kvm_platform *p, uint64_t size);
int kvm_zap_shadow(struct kvm_platform *p);

/* kvm_mmu.c */
struct platform_as *kvm_as_create(struct platform *pl);
void kvm_as_destroy(struct platform_as *pas);
int kvm_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
	       uint64_t off, int prot);
int kvm_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len);
int kvm_as_protect(struct platform_as *pas, uint64_t addr, uint64_t len,
		   int prot);
/* Map one page of the private region (for the start-up probe). */
int kvm_as_map_priv(struct kvm_as *as, uint64_t va, uint64_t priv_off,
		    uint64_t flags);
void kvm_kernel_tables_init(struct kvm_platform *p);
int kvm_as_read(struct kvm_as *as, uint64_t va, void *buf, size_t n);

/* kvm_vcpu.c */
int kvm_cpu_setup_vm(struct kvm_platform *p, const char **err);
void kvm_guest_code_init(struct kvm_platform *p);
struct platform_ctx *kvm_ctx_create(struct platform *pl);
void kvm_ctx_destroy(struct platform_ctx *pc);
int kvm_ctx_switch(struct platform_ctx *pc, struct platform_as *pas,
		   struct platform_event *ev);
void kvm_ctx_interrupt(struct platform_ctx *pc);
int kvm_ctx_sync_fpstate(struct platform_ctx *pc);
void kvm_vcpu_close(struct kvm_vcpu *v);
/* Make every vCPU running in as leave the guest before returning. */
void kvm_kick_as(struct kvm_as *as);
/* Copy the entries waiting for a re-store into dst (KVM_LOG_CAP max);
 * returns how many, *upto the log position they reach. */
size_t kvm_as_log_take(struct kvm_as *as, uint64_t *dst, uint64_t *upto);
void kvm_as_log_done(struct kvm_as *as, uint64_t upto);
int kvm_probe_syscall(struct kvm_platform *p, const char **err);

#endif
