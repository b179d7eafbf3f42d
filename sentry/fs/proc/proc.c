/* procfs: directories and files generated from the sentry's own state.
 *
 * Every file's text is produced at open into a buffer (seq_file style) so
 * that a reader sees one consistent snapshot. Dentries are not cached
 * (pids come and go); each lookup checks that the task still exists.
 * The pids are the sandbox's: nothing of the host's /proc is visible
 * except the text of cpuinfo. */
#include "sentry/fs/proc/proc.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "platform/platform.h"
#include "sentry/kernel/kernel.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/task.h"
#include "sentry/loader/loader.h"
#include "sentry/mm/memfile.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/fdtable.h"
#include "sentry/vfs/namei.h"
#include "sentry/net/socket.h"
#include "syscalls/timer.h"

/* fd_get on another task's table, safe against its exec or exit. */
static struct file *task_fd_get(struct task *t, int fd)
{
	task_res_read_lock(t);
	struct file *f = t->files ? fd_get(t->files, fd) : NULL;
	task_res_read_unlock(t);
	return f;
}

#define PROC_SUPER_MAGIC 0x9fa0
#define PROC_POS_PID 0x100000 /* getdents positions of pid entries */

/* --- text buffers ----------------------------------------------------------- */

struct sbuf {
	char *buf;
	size_t len, cap;
};

static void sb_grow(struct sbuf *s, size_t need)
{
	if (s->len + need + 1 <= s->cap)
		return;
	size_t n = s->cap ? s->cap : 1024;
	while (n < s->len + need + 1)
		n *= 2;
	s->buf = rv_xrealloc(s->buf, n);
	s->cap = n;
}

