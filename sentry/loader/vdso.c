/* The vDSO: see vdso.h.
 *
 * The image is written here in assembly, as a complete ELF object: header,
 * two program headers (PT_LOAD, PT_DYNAMIC), a dynamic section with a SysV
 * hash table, the symbols glibc and others look up (__vdso_clock_gettime,
 * __vdso_gettimeofday, __vdso_time, __vdso_getcpu, __vdso_clock_getres and
 * their plain aliases) and their code. Everything in it is position
 * independent: the code finds the data page at the page before the image.
 *
 * The data page holds a seqlock-protected linear map from the TSC to
 * CLOCK_MONOTONIC and CLOCK_REALTIME, refreshed by a sentry thread from
 * the host's clocks. It is only enabled where the app reads the host's own
 * TSC (the ptrace platform, where app threads are host threads; KVM, whose
 * vCPUs are given the host's TSC) and the TSC is invariant; otherwise,
 * and for other clocks, the functions make the system call, which the
 * sentry answers as usual. */
#include "sentry/loader/vdso.h"

#include <cpuid.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <x86intrin.h>

#include "platform/platform.h"
#include "sentry/kernel/task.h"
#include "sentry/mm/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"

/* The data page. Offsets are used by the assembly below. */
struct vdso_data {
	uint32_t seq;      /* 0: odd while the sentry updates */
	uint32_t enabled;  /* 4: 0 = make the system call */
	uint64_t tsc_base; /* 8 */
	uint64_t mult;     /* 16: ns per TSC tick, 32.32 fixed point */
	int64_t mono_base; /* 24: CLOCK_MONOTONIC ns at tsc_base */
	int64_t real_base; /* 32: CLOCK_REALTIME ns at tsc_base */
};
_Static_assert(offsetof(struct vdso_data, mono_base) == 24, "vvar layout");
_Static_assert(offsetof(struct vdso_data, real_base) == 32, "vvar layout");

/* Symbols: 1..5 the __vdso_ names (global), 6..10 the plain ones (weak);
 * the hash table has one bucket chaining them all. */
#define VDSO_SYM(name, code, bind)                                           \
	".long .Lstr_" name " - .Ldynstr\n\t"                                \
	".byte " bind ", 0\n\t"                                              \
	".short 1\n\t"  /* any defined section index: glibc only checks */   \
	".quad " code " - .Lstart\n\t"                                       \
	".quad 16\n\t"

