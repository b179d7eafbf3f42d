/* AF_UNIX sockets, entirely inside the sentry (unix(7)).
 *
 * One lock (ux_lock) guards every unix socket's state: connections link
 * two sockets and a single lock makes that free of ordering problems.
 * Each socket has a wait queue: readers and accept sleep on their own,
 * writers on their peer's (woken when the peer reads).
 *
 * Addresses: a path address is a socket inode made in the VFS by bind
 * (mknod S_IFSOCK), and connect finds the listener by that inode's
 * (st_dev, st_ino); abstract addresses (a leading NUL) live in the same
 * table keyed by name. Both tables are sandbox-wide. */
#include "sentry/net/socket.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>

#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fs.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

#define UX_DEFAULT_BUF 212992    /* net.core.wmem_default */
#define UX_MAX_DGRAM_QLEN 512    /* net.unix.max_dgram_qlen */
#define UX_MIN_BUF 4608          /* SOCK_MIN_SNDBUF */
#define UX_MAX_BUF (4 << 20)

enum ux_state { UX_UNCONNECTED, UX_LISTENING, UX_CONNECTED };

struct ux_skb {
	struct ux_skb *next;
	char *data;
	size_t len, off;
	struct sock_cmsg *cmsg;    /* files and credentials, or NULL */
	struct ucred creds;        /* the sender's, for SO_PASSCRED */
	struct sockaddr_un from;   /* dgram: the sender's address */
	socklen_t fromlen;
};

struct ux_sock {
	int refs;
	int type;
	enum ux_state state;
	struct socket *sock;       /* NULL once the file is released */
	struct ux_sock *peer;      /* reference */
	struct ux_skb *rq_head, *rq_tail;
	size_t rq_bytes, rq_count;
	size_t sndbuf, rcvbuf;
	bool shut_rd, shut_wr;     /* RCV_SHUTDOWN / SEND_SHUTDOWN */
	bool dead;
	bool passcred;
	int so_error;
	struct sockaddr_un addr;
	socklen_t addrlen;         /* 0: not bound */
	uint64_t bdev, bino;       /* path sockets: the inode bound */
	/* listening: connections not yet accepted */
	struct ux_sock *aq_head, *aq_tail, *aq_next;
	int backlog, aq_len;
	struct ucred peercred;
	bool has_peercred;
	struct timespec rcvtimeo, sndtimeo;
	struct waitq wq;
	struct ux_sock *bound_next; /* the address table */
};

static pthread_mutex_t ux_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ux_sock *ux_bound;   /* every bound socket */
static unsigned ux_autobind_next;
static const struct socket_ops unix_ops;

static struct ux_sock *ux_get(struct ux_sock *u)
{
	u->refs++;
	return u;
}

/* Under ux_lock. Files to drop are returned through *drop (dropping a
 * file may release another unix socket, which takes ux_lock). */
static void skb_free(struct ux_skb *s, struct sock_cmsg **drop)
{
	if (s->cmsg) {
		if (drop && !*drop) {
			*drop = s->cmsg;
		} else if (drop) {
			/* Merge: move the files into the first list. */
			struct sock_cmsg *d = *drop;
			for (int i = 0; i < s->cmsg->nfiles; i++) {
				if (d->nfiles < SOCK_MAX_FDS) {
					d->files[d->nfiles++] =
						s->cmsg->files[i];
				} else {
					/* No room: leak the reference rather
					 * than drop it under the lock. */
				}
			}
			free(s->cmsg);
		}
	}
	free(s->data);
	free(s);
}

static void ux_put(struct ux_sock *u, struct sock_cmsg **drop)
{
	if (--u->refs)
		return;
	while (u->rq_head) {
		struct ux_skb *s = u->rq_head;
		u->rq_head = s->next;
		skb_free(s, drop);
	}
	free(u);
}

static void drop_files(struct sock_cmsg *d)
{
	if (!d)
		return;
	sock_cmsg_release(d);
	free(d);
}

static struct ux_sock *ux_alloc(int type)
{
	struct ux_sock *u = rv_xcalloc(1, sizeof(*u));
	u->refs = 1;
	u->type = type;
	u->sndbuf = u->rcvbuf = UX_DEFAULT_BUF;
	waitq_init(&u->wq);
	return u;
}

static struct socket *ux_socket(struct ux_sock *u, int type)
{
	struct socket *s = rv_xcalloc(1, sizeof(*s));
	s->ops = &unix_ops;
	s->family = AF_UNIX;
	s->type = type;
	s->priv = u;
	u->sock = s;
	return s;
}

static struct ucred ux_my_creds(void)
{
	struct ucred c = {0, 65534, 65534};
	struct task *t = current;
	if (t) {
		c.pid = t->tg->tgid;
		c.uid = t->cred.euid;
		c.gid = t->cred.egid;
	}
	return c;
}

int unix_create(int type, int protocol, struct socket **out)
{
	/* unix(7): SOCK_RAW is accepted as SOCK_DGRAM. */
	if (type == SOCK_RAW)
		type = SOCK_DGRAM;
	if (type != SOCK_STREAM && type != SOCK_DGRAM &&
	    type != SOCK_SEQPACKET)
		return -ESOCKTNOSUPPORT;
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	*out = ux_socket(ux_alloc(type), type);
	return 0;
}

