/* vCPUs: guest set-up, entering the app and decoding why it stopped.
 *
 * The guest has no kernel. Its ring 0 is a page of tiny stubs: every IDT
 * vector (all on IST1) executes `out <vector>, %al`, which changes no
 * register, so the exit carries the app's registers in kvm_run
 * (KVM_CAP_SYNC_REGS) and the exception frame sits on the vCPU's stack
 * page, which the host reads directly. To resume after an exception the
 * host writes an iretq frame with the sentry's registers on that page and
 * points the vCPU at an `iretq` stub (or at the apply stub, kvm_mmu.c).
 *
 * System calls, chosen by a probe at create (kvm_probe_syscall):
 *  - hardware KVM: `syscall` reaches ring 0 at LSTAR, a supervisor-only
 *    `out`; return by iretq. Transitions: ring 3->0 (cheap), one exit,
 *    ring 0->3.
 *  - PVM: `syscall` jumps to LSTAR without leaving ring 3. LSTAR is then
 *    a user stub in the last user page (KVM_USTUB_VA) whose `out` the TSS
 *    I/O bitmap allows to ring 3 for that one port: one exit straight from
 *    ring 3, and the host resumes ring 3 by writing the registers back
 *    (rip = rcx, rflags = r11). No ring change at all: the same path as the
 *    floor (bench/floor/kvm_floor.c). The first idea for PVM, a #PF on a
 *    supervisor LSTAR, costs two more ring changes (~15 us each here); the
 *    probe still uses it to tell the hosts apart.
 * An app's own `in`/`out` on that port elsewhere becomes the #GP SIGSEGV
 * Linux gives (app_io). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <x86intrin.h>

#include "platform/kvm/kvm_impl.h"
#include "sentry/util.h"

#define KICK_SIG (SIGRTMAX - 2)

#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_IA32_TSC 0x10

#define RFL_IF 0x200ULL
/* Flags the app may hold: CF PF AF ZF SF TF DF OF RF AC ID. Never IOPL
 * (in/out/cli/sti would then work in ring 3), never NT or VM. */
#define RFL_USER 0x250dd5ULL

static __thread struct kvm_run *tls_run;

/* Ring-0 stub run on entry after the address space changed: re-store each
 * page-table entry listed at the bottom of the vCPU's stack page (rsi: the
 * guest address of the list, rcx: how many, at least one; with none the
 * host enters at kvm_apply_stub_reload) so that a shadowing KVM (PVM)
 * drops its copy, reload CR3 to flush the TLB, pop the app's rsi, rdx,
 * rcx and rax and iretq to the frame the host wrote above them at the top
 * of the page. PVM emulates every instruction the guest runs in ring 0
 * here (~1-2 us each), so the host does all it can instead: it writes the
 * saved registers and the frame, and sets rsi and rcx. 6 instructions per
 * entry and 7 more. Copied into the code page. */
__asm__(".pushsection .rodata.kvm_apply,\"a\"\n"
	".globl kvm_apply_stub\n.hidden kvm_apply_stub\nkvm_apply_stub:\n"
	"1:	mov (%rsi), %rax\n"
	"	mov (%rax), %rdx\n"
	"	mov %rdx, (%rax)\n"
	"	add $8, %rsi\n"
	"	dec %rcx\n"
	"	jnz 1b\n"
	".globl kvm_apply_stub_reload\n.hidden kvm_apply_stub_reload\n"
	"kvm_apply_stub_reload:\n"
	"	mov %cr3, %rax\n"
	"	mov %rax, %cr3\n"
	"	pop %rsi\n pop %rdx\n pop %rcx\n pop %rax\n"
	"	iretq\n"
	".globl kvm_apply_stub_end\n.hidden kvm_apply_stub_end\n"
	"kvm_apply_stub_end:\n"
	".popsection\n");
extern const uint8_t kvm_apply_stub[], kvm_apply_stub_reload[],
	kvm_apply_stub_end[];

static uint64_t kva(uint64_t priv_off) { return KVM_KVA_BASE + priv_off; }
static uint64_t code_kva(uint64_t x) { return kva(KVM_PG_CODE * RV_PAGE_SIZE + x); }
static uint64_t stack_top(struct kvm_vcpu *v) { return v->stack + RV_PAGE_SIZE; }

/* --- VM-wide set-up: CPUID and the ring-0 page ------------------------- */

static void cpuid_filter(struct kvm_platform *p)
{
	struct kvm_cpuid2 *c = p->cpuid;
	uint64_t sup_xcr0 = 0;
	bool xsave = false;

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		if (e->function == 1)
			xsave = e->ecx & (1u << 26);
		if (e->function == 0xd && e->index == 0)
			sup_xcr0 = e->eax | ((uint64_t)e->edx << 32);
	}
	/* x87, SSE, AVX, AVX-512 only: AMX and PKRU state would not fit the
	 * sentry's signal frames (and AMX needs host permission); MPX and
	 * CET are gone from Linux user space. */
	p->xcr0 = xsave ? sup_xcr0 & 0xe7 : 0;
	p->xsave_len = 512;
	if (p->xcr0) {
		p->xsave_len = 576;
		for (uint32_t i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *e = &c->entries[i];
			if (e->function != 0xd || e->index < 2 ||
			    e->index > 63 || !(p->xcr0 & (1ULL << e->index)))
				continue;
			p->xsave_len = RV_MAX(p->xsave_len, e->ebx + e->eax);
		}
	}
	p->cr4 = 0x20 | 0x200 | 0x400; /* PAE, OSFXSR, OSXMMEXCPT */
	if (p->xcr0)
		p->cr4 |= 1u << 18; /* OSXSAVE */

	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			/* MONITOR, VMX, SMX: not for the app. */
			e->ecx &= ~((1u << 3) | (1u << 5) | (1u << 6));
			break;
		case 7:
			if (e->index != 0)
				break;
			if (e->ebx & (1u << 7))
				p->cr4 |= 1u << 20; /* SMEP */
			if (e->ebx & (1u << 20))
				p->cr4 |= 1u << 21; /* SMAP */
			if (e->ecx & (1u << 2))
				p->cr4 |= 1u << 11; /* UMIP: sgdt etc. fault */
			/* FSGSBASE (the sentry owns FS/GS base), SGX,
			 * INVPCID, MPX. */
			e->ebx &= ~((1u << 0) | (1u << 2) | (1u << 10) |
				    (1u << 14));
			/* PKU, OSPKE, WAITPKG, CET-SS, LA57, SGX-LC. */
			e->ecx &= ~((1u << 3) | (1u << 4) | (1u << 5) |
				    (1u << 7) | (1u << 16) | (1u << 30));
			/* CET-IBT, AMX. */
			e->edx &= ~((1u << 20) | (1u << 22) | (1u << 24) |
				    (1u << 25));
			break;
		case 0xd:
			if (e->index == 0) {
				e->eax = (uint32_t)p->xcr0;
				e->edx = (uint32_t)(p->xcr0 >> 32);
				e->ebx = e->ecx = p->xsave_len;
			} else if (e->index == 1) {
				e->eax &= ~(1u << 4); /* XFD */
			} else if (e->index < 64 &&
				   !(p->xcr0 & (1ULL << e->index)) &&
				   !(e->ecx & 1)) {
				e->eax = e->ebx = e->ecx = e->edx = 0;
			}
			break;
		case 0x19: /* Key Locker */
		case 0x1d: /* AMX tiles */
		case 0x1e:
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		}
	}
}

