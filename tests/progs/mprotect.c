/* mprotect changes permissions (visible in /proc/self/maps) and fails on
 * holes and bad arguments. */
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

/* The permission string of the mapping holding addr, from maps. */
static void perms(void *addr, char out[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi;
	char pm[5], line[512];

	strcpy(out, "none");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pm) == 3 &&
		    (uintptr_t)addr >= lo && (uintptr_t)addr < hi)
			memcpy(out, pm, 5);
	if (f)
		fclose(f);
}

int main(void)
{
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char pm[5];

	p[0] = 5;
	tl_err("mprotect RO", mprotect(p, PG, PROT_READ), 0);
	tl_yes("still readable", p[0] == 5);
	perms(p, pm);
	tl_say("page 0 %s", pm);
	perms(p + PG, pm);
	tl_say("page 1 %s", pm);
	tl_err("mprotect NONE", mprotect(p + PG, PG, PROT_NONE), 0);
	perms(p + PG, pm);
	tl_say("page 1 %s", pm);
	tl_err("mprotect back RW", mprotect(p, 2 * PG, PROT_READ | PROT_WRITE),
	       0);
	p[PG] = 9;
	tl_yes("writable again", p[PG] == 9 && p[0] == 5);
	perms(p, pm);
	tl_say("merged %s", pm);
	tl_err("mprotect EXEC", mprotect(p + 3 * PG, PG, PROT_READ | PROT_EXEC),
	       0);
	perms(p + 3 * PG, pm);
	tl_say("page 3 %s", pm);
	tl_err("unaligned", mprotect(p + 1, PG, PROT_READ), EINVAL);
	tl_err("bad prot", mprotect(p, PG, 0x40), EINVAL);
	munmap(p + 2 * PG, PG);
	tl_err("across hole", mprotect(p, 4 * PG, PROT_READ), ENOMEM);
	tl_err("on hole", mprotect(p + 2 * PG, PG, PROT_READ), ENOMEM);
	tl_err("len 0", mprotect(p, 0, PROT_READ), 0);
	tl_err("kernel half", mprotect(TL_BADK, PG, PROT_READ), ENOMEM);
	/* A write to a read-only mapping through a system call is EFAULT,
	 * not a fault of the program. */
	mprotect(p, PG, PROT_READ);
	int fd = open("/dev/zero", O_RDONLY);
	tl_err("read into RO page", read(fd, p, 16), EFAULT);
	close(fd);
	return tl_done();
}