int unix_socketpair(int type, int protocol, struct socket *out[2])
{
	int err = unix_create(type, protocol, &out[0]);
	if (err)
		return err;
	unix_create(type, protocol, &out[1]);
	struct ux_sock *a = out[0]->priv, *b = out[1]->priv;
	a->peer = ux_get(b);
	b->peer = ux_get(a);
	a->state = b->state = UX_CONNECTED;
	a->peercred = b->peercred = ux_my_creds();
	a->has_peercred = b->has_peercred = true;
	return 0;
}

/* --- addresses ----------------------------------------------------------- */

/* Check an address from the app: family, length, and for paths a NUL
 * within the given bytes (Linux terminates it itself; the app need not).
 * Returns the normalised length. */
static int ux_check_addr(const struct sockaddr *sa, socklen_t len,
			 struct sockaddr_un *out)
{
	if (len < offsetof(struct sockaddr_un, sun_path) ||
	    len > sizeof(struct sockaddr_un))
		return -EINVAL;
	if (sa->sa_family != AF_UNIX)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memcpy(out, sa, len);
	if (len == offsetof(struct sockaddr_un, sun_path))
		return (int)len; /* autobind */
	if (out->sun_path[0] == '\0')
		return (int)len; /* abstract: every byte counts */
	/* A path: up to the first NUL; it must fit with its NUL. */
	size_t n = strnlen(out->sun_path, len - offsetof(struct sockaddr_un,
							  sun_path));
	if (n >= sizeof(out->sun_path))
		return -EINVAL;
	out->sun_path[n] = '\0';
	return (int)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static bool ux_abstract(const struct sockaddr_un *a, socklen_t len)
{
	return len > offsetof(struct sockaddr_un, sun_path) &&
	       a->sun_path[0] == '\0';
}

/* Under ux_lock. */
static struct ux_sock *ux_find_abstract(const struct sockaddr_un *a,
					socklen_t len)
{
	for (struct ux_sock *u = ux_bound; u; u = u->bound_next)
		if (ux_abstract(&u->addr, u->addrlen) && u->addrlen == len &&
		    !memcmp(u->addr.sun_path, a->sun_path,
			    len - offsetof(struct sockaddr_un, sun_path)))
			return u;
	return NULL;
}

static struct ux_sock *ux_find_inode(uint64_t dev, uint64_t ino)
{
	for (struct ux_sock *u = ux_bound; u; u = u->bound_next)
		if (!ux_abstract(&u->addr, u->addrlen) && u->bdev == dev &&
		    u->bino == ino)
			return u;
	return NULL;
}

static void ux_unbind_locked(struct ux_sock *u)
{
	for (struct ux_sock **pp = &ux_bound; *pp; pp = &(*pp)->bound_next)
		if (*pp == u) {
			*pp = u->bound_next;
			return;
		}
}

/* Find the socket an address names (reference taken). Path lookups go
 * through the VFS with the caller's credentials: connecting needs write
 * permission on the socket inode (unix(7)). */
static int ux_lookup(const struct sockaddr_un *a, socklen_t len,
		     struct ux_sock **out)
{
	struct ux_sock *u;
	if (ux_abstract(a, len)) {
		pthread_mutex_lock(&ux_lock);
		u = ux_find_abstract(a, len);
		if (u)
			ux_get(u);
		pthread_mutex_unlock(&ux_lock);
		*out = u;
		return u ? 0 : -ECONNREFUSED;
	}
	struct kstat st;
	int err = vfs_statat(current, AT_FDCWD, a->sun_path, 0, &st);
	if (err)
		return err;
	if (!S_ISSOCK(st.mode))
		return -ECONNREFUSED;
	err = vfs_accessat(current, AT_FDCWD, a->sun_path, W_OK, 0);
	if (err)
		return err;
	pthread_mutex_lock(&ux_lock);
	u = ux_find_inode(st.dev, st.ino);
	if (u)
		ux_get(u);
	pthread_mutex_unlock(&ux_lock);
	*out = u;
	return u ? 0 : -ECONNREFUSED;
}

static int ux_autobind_locked(struct ux_sock *u)
{
	/* unix(7): an abstract name of five hex digits. */
	for (int tries = 0; tries < 0x100000; tries++) {
		struct sockaddr_un a = {.sun_family = AF_UNIX};
		snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "%05x",
			 ux_autobind_next++ & 0xfffff);
		socklen_t len = offsetof(struct sockaddr_un, sun_path) + 6;
		if (ux_find_abstract(&a, len))
			continue;
		u->addr = a;
		u->addrlen = len;
		u->bound_next = ux_bound;
		ux_bound = u;
		return 0;
	}
	return -ENOSPC;
}

