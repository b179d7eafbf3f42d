/* A buffer unmapped while a read into it blocks (mm_iovecs pinning).
 *
 * A thread blocks in read(pipe, buf); another unmaps buf, then this
 * process and a child map and fill fresh memory (which may reuse buf's
 * freed pages); only then does data reach the pipe. Linux copies to the
 * address when the data arrives (buf is gone: EFAULT); the sandbox must
 * at least never write into the memory that now holds other data, least
 * of all another process's. The read's result differs (the sandbox writes
 * the data into the pinned, orphaned pages), so it is not printed. */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "testlib.h"

#define BUFSZ (64 * 1024)
#define FILLPG 2048

static int p[2];
static char *buf;

static void *reader(void *arg)
{
	(void)arg;
	ssize_t r = read(p[0], buf, BUFSZ);
	(void)r;
	return NULL;
}

static int all(const char *m, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (m[i] != c)
			return 0;
	return 1;
}

/* FILLPG pages of c, every other page of a mapping: each page its own
 * VMA, so that the sandbox allocates them one by one and so reuses every
 * free page of its memory file, the freed buffer's too. */
static char *fill(char c)
{
	char *m = mmap(NULL, 2 * FILLPG * 4096L, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	for (long i = 0; i < FILLPG; i++)
		if (mprotect(m + (2 * i + 1) * 4096L, 4096, PROT_READ))
			return NULL;
	for (long i = 0; i < FILLPG; i++)
		memset(m + 2 * i * 4096L, c, 4096);
	return m;
}

static int intact(const char *m, char c)
{
	for (long i = 0; i < FILLPG; i++)
		if (!all(m + 2 * i * 4096L, 4096, c))
			return 0;
	return 1;
}

int main(void)
{
	int ready[2], go[2];
	pthread_t th;
	char c;

	if (pipe(p) || pipe(ready) || pipe(go))
		return 1;
	buf = mmap(NULL, BUFSZ, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 1;
	memset(buf, 'B', BUFSZ);
	pid_t pid = fork();
	if (pid == 0) {
		/* The other process: its secret must stay its own. */
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		char *s = fill('S');
		if (!s || write(ready[1], "r", 1) != 1 ||
		    read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(intact(s, 'S') ? 0 : 1);
	}
	pthread_create(&th, NULL, reader, NULL);
	usleep(200 * 1000); /* the reader blocks in read() */
	tl_yes("munmap", munmap(buf, BUFSZ) == 0);
	tl_yes("go", write(go[1], "g", 1) == 1);
	tl_yes("child ready", read(ready[0], &c, 1) == 1);
	char *mine = fill('P');
	tl_yes("parent filled", mine != NULL);

	/* Now the data: 'W' everywhere the sandbox may still point. */
	char *w = malloc(BUFSZ);
	memset(w, 'W', BUFSZ);
	tl_yes("write", write(p[1], w, BUFSZ) == BUFSZ);
	close(p[1]);
	pthread_join(th, NULL);

	tl_yes("parent memory intact", mine && intact(mine, 'P'));
	tl_yes("go", write(go[1], "g", 1) == 1);
	int st;
	tl_yes("wait", waitpid(pid, &st, 0) == pid);
	tl_yes("child secret intact", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return tl_done();
}
