/* splice(2) from a pipe into a file and into other pipes while other
 * threads read the same pipe: every byte written comes out exactly once
 * (Linux holds the pipes' locks through the splice; a copy that peeks,
 * writes, then drops would lose or repeat bytes). */
#include <pthread.h>

#include "testlib.h"

#define N 20000

static int p[2], f;
static _Atomic unsigned long long nbytes, sum, fileoff;

static void account(const unsigned char *b, ssize_t n)
{
	unsigned long long s = 0;
	for (ssize_t k = 0; k < n; k++)
		s += b[k];
	nbytes += (unsigned long long)n;
	sum += s;
}

static void *writer(void *a)
{
	(void)a;
	for (uint32_t i = 0; i < N; i++)
		if (write(p[1], &i, 4) != 4)
			tl_fail("write");
	return NULL;
}

static void *reader(void *a)
{
	unsigned char b[3000];
	ssize_t n;
	(void)a;
	while ((n = read(p[0], b, sizeof(b))) > 0)
		account(b, n);
	return NULL;
}

static void *splicer(void *a)
{
	unsigned char b[5000];
	(void)a;
	for (;;) {
		loff_t off = (loff_t)(fileoff += 1 << 20), at = off;
		ssize_t n = splice(p[0], NULL, f, &off, 2500, 0);
		if (n <= 0)
			break;
		if (pread(f, b, (size_t)n, at) != n)
			tl_fail("pread");
		account(b, n);
	}
	return NULL;
}

static void *pipe_splicer(void *a)
{
	unsigned char b[5000];
	int q[2];
	(void)a;
	if (pipe(q))
		return NULL;
	for (;;) {
		ssize_t n = splice(p[0], NULL, q[1], NULL, 1500, 0);
		if (n <= 0)
			break;
		if (read(q[0], b, (size_t)n) != n)
			tl_fail("read q");
		account(b, n);
	}
	close(q[0]);
	close(q[1]);
	return NULL;
}

int main(void)
{
	pthread_t w, r[2], s[2], ps[2];
	unsigned long long want = 0;

	if (pipe(p))
		return 1;
	f = open(tl_tmp("out"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	pthread_create(&w, NULL, writer, NULL);
	for (int i = 0; i < 2; i++) {
		pthread_create(&r[i], NULL, reader, NULL);
		pthread_create(&s[i], NULL, splicer, NULL);
		pthread_create(&ps[i], NULL, pipe_splicer, NULL);
	}
	pthread_join(w, NULL);
	close(p[1]);
	for (int i = 0; i < 2; i++) {
		pthread_join(r[i], NULL);
		pthread_join(s[i], NULL);
		pthread_join(ps[i], NULL);
	}
	for (uint32_t i = 0; i < N; i++)
		want += (i & 255) + ((i >> 8) & 255) + ((i >> 16) & 255) +
			(i >> 24);
	tl_yes("every byte once (count)", nbytes == 4ULL * N);
	tl_yes("every byte once (sum)", sum == want);
	close(f);
	tl_cleanup();
	return tl_done();
}
