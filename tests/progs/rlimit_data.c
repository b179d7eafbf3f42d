/* RLIMIT_DATA (setrlimit(2)): limits private writable mappings and the
 * heap; read-only and shared mappings are not data. */
#include <sys/mman.h>
#include <sys/resource.h>
#include "testlib.h"

#define MB (1024UL * 1024)

int main(void)
{
	struct rlimit rl = {8 * MB, RLIM_INFINITY};
	void *p;

	tl_err("setrlimit", setrlimit(RLIMIT_DATA, &rl), 0);
	p = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_err("private rw 16M", p == MAP_FAILED ? -1 : 0, ENOMEM);
	p = mmap(NULL, 1 * MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("private rw 1M", p != MAP_FAILED);
	p = mmap(NULL, 16 * MB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("private ro 16M", p != MAP_FAILED);
	p = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	tl_yes("shared rw 16M", p != MAP_FAILED);
	void *cur = sbrk(0);
	tl_yes("sbrk 16M refused", sbrk(16 * MB) == (void *)-1);
	tl_yes("break unchanged", sbrk(0) == cur);
	tl_yes("sbrk 64K", sbrk(64 * 1024) != (void *)-1);
	rl.rlim_cur = RLIM_INFINITY;
	tl_err("unlimit", setrlimit(RLIMIT_DATA, &rl), 0);
	p = mmap(NULL, 16 * MB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	tl_yes("private rw 16M unlimited", p != MAP_FAILED);
	return tl_done();
}
