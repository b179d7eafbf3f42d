/* Unit tests of the ELF loader on real static and static-PIE binaries
 * (built here with gcc) and on corrupted copies of them, over the fake
 * MMU platform of mm_testlib.h. */
#include "tests/unit/mm_testlib.h"

#include <elf.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

#include "sentry/kernel/task.h"
#include "sentry/loader/loader.h"
#include "sentry/loader/vdso.h"

static char dir[] = "/tmp/rv-loader-test-XXXXXX";
static struct task task;

static const char *prog_src =
	"#include <stdio.h>\n"
	"int bss_var[4096];\n"
	"int data_var = 42;\n"
	"int main(int argc, char **argv) { printf(\"%d %s\\n\", argc, argv[0]);"
	" return bss_var[1] + data_var; }\n";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	*len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc(*len);
	if (fread(b, 1, *len, f) != *len) {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

static void spit(const char *path, const void *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, len, f) != len)
		abort();
	fclose(f);
}

static int load(const char *path, char *const argv[], char *const envp[],
		struct loader_image *img, char *err, size_t errlen)
{
	struct file *f = test_file_open(path);
	if (!f)
		return -ENOENT;
	int rc = loader_load(&task, f, path, argv, envp, img, err, errlen);
	file_put(f);
	return rc;
}

static uint64_t auxv_get(struct mm *mm, uint64_t sp, uint64_t type)
{
	uint64_t argc, w;
	uint64_t p = sp + 8;

	mm_copy_in(mm, &argc, sp, 8);
	p += (argc + 1) * 8;
	do {
		mm_copy_in(mm, &w, p, 8);
		p += 8;
	} while (w);
	for (;; p += 16) {
		uint64_t kv[2];
		if (mm_copy_in(mm, kv, p, 16) < 0 || kv[0] == AT_NULL)
			return ~0ULL;
		if (kv[0] == type)
			return kv[1];
	}
}