static int ux_bind(struct socket *s, const struct sockaddr *sa, socklen_t len)
{
	struct ux_sock *u = s->priv;
	struct sockaddr_un a;
	int n = ux_check_addr(sa, len, &a), err = 0;
	if (n < 0)
		return n;
	if (n == offsetof(struct sockaddr_un, sun_path)) {
		pthread_mutex_lock(&ux_lock);
		err = u->addrlen ? -EINVAL : ux_autobind_locked(u);
		pthread_mutex_unlock(&ux_lock);
		return err;
	}
	pthread_mutex_lock(&ux_lock);
	bool bound = u->addrlen != 0;
	pthread_mutex_unlock(&ux_lock);
	if (bound)
		return -EINVAL;
	if (ux_abstract(&a, (socklen_t)n)) {
		pthread_mutex_lock(&ux_lock);
		if (u->addrlen)
			err = -EINVAL;
		else if (ux_find_abstract(&a, (socklen_t)n))
			err = -EADDRINUSE;
		if (!err) {
			u->addr = a;
			u->addrlen = (socklen_t)n;
			u->bound_next = ux_bound;
			ux_bound = u;
		}
		pthread_mutex_unlock(&ux_lock);
		return err;
	}
	/* A path: the socket inode is created like mknod(2) would, with
	 * the umask applied by the VFS; an existing name is EADDRINUSE. */
	err = vfs_mknodat(current, AT_FDCWD, a.sun_path, S_IFSOCK | 0777, 0);
	if (err == -EEXIST)
		return -EADDRINUSE;
	if (err)
		return err;
	struct kstat st;
	err = vfs_statat(current, AT_FDCWD, a.sun_path, AT_SYMLINK_NOFOLLOW,
			 &st);
	if (err)
		return err;
	pthread_mutex_lock(&ux_lock);
	if (u->addrlen) {
		err = -EINVAL;
	} else {
		u->addr = a;
		u->addrlen = (socklen_t)n;
		u->bdev = st.dev;
		u->bino = st.ino;
		u->bound_next = ux_bound;
		ux_bound = u;
	}
	pthread_mutex_unlock(&ux_lock);
	return err;
}

static void ux_name(struct ux_sock *u, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (u && u->addrlen) {
		memcpy(ss, &u->addr, u->addrlen);
		*len = u->addrlen;
	} else {
		ss->ss_family = AF_UNIX;
		*len = offsetof(struct sockaddr_un, sun_path);
	}
}

static int ux_getname(struct socket *s, struct sockaddr_storage *ss,
		      socklen_t *len, bool peer)
{
	struct ux_sock *u = s->priv;
	int err = 0;
	pthread_mutex_lock(&ux_lock);
	if (peer) {
		if (!u->peer || (u->type != SOCK_DGRAM &&
				 u->state != UX_CONNECTED))
			err = -ENOTCONN;
		else
			ux_name(u->peer, ss, len);
	} else {
		ux_name(u, ss, len);
	}
	pthread_mutex_unlock(&ux_lock);
	return err;
}

/* --- waiting ------------------------------------------------------------- */

static bool ts_zero(const struct timespec *ts)
{
	return !ts->tv_sec && !ts->tv_nsec;
}

/* The deadline of SO_RCVTIMEO/SO_SNDTIMEO (NULL: none). */
static struct timespec *ux_deadline(const struct timespec *to,
				    struct timespec *dl)
{
	if (ts_zero(to))
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, dl);
	/* SO_RCVTIMEO of {INT64_MAX, ...}: saturate, no signed overflow. */
	rv_ts_add_sat(dl, to);
	return dl;
}

struct ux_wait {
	bool (*ready)(struct ux_sock *, void *);
	struct ux_sock *u;
	void *arg;
};

static bool ux_cond(void *p)
{
	struct ux_wait *w = p;
	pthread_mutex_lock(&ux_lock);
	bool r = w->ready(w->u, w->arg);
	pthread_mutex_unlock(&ux_lock);
	return r;
}

/* Sleep on wq until ready(u, arg) (checked under ux_lock). 0, -EAGAIN
 * at the timeout, -RV_ERESTARTSYS for a signal. Called unlocked. */
static int ux_wait(struct waitq *wq, struct ux_sock *u,
		   bool (*ready)(struct ux_sock *, void *), void *arg,
		   const struct timespec *timeo)
{
	struct timespec dl;
	struct ux_wait w = {ready, u, arg};
	int r = waitq_wait_event(current, wq, 0, ux_cond, &w,
				 ux_deadline(timeo, &dl));
	if (r == -EINTR)
		return -RV_ERESTARTSYS;
	if (r == -ETIMEDOUT)
		return -EAGAIN;
	return 0;
}

/* --- connections --------------------------------------------------------- */

static int ux_listen(struct socket *s, int backlog)
{
	struct ux_sock *u = s->priv;
	int err = 0;
	if (u->type == SOCK_DGRAM)
		return -EOPNOTSUPP;
	if (backlog < 0)
		backlog = 0;
	if (backlog > 4096)
		backlog = 4096; /* net.core.somaxconn */
	pthread_mutex_lock(&ux_lock);
	if (u->state == UX_CONNECTED || !u->addrlen)
		err = -EINVAL;
	else {
		u->state = UX_LISTENING;
		u->backlog = backlog;
	}
	pthread_mutex_unlock(&ux_lock);
	waitq_wake(&u->wq, 0);
	return err;
}

static bool ux_accept_room(struct ux_sock *l, void *arg)
{
	(void)arg;
	return l->dead || l->state != UX_LISTENING || l->aq_len <= l->backlog;
}