int kvm_cpu_setup_vm(struct kvm_platform *p, const char **err)
{
	static char msg[160];
	uint32_t n = 256;

	for (;;) {
		p->cpuid = rv_xrealloc(p->cpuid, sizeof(struct kvm_cpuid2) +
				       n * sizeof(struct kvm_cpuid_entry2));
		memset(p->cpuid, 0, sizeof(struct kvm_cpuid2));
		p->cpuid->nent = n;
		if (ioctl(p->kvm_fd, KVM_GET_SUPPORTED_CPUID, p->cpuid) == 0)
			break;
		if (errno != E2BIG || n >= 4096) {
			snprintf(msg, sizeof(msg),
				 "KVM_GET_SUPPORTED_CPUID: %s",
				 strerror(errno));
			*err = msg;
			return -1;
		}
		n *= 2;
	}
	cpuid_filter(p);
	if (rv_debug) {
		uint32_t l1c = 0, l1d = 0, l7b = 0, l7c = 0, l7d = 0;
		for (uint32_t i = 0; i < p->cpuid->nent; i++) {
			struct kvm_cpuid_entry2 *e = &p->cpuid->entries[i];
			if (e->function == 1) {
				l1c = e->ecx;
				l1d = e->edx;
			} else if (e->function == 7 && e->index == 0) {
				l7b = e->ebx;
				l7c = e->ecx;
				l7d = e->edx;
			}
		}
		rv_dbg("kvm: app sees CPUID.1 ecx %#x edx %#x, CPUID.7 ebx %#x "
		       "ecx %#x edx %#x, XCR0 %#llx (FPU state %u bytes), "
		       "guest CR4 %#llx",
		       l1c, l1d, l7b, l7c, l7d, (unsigned long long)p->xcr0,
		       p->xsave_len, (unsigned long long)p->cr4);
	}
	return 0;
}

static void put_out_stub(uint8_t *at, uint8_t port)
{
	at[0] = 0xe6; /* out imm8, al: reads al, writes nothing */
	at[1] = port;
	at[2] = 0x0f; /* ud2: never reached, the host moves rip */
	at[3] = 0x0b;
}

static void idt_gate(uint64_t *idt, int vec, uint64_t h, int dpl)
{
	idt[2 * vec] = (h & 0xffff) | ((uint64_t)KVM_SEL_KCODE << 16) |
		       (1ULL << 32) /* IST1 */ |
		       ((uint64_t)(0x8e | (dpl << 5)) << 40) |
		       (((h >> 16) & 0xffff) << 48);
	idt[2 * vec + 1] = h >> 32;
}

void kvm_guest_code_init(struct kvm_platform *p)
{
	uint8_t *code = kvm_priv_ptr(p, KVM_PG_CODE * RV_PAGE_SIZE);
	uint64_t *idt = kvm_priv_ptr(p, KVM_PG_IDT * RV_PAGE_SIZE);

	memset(code, 0xcc, RV_PAGE_SIZE);
	put_out_stub(code + KVM_CODE_LSTAR, KVM_PORT_SYSCALL);
	put_out_stub(code + KVM_CODE_CSTAR, KVM_PORT_SYSCALL32);
	static const uint8_t iret[] = {0x48, 0xcf};
	memcpy(code + KVM_CODE_IRET, iret, sizeof(iret));
	RV_BUG_ON(kvm_apply_stub_end - kvm_apply_stub >
		  KVM_CODE_APPLY_END - KVM_CODE_APPLY);
	memcpy(code + KVM_CODE_APPLY, kvm_apply_stub,
	       (size_t)(kvm_apply_stub_end - kvm_apply_stub));
	uint8_t *ustub = kvm_priv_ptr(p, KVM_PG_USTUB * RV_PAGE_SIZE);
	memset(ustub, 0xcc, RV_PAGE_SIZE);
	put_out_stub(ustub + KVM_USTUB_SYSCALL, KVM_PORT_SYSCALL);
	put_out_stub(ustub + KVM_USTUB_SYSCALL32, KVM_PORT_SYSCALL32);
	memset(idt, 0, RV_PAGE_SIZE);
	for (int v = 0; v < KVM_NVEC; v++) {
		put_out_stub(code + KVM_CODE_VEC + 8 * v, (uint8_t)v);
		/* int3 and into may be used by the app, as on Linux; int n
		 * for other n gives #GP. */
		int vec = v == KVM_VEC_INT80 ? 0x80 : v;
		int dpl = (v == 3 || v == 4 || v == KVM_VEC_INT80) ? 3 : 0;
		idt_gate(idt, vec, code_kva(KVM_CODE_VEC + 8 * v), dpl);
	}
}

/* --- one vCPU ----------------------------------------------------------- */

static void kick_handler(int sig)
{
	(void)sig;
	struct kvm_run *r = tls_run;
	/* KVM_RUN returns -EINTR at once if it has not entered the guest
	 * yet; if it has, the signal itself makes it return. */
	if (r)
		r->immediate_exit = 1;
}

static pthread_once_t kick_once = PTHREAD_ONCE_INIT;
static void kick_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIG, &sa, NULL);
}

static void seg(struct kvm_segment *s, uint16_t sel, bool code, int dpl,
		bool l)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->present = 1;
	s->dpl = (uint8_t)dpl;
	s->s = 1;
	s->type = code ? 11 : 3;
	s->l = l;
	s->db = !l;
	s->g = 1;
	s->limit = 0xffffffff;
}

