/* Socket system calls (Linux's net/socket.c): everything the app passes
 * is copied in and checked here (address lengths, msghdr, iovecs, control
 * messages, option lengths); the families in sentry/net/ see only sentry
 * buffers. SCM_RIGHTS fds become file references on the way in and new
 * fds on the way out. */
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/net/socket.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

#ifndef UIO_MAXIOV
#define UIO_MAXIOV 1024
#endif
#define OPTMEM_MAX 20480 /* net.core.optmem_max: control data per call */

static void set_fd_limit(struct task *t)
{
	if (t->tg)
		fd_set_thread_limit(t->tg->rlim[RLIMIT_NOFILE].rlim_cur);
}

/* The socket at fd, with the file's reference in *fp. */
static struct socket *sock_get(struct task *t, int fd, struct file **fp,
			       long *err)
{
	struct file *f = fd_get(t->files, fd);
	*fp = f;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	struct socket *s = sock_from_file(f);
	if (!s) {
		file_put(f);
		*fp = NULL;
		*err = -ENOTSOCK;
	}
	return s;
}

static int addr_in(struct task *t, uint64_t uaddr, uint64_t ulen,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	/* move_addr_to_kernel(): a length outside [0, sizeof storage] is
	 * EINVAL, before looking at the memory. */
	if ((int)ulen < 0 || ulen > sizeof(*ss))
		return -EINVAL;
	memset(ss, 0, sizeof(*ss));
	if (ulen && mm_copy_in(t->mm, ss, uaddr, ulen) < 0)
		return -EFAULT;
	*len = (socklen_t)ulen;
	return 0;
}

/* move_addr_to_user(): copy at most *ulen bytes, store the full length. */
static int addr_out(struct task *t, const struct sockaddr_storage *ss,
		    socklen_t len, uint64_t uaddr, uint64_t ulenp)
{
	int ulen;
	if (!uaddr)
		return 0;
	if (mm_copy_in(t->mm, &ulen, ulenp, sizeof(ulen)) < 0)
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	size_t n = RV_MIN((size_t)ulen, (size_t)len);
	if (n && mm_copy_out(t->mm, uaddr, ss, n) < 0)
		return -EFAULT;
	int l = (int)len;
	if (mm_copy_out(t->mm, ulenp, &l, sizeof(l)) < 0)
		return -EFAULT;
	return 0;
}

static long install_sock(struct task *t, struct file *f, bool cloexec)
{
	set_fd_limit(t);
	int fd = fd_install(t->files, f, 0, cloexec);
	file_put(f);
	return fd;
}

/* --- creation ------------------------------------------------------------ */

long sys_socket(struct task *t, const uint64_t a[6])
{
	int family = (int)a[0], type = (int)a[1], proto = (int)a[2];
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct socket *s;
	int err;
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (type < 0 || type >= 11) /* SOCK_MAX */
		return -EINVAL;
	switch (family) {
	case AF_UNIX:
		err = unix_create(type, proto, &s);
		break;
	case AF_INET:
	case AF_INET6:
		err = inet_create(family, type, proto, &s);
		break;
	case AF_NETLINK:
		err = netlink_create(type, proto, &s);
		break;
	default:
		return -EAFNOSUPPORT;
	}
	if (err)
		return err;
	return install_sock(t, sock_file_create(s, flags),
			    flags & SOCK_CLOEXEC);
}

long sys_socketpair(struct task *t, const uint64_t a[6])
{
	int family = (int)a[0], type = (int)a[1], proto = (int)a[2];
	int flags = type & (SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct socket *s[2];
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (type < 0 || type >= 11)
		return -EINVAL;
	if (family != AF_UNIX)
		return family == AF_INET || family == AF_INET6 ? -EOPNOTSUPP
							       : -EAFNOSUPPORT;
	int err = unix_socketpair(type, proto, s);
	if (err)
		return err;
	struct file *f0 = sock_file_create(s[0], flags);
	struct file *f1 = sock_file_create(s[1], flags);
	set_fd_limit(t);
	int fds[2] = {fd_install(t->files, f0, 0, flags & SOCK_CLOEXEC), -1};
	if (fds[0] >= 0)
		fds[1] = fd_install(t->files, f1, 0, flags & SOCK_CLOEXEC);
	file_put(f0);
	file_put(f1);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(t->files, fds[0]);
		return fds[0] < 0 ? fds[0] : fds[1];
	}
	if (mm_copy_out(t->mm, a[3], fds, sizeof(fds)) < 0) {
		fd_close(t->files, fds[0]);
		fd_close(t->files, fds[1]);
		return -EFAULT;
	}
	return 0;
}

