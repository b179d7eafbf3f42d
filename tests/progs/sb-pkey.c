/* Memory protection keys in the sandbox: Linux on a CPU without PKU
 * (the sandbox cannot give keys: WRPKRU never reaches the sentry).
 * pkey_alloc fails with ENOSPC, as pkey_alloc(2) says it does without
 * pkey support, after its argument checks; pkey_mprotect accepts the
 * default key 0 and -1 only. Not differential: the test host has PKU. */
#include <sys/mman.h>
#include "testlib.h"

int main(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	tl_err("pkey_alloc", syscall(SYS_pkey_alloc, 0, 0), ENOSPC);
	tl_err("pkey_alloc disable write",
	       syscall(SYS_pkey_alloc, 0, PKEY_DISABLE_WRITE), ENOSPC);
	tl_err("pkey_alloc bad flags", syscall(SYS_pkey_alloc, 1, 0), EINVAL);
	tl_err("pkey_alloc bad rights", syscall(SYS_pkey_alloc, 0, 4), EINVAL);
	tl_err("pkey_free 1", syscall(SYS_pkey_free, 1), EINVAL);
	tl_err("pkey_mprotect -1", syscall(SYS_pkey_mprotect, p, 4096,
					   PROT_READ, -1), 0);
	tl_err("pkey_mprotect 0", syscall(SYS_pkey_mprotect, p, 4096,
					  PROT_READ | PROT_WRITE, 0), 0);
	p[0] = 1;
	tl_yes("still writable", p[0] == 1);
	tl_err("pkey_mprotect 1", syscall(SYS_pkey_mprotect, p, 4096,
					  PROT_READ, 1), EINVAL);
	return tl_done();
}