static void gdt_init(struct kvm_platform *p, struct kvm_vcpu *v)
{
	uint64_t *gdt = kvm_priv_ptr(p, v->area);
	uint8_t *tss = (uint8_t *)gdt + 0x80;
	uint64_t tss_kva = kva(v->area + 0x80), top = kva(stack_top(v));

	gdt[KVM_SEL_KCODE >> 3] = 0x00af9b000000ffffULL;
	gdt[KVM_SEL_KDATA >> 3] = 0x00cf93000000ffffULL;
	gdt[KVM_SEL_UCODE32 >> 3] = 0x00cffb000000ffffULL;
	gdt[KVM_SEL_UDATA >> 3] = 0x00cff3000000ffffULL;
	gdt[KVM_SEL_UCODE >> 3] = 0x00affb000000ffffULL;
	gdt[KVM_SEL_TSS >> 3] = (104 + 33 - 1) | ((tss_kva & 0xffffff) << 16) |
				(0x8bULL << 40) |
				(((tss_kva >> 24) & 0xff) << 56);
	gdt[(KVM_SEL_TSS >> 3) + 1] = tss_kva >> 32;
	memcpy(tss + 4, &top, 8);  /* RSP0 */
	memcpy(tss + 36, &top, 8); /* IST1: every vector */
	/* I/O bitmap right after the TSS: every port denied to ring 3
	 * (IOPL is 0), except, where LSTAR is the user stub, the two ports
	 * of its `out`. An app's own `out` to them is turned into the #GP
	 * Linux would give (see io_exit). */
	uint16_t iomap = 104;
	memcpy(tss + 102, &iomap, 2);
	memset(tss + 104, 0xff, 33);
	if (p->lstar_user) {
		tss[104 + KVM_PORT_SYSCALL / 8] &= ~(1u << (KVM_PORT_SYSCALL % 8));
		tss[104 + KVM_PORT_SYSCALL32 / 8] &=
			~(1u << (KVM_PORT_SYSCALL32 % 8));
	}
}

/* STAR, LSTAR, CSTAR, SFMASK (and, with all, KERNEL_GS_BASE): where
 * `syscall` goes depends on the start-up probe's answer (lstar_user). */
static int vcpu_set_syscall_msrs(struct kvm_platform *p, struct kvm_vcpu *v,
				 bool all)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[5];
	} m;
	memset(&m, 0, sizeof(m));
	m.h.nmsrs = all ? 5 : 4;
	m.e[0].index = MSR_STAR;
	m.e[0].data = ((uint64_t)(KVM_SEL_UCODE32 & ~3) << 48) |
		      ((uint64_t)KVM_SEL_KCODE << 32);
	m.e[1].index = MSR_LSTAR;
	m.e[1].data = p->lstar_user ? KVM_USTUB_VA + KVM_USTUB_SYSCALL :
				      code_kva(KVM_CODE_LSTAR);
	m.e[2].index = MSR_CSTAR;
	m.e[2].data = p->lstar_user ? KVM_USTUB_VA + KVM_USTUB_SYSCALL32 :
				      code_kva(KVM_CODE_CSTAR);
	m.e[3].index = MSR_SFMASK;
	m.e[3].data = 0x47700; /* TF DF IF IOPL AC NT, as Linux */
	m.e[4].index = MSR_KERNEL_GS_BASE;
	if (ioctl(v->fd, KVM_SET_MSRS, &m) != (int)m.h.nmsrs)
		return -EIO;
	return 0;
}

static int vcpu_setup(struct kvm_platform *p, struct kvm_vcpu *v)
{
	struct kvm_sregs *s = &v->sregs;

	if (ioctl(v->fd, KVM_SET_CPUID2, p->cpuid) < 0)
		return -errno;
	gdt_init(p, v);
	if (ioctl(v->fd, KVM_GET_SREGS, s) < 0)
		return -errno;
	s->cr0 = 0x80050033; /* PG AM WP NE ET MP PE: AM for #AC, like Linux */
	s->cr4 = p->cr4;
	s->cr3 = KVM_PRIV_GPA; /* replaced at the first attach */
	s->efer = 0xd01;      /* NXE LMA LME SCE */
	s->gdt.base = kva(v->area);
	s->gdt.limit = 10 * 8 - 1;
	s->idt.base = kva(KVM_PG_IDT * RV_PAGE_SIZE);
	s->idt.limit = 256 * 16 - 1;
	seg(&s->cs, KVM_SEL_KCODE, true, 0, true);
	seg(&s->ss, KVM_SEL_KDATA, false, 0, false);
	seg(&s->ds, KVM_SEL_UDATA, false, 3, false);
	seg(&s->es, KVM_SEL_UDATA, false, 3, false);
	seg(&s->fs, KVM_SEL_UDATA, false, 3, false);
	seg(&s->gs, KVM_SEL_UDATA, false, 3, false);
	memset(&s->tr, 0, sizeof(s->tr));
	s->tr.selector = KVM_SEL_TSS;
	s->tr.base = kva(v->area + 0x80);
	s->tr.limit = 104 + 33 - 1;
	s->tr.type = 11;
	s->tr.present = 1;
	memset(s->interrupt_bitmap, 0, sizeof(s->interrupt_bitmap));
	if (ioctl(v->fd, KVM_SET_SREGS, s) < 0)
		return -errno;

	int err = vcpu_set_syscall_msrs(p, v, true);
	if (err)
		return err;
	if (p->xcr0) {
		struct kvm_xcrs x;
		memset(&x, 0, sizeof(x));
		x.nr_xcrs = 1;
		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = p->xcr0;
		if (ioctl(v->fd, KVM_SET_XCRS, &x) < 0)
			return -errno;
	}
	/* Only the general registers travel with every exit: copying the
	 * segment registers out costs time on each system call, and they
	 * are needed only on rare paths (page faults, interruptions), which
	 * ask for them. */
	v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	return 0;
}

/* The vDSO reads the TSC in guest ring 3 (CR4.TSD is clear) and converts
 * it with the calibration the sentry makes from the host's TSC
 * (sentry/loader/vdso.c). So every vCPU's TSC is made the host's: offset
 * 0 (KVM_VCPU_TSC_OFFSET), and checked to read between two host reads
 * (no scaling). The first vCPU (the create probe's) decides for the VM;
 * a later one that cannot follow is refused rather than let one task
 * read another clock through the vDSO. */