static void check_image(const char *path, bool pie)
{
	char *argv[] = {"prog", "arg one", NULL};
	char *envp[] = {"A=1", "HOME=/x", NULL};
	struct loader_image img;
	char err[128] = "", s[256];
	size_t flen;
	char *file = slurp(path, &flen);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)file;

	int rc = load(path, argv, envp, &img, err, sizeof(err));
	CHECK(rc == 0, "%s loads (%d %s)", pie ? "static-pie" : "static", rc,
	      err);
	if (rc)
		return;
	struct mm *mm = img.mm;
	CHECK(img.sp % 16 == 0, "rsp 16-byte aligned at argc");
	/* Linux maps a PIE without interpreter where mmap would: below
	 * the randomised mmap base (at most 1 TiB + 16 GiB + 8 MiB + 1 MiB
	 * below the top). */
	if (pie)
		CHECK(img.entry >= MM_USER_TOP - (1ULL << 40) - (17ULL << 30) &&
			      img.entry < MM_MMAP_BASE,
		      "static-pie entry in the mmap area (%#lx)",
		      (long)img.entry);
	else
		CHECK(img.entry == eh->e_entry, "entry is e_entry");
	uint64_t argc = 0, ptr = 0;
	mm_copy_in(mm, &argc, img.sp, 8);
	CHECK(argc == 2, "argc");
	mm_copy_in(mm, &ptr, img.sp + 16, 8);
	CHECK(mm_copy_in_str(mm, s, ptr, sizeof(s)) > 0 &&
		      strcmp(s, "arg one") == 0, "argv[1]");
	mm_copy_in(mm, &ptr, img.sp + 8 * 5, 8);
	CHECK(mm_copy_in_str(mm, s, ptr, sizeof(s)) > 0 &&
		      strcmp(s, "HOME=/x") == 0, "envp[1]");
	CHECK(auxv_get(mm, img.sp, AT_PAGESZ) == 4096, "AT_PAGESZ");
	CHECK(auxv_get(mm, img.sp, AT_ENTRY) == img.entry, "AT_ENTRY");
	CHECK(auxv_get(mm, img.sp, AT_PHNUM) == eh->e_phnum, "AT_PHNUM");
	CHECK(auxv_get(mm, img.sp, AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT");
	CHECK(auxv_get(mm, img.sp, AT_CLKTCK) == 100, "AT_CLKTCK");
	CHECK(auxv_get(mm, img.sp, AT_SECURE) == 0, "AT_SECURE");
	CHECK(auxv_get(mm, img.sp, AT_HWCAP) == getauxval(AT_HWCAP),
	      "AT_HWCAP from the host");
	CHECK(auxv_get(mm, img.sp, AT_UID) == 1234, "AT_UID from the task");
	Elf64_Phdr ph;
	uint64_t phdr = auxv_get(mm, img.sp, AT_PHDR);
	CHECK(mm_copy_in(mm, &ph, phdr, sizeof(ph)) == 0 &&
		      memcmp(&ph, file + eh->e_phoff, sizeof(ph)) == 0,
	      "AT_PHDR points at the program headers");
	uint8_t rnd[16];
	CHECK(mm_copy_in(mm, rnd, auxv_get(mm, img.sp, AT_RANDOM), 16) == 0,
	      "AT_RANDOM readable");
	CHECK(mm_copy_in_str(mm, s, auxv_get(mm, img.sp, AT_EXECFN),
			     sizeof(s)) > 0 && strcmp(s, path) == 0,
	      "AT_EXECFN");
	CHECK(mm_copy_in_str(mm, s, auxv_get(mm, img.sp, AT_PLATFORM),
			     sizeof(s)) > 0 && strcmp(s, "x86_64") == 0,
	      "AT_PLATFORM");
	/* The code at the entry point is the file's. */
	uint64_t bias = img.entry - eh->e_entry;
	Elf64_Phdr *phs = (Elf64_Phdr *)(file + eh->e_phoff);
	uint64_t foff = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (phs[i].p_type == PT_LOAD && eh->e_entry >= phs[i].p_vaddr &&
		    eh->e_entry < phs[i].p_vaddr + phs[i].p_filesz)
			foff = phs[i].p_offset + eh->e_entry - phs[i].p_vaddr;
	uint8_t code[32];
	CHECK(mm_copy_in(mm, code, img.entry, 32) == 0 &&
		      memcmp(code, file + foff, 32) == 0,
	      "entry code matches the file");
	CHECK(mm_copy_out(mm, img.entry, "x", 1) == -EFAULT,
	      "text is not writable");
	/* bss reads zero, even in the part of the last file page. */
	int bad = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr *p = &phs[i];
		if (p->p_type != PT_LOAD || p->p_memsz == p->p_filesz)
			continue;
		uint8_t z[4096];
		uint64_t s0 = bias + p->p_vaddr + p->p_filesz;
		size_t n = RV_MIN(sizeof(z), p->p_memsz - p->p_filesz);
		memset(z, 1, sizeof(z));
		bad += mm_copy_in(mm, z, s0, n) != 0;
		for (size_t k = 0; k < n; k++)
			bad += z[k] != 0;
	}
	CHECK(bad == 0, "bss is zero");
	static char maps[8192];
	mm_format_maps(mm, maps, sizeof(maps));
	CHECK(strstr(maps, "[stack]") && strstr(maps, path),
	      "maps show the program and the stack");
	struct mm_layout *l = mm_layout(mm);
	/* A static-pie's heap goes at ELF_ET_DYN_BASE, below it (Linux's
	 * load_elf_binary, which maps the program in the mmap area). */
	if (pie)
		CHECK(l->start_brk >= 0x555555555000ULL &&
			      l->start_brk < 0x555555555000ULL + (1ULL << 30) &&
			      l->start_brk % 4096 == 0,
		      "brk starts at ELF_ET_DYN_BASE");
	else
		CHECK(l->start_brk > l->end_data && l->start_brk % 4096 == 0,
		      "brk starts after the program");
	CHECK(mm_brk(mm, l->start_brk + 100000) == (int64_t)l->start_brk + 100000,
	      "brk grows from there");
	CHECK(l->arg_start < l->arg_end && l->env_start < l->env_end &&
		      l->auxv_len > 0, "layout recorded for /proc");
	CHECK(mm_exe(mm) != NULL, "exe recorded");
	mm_put(mm);
	free(file);
}

