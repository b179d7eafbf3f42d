/* The ELF loader: see loader.h. Follows Linux's fs/binfmt_elf.c: validate
 * the headers, map the PT_LOAD segments privately from the file with their
 * bss, load PT_INTERP the same way, then build the initial stack.
 *
 * Everything read from the file is hostile: every field is checked before
 * it is used in arithmetic, and every failure is a one-line reason. */
#include "sentry/loader/loader.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/random.h>

#include "sentry/kernel/task.h"
#include "sentry/loader/vdso.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

#define LOADER_MAX_PHNUM 512
/* A program whose segments span more than this is not sane. */
#define LOADER_MAX_SPAN (1ULL << 40)
/* Where ET_DYN programs go (Linux's ELF_ET_DYN_BASE, 2/3 of user space). */
#define LOADER_DYN_BASE 0x555555554000ULL
/* Linux's limits on argv/envp: MAX_ARG_STRLEN per string, and a quarter
 * of the 8 MiB stack rlimit for all of them with their pointers. */
#define LOADER_MAX_ARG_STRLEN (32 * RV_PAGE_SIZE)
#define LOADER_MAX_ARGS_BYTES (MM_STACK_MAX / 4)
/* The stack VMA is created this much larger than its contents; it grows
 * down on faults up to MM_STACK_MAX. */
#define LOADER_STACK_INITIAL (128 * 1024ULL)