#define TSC_SLACK (1ULL << 20) /* cycles: ioctl latency, not a rate error */
static int vcpu_tsc_host(struct kvm_platform *p, struct kvm_vcpu *v)
{
	int64_t off = 0;
	struct kvm_device_attr a = {
		.group = KVM_VCPU_TSC_CTRL,
		.attr = KVM_VCPU_TSC_OFFSET,
		.addr = (uint64_t)(uintptr_t)&off,
	};
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} m = {.h.nmsrs = 1, .e.index = MSR_IA32_TSC};
	bool ok = ioctl(v->fd, KVM_SET_DEVICE_ATTR, &a) == 0;
	if (ok) {
		uint64_t before = __rdtsc();
		ok = ioctl(v->fd, KVM_GET_MSRS, &m) == 1;
		uint64_t after = __rdtsc();
		ok = ok && m.e.data + TSC_SLACK >= before &&
		     m.e.data <= after + TSC_SLACK;
	}
	pthread_mutex_lock(&p->lock);
	int r = 0;
	if (p->tsc_host < 0)
		p->tsc_host = ok;
	else if (p->tsc_host && !ok)
		r = -EIO;
	pthread_mutex_unlock(&p->lock);
	if (r)
		rv_err("kvm: a new vCPU's TSC cannot be the host's; refused");
	return r;
}

bool platform_kvm_tsc_is_host(const struct platform *pl)
{
	struct kvm_platform *p = (struct kvm_platform *)pl;
	pthread_mutex_lock(&p->lock);
	bool r = p->tsc_host > 0;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* Called without p->lock. */
static struct kvm_vcpu *vcpu_new(struct kvm_platform *p, int *err)
{
	struct kvm_vcpu *v = rv_xcalloc(1, sizeof(*v));
	int64_t a, b;

	v->p = p;
	pthread_mutex_lock(&p->lock);
	v->id = p->next_vcpu_id++;
	pthread_mutex_unlock(&p->lock);
	v->fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, v->id);
	if (v->fd < 0) {
		*err = -errno;
		goto fail;
	}
	v->run = mmap(NULL, (size_t)p->run_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		*err = -errno;
		goto fail;
	}
	a = kvm_page_alloc(p); /* GDT and TSS */
	b = kvm_page_alloc(p); /* IST1 stack */
	if (a >= 0)
		v->area = (uint64_t)a;
	if (b >= 0)
		v->stack = (uint64_t)b;
	if (a < 0 || b < 0) {
		*err = -ENOMEM;
		goto fail;
	}
	*err = vcpu_setup(p, v);
	if (!*err)
		*err = vcpu_tsc_host(p, v);
	if (*err)
		goto fail;
	return v;
fail:
	/* The vCPU's pages stay with it: KVM keeps the vCPU until the VM
	 * goes, and its area may be referenced by its state. */
	kvm_vcpu_close(v);
	return NULL;
}

void kvm_vcpu_close(struct kvm_vcpu *v)
{
	if (!v)
		return;
	if (v->run)
		munmap(v->run, (size_t)v->p->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
}

/* Bind a vCPU to ctx and to the calling thread: a pooled one if any (KVM
 * cannot destroy a single vCPU, so they are reused), else a new one. */
static int vcpu_acquire(struct kvm_ctx *ctx)
{
	struct kvm_platform *p = kvm_of(ctx->base.platform);
	struct kvm_vcpu *v = NULL;
	int err = 0;

	pthread_once(&kick_once, kick_install);
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nvcpus && !v; i++)
		if (!p->vcpus[i]->owner)
			v = p->vcpus[i];
	if (v)
		v->owner = ctx;
	pthread_mutex_unlock(&p->lock);
	if (!v) {
		v = vcpu_new(p, &err);
		if (!v)
			return err ? err : -ENOMEM;
		v->owner = ctx;
		pthread_mutex_lock(&p->lock);
		p->vcpus = rv_xrealloc(p->vcpus,
				       (p->nvcpus + 1) * sizeof(*p->vcpus));
		p->vcpus[p->nvcpus++] = v;
		pthread_mutex_unlock(&p->lock);
	}
	pthread_mutex_lock(&p->lock);
	v->as = NULL;
	pthread_mutex_unlock(&p->lock);
	v->thread = pthread_self();
	v->sregs_stale = true;
	v->resume_as_is = false;
	v->cpl3 = false;
	/* The kick must reach this thread during KVM_RUN. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, KICK_SIG);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	ctx->base.fpstate_dirty = true;
	__atomic_store_n(&ctx->vcpu, v, __ATOMIC_RELEASE);
	return 0;
}

/* --- contexts ----------------------------------------------------------- */

struct platform_ctx *kvm_ctx_create(struct platform *pl)
{
	struct kvm_platform *p = kvm_of(pl);
	struct kvm_ctx *ctx = aligned_alloc(64, rv_page_up(sizeof(*ctx)));

	if (!ctx)
		return NULL;
	pthread_mutex_lock(&p->lock);
	bool full = p->nctx >= p->max_ctx;
	if (!full)
		p->nctx++;
	pthread_mutex_unlock(&p->lock);
	if (full) {
		free(ctx);
		errno = EAGAIN;
		return NULL;
	}
	memset(ctx, 0, sizeof(*ctx));
	ctx->base.platform = pl;
	ctx->base.regs.cs = KVM_SEL_UCODE;
	ctx->base.regs.ss = KVM_SEL_UDATA;
	ctx->base.regs.eflags = 0x202;
	/* The FPU as execve leaves it: FCW 0x37f, MXCSR 0x1f80, and an XSAVE
	 * header saying x87 and SSE state are present. */
	uint8_t *f = ctx->base.fpstate;
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80, mxcsr_mask = 0xffff;
	uint64_t bv = 3;
	memcpy(f + 0, &fcw, 2);
	memcpy(f + 24, &mxcsr, 4);
	memcpy(f + 28, &mxcsr_mask, 4);
	memcpy(f + 512, &bv, 8);
	ctx->base.fpstate_len = p->xsave_len;
	ctx->base.fpstate_dirty = true;
	return &ctx->base;
}

void kvm_ctx_destroy(struct platform_ctx *pc)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pc;

	if (!ctx)
		return;
	struct kvm_vcpu *v = ctx->vcpu;
	struct kvm_platform *p = kvm_of(ctx->base.platform);
	pthread_mutex_lock(&p->lock);
	if (v) {
		v->as = NULL;
		v->owner = NULL;
	}
	p->nctx--;
	pthread_mutex_unlock(&p->lock);
	free(ctx);
}

void kvm_ctx_interrupt(struct platform_ctx *pc)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pc;

	/* Flag first, then look: the vCPU sets in_guest before it reads
	 * the flag, so one of the two always sees the other. */
	atomic_store(&ctx->interrupt, 1);
	struct kvm_vcpu *v = __atomic_load_n(&ctx->vcpu, __ATOMIC_ACQUIRE);
	if (v && atomic_load(&v->in_guest))
		pthread_kill(v->thread, KICK_SIG);
}