static void expect_noexec(const char *name, const void *b, size_t len,
			  const char *msg)
{
	char path[256], err[160] = "";
	struct loader_image img;
	char *argv[] = {"x", NULL};

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	spit(path, b, len);
	int rc = load(path, argv, argv + 1, &img, err, sizeof(err));
	CHECK(rc == -ENOEXEC && strstr(err, msg) != NULL,
	      "%s: -ENOEXEC \"%s\" (got %d \"%s\")", name, msg, rc, err);
	if (rc == 0)
		mm_put(img.mm);
}

static void test_corrupt(const char *path)
{
	size_t len;
	char *orig = slurp(path, &len);
	char *b = malloc(len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)b;
	Elf64_Phdr *ph;

#define RESET() (memcpy(b, orig, len), ph = (Elf64_Phdr *)(b + eh->e_phoff))
	RESET();
	expect_noexec("empty", b, 0, "not an ELF file");
	expect_noexec("short", b, 30, "truncated ELF header");
	expect_noexec("text", "#!/bin/sh\necho hi\n", 18, "not an ELF file");
	RESET();
	eh->e_machine = 183;
	expect_noexec("aarch64", b, len, "foreign architecture (e_machine 183)");
	RESET();
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	expect_noexec("class32", b, len, "not a 64-bit ELF file");
	RESET();
	eh->e_phnum = 0xffff;
	expect_noexec("phnum", b, len, "too many program headers (65535)");
	RESET();
	eh->e_phnum = 0;
	expect_noexec("phnum0", b, len, "no program headers");
	RESET();
	eh->e_phentsize = 32;
	expect_noexec("phentsize", b, len, "bad program header size");
	RESET();
	eh->e_phoff = len - 10;
	expect_noexec("phoff", b, len, "truncated program headers");
	RESET();
	eh->e_type = ET_REL;
	expect_noexec("rel", b, len, "not an executable");
	RESET();
	eh->e_entry = 0x10;
	expect_noexec("entry", b, len, "entry point outside executable segments");
	expect_noexec("truncated", orig, len / 2, "beyond end of file");

	int l0 = -1, l1 = -1;
	RESET();
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			if (l0 < 0)
				l0 = i;
			else if (l1 < 0)
				l1 = i;
		}
	ph[l0].p_memsz = ph[l1].p_vaddr - ph[l0].p_vaddr + 0x2000;
	ph[l0].p_filesz = RV_MIN(ph[l0].p_filesz, ph[l0].p_memsz);
	expect_noexec("overlap", b, len, "overlapping segments");
	RESET();
	ph[l1].p_filesz = ph[l1].p_memsz + 1;
	expect_noexec("filesz", b, len, "file size exceeds memory size");
	RESET();
	ph[l1].p_vaddr = 0x7ffffffff000ULL;
	expect_noexec("vaddr", b, len, "address out of range");
	RESET();
	ph[l1].p_vaddr += 0x10;
	expect_noexec("congruence", b, len, "not congruent");
	RESET();
	ph[l1].p_align = 0x3000;
	expect_noexec("align", b, len, "not a power of two");
	RESET();
	ph[l1].p_offset = ~0ULL - 5;
	expect_noexec("offset-wrap", b, len, "beyond end of file");

	/* Random corruption of the headers: never a crash. */
	char fpath[256], err[160];
	snprintf(fpath, sizeof(fpath), "%s/fuzz", dir);
	srand(1);
	int loaded = 0, refused = 0;
	for (int it = 0; it < 400; it++) {
		RESET();
		size_t hdr = eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr);
		for (int k = 0; k < 1 + it % 8; k++)
			b[rand() % hdr] ^= (char)(1 << (rand() % 8));
		spit(fpath, b, len);
		struct loader_image img;
		char *argv[] = {"x", NULL};
		int rc = load(fpath, argv, argv + 1, &img, err, sizeof(err));
		if (rc == 0) {
			loaded++;
			mm_put(img.mm);
		} else {
			refused++;
		}
	}
	CHECK(loaded + refused == 400,
	      "400 corrupted headers: %d loaded, %d refused, no crash", loaded,
	      refused);
	free(b);
	free(orig);
}