/* --- connections --------------------------------------------------------- */

static long bind_or_connect(struct task *t, const uint64_t a[6], bool bind)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct file *f;
	long err;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = addr_in(t, a[1], a[2], &ss, &len);
	if (!err)
		err = bind ? s->ops->bind(s, (struct sockaddr *)&ss, len)
			   : s->ops->connect(s, (struct sockaddr *)&ss, len);
	file_put(f);
	return err;
}

long sys_bind(struct task *t, const uint64_t a[6])
{
	return bind_or_connect(t, a, true);
}

long sys_connect(struct task *t, const uint64_t a[6])
{
	return bind_or_connect(t, a, false);
}

long sys_listen(struct task *t, const uint64_t a[6])
{
	struct file *f;
	long err;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = s->ops->listen(s, (int)a[1]);
	file_put(f);
	return err;
}

static long do_accept(struct task *t, int fd, uint64_t uaddr, uint64_t ulen,
		      int flags)
{
	struct file *f, *nf;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	long err;
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	struct socket *s = sock_get(t, fd, &f, &err);
	if (!s)
		return err;
	if (s->type != SOCK_STREAM && s->type != SOCK_SEQPACKET) {
		file_put(f);
		return -EOPNOTSUPP;
	}
	err = s->ops->accept(s, flags, &nf, uaddr ? &ss : NULL, &len);
	file_put(f);
	if (err)
		return err;
	set_fd_limit(t);
	int nfd = fd_install(t->files, nf, 0, flags & SOCK_CLOEXEC);
	file_put(nf);
	if (nfd < 0)
		return nfd;
	if ((err = addr_out(t, &ss, len, uaddr, ulen))) {
		fd_close(t->files, nfd);
		return err;
	}
	return nfd;
}

long sys_accept(struct task *t, const uint64_t a[6])
{
	return do_accept(t, (int)a[0], a[1], a[2], 0);
}

long sys_accept4(struct task *t, const uint64_t a[6])
{
	return do_accept(t, (int)a[0], a[1], a[2], (int)a[3]);
}

long sys_shutdown(struct task *t, const uint64_t a[6])
{
	struct file *f;
	long err;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = s->ops->shutdown(s, (int)a[1]);
	file_put(f);
	return err;
}

static long get_name(struct task *t, const uint64_t a[6], bool peer)
{
	struct file *f;
	struct sockaddr_storage ss;
	socklen_t len = 0;
	long err;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = s->ops->getname(s, &ss, &len, peer);
	file_put(f);
	if (err)
		return err;
	if (!a[1])
		return -EFAULT;
	return addr_out(t, &ss, len, a[1], a[2]);
}

long sys_getsockname(struct task *t, const uint64_t a[6])
{
	return get_name(t, a, false);
}

long sys_getpeername(struct task *t, const uint64_t a[6])
{
	return get_name(t, a, true);
}

/* --- control messages ---------------------------------------------------- */

/* Parse the app's control data (already in sentry memory) for AF_UNIX:
 * SCM_RIGHTS and SCM_CREDENTIALS. Other families ignore control data. */
