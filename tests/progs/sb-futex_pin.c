/* A futex word whose page is unmapped while a FUTEX_LOCK_PI waits on it.
 *
 * The waiter keeps using its pointer to the word when woken. Without the
 * page pinned, the page was freed when the owner unmapped it and handed
 * to another process, and the woken waiter wrote its tid into that
 * process's memory. Pinned, the waiter sees only the old page (and,
 * unlike Linux, which hands the lock over through the new mapping, times
 * out), and no other memory changes. Sandbox only: the waiter's result
 * differs from Linux's and is not printed. */
#include <linux/futex.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "testlib.h"

#define FILLPG 2048
#define OFF 0x100

static uint32_t *word;

static void *locker(void *arg)
{
	(void)arg;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	syscall(SYS_futex, word, FUTEX_LOCK_PI_PRIVATE, 0, &ts, NULL, 0);
	return NULL;
}

int main(void)
{
	int ready[2], go[2];
	char c;

	if (pipe(ready) || pipe(go))
		return 1;
	pid_t pid = fork();
	if (pid == 0) {
		/* Single-page VMAs of zeros with a mark at their end: they
		 * take every free page of the memory file one by one. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		char *m = mmap(NULL, 2 * FILLPG * 4096L, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		for (long i = 0; i < FILLPG; i++)
			if (mprotect(m + (2 * i + 1) * 4096L, 4096, PROT_READ))
				_exit(2);
		for (long i = 0; i < FILLPG; i++)
			m[2 * i * 4096L + 4095] = 'S';
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(2);
		for (long i = 0; i < FILLPG; i++)
			for (int k = 0; k < 4095; k++)
				if (m[2 * i * 4096L + k])
					_exit(1);
		_exit(0);
	}
	/* Touch (copy) this process's own pages first, so that after the
	 * munmap the freed page goes to the child, not to a copy here. */
	tl_yes("forked", pid > 0);
	char *l = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	word = (uint32_t *)(l + OFF);
	*word = (uint32_t)gettid(); /* this thread owns the PI lock */
	pthread_t th;
	pthread_create(&th, NULL, locker, NULL);
	usleep(200 * 1000); /* the locker waits in FUTEX_LOCK_PI */
	tl_yes("munmap", munmap(l, 4096) == 0);
	tl_yes("go", write(go[1], "g", 1) == 1);
	tl_yes("child filled", read(ready[0], &c, 1) == 1);
	/* A new page at the address, still owned here: unlock it. */
	tl_yes("remap", mmap(l, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
			     0) == l);
	*word = (uint32_t)gettid() | FUTEX_WAITERS;
	tl_yes("unlock", syscall(SYS_futex, word, FUTEX_UNLOCK_PI_PRIVATE, 0,
				 NULL, NULL, 0) == 0);
	pthread_join(th, NULL);
	tl_yes("go2", write(go[1], "g", 1) == 1);
	int st;
	tl_yes("wait", waitpid(pid, &st, 0) == pid);
	tl_yes("other process's memory intact",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return tl_done();
}