static int ux_connect(struct socket *s, const struct sockaddr *sa,
		      socklen_t len)
{
	struct ux_sock *u = s->priv, *l;
	struct sockaddr_un a;
	struct sock_cmsg *drop = NULL;
	int n, err;

	/* Datagram: AF_UNSPEC dissolves the association (connect(2)). */
	if (u->type == SOCK_DGRAM && len >= sizeof(sa_family_t) &&
	    sa->sa_family == AF_UNSPEC) {
		pthread_mutex_lock(&ux_lock);
		struct ux_sock *p = u->peer;
		u->peer = NULL;
		if (p)
			ux_put(p, &drop);
		pthread_mutex_unlock(&ux_lock);
		drop_files(drop);
		return 0;
	}
	if ((n = ux_check_addr(sa, len, &a)) < 0)
		return n;
	if (n == offsetof(struct sockaddr_un, sun_path))
		return -EINVAL;
	if ((err = ux_lookup(&a, (socklen_t)n, &l)))
		return err;
	pthread_mutex_lock(&ux_lock);
	if (l->type != u->type) {
		err = -EPROTOTYPE;
		goto out_unlock;
	}
	if (u->type == SOCK_DGRAM) {
		struct ux_sock *p = u->peer;
		u->peer = ux_get(l);
		if (p)
			ux_put(p, &drop);
		goto out_unlock;
	}
	if (u->state == UX_CONNECTED) {
		err = -EISCONN;
		goto out_unlock;
	}
	if (u->state == UX_LISTENING) {
		err = -EINVAL;
		goto out_unlock;
	}
	for (;;) {
		if (l->dead || l->state != UX_LISTENING) {
			err = -ECONNREFUSED;
			goto out_unlock;
		}
		if (l->aq_len <= l->backlog)
			break;
		if (sock_nonblock(s, 0)) {
			err = -EAGAIN;
			goto out_unlock;
		}
		pthread_mutex_unlock(&ux_lock);
		err = ux_wait(&l->wq, l, ux_accept_room, NULL, &u->sndtimeo);
		pthread_mutex_lock(&ux_lock);
		if (err)
			goto out_unlock;
		if (u->state != UX_UNCONNECTED) {
			err = -EISCONN;
			goto out_unlock;
		}
	}
	/* The server's end: connected at once, queued for accept(). */
	struct ux_sock *srv = ux_alloc(u->type);
	srv->state = UX_CONNECTED;
	srv->addr = l->addr;
	srv->addrlen = l->addrlen;
	srv->passcred = l->passcred;
	srv->peer = ux_get(u);
	srv->peercred = ux_my_creds();
	srv->has_peercred = true;
	u->peer = ux_get(srv);
	u->peercred = l->peercred;
	u->has_peercred = l->has_peercred;
	u->state = UX_CONNECTED;
	srv->aq_next = NULL;
	if (l->aq_tail)
		l->aq_tail->aq_next = srv;
	else
		l->aq_head = srv;
	l->aq_tail = srv;
	l->aq_len++;
out_unlock:
	pthread_mutex_unlock(&ux_lock);
	if (!err)
		waitq_wake(&l->wq, EPOLLIN);
	pthread_mutex_lock(&ux_lock);
	ux_put(l, &drop);
	pthread_mutex_unlock(&ux_lock);
	drop_files(drop);
	return err;
}

static bool ux_acceptable(struct ux_sock *l, void *arg)
{
	(void)arg;
	return l->aq_head || l->state != UX_LISTENING;
}

static int ux_accept(struct socket *s, int flags, struct file **out,
		     struct sockaddr_storage *addr, socklen_t *alen)
{
	struct ux_sock *l = s->priv, *srv;
	int err;
	pthread_mutex_lock(&ux_lock);
	for (;;) {
		if (l->state != UX_LISTENING) {
			pthread_mutex_unlock(&ux_lock);
			return -EINVAL;
		}
		if (l->aq_head)
			break;
		pthread_mutex_unlock(&ux_lock);
		if (sock_nonblock(s, 0))
			return -EAGAIN;
		err = ux_wait(&l->wq, l, ux_acceptable, NULL, &l->rcvtimeo);
		if (err)
			return err;
		pthread_mutex_lock(&ux_lock);
	}
	srv = l->aq_head;
	l->aq_head = srv->aq_next;
	if (!l->aq_head)
		l->aq_tail = NULL;
	l->aq_len--;
	/* The server end takes the listener's credentials as its own. */
	if (addr)
		ux_name(srv->peer, addr, alen);
	pthread_mutex_unlock(&ux_lock);
	waitq_wake(&l->wq, 0); /* room for a blocked connect */
	struct socket *ns = ux_socket(srv, srv->type);
	*out = sock_file_create(ns, flags);
	return 0;
}

/* --- data ---------------------------------------------------------------- */

struct ux_space {
	size_t need;
};

/* Can u send `need` bytes (stream: any) to its peer now? */
static bool ux_writable_locked(struct ux_sock *u, struct ux_sock *p,
			       size_t need)
{
	if (!p || p->dead || p->shut_rd || u->shut_wr)
		return true; /* an error, reported by the sender */
	if (u->type == SOCK_STREAM)
		return p->rq_bytes < u->sndbuf;
	if (p->rq_count >= UX_MAX_DGRAM_QLEN)
		return false;
	return p->rq_bytes == 0 || p->rq_bytes + need <= p->rcvbuf;
}

struct ux_send_wait {
	struct ux_sock *p;
	size_t need;
};

static bool ux_can_send(struct ux_sock *u, void *arg)
{
	struct ux_send_wait *w = arg;
	return ux_writable_locked(u, w->p, w->need) || u->dead;
}

static void ux_enqueue(struct ux_sock *p, struct ux_skb *skb)
{
	skb->next = NULL;
	if (p->rq_tail)
		p->rq_tail->next = skb;
	else
		p->rq_head = skb;
	p->rq_tail = skb;
	p->rq_bytes += skb->len;
	p->rq_count++;
}