__asm__(
	".pushsection .rodata.rv_vdso, \"a\"\n\t"
	".balign 16\n\t"
	".globl rv_vdso_start\n\t"
	".hidden rv_vdso_start\n\t"
	".globl rv_vdso_end\n\t"
	".hidden rv_vdso_end\n"
	"rv_vdso_start:\n"
	".Lstart:\n\t"
	/* ELF header */
	".byte 0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0\n\t"
	".byte 0, 0, 0, 0, 0, 0, 0, 0\n\t"
	".short 3, 62\n\t"              /* ET_DYN, EM_X86_64 */
	".long 1\n\t"
	".quad 0\n\t"                   /* e_entry */
	".quad .Lphdr - .Lstart\n\t"    /* e_phoff */
	".quad 0\n\t"                   /* e_shoff: no sections */
	".long 0\n\t"
	".short 64, 56, 2, 64, 0, 0\n"
	".Lphdr:\n\t"
	".long 1, 5\n\t"                /* PT_LOAD, R|X */
	".quad 0, 0, 0\n\t"
	".quad .Lend - .Lstart, .Lend - .Lstart\n\t"
	".quad 4096\n\t"
	".long 2, 4\n\t"                /* PT_DYNAMIC, R */
	".quad .Ldynamic - .Lstart, .Ldynamic - .Lstart, .Ldynamic - .Lstart\n\t"
	".quad .Ldynamic_end - .Ldynamic, .Ldynamic_end - .Ldynamic\n\t"
	".quad 8\n"
	".Ldynamic:\n\t"
	".quad 4, .Lhash - .Lstart\n\t"          /* DT_HASH */
	".quad 5, .Ldynstr - .Lstart\n\t"        /* DT_STRTAB */
	".quad 6, .Ldynsym - .Lstart\n\t"        /* DT_SYMTAB */
	".quad 10, .Ldynstr_end - .Ldynstr\n\t"  /* DT_STRSZ */
	".quad 11, 24\n\t"                       /* DT_SYMENT */
	".quad 14, .Lstr_soname - .Ldynstr\n\t"  /* DT_SONAME */
	".quad 0, 0\n"
	".Ldynamic_end:\n"
	".Lhash:\n\t"
	".long 1, 11\n\t"                        /* nbucket, nchain */
	".long 1\n\t"                            /* bucket[0] */
	".long 0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0\n"
	".Ldynsym:\n\t"
	".long 0\n\t.byte 0, 0\n\t.short 0\n\t.quad 0, 0\n\t"
	VDSO_SYM("cg", ".Lclock_gettime", "0x12")
	VDSO_SYM("gtod", ".Lgettimeofday", "0x12")
	VDSO_SYM("time", ".Ltime", "0x12")
	VDSO_SYM("getcpu", ".Lgetcpu", "0x12")
	VDSO_SYM("getres", ".Lclock_getres", "0x12")
	VDSO_SYM("cg2", ".Lclock_gettime", "0x22")
	VDSO_SYM("gtod2", ".Lgettimeofday", "0x22")
	VDSO_SYM("time2", ".Ltime", "0x22")
	VDSO_SYM("getcpu2", ".Lgetcpu", "0x22")
	VDSO_SYM("getres2", ".Lclock_getres", "0x22")
	"\n.Ldynstr:\n\t"
	".byte 0\n"
	".Lstr_soname: .asciz \"linux-vdso.so.1\"\n"
	".Lstr_cg: .asciz \"__vdso_clock_gettime\"\n"
	".Lstr_gtod: .asciz \"__vdso_gettimeofday\"\n"
	".Lstr_time: .asciz \"__vdso_time\"\n"
	".Lstr_getcpu: .asciz \"__vdso_getcpu\"\n"
	".Lstr_getres: .asciz \"__vdso_clock_getres\"\n"
	".Lstr_cg2: .asciz \"clock_gettime\"\n"
	".Lstr_gtod2: .asciz \"gettimeofday\"\n"
	".Lstr_time2: .asciz \"time\"\n"
	".Lstr_getcpu2: .asciz \"getcpu\"\n"
	".Lstr_getres2: .asciz \"clock_getres\"\n"
	".Ldynstr_end:\n\t"
	".balign 16\n"

	/* rax = ns of the clock whose base is at offset r9 of the data page
	 * (r8), from the TSC. Clobbers rdx, r10. */
	".Lread_fine:\n"
	"1:\tmovl (%r8), %r10d\n\t"
	"testl $1, %r10d\n\t"
	"jnz 3f\n\t"
	"lfence\n\t"
	"rdtsc\n\t"
	"shlq $32, %rdx\n\t"
	"orq %rdx, %rax\n\t"
	"subq 8(%r8), %rax\n\t"
	"jns 2f\n\t"
	"xorl %eax, %eax\n"           /* another CPU's TSC a hair behind */
	"2:\tmulq 16(%r8)\n\t"
	"shrdq $32, %rdx, %rax\n\t"
	"addq (%r8,%r9), %rax\n\t"
	"cmpl (%r8), %r10d\n\t"
	"jne 1b\n\t"
	"ret\n"
	"3:\tpause\n\t"
	"jmp 1b\n"

	/* clock_gettime(edi = clock, rsi = ts) */
	".Lclock_gettime:\n\t"
	"leaq .Lstart-4096(%rip), %r8\n\t"
	"cmpl $0, 4(%r8)\n\t"
	"je 9f\n\t"
	"movl $32, %r9d\n\t"
	"cmpl $0, %edi\n\t"            /* CLOCK_REALTIME */
	"je 1f\n\t"
	"cmpl $5, %edi\n\t"            /* CLOCK_REALTIME_COARSE */
	"je 1f\n\t"
	"movl $24, %r9d\n\t"
	"cmpl $1, %edi\n\t"            /* CLOCK_MONOTONIC */
	"je 1f\n\t"
	"cmpl $6, %edi\n\t"            /* CLOCK_MONOTONIC_COARSE */
	"je 1f\n"
	"9:\tmovl $228, %eax\n\t"
	"syscall\n\t"
	"ret\n"
	"1:\tcall .Lread_fine\n\t"
	"xorl %edx, %edx\n\t"
	"movl $1000000000, %ecx\n\t"
	"divq %rcx\n\t"
	"movq %rax, (%rsi)\n\t"
	"movq %rdx, 8(%rsi)\n\t"
	"xorl %eax, %eax\n\t"
	"ret\n"

	/* gettimeofday(rdi = tv, rsi = tz) */
	".Lgettimeofday:\n\t"
	"leaq .Lstart-4096(%rip), %r8\n\t"
	"cmpl $0, 4(%r8)\n\t"
	"je 9f\n\t"
	"testq %rsi, %rsi\n\t"         /* the time zone: ask the sentry */
	"jnz 9f\n\t"
	"testq %rdi, %rdi\n\t"
	"jz 8f\n\t"
	"movl $32, %r9d\n\t"
	"call .Lread_fine\n\t"
	"xorl %edx, %edx\n\t"
	"movl $1000000000, %ecx\n\t"
	"divq %rcx\n\t"
	"movq %rax, (%rdi)\n\t"
	"movq %rdx, %rax\n\t"
	"xorl %edx, %edx\n\t"
	"movl $1000, %ecx\n\t"
	"divq %rcx\n\t"
	"movq %rax, 8(%rdi)\n"
	"8:\txorl %eax, %eax\n\t"
	"ret\n"
	"9:\tmovl $96, %eax\n\t"
	"syscall\n\t"
	"ret\n"

	/* time(rdi = t) */
	".Ltime:\n\t"
	"leaq .Lstart-4096(%rip), %r8\n\t"
	"cmpl $0, 4(%r8)\n\t"
	"je 9f\n\t"
	"movl $32, %r9d\n\t"
	"call .Lread_fine\n\t"
	"xorl %edx, %edx\n\t"
	"movl $1000000000, %ecx\n\t"
	"divq %rcx\n\t"
	"testq %rdi, %rdi\n\t"
	"jz 1f\n\t"
	"movq %rax, (%rdi)\n"
	"1:\tret\n"
	"9:\tmovl $201, %eax\n\t"
	"syscall\n\t"
	"ret\n"

	".Lgetcpu:\n\t"
	"movl $309, %eax\n\t"
	"syscall\n\t"
	"ret\n"

	".Lclock_getres:\n\t"
	"movl $229, %eax\n\t"
	"syscall\n\t"
	"ret\n"
	".balign 16\n"
	".Lend:\n"
	"rv_vdso_end:\n\t"
	".popsection\n");