int kvm_ctx_sync_fpstate(struct platform_ctx *pc)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pc;

	if (!ctx->vcpu || ctx->base.fpstate_dirty)
		return 0;
	/* struct kvm_xsave is exactly PLATFORM_FPSTATE_MAX bytes, and
	 * features that would need more (AMX) are hidden from the app. */
	_Static_assert(sizeof(struct kvm_xsave) == PLATFORM_FPSTATE_MAX,
		       "fpstate holds a struct kvm_xsave");
	if (ioctl(ctx->vcpu->fd, KVM_GET_XSAVE, ctx->base.fpstate) < 0)
		return -errno;
	return 0;
}

void kvm_kick_as(struct kvm_as *as)
{
	struct kvm_platform *p = as->p;
	struct kvm_vcpu *wait[64];
	uint64_t seen[64];
	size_t start = 0;
	bool done;

	do {
		size_t n = 0, i;
		pthread_mutex_lock(&p->lock);
		for (i = start; i < p->nvcpus && n < RV_ARRAY_SIZE(wait); i++) {
			struct kvm_vcpu *v = p->vcpus[i];
			if (v->as != as || !v->owner ||
			    !atomic_load(&v->in_guest))
				continue;
			seen[n] = atomic_load(&v->exits);
			wait[n++] = v;
			pthread_kill(v->thread, KICK_SIG);
		}
		start = i;
		done = i >= p->nvcpus;
		pthread_mutex_unlock(&p->lock);
		/* vCPUs are never freed before the VM, so the pointers stay
		 * good. A kicked vCPU leaves KVM_RUN within one exit. */
		for (size_t k = 0; k < n; k++) {
			while (atomic_load(&wait[k]->in_guest) &&
			       atomic_load(&wait[k]->exits) == seen[k])
				sched_yield();
		}
	} while (!done);
}

/* --- entering and leaving the app -------------------------------------- */

static void regs_from_run(rv_regs_t *r, const struct kvm_regs *k)
{
	r->rax = k->rax; r->rbx = k->rbx; r->rcx = k->rcx; r->rdx = k->rdx;
	r->rsi = k->rsi; r->rdi = k->rdi; r->rbp = k->rbp; r->rsp = k->rsp;
	r->r8 = k->r8; r->r9 = k->r9; r->r10 = k->r10; r->r11 = k->r11;
	r->r12 = k->r12; r->r13 = k->r13; r->r14 = k->r14; r->r15 = k->r15;
	r->rip = k->rip; r->eflags = k->rflags;
}

static void regs_to_run(struct kvm_regs *k, const rv_regs_t *r)
{
	k->rax = r->rax; k->rbx = r->rbx; k->rcx = r->rcx; k->rdx = r->rdx;
	k->rsi = r->rsi; k->rdi = r->rdi; k->rbp = r->rbp;
	k->r8 = r->r8; k->r9 = r->r9; k->r10 = r->r10; k->r11 = r->r11;
	k->r12 = r->r12; k->r13 = r->r13; k->r14 = r->r14; k->r15 = r->r15;
}

static bool canonical(uint64_t a)
{
	return a < KVM_USER_TOP || a >= 0xffff800000000000ULL;
}

/* Prepare the vCPU to iretq into the app with ctx->regs. Returns false
 * (and fills ev) when the registers cannot be entered. */
static bool load_user(struct kvm_ctx *ctx, struct kvm_vcpu *v, bool flush,
		      struct platform_event *ev)
{
	struct kvm_platform *p = v->p;
	rv_regs_t *r = &ctx->base.regs;
	struct kvm_run *run = v->run;

	if (r->rip >= KVM_USER_TOP) {
		/* Linux: iret to a non-canonical rip raises #GP; a kernel
		 * address faults on the first fetch. */
		if (!canonical(r->rip)) {
			ev->kind = PEV_SIGNAL;
			ev->signo = SIGSEGV;
			ev->code = SI_KERNEL;
			ev->trapno = 13;
		} else {
			ev->kind = PEV_FAULT;
			ev->addr = r->rip;
			ev->access = PLATFORM_ACC_EXEC;
		}
		return false;
	}
	uint64_t cs = r->cs == KVM_SEL_UCODE32 ? KVM_SEL_UCODE32 :
						 KVM_SEL_UCODE;
	/* A non-canonical base would fail VM entry; arch_prctl refuses
	 * them, so this only guards against a sentry bug. */
	uint64_t fs = canonical(r->fs_base) ? r->fs_base : 0;
	uint64_t gs = canonical(r->gs_base) ? r->gs_base : 0;
	if (fs != v->sregs.fs.base || gs != v->sregs.gs.base) {
		v->sregs.fs.base = fs;
		v->sregs.gs.base = gs;
		v->sregs_stale = true;
	}

	if (v->cpl3 && !v->sregs_stale && !flush && cs == KVM_SEL_UCODE) {
		/* Stopped in ring 3 (a PVM system call, an interruption):
		 * resume right there with the sentry's registers; no ring
		 * change, the cheapest way back. */
		regs_to_run(&run->s.regs.regs, r);
		run->s.regs.regs.rsp = r->rsp;
		run->s.regs.regs.rip = r->rip;
		run->s.regs.regs.rflags = (r->eflags & RFL_USER) | RFL_IF | 2;
		run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		return true;
	}
	/* Otherwise through ring 0's iretq, which needs ring 0's segments
	 * if the vCPU is in ring 3 now. */
	if (v->cpl3)
		v->sregs_stale = true;
	uint64_t *fr = kvm_priv_ptr(p, stack_top(v) - 40);
	fr[0] = r->rip;
	fr[1] = cs;
	fr[2] = (r->eflags & RFL_USER) | RFL_IF | 2;
	fr[3] = r->rsp;
	fr[4] = KVM_SEL_UDATA;
	regs_to_run(&run->s.regs.regs, r);
	run->s.regs.regs.rsp = kva(stack_top(v) - 40);
	run->s.regs.regs.rip = code_kva(KVM_CODE_IRET);
	if (flush) {
		/* The log of changed entries goes at the bottom of the
		 * stack page, the app's registers the stub uses below the
		 * frame, in the order it pops them. */
		uint64_t *d = kvm_priv_ptr(p, v->stack);
		size_t n = kvm_as_log_take(v->as, d, &v->apply_upto);
		uint64_t *sv = kvm_priv_ptr(p, stack_top(v) - 72);
		sv[0] = r->rsi;
		sv[1] = r->rdx;
		sv[2] = r->rcx;
		sv[3] = r->rax;
		run->s.regs.regs.rsp = kva(stack_top(v) - 72);
		run->s.regs.regs.rsi = kva(v->stack);
		run->s.regs.regs.rcx = n;
		run->s.regs.regs.rip = code_kva(
			KVM_CODE_APPLY +
			(n ? 0 : (uint64_t)(kvm_apply_stub_reload -
					    kvm_apply_stub)));
		v->applying = true;
	}
	run->s.regs.regs.rflags = 2;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
	if (v->sregs_stale) {
		run->s.regs.sregs = v->sregs;
		run->kvm_dirty_regs |= KVM_SYNC_X86_SREGS;
	}
	return true;
}