static int cmsg_parse(struct task *t, struct socket *s, const char *buf,
		      size_t len, struct sock_cmsg *c)
{
	size_t off = 0;
	while (len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return -EINVAL;
		const char *data = buf + off + CMSG_LEN(0);
		size_t dlen = h.cmsg_len - CMSG_LEN(0);
		if (h.cmsg_level == SOL_SOCKET && s->family == AF_UNIX) {
			if (h.cmsg_type == SCM_RIGHTS) {
				size_t n = dlen / sizeof(int);
				if (!n || c->nfiles + n > SOCK_MAX_FDS)
					return -EINVAL;
				for (size_t i = 0; i < n; i++) {
					int fd;
					memcpy(&fd, data + i * sizeof(int),
					       sizeof(fd));
					struct file *f = fd_get(t->files, fd);
					if (!f)
						return -EBADF;
					c->files[c->nfiles++] = f;
				}
			} else if (h.cmsg_type == SCM_CREDENTIALS) {
				struct ucred u;
				if (dlen != sizeof(u))
					return -EINVAL;
				memcpy(&u, data, sizeof(u));
				/* unix(7): one's own pid, and a uid/gid one
				 * holds (without CAP_SETUID/SETGID). */
				const struct cred *cr = &t->cred;
				if (u.pid != t->tg->tgid ||
				    (u.uid != cr->uid && u.uid != cr->euid &&
				     u.uid != cr->suid) ||
				    (u.gid != cr->gid && u.gid != cr->egid &&
				     u.gid != cr->sgid))
					return -EPERM;
				c->has_creds = true;
				c->creds = u;
			} else {
				return -EINVAL;
			}
		}
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

/* Control data for a host socket: well-formed headers of the IP and IPv6
 * levels only. SOL_SOCKET is refused: SCM_RIGHTS there would name host
 * descriptors. */
static int cmsg_check_raw(const char *buf, size_t len)
{
	size_t off = 0;
	while (len - off >= sizeof(struct cmsghdr)) {
		struct cmsghdr h;
		memcpy(&h, buf + off, sizeof(h));
		if (h.cmsg_len < sizeof(h) || h.cmsg_len > len - off)
			return -EINVAL;
		if (h.cmsg_level != IPPROTO_IP && h.cmsg_level != IPPROTO_IPV6)
			return -EINVAL;
		off += CMSG_ALIGN(h.cmsg_len);
		if (off > len)
			break;
	}
	return 0;
}

/* Build the reader's control data: credentials, then received files as
 * new fds, as many as fit (the rest are closed: MSG_CTRUNC). */
static size_t cmsg_build(struct task *t, struct sock_cmsg *c, char *buf,
			 size_t cap, int flags, int *msg_flags)
{
	size_t off = 0;
	if (c->has_creds) {
		if (cap - off >= CMSG_LEN(sizeof(struct ucred))) {
			struct cmsghdr h = {.cmsg_len =
				CMSG_LEN(sizeof(struct ucred)),
				.cmsg_level = SOL_SOCKET,
				.cmsg_type = SCM_CREDENTIALS};
			memcpy(buf + off, &h, sizeof(h));
			memcpy(buf + off + CMSG_LEN(0), &c->creds,
			       sizeof(c->creds));
			off += RV_MIN(CMSG_SPACE(sizeof(struct ucred)),
				      cap - off);
		} else {
			*msg_flags |= MSG_CTRUNC;
		}
	}
	if (c->nfiles) {
		size_t room = cap - off >= CMSG_LEN(0) ?
			(cap - off - CMSG_LEN(0)) / sizeof(int) : 0;
		size_t n = RV_MIN(room, (size_t)c->nfiles), k = 0;
		set_fd_limit(t);
		for (; k < n; k++) {
			int fd = fd_install(t->files, c->files[k], 0,
					    flags & MSG_CMSG_CLOEXEC);
			if (fd < 0)
				break;
			memcpy(buf + off + CMSG_LEN(0) + k * sizeof(int), &fd,
			       sizeof(fd));
		}
		if (k < (size_t)c->nfiles)
			*msg_flags |= MSG_CTRUNC;
		if (k) {
			struct cmsghdr h = {.cmsg_len =
				CMSG_LEN(k * sizeof(int)),
				.cmsg_level = SOL_SOCKET,
				.cmsg_type = SCM_RIGHTS};
			memcpy(buf + off, &h, sizeof(h));
			off += RV_MIN(CMSG_SPACE(k * sizeof(int)), cap - off);
		}
	}
	sock_cmsg_release(c); /* installed ones hold their own reference */
	return off;
}

/* --- data ---------------------------------------------------------------- */

struct kmsg {
	struct msghdr h;          /* the app's, pointers unchecked */
	struct iovec *iov;        /* the app's iovecs, copied in */
};

static int iov_in(struct task *t, uint64_t uiov, uint64_t n,
		  struct iovec **out)
{
	if (n > UIO_MAXIOV)
		return -EMSGSIZE;
	struct iovec *v = rv_xmalloc((n ? n : 1) * sizeof(*v));
	if (n && mm_copy_in(t->mm, v, uiov, n * sizeof(*v)) < 0) {
		free(v);
		return -EFAULT;
	}
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		if ((ssize_t)v[i].iov_len < 0 ||
		    __builtin_add_overflow(total, v[i].iov_len, &total) ||
		    total > (size_t)SSIZE_MAX) {
			free(v);
			return -EINVAL;
		}
	*out = v;
	return 0;
}

static long do_send(struct task *t, struct socket *s, struct iovec *app,
		    int n, const struct sockaddr_storage *addr,
		    socklen_t alen, const char *ctl, size_t ctllen, int flags)
{
	struct vfs_uiov u;
	struct sock_cmsg *c = rv_xcalloc(1, sizeof(*c));
	struct sock_msg m = {.addrlen = alen, .cmsg = c};
	long r;
	if (ctllen && s->family == AF_UNIX &&
	    (r = cmsg_parse(t, s, ctl, ctllen, c)))
		goto out;
	if (ctllen && s->family != AF_UNIX) {
		if ((r = cmsg_check_raw(ctl, ctllen)))
			goto out;
		m.raw_ctl = (void *)ctl;
		m.raw_ctllen = ctllen;
	}
	if (alen)
		memcpy(&m.addr, addr, sizeof(m.addr));
	if ((r = vfs_uiov_build(t, app, n, false, &u)))
		goto out;
	m.iov = u.iov;
	m.iovcnt = (int)u.cnt;
	r = s->ops->sendmsg(s, &m, flags);
	vfs_uiov_free(&u);
out:
	sock_cmsg_release(c);
	free(c);
	return r;
}

long sys_sendto(struct task *t, const uint64_t a[6])
{
	struct sockaddr_storage ss;
	socklen_t alen = 0;
	struct file *f;
	long err;
	struct iovec iov = {(void *)(uintptr_t)a[1], (size_t)a[2]};
	if ((ssize_t)iov.iov_len < 0)
		iov.iov_len = VFS_MAX_RW_COUNT;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	if (a[4] && (err = addr_in(t, a[4], a[5], &ss, &alen)))
		goto out;
	err = do_send(t, s, &iov, 1, &ss, a[4] ? alen : 0, NULL, 0,
		      (int)a[3]);
out:
	file_put(f);
	return err;
}

static long do_recv(struct task *t, struct socket *s, struct iovec *app,
		    int n, struct sockaddr_storage *addr, socklen_t *alen,
		    char *ctl, size_t *ctllen, int flags, int *msg_flags)
{
	struct vfs_uiov u;
	struct sock_cmsg *c = rv_xcalloc(1, sizeof(*c));
	struct sock_msg m = {.cmsg = c};
	long r = vfs_uiov_build(t, app, n, true, &u);
	if (r) {
		free(c);
		return r;
	}
	m.iov = u.iov;
	m.iovcnt = (int)u.cnt;
	if (ctl && s->family != AF_UNIX) {
		m.raw_ctl = ctl;
		m.raw_ctllen = *ctllen;
	}
	r = s->ops->recvmsg(s, &m, flags);
	vfs_uiov_free(&u);
	*msg_flags = m.msg_flags;
	if (ctl && s->family != AF_UNIX) {
		*ctllen = r >= 0 ? RV_MIN(m.raw_ctllen, *ctllen) : 0;
		ctl = NULL;
	}
	if (addr) {
		memcpy(addr, &m.addr, sizeof(*addr));
		*alen = m.addrlen;
	}
	if (ctl)
		*ctllen = cmsg_build(t, c, ctl, *ctllen, flags, msg_flags);
	else if (c->nfiles)
		*msg_flags |= MSG_CTRUNC;
	sock_cmsg_release(c);
	free(c);
	return r;
}

long sys_recvfrom(struct task *t, const uint64_t a[6])
{
	struct sockaddr_storage ss;
	socklen_t alen = 0;
	struct file *f;
	long err;
	int mf = 0;
	struct iovec iov = {(void *)(uintptr_t)a[1], (size_t)a[2]};
	if ((ssize_t)iov.iov_len < 0)
		iov.iov_len = VFS_MAX_RW_COUNT;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = do_recv(t, s, &iov, 1, &ss, &alen, NULL, NULL, (int)a[3], &mf);
	file_put(f);
	if (err >= 0 && a[4]) {
		long e = addr_out(t, &ss, alen, a[4], a[5]);
		if (e)
			return e;
	}
	return err;
}

/* One sendmsg of a msghdr at umsg. */
static long sendmsg_one(struct task *t, struct socket *s, uint64_t umsg,
			int flags)
{
	struct msghdr h;
	struct iovec *iov;
	struct sockaddr_storage ss;
	socklen_t alen = 0;
	char *ctl = NULL;
	long r;
	if (mm_copy_in(t->mm, &h, umsg, sizeof(h)) < 0)
		return -EFAULT;
	if (h.msg_name && h.msg_namelen &&
	    (r = addr_in(t, (uint64_t)(uintptr_t)h.msg_name, h.msg_namelen,
			 &ss, &alen)))
		return r;
	if (h.msg_controllen > OPTMEM_MAX)
		return -ENOBUFS;
	if ((r = iov_in(t, (uint64_t)(uintptr_t)h.msg_iov, h.msg_iovlen,
			&iov)))
		return r;
	if (h.msg_controllen) {
		ctl = rv_xmalloc(h.msg_controllen);
		if (mm_copy_in(t->mm, ctl, (uint64_t)(uintptr_t)h.msg_control,
			       h.msg_controllen) < 0) {
			r = -EFAULT;
			goto out;
		}
	}
	r = do_send(t, s, iov, (int)h.msg_iovlen, &ss,
		    h.msg_name ? alen : 0, ctl, h.msg_controllen, flags);
out:
	free(ctl);
	free(iov);
	return r;
}

static long recvmsg_one(struct task *t, struct socket *s, uint64_t umsg,
			int flags)
{
	struct msghdr h;
	struct iovec *iov;
	struct sockaddr_storage ss;
	socklen_t alen = 0;
	char *ctl = NULL;
	size_t ctllen;
	int mf = 0;
	long r;
	if (mm_copy_in(t->mm, &h, umsg, sizeof(h)) < 0)
		return -EFAULT;
	if ((int)h.msg_namelen < 0)
		return -EINVAL;
	if ((r = iov_in(t, (uint64_t)(uintptr_t)h.msg_iov, h.msg_iovlen,
			&iov)))
		return r;
	ctllen = RV_MIN(h.msg_controllen, (size_t)OPTMEM_MAX);
	if (h.msg_control && ctllen)
		ctl = rv_xcalloc(1, ctllen);
	else
		ctllen = 0;
	r = do_recv(t, s, iov, (int)h.msg_iovlen, &ss, &alen, ctl,
		    ctl ? &ctllen : NULL, flags, &mf);
	free(iov);
	if (r < 0)
		goto out;
	/* Write back the source address, control data and flags. */
	if (h.msg_name) {
		size_t n = RV_MIN((size_t)h.msg_namelen, (size_t)alen);
		if (n && mm_copy_out(t->mm, (uint64_t)(uintptr_t)h.msg_name,
				     &ss, n) < 0) {
			r = -EFAULT;
			goto out;
		}
		h.msg_namelen = alen;
	} else {
		h.msg_namelen = 0;
	}
	if (ctl && ctllen &&
	    mm_copy_out(t->mm, (uint64_t)(uintptr_t)h.msg_control, ctl,
			ctllen) < 0) {
		r = -EFAULT;
		goto out;
	}
	h.msg_controllen = ctl ? ctllen : 0;
	h.msg_flags = mf;
	if (mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_namelen),
			&h.msg_namelen, sizeof(h.msg_namelen)) < 0 ||
	    mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_controllen),
			&h.msg_controllen, sizeof(h.msg_controllen)) < 0 ||
	    mm_copy_out(t->mm, umsg + offsetof(struct msghdr, msg_flags),
			&h.msg_flags, sizeof(h.msg_flags)) < 0)
		r = -EFAULT;