/* One ELF object (the program or its interpreter) being loaded. */
struct elf_obj {
	struct file *file;
	Elf64_Ehdr eh;
	Elf64_Phdr *ph;
	uint64_t fsize;
	uint64_t lo, hi;      /* page-aligned span of the PT_LOAD segments */
	uint64_t bias;        /* load address - p_vaddr */
	uint64_t phdr_vaddr;  /* where the program headers are mapped */
	uint64_t end_code, start_code, start_data, end_data, brk;
	char *interp;         /* PT_INTERP path (malloc'd) or NULL */
	bool exec_stack;
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

static uint64_t rand_u64(void)
{
	uint64_t r = 0;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = rv_now_ns() * 0x9e3779b97f4a7c15ULL;
	return r;
}

/* --- address-space layout randomisation (Linux's arch/x86/mm/mmap.c,
 * fs/binfmt_elf.c, mm/util.c) --------------------------------------- */

/* Linux's TASK_SIZE and STACK_TOP; the sandbox's usable top is 8 KiB
 * lower (MM_MAP_TOP: the platform's stub pages). */
#define LOADER_TASK_SIZE MM_USER_TOP
/* STACK_RND_MASK (22 bits of pages: 16 GiB) and mmap_rnd_bits (28 bits
 * of pages: 1 TiB) of x86-64. */
#define LOADER_STACK_RND_MASK 0x3fffffULL
#define LOADER_MMAP_RND_BITS 28
/* arch_randomize_brk's range for 64-bit programs (1 GiB since Linux
 * 6.9; 32 MiB before). */
#define LOADER_BRK_RND (1ULL << 30)
/* mmap_base()'s clamp of the gap left for the stack. */
#define LOADER_GAP_MIN (128ULL << 20)
#define LOADER_GAP_MAX (LOADER_TASK_SIZE / 6 * 5)
/* Linux's stack_guard_gap (256 pages), in mmap_base()'s pad. */
#define LOADER_STACK_GUARD_GAP (256ULL << RV_PAGE_SHIFT)

/* Linux's PF_RANDOMIZE: what the exec'ing task's personality and the
 * sandbox's randomize_va_space ask for (0: nothing, 1: all but the
 * heap, 2: all). The personality survives execve, so `setarch -R`
 * (ADDR_NO_RANDOMIZE) gives the program the fixed layout. */
static int loader_randomize(const struct task *t)
{
	if (t && (t->personality & ADDR_NO_RANDOMIZE))
		return 0;
	return LOADER_RANDOMIZE_VA_SPACE;
}

/* A random count of pages below 2^bits, as bytes. */
static uint64_t rand_pages(unsigned bits)
{
	return (rand_u64() & ((1ULL << bits) - 1)) << RV_PAGE_SHIFT;
}

/* Linux's mmap_base(): leave the stack its rlimit, its random offset and
 * a guard gap, at least 128 MiB, at most 5/6 of the space, then move down
 * by up to 2^28 pages more. Without randomisation: MM_MMAP_BASE. */
static uint64_t loader_mmap_base(const struct task *t, bool rnd)
{
	uint64_t gap = MM_STACK_MAX, pad;

	if (t && t->tg)
		gap = t->tg->rlim[RLIMIT_STACK].rlim_cur;
	pad = (rnd ? LOADER_STACK_RND_MASK << RV_PAGE_SHIFT : 0) +
	      LOADER_STACK_GUARD_GAP;
	if (gap + pad > gap)
		gap += pad;
	gap = RV_MIN(RV_MAX(gap, LOADER_GAP_MIN), LOADER_GAP_MAX);
	uint64_t base = LOADER_TASK_SIZE - gap -
			(rnd ? rand_pages(LOADER_MMAP_RND_BITS) : 0);
	return rv_page_up(base);
}

/* Linux's arch_align_stack(): a random 0..8 KiB lower, 16-aligned. */
static uint64_t align_stack(uint64_t sp, bool rnd)
{
	if (rnd)
		sp -= rand_u64() % 8192;
	return sp & ~15ULL;
}

static int prot_of(uint32_t pflags)
{
	return (pflags & PF_R ? PROT_READ : 0) |
	       (pflags & PF_W ? PROT_WRITE : 0) |
	       (pflags & PF_X ? PROT_EXEC : 0);
}

/* Read and validate the headers of o->file. */
static int elf_read(struct elf_obj *o, bool is_interp, char *err,
		    size_t errlen)
{
	struct kstat st;
	ssize_t r;
	size_t phsize;
	const char *what = is_interp ? "interpreter: " : "";
	Elf64_Phdr *prev = NULL;
	bool have_load = false, entry_ok = false;

	if (vfs_fstat(o->file, &st) < 0)
		st.size = 0;
	o->fsize = st.size;
	memset(&o->eh, 0, sizeof(o->eh));
	r = vfs_pread(o->file, &o->eh, sizeof(o->eh), 0);
	if (r < 0)
		return fail(err, errlen, (int)r, "%sread error", what);
	if (r < SELFMAG || memcmp(o->eh.e_ident, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, -ENOEXEC, "%snot an ELF file", what);
	if ((size_t)r < sizeof(o->eh))
		return fail(err, errlen, -ENOEXEC, "%struncated ELF header",
			    what);
	if (o->eh.e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, -ENOEXEC,
			    "%snot a 64-bit ELF file (class %u)", what,
			    o->eh.e_ident[EI_CLASS]);
	if (o->eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC,
			    "%snot a little-endian ELF file", what);
	if (o->eh.e_ident[EI_VERSION] != EV_CURRENT)
		return fail(err, errlen, -ENOEXEC, "%sbad ELF version %u",
			    what, o->eh.e_ident[EI_VERSION]);
	if (o->eh.e_machine != EM_X86_64)
		return fail(err, errlen, -ENOEXEC,
			    "%sforeign architecture (e_machine %u)", what,
			    o->eh.e_machine);
	if (o->eh.e_type != ET_EXEC && o->eh.e_type != ET_DYN)
		return fail(err, errlen, -ENOEXEC,
			    "%snot an executable (e_type %u)", what,
			    o->eh.e_type);
	if (is_interp && o->eh.e_type != ET_DYN)
		return fail(err, errlen, -ENOEXEC,
			    "interpreter is not position-independent");
	if (o->eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, -ENOEXEC,
			    "%sbad program header size (e_phentsize %u)", what,
			    o->eh.e_phentsize);
	if (o->eh.e_phnum == 0)
		return fail(err, errlen, -ENOEXEC, "%sno program headers",
			    what);
	if (o->eh.e_phnum > LOADER_MAX_PHNUM)
		return fail(err, errlen, -ENOEXEC,
			    "%stoo many program headers (%u)", what,
			    o->eh.e_phnum);
	phsize = (size_t)o->eh.e_phnum * sizeof(Elf64_Phdr);
	if (o->eh.e_phoff > UINT64_MAX - phsize ||
	    o->eh.e_phoff + phsize > o->fsize)
		return fail(err, errlen, -ENOEXEC,
			    "%struncated program headers", what);
	o->ph = rv_xmalloc(phsize);
	r = vfs_pread(o->file, o->ph, phsize, o->eh.e_phoff);
	if (r < 0 || (size_t)r != phsize)
		return fail(err, errlen, -ENOEXEC,
			    "%struncated program headers", what);

	o->lo = UINT64_MAX;
	for (int i = 0; i < o->eh.e_phnum; i++) {
		Elf64_Phdr *p = &o->ph[i];
		uint64_t align = p->p_align;

		if (p->p_type == PT_GNU_STACK)
			o->exec_stack = p->p_flags & PF_X;
		if (p->p_type == PT_INTERP) {
			if (is_interp)
				return fail(err, errlen, -ENOEXEC,
					    "interpreter has an interpreter");
			if (o->interp)
				return fail(err, errlen, -ENOEXEC,
					    "more than one PT_INTERP");
			if (p->p_filesz < 2 || p->p_filesz > PATH_MAX ||
			    p->p_offset > o->fsize ||
			    p->p_filesz > o->fsize - p->p_offset)
				return fail(err, errlen, -ENOEXEC,
					    "bad PT_INTERP");
			o->interp = rv_xcalloc(1, p->p_filesz + 1);
			r = vfs_pread(o->file, o->interp, p->p_filesz,
				      p->p_offset);
			/* Linux only insists on the final NUL. */
			if (r != (ssize_t)p->p_filesz ||
			    o->interp[p->p_filesz - 1] != 0)
				return fail(err, errlen, -ENOEXEC,
					    "bad PT_INTERP");
		}
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz > p->p_memsz)
			return fail(err, errlen, -ENOEXEC,
				    "%ssegment %d: file size exceeds memory size",
				    what, i);
		if (p->p_vaddr > UINT64_MAX - p->p_memsz ||
		    p->p_vaddr + p->p_memsz > MM_USER_TOP)
			return fail(err, errlen, -ENOEXEC,
				    "%ssegment %d: address out of range", what,
				    i);
		if (p->p_offset > UINT64_MAX - p->p_filesz ||
		    p->p_offset + p->p_filesz > o->fsize)
			return fail(err, errlen, -ENOEXEC,
				    "%ssegment %d: beyond end of file", what, i);
		if (align & (align - 1))
			return fail(err, errlen, -ENOEXEC,
				    "%ssegment %d: alignment %#lx not a power "
				    "of two", what, i, (unsigned long)align);
		if (align < RV_PAGE_SIZE)
			align = RV_PAGE_SIZE;
		if ((p->p_offset ^ p->p_vaddr) & (align - 1))
			return fail(err, errlen, -ENOEXEC,
				    "%ssegment %d: offset and address not "
				    "congruent", what, i);
		if (prev && p->p_vaddr < prev->p_vaddr + prev->p_memsz)
			return fail(err, errlen, -ENOEXEC,
				    "%soverlapping segments", what);
		if (o->eh.e_entry >= p->p_vaddr &&
		    o->eh.e_entry - p->p_vaddr < p->p_memsz &&
		    (p->p_flags & PF_X))
			entry_ok = true;
		/* Where the program headers lie in memory (AT_PHDR). */
		if (o->eh.e_phoff >= p->p_offset &&
		    o->eh.e_phoff - p->p_offset < p->p_filesz &&
		    !o->phdr_vaddr)
			o->phdr_vaddr = p->p_vaddr + o->eh.e_phoff -
					p->p_offset;
		if (!have_load)
			o->lo = rv_page_down(p->p_vaddr);
		o->hi = rv_page_up(p->p_vaddr + p->p_memsz);
		have_load = true;
		prev = p;
	}
	if (!have_load)
		return fail(err, errlen, -ENOEXEC, "%sno loadable segments",
			    what);
	if (!entry_ok)
		return fail(err, errlen, -ENOEXEC,
			    "%sentry point outside executable segments", what);
	if (o->hi - o->lo > LOADER_MAX_SPAN)
		return fail(err, errlen, -ENOEXEC,
			    "%ssegments span too much memory", what);
	if (o->eh.e_type == ET_EXEC && o->lo < MM_MIN_ADDR)
		return fail(err, errlen, -ENOEXEC,
			    "%ssegment below the lowest mappable address",
			    what);
	return 0;
}

/* Map o's PT_LOAD segments at o->bias. */
static int elf_map(struct mm *mm, struct elf_obj *o, char *err,
		   size_t errlen)
{
	int64_t r;
	uint64_t cursor = o->bias + o->lo;

	o->start_code = UINT64_MAX;
	o->start_data = 0;
	for (int i = 0; i < o->eh.e_phnum; i++) {
		Elf64_Phdr *p = &o->ph[i];
		int prot = prot_of(p->p_flags);
		uint64_t start = o->bias + p->p_vaddr;
		uint64_t pstart = rv_page_down(start);
		uint64_t fend = start + p->p_filesz;
		uint64_t mend = start + p->p_memsz;
		int flags = MAP_PRIVATE | MAP_FIXED;

		if (p->p_type != PT_LOAD)
			continue;
		/* Holes between the segments of a reserved span are given
		 * back, as Linux's elf_map leaves them unmapped. */
		if (o->eh.e_type == ET_DYN && pstart > cursor)
			mm_munmap(mm, cursor, pstart - cursor);
		cursor = RV_MAX(cursor, rv_page_up(mend));
		if (p->p_filesz) {
			r = mm_mmap(mm, pstart, rv_page_up(fend) - pstart,
				    prot, flags, o->file,
				    p->p_offset - (start - pstart));
			if (r < 0)
				return fail(err, errlen, (int)r,
					    "cannot map segment %d: %s", i,
					    strerror((int)-r));
			/* The bss starts inside the last file page: the
			 * rest of that page must read as zero, not as the
			 * file bytes that follow (Linux's padzero). */
			if (p->p_memsz > p->p_filesz && (prot & PROT_WRITE) &&
			    (fend & (RV_PAGE_SIZE - 1))) {
				r = mm_zero(mm, fend,
					    rv_page_up(fend) - fend);
				if (r < 0)
					return fail(err, errlen, -ENOMEM,
						    "cannot clear bss");
			}
		}
		if (rv_page_up(mend) > rv_page_up(fend)) {
			uint64_t bs = p->p_filesz ? rv_page_up(fend) : pstart;
			r = mm_mmap(mm, bs, rv_page_up(mend) - bs, prot,
				    flags | MAP_ANONYMOUS, NULL, 0);
			if (r < 0)
				return fail(err, errlen, (int)r,
					    "cannot map bss of segment %d: %s",
					    i, strerror((int)-r));
		}
		if (p->p_flags & PF_X) {
			o->start_code = RV_MIN(o->start_code, start);
			o->end_code = RV_MAX(o->end_code, fend);
		} else if (!o->start_data) {
			o->start_data = start;
		}
		o->end_data = RV_MAX(o->end_data, fend);
		o->brk = RV_MAX(o->brk, mend);
	}
	if (o->eh.e_type == ET_DYN && o->bias + o->hi > cursor)
		mm_munmap(mm, cursor, o->bias + o->hi - cursor);
	if (o->start_code == UINT64_MAX)
		o->start_code = 0;
	return 0;
}

/* Reserve o's whole span where mmap would put it (or at hint), so that the
 * segments land at fixed offsets from each other. Sets o->bias. */
static int elf_place(struct mm *mm, struct elf_obj *o, uint64_t hint,
		     char *err, size_t errlen)
{
	int64_t r;
	uint64_t span = o->hi - o->lo;

	if (o->eh.e_type == ET_EXEC) {
		o->bias = 0;
		return 0;
	}
	r = mm_mmap(mm, hint, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    NULL, 0);
	if (r < 0)
		return fail(err, errlen, (int)r, "cannot reserve %lu bytes: %s",
			    (unsigned long)span, strerror((int)-r));
	o->bias = (uint64_t)r - o->lo;
	return 0;
}

static void elf_free(struct elf_obj *o)
{
	free(o->ph);
	free(o->interp);
	if (o->file)
		file_put(o->file);
}

/* --- the initial stack --------------------------------------------------- */

struct stack_builder {
	uint8_t *buf;    /* sentry image of [base, top) */
	uint64_t base, top;
	uint64_t p;      /* next free byte going down (app address) */
};

static uint64_t sb_push(struct stack_builder *s, const void *data,
			size_t len)
{
	s->p -= len;
	memcpy(s->buf + (s->p - s->base), data, len);
	return s->p;
}

static int count_strings(char *const v[], size_t *n, size_t *bytes)
{
	*n = 0;
	for (; v && v[*n]; (*n)++) {
		size_t l = strlen(v[*n]) + 1;
		if (l > LOADER_MAX_ARG_STRLEN)
			return -E2BIG;
		*bytes += l;
	}
	return 0;
}

#define AUX(k, v)                                    \
	do {                                         \
		aux[naux++] = (k);                   \
		aux[naux++] = (v);                   \
	} while (0)

static int build_stack(struct task *t, struct mm *mm, struct elf_obj *prog,
		       uint64_t interp_base, uint64_t entry, uint64_t vdso,
		       uint64_t top, bool randomize, const char *path,
		       char *const argv[], char *const envp[],
		       struct loader_image *out, char *err, size_t errlen)
{
	size_t argc, envc, bytes = 0, execfn_len = strlen(path) + 1;
	uint64_t aux[64], random_at, platform_at, execfn_at;
	uint64_t *argp, *envpp;
	size_t naux = 0, nwords, size;
	struct stack_builder s;
	struct mm_layout *l = mm_layout(mm);
	uint8_t rnd[16];
	int64_t r;
	int rc;
	static char *const empty_argv[] = {"", NULL};