static bool has_error_code(int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 ||
	       vec == 21 || vec == 29 || vec == 30;
}

/* si_code of a floating-point exception, as Linux's fpu__exception_code:
 * the first unmasked pending exception in this order. */
static int fpe_code(uint32_t err)
{
	if (err & 0x001)
		return FPE_FLTINV;
	if (err & 0x004)
		return FPE_FLTDIV;
	if (err & 0x008)
		return FPE_FLTOVF;
	if (err & 0x012)
		return FPE_FLTUND;
	if (err & 0x020)
		return FPE_FLTRES;
	return 0;
}

static void signal_event(struct kvm_vcpu *v, int vec, uint64_t rip,
			 struct platform_event *ev)
{
	struct kvm_fpu fpu;

	ev->kind = PEV_SIGNAL;
	ev->trapno = vec;
	ev->signo = SIGSEGV;
	ev->code = SI_KERNEL;
	switch (vec) {
	case 0:
		ev->signo = SIGFPE;
		ev->code = FPE_INTDIV;
		ev->addr = rip;
		break;
	case 1:
		ev->signo = SIGTRAP;
		ev->code = TRAP_TRACE;
		ev->addr = rip;
		break;
	case 3: /* int3: Linux sends SIGTRAP/SI_KERNEL, rip past the int3 */
		ev->signo = SIGTRAP;
		break;
	case 6:
		ev->signo = SIGILL;
		ev->code = ILL_ILLOPN;
		ev->addr = rip;
		break;
	case 11: /* segment not present, stack segment: Linux's SIGBUS */
	case 12:
		ev->signo = SIGBUS;
		break;
	case 16:
	case 19:
		ev->signo = SIGFPE;
		ev->addr = rip;
		ev->code = 0;
		if (ioctl(v->fd, KVM_GET_FPU, &fpu) == 0) {
			if (vec == 16)
				ev->code = fpe_code(fpu.fsw & ~fpu.fcw & 0x3f);
			else
				ev->code = fpe_code(fpu.mxcsr &
						    ~(fpu.mxcsr >> 7) & 0x3f);
		}
		break;
	case 17:
		ev->signo = SIGBUS;
		ev->code = BUS_ADRALN;
		ev->addr = rip;
		break;
	default: /* #GP, #TS, #OF, #BR, #NM, #CP, ...: SIGSEGV SI_KERNEL */
		break;
	}
}

static void syscall_event(rv_regs_t *r, bool compat,
			  struct platform_event *ev)
{
	ev->kind = PEV_SYSCALL;
	ev->compat32 = compat;
	r->orig_rax = r->rax;
}

/* The vCPU left through the stub of vector vec: read the frame. Returns 0
 * with ev filled, or -EFAULT when the guest's ring 0 itself faulted. */
static int exception(struct kvm_ctx *ctx, struct kvm_vcpu *v, int vec,
		     struct platform_event *ev)
{
	struct kvm_platform *p = v->p;
	struct kvm_run *run = v->run;
	rv_regs_t *r = &ctx->base.regs;
	bool he = vec != KVM_VEC_INT80 && has_error_code(vec);
	const uint64_t *f = kvm_priv_ptr(p, stack_top(v) - (he ? 48 : 40));
	uint64_t err = he ? f[0] : 0;
	const uint64_t *fr = f + he;

	if ((fr[1] & 3) != 3) {
		struct kvm_sregs sr;
		if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
			sr.cr2 = 0;
		rv_err("kvm: guest ring 0 took vector %d at %#llx (err %#llx, "
		       "cr2 %#llx)",
		       vec, (unsigned long long)fr[0],
		       (unsigned long long)err,
		       (unsigned long long)sr.cr2);
		return -EFAULT;
	}
	regs_from_run(r, &run->s.regs.regs);
	r->rip = fr[0];
	r->cs = fr[1];
	r->eflags = fr[2];
	r->rsp = fr[3];
	r->ss = fr[4];
	r->orig_rax = (uint64_t)-1;

	if (vec == KVM_VEC_INT80) {
		syscall_event(r, true, ev);
		return 0;
	}
	uint8_t insn[2];
	if (vec == 6 && v->as && kvm_as_read(v->as, r->rip, insn, 2) == 0 &&
	    insn[0] == 0xcd) {
		/* PVM raises #UD for every `int $n` in ring 3 instead of
		 * going through the IDT: give what Linux's gates give. */
		switch (insn[1]) {
		case 0x80:
			r->rip += 2;
			syscall_event(r, true, ev);
			return 0;
		case 3: /* DPL-3 gates: traps, rip past the instruction */
		case 4:
			r->rip += 2;
			signal_event(v, insn[1], r->rip, ev);
			return 0;
		default: /* DPL-0 gate: #GP */
			signal_event(v, 13, r->rip, ev);
			return 0;
		}
	}
	if (vec != 14) {
		signal_event(v, vec, r->rip, ev);
		return 0;
	}
	bool lstar = r->rip == code_kva(KVM_CODE_LSTAR);
	if (!p->syscall_ring0 && !p->lstar_user &&
	    (lstar || r->rip == code_kva(KVM_CODE_CSTAR))) {
		/* The start-up probe on PVM: `syscall` jumped to LSTAR in
		 * ring 3 and the fetch there faulted (CR2 == RIP). Once the
		 * probe is done LSTAR is elsewhere and this is a plain
		 * fault of an app jumping into the supervisor half. */
		r->rip = r->rcx;
		r->eflags = r->r11;
		syscall_event(r, !lstar, ev);
		return 0;
	}
	struct kvm_sregs sr;
	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
		return -errno;
	uint64_t cr2 = sr.cr2;
	ev->kind = PEV_FAULT;
	ev->addr = cr2;
	ev->access = (err & 0x10) ? PLATFORM_ACC_EXEC :
		     (err & 0x2)  ? PLATFORM_ACC_WRITE :
				    PLATFORM_ACC_READ;
	/* The supervisor half is not the app's: it looks unmapped. */
	ev->present = (err & 1) && cr2 < KVM_USER_TOP;
	return 0;
}