static void test_empty_argv(const char *path)
{
	struct loader_image img;
	char err[128];
	char *none[] = {NULL};
	uint64_t argc = 9, a0 = 0;
	char s[8] = "x";

	CHECK(load(path, none, none, &img, err, sizeof(err)) == 0 &&
		      mm_copy_in(img.mm, &argc, img.sp, 8) == 0 && argc == 1 &&
		      mm_copy_in(img.mm, &a0, img.sp + 8, 8) == 0 &&
		      mm_copy_in_str(img.mm, s, a0, sizeof(s)) == 0,
	      "empty argv gets an empty argv[0], like Linux");
	if (img.mm)
		mm_put(img.mm);
}

/* A dynamic executable: the interpreter is opened through the VFS and
 * loaded too; the entry point is its. */
static void test_dynamic(const char *path)
{
	struct loader_image img;
	char err[160] = "";
	char *argv[] = {"dyn", NULL};
	size_t len;

	task.fs = fs_context_create_root();
	int rc = load(path, argv, argv + 1, &img, err, sizeof(err));
	CHECK(rc == 0, "dynamic executable loads (%d %s)", rc, err);
	if (rc)
		return;
	uint64_t base = auxv_get(img.mm, img.sp, AT_BASE);
	CHECK(base && base != ~0ULL && img.entry > base,
	      "AT_BASE is the interpreter, entry inside it (%#lx %#lx)",
	      (long)base, (long)img.entry);
	static char maps[8192];
	mm_format_maps(img.mm, maps, sizeof(maps));
	CHECK(strstr(maps, "ld-linux-x86-64.so.2") != NULL,
	      "interpreter in maps");
	uint8_t code[16];
	CHECK(mm_copy_in(img.mm, code, img.entry, 16) == 0,
	      "interpreter entry readable");
	mm_put(img.mm);

	/* A missing interpreter is a clear error. */
	char *b = slurp(path, &len);
	char *ip = memmem(b, len, "/lib64/ld-linux-x86-64.so.2", 27);
	if (ip) {
		memcpy(ip, "/lib64/no-such-interpreter", 27);
		char p2[256];
		snprintf(p2, sizeof(p2), "%s/nointerp", dir);
		spit(p2, b, len);
		rc = load(p2, argv, argv + 1, &img, err, sizeof(err));
		CHECK(rc == -ENOENT && strstr(err, "no-such-interpreter"),
		      "missing interpreter: ENOENT (%d %s)", rc, err);
	}
	free(b);
}

/* Find a symbol in a vDSO image the way glibc does: program headers,
 * PT_DYNAMIC, DT_HASH chain. */
static void *vdso_sym(uint8_t *base, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
	Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
	Elf64_Dyn *dyn = NULL;
	uint32_t *hash = NULL;
	Elf64_Sym *sym = NULL;
	const char *str = NULL;

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (Elf64_Dyn *)(base + ph[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_HASH)
			hash = (uint32_t *)(base + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_SYMTAB)
			sym = (Elf64_Sym *)(base + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_STRTAB)
			str = (const char *)(base + dyn->d_un.d_ptr);
	}
	if (!hash || !sym || !str)
		return NULL;
	uint32_t nbucket = hash[0], *bucket = hash + 2,
		 *chain = hash + 2 + nbucket;
	for (uint32_t i = bucket[0]; i; i = chain[i])
		if (strcmp(str + sym[i].st_name, name) == 0 &&
		    sym[i].st_shndx != SHN_UNDEF)
			return base + sym[i].st_value;
	return NULL;
}

