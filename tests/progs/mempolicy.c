/* get_mempolicy/set_mempolicy/mbind on a one-node machine (the test host
 * has one node, as the sandbox does): the default policy, the checks
 * Linux makes on modes, flags and node masks; a policy set is not read
 * back (the sandbox does not keep it). */
#include <linux/mempolicy.h>
#include <sys/mman.h>
#include "testlib.h"

#define PG 4096UL

static long getpol(int *mode, unsigned long *mask, unsigned long maxnode,
		   void *addr, unsigned long flags)
{
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}

static long setpol(int mode, const unsigned long *mask, unsigned long max)
{
	return syscall(SYS_set_mempolicy, mode, mask, max);
}

static long mbind_(void *p, unsigned long len, int mode,
		   const unsigned long *mask, unsigned long max, unsigned fl)
{
	return syscall(SYS_mbind, p, len, mode, mask, max, fl);
}

int main(void)
{
	int mode = -1;
	unsigned long mask[4] = {~0UL, ~0UL, ~0UL, ~0UL};
	char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	tl_err("get default", getpol(&mode, mask, 64, NULL, 0), 0);
	tl_yes("mode MPOL_DEFAULT", mode == MPOL_DEFAULT);
	tl_yes("default mask empty", mask[0] == 0);
	tl_yes("mask word 2 untouched", mask[1] == ~0UL);
	mask[0] = mask[1] = ~0UL;
	tl_err("get 200 nodes", getpol(&mode, mask, 200, NULL, 0), 0);
	tl_yes("extra words cleared", mask[1] == 0 && mask[3] == 0);
	tl_err("get mems_allowed",
	       getpol(&mode, mask, 64, NULL, MPOL_F_MEMS_ALLOWED), 0);
	tl_yes("mems_allowed node 0", mask[0] == 1 && mode == 0);
	tl_err("mems_allowed|node", getpol(&mode, mask, 64, NULL,
				MPOL_F_MEMS_ALLOWED | MPOL_F_NODE), EINVAL);
	tl_err("maxnode 0 with mask", getpol(&mode, mask, 0, NULL, 0), EINVAL);
	tl_err("bad flags", getpol(&mode, NULL, 0, NULL, 64), EINVAL);
	tl_err("addr without F_ADDR", getpol(&mode, NULL, 0, p, 0), EINVAL);
	tl_err("F_NODE alone", getpol(&mode, NULL, 0, NULL, MPOL_F_NODE),
	       EINVAL);
	p[0] = 1;
	mode = -1;
	tl_err("F_ADDR|F_NODE", getpol(&mode, NULL, 0, p,
				       MPOL_F_ADDR | MPOL_F_NODE), 0);
	tl_yes("page on node 0", mode == 0);
	tl_err("F_ADDR", getpol(&mode, NULL, 0, p, MPOL_F_ADDR), 0);
	tl_yes("vma default", mode == MPOL_DEFAULT);
	munmap(p + 3 * PG, PG);
	tl_err("F_ADDR unmapped", getpol(&mode, NULL, 0, p + 3 * PG,
					 MPOL_F_ADDR), EFAULT);
	tl_err("get bad mode ptr", getpol((int *)TL_BAD1, NULL, 0, NULL, 0),
	       EFAULT);

	unsigned long one = 1, two = 2, none = 0;
	tl_err("set default", setpol(MPOL_DEFAULT, NULL, 0), 0);
	tl_err("set default with node", setpol(MPOL_DEFAULT, &one, 64),
	       EINVAL);
	tl_err("set bad mode", setpol(99, NULL, 0), EINVAL);
	tl_err("set bind empty", setpol(MPOL_BIND, &none, 64), EINVAL);
	tl_err("set bind node 1 only", setpol(MPOL_BIND, &two, 64), EINVAL);
	tl_err("set static|relative", setpol(MPOL_BIND | MPOL_F_STATIC_NODES |
					     MPOL_F_RELATIVE_NODES, &one, 64),
	       EINVAL);
	tl_err("set local with node", setpol(MPOL_LOCAL, &one, 64), EINVAL);
	tl_err("set bind bad mask", setpol(MPOL_BIND,
					   (unsigned long *)TL_BAD1, 64),
	       EFAULT);
	tl_err("set maxnode huge", setpol(MPOL_BIND, &one, 1UL << 40), EINVAL);
	tl_err("set bind node 0", setpol(MPOL_BIND, &one, 64), 0);
	tl_err("set interleave", setpol(MPOL_INTERLEAVE, &one, 64), 0);
	tl_err("set preferred none", setpol(MPOL_PREFERRED, NULL, 0), 0);
	tl_err("set local", setpol(MPOL_LOCAL, NULL, 0), 0);
	tl_err("back to default", setpol(MPOL_DEFAULT, NULL, 0), 0);

	tl_err("mbind bind", mbind_(p, PG, MPOL_BIND, &one, 64, 0), 0);
	tl_err("mbind default", mbind_(p, PG, MPOL_DEFAULT, NULL, 0, 0), 0);
	tl_err("mbind unaligned", mbind_(p + 1, PG, MPOL_DEFAULT, NULL, 0, 0),
	       EINVAL);
	tl_err("mbind bad flags", mbind_(p, PG, MPOL_DEFAULT, NULL, 0, 64),
	       EINVAL);
	tl_err("mbind len 0", mbind_(p, 0, MPOL_BIND, &none, 64, 0), 0);
	/* Linux 6.x: a hole inside the range is skipped; EFAULT only when
	 * nothing is mapped in it. */
	tl_err("mbind hole", mbind_(p + 2 * PG, 2 * PG, MPOL_DEFAULT, NULL, 0,
				    0), 0);
	tl_err("mbind unmapped", mbind_(p + 3 * PG, PG, MPOL_DEFAULT, NULL, 0,
					0), EFAULT);
	tl_err("mbind bind empty", mbind_(p, PG, MPOL_BIND, &none, 64, 0),
	       EINVAL);
	return tl_done();
}