/* An app's own `in`/`out` to one of the stub's ports: Linux gives SIGSEGV
 * (#GP, IOPL 0) with rip at the instruction and no other effect.
 * KVM still holds the I/O half done and would finish it at the next
 * KVM_RUN, over the registers the sentry sets then; finish it now with an
 * immediate exit, with zeroed data so that no byte of an earlier exit
 * (perhaps another task's) reaches the app, and keep the registers from
 * before. */
static int app_io(struct kvm_ctx *ctx, struct kvm_vcpu *v,
		  struct platform_event *ev)
{
	struct kvm_run *run = v->run;
	rv_regs_t *r = &ctx->base.regs;
	uint64_t len = (uint64_t)run->io.size * run->io.count;
	uint8_t b[2];

	regs_from_run(r, &run->s.regs.regs);
	if (run->io.data_offset < (uint64_t)v->p->run_size &&
	    len <= (uint64_t)v->p->run_size - run->io.data_offset)
		memset((uint8_t *)run + run->io.data_offset, 0, len);
	run->immediate_exit = 1;
	int rc = ioctl(v->fd, KVM_RUN, 0);
	run->immediate_exit = 0;
	if (rc < 0 && errno != EINTR)
		return -errno;
	/* KVM reports the instruction's own rip and moves past it when it
	 * completes; PVM has moved past it already: then find the start
	 * from the bytes before (`out imm8` / `in imm8` are 2 bytes, the
	 * %dx and string forms 1). */
	if (run->s.regs.regs.rip == r->rip && v->as && r->rip >= 2 &&
	    kvm_as_read(v->as, r->rip - 2, b, 2) == 0) {
		if ((b[0] == 0xe6 || b[0] == 0xe4) && b[1] == run->io.port)
			r->rip -= 2;
		else if (b[1] == 0xee || b[1] == 0xec || b[1] == 0x6e ||
			 b[1] == 0x6c)
			r->rip -= 1;
	}
	v->cpl3 = true;
	signal_event(v, 13, r->rip, ev);
	return 0;
}

static int io_exit(struct kvm_ctx *ctx, struct kvm_vcpu *v,
		   struct platform_event *ev)
{
	struct kvm_run *run = v->run;
	rv_regs_t *r = &ctx->base.regs;
	int port = run->io.port;
	bool compat = port == KVM_PORT_SYSCALL32;
	/* KVM reports the rip of the `out` itself and skips it on the next
	 * KVM_RUN; PVM has already skipped it. Accept both. */
	uint64_t rip = run->s.regs.regs.rip;
	if ((rip & 7) == 2)
		rip -= 2;

	if (port == KVM_PORT_SYSCALL || port == KVM_PORT_SYSCALL32) {
		uint64_t ustub = KVM_USTUB_VA + (compat ? KVM_USTUB_SYSCALL32 :
							  KVM_USTUB_SYSCALL);
		uint64_t kstub = code_kva(compat ? KVM_CODE_CSTAR :
						   KVM_CODE_LSTAR);
		if (v->p->lstar_user && rip == ustub &&
		    run->io.direction == KVM_EXIT_IO_OUT) {
			/* PVM: `syscall` jumped to LSTAR in ring 3, whose
			 * `out` (allowed by the TSS I/O bitmap) exited: one
			 * exit, no ring change, like the floor. */
			regs_from_run(r, &run->s.regs.regs);
			r->rip = r->rcx;
			r->eflags = r->r11;
			r->cs = KVM_SEL_UCODE;
			r->ss = KVM_SEL_UDATA;
			v->cpl3 = true;
			syscall_event(r, compat, ev);
			return 0;
		}
		if (rip == kstub && run->io.direction == KVM_EXIT_IO_OUT) {
			/* Hardware KVM: `syscall` reached ring 0 with the
			 * app's registers, rsp included. */
			regs_from_run(r, &run->s.regs.regs);
			r->rip = r->rcx;
			r->eflags = r->r11;
			r->cs = KVM_SEL_UCODE;
			r->ss = KVM_SEL_UDATA;
			v->p->syscall_ring0 = true;
			v->cpl3 = false;
			syscall_event(r, compat, ev);
			return 0;
		}
		if (v->p->lstar_user)
			return app_io(ctx, v, ev);
		goto bad;
	}
	/* The vector stubs are on a supervisor-only page, and ring 3 has no
	 * other port, so an `out` at a stub's address comes from ring 0. */
	if (run->io.direction == KVM_EXIT_IO_OUT && port < KVM_NVEC &&
	    rip == code_kva(KVM_CODE_VEC + 8 * port)) {
		v->cpl3 = false;
		return exception(ctx, v, port, ev);
	}
bad:
	rv_err("kvm: unexpected I/O exit port %#x at %#llx", port,
	       (unsigned long long)rip);
	return -EFAULT;
}

/* KVM_RUN came back early (a kick, a host signal). Work out where the
 * guest was so that nothing is lost. */
static int interrupted(struct kvm_ctx *ctx, struct kvm_vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t rip = run->s.regs.regs.rip;
	struct kvm_sregs sr;
	struct kvm_vcpu_events evs;

	if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0 ||
	    ioctl(v->fd, KVM_GET_VCPU_EVENTS, &evs) < 0)
		return -errno;
	if ((sr.cs.selector & 3) == 3) {
		/* In the app: its registers are the state. An exception
		 * KVM has not delivered yet must be, before any change. */
		regs_from_run(&ctx->base.regs, &run->s.regs.regs);
		v->resume_as_is = evs.exception.injected ||
				  evs.exception.pending;
		v->cpl3 = true;
		return 0;
	}
	if (rip >= code_kva(KVM_CODE_IRET) &&
	    rip < code_kva(KVM_CODE_APPLY_END)) {
		/* Not yet back in the app: ctx->regs still hold its state.
		 * Flush again, the reload may not have happened. */
		v->resume_as_is = false;
		v->cpl3 = false;
		v->seen_gen--;
		return 0;
	}
	/* Between an exception and its `out`: finish it first. */
	v->resume_as_is = true;
	v->cpl3 = false;
	return 0;
}