out:
	free(ctl);
	return r;
}

long sys_sendmsg(struct task *t, const uint64_t a[6])
{
	struct file *f;
	long err;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = sendmsg_one(t, s, a[1], (int)a[2]);
	file_put(f);
	return err;
}

long sys_recvmsg(struct task *t, const uint64_t a[6])
{
	struct file *f;
	long err;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	err = recvmsg_one(t, s, a[1], (int)a[2]);
	file_put(f);
	return err;
}

/* sendmmsg/recvmmsg: the count done, or the first error if none was. */
static long mmsg(struct task *t, const uint64_t a[6], bool send)
{
	struct file *f;
	long err;
	unsigned int vlen = (unsigned int)RV_MIN(a[2], (uint64_t)UIO_MAXIOV);
	int flags = (int)a[3];
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	unsigned int i = 0;
	err = 0;
	for (; i < vlen; i++) {
		uint64_t um = a[1] + (uint64_t)i * sizeof(struct mmsghdr);
		int fl = flags & ~MSG_WAITFORONE;
		if (!send && (flags & MSG_WAITFORONE) && i)
			fl |= MSG_DONTWAIT;
		long r = send ? sendmsg_one(t, s, um, fl)
			      : recvmsg_one(t, s, um, fl);
		if (r < 0) {
			err = r;
			break;
		}
		unsigned int len = (unsigned int)r;
		if (mm_copy_out(t->mm, um + offsetof(struct mmsghdr, msg_len),
				&len, sizeof(len)) < 0) {
			err = -EFAULT;
			break;
		}
	}
	file_put(f);
	return i ? (long)i : err;
}

