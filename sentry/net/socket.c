/* Socket files: read/write/poll/ioctl of a socket go to its family's ops
 * (Linux's net/socket.c file operations). */
#include "sentry/net/socket.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"

void sock_cmsg_release(struct sock_cmsg *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nfiles; i++)
		file_put(c->files[i]);
	c->nfiles = 0;
}

static ssize_t sock_read(struct file *f, const struct iovec *iov, int n,
			 int64_t *pos)
{
	struct socket *s = f->priv;
	struct sock_msg m = {.iov = iov, .iovcnt = n};
	(void)pos;
	return s->ops->recvmsg(s, &m, 0);
}

static ssize_t sock_write(struct file *f, const struct iovec *iov, int n,
			  int64_t *pos)
{
	struct socket *s = f->priv;
	struct sock_msg m = {.iov = iov, .iovcnt = n};
	(void)pos;
	ssize_t r = s->ops->sendmsg(s, &m, 0);
	if (r == -EPIPE)
		sock_sigpipe(0);
	return r;
}

static unsigned int sock_poll(struct file *f, struct poll_table *pt)
{
	struct socket *s = f->priv;
	return s->ops->poll(s, pt);
}

static long sock_ioctl(struct file *f, struct task *t, unsigned int cmd,
		       uint64_t arg)
{
	struct socket *s = f->priv;
	if (!s->ops->ioctl)
		return -ENOTTY;
	return s->ops->ioctl(s, t, cmd, arg);
}

/* Every socket that has a file, for /proc/net (sock_collect). */
static pthread_mutex_t sock_all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct socket *sock_all_head, *sock_all_tail;

static void sock_all_add(struct socket *s)
{
	pthread_mutex_lock(&sock_all_lock);
	s->all_prev = sock_all_tail;
	s->all_next = NULL;
	if (sock_all_tail)
		sock_all_tail->all_next = s;
	else
		sock_all_head = s;
	sock_all_tail = s;
	pthread_mutex_unlock(&sock_all_lock);
}

static void sock_all_del(struct socket *s)
{
	pthread_mutex_lock(&sock_all_lock);
	if (s->all_prev)
		s->all_prev->all_next = s->all_next;
	else
		sock_all_head = s->all_next;
	if (s->all_next)
		s->all_next->all_prev = s->all_prev;
	else
		sock_all_tail = s->all_prev;
	pthread_mutex_unlock(&sock_all_lock);
}

/* The file is freed only after its release has taken the socket off the
 * list under sock_all_lock: a file on the list is still allocated, and a
 * reference is taken only while it has one (not while being released). */
size_t sock_collect(int family, struct file ***out)
{
	size_t n = 0, cap = 0;
	struct file **v = NULL;
	pthread_mutex_lock(&sock_all_lock);
	for (struct socket *s = sock_all_head; s; s = s->all_next) {
		if (s->family != family || !s->file)
			continue;
		int r = atomic_load(&s->file->refs);
		while (r > 0 && !atomic_compare_exchange_weak(&s->file->refs,
							      &r, r + 1))
			;
		if (r <= 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = rv_xrealloc(v, cap * sizeof(*v));
		}
		v[n++] = s->file;
	}
	pthread_mutex_unlock(&sock_all_lock);
	*out = v;
	return n;
}

static void sock_release(struct file *f)
{
	struct socket *s = f->priv;
	sock_all_del(s);
	s->ops->release(s);
	free(s);
}

static const struct file_operations socket_fops = {
	.read = sock_read,
	.write = sock_write,
	.poll = sock_poll,
	.ioctl = sock_ioctl,
	.release = sock_release,
};

struct socket *sock_from_file(struct file *f)
{
	return f && f->ops == &socket_fops ? f->priv : NULL;
}

struct file *sock_file_create(struct socket *s, int flags)
{
	struct file *f = anon_file_create(&socket_fops, s,
					  O_RDWR | (flags & SOCK_NONBLOCK ?
						    O_NONBLOCK : 0),
					  "socket:", S_IFSOCK | 0777);
	char name[48];
	snprintf(name, sizeof(name), "socket:[%llu]",
		 (unsigned long long)f->inode->ino);
	free(f->anon_name);
	f->anon_name = rv_xstrdup(name);
	s->file = f;
	s->uid = current ? current->cred.euid : 0;
	sock_all_add(s);
	return f;
}

bool sock_nonblock(struct socket *s, int msg_flags)
{
	return (msg_flags & MSG_DONTWAIT) ||
	       (s->file && (s->file->flags & O_NONBLOCK));
}

void sock_sigpipe(int msg_flags)
{
	struct task *t = current;
	if ((msg_flags & MSG_NOSIGNAL) || !t)
		return;
	/* Linux: send_sig(SIGPIPE, current, 0), SI_USER from itself. */
	struct ksiginfo info = {.signo = SIGPIPE, .code = SI_USER,
				.pid = t->tg->tgid, .uid = (int)t->cred.uid};
	kernel_send_signal_task(t, &info);
}