static void attach(struct kvm_vcpu *v, struct kvm_as *as)
{
	struct kvm_platform *p = v->p;

	pthread_mutex_lock(&p->lock);
	v->as = as;
	pthread_mutex_unlock(&p->lock);
	v->as_id = as->id;
	v->sregs.cr3 = KVM_PRIV_GPA + as->pml4;
	v->sregs_stale = true;
	v->seen_gen = atomic_load(&as->gen) - 1; /* flush on entry */
}

int kvm_ctx_switch(struct platform_ctx *pc, struct platform_as *pas,
		   struct platform_event *ev)
{
	struct kvm_ctx *ctx = (struct kvm_ctx *)pc;
	struct kvm_as *as = (struct kvm_as *)pas;
	struct kvm_vcpu *v;
	int err;

	memset(ev, 0, sizeof(*ev));
	if (!ctx->vcpu) {
		err = vcpu_acquire(ctx);
		if (err)
			return err;
	}
	v = ctx->vcpu;
	struct kvm_run *run = v->run;
	tls_run = run;
	/* Bound to one thread by the interface; following the caller costs
	 * nothing and keeps kicks right if a sentry ever hands a ctx over. */
	if (!pthread_equal(v->thread, pthread_self()))
		v->thread = pthread_self();
	if (pc->fpstate_dirty) {
		if (ioctl(v->fd, KVM_SET_XSAVE, pc->fpstate) < 0)
			return -errno;
		pc->fpstate_dirty = false;
	}
	if (v->as != as || v->as_id != as->id)
		attach(v, as);

	for (;;) {
		uint64_t gen = 0;

		run->immediate_exit = 0;
		atomic_store(&v->in_guest, 1);
		if (!v->resume_as_is) {
			if (atomic_exchange(&ctx->interrupt, 0)) {
				atomic_store(&v->in_guest, 0);
				ev->kind = PEV_INTERRUPTED;
				return 0;
			}
			gen = atomic_load(&as->gen);
			if (!load_user(ctx, v, gen != v->seen_gen, ev)) {
				atomic_store(&v->in_guest, 0);
				return 0;
			}
		}
		int r = ioctl(v->fd, KVM_RUN, 0);
		int e = errno;
		atomic_store(&v->in_guest, 0);
		atomic_fetch_add(&v->exits, 1);

		if (run->kvm_dirty_regs) {
			/* Not applied (KVM gave up before sync_regs): the
			 * vCPU is where it was; load everything again. */
			run->kvm_dirty_regs = 0;
			if (r < 0 && (e == EINTR || e == EAGAIN))
				continue;
		} else if (!v->resume_as_is) {
			v->sregs_stale = false;
			v->seen_gen = gen;
			uint64_t rip = run->s.regs.regs.rip;
			/* Past the apply stub: its stores are done. */
			if (v->applying &&
			    (rip < code_kva(KVM_CODE_APPLY) ||
			     rip >= code_kva(KVM_CODE_APPLY_END)))
				kvm_as_log_done(as, v->apply_upto);
		}
		v->applying = false;
		v->resume_as_is = false;
		if (r < 0) {
			if (e == EINTR || e == EAGAIN) {
				err = interrupted(ctx, v);
				if (err)
					return err;
				continue;
			}
			return -e;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			return io_exit(ctx, v, ev);
		case KVM_EXIT_INTR:
			err = interrupted(ctx, v);
			if (err)
				return err;
			continue;
		case KVM_EXIT_MMIO:
			/* The app reached guest memory that is not in a
			 * slot: only a bad as_map offset can do that. */
			regs_from_run(&ctx->base.regs, &run->s.regs.regs);
			v->cpl3 = true;
			ev->kind = PEV_SIGNAL;
			ev->signo = SIGBUS;
			ev->code = BUS_ADRERR;
			ev->addr = run->mmio.phys_addr;
			return 0;
		default:
			rv_err("kvm: vCPU %d stopped: exit reason %u at %#llx",
			       v->id, run->exit_reason,
			       (unsigned long long)run->s.regs.regs.rip);
			return -EFAULT;
		}
	}
}

/* --- start-up probe ------------------------------------------------------ */

/* Does `syscall` in ring 3 reach ring 0 here? Run `syscall` once in a
 * scratch address space and see which way it came out. On a host where it
 * reaches ring 0, a #PF at LSTAR can only be the app jumping there, and is
 * then a plain fault. */
static struct kvm_ctx probe_retired;

int kvm_probe_syscall(struct kvm_platform *p, const char **err)
{
	static char msg[160];
	struct platform_event ev;
	struct kvm_as *as = (struct kvm_as *)kvm_as_create(&p->base);
	int64_t pg = kvm_page_alloc(p);
	struct platform_ctx *ctx = kvm_ctx_create(&p->base);
	int r = -ENOMEM;

	if (!as || pg < 0 || !ctx)
		goto out;
	uint8_t *code = kvm_priv_ptr(p, (uint64_t)pg);
	code[0] = 0x0f; /* syscall */
	code[1] = 0x05;
	code[2] = 0x0f; /* ud2 */
	code[3] = 0x0b;
	r = kvm_as_map_priv(as, 0x10000, (uint64_t)pg, PTE_U);
	if (r)
		goto out;
	p->syscall_ring0 = false;
	ctx->regs.rip = 0x10000;
	ctx->regs.rax = 39;
	r = kvm_ctx_switch(ctx, (struct platform_as *)as, &ev);
	if (r == 0 && (ev.kind != PEV_SYSCALL || ctx->regs.rip != 0x10002 ||
		       ctx->regs.orig_rax != 39))
		r = -EIO;
	p->lstar_user = !p->syscall_ring0;
out:
	if (ctx) {
		struct kvm_vcpu *v = ((struct kvm_ctx *)ctx)->vcpu;
		/* Its LSTAR and I/O bitmap predate the probe's answer: set
		 * them as vcpu_setup would now, and the vCPU joins the pool
		 * for the first task (saves a KVM_CREATE_VCPU and its set-up
		 * on the start-up path). If that fails, never hand it to an
		 * app. */
		bool keep = v && r == 0 &&
			    vcpu_set_syscall_msrs(p, v, false) == 0;
		if (keep)
			gdt_init(p, v);
		kvm_ctx_destroy(ctx);
		if (v && !keep) {
			pthread_mutex_lock(&p->lock);
			v->owner = &probe_retired;
			pthread_mutex_unlock(&p->lock);
		}
	}
	if (as)
		kvm_as_destroy((struct platform_as *)as);
	if (pg >= 0)
		kvm_page_free(p, (uint64_t)pg);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "kvm: guest start-up probe: %s",
			 strerror(-r));
		*err = msg;
		return -1;
	}
	return 0;
}