	/* Linux (5.18+) gives a program exec'd with an empty argv an empty
	 * argv[0], so that argv[1] is never envp[0]. */
	if (!argv || !argv[0])
		argv = empty_argv;
	if (count_strings(argv, &argc, &bytes) < 0 ||
	    count_strings(envp, &envc, &bytes) < 0 ||
	    execfn_len > LOADER_MAX_ARG_STRLEN)
		return fail(err, errlen, -E2BIG, "argument list too long");
	bytes += execfn_len;
	if (bytes + (argc + envc + 2) * sizeof(uint64_t) >
	    LOADER_MAX_ARGS_BYTES)
		return fail(err, errlen, -E2BIG, "argument list too long");

	/* The image: strings, arch_align_stack's random pad, platform,
	 * random bytes, then the words (argc, argv, envp, auxv), rounded to
	 * pages. */
	size = bytes + 8192 + 16 + 16 + 16 + 8 + 64 +
	       (1 + argc + 1 + envc + 1 + 64) * sizeof(uint64_t);
	size = rv_page_up(size);
	s.top = top;
	s.base = s.top - size;
	s.p = s.top - sizeof(uint64_t); /* a NULL word at the very top */
	s.buf = rv_xcalloc(1, size);
	argp = rv_xcalloc(argc + 1, sizeof(uint64_t));
	envpp = rv_xcalloc(envc + 1, sizeof(uint64_t));