extern const uint8_t rv_vdso_start[], rv_vdso_end[];

static pthread_once_t vdso_once = PTHREAD_ONCE_INIT;
static int vdso_err;
static uint64_t image_off, vvar_off;
static size_t image_pages;
static struct vdso_data *vd;

/* One (TSC, monotonic, realtime) sample, the TSC read as close to the
 * clock as possible: the best of a few tries. */
static void sample(uint64_t *tsc, int64_t *mono, int64_t *real)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 4; i++) {
		struct timespec m, r;
		uint64_t a = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC, &m);
		uint64_t b = __rdtsc();
		clock_gettime(CLOCK_REALTIME, &r);
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*mono = m.tv_sec * 1000000000LL + m.tv_nsec;
			*real = r.tv_sec * 1000000000LL + r.tv_nsec;
		}
	}
}

static int64_t predict(uint64_t tsc, int64_t base)
{
	uint64_t d = tsc > vd->tsc_base ? tsc - vd->tsc_base : 0;
	return base + (int64_t)(((unsigned __int128)d * vd->mult) >> 32);
}

/* Keeps the data page in step with the host's clocks. The rate is
 * measured from the first sample, so it gets more exact with time; each
 * update starts from the host's clocks again, but never moves
 * CLOCK_MONOTONIC backwards. */