__attribute__((format(printf, 2, 3))) static void
sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	sb_grow(s, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

static void sb_put(struct sbuf *s, const void *p, size_t n)
{
	sb_grow(s, n);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = 0;
}

/* --- the tree ------------------------------------------------------------- */

enum proc_kind {
	PK_DIR,       /* static directory (root, sys, sys/kernel) */
	PK_FILE,      /* generated file */
	PK_SELF,      /* self, thread-self */
	PK_PID_DIR,
	PK_PID_LINK,  /* exe, cwd, root */
	PK_FD_DIR,
	PK_FD_LINK,
	PK_TASK_DIR,  /* [pid]/task: one [pid]-like directory per thread */
	PK_FDINFO_DIR,
	PK_FDINFO_FILE,
	PK_NS_LINK,   /* ns/NAME: "NAME:[inode]" */
	PK_MEM,       /* mem: the address space itself */
	PK_PAGEMAP,   /* pagemap: 8 bytes per page */
	PK_MAPF_DIR,  /* map_files: one link per file mapping */
	PK_MAPF_LINK, /* map_files/START-END */
};

struct proc_ent {
	const char *name;
	uint32_t mode;
	enum proc_kind kind;
	/* PK_FILE: text of the file for task t (NULL at top level). */
	int (*show)(struct sbuf *, struct task *t);
	const struct proc_ent *children; /* PK_DIR: NULL-name terminated */
	int (*link)(struct task *t, struct path *out); /* PK_PID_LINK */
};

struct proc_node {
	const struct proc_ent *ent;
	int pid;
	int fd;
	uint64_t start, end; /* PK_MAPF_LINK: the mapping */
};

static const struct inode_operations proc_iops;
static const struct inode_operations proc_self_iops;
static const struct file_operations proc_file_fops;
static const struct file_operations proc_dir_fops;
static const struct file_operations proc_mem_fops;
static const struct proc_ent proc_mapf_link_ent;
static const struct proc_ent proc_root_ent;
static const struct proc_ent proc_pid_ent;
static const struct proc_ent proc_tid_ent;
static const struct proc_ent proc_fd_dir_ent;
static const struct proc_ent proc_fd_link_ent;
static const struct proc_ent proc_fdinfo_dir_ent;
static const struct proc_ent proc_fdinfo_file_ent;

static struct proc_node *PN(struct inode *i)
{
	return i->priv;
}

static struct inode *proc_inode(struct super_block *sb,
				const struct proc_ent *e, int pid, int fd)
{
	struct inode *i = inode_alloc(sb, e->mode);
	struct proc_node *n = rv_xcalloc(1, sizeof(*n));
	/* pid_children's "fd" row stands for the one fd-directory entry. */
	n->ent = e->kind == PK_FD_DIR	? &proc_fd_dir_ent
		 : e->kind == PK_FDINFO_DIR ? &proc_fdinfo_dir_ent
					    : e;
	n->pid = pid;
	n->fd = fd;
	i->priv = n;
	/* ns links are plain symlinks here too: their target is no path
	 * (Linux opens an nsfs file, which the sandbox does not have). */
	i->iops = e->kind == PK_SELF || e->kind == PK_NS_LINK ?
			  &proc_self_iops : &proc_iops;
	if (S_ISDIR(e->mode)) {
		i->fops = &proc_dir_fops;
		i->nlink = 2;
	} else if (S_ISREG(e->mode)) {
		i->fops = e->kind == PK_MEM || e->kind == PK_PAGEMAP
				  ? &proc_mem_fops
				  : &proc_file_fops;
	}
	if (pid) {
		struct task *t = task_find(pid);
		if (t) {
			i->uid = t->cred.euid;
			i->gid = t->cred.egid;
			task_put(t);
		}
	}
	return i;
}

static void proc_put_inode(struct inode *i)
{
	free(i->priv);
}

static struct dentry *proc_dentry(struct dentry *parent, const char *name,
				  struct inode *i)
{
	struct dentry *d = d_alloc(parent, name, strlen(name));
	d_instantiate(d, i);
	inode_put(i);
	return d;
}

static int parse_num(const char *s)
{
	/* Decimal without leading zeros ("0" itself is fd 0). */
	if (!*s || (*s == '0' && s[1]) || strlen(s) > 9)
		return -1;
	int v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* ptrace_may_access() in the sandbox's credential model (the mode's
 * FSCREDS: the caller's fsuid and fsgid): a thread of the same process;
 * or the caller's fsuid equal to the target's real, effective and saved
 * uids and its fsgid to the gids; or CAP_SYS_PTRACE, which the sandbox's
 * root (euid 0) has. Every sandbox process is dumpable (the sentry has
 * no set-id execs). Not Yama: the sandbox has no LSM. */
static bool proc_may_ptrace(struct task *t)
{
	struct task *c = current;
	if (!c || c->tg == t->tg)
		return true;
	const struct cred *a = &c->cred, *o = &t->cred;
	if (a->fsuid == o->uid && a->fsuid == o->euid && a->fsuid == o->suid &&
	    a->fsgid == o->gid && a->fsgid == o->egid && a->fsgid == o->sgid)
		return true;
	return a->euid == 0;
}

/* map_files names: "%lx-%lx" without leading zeros (dname_to_vma_addr). */
static bool mapf_parse(const char *name, uint64_t *start, uint64_t *end)
{
	uint64_t v[2] = {0, 0};
	const char *p = name;
	for (int k = 0; k < 2; k++) {
		if (!*p || (*p == '0' && p[1] && p[1] != '-'))
			return false;
		int digits = 0;
		for (; *p && *p != '-'; p++, digits++) {
			int d = *p >= '0' && *p <= '9'	 ? *p - '0'
				: *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
							 : -1;
			if (d < 0 || digits >= 16)
				return false;
			v[k] = v[k] << 4 | (uint64_t)d;
		}
		if (!digits || (k == 0 && *p++ != '-') || (k == 1 && *p))
			return false;
	}
	*start = v[0];
	*end = v[1];
	return true;
}

/* The file mapped at exactly [start, end) in t's mm, with a reference;
 * NULL when none. Takes t's res_lock. */
static struct file *mapf_file(struct task *t, uint64_t start, uint64_t end)
{
	struct file *f = NULL;
	task_res_read_lock(t);
	if (t->mm && !t->exited) {
		struct mm_vma_info *v;
		size_t n = mm_vma_snapshot(t->mm, &v, false);
		for (size_t i = 0; i < n && !f; i++)
			if (v[i].file && v[i].start == start &&
			    v[i].end == end)
				f = file_get(v[i].file);
		mm_vma_snapshot_free(v, n);
	}
	task_res_read_unlock(t);
	return f;
}

static int proc_lookup(struct inode *dir, struct dentry *parent,
		       const char *name, struct dentry **out)
{
	struct proc_node *n = PN(dir);
	const struct proc_ent *e = n->ent;
	if (e->kind == PK_MAPF_DIR) {
		/* proc_map_files_lookup(): ptrace read access, a name that
		 * is exactly a file mapping's range. */
		uint64_t st, en;
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		if (!proc_may_ptrace(t)) {
			task_put(t);
			return -EACCES;
		}
		struct file *f = mapf_parse(name, &st, &en)
					 ? mapf_file(t, st, en) : NULL;
		task_put(t);
		if (!f)
			return -ENOENT;
		int acc = f->flags & O_ACCMODE;
		file_put(f);
		struct inode *li = proc_inode(dir->sb, &proc_mapf_link_ent,
					      n->pid, -1);
		PN(li)->start = st;
		PN(li)->end = en;
		/* The open mode shows in the link's permissions. */
		li->mode = S_IFLNK | (acc != O_WRONLY ? 0400 : 0) |
			   (acc != O_RDONLY ? 0200 : 0);
		li->size = 64;
		*out = proc_dentry(parent, name, li);
		return 0;
	}
	if (e == &proc_fd_dir_ent || e == &proc_fdinfo_dir_ent) {
		int fd = parse_num(name);
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		struct file *f = fd >= 0 ? task_fd_get(t, fd) : NULL;
		task_put(t);
		if (!f)
			return -ENOENT;
		if (e == &proc_fdinfo_dir_ent) {
			file_put(f);
			*out = proc_dentry(parent, name,
					   proc_inode(dir->sb,
						      &proc_fdinfo_file_ent,
						      n->pid, fd));
			return 0;
		}
		/* Linux shows the open mode in the link's permissions. */
		int acc = f->flags & O_ACCMODE;
		uint32_t mode = S_IFLNK | (acc == O_RDONLY   ? 0500
					   : acc == O_WRONLY ? 0300
							     : 0700);
		file_put(f);
		struct inode *li = proc_inode(dir->sb, &proc_fd_link_ent,
					      n->pid, fd);
		li->mode = mode;
		li->size = 64;
		*out = proc_dentry(parent, name, li);
		return 0;
	}
	if (e->kind == PK_TASK_DIR) {
		/* A thread of this group: task/[tid] looks like [pid]. */
		int tid = parse_num(name);
		struct task *t = tid > 0 ? task_find(tid) : NULL;
		if (!t)
			return -ENOENT;
		bool ours = t->tg && t->tg->tgid == n->pid;
		task_put(t);
		if (!ours)
			return -ENOENT;
		*out = proc_dentry(parent, name,
				   proc_inode(dir->sb, &proc_tid_ent, tid, -1));
		return 0;
	}
	if (e == &proc_root_ent) {
		int pid = parse_num(name);
		if (pid > 0) {
			struct task *t = task_find(pid);
			if (!t)
				return -ENOENT;
			task_put(t);
			*out = proc_dentry(parent, name,
					   proc_inode(dir->sb, &proc_pid_ent,
						      pid, -1));
			return 0;
		}
	}
	for (const struct proc_ent *c = e->children; c && c->name; c++) {
		if (strcmp(c->name, name))
			continue;
		*out = proc_dentry(parent, name,
				   proc_inode(dir->sb, c, n->pid, -1));
		return 0;
	}
	return -ENOENT;
}

static int tgid_of_current(void)
{
	return current && current->tg ? current->tg->tgid : 0;
}

/* The sandbox's namespaces, one of each kind for all its processes
 * (unshare and setns are not offered), numbered as Linux numbers its
 * initial ones (PROC_*_INIT_INO; mnt and net take the next two), so the
 * numbers are the same in every sandbox and every run. */
static const struct {
	const char *name, *type;
	unsigned inum;
} proc_ns[] = {
	{"cgroup", "cgroup", 0xEFFFFFFBU},
	{"ipc", "ipc", 0xEFFFFFFFU},
	{"mnt", "mnt", 0xF0000000U},
	{"net", "net", 0xF0000001U},
	{"pid", "pid", 0xEFFFFFFCU},
	{"pid_for_children", "pid", 0xEFFFFFFCU},
	{"time", "time", 0xEFFFFFFAU},
	{"time_for_children", "time", 0xEFFFFFFAU},
	{"user", "user", 0xEFFFFFFDU},
	{"uts", "uts", 0xEFFFFFFEU},
};

static const char *proc_ns_type(const char *name)
{
	for (size_t i = 0; i < sizeof(proc_ns) / sizeof(proc_ns[0]); i++)
		if (!strcmp(proc_ns[i].name, name))
			return proc_ns[i].type;
	return name;
}

static unsigned proc_ns_inum(const char *name)
{
	for (size_t i = 0; i < sizeof(proc_ns) / sizeof(proc_ns[0]); i++)
		if (!strcmp(proc_ns[i].name, name))
			return proc_ns[i].inum;
	return 0;
}

static ssize_t proc_readlink(struct dentry *d, char *buf, size_t len)
{
	struct proc_node *n = PN(d->inode);
	char tmp[PATH_MAX];
	int r;
	if (n->ent->kind == PK_SELF) {
		if (!current)
			return -ENOENT;
		if (!strcmp(n->ent->name, "self"))
			r = snprintf(tmp, sizeof(tmp), "%d", tgid_of_current());
		else if (!strcmp(n->ent->name, "net"))
			r = snprintf(tmp, sizeof(tmp), "self/net");
		else
			r = snprintf(tmp, sizeof(tmp), "%d/task/%d",
				     tgid_of_current(), current->tid);
	} else if (n->ent->kind == PK_NS_LINK) {
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		task_put(t);
		r = snprintf(tmp, sizeof(tmp), "%s:[%u]",
			     proc_ns_type(n->ent->name),
			     proc_ns_inum(n->ent->name));
	} else if (n->ent->kind == PK_MAPF_LINK) {
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		if (!proc_may_ptrace(t)) {
			task_put(t);
			return -EACCES;
		}
		struct file *f = mapf_file(t, n->start, n->end);
		task_put(t);
		if (!f)
			return -ENOENT;
		r = vfs_file_path(f, tmp, sizeof(tmp));
		file_put(f);
	} else if (n->ent->kind == PK_FD_LINK) {
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		struct file *f = task_fd_get(t, n->fd);
		task_put(t);
		if (!f)
			return -ENOENT;
		r = vfs_file_path(f, tmp, sizeof(tmp));
		file_put(f);
	} else {
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		struct path p;
		task_res_read_lock(t);
		r = n->ent->link(t, &p);
		task_res_read_unlock(t);
		task_put(t);
		if (r)
			return r;
		struct path root = {vfs_root_mount(), NULL};
		root.dentry = root.mnt->root;
		pthread_mutex_lock(&vfs_ns_lock);
		r = vfs_path_string(&p, &root, tmp, sizeof(tmp));
		pthread_mutex_unlock(&vfs_ns_lock);
		path_put(&p);
	}
	if (r < 0)
		return r;
	size_t k = RV_MIN((size_t)r, len);
	memcpy(buf, tmp, k);
	return (ssize_t)k;
}

/* Magic links jump to the object itself, like Linux's proc_get_link: an
 * fd link to an unlinked file still opens it. Anonymous files (pipes,
 * stdio) get a dentry of their own inode, whose open re-opens them. */
static int proc_get_link(struct dentry *d, struct path *out)
{
	struct proc_node *n = PN(d->inode);
	if (n->ent->kind == PK_SELF)
		return -EINVAL; /* plain symlink: the walk uses readlink */
	struct task *t = task_find(n->pid);
	if (!t)
		return -ENOENT;
	int err;
	if (n->ent->kind == PK_MAPF_LINK) {
		/* proc_map_files_get_link(): following the link needs
		 * CAP_SYS_ADMIN (the sandbox's root) besides ptrace read. */
		struct file *f = NULL;
		if (!current || current->cred.euid != 0)
			err = -EPERM;
		else if (!proc_may_ptrace(t))
			err = -EACCES;
		else if (!(f = mapf_file(t, n->start, n->end)))
			err = -ENOENT;
		else if (!f->mnt || !f->dentry)
			err = -ENOENT;
		else
			err = 0;
		task_put(t);
		if (!err)
			*out = (struct path){mnt_get(f->mnt), dget(f->dentry)};
		if (f)
			file_put(f);
		return err;
	}
	if (n->ent->kind == PK_FD_LINK) {
		struct file *f = task_fd_get(t, n->fd);
		task_put(t);
		if (!f)
			return -ENOENT;
		if (f->mnt && f->dentry) {
			*out = (struct path){mnt_get(f->mnt), dget(f->dentry)};
		} else if (f->inode) {
			struct dentry *a = d_alloc(d->parent, d->name,
						   d->namelen);
			d_instantiate(a, f->inode);
			*out = (struct path){mnt_get(vfs_anon_mount()), a};
		} else {
			file_put(f);
			return -ENOENT;
		}
		file_put(f);
		return 0;
	}
	task_res_read_lock(t);
	err = n->ent->link(t, out);
	task_res_read_unlock(t);
	task_put(t);
	return err;
}

static int proc_getattr(struct dentry *d, struct kstat *st)
{
	inode_fill_kstat(d->inode, st);
	if (!S_ISLNK(d->inode->mode))
		st->size = 0;
	st->blocks = 0;
	st->blksize = 1024;
	return 0;
}

static int proc_setattr(struct dentry *d, const struct iattr *ia)
{
	/* open(O_TRUNC) of a writable file (`echo x > comm`) is accepted
	 * and changes nothing, as in Linux. */
	if ((ia->valid & ATTR_SIZE) && ia->size == 0 &&
	    !(ia->valid & (ATTR_MODE | ATTR_UID | ATTR_GID)) &&
	    S_ISREG(d->inode->mode) && (d->inode->mode & 0200))
		return 0;
	return -EPERM;
}

static int proc_open(struct inode *i, struct file *f);
static int proc_mem_open(struct proc_node *n, struct file *f);
static int show_comm(struct sbuf *s, struct task *t);
static int show_oom_score_adj(struct sbuf *s, struct task *t);
static int show_oom_adj(struct sbuf *s, struct task *t);
/* syscall (proc_pid_syscall()): "running" for a task in app code; the
 * number, six arguments, stack pointer and pc of a task in a system
 * call; -1, sp and pc otherwise. Registers are shown for the reading
 * task only: another task's platform context is freed when it exits,
 * which it may do during this read (they read as 0). */
static int show_syscall(struct sbuf *s, struct task *t)
{
	int st = atomic_load(&t->dbg.state);
	if (st == TASK_DBG_APP) {
		sb_printf(s, "running\n");
		return 0;
	}
	rv_regs_t r = {0};
	if (t == current && t->ctx)
		memcpy(&r, &t->ctx->regs, sizeof(r));
	if (st == TASK_DBG_SYSCALL || st == TASK_DBG_BLOCKED)
		sb_printf(s, "%ld 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx 0x%llx "
			     "0x%llx 0x%llx\n",
			  atomic_load(&t->dbg.sysno), r.rdi, r.rsi, r.rdx,
			  r.r10, r.r8, r.r9, r.rsp, r.rip);
	else
		sb_printf(s, "-1 0x%llx 0x%llx\n", r.rsp, r.rip);
	return 0;
}

static int show_clear_refs(struct sbuf *s, struct task *t);

static const struct inode_operations proc_iops = {
	.lookup = proc_lookup,
	.readlink = proc_readlink,
	.get_link = proc_get_link,
	.getattr = proc_getattr,
	.setattr = proc_setattr,
	.open = proc_open,
};

/* self and thread-self are plain symlinks: no get_link for them. */
static const struct inode_operations proc_self_iops = {
	.readlink = proc_readlink,
	.getattr = proc_getattr,
	.setattr = proc_setattr,
};

/* --- generated files ---------------------------------------------------------- */

struct proc_text {
	char *buf;
	size_t len;
};

/* /proc/[pid]/fdinfo/N (proc(5)): position, flags (octal, with
 * O_CLOEXEC from the fd), mount id, inode number. */
static int show_fdinfo(struct sbuf *s, struct task *t, int fd)
{
	struct file *f = t && t->files ? fd_get(t->files, fd) : NULL;
	if (!f)
		return -ENOENT;
	unsigned int fl = f->flags;
	if (fd_get_cloexec(t->files, fd) == 1)
		fl |= O_CLOEXEC;
	struct kstat st;
	uint64_t ino = vfs_fstat(f, &st) == 0 ? st.ino : 0;
	int64_t pos = f->pos < 0 ? 0 : f->pos;
	sb_printf(s, "pos:\t%" PRId64 "\nflags:\t0%o\nmnt_id:\t%d\nino:\t%" PRIu64
		     "\n",
		  pos, fl, f->mnt ? f->mnt->id : 0, ino);
	file_put(f);
	return 0;
}

static int proc_open(struct inode *i, struct file *f)
{
	struct proc_node *n = PN(i);
	if (S_ISDIR(i->mode))
		return 0;
	if (n->ent->kind == PK_MEM || n->ent->kind == PK_PAGEMAP)
		return proc_mem_open(n, f);
	if (!n->ent->show && n->ent != &proc_fdinfo_file_ent)
		return -ENXIO;
	/* Only comm (by the task's own process, below) and the OOM
	 * adjustments are writable. */
	if ((f->flags & O_ACCMODE) != O_RDONLY && n->ent->show != show_comm &&
	    n->ent->show != show_oom_score_adj && n->ent->show != show_oom_adj &&
	    n->ent->show != show_clear_refs)
		return -EACCES;
	struct task *t = NULL;
	if (n->pid) {
		t = task_find(n->pid);
		if (!t)
			return -ESRCH;
	}
	struct sbuf s = {0};
	sb_grow(&s, 0);
	/* The target's memory and files stay while we read them. */
	if (t)
		task_res_read_lock(t);
	int err = n->ent == &proc_fdinfo_file_ent ? show_fdinfo(&s, t, n->fd)
						   : n->ent->show(&s, t);
	if (t) {
		task_res_read_unlock(t);
		task_put(t);
	}
	if (err) {
		free(s.buf);
		return err;
	}
	struct proc_text *pt = rv_xcalloc(1, sizeof(*pt));
	pt->buf = s.buf;
	pt->len = s.len;
	f->priv = pt;
	return 0;
}

static ssize_t proc_read(struct file *f, const struct iovec *iov, int iovcnt,
			 int64_t *pos)
{
	struct proc_text *pt = f->priv;
	if (PN(f->inode)->ent->show == show_clear_refs)
		return -EINVAL; /* write-only: Linux has no read for it */
	if (*pos < 0 || (uint64_t)*pos >= pt->len)
		return 0;
	ssize_t n = vfs_iov_copy_out(iov, iovcnt, 0, pt->buf + *pos,
				     pt->len - (size_t)*pos);
	*pos += n;
	return n;
}

static int64_t proc_llseek(struct file *f, int64_t off, int whence)
{
	struct proc_text *pt = f->priv;
	return generic_llseek(f, off, whence, pt ? (int64_t)pt->len : 0);
}

static void proc_release(struct file *f)
{
	struct proc_text *pt = f->priv;
	if (!pt)
		return;
	free(pt->buf);
	free(pt);
}

/* OOM_ADJUST_MIN/MAX and OOM_SCORE_ADJ_MIN/MAX (linux/oom.h). */
#define OOM_ADJ_MIN (-17)
#define OOM_ADJ_MAX 15
#define OOM_SCORE_ADJ_MIN (-1000)
#define OOM_SCORE_ADJ_MAX 1000

/* oom_score_adj_write()/oom_adj_write(): an integer (kstrtoint, base 0,
 * surrounding spaces stripped) in range, else EINVAL. The value is kept
 * for the process and inherited; the sandbox has no OOM killer of its
 * own, so it changes nothing else. */
static ssize_t proc_write_oom(struct proc_node *n, const struct iovec *iov,
			      int iovcnt, bool legacy)
{
	size_t len = vfs_iov_length(iov, iovcnt);
	char buf[13] = {0}; /* PROC_NUMBUF */
	ssize_t got = vfs_iov_copy_in(buf, RV_MIN(len, sizeof(buf) - 1), iov,
				      iovcnt, 0);
	if (got < 0)
		return got;
	char *p = buf, *end;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	errno = 0;
	long v = strtol(p, &end, 0);
	if (end == p || errno)
		return -EINVAL;
	while (*end == ' ' || *end == '\t' || *end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	if (legacy) {
		if (v < OOM_ADJ_MIN || v > OOM_ADJ_MAX)
			return -EINVAL;
		/* Linux scales the legacy value; -17 means "never". */
		v = v == OOM_ADJ_MIN ? OOM_SCORE_ADJ_MIN
				     : v * OOM_SCORE_ADJ_MAX / -OOM_ADJ_MIN;
	} else if (v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX) {
		return -EINVAL;
	}
	struct task *t = task_find(n->pid);
	if (!t)
		return -ESRCH;
	__atomic_store_n(&t->tg->oom_score_adj, (int)v, __ATOMIC_RELAXED);
	task_put(t);
	return (ssize_t)len;
}

/* /proc/[pid]/comm and task/[tid]/comm (proc(5)): a thread of the same
 * process renames the task (pthread_setname_np(3) of another thread), up
 * to 15 bytes taken as written; others get EINVAL, as in Linux. */
/* clear_refs_write(): 1 to 5 (CLEAR_REFS_ALL..CLEAR_REFS_MM_HIWATER_RSS)
 * are accepted; the sentry keeps no referenced or soft-dirty bits to
 * clear (smaps' Referenced is the Rss, as after a fresh touch). */
static ssize_t proc_write_clear_refs(const struct iovec *iov, int iovcnt)
{
	size_t len = vfs_iov_length(iov, iovcnt);
	char buf[13] = {0};
	ssize_t got = vfs_iov_copy_in(buf, RV_MIN(len, sizeof(buf) - 1), iov,
				      iovcnt, 0);
	if (got < 0)
		return got;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 0);
	while (*end == ' ' || *end == '\n')
		end++;
	if (end == buf || errno || *end || v < 1 || v > 5)
		return -EINVAL;
	return (ssize_t)len;
}

static ssize_t proc_write(struct file *f, const struct iovec *iov,
			  int iovcnt, int64_t *pos)
{
	struct proc_node *n = PN(f->inode);
	(void)pos;
	if (n->ent->show == show_oom_score_adj)
		return proc_write_oom(n, iov, iovcnt, false);
	if (n->ent->show == show_oom_adj)
		return proc_write_oom(n, iov, iovcnt, true);
	if (n->ent->show == show_clear_refs)
		return proc_write_clear_refs(iov, iovcnt);
	if (n->ent->show != show_comm)
		return -EINVAL;
	size_t len = vfs_iov_length(iov, iovcnt);
	char name[16] = {0};
	ssize_t got = vfs_iov_copy_in(name, RV_MIN(len, sizeof(name) - 1), iov,
				      iovcnt, 0);
	if (got < 0)
		return got;
	struct task *t = task_find(n->pid);
	if (!t)
		return -ESRCH;
	int r = 0;
	if (!current || !current->tg || t->tg != current->tg)
		r = -EINVAL;
	else
		memcpy(t->comm, name, sizeof(name));
	task_put(t);
	return r < 0 ? r : (ssize_t)len;
}

static const struct file_operations proc_file_fops = {
	.read = proc_read,
	.write = proc_write,
	.llseek = proc_llseek,
	.release = proc_release,
};

/* --- directories ------------------------------------------------------------ */

struct pid_list {
	int *pids;
	size_t n, cap;
};

static void collect_pid(int tgid, void *arg)
{
	struct pid_list *l = arg;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->pids = rv_xrealloc(l->pids, l->cap * sizeof(int));
	}
	l->pids[l->n++] = tgid;
}

static unsigned char dtype_of(uint32_t mode)
{
	return (unsigned char)((mode >> 12) & 15);
}

static int proc_iterate(struct file *f, struct dir_context *ctx)
{
	struct proc_node *n = PN(f->inode);
	const struct proc_ent *e = n->ent;
	char name[32];
	if (e == &proc_fd_dir_ent || e == &proc_fdinfo_dir_ent) {
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		int fd = (int)RV_MAX(ctx->pos - 2, 0);
		unsigned char type = e == &proc_fd_dir_ent ? DT_LNK : DT_REG;
		task_res_read_lock(t);
		while (t->files && (fd = fd_next(t->files, fd)) >= 0) {
			int l = snprintf(name, sizeof(name), "%d", fd);
			if (ctx->emit(ctx, name, (size_t)l, 0x10000 + (uint64_t)fd,
				      type, fd + 3))
				break;
			ctx->pos = fd + 3;
			fd++;
		}
		task_res_read_unlock(t);
		task_put(t);
		return 0;
	}
	if (e->kind == PK_MAPF_DIR) {
		/* proc_map_files_readdir(): ptrace read access; one entry
		 * per file mapping, at position 2 + its index. */
		struct task *t = task_find(n->pid);
		if (!t)
			return -ENOENT;
		if (!proc_may_ptrace(t)) {
			task_put(t);
			return -EACCES;
		}
		struct mm_vma_info *v = NULL;
		size_t nv = 0;
		task_res_read_lock(t);
		if (t->mm && !t->exited)
			nv = mm_vma_snapshot(t->mm, &v, false);
		task_res_read_unlock(t);
		task_put(t);
		int64_t idx = 0;
		for (size_t k = 0; k < nv; k++) {
			if (!v[k].file)
				continue;
			idx++;
			if (ctx->pos > 2 + idx - 1)
				continue;
			int l = snprintf(name, sizeof(name), "%lx-%lx",
					 (unsigned long)v[k].start,
					 (unsigned long)v[k].end);
			if (ctx->emit(ctx, name, (size_t)l,
				      0x300000 + (uint64_t)idx, DT_LNK,
				      2 + idx))
				break;
			ctx->pos = 2 + idx;
		}
		if (v)
			mm_vma_snapshot_free(v, nv);
		return 0;
	}
	if (e->kind == PK_TASK_DIR) {
		/* Every live thread of the group, by tid (the kernel's task
		 * list is sorted): the position after tid is tid + 3, so a
		 * listing resumed after threads came and went goes on. */
		struct pid_list l = {0};
		kernel_lock();
		for (struct task *t = kernel_all_tasks_locked(); t;
		     t = t->next_all)
			if (t->tg && t->tg->tgid == n->pid && !t->exited)
				collect_pid(t->tid, &l);
		kernel_unlock();
		for (size_t k = 0; k < l.n; k++) {
			int64_t p = 2 + (int64_t)l.pids[k];
			if (ctx->pos > p)
				continue;
			int len = snprintf(name, sizeof(name), "%d", l.pids[k]);
			if (ctx->emit(ctx, name, (size_t)len,
				      0x200000 + (uint64_t)l.pids[k], DT_DIR,
				      p + 1))
				break;
			ctx->pos = p + 1;
		}
		free(l.pids);
		return 0;
	}
	int idx = 0;
	for (const struct proc_ent *c = e->children; c && c->name; c++, idx++) {
		if (ctx->pos > 2 + idx)
			continue;
		if (ctx->emit(ctx, c->name, strlen(c->name),
			      0x1000 + (uint64_t)idx, dtype_of(c->mode),
			      3 + idx))
			return 0;
		ctx->pos = 3 + idx;
	}
	if (e != &proc_root_ent)
		return 0;
	struct pid_list l = {0};
	kernel_for_each_tgid(collect_pid, &l);
	for (size_t k = 0; k < l.n; k++) {
		int64_t p = PROC_POS_PID + l.pids[k];
		if (ctx->pos > p)
			continue;
		int len = snprintf(name, sizeof(name), "%d", l.pids[k]);
		if (ctx->emit(ctx, name, (size_t)len, 0x200000 + (uint64_t)l.pids[k],
			      DT_DIR, p + 1))
			break;
		ctx->pos = p + 1;
	}
	free(l.pids);
	return 0;
}

static int64_t proc_dir_llseek(struct file *f, int64_t off, int whence)
{
	if (whence != SEEK_SET && whence != SEEK_CUR)
		return -EINVAL;
	return generic_llseek(f, off, whence, INT64_MAX);
}

static const struct file_operations proc_dir_fops = {
	.iterate = proc_iterate,
	.llseek = proc_dir_llseek,
};

/* --- per-process files -------------------------------------------------------- */

static int link_exe(struct task *t, struct path *out)
{
	struct file *exe = t->mm ? mm_exe(t->mm) : NULL;
	if (!exe || !exe->mnt || !exe->dentry)
		return -ENOENT;
	*out = (struct path){mnt_get(exe->mnt), dget(exe->dentry)};
	return 0;
}

static int link_cwd(struct task *t, struct path *out)
{
	if (!t->fs)
		return -ENOENT;
	fs_context_get_paths(t->fs, NULL, out);
	return 0;
}

static int link_root(struct task *t, struct path *out)
{
	if (!t->fs)
		return -ENOENT;
	fs_context_get_paths(t->fs, out, NULL);
	return 0;
}

static int show_mem_range(struct sbuf *s, struct task *t, bool env)
{
	if (!t->mm)
		return 0;
	struct mm_layout *ml = mm_layout(t->mm);
	uint64_t a = env ? ml->env_start : ml->arg_start;
	uint64_t b = env ? ml->env_end : ml->arg_end;
	if (b <= a)
		return 0;
	size_t len = RV_MIN(b - a, 1ULL << 20);
	char *buf = rv_xmalloc(len);
	if (mm_copy_in(t->mm, buf, a, len) == 0)
		sb_put(s, buf, len);
	free(buf);
	return 0;
}

static int show_cmdline(struct sbuf *s, struct task *t)
{
	return show_mem_range(s, t, false);
}

static int show_environ(struct sbuf *s, struct task *t)
{
	return show_mem_range(s, t, true);
}

static int show_comm(struct sbuf *s, struct task *t)
{
	char c[17];
	memcpy(c, t->comm, 16);
	c[16] = 0;
	sb_printf(s, "%s\n", c);
	return 0;
}

/* maps and smaps: the mm formats into a buffer, grown until the text
 * fits (smaps != 0: smaps, rollup when 2). */
static int show_mm_text(struct sbuf *s, struct task *t, size_t cap,
			int smaps)
{
	if (!t->mm)
		return 0;
	for (;;) {
		char *buf = rv_xmalloc(cap);
		size_t n = smaps ? mm_format_smaps(t->mm, buf, cap, smaps == 2)
				 : mm_format_maps(t->mm, buf, cap);
		if (n + 1 < cap) {
			sb_put(s, buf, n);
			free(buf);
			return 0;
		}
		free(buf);
		cap *= 2;
	}
}

static int show_maps(struct sbuf *s, struct task *t)
{
	return show_mm_text(s, t, 16384, 0);
}

static int show_smaps_mode(struct sbuf *s, struct task *t, bool rollup)
{
	return show_mm_text(s, t, 65536, rollup ? 2 : 1);
}

static int show_smaps(struct sbuf *s, struct task *t)
{
	return show_smaps_mode(s, t, false);
}

static int show_smaps_rollup(struct sbuf *s, struct task *t)
{
	return show_smaps_mode(s, t, true);
}

static int show_auxv(struct sbuf *s, struct task *t)
{
	if (!t->mm)
		return 0;
	struct mm_layout *ml = mm_layout(t->mm);
	sb_put(s, ml->auxv, RV_MIN(ml->auxv_len, sizeof(ml->auxv)));
	return 0;
}

/* --- mem and pagemap ---------------------------------------------------------- */

/* An open mem or pagemap file: the address space it was opened on
 * (proc_mem_open() keeps the mm, not the task: after the target's exec
 * or exit the file reads nothing more, as Linux's mmget_not_zero()). */
struct proc_mem {
	struct mm *mm; /* a reference; NULL for a task without memory */
	int pid;
};

static int proc_mem_open(struct proc_node *n, struct file *f)
{
	struct task *t = task_find(n->pid);
	if (!t)
		return -ESRCH;
	if (!proc_may_ptrace(t)) {
		task_put(t);
		return -EACCES;
	}
	struct proc_mem *pm = rv_xcalloc(1, sizeof(*pm));
	pm->pid = n->pid;
	task_res_read_lock(t);
	if (t->mm && !t->exited) {
		pm->mm = t->mm;
		mm_get(pm->mm);
	}
	task_res_read_unlock(t);
	task_put(t);
	f->priv = pm;
	return 0;
}

/* Lock the task of pm while its mm is still the one the file was opened
 * on; NULL (nothing to read) otherwise. task_res_read_unlock + task_put
 * when done. */
static struct task *proc_mem_task(struct proc_mem *pm)
{
	if (!pm || !pm->mm)
		return NULL;
	struct task *t = task_find(pm->pid);
	if (!t)
		return NULL;
	task_res_read_lock(t);
	if (t->exited || t->mm != pm->mm) {
		task_res_read_unlock(t);
		task_put(t);
		return NULL;
	}
	return t;
}

#define MEM_CHUNK (64UL << 10)
#define MEM_PIECES (MEM_CHUNK / RV_PAGE_SIZE + 1)

/* mem_rw(): the bytes at address *pos of the target, forced as ptrace
 * is (mm_iovecs_pin_force), pinned while copied. A short count at the
 * first page that cannot be reached; EIO when not even the first byte
 * can; 0 once the target's memory is gone. */
static ssize_t proc_mem_rw(struct file *f, const struct iovec *iov,
			   int iovcnt, int64_t *pos, bool write)
{
	struct proc_mem *pm = f->priv;
	size_t count = vfs_iov_length(iov, iovcnt);
	if (!count)
		return 0;
	struct task *t = proc_mem_task(pm);
	if (!t)
		return 0;
	uint64_t addr = (uint64_t)*pos;
	size_t done = 0;
	ssize_t err = 0;
	struct iovec pv[MEM_PIECES];
	while (done < count) {
		size_t chunk = RV_MIN(count - done, MEM_CHUNK), covered = 0;
		int n = mm_iovecs_pin_force(pm->mm, addr + done, chunk, write,
					    pv, (int)MEM_PIECES, &covered);
		if (n < 0)
			break;
		size_t moved = 0;
		for (int k = 0; k < n; k++) {
			ssize_t r = write ? vfs_iov_copy_in(pv[k].iov_base,
							    pv[k].iov_len, iov,
							    iovcnt, done + moved)
					  : vfs_iov_copy_out(iov, iovcnt,
							     done + moved,
							     pv[k].iov_base,
							     pv[k].iov_len);
			if (r < 0) {
				err = r;
				break;
			}
			moved += (size_t)r;
			if ((size_t)r < pv[k].iov_len)
				break;
		}
		mm_iovecs_release(pv, (size_t)n);
		done += moved;
		if (err || moved < chunk)
			break;
	}
	task_res_read_unlock(t);
	task_put(t);
	*pos = (int64_t)(addr + done);
	if (done)
		return (ssize_t)done;
	return err ? err : -EIO;
}

/* pagemap_read(): 8 bytes per page from page *pos / 8; offset and count
 * multiples of 8 (EINVAL); nothing past the end of user space. PFNs are
 * 0, as for a reader without CAP_SYS_ADMIN in the host's namespace. */
static ssize_t proc_pagemap_read(struct file *f, const struct iovec *iov,
				 int iovcnt, int64_t *pos)
{
	struct proc_mem *pm = f->priv;
	size_t count = vfs_iov_length(iov, iovcnt);
	uint64_t off = (uint64_t)*pos;
	if ((off & 7) || (count & 7))
		return -EINVAL;
	const uint64_t last = MM_USER_TOP >> RV_PAGE_SHIFT;
	uint64_t vpn = off / 8;
	if (!count || vpn >= last)
		return 0;
	struct task *t = proc_mem_task(pm);
	if (!t)
		return 0;
	uint64_t ent[512];
	size_t done = 0;
	ssize_t err = 0;
	while (done < count && vpn < last) {
		size_t n = RV_MIN((count - done) / 8, RV_ARRAY_SIZE(ent));
		n = RV_MIN(n, last - vpn);
		mm_pagemap(pm->mm, vpn << RV_PAGE_SHIFT, ent, n);
		ssize_t r = vfs_iov_copy_out(iov, iovcnt, done, ent, n * 8);
		if (r < 0) {
			err = r;
			break;
		}
		done += (size_t)r & ~(size_t)7;
		vpn += (size_t)r / 8;
		if ((size_t)r < n * 8)
			break;
	}
	task_res_read_unlock(t);
	task_put(t);
	*pos = (int64_t)(vpn * 8);
	return done ? (ssize_t)done : err;
}

static ssize_t proc_mem_read(struct file *f, const struct iovec *iov,
			     int iovcnt, int64_t *pos)
{
	if (PN(f->inode)->ent->kind == PK_PAGEMAP)
		return proc_pagemap_read(f, iov, iovcnt, pos);
	return proc_mem_rw(f, iov, iovcnt, pos, false);
}

static ssize_t proc_mem_write(struct file *f, const struct iovec *iov,
			      int iovcnt, int64_t *pos)
{
	if (PN(f->inode)->ent->kind != PK_MEM)
		return -EINVAL;
	return proc_mem_rw(f, iov, iovcnt, pos, true);
}

/* mem_lseek(): SEEK_SET and SEEK_CUR only, any value (an address). */
static int64_t proc_mem_llseek(struct file *f, int64_t off, int whence)
{
	switch (whence) {
	case SEEK_SET:
		return f->pos = off;
	case SEEK_CUR:
		return f->pos = (int64_t)((uint64_t)f->pos + (uint64_t)off);
	default:
		return -EINVAL;
	}
}

static void proc_mem_release(struct file *f)
{
	struct proc_mem *pm = f->priv;
	if (!pm)
		return;
	if (pm->mm)
		mm_put(pm->mm);
	free(pm);
}

static const struct file_operations proc_mem_fops = {
	.read = proc_mem_read,
	.write = proc_mem_write,
	.llseek = proc_mem_llseek,
	.release = proc_mem_release,
};

/* /proc/[pid]/timers (show_timer()). */
static void timers_row(void *arg, int id, int signo, uint64_t value,
		       int notify, int tid, int clockid)
{
	struct sbuf *s = ((void **)arg)[0];
	int tgid = *(int *)((void **)arg)[1];
	static const char *const nstr[] = {"signal", "none", "thread"};
	int base = notify & ~4; /* SIGEV_THREAD_ID */
	sb_printf(s, "ID: %d\nsignal: %d/%016" PRIx64 "\nnotify: %s/%s.%d\n"
		     "ClockID: %d\n",
		  id, signo, value, base >= 0 && base <= 2 ? nstr[base] : "?",
		  notify & 4 ? "tid" : "pid", notify & 4 ? tid : tgid,
		  clockid);
}

static int show_timers(struct sbuf *s, struct task *t)
{
	int tgid = t->tg ? t->tg->tgid : t->tid;
	void *arg[2] = {s, &tgid};
	timers_proc_each(tgid, timers_row, arg);
	return 0;
}

/* /proc/[pid]/numa_maps (show_numa_map()): the policy of every VMA
 * (default: the sandbox has one node, as get_mempolicy says) and its
 * resident pages, all on node 0. */
static int show_numa_maps(struct sbuf *s, struct task *t)
{
	if (!t->mm || t->exited)
		return 0;
	struct mm_vma_info *v;
	size_t n = mm_vma_snapshot(t->mm, &v, true);
	char path[PATH_MAX];
	for (size_t i = 0; i < n; i++) {
		sb_printf(s, "%08lx default", (unsigned long)v[i].start);
		if (v[i].file) {
			if (vfs_file_path(v[i].file, path, sizeof(path)) < 0)
				path[0] = 0;
			sb_printf(s, " file=%s", path);
		} else if (v[i].heap) {
			sb_printf(s, " heap");
		} else if (v[i].stack) {
			sb_printf(s, " stack");
		}
		if (v[i].pages) {
			if (v[i].anon)
				sb_printf(s, " anon=%" PRIu64, v[i].anon);
			if (v[i].dirty)
				sb_printf(s, " dirty=%" PRIu64, v[i].dirty);
			if (v[i].pages != v[i].anon &&
			    v[i].pages != v[i].dirty)
				sb_printf(s, " mapped=%" PRIu64, v[i].pages);
			if (v[i].mapmax > 1)
				sb_printf(s, " mapmax=%" PRIu64, v[i].mapmax);
			sb_printf(s, " N0=%" PRIu64 " kernelpagesize_kB=4",
				  v[i].pages);
		}
		sb_printf(s, "\n");
	}
	mm_vma_snapshot_free(v, n);
	return 0;
}

static int fd_count(struct task *t)
{
	int n = 0;
	for (int fd = 0; t->files && (fd = fd_next(t->files, fd)) >= 0; fd++)
		n = fd + 1;
	/* FDSize is the table's capacity in Linux: a multiple of 64. */
	return n <= 64 ? 64 : (n + 63) / 64 * 64;
}

static void sig_sets(struct task *t, uint64_t *ign, uint64_t *cgt)
{
	*ign = *cgt = 0;
	struct sighand *sh = t->tg ? t->tg->sighand : NULL;
	if (!sh)
		return;
	pthread_mutex_lock(&sh->lock);
	for (int sig = 1; sig <= RV_NSIG; sig++) {
		uint64_t h = sh->action[sig].handler;
		if (h == (uint64_t)(uintptr_t)SIG_IGN)
			*ign |= 1ULL << (sig - 1);
		else if (h != (uint64_t)(uintptr_t)SIG_DFL)
			*cgt |= 1ULL << (sig - 1);
	}
	pthread_mutex_unlock(&sh->lock);
}

static char task_state(struct task *t)
{
	if (t->exited)
		return 'Z';
	/* Job-control stop (SIGSTOP, SIGTSTP...): ps shows T. */
	if (t->tg && t->tg->stopped)
		return 'T';
	return t == current ? 'R' : 'S';
}

static const char *state_name(char c)
{
	switch (c) {
	case 'R':
		return "R (running)";
	case 'Z':
		return "Z (zombie)";
	case 'T':
		return "T (stopped)";
	default:
		return "S (sleeping)";
	}
}

static int show_status(struct sbuf *s, struct task *t)
{
	char comm[17];
	memcpy(comm, t->comm, 16);
	comm[16] = 0;
	int tgid = t->tg ? t->tg->tgid : t->tid;
	uint64_t vm = t->mm ? mm_vsize_bytes(t->mm) >> 10 : 0;
	uint64_t rss = t->mm ? mm_rss_bytes(t->mm) >> 10 : 0;
	uint32_t umask = t->fs ? fs_context_umask(t->fs, -1) : 022;
	uint64_t ign, cgt;
	sig_sets(t, &ign, &cgt);
	sb_printf(s, "Name:\t%s\nUmask:\t%04o\nState:\t%s\n", comm, umask,
		  state_name(task_state(t)));
	sb_printf(s, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		  tgid, t->tid, task_ppid(t));
	sb_printf(s, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n",
		  t->cred.uid, t->cred.euid, t->cred.suid, t->cred.fsuid,
		  t->cred.gid, t->cred.egid, t->cred.sgid, t->cred.fsgid);
	sb_printf(s, "FDSize:\t%d\nGroups:\t", fd_count(t));
	for (int k = 0; k < t->cred.ngroups && k < 32; k++)
		sb_printf(s, "%u ", t->cred.groups[k]);
	sb_printf(s, "\nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		  tgid, t->tid, t->tg ? t->tg->pgid : tgid,
		  t->tg ? t->tg->sid : tgid);
	sb_printf(s,
		  "VmPeak:\t%8" PRIu64 " kB\nVmSize:\t%8" PRIu64
		  " kB\nVmLck:\t%8d kB\nVmPin:\t%8d kB\nVmHWM:\t%8" PRIu64
		  " kB\nVmRSS:\t%8" PRIu64 " kB\n",
		  vm, vm, 0, 0, rss, rss);
	sb_printf(s, "Threads:\t%d\n", t->tg ? t->tg->nr_threads : 1);
	sb_printf(s, "SigQ:\t0/%d\n", 63432);
	sb_printf(s,
		  "SigPnd:\t%016" PRIx64 "\nShdPnd:\t%016" PRIx64
		  "\nSigBlk:\t%016" PRIx64 "\nSigIgn:\t%016" PRIx64
		  "\nSigCgt:\t%016" PRIx64 "\n",
		  (uint64_t)atomic_load(&t->pending), (uint64_t)0, t->sigmask,
		  ign, cgt);
	uint64_t caps = t->cred.euid == 0 ? 0x000001ffffffffffULL : 0;
	sb_printf(s,
		  "CapInh:\t%016" PRIx64 "\nCapPrm:\t%016" PRIx64
		  "\nCapEff:\t%016" PRIx64 "\nCapBnd:\t%016" PRIx64
		  "\nCapAmb:\t%016" PRIx64 "\n",
		  (uint64_t)0, caps, caps, (uint64_t)0x000001ffffffffffULL,
		  (uint64_t)0);
	sb_printf(s, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n");
	sb_printf(s, "voluntary_ctxt_switches:\t0\n"
		     "nonvoluntary_ctxt_switches:\t0\n");
	return 0;
}

/* CPU time of t, approximated by its sentry thread's (as getrusage and
 * the CPU clocks do: syscalls/time.c). 0 before it runs or once ended. */
static uint64_t task_cpu_ns(struct task *t)
{
	int htid = t->host_tid;
	struct timespec ts;
	if (htid <= 0)
		return 0;
	/* The host's clock id of thread htid: ~tid << 3 | per-thread |
	 * CPUCLOCK_SCHED. */
	clockid_t c = (clockid_t)((~(unsigned)htid << 3) | 4 | 2);
	if (clock_gettime(c, &ts) < 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The whole process's: its live threads and those that exited. */
static uint64_t tg_cpu_ns(struct task *t)
{
	if (!t->tg)
		return task_cpu_ns(t);
	kernel_lock();
	uint64_t ns = t->tg->utime_ns + t->tg->stime_ns;
	for (struct task *o = kernel_all_tasks_locked(); o; o = o->next_all)
		if (o->tg == t->tg && !o->exited)
			ns += task_cpu_ns(o);
	kernel_unlock();
	return ns;
}

static int show_stat_ns(struct sbuf *s, struct task *t, uint64_t cpu_ns);

/* /proc/[pid]/stat: the process's times; task/[tid]/stat: the thread's.
 * All is counted as user time (the host does not split it for us). */
static int show_stat(struct sbuf *s, struct task *t)
{
	return show_stat_ns(s, t, tg_cpu_ns(t));
}

static int show_thread_stat(struct sbuf *s, struct task *t)
{
	return show_stat_ns(s, t, task_cpu_ns(t));
}

static uint64_t boot_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Field 22, starttime: clock ticks after boot. A thread's own stat gives
 * its own start; /proc/[pid]/stat is shown for the leader, as Linux does. */
static uint64_t start_ticks(const struct task *t)
{
	return t->start_boot_ns / 10000000;
}

static int show_stat_ns(struct sbuf *s, struct task *t, uint64_t cpu_ns)
{
	char comm[17];
	memcpy(comm, t->comm, 16);
	comm[16] = 0;
	int tgid = t->tg ? t->tg->tgid : t->tid;
	struct mm_layout z = {0};
	struct mm_layout *ml = t->mm ? mm_layout(t->mm) : &z;
	uint64_t vm = t->mm ? mm_vsize_bytes(t->mm) : 0;
	uint64_t rss = t->mm ? mm_rss_bytes(t->mm) >> RV_PAGE_SHIFT : 0;
	uint64_t ign, cgt;
	sig_sets(t, &ign, &cgt);
	/* proc(5): 52 fields; times in clock ticks (USER_HZ 100). */
	sb_printf(s, "%d (%s) %c %d %d %d 0 -1 4194304 0 0 0 0 %" PRIu64
		     " 0 0 0 20 0 %d 0 "
		     "%" PRIu64 " %" PRIu64 " %" PRIu64 " 18446744073709551615 %" PRIu64
		     " %" PRIu64 " %" PRIu64 " 0 0 0 %" PRIu64 " %" PRIu64
		     " %" PRIu64 " 0 0 0 17 0 0 0 0 0 0 %" PRIu64 " %" PRIu64
		     " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
		     " 0\n",
		  t->tid, comm, task_state(t), task_ppid(t),
		  t->tg ? t->tg->pgid : tgid, t->tg ? t->tg->sid : tgid,
		  cpu_ns / 10000000, t->tg ? t->tg->nr_threads : 1,
		  start_ticks(t), vm, rss, ml->start_code,
		  ml->end_code, ml->start_stack, t->sigmask & 0x7fffffff,
		  ign & 0x7fffffff, cgt & 0x7fffffff, ml->start_data,
		  ml->end_data, ml->start_brk, ml->arg_start, ml->arg_end,
		  ml->env_start, ml->env_end);
	return 0;
}

static int show_statm(struct sbuf *s, struct task *t)
{
	uint64_t vm = t->mm ? mm_vsize_bytes(t->mm) >> RV_PAGE_SHIFT : 0;
	uint64_t rss = t->mm ? mm_rss_bytes(t->mm) >> RV_PAGE_SHIFT : 0;
	sb_printf(s, "%" PRIu64 " %" PRIu64 " 0 0 0 0 0\n", vm, rss);
	return 0;
}

static int show_mounts(struct sbuf *s, struct task *t)
{
	(void)t;
	size_t len;
	char *m = vfs_mounts_text(&len);
	sb_put(s, m, len);
	free(m);
	return 0;
}

/* --- top-level files ---------------------------------------------------------- */

/* The host's /proc/cpuinfo, read once when proc is mounted: once the
 * sentry has confined itself it can open no host path. */
static char *host_cpuinfo;
static size_t host_cpuinfo_len;

static void snapshot_host_file(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	size_t cap = 16384, n = 0;
	char *buf = rv_xmalloc(cap);
	ssize_t r;
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap)
			buf = rv_xrealloc(buf, cap *= 2);
	}
	close(fd);
	*out = buf;
	*len = n;
}

static int show_cpuinfo(struct sbuf *s, struct task *t)
{
	(void)t;
	if (host_cpuinfo)
		sb_put(s, host_cpuinfo, host_cpuinfo_len);
	return 0;
}

static int show_meminfo(struct sbuf *s, struct task *t)
{
	(void)t;
	struct sysinfo si;
	uint64_t total = MEMFILE_MAX_SIZE >> 10;
	if (sysinfo(&si) == 0 && (uint64_t)si.totalram * si.mem_unit < MEMFILE_MAX_SIZE)
		total = ((uint64_t)si.totalram * si.mem_unit) >> 10;
	uint64_t used = memfile_used_bytes() >> 10;
	uint64_t freek = total > used ? total - used : 0;
	sb_printf(s,
		  "MemTotal:       %8" PRIu64 " kB\n"
		  "MemFree:        %8" PRIu64 " kB\n"
		  "MemAvailable:   %8" PRIu64 " kB\n"
		  "Buffers:        %8d kB\n"
		  "Cached:         %8d kB\n"
		  "SwapCached:     %8d kB\n"
		  "Active:         %8" PRIu64 " kB\n"
		  "Inactive:       %8d kB\n"
		  "SwapTotal:      %8d kB\n"
		  "SwapFree:       %8d kB\n"
		  "Shmem:          %8d kB\n",
		  total, freek, freek, 0, 0, 0, used, 0, 0, 0, 0);
	return 0;
}

static int show_uptime(struct sbuf *s, struct task *t)
{
	(void)t;
	/* The host's boot clock, as sysinfo(2) and CLOCK_BOOTTIME give it, so
	 * that ps(1) ages processes from stat's starttime correctly. */
	uint64_t up = boot_ns() / 10000000;
	sb_printf(s, "%" PRIu64 ".%02" PRIu64 " %" PRIu64 ".%02" PRIu64 "\n",
		  up / 100, up % 100, up / 100, up % 100);
	return 0;
}

static int show_loadavg(struct sbuf *s, struct task *t)
{
	(void)t;
	struct pid_list l = {0};
	kernel_for_each_tgid(collect_pid, &l);
	int last = l.n ? l.pids[l.n - 1] : 1;
	sb_printf(s, "0.00 0.00 0.00 1/%zu %d\n", l.n, last);
	free(l.pids);
	return 0;
}

static int show_kstat(struct sbuf *s, struct task *t)
{
	(void)t;
	long ncpu = rv_host_cpus(); /* not sysconf: this thread is pinned */
	sb_printf(s, "cpu  0 0 0 0 0 0 0 0 0 0\n");
	for (long c = 0; c < ncpu; c++)
		sb_printf(s, "cpu%ld 0 0 0 0 0 0 0 0 0 0\n", c);
	/* btime is when the boot clock started, in seconds since the
	 * epoch: ps(1) adds stat's starttime to it for START, which was
	 * hours in the future with btime = now. */
	sb_printf(s, "intr 0\nctxt 0\nbtime %ld\nprocesses 0\n"
		     "procs_running 1\nprocs_blocked 0\nsoftirq 0\n",
		  (long)time(NULL) - (long)(boot_ns() / 1000000000));
	return 0;
}

static int show_filesystems(struct sbuf *s, struct task *t)
{
	(void)t;
	/* The types the sandbox's mounts show (overlay is the root's) and
	 * mount(2) accepts (tmpfs, ramfs, proc), in Linux's order. */
	sb_printf(s, "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\n"
		     "nodev\tdevtmpfs\nnodev\tpipefs\nnodev\tanon_inodefs\n"
		     "nodev\tramfs\nnodev\toverlay\n");
	return 0;
}

static int show_uts(struct sbuf *s, int which)
{
	struct utsname u;
	if (uname(&u) < 0)
		return -EIO;
	const char *v = which == 0 ? "Linux" : which == 1 ? u.release
							   : u.nodename;
	sb_printf(s, "%s\n", v);
	return 0;
}

static int show_ostype(struct sbuf *s, struct task *t)
{
	(void)t;
	return show_uts(s, 0);
}

static int show_osrelease(struct sbuf *s, struct task *t)
{
	(void)t;
	return show_uts(s, 1);
}

static int show_hostname(struct sbuf *s, struct task *t)
{
	(void)t;
	return show_uts(s, 2);
}

static int show_version(struct sbuf *s, struct task *t)
{
	(void)t;
	struct utsname u;
	if (uname(&u) < 0)
		return -EIO;
	sb_printf(s, "Linux version %s (ringvisor) %s\n", u.release,
		  u.version);
	return 0;
}

static int show_self_mounts(struct sbuf *s, struct task *t)
{
	return show_mounts(s, t);
}

/* mountstats: "device SRC mounted on DIR with fstype TYPE" per mount
 * (show_vfsstat(); no statistics follow for these file systems). */
static int show_mountstats(struct sbuf *s, struct task *t)
{
	(void)t;
	size_t len;
	char *m = vfs_mounts_text(&len);
	char *save, *line = strtok_r(m, "\n", &save);
	for (; line; line = strtok_r(NULL, "\n", &save)) {
		char *src = line, *dir = strchr(src, ' ');
		if (!dir)
			continue;
		*dir++ = 0;
		char *type = strchr(dir, ' ');
		if (!type)
			continue;
		*type++ = 0;
		char *end = strchr(type, ' ');
		if (end)
			*end = 0;
		sb_printf(s, "device %s mounted on %s with fstype %s\n", src,
			  dir, type);
	}
	free(m);
	return 0;
}

static int show_mountinfo(struct sbuf *s, struct task *t)
{
	(void)t;
	size_t len;
	char *m = vfs_mountinfo_text(&len);
	sb_put(s, m, len);
	free(m);
	return 0;
}

static int show_cgroup(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "0::/\n"); /* cgroup v2, at the root of its namespace */
	return 0;
}

/* /proc/[pid]/limits in Linux's layout (fs/proc/base.c). */
static int show_limits(struct sbuf *s, struct task *t)
{
	static const struct {
		const char *name, *unit;
		int res;
	} lims[] = {
		{"Max cpu time", "seconds", RLIMIT_CPU},
		{"Max file size", "bytes", RLIMIT_FSIZE},
		{"Max data size", "bytes", RLIMIT_DATA},
		{"Max stack size", "bytes", RLIMIT_STACK},
		{"Max core file size", "bytes", RLIMIT_CORE},
		{"Max resident set", "bytes", RLIMIT_RSS},
		{"Max processes", "processes", RLIMIT_NPROC},
		{"Max open files", "files", RLIMIT_NOFILE},
		{"Max locked memory", "bytes", RLIMIT_MEMLOCK},
		{"Max address space", "bytes", RLIMIT_AS},
		{"Max file locks", "locks", RLIMIT_LOCKS},
		{"Max pending signals", "signals", RLIMIT_SIGPENDING},
		{"Max msgqueue size", "bytes", RLIMIT_MSGQUEUE},
		{"Max nice priority", "", RLIMIT_NICE},
		{"Max realtime priority", "", RLIMIT_RTPRIO},
		{"Max realtime timeout", "us", RLIMIT_RTTIME},
	};
	sb_printf(s, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit",
		  "Hard Limit", "Units");
	for (size_t k = 0; k < RV_ARRAY_SIZE(lims); k++) {
		struct rlimit r = t->tg ? t->tg->rlim[lims[k].res]
					: (struct rlimit){RLIM_INFINITY,
							  RLIM_INFINITY};
		char soft[32], hard[32];
		if (r.rlim_cur == RLIM_INFINITY)
			snprintf(soft, sizeof(soft), "unlimited");
		else
			snprintf(soft, sizeof(soft), "%llu",
				 (unsigned long long)r.rlim_cur);
		if (r.rlim_max == RLIM_INFINITY)
			snprintf(hard, sizeof(hard), "unlimited");
		else
			snprintf(hard, sizeof(hard), "%llu",
				 (unsigned long long)r.rlim_max);
		sb_printf(s, "%-25s %-20s %-20s %-10s\n", lims[k].name, soft,
			  hard, lims[k].unit);
	}
	return 0;
}

static int show_randomize_va_space(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "%d\n", LOADER_RANDOMIZE_VA_SPACE);
	return 0;
}