	r = mm_mmap(mm, s.top - size - LOADER_STACK_INITIAL,
		    size + LOADER_STACK_INITIAL,
		    PROT_READ | PROT_WRITE | (prog->exec_stack ? PROT_EXEC : 0),
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
		    NULL, 0);
	if (r < 0) {
		rc = fail(err, errlen, (int)r, "cannot map the stack");
		goto out;
	}
	mm_set_vma_name(mm, s.top - 1, "[stack]");

	/* Strings as Linux lays them out: the file name at the top, then
	 * the environment, then the arguments below it. */
	execfn_at = sb_push(&s, path, execfn_len);
	l->env_end = s.p;
	for (size_t i = envc; i-- > 0;)
		envpp[i] = sb_push(&s, envp[i], strlen(envp[i]) + 1);
	l->env_start = s.p;
	l->arg_end = s.p;
	for (size_t i = argc; i-- > 0;)
		argp[i] = sb_push(&s, argv[i], strlen(argv[i]) + 1);
	l->arg_start = s.p;
	/* create_elf_tables(): the rest goes below a random sub-page
	 * offset. */
	s.p = align_stack(s.p, randomize);
	platform_at = sb_push(&s, "x86_64", sizeof("x86_64"));
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd)) {
		uint64_t a = rand_u64(), b = rand_u64();
		memcpy(rnd, &a, 8);
		memcpy(rnd + 8, &b, 8);
	}
	s.p &= ~15ULL;
	random_at = sb_push(&s, rnd, sizeof(rnd));

	unsigned long minsig = getauxval(AT_MINSIGSTKSZ);
	if (vdso)
		AUX(AT_SYSINFO_EHDR, vdso);
	AUX(AT_MINSIGSTKSZ, minsig ? minsig : 2048);
	AUX(AT_HWCAP, getauxval(AT_HWCAP));
	AUX(AT_PAGESZ, RV_PAGE_SIZE);
	AUX(AT_CLKTCK, 100);
	AUX(AT_PHDR, prog->bias + prog->phdr_vaddr);
	AUX(AT_PHENT, sizeof(Elf64_Phdr));
	AUX(AT_PHNUM, prog->eh.e_phnum);
	AUX(AT_BASE, interp_base);
	AUX(AT_FLAGS, 0);
	AUX(AT_ENTRY, prog->bias + prog->eh.e_entry);
	AUX(AT_UID, t ? t->cred.uid : 0);
	AUX(AT_EUID, t ? t->cred.euid : 0);
	AUX(AT_GID, t ? t->cred.gid : 0);
	AUX(AT_EGID, t ? t->cred.egid : 0);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random_at);
	AUX(AT_HWCAP2, getauxval(AT_HWCAP2));
	AUX(AT_EXECFN, execfn_at);
	AUX(AT_PLATFORM, platform_at);
	AUX(AT_NULL, 0);

	/* argc, argv[], NULL, envp[], NULL, auxv: rsp 16-byte aligned at
	 * argc as the x86-64 ABI requires (Linux's STACK_ROUND). */
	nwords = 1 + argc + 1 + envc + 1 + naux;
	s.p = (s.p - nwords * sizeof(uint64_t)) & ~15ULL;
	RV_BUG_ON(s.p < s.base);
	uint64_t *w = (uint64_t *)(s.buf + (s.p - s.base));
	*w++ = argc;
	memcpy(w, argp, argc * sizeof(uint64_t));
	w += argc + 1;
	memcpy(w, envpp, envc * sizeof(uint64_t));
	w += envc + 1;
	memcpy(w, aux, naux * sizeof(uint64_t));
	memcpy(l->auxv, aux, naux * sizeof(uint64_t));
	l->auxv_len = naux * sizeof(uint64_t);

	rc = mm_copy_out(mm, s.p, s.buf + (s.p - s.base), s.top - s.p);
	if (rc < 0) {
		rc = fail(err, errlen, -ENOMEM, "cannot write the stack");
		goto out;
	}
	l->start_stack = s.p;
	out->sp = s.p;
	out->entry = entry;
	rc = 0;
