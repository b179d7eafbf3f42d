/* Shared by tests/unit/mm_test.c and loader_test.c: a fake platform that
 * behaves like an MMU over the memory file, and test files read from host
 * files. No platform process runs. */
#ifndef RV_TEST_MM_TESTLIB_H
#define RV_TEST_MM_TESTLIB_H

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "platform/platform.h"
#include "sentry/mm/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "sentry/vfs/vfs.h"

static int failures __attribute__((unused));
#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (cond) {                                              \
			printf("PASS ");                                 \
		} else {                                                 \
			printf("FAIL %s:%d ", __FILE__, __LINE__);       \
			failures++;                                      \
		}                                                        \
		printf(__VA_ARGS__);                                     \
		printf("\n");                                            \
	} while (0)

/* --- fake platform: a software MMU ------------------------------------- */

#define FAKE_SLOTS (1 << 18)
struct fake_pte {
	uint64_t va; /* page | 1 when used */
	uint64_t off;
	int prot;
};
struct fake_as {
	struct fake_pte *t;
};
static struct {
	int maps, unmaps, protects;
	uint64_t last_map_va, last_map_len;
} fake;

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

static struct fake_pte *fake_slot(struct fake_as *as, uint64_t va, bool add)
{
	uint64_t h = (va >> 12) * 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < FAKE_SLOTS; i++) {
		struct fake_pte *p = &as->t[(h + i) & (FAKE_SLOTS - 1)];
		if (p->va == (va | 1))
			return p;
		if (p->va == 0) {
			if (!add)
				return NULL;
			p->va = va | 1;
			return p;
		}
	}
	abort();
}

static struct platform_as *fake_as_create(struct platform *p)
{
	(void)p;
	struct fake_as *as = calloc(1, sizeof(*as));
	as->t = calloc(FAKE_SLOTS, sizeof(*as->t));
	return (struct platform_as *)as;
}
static void fake_as_destroy(struct platform_as *a)
{
	struct fake_as *as = (struct fake_as *)a;
	free(as->t);
	free(as);
}
static int fake_as_map(struct platform_as *a, uint64_t va, uint64_t len,
		       uint64_t off, int prot)
{
	pthread_mutex_lock(&fake_lock);
	fake.maps++;
	fake.last_map_va = va;
	fake.last_map_len = len;
	if ((va | len | off) & 4095)
		abort();
	for (uint64_t o = 0; o < len; o += 4096) {
		struct fake_pte *p = fake_slot((struct fake_as *)a, va + o, 1);
		p->off = off + o;
		p->prot = prot | 0x100; /* 0x100: mapped */
	}
	pthread_mutex_unlock(&fake_lock);
	return 0;
}
static int fake_as_unmap(struct platform_as *a, uint64_t va, uint64_t len)
{
	pthread_mutex_lock(&fake_lock);
	fake.unmaps++;
	for (uint64_t o = 0; o < len; o += 4096) {
		struct fake_pte *p = fake_slot((struct fake_as *)a, va + o, 0);
		if (p)
			p->prot = 0;
	}
	pthread_mutex_unlock(&fake_lock);
	return 0;
}
static int fake_as_protect(struct platform_as *a, uint64_t va, uint64_t len,
			   int prot)
{
	pthread_mutex_lock(&fake_lock);
	fake.protects++;
	for (uint64_t o = 0; o < len; o += 4096) {
		struct fake_pte *p = fake_slot((struct fake_as *)a, va + o, 0);
		if (p && p->prot)
			p->prot = prot | 0x100;
	}
	pthread_mutex_unlock(&fake_lock);
	return 0;
}
static const struct platform_ops fake_ops = {
	.name = "fake",
	.as_create = fake_as_create,
	.as_destroy = fake_as_destroy,
	.as_map = fake_as_map,
	.as_unmap = fake_as_unmap,
	.as_protect = fake_as_protect,
};
__attribute__((unused)) static struct platform fake_platform = {
	.ops = &fake_ops};

/* The app touching memory: through the fake MMU, faulting into mm like a
 * platform would (access unknown, as on ptrace). Returns 0 or the signal
 * mm asked for. */
static int fake_faults; /* mm_handle_fault calls made by app_access */
static int app_access(struct mm *mm, uint64_t va, bool write, uint8_t *val)
{
	struct fake_as *as = (struct fake_as *)mm_platform_as(mm);
	for (int tries = 0; tries < 4; tries++) {
		pthread_mutex_lock(&fake_lock);
		struct fake_pte *p = fake_slot(as, va & ~4095ULL, 0);
		int prot = p ? p->prot : 0;
		if (prot & (write ? PROT_WRITE : PROT_READ)) {
			uint8_t *m = memfile_ptr(p->off + (va & 4095));
			if (write)
				*m = *val;
			else
				*val = *m;
			pthread_mutex_unlock(&fake_lock);
			return 0;
		}
		pthread_mutex_unlock(&fake_lock);
		int code = 0;
		fake_faults++;
		int sig = mm_handle_fault(mm, va, 0, prot != 0, &code);
		if (sig)
			return sig;
	}
	return -1; /* fault resolved yet still no access: an mm bug */
}
__attribute__((unused)) static int app_write(struct mm *mm, uint64_t va, uint8_t v)
{
	return app_access(mm, va, true, &v);
}
__attribute__((unused)) static int app_read(struct mm *mm, uint64_t va, uint8_t *v)
{
	return app_access(mm, va, false, v);
}

/* --- test files ---------------------------------------------------------- */

static ssize_t hf_read(struct file *f, const struct iovec *iov, int cnt,
		       int64_t *pos)
{
	ssize_t n = preadv((int)(intptr_t)f->priv, iov, cnt, *pos);
	if (n < 0)
		return -errno;
	*pos += n;
	return n;
}
static int64_t hf_llseek(struct file *f, int64_t off, int whence)
{
	(void)f;
	(void)whence;
	return off;
}
static void hf_release(struct file *f)
{
	close((int)(intptr_t)f->priv);
}
static const struct file_operations hf_ops = {
	.read = hf_read, .llseek = hf_llseek, .release = hf_release,
};

/* A sentry file reading the host file at path (O_RDONLY). */
__attribute__((unused)) static struct file *test_file_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	struct inode *i = rv_xcalloc(1, sizeof(*i));
	atomic_init(&i->refs, 1);
	pthread_mutex_init(&i->lock, NULL);
	i->mode = st.st_mode;
	i->size = st.st_size;
	i->ino = st.st_ino;
	i->nlink = 1;
	struct file *f = file_alloc(NULL, i, &hf_ops, O_RDONLY);
	inode_put(i);
	f->priv = (void *)(intptr_t)fd;
	f->anon_name = rv_xstrdup(path);
	return f;
}

static void test_init(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (memfile_init() < 0) {
		printf("FAIL memfile_init\n");
		exit(1);
	}
}

#endif
