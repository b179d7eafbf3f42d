/* The initial stack's auxiliary vector: the entries Linux gives every
 * static program, with values checkable from inside. */
#include <sys/auxv.h>
#include <elf.h>
#include "testlib.h"

extern char **environ;

int main(int argc, char **argv)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long phnum = getauxval(AT_PHNUM);
	int has_load = 0;

	(void)argc;
	tl_yes("AT_PAGESZ 4096", getauxval(AT_PAGESZ) == 4096);
	tl_yes("AT_CLKTCK 100", getauxval(AT_CLKTCK) == 100);
	tl_yes("AT_PHENT", getauxval(AT_PHENT) == sizeof(Elf64_Phdr));
	tl_yes("AT_PHNUM>0", phnum > 0 && phnum < 64);
	for (unsigned long i = 0; ph && i < phnum; i++)
		has_load |= ph[i].p_type == PT_LOAD;
	tl_yes("AT_PHDR has PT_LOAD", has_load);
	tl_yes("AT_ENTRY set", getauxval(AT_ENTRY) != 0);
	tl_yes("AT_RANDOM set", rnd != NULL);
	tl_yes("AT_SECURE 0", getauxval(AT_SECURE) == 0);
	tl_yes("AT_UID==getuid", getauxval(AT_UID) == getuid());
	tl_yes("AT_EUID==geteuid", getauxval(AT_EUID) == geteuid());
	tl_yes("AT_GID==getgid", getauxval(AT_GID) == getgid());
	tl_yes("AT_EGID==getegid", getauxval(AT_EGID) == getegid());
	tl_yes("AT_HWCAP set", getauxval(AT_HWCAP) != 0);
	tl_yes("AT_EXECFN ends with auxv", fn && strlen(fn) >= 4 &&
	       !strcmp(fn + strlen(fn) - 4, "auxv"));
	tl_yes("AT_EXECFN==argv[0]", fn && !strcmp(fn, argv[0]));
	/* Linux puts argv, envp, then the strings above the auxv: the
	 * strings are in the stack mapping, above &argc. */
	tl_yes("argv strings above argv array",
	       (uintptr_t)argv[0] > (uintptr_t)argv);
	tl_yes("envp follows argv", environ == argv + argc + 1);
	return tl_done();
}
