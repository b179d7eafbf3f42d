/* Pseudo-terminals: /dev/ptmx hands out a master; its slave appears as
 * /dev/pts/N while the master is open (pty(7)).
 *
 * The line discipline is a small subset of Linux's n_tty: ICRNL on input;
 * in canonical mode (ICANON) lines are edited (VERASE, VKILL), delivered
 * at newline/VEOL, VEOF ends a read; ECHO echoes input; OPOST|ONLCR turns
 * "\n" into "\r\n" on output; ISIG sends VINTR/VQUIT/VSUSP's signal to
 * the foreground process group (TIOCSPGRP). Not done yet: VMIN/VTIME (a
 * raw read returns what is there, at least one byte), flow control,
 * packet mode. Waits are interruptible
 * (wait queues, like pipes). */
#include "sentry/fs/dev/dev.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <termios.h>

#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

#define PTY_MAX 256
#define PTY_RING 16384
#define KTERMIOS_SIZE 36

/* Linux's struct termios (asm-generic/termbits.h). */
struct ktermios {
	uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
	uint8_t c_line;
	uint8_t c_cc[19];
};

struct ring {
	char buf[PTY_RING];
	size_t head, len;
};

struct pty {
	_Atomic int refs;
	pthread_mutex_t lock;
	struct waitq wq;
	int index;
	struct ktermios tio;
	struct winsize ws;
	bool locked;          /* TIOCSPTLCK: slave may not open yet */
	bool master_open;
	int slaves;           /* open slave descriptions */
	bool slave_seen;      /* a slave was opened once */
	int fg_pgrp;
	struct ring in;       /* to the slave (cooked input) */
	struct ring out;      /* to the master */
	char line[4096];      /* canonical line being edited */
	size_t linelen;
	int eofs;             /* VEOF on an empty line: reads of 0 */
	struct dentry *node;  /* /dev/pts/N */
};

static pthread_mutex_t pty_table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pty *pty_table[PTY_MAX];
static struct dentry *pts_dir;