out:
	free(s.buf);
	free(argp);
	free(envpp);
	return rc;
}

int loader_load(struct task *t, struct file *exe, const char *path,
		char *const argv[], char *const envp[],
		struct loader_image *out, char *err, size_t errlen)
{
	struct elf_obj prog = {0}, interp = {0};
	struct mm *mm = NULL;
	uint64_t entry, interp_base = 0;
	int rc;

	if (err && errlen)
		err[0] = 0;
	memset(out, 0, sizeof(*out));
	prog.file = file_get(exe);
	rc = elf_read(&prog, false, err, errlen);
	if (rc < 0)
		goto out;
	if (prog.interp) {
		rc = vfs_openat(t, AT_FDCWD, prog.interp, O_RDONLY, 0,
				&interp.file);
		if (rc < 0) {
			interp.file = NULL;
			rc = fail(err, errlen, rc == -ENOENT ? -ENOENT : rc,
				  "interpreter %s: %s", prog.interp,
				  strerror(-rc));
			goto out;
		}
		rc = elf_read(&interp, true, err, errlen);
		if (rc < 0)
			goto out;
	}

	mm = mm_create(rv_platform);
	if (!mm) {
		rc = fail(err, errlen, -ENOMEM, "cannot create address space");
		goto out;
	}
	/* Linux's order: the mmap base and the stack top first, then the
	 * program, the interpreter and the vDSO, then the heap. */
	int rnd = loader_randomize(t);
	mm_set_mmap_base(mm, loader_mmap_base(t, rnd));
	/* randomize_stack_top(), then setup_arg_pages()'s arch_align_stack
	 * rounded up to a page. */
	uint64_t stack_top = LOADER_TASK_SIZE;
	if (rnd)
		stack_top -= (rand_u64() & LOADER_STACK_RND_MASK)
			     << RV_PAGE_SHIFT;
	stack_top = rv_page_up(align_stack(stack_top, rnd));
	stack_top = RV_MIN(stack_top, MM_STACK_TOP);
	/* A position-independent program with an interpreter goes at
	 * Linux's ELF_ET_DYN_BASE plus arch_mmap_rnd() (up to 1 TiB); one
	 * without (static-pie, ld.so run directly) where mmap puts it, in
	 * the randomised mmap area. */
	if (prog.eh.e_type == ET_DYN) {
		uint64_t hint = 0;
		if (prog.interp)
			hint = LOADER_DYN_BASE +
			       (rnd ? rand_pages(LOADER_MMAP_RND_BITS) : 0);
		rc = elf_place(mm, &prog, hint, err, errlen);
		if (rc < 0)
			goto out;
	}
	rc = elf_map(mm, &prog, err, errlen);
	if (rc < 0)
		goto out;
	entry = prog.bias + prog.eh.e_entry;
	if (prog.interp) {
		rc = elf_place(mm, &interp, 0, err, errlen);
		if (rc < 0)
			goto out;
		rc = elf_map(mm, &interp, err, errlen);
		if (rc < 0)
			goto out;
		interp_base = interp.bias + interp.lo;
		entry = interp.bias + interp.eh.e_entry;
	}

