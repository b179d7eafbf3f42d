/* --strace output: see strace.h. */
#include "syscalls/strace.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <linux/sched.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

struct sbuf {
	char b[1024];
	size_t n;
};

static void sb_printf(struct sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	if (s->n >= sizeof(s->b) - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(s->b + s->n, sizeof(s->b) - s->n, fmt, ap);
	va_end(ap);
	if (m > 0)
		s->n = RV_MIN(s->n + (size_t)m, sizeof(s->b) - 1);
}

struct flag_name {
	uint64_t v;
	const char *n;
};
#define F(x) {x, #x}

static const struct flag_name open_flags[] = {
	F(O_WRONLY), F(O_RDWR), F(O_CREAT), F(O_EXCL), F(O_NOCTTY),
	F(O_TRUNC), F(O_APPEND), F(O_NONBLOCK), F(O_DSYNC), F(O_DIRECT),
	F(O_LARGEFILE), F(O_DIRECTORY), F(O_NOFOLLOW), F(O_NOATIME),
	F(O_CLOEXEC), F(O_PATH), F(O_SYNC), F(O_TMPFILE), {0, NULL}};
static const struct flag_name prot_flags[] = {
	F(PROT_READ), F(PROT_WRITE), F(PROT_EXEC), {0, NULL}};
static const struct flag_name mmap_flags[] = {
	F(MAP_SHARED), F(MAP_PRIVATE), F(MAP_FIXED), F(MAP_ANONYMOUS),
	F(MAP_GROWSDOWN), F(MAP_DENYWRITE), F(MAP_NORESERVE),
	F(MAP_POPULATE), F(MAP_STACK), F(MAP_FIXED_NOREPLACE), {0, NULL}};
static const struct flag_name at_flags[] = {
	F(AT_SYMLINK_NOFOLLOW), F(AT_REMOVEDIR), F(AT_SYMLINK_FOLLOW),
	F(AT_NO_AUTOMOUNT), F(AT_EMPTY_PATH), F(AT_EACCESS), {0, NULL}};
static const struct flag_name clone_flags[] = {
	F(CLONE_VM), F(CLONE_FS), F(CLONE_FILES), F(CLONE_SIGHAND),
	F(CLONE_PIDFD), F(CLONE_PTRACE), F(CLONE_VFORK), F(CLONE_PARENT),
	F(CLONE_THREAD), F(CLONE_NEWNS), F(CLONE_SYSVSEM), F(CLONE_SETTLS),
	F(CLONE_PARENT_SETTID), F(CLONE_CHILD_CLEARTID),
	F(CLONE_CHILD_SETTID), {0, NULL}};
static const struct flag_name fcntl_cmds[] = {
	F(F_DUPFD), F(F_GETFD), F(F_SETFD), F(F_GETFL), F(F_SETFL),
	F(F_GETLK), F(F_SETLK), F(F_SETLKW), F(F_DUPFD_CLOEXEC),
	F(F_SETPIPE_SZ), F(F_GETPIPE_SZ), F(F_OFD_GETLK), F(F_OFD_SETLK),
	F(F_OFD_SETLKW), F(F_ADD_SEALS), F(F_GET_SEALS), {0, NULL}};
static const struct flag_name ioctl_cmds[] = {
	F(TCGETS), F(TCSETS), F(TCSETSW), F(TCSETSF), F(TIOCGWINSZ),
	F(TIOCSWINSZ), F(TIOCGPGRP), F(TIOCSPGRP), F(FIONREAD), F(FIONBIO),
	F(FIOCLEX), F(FIONCLEX), F(TIOCSCTTY), F(TIOCGSID), {0, NULL}};
static const struct flag_name whences[] = {
	F(SEEK_SET), F(SEEK_CUR), F(SEEK_END), F(SEEK_DATA), F(SEEK_HOLE),
	{0, NULL}};

static void print_flags(struct sbuf *s, const struct flag_name *t, uint64_t v)
{
	bool any = false;
	for (; t->n; t++) {
		if (t->v && (v & t->v) == t->v) {
			sb_printf(s, "%s%s", any ? "|" : "", t->n);
			v &= ~t->v;
			any = true;
		}
	}
	if (v || !any)
		sb_printf(s, "%s%#lx", any ? "|" : "", (unsigned long)v);
}

static void print_enum(struct sbuf *s, const struct flag_name *t, uint64_t v)
{
	for (; t->n; t++)
		if (t->v == v) {
			sb_printf(s, "%s", t->n);
			return;
		}
	sb_printf(s, "%#lx", (unsigned long)v);
}

/* A string or buffer from app memory, escaped, at most 32 bytes shown. */
static void print_bytes(struct sbuf *s, struct task *t, uint64_t addr,
			size_t len, bool is_str)
{
	unsigned char b[33];
	size_t n = RV_MIN(len, 32);
	if (!addr) {
		sb_printf(s, "NULL");
		return;
	}
	if (is_str) {
		ssize_t r = mm_copy_in_str(t->mm, (char *)b, addr, sizeof(b));
		if (r == -EFAULT) {
			sb_printf(s, "%#lx", (unsigned long)addr);
			return;
		}
		n = r < 0 ? 32 : (size_t)r;
		len = r < 0 ? 33 : n;
	} else if (mm_copy_in(t->mm, b, addr, n) < 0) {
		sb_printf(s, "%#lx", (unsigned long)addr);
		return;
	}
	sb_printf(s, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];
		switch (c) {
		case '\n': sb_printf(s, "\\n"); break;
		case '\t': sb_printf(s, "\\t"); break;
		case '\r': sb_printf(s, "\\r"); break;
		case '"': sb_printf(s, "\\\""); break;
		case '\\': sb_printf(s, "\\\\"); break;
		default:
			if (c >= 32 && c < 127)
				sb_printf(s, "%c", c);
			else
				sb_printf(s, "\\%o", c);
		}
	}
	sb_printf(s, "\"%s", len > n ? "..." : "");
}