long sys_sendmmsg(struct task *t, const uint64_t a[6])
{
	return mmsg(t, a, true);
}

long sys_recvmmsg(struct task *t, const uint64_t a[6])
{
	return mmsg(t, a, false);
}

/* --- options ------------------------------------------------------------- */

long sys_setsockopt(struct task *t, const uint64_t a[6])
{
	char buf[SOCK_OPT_MAX];
	struct file *f;
	long err;
	if ((int)a[4] < 0)
		return -EINVAL;
	socklen_t len = (socklen_t)RV_MIN(a[4], (uint64_t)sizeof(buf));
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	memset(buf, 0, sizeof(buf));
	if (len && mm_copy_in(t->mm, buf, a[3], len) < 0)
		err = -EFAULT;
	else
		err = s->ops->setsockopt(s, (int)a[1], (int)a[2], buf, len);
	file_put(f);
	return err;
}

long sys_getsockopt(struct task *t, const uint64_t a[6])
{
	char buf[SOCK_OPT_MAX];
	struct file *f;
	long err;
	int ulen;
	if (mm_copy_in(t->mm, &ulen, a[4], sizeof(ulen)) < 0)
		return -EFAULT;
	if (ulen < 0)
		return -EINVAL;
	struct socket *s = sock_get(t, (int)a[0], &f, &err);
	if (!s)
		return err;
	socklen_t len = (socklen_t)RV_MIN((size_t)ulen, sizeof(buf));
	memset(buf, 0, sizeof(buf));
	err = s->ops->getsockopt(s, (int)a[1], (int)a[2], buf, &len);
	file_put(f);
	if (err)
		return err;
	if (len && mm_copy_out(t->mm, a[3], buf, len) < 0)
		return -EFAULT;
	ulen = (int)len;
	if (mm_copy_out(t->mm, a[4], &ulen, sizeof(ulen)) < 0)
		return -EFAULT;
	return 0;
}
