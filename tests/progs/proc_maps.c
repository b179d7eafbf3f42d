/* /proc/self/maps: well-formed lines, [stack], the executable's path, and
 * a mapping we make appears with its permissions. */
#include <sys/mman.h>
#include "testlib.h"

int main(void)
{
	char exe[4096], line[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	FILE *f;
	int stack = 0, exe_lines = 0, exe_x = 0, wellformed = 1, mine = 0;
	int sorted = 1;
	unsigned long prev = 0;
	char *m = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	exe[n > 0 ? n : 0] = 0;
	f = fopen("/proc/self/maps", "r");
	if (!tl_yes("open maps", f != NULL))
		return tl_done();
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, off, ino;
		char perm[5], dev[16];
		int pathpos = 0;

		if (sscanf(line, "%lx-%lx %4s %lx %15s %lu %n", &lo, &hi, perm,
			   &off, dev, &ino, &pathpos) < 6 || lo >= hi) {
			wellformed = 0;
			continue;
		}
		sorted &= lo >= prev;
		prev = hi;
		char *path = line + pathpos;
		path[strcspn(path, "\n")] = 0;
		if (!strcmp(path, "[stack]"))
			stack = 1;
		if (pathpos && !strcmp(path, exe)) {
			exe_lines++;
			exe_x |= perm[2] == 'x';
		}
		if (lo == (uintptr_t)m && hi == (uintptr_t)m + 3 * 4096 &&
		    !strcmp(perm, "r--p"))
			mine = 1;
	}
	fclose(f);
	tl_yes("lines well formed", wellformed);
	tl_yes("sorted by address", sorted);
	tl_yes("has [stack]", stack);
	tl_yes("exe path mapped", exe_lines > 0);
	tl_yes("exe has an x mapping", exe_x);
	tl_yes("our mmap listed r--p", mine);
	return tl_done();
}
