/* The fd table: an array of file pointers with a close-on-exec bit each,
 * shared by the tasks of a CLONE_FILES group. Linux semantics: the lowest
 * free fd is used, RLIMIT_NOFILE bounds new fds (EMFILE), dup2 onto an open
 * fd closes it atomically. */
#include "sentry/vfs/fdtable.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>

#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"

/* fs.nr_open: no table grows past this, whatever the rlimit says. */
#define FD_NR_OPEN (1 << 20)
#define FD_DEFAULT_LIMIT 1024

struct fdtable {
	_Atomic int refs;
	pthread_mutex_t lock;
	int size;                /* slots allocated */
	struct file **files;
	bool *cloexec;
};

struct fdtable *fdtable_create(void)
{
	struct fdtable *t = rv_xcalloc(1, sizeof(*t));
	atomic_init(&t->refs, 1);
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

static void fdt_grow(struct fdtable *t, int need)
{
	if (need <= t->size)
		return;
	int n = t->size ? t->size : 64;
	while (n < need)
		n *= 2;
	t->files = rv_xrealloc(t->files, (size_t)n * sizeof(*t->files));
	t->cloexec = rv_xrealloc(t->cloexec, (size_t)n * sizeof(*t->cloexec));
	memset(t->files + t->size, 0, (size_t)(n - t->size) * sizeof(*t->files));
	memset(t->cloexec + t->size, 0,
	       (size_t)(n - t->size) * sizeof(*t->cloexec));
	t->size = n;
}

struct fdtable *fdtable_copy(struct fdtable *src)
{
	struct fdtable *t = fdtable_create();
	pthread_mutex_lock(&src->lock);
	fdt_grow(t, src->size);
	for (int i = 0; i < src->size; i++) {
		t->files[i] = file_get(src->files[i]);
		t->cloexec[i] = src->cloexec[i];
	}
	pthread_mutex_unlock(&src->lock);
	return t;
}

void fdtable_get(struct fdtable *t)
{
	atomic_fetch_add(&t->refs, 1);
}

void fdtable_put(struct fdtable *t)
{
	if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	for (int i = 0; i < t->size; i++)
		file_put(t->files[i]);
	free(t->files);
	free(t->cloexec);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* RLIMIT_NOFILE of the calling task (the table has no owner: the limit is
 * the caller's, as in Linux's rlimit(RLIMIT_NOFILE) at allocation): the
 * value the syscall layer last set on this thread, else the current
 * task's, else Linux's default. */
static __thread int fd_cur_limit;

void fd_set_thread_limit(uint64_t lim)
{
	fd_cur_limit = lim > FD_NR_OPEN ? FD_NR_OPEN : (int)lim;
}

static int fd_limit(void)
{
	if (fd_cur_limit > 0)
		return fd_cur_limit;
	struct task *t = current;
	if (t && t->tg) {
		uint64_t lim = t->tg->rlim[RLIMIT_NOFILE].rlim_cur;
		return lim > FD_NR_OPEN ? FD_NR_OPEN : (int)lim;
	}
	return FD_DEFAULT_LIMIT;
}

int fd_install(struct fdtable *t, struct file *f, int minfd, bool cloexec)
{
	int lim = fd_limit();
	if (minfd < 0)
		return -EINVAL;
	if (minfd >= lim)
		return -EMFILE;
	pthread_mutex_lock(&t->lock);
	int fd = minfd;
	while (fd < t->size && t->files[fd])
		fd++;
	if (fd >= lim) {
		pthread_mutex_unlock(&t->lock);
		return -EMFILE;
	}
	fdt_grow(t, fd + 1);
	t->files[fd] = file_get(f);
	t->cloexec[fd] = cloexec;
	pthread_mutex_unlock(&t->lock);
	return fd;
}

int fd_install_at(struct fdtable *t, struct file *f, int fd, bool cloexec)
{
	/* dup2(2): EBADF when newfd is out of the allowed range. */
	if (fd < 0 || fd >= fd_limit())
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	fdt_grow(t, fd + 1);
	struct file *old = t->files[fd];
	t->files[fd] = file_get(f);
	t->cloexec[fd] = cloexec;
	pthread_mutex_unlock(&t->lock);
	/* Closed outside the lock: release may block (pipes wake peers). */
	file_put(old);
	return fd;
}

struct file *fd_get(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	if (fd < 0)
		return NULL;
	pthread_mutex_lock(&t->lock);
	if (fd < t->size)
		f = file_get(t->files[fd]);
	pthread_mutex_unlock(&t->lock);
	return f;
}

int fd_close(struct fdtable *t, int fd)
{
	struct file *f = NULL;
	if (fd < 0)
		return -EBADF;
	pthread_mutex_lock(&t->lock);
	if (fd < t->size) {
		f = t->files[fd];
		t->files[fd] = NULL;
		t->cloexec[fd] = false;
	}
	pthread_mutex_unlock(&t->lock);
	if (!f)
		return -EBADF;
	file_put(f);
	return 0;
}

int fd_get_cloexec(struct fdtable *t, int fd)
{
	int r = -EBADF;
	if (fd < 0)
		return r;
	pthread_mutex_lock(&t->lock);
	if (fd < t->size && t->files[fd])
		r = t->cloexec[fd] ? 1 : 0;
	pthread_mutex_unlock(&t->lock);
	return r;
}

int fd_set_cloexec(struct fdtable *t, int fd, bool on)
{
	int r = -EBADF;
	if (fd < 0)
		return r;
	pthread_mutex_lock(&t->lock);
	if (fd < t->size && t->files[fd]) {
		t->cloexec[fd] = on;
		r = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void fd_close_on_exec(struct fdtable *t)
{
	for (;;) {
		struct file *f = NULL;
		pthread_mutex_lock(&t->lock);
		for (int i = 0; i < t->size; i++) {
			if (t->files[i] && t->cloexec[i]) {
				f = t->files[i];
				t->files[i] = NULL;
				t->cloexec[i] = false;
				break;
			}
		}
		pthread_mutex_unlock(&t->lock);
		if (!f)
			return;
		file_put(f);
	}
}

int fd_next(struct fdtable *t, int from)
{
	int r = -1;
	if (from < 0)
		from = 0;
	pthread_mutex_lock(&t->lock);
	for (int i = from; i < t->size; i++) {
		if (t->files[i]) {
			r = i;
			break;
		}
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}
