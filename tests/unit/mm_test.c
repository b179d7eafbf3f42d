/* Unit tests of sentry/mm: VMAs, faults, copies, copy-on-write fork and
 * /proc maps, over a fake platform that acts as an MMU (mm_testlib.h). */
#include "tests/unit/mm_testlib.h"

#include <stdlib.h>

#define PG 4096UL

static int count_lines(struct mm *mm)
{
	static char buf[1 << 16];
	size_t n = mm_format_maps(mm, buf, sizeof(buf));
	int lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += buf[i] == '\n';
	return lines;
}

static void test_mmap_basic(void)
{
	struct mm *mm = mm_create(&fake_platform);
	uint8_t v = 1;

	int64_t a = mm_mmap(mm, 0, 10 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	CHECK(a > 0 && (a & 4095) == 0 && (uint64_t)a + 10 * PG <= MM_MMAP_BASE,
	      "anonymous mmap top-down below MM_MMAP_BASE (%#lx)", (long)a);
	int maps0 = fake.maps;
	CHECK(app_write(mm, a + 3 * PG + 5, 42) == 0, "write fault resolved");
	CHECK(fake.maps == maps0 + 1 && fake.last_map_len == 10 * PG,
	      "one as_map covers the whole chunk (%d calls, len %#lx)",
	      fake.maps - maps0, (long)fake.last_map_len);
	CHECK(app_read(mm, a + 9 * PG, &v) == 0 && v == 0 &&
		      fake.maps == maps0 + 1,
	      "neighbour page read zero without another fault");
	CHECK(mm_rss_bytes(mm) == 10 * PG, "rss counts the chunk");
	/* A sequential first touch of 8 MiB: chunks grow to 2 MiB. */
	int64_t big = mm_mmap(mm, 0, 8 << 20, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	int m0 = fake.maps, seq_bad = 0;
	for (uint64_t o = 0; o < (8 << 20); o += PG)
		seq_bad += app_write(mm, big + o, 1) != 0;
	CHECK(seq_bad == 0 && fake.maps - m0 < 16,
	      "sequential touch of 8 MiB: %d faults, not 128", fake.maps - m0);
	/* Random touches stay at small chunks. */
	uint64_t before = mm_rss_bytes(mm);
	int64_t rnd = mm_mmap(mm, 0, 64 << 20, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	for (int k = 0; k < 8; k++)
		app_write(mm, rnd + (uint64_t)((k * 7919) % 1024) * 16 * PG, 1);
	CHECK(mm_rss_bytes(mm) - before <= 8 * 16 * PG,
	      "scattered touches allocate small chunks");

	int64_t b = mm_mmap(mm, 0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			    NULL, 0);
	CHECK(b > 0 && b < a, "next mapping below the first");
	/* argument checks */
	CHECK(mm_mmap(mm, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL,
		      0) == -EINVAL, "len 0: EINVAL");
	CHECK(mm_mmap(mm, 0, PG, PROT_READ, MAP_ANONYMOUS, NULL, 0) == -EINVAL,
	      "neither shared nor private: EINVAL");
	CHECK(mm_mmap(mm, a + 1, PG, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) ==
		      -EINVAL, "unaligned MAP_FIXED: EINVAL");
	CHECK(mm_mmap(mm, 0x1000, PG, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) ==
		      -EPERM, "MAP_FIXED below mmap_min_addr: EPERM");
	CHECK(mm_mmap(mm, 0, ~0ULL - 10, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0) == -ENOMEM,
	      "huge len: ENOMEM");
	CHECK(mm_mmap(mm, a, PG, PROT_READ,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, NULL,
		      0) == -EEXIST, "MAP_FIXED_NOREPLACE over a mapping: EEXIST");
	int64_t h = mm_mmap(mm, 0x200000000ULL, PG, PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	CHECK(h == 0x200000000LL, "free hint honoured");
	int64_t h2 = mm_mmap(mm, 0x200000000ULL, PG, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	CHECK(h2 > 0 && h2 != h, "taken hint moves elsewhere");
	int64_t m32 = mm_mmap(mm, 0, PG, PROT_READ,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, NULL, 0);
	CHECK(m32 >= 0x40000000LL && m32 < 0x80000000LL, "MAP_32BIT below 2 GiB");

	/* MAP_FIXED replaces: the new page reads zero. */
	CHECK(mm_mmap(mm, a + 3 * PG, PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0) == (int64_t)(a + 3 * PG),
	      "MAP_FIXED inside a mapping");
	v = 1;
	CHECK(app_read(mm, a + 3 * PG + 5, &v) == 0 && v == 0,
	      "MAP_FIXED dropped the old page");
	mm_put(mm);
}

static void test_split_merge_protect(void)
{
	struct mm *mm = mm_create(&fake_platform);
	uint8_t v;

	int64_t a = mm_mmap(mm, 0, 4 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	int64_t b = mm_mmap(mm, 0, 4 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	CHECK(b + 4 * (int64_t)PG == a && count_lines(mm) == 1,
	      "adjacent anonymous mappings merge");
	app_write(mm, a, 7);
	CHECK(mm_mprotect(mm, a + PG, PG, PROT_READ) == 0 &&
		      count_lines(mm) == 3, "mprotect splits into 3 VMAs");
	CHECK(app_write(mm, a + PG, 1) == SIGSEGV, "write to read-only: SIGSEGV");
	int code = 0;
	CHECK(mm_handle_fault(mm, a + PG, PLATFORM_ACC_WRITE, true, &code) ==
		      SIGSEGV && code == SEGV_ACCERR, "... with SEGV_ACCERR");
	CHECK(app_read(mm, a + PG, &v) == 0, "read of read-only page ok");
	CHECK(mm_mprotect(mm, a + PG, PG, PROT_READ | PROT_WRITE) == 0 &&
		      count_lines(mm) == 1, "mprotect back merges");
	CHECK(app_write(mm, a + PG, 1) == 0, "writable again");
	/* Two threads fault on one page: the second finds it mapped. */
	code = 0;
	CHECK(mm_handle_fault(mm, a + PG, PLATFORM_ACC_WRITE, false, &code) == 0,
	      "fault on a page another thread just mapped: retried");
	CHECK(mm_handle_fault(mm, a + PG, PLATFORM_ACC_WRITE, true, &code) == 0,
	      "fault on a page another thread just upgraded: retried");
	CHECK(mm_handle_fault(mm, a + PG, PLATFORM_ACC_WRITE, true, &code) ==
		      SIGSEGV && code == SEGV_ACCERR,
	      "the same fault repeating: SEGV_ACCERR");
	CHECK(app_read(mm, a, &v) == 0 && v == 7, "data kept across mprotect");
	CHECK(mm_mprotect(mm, a + 1, PG, PROT_READ) == -EINVAL,
	      "mprotect unaligned: EINVAL");
	CHECK(mm_mprotect(mm, a, PG, 0x1000) == -EINVAL,
	      "mprotect bad prot: EINVAL");
	CHECK(mm_mprotect(mm, a, 100 * PG, PROT_READ) == -ENOMEM,
	      "mprotect over a hole: ENOMEM");
	CHECK(app_write(mm, a, 8) == 0, "failed mprotect changed nothing");
	CHECK(mm_mprotect(mm, a, PG, PROT_NONE) == 0 &&
		      app_read(mm, a, &v) == SIGSEGV, "PROT_NONE faults");
	CHECK(mm_copy_in(mm, &v, a, 1) == -EFAULT, "copy_in PROT_NONE: EFAULT");

	CHECK(mm_munmap(mm, a + 2 * PG, PG) == 0, "munmap a middle page");
	code = 0;
	CHECK(mm_handle_fault(mm, a + 2 * PG, 0, false, &code) == SIGSEGV &&
		      code == SEGV_MAPERR, "fault in the hole: SEGV_MAPERR");
	CHECK(app_read(mm, a + 3 * PG, &v) == 0, "page after the hole still there");
	CHECK(mm_munmap(mm, a + 1, PG) == -EINVAL, "munmap unaligned: EINVAL");
	CHECK(mm_munmap(mm, a, 0) == -EINVAL, "munmap len 0: EINVAL");
	CHECK(mm_munmap(mm, 0x300000000ULL, PG) == 0, "munmap of nothing: 0");
	mm_put(mm);
}

static void test_copies(void)
{
	struct mm *mm = mm_create(&fake_platform);
	char buf[64];
	uint8_t v;

	int64_t a = mm_mmap(mm, 0, 3 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	int64_t ro = mm_mmap(mm, 0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			     NULL, 0);
	uint64_t before = mm_rss_bytes(mm);
	CHECK(mm_copy_in(mm, buf, a, 16) == 0 && buf[0] == 0 &&
		      mm_rss_bytes(mm) == before,
	      "copy_in of untouched memory reads zeros, allocates nothing");
	CHECK(mm_copy_out(mm, a + PG - 3, "hello", 6) == 0,
	      "copy_out across a page boundary");
	CHECK(mm_copy_in(mm, buf, a + PG - 3, 6) == 0 &&
		      strcmp(buf, "hello") == 0, "copy_in reads it back");
	CHECK(app_read(mm, a + PG + 1, &v) == 0 && v == 'o',
	      "the app sees what copy_out wrote");
	CHECK(app_write(mm, a + PG, 'L') == 0 &&
		      mm_copy_in(mm, buf, a + PG - 3, 6) == 0 &&
		      strcmp(buf, "helLo") == 0, "the sentry sees app writes");
	CHECK(mm_copy_out(mm, ro, "x", 1) == -EFAULT,
	      "copy_out to read-only: EFAULT");
	CHECK(mm_copy_in(mm, buf, 0, 1) == -EFAULT, "copy_in NULL: EFAULT");
	CHECK(mm_copy_in(mm, buf, 0x7ffffffffff0ULL, 64) == -EFAULT,
	      "copy_in past user space: EFAULT");
	CHECK(mm_copy_in(mm, buf, ~0ULL - 4, 16) == -EFAULT,
	      "copy_in wrapping: EFAULT");
	CHECK(mm_copy_out(mm, a + 3 * PG - 2, "abcd", 4) == -EFAULT,
	      "copy_out running off the end: EFAULT");
	CHECK(mm_copy_in_str(mm, buf, a + PG - 3, sizeof(buf)) == 5,
	      "copy_in_str length");
	CHECK(mm_copy_in_str(mm, buf, a + PG - 3, 3) == -ENAMETOOLONG,
	      "copy_in_str without NUL within max: ENAMETOOLONG");
	mm_zero(mm, a, 3 * PG);
	memset(buf, 'z', sizeof(buf));
	mm_copy_out(mm, a + 3 * PG - 4, buf, 4);
	CHECK(mm_copy_in_str(mm, buf, a + 3 * PG - 4, 64) == -EFAULT,
	      "copy_in_str running off the mapping: EFAULT");

	struct iovec iov[4];
	size_t covered;
	int n = mm_iovecs(mm, a + 100, 2 * PG, true, iov, 4, &covered);
	CHECK(n >= 1 && covered == 2 * PG, "iovecs cover the range (%d)", n);
	n = mm_iovecs(mm, a + 2 * PG, 4 * PG, true, iov, 4, &covered);
	CHECK(n >= 1 && covered == PG, "iovecs stop at the end of the mapping");
	CHECK(mm_iovecs(mm, ro, PG, true, iov, 4, &covered) == -EFAULT,
	      "iovecs for writing into read-only: EFAULT");
	mm_put(mm);
}

static void test_mremap_brk_madvise(void)
{
	struct mm *mm = mm_create(&fake_platform);
	uint8_t v;

	int64_t a = mm_mmap(mm, 0, 2 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	app_write(mm, a + PG, 99);
	mm_mmap(mm, a + 2 * PG, PG, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	int64_t r = mm_mremap(mm, a, 2 * PG, 4 * PG, 0, 0);
	CHECK(r == -ENOMEM, "mremap grow blocked without MAYMOVE: ENOMEM");
	r = mm_mremap(mm, a, 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0);
	CHECK(r > 0 && r != a, "mremap MAYMOVE moves");
	CHECK(app_read(mm, r + PG, &v) == 0 && v == 99, "moved data kept");
	CHECK(app_read(mm, a + PG, &v) == SIGSEGV, "old range gone");
	CHECK(app_write(mm, r + 3 * PG, 1) == 0, "grown part usable");
	int64_t s = mm_mremap(mm, r, 4 * PG, PG, 0, 0);
	CHECK(s == r && app_read(mm, r + PG, &v) == SIGSEGV, "mremap shrinks");
	CHECK(mm_mremap(mm, r, PG, 2 * PG, 0, 0) == r, "mremap grows in place");
	CHECK(mm_mremap(mm, r + 1, PG, PG, 0, 0) == -EINVAL,
	      "mremap unaligned: EINVAL");
	CHECK(mm_mremap(mm, 0x300000000ULL, PG, PG, 0, 0) == -EFAULT,
	      "mremap of nothing: EFAULT");
	CHECK(mm_mremap(mm, r, PG, PG, MREMAP_FIXED, 0x300000000ULL) == -EINVAL,
	      "MREMAP_FIXED without MAYMOVE: EINVAL");
	int64_t f = mm_mremap(mm, r, PG, PG, MREMAP_FIXED | MREMAP_MAYMOVE,
			      0x300000000ULL);
	CHECK(f == 0x300000000LL, "MREMAP_FIXED");

	/* MREMAP_DONTUNMAP: data moves, the old range stays, reading zero. */
	int64_t du = mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	app_write(mm, du, 77);
	CHECK(mm_mremap(mm, du, PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP,
			0) == -EINVAL, "DONTUNMAP with a new size: EINVAL");
	int64_t dn = mm_mremap(mm, du, PG, PG,
			       MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	CHECK(dn > 0 && dn != du && app_read(mm, dn, &v) == 0 && v == 77 &&
		      app_read(mm, du, &v) == 0 && v == 0,
	      "MREMAP_DONTUNMAP moves the data, keeps the old range empty");

	/* brk */
	mm_set_brk_base(mm, 0x10000000);
	CHECK(mm_brk(mm, 0) == 0x10000000, "brk(0) gives the base");
	CHECK(mm_brk(mm, 0x10000000 + 10000) == 0x10000000 + 10000,
	      "brk grows");
	CHECK(app_write(mm, 0x10000000 + 9999, 5) == 0, "heap writable");
	CHECK(app_write(mm, 0x10000000 + 3 * PG, 5) == SIGSEGV,
	      "beyond the break faults");
	CHECK(mm_brk(mm, 0x1000) == 0x10000000 + 10000,
	      "brk below start returns the old break");
	static char maps[8192];
	mm_format_maps(mm, maps, sizeof(maps));
	CHECK(strstr(maps, "[heap]") != NULL, "heap named in maps");
	CHECK(mm_brk(mm, 0x10000000 + 100) == 0x10000000 + 100 &&
		      app_read(mm, 0x10000000 + PG, &v) == SIGSEGV,
	      "brk shrinks");
	CHECK(mm_brk(mm, 0x10000000 + 2 * PG) == 0x10000000 + 2 * PG &&
		      app_read(mm, 0x10000000 + PG, &v) == 0 && v == 0,
	      "regrown heap reads zero");
	mm_mmap(mm, 0x10010000, PG, PROT_READ,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, NULL, 0);
	CHECK(mm_brk(mm, 0x10020000) == 0x10000000 + 2 * PG,
	      "brk into a mapping fails (old break)");

	/* madvise */
	int64_t d = mm_mmap(mm, 0, 2 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	app_write(mm, d, 3);
	CHECK(mm_madvise(mm, d, 2 * PG, MADV_DONTNEED) == 0 &&
		      app_read(mm, d, &v) == 0 && v == 0,
	      "MADV_DONTNEED zeroes private anonymous memory");
	CHECK(mm_madvise(mm, d, PG, 12345) == -EINVAL, "bad advice: EINVAL");
	CHECK(mm_madvise(mm, d + 1, PG, MADV_NORMAL) == -EINVAL,
	      "madvise unaligned: EINVAL");
	CHECK(mm_madvise(mm, 0x500000000ULL, PG, MADV_NORMAL) == -ENOMEM,
	      "madvise unmapped: ENOMEM");
	CHECK(mm_msync(mm, d, PG, MS_SYNC | MS_ASYNC) == -EINVAL,
	      "msync SYNC|ASYNC: EINVAL");
	CHECK(mm_msync(mm, d, PG, MS_SYNC) == 0, "msync");
	CHECK(mm_mlock(mm, d, PG, true) == 0 &&
		      mm_mlock(mm, 0x500000000ULL, PG, true) == -ENOMEM,
	      "mlock range checks");

	/* mincore into app memory */
	app_write(mm, d, 1);
	mm_madvise(mm, d + PG, PG, MADV_DONTNEED);
	int64_t vec = mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	uint8_t out[2] = {9, 9};
	CHECK(mm_mincore(mm, d, 2 * PG, vec) == 0 &&
		      mm_copy_in(mm, out, vec, 2) == 0 && out[0] == 1 &&
		      out[1] == 0, "mincore reports resident pages");
	CHECK(mm_mincore(mm, d, 2 * PG, 8) == -EFAULT, "mincore bad vec: EFAULT");
	mm_put(mm);
}

static void test_stack_growth(void)
{
	struct mm *mm = mm_create(&fake_platform);
	uint64_t top = MM_STACK_TOP;
	uint8_t v;

	mm_mmap(mm, top - 4 * PG, 4 * PG, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN, NULL,
		0);
	mm_set_vma_name(mm, top - PG, "[stack]");
	CHECK(app_write(mm, top - 100 * PG, 1) == 0, "stack grows down");
	CHECK(mm_copy_out(mm, top - 200 * PG, "x", 1) == 0,
	      "copy_out below the stack grows it too");
	CHECK(app_write(mm, top - MM_STACK_MAX - PG, 1) == SIGSEGV,
	      "stack growth limited to RLIMIT_STACK");
	CHECK(app_read(mm, top - 100 * PG, &v) == 0 && v == 1, "data kept");
	static char maps[4096];
	mm_format_maps(mm, maps, sizeof(maps));
	CHECK(strstr(maps, "[stack]") != NULL, "stack named in maps");
	/* Nothing is placed inside the guard gap below the stack. */
	int64_t g = mm_mmap(mm, top - 201 * PG - PG, PG, PROT_READ,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	CHECK(g > 0 && (uint64_t)g != top - 202 * PG,
	      "hint inside the stack guard gap is not used");
	mm_put(mm);
}

static void test_fork_cow(void)
{
	struct mm *p = mm_create(&fake_platform);
	uint8_t v;

	int64_t a = mm_mmap(p, 0, 4 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	int64_t sh = mm_mmap(p, 0, PG, PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, NULL, 0);
	int64_t dn = mm_mmap(p, 0, PG, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	app_write(p, a, 'A');
	app_write(p, dn, 'D');
	mm_madvise(p, dn, PG, MADV_WIPEONFORK);
	struct mm *c = mm_fork(p);
	CHECK(c != NULL, "mm_fork");
	fake_faults = 0;
	CHECK(app_read(c, a, &v) == 0 && v == 'A' && fake_faults == 0,
	      "child sees parent's data, without a fault (%d)", fake_faults);
	/* The page is mapped read-only in the child: the write's fault is
	 * a protection fault, known to be a write, copied at once (not a
	 * not-present fault of unknown access first). */
	CHECK(app_write(c, a, 'B') == 0 && fake_faults == 1,
	      "child writes, with one fault (%d)", fake_faults);
	CHECK(app_read(p, a, &v) == 0 && v == 'A',
	      "parent unchanged by the child's write");
	CHECK(app_read(c, a, &v) == 0 && v == 'B', "child sees its write");
	CHECK(app_write(p, a, 'C') == 0 && app_read(c, a, &v) == 0 && v == 'B',
	      "child unchanged by the parent's write");
	app_write(p, a + PG, 'P');
	CHECK(app_read(c, a + PG, &v) == 0 && v == 0,
	      "page first touched after fork is private to each");
	CHECK(app_write(c, sh, 'S') == 0 && app_read(p, sh, &v) == 0 && v == 'S',
	      "MAP_SHARED anonymous memory stays shared");
	CHECK(app_read(c, dn, &v) == 0 && v == 0, "MADV_WIPEONFORK: child zero");
	/* copy_out in the child must break COW too. */
	struct mm *c2 = mm_fork(p);
	CHECK(mm_copy_out(c2, a, "Z", 1) == 0 && app_read(p, a, &v) == 0 &&
		      v == 'C', "copy_out breaks copy-on-write");
	CHECK(app_read(c2, a, &v) == 0 && v == 'Z', "... and the child sees it");
	mm_put(c2);
	uint64_t used = memfile_used_bytes();
	mm_put(c);
	CHECK(memfile_used_bytes() < used, "child's exit frees its copies");
	/* The parent is now the only owner: its write needs no copy. */
	struct mm *c3 = mm_fork(p);
	mm_put(c3);
	used = memfile_used_bytes();
	CHECK(app_write(p, a + 2 * PG, 'Q') == 0 && memfile_used_bytes() == used,
	      "sole owner upgrades without copying");
	mm_put(p);
}

/* A file whose pages live in the memory file, like tmpfs: for MAP_SHARED. */
static int64_t shm_pages[4] = {-1, -1, -1, -1}; /* 0 is a valid offset */
static int shm_get_page(struct file *f, uint64_t pgoff, bool w, uint64_t *off)
{
	(void)f;
	(void)w;
	if (pgoff >= 4)
		return -ENXIO;
	if (shm_pages[pgoff] < 0)
		shm_pages[pgoff] = memfile_alloc(1);
	memfile_incref(shm_pages[pgoff], 1);
	*off = shm_pages[pgoff];
	return 0;
}
static ssize_t shm_read(struct file *f, const struct iovec *iov, int cnt,
			int64_t *pos)
{
	(void)f, (void)iov, (void)cnt, (void)pos;
	return 0;
}
static const struct file_operations shm_ops = {.read = shm_read,
					       .get_page = shm_get_page};

static void test_files(void)
{
	struct mm *mm = mm_create(&fake_platform);
	char path[] = "/tmp/rv-mm-test-XXXXXX";
	int fd = mkstemp(path);
	char data[5000];
	uint8_t v;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	CHECK(write(fd, data, sizeof(data)) == (ssize_t)sizeof(data), "temp file");
	close(fd);
	struct file *f = test_file_open(path);
	int64_t a = mm_mmap(mm, 0, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			    f, 0);
	CHECK(a > 0, "private file mapping");
	CHECK(app_read(mm, a + 4999, &v) == 0 && v == (uint8_t)data[4999],
	      "file contents paged in");
	CHECK(app_read(mm, a + 5000, &v) == 0 && v == 0,
	      "rest of the last page is zero");
	int code = 0;
	CHECK(mm_handle_fault(mm, a + 2 * PG, 0, false, &code) == SIGBUS &&
		      code == BUS_ADRERR, "page beyond EOF: SIGBUS");
	CHECK(app_write(mm, a, 'X') == 0, "private file page writable");
	char back[4] = {0};
	int hfd = open(path, O_RDONLY);
	CHECK(pread(hfd, back, 1, 0) == 1 && back[0] == 'a',
	      "private write does not reach the file");
	close(hfd);
	int64_t b = mm_mmap(mm, 0, PG, PROT_READ, MAP_PRIVATE, f, PG);
	CHECK(b > 0 && mm_copy_in(mm, back, b, 2) == 0 &&
		      back[0] == data[PG], "mapping at an offset, via copy_in");
	CHECK(mm_mmap(mm, 0, PG, PROT_READ, MAP_PRIVATE, f, 100) == -EINVAL,
	      "unaligned offset: EINVAL");
	CHECK(mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0) ==
		      -EACCES, "shared writable map of read-only fd: EACCES");

	mm_mmap(mm, 0, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	static char maps[8192];
	mm_format_maps(mm, maps, sizeof(maps));
	char want[256];
	snprintf(want, sizeof(want), "%08lx-%08lx rw-p 00000000 00:00 %lu",
		 (unsigned long)a, (unsigned long)a + 3 * PG,
		 (unsigned long)f->inode->ino);
	char *line = strstr(maps, want);
	/* The column where the host's own maps put file names. */
	int col = -1;
	FILE *hm = fopen("/proc/self/maps", "r");
	char hl[512];
	while (hm && fgets(hl, sizeof(hl), hm))
		if (strchr(hl, '/') && strlen(hl) < 200) {
			col = (int)(strchr(hl, '/') - hl);
			break;
		}
	if (hm)
		fclose(hm);
	CHECK(line && col > 0 && line[col - 1] == ' ' &&
		      strncmp(line + col, path, strlen(path)) == 0,
	      "maps line of a file, name at the host's column %d: %.100s",
	      col, line ? line : maps);
	CHECK(strstr(maps, " 00:00 0 \n") != NULL,
	      "anonymous lines end with a space, as on Linux");
	snprintf(want, sizeof(want), "%08lx-%08lx r--p %08lx", (unsigned long)b,
		 (unsigned long)b + PG, (unsigned long)PG);
	CHECK(strstr(maps, want) != NULL, "maps shows the file offset");
	mm_munmap(mm, a, 3 * PG);
	unlink(path);

	/* MAP_SHARED of a memory-file-backed file. */
	struct inode *ino = rv_xcalloc(1, sizeof(*ino));
	atomic_init(&ino->refs, 1);
	pthread_mutex_init(&ino->lock, NULL);
	ino->mode = S_IFREG | 0644;
	struct file *sf = file_alloc(NULL, ino, &shm_ops, O_RDWR);
	inode_put(ino);
	int64_t s1 = mm_mmap(mm, 0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			     sf, 0);
	int64_t s2 = mm_mmap(mm, 0, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED,
			     sf, 0);
	CHECK(s1 > 0 && s2 > 0 && app_write(mm, s1 + 10, 'M') == 0 &&
		      app_read(mm, s2 + 10, &v) == 0 && v == 'M',
	      "two shared mappings of one file see the same page");
	/* MAP_PRIVATE of such a file: the file's page until written. */
	int64_t p1 = mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE,
			     sf, 0);
	CHECK(p1 > 0 && app_read(mm, p1 + 10, &v) == 0 && v == 'M',
	      "private mapping reads the file's page");
	*(char *)memfile_ptr(shm_pages[0] + 11) = 'W'; /* a write(2) */
	CHECK(app_read(mm, p1 + 11, &v) == 0 && v == 'W',
	      "unmodified private page sees later file writes");
	CHECK(app_write(mm, p1 + 12, 'P') == 0 &&
		      *(char *)memfile_ptr(shm_pages[0] + 12) != 'P' &&
		      app_read(mm, s1 + 12, &v) == 0 && v != 'P',
	      "private write copies, the file is untouched");
	*(char *)memfile_ptr(shm_pages[0] + 13) = 'X';
	CHECK(app_read(mm, p1 + 13, &v) == 0 && v != 'X' &&
		      app_read(mm, p1 + 12, &v) == 0 && v == 'P',
	      "modified private page keeps its copy");
	struct mm *c = mm_fork(mm);
	CHECK(app_write(c, s1 + PG, 'N') == 0 && app_read(mm, s2 + PG, &v) == 0 &&
		      v == 'N', "shared file pages stay shared after fork");
	mm_put(c);
	file_put(sf);
	mm_put(mm);
	file_put(f);
	for (int i = 0; i < 4; i++)
		if (shm_pages[i] >= 0)
			memfile_decref(shm_pages[i], 1);
}

/* Threads share an mm: faults, copies, mmap/munmap and mprotect race. */
static struct mm *race_mm;
static int64_t race_shared;
static _Atomic int race_bad;

static void *race_thread(void *arg)
{
	long id = (long)arg;
	uint8_t v;

	for (int it = 0; it < 300; it++) {
		/* Everyone faults the same fresh pages. */
		for (int k = 0; k < 16; k++) {
			uint64_t a = race_shared + k * PG + id;
			if (app_write(race_mm, a, (uint8_t)id) != 0 ||
			    app_read(race_mm, a, &v) != 0 || v != id)
				race_bad++;
		}
		/* A private mapping of one's own, copied into and out of. */
		int64_t m = mm_mmap(race_mm, 0, 4 * PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		char buf[64], back[64];
		memset(buf, 'a' + id, sizeof(buf));
		if (m < 0 || mm_copy_out(race_mm, m + PG - 10, buf, 64) != 0 ||
		    mm_copy_in(race_mm, back, m + PG - 10, 64) != 0 ||
		    memcmp(buf, back, 64) != 0)
			race_bad++;
		mm_mprotect(race_mm, m, PG, PROT_READ);
		if (app_read(race_mm, m + 1, &v) != 0)
			race_bad++;
		mm_munmap(race_mm, m, 4 * PG);
	}
	return NULL;
}

static void test_threads(void)
{
	pthread_t th[4];

	race_mm = mm_create(&fake_platform);
	for (int round = 0; round < 5; round++) {
		race_shared = mm_mmap(race_mm, 0, 16 * PG,
				      PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		for (long i = 0; i < 4; i++)
			pthread_create(&th[i], NULL, race_thread, (void *)i);
		for (int i = 0; i < 4; i++)
			pthread_join(th[i], NULL);
		mm_munmap(race_mm, race_shared, 16 * PG);
	}
	CHECK(race_bad == 0, "4 threads racing on one mm (%d errors)",
	      race_bad);
	mm_put(race_mm);
}

/* Out of sandbox memory: the faulting process is killed, copies fail. */
static void test_oom(void)
{
	struct mm *mm = mm_create(&fake_platform);
	uint64_t old = memfile_limit();
	int sig = 0, code = -1;
	uint64_t va;

	memfile_set_limit(memfile_used_bytes() + 64 * PG);
	int64_t a = mm_mmap(mm, 0, 1024 * PG, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	for (va = a; va < (uint64_t)a + 1024 * PG && !sig; va += PG)
		sig = mm_handle_fault(mm, va, PLATFORM_ACC_WRITE, false, &code);
	CHECK(sig == SIGKILL && va > (uint64_t)a + 32 * PG,
	      "memory exhausted: SIGKILL after %lu pages",
	      (unsigned long)((va - a) / PG));
	CHECK(mm_copy_out(mm, a + 1000 * PG, "x", 1) == -EFAULT,
	      "copy_out with no memory left: EFAULT");
	mm_put(mm);
	memfile_set_limit(old);
}

/* The top-down search cache still finds holes opened above it. */
static void test_gap_cache(void)
{
	struct mm *mm = mm_create(&fake_platform);
	int64_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = mm_mmap(mm, 0, PG, i % 2 ? PROT_READ : PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
	mm_munmap(mm, x[1], PG);
	CHECK(mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0) == x[1],
	      "a freed hole above the last mapping is reused (top-down)");
	mm_munmap(mm, x[3], 2 * PG);
	CHECK(mm_mmap(mm, 0, 2 * PG, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		      NULL, 0) == x[3], "a two-page hole is found");
	CHECK(mm_mmap(mm, 0, PG, PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS,
		      NULL, 0) == x[7] - (int64_t)PG, "then below the lowest");
	mm_put(mm);
}

/* Many mappings: the VMA array and gap search stay correct. */
static void test_many(void)
{
	struct mm *mm = mm_create(&fake_platform);
	int64_t addrs[3000];
	int bad = 0;

	for (int i = 0; i < 3000; i++) {
		addrs[i] = mm_mmap(mm, 0, PG * (1 + i % 3),
				   i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		bad += addrs[i] <= 0;
	}
	for (int i = 0; i < 3000; i += 2)
		bad += mm_munmap(mm, addrs[i], PG) != 0;
	for (int i = 0; i < 1000; i++) {
		int64_t x = mm_mmap(mm, 0, PG, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		uint8_t v;
		bad += x <= 0 || app_write(mm, x, 1) != 0 ||
		       app_read(mm, x, &v) != 0;
	}
	CHECK(bad == 0, "3000 mappings, holes punched and refilled");
	/* vm.max_map_count: alternate protections so nothing merges. */
	int64_t last = 0;
	int n;
	for (n = 0; n < 70000; n++) {
		last = mm_mmap(mm, 0, PG, n % 2 ? PROT_READ : PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS, NULL, 0);
		if (last < 0)
			break;
	}
	CHECK(last == -ENOMEM && n < 66000,
	      "mapping count limited like vm.max_map_count (%d)", n);
	char small[100];
	CHECK(mm_format_maps(mm, small, sizeof(small)) == sizeof(small) - 1 &&
		      strlen(small) == sizeof(small) - 1,
	      "maps into a small buffer: filled, len - 1 returned");
	mm_put(mm);
	CHECK(memfile_used_bytes() == 0, "all memory returned (%lu bytes left)",
	      (unsigned long)memfile_used_bytes());
}

int main(void)
{
	test_init();
	test_mmap_basic();
	test_split_merge_protect();
	test_copies();
	test_mremap_brk_madvise();
	test_stack_growth();
	test_fork_cow();
	test_files();
	test_gap_cache();
	test_oom();
	test_threads();
	test_many();
	printf("%s: %d failure(s)\n", failures ? "FAIL" : "PASS", failures);
	return failures ? 1 : 0;
}