static struct ux_skb *ux_skb_make(struct ux_sock *u, const struct iovec *iov,
				  int n, size_t skip, size_t len)
{
	struct ux_skb *skb = rv_xcalloc(1, sizeof(*skb));
	skb->data = rv_xmalloc(len ? len : 1);
	skb->len = len;
	if (len && vfs_iov_copy_in(skb->data, len, iov, n, skip) !=
			   (ssize_t)len) {
		free(skb->data);
		free(skb);
		return NULL;
	}
	skb->creds = ux_my_creds();
	if (u->addrlen) {
		skb->from = u->addr;
		skb->fromlen = u->addrlen;
	} else {
		/* An unbound sender has no name: msg_namelen 0. */
		skb->fromlen = 0;
	}
	return skb;
}

/* Attach the message's control data to skb (moved, not copied). */
static void ux_attach_cmsg(struct ux_skb *skb, struct sock_cmsg *c)
{
	if (!c || (!c->nfiles && !c->has_creds))
		return;
	skb->cmsg = rv_xmalloc(sizeof(*c));
	memcpy(skb->cmsg, c, sizeof(*c));
	if (c->has_creds)
		skb->creds = c->creds;
	c->nfiles = 0;
}

static ssize_t ux_sendmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct ux_sock *u = s->priv, *p = NULL;
	size_t total = vfs_iov_length(m->iov, m->iovcnt), sent = 0;
	struct sock_cmsg *drop = NULL;
	ssize_t err = 0;
	bool nb = sock_nonblock(s, flags);

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	if (m->addrlen && u->type != SOCK_DGRAM) {
		/* Linux: an address on a connected stream is EISCONN,
		 * on an unconnected one EOPNOTSUPP. */
		pthread_mutex_lock(&ux_lock);
		err = u->state == UX_CONNECTED ? -EISCONN : -EOPNOTSUPP;
		pthread_mutex_unlock(&ux_lock);
		return err;
	}
	if (m->addrlen) {
		struct sockaddr_un a;
		int n = ux_check_addr((struct sockaddr *)&m->addr, m->addrlen,
				      &a);
		if (n < 0)
			return n;
		if ((err = ux_lookup(&a, (socklen_t)n, &p)))
			return err;
	} else {
		pthread_mutex_lock(&ux_lock);
		if (u->peer)
			p = ux_get(u->peer);
		pthread_mutex_unlock(&ux_lock);
		if (!p)
			return -ENOTCONN;
	}
	if (u->type != SOCK_STREAM && total > u->sndbuf) {
		err = -EMSGSIZE;
		goto out;
	}
	pthread_mutex_lock(&ux_lock);
	for (;;) {
		if (u->shut_wr) {
			err = -EPIPE;
			break;
		}
		if (p->type != u->type) {
			err = -EPROTOTYPE;
			break;
		}
		if (p->dead) {
			err = u->type == SOCK_DGRAM ? -ECONNREFUSED : -EPIPE;
			break;
		}
		if (u->type != SOCK_DGRAM && (p->shut_rd || u->state !=
						  UX_CONNECTED)) {
			err = -EPIPE;
			break;
		}
		/* A datagram socket connected to someone else refuses
		 * others' messages (unix_may_send). */
		if (u->type == SOCK_DGRAM && p->peer && p->peer != u) {
			err = -EPERM;
			break;
		}
		size_t chunk = total - sent;
		if (ux_writable_locked(u, p, chunk)) {
			if (u->type == SOCK_STREAM) {
				size_t room = u->sndbuf > p->rq_bytes ?
					u->sndbuf - p->rq_bytes : 0;
				chunk = RV_MIN(chunk, RV_MAX(room, 1));
			}
			struct ux_skb *skb = ux_skb_make(u, m->iov, m->iovcnt,
							 sent, chunk);
			if (!skb) {
				err = -EFAULT;
				break;
			}
			if (sent == 0)
				ux_attach_cmsg(skb, m->cmsg);
			ux_enqueue(p, skb);
			sent += chunk;
			pthread_mutex_unlock(&ux_lock);
			waitq_wake(&p->wq, EPOLLIN);
			pthread_mutex_lock(&ux_lock);
			if (sent == total)
				break;
			continue;
		}
		if (nb) {
			err = -EAGAIN;
			break;
		}
		pthread_mutex_unlock(&ux_lock);
		struct ux_send_wait w = {p, chunk};
		err = ux_wait(&p->wq, u, ux_can_send, &w, &u->sndtimeo);
		pthread_mutex_lock(&ux_lock);
		if (err)
			break;
	}
	pthread_mutex_unlock(&ux_lock);
out:
	pthread_mutex_lock(&ux_lock);
	ux_put(p, &drop);
	pthread_mutex_unlock(&ux_lock);
	drop_files(drop);
	if (sent)
		return (ssize_t)sent;
	if (err == -EPIPE)
		sock_sigpipe(flags);
	return err;
}

static bool ux_readable(struct ux_sock *u, void *arg)
{
	(void)arg;
	return u->rq_head || u->shut_rd || u->dead ||
	       (u->type != SOCK_DGRAM && (u->state != UX_CONNECTED ||
					 !u->peer || u->peer->dead ||
					 u->peer->shut_wr));
}

