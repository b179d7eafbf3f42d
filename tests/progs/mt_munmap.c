/* munmap in one thread takes effect for every thread before it returns:
 * a thread that keeps reading the page faults on its first read after the
 * unmapping (on KVM, the other vCPU's TLB must have been shot down). */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include "testlib.h"

static volatile char *page;
static volatile int unmapped, reads_after, faulted, reader_ready;
static sigjmp_buf env;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(env, 1);
}

static void *reader(void *arg)
{
	(void)arg;
	if (sigsetjmp(env, 1)) {
		faulted = 1;
		return NULL;
	}
	for (;;) {
		int after = unmapped;

		(void)page[100];
		reader_ready = 1;
		if (after)
			reads_after++;
	}
}

int main(void)
{
	pthread_t th;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	page[100] = 1;
	signal(SIGSEGV, on_segv);
	for (int round = 0; round < 5; round++) {
		faulted = reads_after = unmapped = reader_ready = 0;
		if (round)
			page = mmap((void *)page, 4096, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				    -1, 0);
		pthread_create(&th, NULL, reader, NULL);
		while (!reader_ready)
			sched_yield();
		munmap((void *)page, 4096);
		unmapped = 1;
		pthread_join(th, NULL);
		tl_yes("reader faulted", faulted);
		tl_yes("no successful read after munmap returned",
		       reads_after == 0);
	}
	return tl_done();
}
