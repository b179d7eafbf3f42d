/* Address-space layout randomisation as Linux does it: a program that
 * re-executes itself sees its stack, the initial sp's place in its page,
 * the mmap area, the heap, the vDSO and (a PIE) its text move between
 * runs; with personality(ADDR_NO_RANDOMIZE) (setarch -R), which survives
 * execve, every run has the same layout. In every run the stack is above
 * the mmap area, which is above the heap, with room between stack and
 * mmap area for the stack to grow to its rlimit (128 MiB and more
 * without randomisation). What moves depends on how the program is built
 * (a static non-PIE's text does not), so the output is the same natively
 * for each build. */
#include <stdbool.h>
#include <stdint.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/wait.h>

#include "testlib.h"

#define RUNS 4
#define MIB (1ULL << 20)

enum { STACK, SPOFF, MMAP, HEAP, VDSO, TEXT, STKLO, AREATOP, NVAL };
static const char *const names[] = {"stack", "sp page offset", "mmap",
				    "heap", "vdso", "text"};

/* The child: its addresses, as hex words on stdout. */
static int child(void)
{
	volatile int local = 0;
	uint64_t v[NVAL] = {0};
	char line[512];

	v[STACK] = (uintptr_t)&local;
	/* AT_RANDOM's bytes sit below arch_align_stack's random pad. */
	v[SPOFF] = getauxval(AT_RANDOM) & 0xfff;
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	v[MMAP] = m == MAP_FAILED ? 0 : (uintptr_t)m;
	v[HEAP] = (uintptr_t)sbrk(0);
	v[VDSO] = getauxval(AT_SYSINFO_EHDR);
	v[TEXT] = (uintptr_t)&child;
	/* The stack VMA's start, and the end of the highest mapping below
	 * it (the top of the mmap area). */
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (strstr(line, "[stack]"))
			v[STKLO] = lo;
	}
	if (f)
		rewind(f);
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 &&
		    hi <= v[STKLO] && hi > v[AREATOP])
			v[AREATOP] = hi;
	}
	if (f)
		fclose(f);
	for (int i = 0; i < NVAL; i++)
		printf("%llx ", (unsigned long long)v[i]);
	printf("\n");
	return 0;
}

static int run(const char *self, uint64_t v[NVAL])
{
	int p[2];
	char buf[512];

	if (pipe(p) < 0)
		return -1;
	pid_t c = fork();
	if (c == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl("/proc/self/exe", self, "child", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	ssize_t n = 0, r;
	while (n < (ssize_t)sizeof(buf) - 1 &&
	       (r = read(p[0], buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(p[0]);
	buf[n < 0 ? 0 : n] = 0;
	int st;
	waitpid(c, &st, 0);
	char *s = buf;
	for (int i = 0; i < NVAL; i++) {
		char *e;
		v[i] = strtoull(s, &e, 16);
		if (e == s)
			return -1;
		s = e;
	}
	return WIFEXITED(st) && !WEXITSTATUS(st) ? 0 : -1;
}

static void series(const char *self, bool norand)
{
	uint64_t v[RUNS][NVAL];
	bool ok = true, order = true, room = true;

	for (int r = 0; r < RUNS; r++) {
		if (run(self, v[r]) < 0) {
			ok = false;
			continue;
		}
		uint64_t *x = v[r];
		if (!(x[STACK] > x[STKLO] && x[STKLO] > x[MMAP] &&
		      x[MMAP] > x[HEAP] && x[VDSO] < x[STKLO] &&
		      x[STACK] < 0x7ffffffff000ULL))
			order = false;
		/* Room for an 8 MiB stack (mmap_base() leaves the rlimit
		 * plus the random range); 128 MiB without randomisation. */
		uint64_t want = norand ? 120 * MIB : 8 * MIB;
		if (x[STKLO] - x[AREATOP] < want)
			room = false;
		if (getenv("ASLR_DEBUG"))
			fprintf(stderr,
				"stack %llx off %llx mmap %llx heap %llx vdso "
				"%llx text %llx stklo %llx areatop %llx\n",
				(unsigned long long)x[0],
				(unsigned long long)x[1],
				(unsigned long long)x[2],
				(unsigned long long)x[3],
				(unsigned long long)x[4],
				(unsigned long long)x[5],
				(unsigned long long)x[6],
				(unsigned long long)x[7]);
	}
	tl_yes("children ran", ok);
	tl_yes("stack above mmap area above heap", order);
	tl_yes(norand ? "stack room >= 120 MiB" : "stack room >= 8 MiB", room);
	for (int i = 0; i <= TEXT; i++) {
		bool same = true;
		for (int r = 1; r < RUNS; r++)
			same = same && v[r][i] == v[0][i];
		tl_say("%s %s", names[i],
		       norand ? (same ? "identical yes" : "identical no")
			      : (same ? "varies no" : "varies yes"));
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return child();
	char *rv = tl_read_file("/proc/sys/kernel/randomize_va_space", NULL);
	if (rv && strchr(rv, '\n'))
		*strchr(rv, '\n') = 0;
	tl_say("randomize_va_space %s", rv ? rv : "(none)");
	free(rv);
	fflush(stdout);
	series(argv[0], false);
	fflush(stdout);
	int old = personality(0xffffffff);
	tl_yes("personality set", personality(old | ADDR_NO_RANDOMIZE) == old);
	series(argv[0], true);
	personality(old);
	/* Forked children keep the parent's layout and randomness. */
	fflush(stdout);
	return tl_done();
}