static int64_t ns_of(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* The vDSO: mapped with AT_SYSINFO_EHDR, and its code, run here against
 * the live data page, tells the host's time without system calls. */
static void test_vdso(const char *path)
{
	struct loader_image img;
	char err[128];
	char *argv[] = {"x", NULL};
	uint8_t magic[4];

	int rc = load(path, argv, argv + 1, &img, err, sizeof(err));
	CHECK(rc == 0, "loads with a vDSO (%d %s)", rc, err);
	if (rc)
		return;
	uint64_t eh = auxv_get(img.mm, img.sp, AT_SYSINFO_EHDR);
	CHECK(eh && mm_copy_in(img.mm, magic, eh, 4) == 0 &&
		      memcmp(magic, ELFMAG, 4) == 0,
	      "AT_SYSINFO_EHDR points at the vDSO image");
	static char maps[8192];
	mm_format_maps(img.mm, maps, sizeof(maps));
	CHECK(strstr(maps, "[vdso]") && strstr(maps, "[vvar]"),
	      "[vdso] and [vvar] in maps");
	CHECK(mm_copy_out(img.mm, eh, "x", 1) == -EFAULT &&
		      mm_mprotect(img.mm, eh - 4096, 4096,
				  PROT_READ | PROT_WRITE) == -EACCES,
	      "vDSO not writable, [vvar] never");
	struct mm *c = mm_fork(img.mm);
	CHECK(c && mm_copy_in(c, magic, eh, 4) == 0 &&
		      memcmp(magic, ELFMAG, 4) == 0, "fork keeps the vDSO");
	mm_put(c);
	mm_put(img.mm);

	/* Run the image here: the data page from the memory file just
	 * below a copy of the code, as the app has them. */
	uint64_t len;
	const uint8_t *image = vdso_image(&len);
	size_t pages = (len + 4095) / 4096;
	uint8_t *area = mmap(NULL, (pages + 1) * 4096, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *vvar = mmap(area, 4096, PROT_READ, MAP_SHARED | MAP_FIXED,
			     memfile_fd(), vdso_vvar_offset());
	uint8_t *code = mmap(area + 4096, pages * 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (area == MAP_FAILED || vvar != area || code != area + 4096) {
		CHECK(0, "cannot lay out the vDSO for a test run");
		return;
	}
	memcpy(code, image, len);
	mprotect(code, pages * 4096, PROT_READ | PROT_EXEC);
	int (*cg)(int, struct timespec *) =
		(int (*)(int, struct timespec *))vdso_sym(code,
							  "__vdso_clock_gettime");
	int (*gtod)(struct timeval *, void *) =
		(int (*)(struct timeval *, void *))vdso_sym(code,
							    "__vdso_gettimeofday");
	time_t (*tm)(time_t *) =
		(time_t (*)(time_t *))vdso_sym(code, "__vdso_time");
	CHECK(cg && gtod && tm && vdso_sym(code, "clock_gettime") == (void *)cg &&
		      !vdso_sym(code, "nonexistent"),
	      "symbols found through the hash table");
	if (!cg || !gtod || !tm)
		return;
	struct timespec a, v, b;
	/* The data page is enabled once the first calibration is done. */
	for (int i = 0; i < 100 && !((volatile uint32_t *)vvar)[1]; i++)
		usleep(10000);
	CHECK(((volatile uint32_t *)vvar)[1] == 1, "fast path enabled");
	int off = 0;
	for (int i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		cg(CLOCK_MONOTONIC, &v);
		clock_gettime(CLOCK_MONOTONIC, &b);
		off += ns_of(&v) < ns_of(&a) - 100000 ||
		       ns_of(&v) > ns_of(&b) + 100000;
		usleep(30000);
	}
	CHECK(off == 0, "CLOCK_MONOTONIC matches the host's (within 0.1 ms)");
	clock_gettime(CLOCK_REALTIME, &a);
	cg(CLOCK_REALTIME, &v);
	CHECK(llabs(ns_of(&v) - ns_of(&a)) < 1000000,
	      "CLOCK_REALTIME matches the host's");
	struct timeval tv;
	time_t t1 = 0, t0 = time(NULL);
	CHECK(gtod(&tv, NULL) == 0 && llabs(tv.tv_sec - t0) <= 1 &&
		      tv.tv_usec < 1000000 && tm(&t1) >= t0 && t1 >= t0,
	      "gettimeofday and time");
	/* Never backwards, across several updates of the data page. */
	int64_t last = 0, back = 0, n = 0, start = rv_now_ns();
	while (rv_now_ns() - start < 200000000ULL) {
		cg(CLOCK_MONOTONIC, &v);
		back += ns_of(&v) < last;
		last = ns_of(&v);
		n++;
	}
	CHECK(back == 0, "monotonic over %ld reads and several updates", (long)n);
	CHECK(cg(CLOCK_PROCESS_CPUTIME_ID, &v) == 0 && (v.tv_sec || v.tv_nsec),
	      "other clocks fall back to the system call");
	munmap(area, (pages + 1) * 4096);
}

static void test_e2big(const char *path)
{
	struct loader_image img;
	char err[128];
	char *big = malloc(200 * 1024);
	memset(big, 'a', 200 * 1024 - 1);
	big[200 * 1024 - 1] = 0;
	char *argv[] = {"x", big, NULL};
	CHECK(load(path, argv, argv + 2, &img, err, sizeof(err)) == -E2BIG,
	      "argument longer than MAX_ARG_STRLEN: E2BIG");
	big[100 * 1024] = 0;
	char **many = calloc(40, sizeof(char *));
	for (int i = 0; i < 39; i++)
		many[i] = big;
	CHECK(load(path, many, many + 39, &img, err, sizeof(err)) == -E2BIG,
	      "arguments over a quarter of the stack: E2BIG");
	free(many);
	free(big);
}

int main(void)
{
	char cmd[2048], src[128], st[128], pie[128];

	test_init();
	/* The vDSO's clock is enabled on ptrace only; decide it so, then
	 * use the fake MMU for everything else. */
	static struct platform as_ptrace = {.ops = &platform_ptrace_ops};
	rv_platform = &as_ptrace;
	vdso_vvar_offset();
	rv_platform = &fake_platform;
	task.cred.uid = task.cred.euid = 1234;
	if (!mkdtemp(dir))
		return 1;
	snprintf(src, sizeof(src), "%s/prog.c", dir);
	snprintf(st, sizeof(st), "%s/static", dir);
	snprintf(pie, sizeof(pie), "%s/static-pie", dir);
	spit(src, prog_src, strlen(prog_src));
	snprintf(cmd, sizeof(cmd),
		 "gcc -O1 -static -o %s %s && gcc -O1 -static-pie -fPIE -o %s %s",
		 st, src, pie, src);
	if (system(cmd) != 0) {
		printf("FAIL cannot build the test programs with gcc\n");
		return 1;
	}
	check_image(st, false);
	check_image(pie, true);
	if (access("/bin/busybox", R_OK) == 0)
		check_image("/bin/busybox", false);
	test_corrupt(st);
	test_e2big(st);
	test_vdso(st);
	if (vfs_init("/") == 0) {
		char dyn[128];
		snprintf(dyn, sizeof(dyn), "%s/dyn", dir);
		snprintf(cmd, sizeof(cmd), "gcc -O1 -o %s %s", dyn, src);
		if (system(cmd) == 0)
			test_dynamic(dyn);
	}
	test_empty_argv(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("warning: could not remove %s\n", dir);
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