/* Hand the skb's control data to the reader (cmsg moves to m->cmsg). */
static void ux_take_cmsg(struct ux_sock *u, struct ux_skb *skb,
			 struct sock_msg *m, bool peek)
{
	if (!m->cmsg)
		return;
	if (u->passcred) {
		m->cmsg->has_creds = true;
		m->cmsg->creds = skb->creds;
	}
	if (!skb->cmsg || !skb->cmsg->nfiles)
		return;
	for (int i = 0; i < skb->cmsg->nfiles; i++)
		m->cmsg->files[m->cmsg->nfiles++] =
			peek ? file_get(skb->cmsg->files[i])
			     : skb->cmsg->files[i];
	if (!peek)
		skb->cmsg->nfiles = 0;
}

static ssize_t ux_recvmsg(struct socket *s, struct sock_msg *m, int flags)
{
	struct ux_sock *u = s->priv;
	size_t want = vfs_iov_length(m->iov, m->iovcnt), got = 0;
	struct sock_cmsg *drop = NULL;
	bool peek = flags & MSG_PEEK;
	ssize_t err = 0;

	if (flags & MSG_OOB)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&ux_lock);
	for (;;) {
		struct ux_skb *skb = u->rq_head;
		if (!skb) {
			if (got && (u->type != SOCK_STREAM ||
				    !(flags & MSG_WAITALL) || got >= want))
				break;
			if (u->type != SOCK_DGRAM && u->state != UX_CONNECTED) {
				err = u->state == UX_LISTENING ? -EINVAL
							       : -ENOTCONN;
				break;
			}
			if (u->shut_rd || (u->type != SOCK_DGRAM &&
					   (!u->peer || u->peer->dead ||
					    u->peer->shut_wr)))
				break; /* EOF */
			if (sock_nonblock(s, flags)) {
				err = -EAGAIN;
				break;
			}
			pthread_mutex_unlock(&ux_lock);
			err = ux_wait(&u->wq, u, ux_readable, NULL,
				      &u->rcvtimeo);
			pthread_mutex_lock(&ux_lock);
			if (err)
				break;
			continue;
		}
		if (u->type != SOCK_STREAM) {
			/* One message per call; the rest of a long one is
			 * lost (MSG_TRUNC says so). */
			size_t n = RV_MIN(want, skb->len);
			if (n && vfs_iov_copy_out(m->iov, m->iovcnt, 0,
						  skb->data, n) != (ssize_t)n) {
				err = -EFAULT;
				break;
			}
			got = (flags & MSG_TRUNC) ? skb->len : n;
			if (skb->len > want)
				m->msg_flags |= MSG_TRUNC;
			if (u->type == SOCK_SEQPACKET)
				m->msg_flags |= MSG_EOR;
			if (u->type == SOCK_DGRAM) {
				memcpy(&m->addr, &skb->from, skb->fromlen);
				m->addrlen = skb->fromlen;
			}
			ux_take_cmsg(u, skb, m, peek);
			if (!peek) {
				u->rq_head = skb->next;
				if (!u->rq_head)
					u->rq_tail = NULL;
				u->rq_bytes -= skb->len;
				u->rq_count--;
				skb_free(skb, &drop);
			}
			break;
		}
		/* Stream: gather bytes across messages, but not past one
		 * that carries files (they belong with its first byte). */
		if (got && skb->cmsg && skb->cmsg->nfiles)
			break;
		struct ux_skb *it = skb;
		size_t off = it->off;
		while (it && got < want) {
			if (it != skb && it->cmsg && it->cmsg->nfiles)
				break;
			size_t n = RV_MIN(want - got, it->len - off);
			if (vfs_iov_copy_out(m->iov, m->iovcnt, got,
					     it->data + off, n) != (ssize_t)n) {
				err = -EFAULT;
				break;
			}
			if (got == 0 || it == skb)
				ux_take_cmsg(u, it, m, peek);
			got += n;
			if (peek) {
				off = 0;
				it = it->next;
				continue;
			}
			it->off += n;
			u->rq_bytes -= n;
			if (it->off == it->len) {
				u->rq_head = it->next;
				if (!u->rq_head)
					u->rq_tail = NULL;
				u->rq_count--;
				struct ux_skb *next = it->next;
				skb_free(it, &drop);
				it = next;
				off = 0;
			} else {
				break;
			}
		}
		if (err || peek || !(flags & MSG_WAITALL) || got >= want)
			break;
	}
	pthread_mutex_unlock(&ux_lock);
	if (got)
		waitq_wake(&u->wq, EPOLLOUT); /* room for the writer */
	drop_files(drop);
	if (got)
		return (ssize_t)got;
	return err;
}

static int ux_shutdown(struct socket *s, int how)
{
	struct ux_sock *u = s->priv, *p;
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	pthread_mutex_lock(&ux_lock);
	if (u->state != UX_CONNECTED && !(u->type == SOCK_DGRAM && u->peer)) {
		pthread_mutex_unlock(&ux_lock);
		return -ENOTCONN;
	}
	bool rd = how != SHUT_WR, wr = how != SHUT_RD;
	if (rd)
		u->shut_rd = true;
	if (wr)
		u->shut_wr = true;
	/* Stream and seqpacket: the peer sees the mirror image. */
	p = u->type != SOCK_DGRAM ? u->peer : NULL;
	if (p) {
		if (rd)
			p->shut_wr = true;
		if (wr)
			p->shut_rd = true;
	}
	pthread_mutex_unlock(&ux_lock);
	waitq_wake(&u->wq, 0);
	if (p)
		waitq_wake(&p->wq, 0);
	return 0;
}

