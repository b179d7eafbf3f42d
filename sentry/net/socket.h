/* Sockets: one ops table per family behind a socket file (Linux's
 * struct proto_ops). AF_UNIX lives entirely in the sentry (unix.c);
 * AF_INET/AF_INET6 pass through to host sockets (inet.c, "hostinet").
 *
 * The syscall layer (syscalls/socket.c) copies and checks everything that
 * comes from the app (addresses, msghdr, control messages) and hands the
 * families sentry buffers and sentry iovecs; it turns SCM_RIGHTS fds into
 * file references and back. */
#ifndef RV_NET_SOCKET_H
#define RV_NET_SOCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>

struct file;
struct task;
struct poll_table;

/* Control data of one message, in sentry form. */
#define SOCK_MAX_FDS 253 /* Linux's SCM_MAX_FD */
struct sock_cmsg {
	struct file *files[SOCK_MAX_FDS]; /* SCM_RIGHTS, references held */
	int nfiles;
	bool has_creds;                   /* SCM_CREDENTIALS */
	struct ucred creds;
};
void sock_cmsg_release(struct sock_cmsg *);

/* One sendmsg/recvmsg in sentry form. */
struct sock_msg {
	const struct iovec *iov;   /* sentry iovecs (app memory via mm) */
	int iovcnt;
	struct sockaddr_storage addr; /* send: destination; recv: source */
	socklen_t addrlen;         /* 0: none */
	struct sock_cmsg *cmsg;    /* send: may be NULL; recv: filled if set */
	/* Other families: control data as bytes (send: checked by the
	 * syscall layer; recv: capacity in, length out). */
	void *raw_ctl;
	size_t raw_ctllen;
	int msg_flags;             /* recv: MSG_TRUNC, MSG_CTRUNC, MSG_EOR */
};

struct socket;
struct socket_ops {
	int (*bind)(struct socket *, const struct sockaddr *, socklen_t);
	int (*connect)(struct socket *, const struct sockaddr *, socklen_t);
	int (*listen)(struct socket *, int backlog);
	/* A new socket file (refs 1) with flags SOCK_NONBLOCK applied; the
	 * peer's address into addr/len when addr is not NULL. */
	int (*accept)(struct socket *, int flags, struct file **out,
		      struct sockaddr_storage *addr, socklen_t *len);
	ssize_t (*sendmsg)(struct socket *, struct sock_msg *, int flags);
	ssize_t (*recvmsg)(struct socket *, struct sock_msg *, int flags);
	int (*shutdown)(struct socket *, int how);
	int (*getname)(struct socket *, struct sockaddr_storage *,
		       socklen_t *, bool peer);
	/* val/len: sentry buffer of at most SOCK_OPT_MAX bytes. */
	int (*setsockopt)(struct socket *, int level, int name,
			  const void *val, socklen_t len);
	int (*getsockopt)(struct socket *, int level, int name, void *val,
			  socklen_t *len);
	unsigned int (*poll)(struct socket *, struct poll_table *);
	long (*ioctl)(struct socket *, struct task *, unsigned int cmd,
		      uint64_t arg);
	void (*release)(struct socket *);
};

#define SOCK_OPT_MAX 256

struct socket {
	const struct socket_ops *ops;
	struct file *file;  /* not a reference: the file owns the socket */
	int family, type, protocol;
	void *priv;
	/* The sandbox's list of socket files, for /proc/net. */
	struct socket *all_prev, *all_next;
	uid_t uid;          /* the creator's, /proc/net's uid column */
};

/* /proc/net: the files of every open socket of family, oldest first, each
 * with a reference (file_put). Returns the count; *out is freed by the
 * caller. */
size_t sock_collect(int family, struct file ***out);
/* /proc/net/unix: a unix socket's row (Linux's unix_seq_show()) into buf
 * (NUL terminated, truncated to cap). */
void unix_proc_row(struct socket *, uint64_t ino, char *buf, size_t cap);

/* The socket behind a file, or NULL (ENOTSOCK). */
struct socket *sock_from_file(struct file *);
/* A socket file (refs 1) for a socket already filled in; flags are
 * SOCK_NONBLOCK. */
struct file *sock_file_create(struct socket *, int flags);
/* Is the file in non-blocking mode (O_NONBLOCK, or MSG_DONTWAIT given)? */
bool sock_nonblock(struct socket *, int msg_flags);
/* EPIPE on a send raises SIGPIPE in the caller unless MSG_NOSIGNAL. */
void sock_sigpipe(int msg_flags);

/* Families. */
int unix_create(int type, int protocol, struct socket **out);
int unix_socketpair(int type, int protocol, struct socket *out[2]);
int inet_create(int family, int type, int protocol, struct socket **out);
/* AF_NETLINK, NETLINK_ROUTE only, read requests only (inet.c). */
int netlink_create(int type, int protocol, struct socket **out);
/* SIOCGIFINDEX / SIOCGIFNAME for sockets of any family (inet.c). */
long inet_ifreq_ioctl(struct task *, unsigned int cmd, uint64_t arg);

#endif
