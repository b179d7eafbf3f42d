/* RLIMIT_AS (ulimit -v): a mapping, a brk or an mremap that would take
 * the address space past the limit fails with ENOMEM (brk returns the
 * old break); what stays within it succeeds, and so does a MAP_FIXED
 * over pages already mapped. The limit is set relative to the current
 * VmSize, which differs between native and sandboxed runs. */
#include <sys/mman.h>
#include <sys/resource.h>
#include "testlib.h"

static long vmsize(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmSize: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb * 1024;
}

int main(void)
{
	const size_t MB = 1 << 20;
	long vs = vmsize();

	if (!tl_yes("VmSize read", vs > 0))
		return tl_done();
	struct rlimit rl = {vs + 32 * MB, RLIM_INFINITY};
	tl_err("setrlimit AS", setrlimit(RLIMIT_AS, &rl), 0);
	void *a = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("16 MiB within the limit", a != MAP_FAILED);
	void *b = mmap(NULL, 64 * MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	tl_err("64 MiB past it", b == MAP_FAILED ? -1 : 0, ENOMEM);
	void *c = mmap(a, 4 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED, -1, 0);
	tl_yes("MAP_FIXED over mapped pages", c == a);
	char *m = (char *)a + 8 * MB; /* one mapping, past the fixed one */
	void *r = mremap(m, 8 * MB, 80 * MB, MREMAP_MAYMOVE);
	tl_err("mremap growing past it", r == MAP_FAILED ? -1 : 0, ENOMEM);
	r = mremap(m, 8 * MB, 4 * MB, 0);
	tl_yes("mremap shrinking", r == m);
	char *brk0 = sbrk(0);
	long nb = syscall(SYS_brk, brk0 + 64 * MB);
	tl_yes("brk past it keeps the old break", (char *)nb == brk0);
	nb = syscall(SYS_brk, brk0 + MB);
	tl_yes("brk within it", (char *)nb == brk0 + MB);
	syscall(SYS_brk, brk0);
	munmap(a, 12 * MB);
	rl.rlim_cur = RLIM_INFINITY;
	tl_err("raise the limit again", setrlimit(RLIMIT_AS, &rl), 0);
	b = mmap(NULL, 64 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("64 MiB without a limit", b != MAP_FAILED);
	return tl_done();
}