static unsigned int ux_poll(struct socket *s, struct poll_table *pt)
{
	struct ux_sock *u = s->priv;
	unsigned int m = 0;
	poll_wait(&u->wq, pt);
	pthread_mutex_lock(&ux_lock);
	struct ux_sock *p = u->peer;
	if (p && u->type != SOCK_DGRAM)
		poll_wait(&p->wq, pt);
	if (u->so_error)
		m |= EPOLLERR;
	if (u->state == UX_LISTENING) {
		if (u->aq_head)
			m |= EPOLLIN | EPOLLRDNORM;
		pthread_mutex_unlock(&ux_lock);
		return m;
	}
	bool peer_gone = u->type != SOCK_DGRAM && u->state == UX_CONNECTED &&
			 (!p || p->dead);
	bool rd_shut = u->shut_rd || peer_gone;
	bool wr_shut = u->shut_wr || peer_gone;
	if (rd_shut && wr_shut)
		m |= EPOLLHUP;
	if (rd_shut)
		m |= EPOLLRDHUP | EPOLLIN | EPOLLRDNORM;
	if (u->rq_head)
		m |= EPOLLIN | EPOLLRDNORM;
	/* A connection-based socket that is not connected: hung up. */
	if (u->type != SOCK_DGRAM && u->state == UX_UNCONNECTED)
		m |= EPOLLHUP;
	bool writable;
	if (u->type == SOCK_DGRAM)
		writable = !p || ux_writable_locked(u, p, 1);
	else
		writable = !p || p->dead || p->rq_bytes < u->sndbuf;
	if (writable)
		m |= EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND;
	pthread_mutex_unlock(&ux_lock);
	return m;
}

/* --- options ------------------------------------------------------------- */

static int opt_int(const void *val, socklen_t len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static int opt_timeo(const void *val, socklen_t len, struct timespec *out)
{
	struct timeval tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		out->tv_sec = out->tv_nsec = 0; /* Linux: no timeout */
		return 0;
	}
	out->tv_sec = tv.tv_sec;
	out->tv_nsec = tv.tv_usec * 1000;
	return 0;
}

static int ux_setsockopt(struct socket *s, int level, int name,
			 const void *val, socklen_t len)
{
	struct ux_sock *u = s->priv;
	int v, err = 0;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	switch (name) {
	case SO_RCVTIMEO_OLD:
		return opt_timeo(val, len, &u->rcvtimeo);
	case SO_SNDTIMEO_OLD:
		return opt_timeo(val, len, &u->sndtimeo);
	}
	if ((err = opt_int(val, len, &v)))
		return err;
	pthread_mutex_lock(&ux_lock);
	switch (name) {
	case SO_PASSCRED:
		u->passcred = v != 0;
		break;
	case SO_SNDBUF:
	case SO_RCVBUF: {
		/* socket(7): the kernel doubles the value. */
		size_t b = (size_t)RV_MIN((uint64_t)(unsigned)v,
					  (uint64_t)UX_MAX_BUF / 2) * 2;
		b = RV_MAX(b, (size_t)UX_MIN_BUF);
		if (name == SO_SNDBUF)
			u->sndbuf = b;
		else
			u->rcvbuf = b;
		break;
	}
	case SO_REUSEADDR:
	case SO_REUSEPORT:
	case SO_KEEPALIVE:
	case SO_PASSSEC:
		break; /* accepted, meaningless for unix sockets */
	default:
		err = -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&ux_lock);
	if (name == SO_SNDBUF || name == SO_RCVBUF)
		waitq_wake(&u->wq, 0);
	return err;
}

static int ux_getsockopt(struct socket *s, int level, int name, void *val,
			 socklen_t *len)
{
	struct ux_sock *u = s->priv;
	int v = 0;
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	pthread_mutex_lock(&ux_lock);
	switch (name) {
	case SO_TYPE:
		v = u->type;
		break;
	case SO_DOMAIN:
		v = AF_UNIX;
		break;
	case SO_PROTOCOL:
		v = 0;
		break;
	case SO_ERROR:
		v = u->so_error;
		u->so_error = 0;
		break;
	case SO_SNDBUF:
		v = (int)u->sndbuf;
		break;
	case SO_RCVBUF:
		v = (int)u->rcvbuf;
		break;
	case SO_PASSCRED:
		v = u->passcred;
		break;
	case SO_ACCEPTCONN:
		v = u->state == UX_LISTENING;
		break;
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
		v = 0;
		break;
	case SO_PEERCRED: {
		struct ucred c = u->peercred;
		bool has = u->has_peercred;
		pthread_mutex_unlock(&ux_lock);
		if (!has) {
			/* Linux reports pid 0, uid/gid -1 (overflow ids). */
			c.pid = 0;
			c.uid = (uid_t)-1;
			c.gid = (gid_t)-1;
		}
		*len = RV_MIN(*len, (socklen_t)sizeof(c));
		memcpy(val, &c, *len);
		return 0;
	}
	case SO_RCVTIMEO_OLD:
	case SO_SNDTIMEO_OLD: {
		struct timespec ts = name == SO_RCVTIMEO_OLD ? u->rcvtimeo
							     : u->sndtimeo;
		pthread_mutex_unlock(&ux_lock);
		struct timeval tv = {ts.tv_sec, ts.tv_nsec / 1000};
		*len = RV_MIN(*len, (socklen_t)sizeof(tv));
		memcpy(val, &tv, *len);
		return 0;
	}
	default:
		pthread_mutex_unlock(&ux_lock);
		return -ENOPROTOOPT;
	}
	pthread_mutex_unlock(&ux_lock);
	*len = RV_MIN(*len, (socklen_t)sizeof(v));
	memcpy(val, &v, *len);
	return 0;
}