static void pty_put(struct pty *p)
{
	if (atomic_fetch_sub(&p->refs, 1) != 1)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static size_t ring_room(const struct ring *r)
{
	return PTY_RING - r->len;
}

static void ring_put(struct ring *r, const char *s, size_t n)
{
	for (size_t k = 0; k < n && r->len < PTY_RING; k++) {
		r->buf[(r->head + r->len) % PTY_RING] = s[k];
		r->len++;
	}
}

static size_t ring_get(struct ring *r, char *dst, size_t n)
{
	size_t k = 0;
	for (; k < n && r->len; k++) {
		dst[k] = r->buf[r->head];
		r->head = (r->head + 1) % PTY_RING;
		r->len--;
	}
	return k;
}

/* Output processing (slave writes, echoes) into out. Under p->lock. */
static void pty_output(struct pty *p, char c)
{
	if ((p->tio.c_oflag & OPOST) && (p->tio.c_oflag & ONLCR) && c == '\n')
		ring_put(&p->out, "\r\n", 2);
	else
		ring_put(&p->out, &c, 1);
}

static void pty_push_line(struct pty *p)
{
	ring_put(&p->in, p->line, p->linelen);
	p->linelen = 0;
}

/* Input processing of one byte the master wrote. Under p->lock. Returns
 * the signal to send to the foreground group (ISIG), or 0. */
static int pty_input(struct pty *p, char c)
{
	struct ktermios *t = &p->tio;
	if ((t->c_iflag & ICRNL) && c == '\r')
		c = '\n';
	if (t->c_lflag & ISIG) {
		int sig = 0;
		if (c && c == (char)t->c_cc[VINTR])
			sig = SIGINT;
		else if (c && c == (char)t->c_cc[VQUIT])
			sig = SIGQUIT;
		else if (c && c == (char)t->c_cc[VSUSP])
			sig = SIGTSTP;
		if (sig) {
			p->linelen = 0;
			if ((t->c_lflag & ECHO) && (t->c_lflag & ECHOCTL)) {
				char e[2] = {'^', (char)(c + '@')};
				ring_put(&p->out, e, 2);
			}
			return sig;
		}
	}
	if (!(t->c_lflag & ICANON)) {
		ring_put(&p->in, &c, 1);
		if (t->c_lflag & ECHO)
			pty_output(p, c);
		return 0;
	}
	if (c == (char)t->c_cc[VERASE]) {
		if (p->linelen) {
			p->linelen--;
			if ((t->c_lflag & ECHO) && (t->c_lflag & ECHOE))
				ring_put(&p->out, "\b \b", 3);
		}
		return 0;
	}
	if (c == (char)t->c_cc[VKILL]) {
		p->linelen = 0;
		if (t->c_lflag & ECHO)
			pty_output(p, '\n');
		return 0;
	}
	if (c == (char)t->c_cc[VEOF]) {
		if (!p->linelen)
			p->eofs++;
		pty_push_line(p);
		return 0;
	}
	if (p->linelen < sizeof(p->line) - 1)
		p->line[p->linelen++] = c;
	if (t->c_lflag & ECHO)
		pty_output(p, c);
	if (c == '\n' || (t->c_cc[VEOL] && c == (char)t->c_cc[VEOL]))
		pty_push_line(p);
	return 0;
}

struct pty_waiter {
	struct pty *p;
	bool master;
	bool write;
};

static bool pty_cond_locked(struct pty_waiter *w)
{
	struct pty *p = w->p;
	if (w->master)
		return w->write ? ring_room(&p->in) > sizeof(p->line) ||
					  !p->slaves
				: p->out.len || (p->slave_seen && !p->slaves);
	return w->write ? ring_room(&p->out) >= 2 || !p->master_open
			: p->in.len || p->eofs || !p->master_open;
}

static bool pty_cond(void *arg)
{
	struct pty_waiter *w = arg;
	pthread_mutex_lock(&w->p->lock);
	bool r = pty_cond_locked(w);
	pthread_mutex_unlock(&w->p->lock);
	return r;
}

/* Called and returns with p->lock held; 0 or -ERESTARTSYS. */
static int pty_wait(struct pty_waiter *w)
{
	struct task *t = current;
	struct pty *p = w->p;
	pthread_mutex_unlock(&p->lock);
	int r = 0;
	if (t)
		r = waitq_wait_event(t, &p->wq, w->write ? EPOLLOUT : EPOLLIN,
				     pty_cond, w, NULL);
	else
		while (!pty_cond(w))
			usleep(1000);
	pthread_mutex_lock(&p->lock);
	return r == -EINTR ? -RV_ERESTARTSYS : 0;
}

static void pty_wake(struct pty *p)
{
	waitq_wake(&p->wq, 0);
}

static ssize_t pty_read(struct file *f, const struct iovec *iov, int iovcnt,
			int64_t *pos, bool master)
{
	(void)pos;
	struct pty *p = f->priv;
	size_t want = vfs_iov_length(iov, iovcnt);
	struct pty_waiter w = {p, master, false};
	ssize_t r;
	if (!want)
		return 0;
	pthread_mutex_lock(&p->lock);
	while (!pty_cond_locked(&w)) {
		if (f->flags & O_NONBLOCK) {
			pthread_mutex_unlock(&p->lock);
			return -EAGAIN;
		}
		r = pty_wait(&w);
		if (r) {
			pthread_mutex_unlock(&p->lock);
			return r;
		}
	}
	struct ring *ring = master ? &p->out : &p->in;
	if (!ring->len) {
		/* master: the slave side hung up (EIO, like Linux); slave:
		 * VEOF on an empty line, or the master went (EOF). */
		if (master)
			r = -EIO;
		else if (p->eofs) {
			p->eofs--;
			r = 0;
		} else
			r = 0;
		pthread_mutex_unlock(&p->lock);
		return r;
	}
	size_t n = RV_MIN(want, ring->len);
	/* Canonical mode: one line per read. */
	if (!master && (p->tio.c_lflag & ICANON)) {
		for (size_t k = 0; k < n; k++)
			if (ring->buf[(ring->head + k) % PTY_RING] == '\n') {
				n = k + 1;
				break;
			}
	}
	char tmp[PTY_RING];
	n = ring_get(ring, tmp, n);
	pthread_mutex_unlock(&p->lock);
	vfs_iov_copy_out(iov, iovcnt, 0, tmp, n);
	pty_wake(p);
	return (ssize_t)n;
}

static ssize_t pty_write(struct file *f, const struct iovec *iov, int iovcnt,
			 int64_t *pos, bool master)
{
	(void)pos;
	struct pty *p = f->priv;
	size_t len = vfs_iov_length(iov, iovcnt), done = 0;
	struct pty_waiter w = {p, master, true};
	ssize_t err = 0;
	int sig = 0;
	pthread_mutex_lock(&p->lock);
	while (done < len) {
		if (master ? !p->slaves && p->slave_seen : !p->master_open) {
			err = -EIO;
			break;
		}
		if (!pty_cond_locked(&w)) {
			if (f->flags & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			pthread_mutex_unlock(&p->lock);
			pty_wake(p);
			pthread_mutex_lock(&p->lock);
			err = pty_wait(&w);
			if (err)
				break;
			continue;
		}
		char c;
		vfs_iov_copy_in(&c, 1, iov, iovcnt, done);
		if (master) {
			int s = pty_input(p, c);
			if (s)
				sig = s;
		} else {
			pty_output(p, c);
		}
		done++;
	}
	int pgrp = p->fg_pgrp;
	pthread_mutex_unlock(&p->lock);
	pty_wake(p);
	/* Outside the pty lock: signalling takes the kernel lock. */
	if (sig && pgrp > 0 && current)
		process_kill_many(current, pgrp, false, sig, false);
	return done ? (ssize_t)done : err;
}

static ssize_t master_read(struct file *f, const struct iovec *iov, int n,
			   int64_t *pos)
{
	return pty_read(f, iov, n, pos, true);
}
static ssize_t master_write(struct file *f, const struct iovec *iov, int n,
			    int64_t *pos)
{
	return pty_write(f, iov, n, pos, true);
}
static ssize_t slave_read(struct file *f, const struct iovec *iov, int n,
			  int64_t *pos)
{
	return pty_read(f, iov, n, pos, false);
}
static ssize_t slave_write(struct file *f, const struct iovec *iov, int n,
			   int64_t *pos)
{
	return pty_write(f, iov, n, pos, false);
}

static unsigned int pty_poll(struct file *f, struct poll_table *pt,
			     bool master)
{
	struct pty *p = f->priv;
	poll_wait(&p->wq, pt);
	struct pty_waiter r = {p, master, false}, w = {p, master, true};
	pthread_mutex_lock(&p->lock);
	unsigned int m = 0;
	if (pty_cond_locked(&r))
		m |= EPOLLIN | EPOLLRDNORM;
	if (pty_cond_locked(&w))
		m |= EPOLLOUT | EPOLLWRNORM;
	if (master ? p->slave_seen && !p->slaves : !p->master_open)
		m |= EPOLLHUP;
	pthread_mutex_unlock(&p->lock);
	return m;
}

static unsigned int master_poll(struct file *f, struct poll_table *pt)
{
	return pty_poll(f, pt, true);
}
static unsigned int slave_poll(struct file *f, struct poll_table *pt)
{
	return pty_poll(f, pt, false);
}

static long pty_ioctl(struct file *f, struct task *t, unsigned int cmd,
		      uint64_t arg, bool master)
{
	struct pty *p = f->priv;
	long r = 0;
	int v;
	switch (cmd) {
	case TCGETS: {
		struct ktermios k;
		pthread_mutex_lock(&p->lock);
		k = p->tio;
		pthread_mutex_unlock(&p->lock);
		return mm_copy_out(t->mm, arg, &k, KTERMIOS_SIZE);
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct ktermios k;
		if (mm_copy_in(t->mm, &k, arg, KTERMIOS_SIZE))
			return -EFAULT;
		pthread_mutex_lock(&p->lock);
		/* Leaving canonical mode hands the pending line over. */
		if ((p->tio.c_lflag & ICANON) && !(k.c_lflag & ICANON))
			pty_push_line(p);
		if (cmd == TCSETSF)
			p->in.len = 0;
		p->tio = k;
		pthread_mutex_unlock(&p->lock);
		pty_wake(p);
		return 0;
	}
	case TIOCGWINSZ:
		return mm_copy_out(t->mm, arg, &p->ws, sizeof(p->ws));
	case TIOCSWINSZ:
		if (mm_copy_in(t->mm, &p->ws, arg, sizeof(p->ws)))
			return -EFAULT;
		return 0;
	case FIONREAD:
		pthread_mutex_lock(&p->lock);
		v = (int)(master ? p->out.len : p->in.len);
		pthread_mutex_unlock(&p->lock);
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case TCFLSH:
		pthread_mutex_lock(&p->lock);
		if (arg == TCIFLUSH || arg == TCIOFLUSH)
			(master ? &p->out : &p->in)->len = 0;
		if (arg == TCOFLUSH || arg == TCIOFLUSH)
			(master ? &p->in : &p->out)->len = 0;
		pthread_mutex_unlock(&p->lock);
		pty_wake(p);
		return 0;
	case TCSBRK:
	case TCXONC:
		return 0;
	case TIOCGPTN:
		if (!master)
			return -ENOTTY;
		v = p->index;
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case TIOCSPTLCK:
		if (!master)
			return -ENOTTY;
		if (mm_copy_in(t->mm, &v, arg, sizeof(v)))
			return -EFAULT;
		pthread_mutex_lock(&p->lock);
		p->locked = v != 0;
		pthread_mutex_unlock(&p->lock);
		return 0;
	case TIOCSCTTY:
		/* The caller's session gets this terminal: its process
		 * group is the foreground one. */
		if (t->tg)
			p->fg_pgrp = t->tg->pgid;
		return 0;
	case TIOCNOTTY:
		return 0;
	case TIOCGPGRP:
		v = p->fg_pgrp ? p->fg_pgrp : (t->tg ? t->tg->pgid : 0);
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	case TIOCSPGRP:
		if (mm_copy_in(t->mm, &v, arg, sizeof(v)))
			return -EFAULT;
		p->fg_pgrp = v;
		return 0;
	case TIOCGSID:
		v = t->tg ? t->tg->sid : 0;
		return mm_copy_out(t->mm, arg, &v, sizeof(v));
	default:
		r = -ENOTTY;
	}
	return r;
}

static long master_ioctl(struct file *f, struct task *t, unsigned int cmd,
			 uint64_t arg)
{
	return pty_ioctl(f, t, cmd, arg, true);
}
static long slave_ioctl(struct file *f, struct task *t, unsigned int cmd,
			uint64_t arg)
{
	return pty_ioctl(f, t, cmd, arg, false);
}

static void master_release(struct file *f)
{
	struct pty *p = f->priv;
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->master_open = false;
	pthread_mutex_unlock(&p->lock);
	pty_wake(p);
	pthread_mutex_lock(&pty_table_lock);
	pty_table[p->index] = NULL;
	pthread_mutex_unlock(&pty_table_lock);
	if (p->node) {
		tmpfs_remove_node(p->node);
		dput(p->node);
	}
	pty_put(p);
}

static void slave_release(struct file *f)
{
	struct pty *p = f->priv;
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->slaves--;
	pthread_mutex_unlock(&p->lock);
	pty_wake(p);
	pty_put(p);
}

static const struct file_operations master_fops = {
	.read = master_read,
	.write = master_write,
	.poll = master_poll,
	.ioctl = master_ioctl,
	.release = master_release,
};

static const struct file_operations slave_fops = {
	.read = slave_read,
	.write = slave_write,
	.poll = slave_poll,
	.ioctl = slave_ioctl,
	.release = slave_release,
};

/* Linux's tty_std_termios. */
static void std_termios(struct ktermios *k)
{
	static const uint8_t cc[19] = {3,  28, 127, 21, 4,  0,  1,
				       0,  17, 19,  26, 0,  18, 15,
				       23, 22, 0,   0,  0};
	memset(k, 0, sizeof(*k));
	k->c_iflag = ICRNL | IXON;
	k->c_oflag = OPOST | ONLCR;
	k->c_cflag = B38400 | CS8 | CREAD | HUPCL;
	k->c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE |
		     IEXTEN;
	memcpy(k->c_cc, cc, sizeof(cc));
}

static int pts_open(struct inode *i, struct file *f)
{
	unsigned idx = minor(i->rdev);
	struct pty *p = NULL;
	pthread_mutex_lock(&pty_table_lock);
	if (idx < PTY_MAX)
		p = pty_table[idx];
	if (p)
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&pty_table_lock);
	if (!p)
		return -EIO;
	pthread_mutex_lock(&p->lock);
	bool locked = p->locked || !p->master_open;
	if (!locked) {
		p->slaves++;
		p->slave_seen = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (locked) {
		pty_put(p);
		return -EIO;
	}
	f->ops = &slave_fops;
	f->priv = p;
	return 0;
}

int pty_ptmx_open(struct inode *i, struct file *f)
{
	(void)i;
	if (!pts_dir)
		return -ENODEV;
	struct pty *p = rv_xcalloc(1, sizeof(*p));
	atomic_init(&p->refs, 1);
	pthread_mutex_init(&p->lock, NULL);
	waitq_init(&p->wq);
	std_termios(&p->tio);
	p->locked = true; /* until unlockpt() */
	p->master_open = true;
	/* Linux's new tty has a zero window size until TIOCSWINSZ (script(1)
	 * and `stty size` on a fresh pty print 0 0). */
	p->ws = (struct winsize){0, 0, 0, 0};
	pthread_mutex_lock(&pty_table_lock);
	int idx = -1;
	for (int k = 0; k < PTY_MAX; k++)
		if (!pty_table[k]) {
			idx = k;
			break;
		}
	if (idx >= 0)
		pty_table[idx] = p;
	pthread_mutex_unlock(&pty_table_lock);
	if (idx < 0) {
		free(p);
		return -ENOSPC;
	}
	p->index = idx;
	char name[16];
	snprintf(name, sizeof(name), "%d", idx);
	p->node = dget(tmpfs_add_node(pts_dir, name, S_IFCHR | 0620,
				      makedev(136, idx), pts_open, NULL));
	f->ops = &master_fops;
	f->priv = p;
	return 0;
}

void pty_init(struct dentry *pts)
{
	pts_dir = pts;
}