static void print_arg(struct sbuf *s, struct task *t, int kind,
		      const uint64_t a[6], int i, long ret, bool done)
{
	uint64_t v = a[i];
	switch (kind) {
	case A_INT: sb_printf(s, "%ld", (long)v); break;
	case A_UINT: case A_SIZE: sb_printf(s, "%lu", (unsigned long)v); break;
	case A_MODE: sb_printf(s, "%#lo", (unsigned long)v); break;
	case A_FD:
		if ((int)v == AT_FDCWD)
			sb_printf(s, "AT_FDCWD");
		else
			sb_printf(s, "%d", (int)v);
		break;
	case A_PTR: case A_STRV:
		if (v)
			sb_printf(s, "%#lx", (unsigned long)v);
		else
			sb_printf(s, "NULL");
		break;
	case A_PATH: print_bytes(s, t, v, 4096, true); break;
	case A_BUF_IN: print_bytes(s, t, v, i < 5 ? a[i + 1] : 0, false); break;
	case A_BUF_OUT:
		if (done && ret > 0)
			print_bytes(s, t, v, (size_t)ret, false);
		else
			sb_printf(s, "%#lx", (unsigned long)v);
		break;
	case A_OPEN_FLAGS:
		if ((v & O_ACCMODE) == O_RDONLY) {
			sb_printf(s, "O_RDONLY");
			if (v)
				sb_printf(s, "|");
			else
				break;
		}
		print_flags(s, open_flags, v);
		break;
	case A_PROT:
		if (v == 0)
			sb_printf(s, "PROT_NONE");
		else
			print_flags(s, prot_flags, v);
		break;
	case A_MMAP_FLAGS: print_flags(s, mmap_flags, v); break;
	case A_AT_FLAGS:
		if (v == 0)
			sb_printf(s, "0");
		else
			print_flags(s, at_flags, v);
		break;
	case A_CLONE_FLAGS: print_flags(s, clone_flags, v); break;
	case A_SIGNAL:
		if (v > 0 && v <= 64 && sigabbrev_np((int)v))
			sb_printf(s, "SIG%s", sigabbrev_np((int)v));
		else
			sb_printf(s, "%ld", (long)v);
		break;
	case A_WHENCE: print_enum(s, whences, v); break;
	case A_FCNTL: print_enum(s, fcntl_cmds, v); break;
	case A_IOCTL: print_enum(s, ioctl_cmds, v); break;
	case A_HEX: default: sb_printf(s, "%#lx", (unsigned long)v); break;
	}
}

static void print_call(struct sbuf *s, struct task *t, unsigned long nr,
		       const uint64_t a[6], long ret, bool done)
{
	const struct syscall_def *d =
		nr < SYSCALL_TABLE_SIZE && syscall_table[nr].name ?
			&syscall_table[nr] : NULL;
	const char *name = d ? d->name : syscall_name(nr);

	if (t->tid != 1)
		sb_printf(s, "[pid %d] ", t->tid);
	if (name)
		sb_printf(s, "%s(", name);
	else
		sb_printf(s, "syscall_%lu(", nr);
	int nargs = d ? d->nargs : 6;
	for (int i = 0; i < nargs; i++) {
		if (i)
			sb_printf(s, ", ");
		print_arg(s, t, d ? d->kinds[i] : A_HEX, a, i, ret, done);
	}
	sb_printf(s, ")");
}

void strace_enter(struct task *t, unsigned long nr, const uint64_t a[6])
{
	if (nr >= SYSCALL_TABLE_SIZE || syscall_table[nr].ret != R_NONE)
		return;
	struct sbuf s = {.n = 0};
	print_call(&s, t, nr, a, 0, false);
	sb_printf(&s, " = ?\n");
	(void)rv_write_full(2, s.b, s.n);
}

void strace_exit(struct task *t, unsigned long nr, const uint64_t a[6],
		 long ret)
{
	const struct syscall_def *d =
		nr < SYSCALL_TABLE_SIZE ? &syscall_table[nr] : NULL;
	if (d && d->name && d->ret == R_NONE)
		return;
	if (ret == -RV_EJUSTRETURN)
		return;
	struct sbuf s = {.n = 0};
	print_call(&s, t, nr, a, ret, true);
	if (ret < 0 && ret >= -4095) {
		const char *en = strerrorname_np((int)-ret);
		sb_printf(&s, " = -1 %s (%s)\n", en ? en : "E?",
			  strerror((int)-ret));
	} else if (d && d->ret == R_HEX) {
		sb_printf(&s, " = %#lx\n", (unsigned long)ret);
	} else {
		sb_printf(&s, " = %ld\n", ret);
	}
	(void)rv_write_full(2, s.b, s.n);
}
