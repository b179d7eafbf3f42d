/* kvm_floor: the cheapest round trip from guest ring 3 to this process and
 * back on this host's /dev/kvm, the floor under any KVM platform's system
 * call (the app runs in ring 3, the sentry here).
 *
 * kvm_floor_us: a ring-3 loop executes `out` with IOPL=3, so that each
 * iteration is one KVM_EXIT_IO straight from ring 3 and one KVM_RUN back,
 * with no guest ring 0 involved at all.
 * kvm_syscall_floor_us: the loop executes `syscall` instead, LSTAR points
 * at a ring-3 `out`, and the host returns to RCX with RFLAGS from R11
 * through KVM_CAP_SYNC_REGS: the least any system call can cost where
 * `syscall` does not leave ring 3 (PVM), since the host kernel must first
 * redirect the `syscall` to LSTAR.
 *
 * Build: cc -O2 -o build/bench/kvm_floor bench/floor/kvm_floor.c
 * Run:   build/bench/kvm_floor [ITERATIONS]      (exit 77: no usable KVM)
 * tests/unit/kvm_perf.c includes this file to compare in one process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (4u << 20)
#define PML4 0x1000
#define PDPT 0x2000
#define PD 0x3000
#define GDT 0x4000
#define CODE 0x200000
#define STUB 0x201000

static double die(const char *what)
{
	printf("SKIP kvm_floor: %s: %s\n", what, strerror(errno));
	return -1;
}

static void segment(struct kvm_segment *s, uint16_t sel, int code)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->present = 1;
	s->dpl = 3;
	s->s = 1;
	s->type = code ? 11 : 3;
	s->l = code;
	s->db = !code;
	s->g = 1;
	s->limit = 0xffffffff;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Microseconds per round trip over iters iterations; < 0 when KVM is
 * not usable (the reason printed). */
static double kvm_floor_measure(long iters, int via_syscall)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return die("/dev/kvm");
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return die("KVM_CREATE_VM");
	uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.memory_size = MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (mem == MAP_FAILED ||
	    ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return die("guest memory");

	/* Identity map of the first 4 MiB in two user-accessible 2 MiB
	 * pages; a GDT with 64-bit ring-3 code and data. */
	uint64_t *pml4 = (uint64_t *)(mem + PML4), *pdpt = (uint64_t *)(mem + PDPT);
	uint64_t *pd = (uint64_t *)(mem + PD), *gdt = (uint64_t *)(mem + GDT);
	pml4[0] = PDPT | 7;
	pdpt[0] = PD | 7;
	pd[0] = 0x000000 | 0x87;
	pd[1] = 0x200000 | 0x87;
	gdt[3] = 0x00cff3000000ffffULL; /* 0x1b: ring-3 data */
	gdt[4] = 0x00affb000000ffffULL; /* 0x23: ring-3 64-bit code */

	/* loop: out 0x10, al; jmp loop   or   loop: syscall; jmp loop,
	 * with LSTAR at STUB: out 0x10, al */
	static const uint8_t loop[] = {0xe6, 0x10, 0xeb, 0xfc};
	static const uint8_t sloop[] = {0x0f, 0x05, 0xeb, 0xfc};
	static const uint8_t stub[] = {0xe6, 0x10, 0x0f, 0x0b};
	memcpy(mem + CODE, via_syscall ? sloop : loop, sizeof(loop));
	memcpy(mem + STUB, stub, sizeof(stub));

	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vcpu < 0 || run_size <= 0)
		return die("KVM_CREATE_VCPU");
	struct kvm_run *run = mmap(NULL, (size_t)run_size,
				   PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return die("mmap kvm_run");

	struct kvm_sregs sregs;
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return die("KVM_GET_SREGS");
	sregs.cr3 = PML4;
	sregs.cr4 = 0x20;        /* PAE */
	sregs.cr0 = 0x80000033;  /* PG NE ET MP PE */
	sregs.efer = 0x501;      /* LMA LME SCE */
	sregs.gdt.base = GDT;
	sregs.gdt.limit = 5 * 8 - 1;
	segment(&sregs.cs, 0x23, 1);
	segment(&sregs.ss, 0x1b, 0);
	segment(&sregs.ds, 0x1b, 0);
	segment(&sregs.es, 0x1b, 0);
	segment(&sregs.fs, 0x1b, 0);
	segment(&sregs.gs, 0x1b, 0);
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return die("KVM_SET_SREGS");
	struct kvm_regs regs = {
		.rip = CODE,
		.rsp = 0x300000,
		.rflags = 0x3002, /* IOPL 3: `out` allowed in ring 3 */
	};
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return die("KVM_SET_REGS");
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[2];
	} msrs = {.h.nmsrs = 2};
	msrs.e[0].index = 0xc0000082; /* LSTAR */
	msrs.e[0].data = STUB;
	msrs.e[1].index = 0xc0000084; /* SFMASK */
	if (ioctl(vcpu, KVM_SET_MSRS, &msrs) != 2)
		return die("KVM_SET_MSRS");
	run->kvm_valid_regs = KVM_SYNC_X86_REGS;

	/* Warm up, then time. */
	double t0 = 0;
	for (long i = -1000; i < iters; i++) {
		if (i == 0)
			t0 = now();
		if (via_syscall && i > -1000) {
			struct kvm_regs *r = &run->s.regs.regs;
			r->rip = r->rcx;
			r->rflags = r->r11;
			run->kvm_dirty_regs = KVM_SYNC_X86_REGS;
		}
		if (ioctl(vcpu, KVM_RUN, 0) < 0)
			return die("KVM_RUN");
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x10) {
			printf("FAIL kvm_floor: exit reason %u\n",
			       run->exit_reason);
			return -1;
		}
	}
	double us = (now() - t0) * 1e6 / (double)iters;
	munmap(run, (size_t)run_size);
	munmap(mem, MEM_SIZE);
	close(vcpu);
	close(vm);
	close(kvm);
	return us;
}

#ifndef KVM_FLOOR_NO_MAIN
int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	double us = kvm_floor_measure(n, 0);
	if (us < 0)
		return 77;
	double sus = kvm_floor_measure(n, 1);
	printf("kvm_floor_us %.3f\n", us);
	if (sus >= 0)
		printf("kvm_syscall_floor_us %.3f\n", sus);
	return 0;
}
#endif
