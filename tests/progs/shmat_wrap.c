/* shmat(2) at an address where the segment would wrap past the end of
 * the address space is EINVAL (do_shmat(): addr + size < addr), with or
 * without SHM_RND; the sandbox did not check the sum (it went on to
 * mmap, ENOMEM). */
#include <stdint.h>
#include <sys/ipc.h>
#include <sys/shm.h>

#include "testlib.h"

static void at(const char *what, int id, uintptr_t a, int fl)
{
	void *p = shmat(id, (void *)a, fl);
	tl_err(what, p == (void *)-1 ? -1 : 0, EINVAL);
	if (p != (void *)-1)
		shmdt(p);
}

int main(void)
{
	int id = shmget(IPC_PRIVATE, 1 << 20, 0600);
	if (id < 0)
		return 1;
	at("shmat at the last page", id, 0xfffffffffffff000UL, 0);
	at("shmat at ~0 with SHM_RND", id, ~(uintptr_t)0, SHM_RND);
	at("shmat 512 KiB below the top", id, (uintptr_t)0 - (512 << 10), 0);
	shmctl(id, IPC_RMID, NULL);
	return tl_done();
}