static long ux_ioctl(struct socket *s, struct task *t, unsigned int cmd,
		     uint64_t arg)
{
	struct ux_sock *u = s->priv;
	int n;
	/* Linux answers interface ioctls on any socket (glibc's
	 * if_nametoindex uses an AF_UNIX one). */
	if (cmd == SIOCGIFINDEX || cmd == SIOCGIFNAME)
		return inet_ifreq_ioctl(t, cmd, arg);
	if (cmd != FIONREAD && cmd != TIOCOUTQ)
		return -ENOTTY;
	pthread_mutex_lock(&ux_lock);
	if (cmd == FIONREAD)
		n = u->type == SOCK_STREAM ? (int)u->rq_bytes
		    : u->rq_head ? (int)u->rq_head->len : 0;
	else
		n = u->peer ? (int)u->peer->rq_bytes : 0;
	pthread_mutex_unlock(&ux_lock);
	return mm_copy_out(t->mm, arg, &n, sizeof(n)) < 0 ? -EFAULT : 0;
}

static void ux_release(struct socket *s)
{
	struct ux_sock *u = s->priv, *p;
	struct sock_cmsg *drop = NULL;
	pthread_mutex_lock(&ux_lock);
	u->dead = true;
	u->sock = NULL;
	if (u->addrlen)
		ux_unbind_locked(u);
	/* Connections never accepted die with the listener. */
	while (u->aq_head) {
		struct ux_sock *c = u->aq_head;
		u->aq_head = c->aq_next;
		c->dead = true;
		if (c->peer) {
			waitq_wake(&c->peer->wq, 0);
			ux_put(c->peer, &drop);
			c->peer = NULL;
		}
		ux_put(c, &drop);
	}
	u->aq_tail = NULL;
	p = u->peer;
	u->peer = NULL;
	/* Pending data (and files in flight) go with the socket. */
	while (u->rq_head) {
		struct ux_skb *skb = u->rq_head;
		u->rq_head = skb->next;
		skb_free(skb, &drop);
	}
	u->rq_tail = NULL;
	u->rq_bytes = 0;
	u->rq_count = 0;
	pthread_mutex_unlock(&ux_lock);
	waitq_wake(&u->wq, 0);
	if (p)
		waitq_wake(&p->wq, 0);
	pthread_mutex_lock(&ux_lock);
	if (p)
		ux_put(p, &drop);
	ux_put(u, &drop);
	pthread_mutex_unlock(&ux_lock);
	drop_files(drop);
}

void unix_proc_row(struct socket *s, uint64_t ino, char *buf, size_t cap)
{
	struct ux_sock *u = s->priv;
	char path[sizeof(u->addr.sun_path) + 2];
	size_t k = 0;
	pthread_mutex_lock(&ux_lock);
	/* The reference count as Linux's sk_refcnt reads: the socket's own
	 * two, one more while a peer holds it. SS_CONNECTED (3) for a
	 * connected socket (a datagram one connect()ed too), else
	 * SS_UNCONNECTED (1); __SO_ACCEPTCON while listening. */
	unsigned refs = 2 + (u->peer ? 1 : 0);
	unsigned flags = u->state == UX_LISTENING ? 1U << 16 : 0;
	unsigned st = u->state == UX_CONNECTED ||
				      (u->type == SOCK_DGRAM && u->peer)
			      ? 3
			      : 1;
	if (u->addrlen > offsetof(struct sockaddr_un, sun_path)) {
		/* unix_seq_show(): a path without its NUL; an abstract name
		 * as '@' and its bytes, each NUL shown as '@'. */
		size_t len = u->addrlen - offsetof(struct sockaddr_un, sun_path);
		size_t i = 0;
		path[k++] = ' ';
		if (u->addr.sun_path[0]) {
			len--;
		} else {
			path[k++] = '@';
			i++;
		}
		for (; i < len && k + 1 < sizeof(path); i++)
			path[k++] = u->addr.sun_path[i] ? u->addr.sun_path[i]
							: '@';
	}
	path[k] = 0;
	int type = u->type;
	pthread_mutex_unlock(&ux_lock);
	snprintf(buf, cap, "%016x: %08X %08X %08X %04X %02X %5llu%s\n", 0,
		 refs, 0, flags, (unsigned)type, st, (unsigned long long)ino,
		 path);
}

static const struct socket_ops unix_ops = {
	.bind = ux_bind,
	.connect = ux_connect,
	.listen = ux_listen,
	.accept = ux_accept,
	.sendmsg = ux_sendmsg,
	.recvmsg = ux_recvmsg,
	.shutdown = ux_shutdown,
	.getname = ux_getname,
	.setsockopt = ux_setsockopt,
	.getsockopt = ux_getsockopt,
	.poll = ux_poll,
	.ioctl = ux_ioctl,
	.release = ux_release,
};