static void *vdso_updater(void *arg)
{
	uint64_t t0, t;
	int64_t m0, r0, m, r;
	struct timespec nap = {0, 20 * 1000000};

	(void)arg;
	sample(&t0, &m0, &r0);
	for (;;) {
		nanosleep(&nap, NULL);
		nap.tv_nsec = 50 * 1000000;
		sample(&t, &m, &r);
		if (t <= t0 || m <= m0)
			continue;
		uint64_t mult = (uint64_t)(((unsigned __int128)(m - m0) << 32) /
					   (t - t0));
		if (vd->enabled) {
			int64_t pm = predict(t, vd->mono_base);
			int64_t pr = predict(t, vd->real_base);
			if (pm > m)
				m = pm;
			/* Small backward steps of the wall clock are our
			 * own error; a big one is the host's clock set. */
			if (pr > r && pr - r < 1000000)
				r = pr;
		}
		__atomic_store_n(&vd->seq, vd->seq + 1, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		vd->tsc_base = t;
		vd->mult = mult;
		vd->mono_base = m;
		vd->real_base = r;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		__atomic_store_n(&vd->seq, vd->seq + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&vd->enabled, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/* The fast path needs the app to read the same TSC as the sentry (its
 * threads are host threads: ptrace; or the KVM platform made every
 * vCPU's TSC the host's), and that TSC to tick at a constant rate on
 * every CPU (CPUID 0x80000007 EDX bit 8, invariant TSC). */
static bool vdso_tsc_usable(void)
{
	unsigned a, b, c, d;

	if (!rv_platform)
		return false;
	if (rv_platform->ops != &platform_ptrace_ops &&
	    !(rv_platform->ops == &platform_kvm_ops &&
	      platform_kvm_tsc_is_host(rv_platform)))
		return false;
	if (!__get_cpuid(0x80000007, &a, &b, &c, &d))
		return false;
	return d & (1U << 8);
}

static void vdso_init(void)
{
	size_t len = rv_vdso_end - rv_vdso_start;
	int64_t o, v;
	pthread_t th;

	image_pages = rv_page_up(len) >> RV_PAGE_SHIFT;
	o = memfile_alloc(image_pages);
	v = memfile_alloc(1);
	if (o < 0 || v < 0) {
		vdso_err = -ENOMEM;
		return;
	}
	memcpy(memfile_ptr(o), rv_vdso_start, len);
	image_off = o;
	vvar_off = v;
	vd = memfile_ptr(v);
	if (vdso_tsc_usable() &&
	    pthread_create(&th, NULL, vdso_updater, NULL) == 0)
		pthread_detach(th);
}

int64_t vdso_map(struct mm *mm)
{
	int64_t base;
	int rc;

	pthread_once(&vdso_once, vdso_init);
	if (vdso_err)
		return vdso_err;
	/* Where mmap would put them (Linux 6.x maps the vDSO with
	 * get_unmapped_area: below the interpreter, in the randomised mmap
	 * area); the reservation is replaced below. */
	base = mm_mmap(mm, 0, (1 + image_pages) * RV_PAGE_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	if (base < 0)
		return base;
	/* The data page is shared and never writable by the app; the code
	 * is copied on write, like Linux's, should a debugger patch it. */
	rc = mm_map_pages(mm, (uint64_t)base, 1, vvar_off, PROT_READ, true,
			  "[vvar]");
	if (rc == 0)
		rc = mm_map_pages(mm, (uint64_t)base + RV_PAGE_SIZE,
				  image_pages, image_off,
				  PROT_READ | PROT_EXEC, false, "[vdso]");
	if (rc < 0) {
		mm_munmap(mm, (uint64_t)base, (1 + image_pages) * RV_PAGE_SIZE);
		return rc;
	}
	return base + (int64_t)RV_PAGE_SIZE;
}

uint64_t vdso_vvar_offset(void)
{
	pthread_once(&vdso_once, vdso_init);
	return vvar_off;
}

const uint8_t *vdso_image(uint64_t *len)
{
	*len = rv_vdso_end - rv_vdso_start;
	return rv_vdso_start;
}