	/* The heap starts after the program, or for a PIE without
	 * interpreter (static-pie, ld.so run directly; mapped in the mmap
	 * area) at ELF_ET_DYN_BASE; randomised (randomize_va_space 2) a
	 * page further (after the program only) and then by up to 1 GiB
	 * (arch_randomize_brk), as load_elf_binary() does. */
	uint64_t brk = rv_page_up(prog.brk);
	bool brk_moved = prog.eh.e_type == ET_DYN && !prog.interp;
	if (brk_moved)
		brk = rv_page_up(LOADER_TASK_SIZE / 3 * 2);
	if (rnd > 1) {
		if (!brk_moved)
			brk += RV_PAGE_SIZE;
		brk += rand_pages(LOADER_MMAP_RND_BITS) % LOADER_BRK_RND;
	}
	mm_set_brk_base(mm, brk);
	struct mm_layout *l = mm_layout(mm);
	l->start_code = prog.start_code;
	l->end_code = prog.end_code;
	l->start_data = prog.start_data;
	l->end_data = prog.end_data;

	/* Without a vDSO the C library makes system calls: not fatal. */
	int64_t vdso = vdso_map(mm);
	if (vdso < 0)
		vdso = 0;
	rc = build_stack(t, mm, &prog, interp_base, entry, (uint64_t)vdso,
			 stack_top, rnd, path, argv, envp, out, err, errlen);
	if (rc < 0)
		goto out;
	mm_set_exe(mm, exe);
	mm_map_present(mm);
	out->mm = mm;
	mm = NULL;
out:
	if (mm)
		mm_put(mm);
	elf_free(&prog);
	elf_free(&interp);
	return rc;
}