static int show_pid_max(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "4194304\n");
	return 0;
}

static int show_nr_open(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "1048576\n");
	return 0;
}

static int show_overcommit(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "0\n");
	return 0;
}

/* A fresh random UUID at every open, like Linux's random/uuid. */
static int show_uuid(struct sbuf *s, struct task *t)
{
	(void)t;
	uint8_t u[16];
	if (getrandom(u, sizeof(u), 0) != sizeof(u))
		return -EIO;
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	sb_printf(s,
		  "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		  "%02x%02x%02x%02x%02x%02x\n",
		  u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		  u[10], u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

/* boot_id: one UUID for the life of the sandbox. */
static int show_boot_id(struct sbuf *s, struct task *t)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static char id[40];
	pthread_mutex_lock(&lock);
	if (!id[0]) {
		struct sbuf tmp = {0};
		show_uuid(&tmp, t);
		if (tmp.buf)
			snprintf(id, sizeof(id), "%s", tmp.buf);
		free(tmp.buf);
	}
	pthread_mutex_unlock(&lock);
	sb_printf(s, "%s", id);
	return 0;
}

/* Files whose text is fixed: what Linux shows for a process nobody has
 * tuned, or for a machine with nothing of the kind. Formats from
 * proc(5) and fs/proc/base.c (loginuid, sessionid and wchan have no
 * newline there either). */
#define PROC_CONST(fn, text)                                        \
	static int fn(struct sbuf *s, struct task *t)               \
	{                                                           \
		(void)t;                                            \
		sb_printf(s, "%s", text);                           \
		return 0;                                           \
	}
PROC_CONST(show_zero_nl, "0\n")               /* oom_score, oom_adj, ... */
PROC_CONST(show_no_uid, "4294967295")         /* loginuid, sessionid: unset */
PROC_CONST(show_wchan, "0")                   /* not shown: as for others' */
PROC_CONST(show_timerslack, "50000\n")
PROC_CONST(show_coredump_filter, "00000033\n")
PROC_CONST(show_schedstat, "0 0 0\n")
PROC_CONST(show_setgroups, "allow\n")
/* The initial user namespace's identity map. */
PROC_CONST(show_id_map, "         0          0 4294967295\n")
PROC_CONST(show_cpuset, "/\n")
PROC_CONST(show_io, "rchar: 0\nwchar: 0\nsyscr: 0\nsyscw: 0\n"
		    "read_bytes: 0\nwrite_bytes: 0\ncancelled_write_bytes: 0\n")
PROC_CONST(show_empty, "")
/* KSM: the sandbox merges nothing (Linux 6.x's fields). */
PROC_CONST(show_ksm_stat, "ksm_rmap_items 0\nksm_zero_pages 0\n"
			  "ksm_merging_pages 0\nksm_process_profit 0\n"
			  "ksm_merge_any: no\nksm_mergeable: no\n")
/* The initial time namespace: no offsets. */
PROC_CONST(show_timens_offsets, "monotonic           0         0\n"
				"boottime            0         0\n")
PROC_CONST(show_swaps, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\t"
		       "Priority\n")
PROC_CONST(show_partitions, "major minor  #blocks  name\n\n")
PROC_CONST(show_kcmdline, "BOOT_IMAGE=/vmlinuz-ringvisor quiet\n")
PROC_CONST(show_ngroups_max, "65536\n")
PROC_CONST(show_cap_last_cap, "40\n")         /* CAP_CHECKPOINT_RESTORE */
PROC_CONST(show_overflowid, "65534\n")
PROC_CONST(show_threads_max, "4194304\n")
PROC_CONST(show_domainname, "(none)\n")
PROC_CONST(show_max_map_count, "65530\n")
PROC_CONST(show_file_max, "9223372036854775807\n")
PROC_CONST(show_pipe_max_size, "1048576\n")

static int show_oom_score_adj(struct sbuf *s, struct task *t)
{
	sb_printf(s, "%d\n", __atomic_load_n(&t->tg->oom_score_adj,
					      __ATOMIC_RELAXED));
	return 0;
}

/* oom_adj_read(): the legacy scale; -1000 reads as -17. */
static int show_oom_adj(struct sbuf *s, struct task *t)
{
	int v = __atomic_load_n(&t->tg->oom_score_adj, __ATOMIC_RELAXED);
	sb_printf(s, "%d\n", v == OOM_SCORE_ADJ_MAX ? OOM_ADJ_MAX :
			      v * -OOM_ADJ_MIN / OOM_SCORE_ADJ_MAX);
	return 0;
}

/* sched: the header and the fields the sandbox knows (it does not run
 * Linux's scheduler, so no se.* accounting). */
static int show_sched(struct sbuf *s, struct task *t)
{
	sb_printf(s, "%.16s (%d, #threads: %d)\n", t->comm, t->tid,
		  t->tg->nr_threads);
	sb_printf(s, "-------------------------------------------------------"
		     "------------\n");
	sb_printf(s, "%-45s:%21d\n%-45s:%21d\n", "policy", t->sched_policy,
		  "prio", 120 + t->nice);
	return 0;
}

PROC_CONST(show_autogroup, "/autogroup-1 nice 0\n")
/* x86's arch_status: AVX-512 use is not tracked, -1 as for a task that
 * never used it. */
PROC_CONST(show_arch_status, "AVX512_elapsed_ms:\t-1\n")
PROC_CONST(show_devices, "Character devices:\n  1 mem\n  4 /dev/vc/0\n"
			 "  4 tty\n  5 /dev/tty\n  5 /dev/console\n"
			 "  5 /dev/ptmx\n136 pts\n\nBlock devices:\n")

static int show_clear_refs(struct sbuf *s, struct task *t)
{
	(void)s;
	(void)t;
	return 0;
}

static int show_personality(struct sbuf *s, struct task *t)
{
	sb_printf(s, "%08x\n", t ? t->personality : 0);
	return 0;
}

static int show_kversion(struct sbuf *s, struct task *t)
{
	(void)t;
	struct utsname u;
	if (uname(&u) < 0)
		return -EIO;
	sb_printf(s, "%s\n", u.version);
	return 0;
}

/* /proc/vmstat: vmstat(8) and free's library refuse to start without it.
 * The page counts come from the memory file (all app memory is anonymous
 * to the sandbox); event counters the sentry does not keep read 0, as on
 * a machine that has just booted. */
static int show_vmstat(struct sbuf *s, struct task *t)
{
	(void)t;
	static const char *const zero[] = {
		"nr_zone_inactive_anon", "nr_zone_active_file",
		"nr_zone_inactive_file", "nr_zone_unevictable",
		"nr_zone_write_pending", "nr_mlock", "nr_bounce",
		"nr_zspages", "nr_free_cma", "numa_hit", "numa_miss",
		"numa_foreign", "numa_interleave", "numa_local", "numa_other",
		"nr_inactive_anon", "nr_inactive_file", "nr_active_file",
		"nr_unevictable", "nr_slab_reclaimable",
		"nr_slab_unreclaimable", "nr_isolated_anon",
		"nr_isolated_file", "workingset_refault_anon",
		"workingset_refault_file", "nr_file_pages", "nr_dirty",
		"nr_writeback", "nr_shmem", "nr_file_hugepages",
		"nr_file_pmdmapped", "nr_anon_transparent_hugepages",
		"nr_dirty_threshold", "nr_dirty_background_threshold",
		"pgpgin", "pgpgout", "pswpin", "pswpout", "pgalloc_normal",
		"pgfree", "pgactivate", "pgdeactivate", "pgfault",
		"pgmajfault", "pgrefill", "pgsteal_kswapd", "pgsteal_direct",
		"pgscan_kswapd", "pgscan_direct", "pginodesteal",
		"slabs_scanned", "kswapd_inodesteal", "pageoutrun",
		"allocstall_normal", "pgrotated", "drop_pagecache",
		"drop_slab", "oom_kill", "thp_fault_alloc",
		"thp_collapse_alloc", "thp_split_page", "swap_ra",
		"swap_ra_hit",
	};
	struct sysinfo si;
	uint64_t total = MEMFILE_MAX_SIZE;
	if (sysinfo(&si) == 0 &&
	    (uint64_t)si.totalram * si.mem_unit < MEMFILE_MAX_SIZE)
		total = (uint64_t)si.totalram * si.mem_unit;
	uint64_t used = memfile_used_bytes();
	uint64_t freep = (total > used ? total - used : 0) >> RV_PAGE_SHIFT;
	uint64_t usedp = used >> RV_PAGE_SHIFT;

	sb_printf(s, "nr_free_pages %" PRIu64 "\n", freep);
	sb_printf(s, "nr_zone_active_anon %" PRIu64 "\n", usedp);
	sb_printf(s, "nr_active_anon %" PRIu64 "\n", usedp);
	sb_printf(s, "nr_anon_pages %" PRIu64 "\n", usedp);
	sb_printf(s, "nr_mapped %" PRIu64 "\n", usedp);
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		sb_printf(s, "%s 0\n", zero[i]);
	return 0;
}

#define F(n, fn) {n, S_IFREG | 0444, PK_FILE, fn, NULL, NULL}
#define FP(n, fn) {n, S_IFREG | 0400, PK_FILE, fn, NULL, NULL}
#define L(n, fn) {n, S_IFLNK | 0777, PK_PID_LINK, NULL, NULL, fn}

/* net/: Linux's tables, with a row for each of the sandbox's sockets
 * (sock_collect): the AF_INET/AF_INET6 ones are host sockets, read back
 * through their ops (addresses; TCP_INFO for a TCP socket's state);
 * unix ones are the sentry's own. Inode numbers are the socket:[N] of
 * /proc/[pid]/fd. Kernel pointers read as 0, as with kptr_restrict. */
static int show_net_dev(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "Inter-|   Receive                                      "
		     "          |  Transmit\n"
		     " face |bytes    packets errs drop fifo frame compressed "
		     "multicast|bytes    packets errs drop fifo colls carrier "
		     "compressed\n");
	sb_printf(s, "%6s:%8d %7d %4d %4d %4d %5d %10d %9d %8d %7d %4d %4d "
		     "%4d %5d %7d %10d\n",
		  "lo", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	return 0;
}

#define NET_TCP_LISTEN 10
#define NET_TCP_CLOSE 7
#define NET_TCP_ESTABLISHED 1

/* One inet socket as its row shows it. */
struct net_row {
	struct sockaddr_storage l, r;
	int st;
	unsigned tx, rx;
	uint64_t ino;
	uid_t uid;
	long rto, ato, cwnd, ssthresh;
};

static bool net_row_get(struct file *f, int proto, struct net_row *w)
{
	struct socket *so = sock_from_file(f);
	int type = proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	if (!so || (so->type & 0xf) != type ||
	    (so->protocol && so->protocol != proto))
		return false;
	memset(w, 0, sizeof(*w));
	socklen_t len = sizeof(w->l);
	if (so->ops->getname(so, &w->l, &len, false) < 0)
		memset(&w->l, 0, sizeof(w->l));
	len = sizeof(w->r);
	bool peer = so->ops->getname(so, &w->r, &len, true) == 0;
	if (!peer)
		memset(&w->r, 0, sizeof(w->r));
	w->ino = f->inode ? f->inode->ino : 0;
	w->uid = so->uid;
	if (proto == IPPROTO_TCP) {
		struct tcp_info ti;
		len = sizeof(ti);
		memset(&ti, 0, sizeof(ti));
		if (so->ops->getsockopt(so, IPPROTO_TCP, TCP_INFO, &ti,
					&len) < 0)
			ti.tcpi_state = NET_TCP_CLOSE;
		w->st = ti.tcpi_state;
		/* In the kernel's clock ticks (USER_HZ 100). */
		w->rto = ti.tcpi_rto / 10000;
		w->ato = ti.tcpi_ato / 10000;
		w->cwnd = ti.tcpi_snd_cwnd;
		w->ssthresh = ti.tcpi_snd_ssthresh >= 0x7fffffff
				      ? -1 : (long)ti.tcpi_snd_ssthresh;
		if (w->st == NET_TCP_LISTEN) {
			/* A listener's rx_queue is its accept queue (TCP_INFO's
			 * tcpi_unacked), its rto TCP_TIMEOUT_INIT (1 s), its
			 * last column fastopen's queue limit (0). */
			w->rx = ti.tcpi_unacked;
			w->rto = w->rto ? w->rto : 100;
			w->ssthresh = 0;
		}
	} else {
		w->st = peer ? NET_TCP_ESTABLISHED : NET_TCP_CLOSE;
	}
	return true;
}

static uint16_t net_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* The address as the kernel prints it: each 32-bit word of the network
 * order bytes as a host-order number. */
static void net_addr(struct sbuf *s, const struct sockaddr_storage *ss,
		     bool v6)
{
	uint32_t w[4] = {0, 0, 0, 0};
	if (!v6 && ss->ss_family == AF_INET)
		memcpy(w, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else if (v6 && ss->ss_family == AF_INET6)
		memcpy(w, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	if (v6)
		sb_printf(s, "%08X%08X%08X%08X:%04X", w[0], w[1], w[2], w[3],
			  net_port(ss));
	else
		sb_printf(s, "%08X:%04X", w[0], net_port(ss));
}

static void show_net_inet(struct sbuf *s, int family, int proto)
{
	bool v6 = family == AF_INET6, tcp = proto == IPPROTO_TCP;
	if (tcp && !v6)
		sb_printf(s, "%-149s\n", "  sl  local_address rem_address   st "
			  "tx_queue rx_queue tr tm->when retrnsmt   uid  "
			  "timeout inode");
	else if (!v6)
		sb_printf(s, "%-127s\n", "   sl  local_address rem_address   "
			  "st tx_queue rx_queue tr tm->when retrnsmt   uid  "
			  "timeout inode ref pointer drops");
	else
		sb_printf(s, "  sl  local_address                         "
			  "remote_address                        st tx_queue "
			  "rx_queue tr tm->when retrnsmt   uid  timeout inode%s\n",
			  tcp ? "" : " ref pointer drops");
	struct file **fs;
	size_t n = sock_collect(family, &fs);
	int sl = 0;
	for (size_t k = 0; k < n; k++) {
		struct net_row w;
		if (net_row_get(fs[k], proto, &w)) {
			size_t at = s->len;
			sb_printf(s, tcp ? "%4d: " : "%5d: ", sl++);
			net_addr(s, &w.l, v6);
			sb_printf(s, " ");
			net_addr(s, &w.r, v6);
			sb_printf(s, " %02X %08X:%08X 00:00000000 00000000 %5u "
				     "%8d %" PRIu64 " ",
				  w.st, w.tx, w.rx, (unsigned)w.uid, 0, w.ino);
			if (tcp)
				sb_printf(s, "1 %016x %ld %ld 0 %ld %ld", 0,
					  w.rto, w.ato, w.cwnd, w.ssthresh);
			else
				sb_printf(s, "2 %016x 0", 0);
			/* tcp and udp pad rows to 149 and 127 columns. */
			size_t row = s->len - at;
			size_t pad = v6 ? 0 : tcp ? 149 : 127;
			sb_printf(s, "%*s\n", row < pad ? (int)(pad - row) : 0,
				  "");
		}
		file_put(fs[k]);
	}
	free(fs);
}

/* One show function per table of /proc/net: family and protocol. */
#define NET_INET_TABLE(name, fam, proto)                                       \
	static int show_net_##name(struct sbuf *s, struct task *t)            \
	{                                                                      \
		(void)t;                                                       \
		show_net_inet(s, fam, proto);                                  \
		return 0;                                                      \
	}
NET_INET_TABLE(tcp, AF_INET, IPPROTO_TCP)
NET_INET_TABLE(udp, AF_INET, IPPROTO_UDP)
NET_INET_TABLE(tcp6, AF_INET6, IPPROTO_TCP)
NET_INET_TABLE(udp6, AF_INET6, IPPROTO_UDP)

static int show_net_unix(struct sbuf *s, struct task *t)
{
	(void)t;
	sb_printf(s, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	struct file **fs;
	size_t n = sock_collect(AF_UNIX, &fs);
	char row[256];
	for (size_t k = 0; k < n; k++) {
		struct socket *so = sock_from_file(fs[k]);
		if (so) {
			unix_proc_row(so, fs[k]->inode ? fs[k]->inode->ino : 0,
				      row, sizeof(row));
			sb_printf(s, "%s", row);
		}
		file_put(fs[k]);
	}
	free(fs);
	return 0;
}

static const struct proc_ent net_children[] = {
	F("dev", show_net_dev),
	F("tcp", show_net_tcp),
	F("tcp6", show_net_tcp6),
	F("udp", show_net_udp),
	F("udp6", show_net_udp6),
	F("unix", show_net_unix),
	{0},
};

#define NSL(n) {n, S_IFLNK | 0777, PK_NS_LINK, NULL, NULL, NULL}
static const struct proc_ent ns_children[] = {
	NSL("cgroup"), NSL("ipc"), NSL("mnt"), NSL("net"), NSL("pid"),
	NSL("pid_for_children"), NSL("time"), NSL("time_for_children"),
	NSL("user"), NSL("uts"),
	{0},
};

/* What [pid] and task/[tid] both hold. */
#define PID_COMMON_CHILDREN                                         \
	F("cgroup", show_cgroup),                                   \
	F("cmdline", show_cmdline),                                 \
	{"comm", S_IFREG | 0644, PK_FILE, show_comm, NULL, NULL},   \
	F("limits", show_limits),                                   \
	F("oom_score", show_zero_nl),                               \
	{"oom_score_adj", S_IFREG | 0644, PK_FILE, show_oom_score_adj, \
	 NULL, NULL},                                               \
	{"oom_adj", S_IFREG | 0644, PK_FILE, show_oom_adj, NULL, NULL}, \
	FP("io", show_io),                                          \
	F("wchan", show_wchan),                                     \
	F("schedstat", show_schedstat),                             \
	FP("personality", show_personality),                        \
	F("setgroups", show_setgroups),                             \
	F("uid_map", show_id_map),                                  \
	F("gid_map", show_id_map),                                  \
	F("projid_map", show_id_map),                               \
	F("loginuid", show_no_uid),                                 \
	F("sessionid", show_no_uid),                                \
	F("cpuset", show_cpuset),                                   \
	F("timerslack_ns", show_timerslack),                        \
	F("coredump_filter", show_coredump_filter),                 \
	FP("environ", show_environ),                                \
	FP("auxv", show_auxv),                                      \
	F("maps", show_maps),                                       \
	FP("smaps", show_smaps),                                    \
	FP("smaps_rollup", show_smaps_rollup),                      \
	F("mounts", show_self_mounts),                              \
	F("mountinfo", show_mountinfo),                             \
	FP("mountstats", show_mountstats),                          \
	F("sched", show_sched),                                     \
	F("autogroup", show_autogroup),                             \
	{"clear_refs", S_IFREG | 0200, PK_FILE, show_clear_refs,    \
	 NULL, NULL},                                               \
	F("arch_status", show_arch_status),                         \
	FP("stack", show_empty),                                    \
	FP("syscall", show_syscall),                                \
	F("statm", show_statm),                                     \
	F("status", show_status),                                   \
	L("cwd", link_cwd),                                         \
	L("exe", link_exe),                                         \
	L("root", link_root),                                       \
	{"fd", S_IFDIR | 0500, PK_FD_DIR, NULL, NULL, NULL},        \
	{"ns", S_IFDIR | 0511, PK_DIR, NULL, ns_children, NULL},    \
	{"net", S_IFDIR | 0555, PK_DIR, NULL, net_children, NULL},  \
	{"attr", S_IFDIR | 0555, PK_DIR, NULL, NULL, NULL},         \
	{"fdinfo", S_IFDIR | 0500, PK_FDINFO_DIR, NULL, NULL, NULL}, \
	{"mem", S_IFREG | 0600, PK_MEM, NULL, NULL, NULL},          \
	{"pagemap", S_IFREG | 0400, PK_PAGEMAP, NULL, NULL, NULL},  \
	F("numa_maps", show_numa_maps),                             \
	FP("ksm_merging_pages", show_zero_nl),                      \
	FP("ksm_stat", show_ksm_stat)

static const struct proc_ent pid_children[] = {
	PID_COMMON_CHILDREN,
	F("stat", show_stat),
	{"map_files", S_IFDIR | 0500, PK_MAPF_DIR, NULL, NULL, NULL},
	F("timers", show_timers),
	{"timens_offsets", S_IFREG | 0644, PK_FILE, show_timens_offsets,
	 NULL, NULL},
	{"task", S_IFDIR | 0555, PK_TASK_DIR, NULL, NULL, NULL},
	{0},
};

/* A thread's directory has no task/ of its own (proc(5)). */
static const struct proc_ent tid_children[] = {
	PID_COMMON_CHILDREN,
	F("stat", show_thread_stat),
	{0},
};

static const struct proc_ent random_children[] = {
	F("boot_id", show_boot_id),
	F("uuid", show_uuid),
	{0},
};

static const struct proc_ent kernel_children[] = {
	F("hostname", show_hostname),
	F("osrelease", show_osrelease),
	F("ostype", show_ostype),
	F("pid_max", show_pid_max),
	F("randomize_va_space", show_randomize_va_space),
	F("threads-max", show_threads_max),
	F("ngroups_max", show_ngroups_max),
	F("cap_last_cap", show_cap_last_cap),
	F("overflowuid", show_overflowid),
	F("overflowgid", show_overflowid),
	F("domainname", show_domainname),
	F("version", show_kversion),
	{"random", S_IFDIR | 0555, PK_DIR, NULL, random_children, NULL},
	{0},
};

static const struct proc_ent fs_children[] = {
	F("nr_open", show_nr_open),
	F("file-max", show_file_max),
	F("pipe-max-size", show_pipe_max_size),
	{0},
};

static const struct proc_ent vm_children[] = {
	F("overcommit_memory", show_overcommit),
	F("max_map_count", show_max_map_count),
	{0},
};

static const struct proc_ent sys_children[] = {
	{"fs", S_IFDIR | 0555, PK_DIR, NULL, fs_children, NULL},
	{"kernel", S_IFDIR | 0555, PK_DIR, NULL, kernel_children, NULL},
	{"vm", S_IFDIR | 0555, PK_DIR, NULL, vm_children, NULL},
	{0},
};

static const struct proc_ent root_children[] = {
	F("cmdline", show_kcmdline),
	F("cpuinfo", show_cpuinfo),
	F("devices", show_devices),
	F("diskstats", show_empty),
	F("filesystems", show_filesystems),
	F("loadavg", show_loadavg),
	F("meminfo", show_meminfo),
	F("mounts", show_mounts),
	F("partitions", show_partitions),
	F("stat", show_kstat),
	F("uptime", show_uptime),
	F("swaps", show_swaps),
	F("version", show_version),
	F("vmstat", show_vmstat),
	{"self", S_IFLNK | 0777, PK_SELF, NULL, NULL, NULL},
	{"thread-self", S_IFLNK | 0777, PK_SELF, NULL, NULL, NULL},
	{"net", S_IFLNK | 0777, PK_SELF, NULL, NULL, NULL},
	{"sys", S_IFDIR | 0555, PK_DIR, NULL, sys_children, NULL},
	{0},
};

static const struct proc_ent proc_root_ent = {
	"/", S_IFDIR | 0555, PK_DIR, NULL, root_children, NULL,
};
static const struct proc_ent proc_pid_ent = {
	"pid", S_IFDIR | 0555, PK_PID_DIR, NULL, pid_children, NULL,
};
static const struct proc_ent proc_tid_ent = {
	"tid", S_IFDIR | 0555, PK_PID_DIR, NULL, tid_children, NULL,
};
static const struct proc_ent proc_fd_dir_ent = {
	"fd", S_IFDIR | 0500, PK_FD_DIR, NULL, NULL, NULL,
};
static const struct proc_ent proc_fdinfo_dir_ent = {
	"fdinfo", S_IFDIR | 0500, PK_FDINFO_DIR, NULL, NULL, NULL,
};
static const struct proc_ent proc_fdinfo_file_ent = {
	"fdinfo", S_IFREG | 0400, PK_FDINFO_FILE, NULL, NULL, NULL,
};
static const struct proc_ent proc_mapf_link_ent = {
	"mapfile", S_IFLNK | 0400, PK_MAPF_LINK, NULL, NULL, NULL,
};
static const struct proc_ent proc_fd_link_ent = {
	"fdlink", S_IFLNK | 0700, PK_FD_LINK, NULL, NULL, NULL,
};

int procfs_new_sb(struct super_block **sbp, struct dentry **rootp)
{
	if (!host_cpuinfo)
		snapshot_host_file("/proc/cpuinfo", &host_cpuinfo,
				   &host_cpuinfo_len);
	struct super_block *sb = rv_xcalloc(1, sizeof(*sb));
	sb->fstype = "proc";
	sb->dev = vfs_alloc_dev();
	sb->cache_dentries = false;
	sb->magic = PROC_SUPER_MAGIC;
	atomic_init(&sb->next_ino, 1);
	sb->put_inode = proc_put_inode;
	struct inode *i = proc_inode(sb, &proc_root_ent, 0, -1);
	struct dentry *d = d_alloc(NULL, "/", 1);
	d_instantiate(d, i);
	inode_put(i);
	*sbp = sb;
	*rootp = d;
	return 0;
}

/* pidfd_send_signal(2) takes a /proc/<pid> directory for a pidfd (Linux's
 * tgid_pidfd_to_pid()): its tgid, or 0 when f is no such directory. */
int procfs_dir_tgid(struct file *f)
{
	struct inode *i = f->inode;
	if (!i || i->iops != &proc_iops || !S_ISDIR(i->mode))
		return 0;
	return PN(i)->ent == &proc_pid_ent ? PN(i)->pid : 0;
}
