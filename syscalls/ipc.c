/* System V IPC: shared memory segments, semaphore sets and message queues
 * (svipc(7)), one namespace for the whole sandbox (it has its own IPC
 * namespace), permissions from the caller's credentials as Linux's
 * ipcperms(). Every table and queue is bounded (Linux's default limits,
 * tighter where the default would let the app use up the sentry's heap).
 *
 * Shared memory segments are tmpfs memfd files (pages in the memory
 * file); shmat maps one MAP_SHARED, so fork inherits attaches and exit and
 * exec drop them like any mapping. shm_nattch is the number of mappings
 * (VMAs) holding the file, as Linux counts vm_area opens. A segment
 * removed with IPC_RMID stays (key IPC_PRIVATE, SHM_DEST) until its last
 * detach, as on Linux. */
#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "sentry/fs/tmpfs/tmpfs.h"
#include "sentry/kernel/process.h"
#include "sentry/kernel/task.h"
#include "sentry/kernel/waitq.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

#define IPC_PRIVATE_KEY 0
#define RV_IPC_CREAT 01000
#define RV_IPC_EXCL 02000
#define RV_IPC_NOWAIT 04000
#define RV_IPC_RMID 0
#define RV_IPC_SET 1
#define RV_IPC_STAT 2
#define RV_IPC_INFO 3

#define IPC_PAGE_UP(x) (((x) + RV_PAGE_SIZE - 1) & RV_PAGE_MASK)

/* Linux's IPCMNI and id encoding: id = seq * IPC_SEQ_MUL + index. */
#define IPC_SEQ_MUL 32768

#define SHMMNI 4096
#define SHMMIN 1
#define SHMMAX (~0UL - (1UL << 24))
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000
#define SHM_LOCKED 02000
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15

#define SEMMSL 32000
#define SEMMNI 32000
#define SEMOPM 500
#define SEMVMX 32767
#define SEMAEM SEMVMX
/* Linux's SEMMNS is 1024000000; the sentry holds every semaphore in its
 * heap, so the sandbox gets at most this many in all (ENOSPC beyond). */
#define SEMMNS_SENTRY (1 << 20)
#define SEM_UNDO 0x1000
#define GETPID 11
#define GETVAL 12
#define GETALL 13
#define GETNCNT 14
#define GETZCNT 15
#define SETVAL 16
#define SETALL 17
#define SEM_STAT 18
#define SEM_INFO 19
#define SEM_STAT_ANY 20
/* SEM_UNDO adjustments kept for the whole sandbox (ENOSPC beyond). */
#define SEM_UNDO_MAX 65536

#define MSGMNI 32000
#define MSGMAX 8192
#define MSGMNB 16384
#define MSG_NOERROR 010000
#define MSG_EXCEPT 020000
#define MSG_COPY 040000
#define MSG_STAT 11
#define MSG_INFO 12
#define MSG_STAT_ANY 13
/* Message bytes queued in the whole sandbox: Linux bounds each queue
 * (MSGMNB) but not their number times MSGMNB (512 MiB of sentry heap);
 * past this a queue counts as full. Each message also counts
 * MSG_HDR_COST for its header (sentry heap, as Linux's msg_msg takes
 * kernel memory), so that empty messages are bounded too: a queue of
 * qbytes B takes B of them. */
#define MSG_TOTAL_MAX (64UL << 20)
#define MSG_HDR_COST 64

/* Kernel layouts (x86-64 ipc64_perm, shmid64_ds, semid64_ds,
 * msqid64_ds). */
struct ipc64_perm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid;
	uint32_t mode;
	uint16_t seq, pad2;
	uint64_t unused1, unused2;
};

struct shmid64_ds {
	struct ipc64_perm perm;
	uint64_t segsz;
	int64_t atime, dtime, ctime;
	int32_t cpid, lpid;
	uint64_t nattch, unused4, unused5;
};

struct semid64_ds {
	struct ipc64_perm perm;
	int64_t otime;
	uint64_t unused1;
	int64_t ctime;
	uint64_t unused2;
	uint64_t nsems, unused3, unused4;
};

struct msqid64_ds {
	struct ipc64_perm perm;
	int64_t stime, rtime, ctime;
	uint64_t cbytes, qnum, qbytes;
	int32_t lspid, lrpid;
	uint64_t unused4, unused5;
};

struct kperm {
	int32_t key;
	uint32_t uid, gid, cuid, cgid, mode;
	uint16_t seq;
	int id;
};

struct shm_seg {
	struct kperm perm;
	struct file *file;
	uint64_t size;
	int64_t atime, dtime, ctime;
	int cpid, lpid;
	bool dest;
	bool locked;
};

struct sem {
	int val, pid, ncnt, zcnt;
};

struct sem_set {
	struct kperm perm;
	int nsems;
	int64_t otime, ctime;
	bool dead;
	int refs; /* the table's and each sleeper's */
	struct sem sems[];
};

struct msg {
	struct msg *next;
	int64_t type;
	size_t len;
	char text[];
};

struct msg_queue {
	struct kperm perm;
	struct msg *head, *tail;
	uint64_t cbytes, qnum, qbytes;
	int64_t stime, rtime, ctime;
	int lspid, lrpid;
	bool dead;
	int refs;
};

/* One SEM_UNDO adjustment: process tgid, set id, semaphore. */
struct sem_undo {
	int tgid, semid, semnum;
	int adj;
};

static pthread_mutex_t ipc_lock = PTHREAD_MUTEX_INITIALIZER;
/* Woken at every change a sleeper (semop, msgsnd, msgrcv) may wait for. */
static struct waitq ipc_wq = WAITQ_INIT;
static struct shm_seg *shm_tab[SHMMNI];
static struct sem_set *sem_tab[SEMMNI];
static struct msg_queue *msg_tab[MSGMNI];
static uint16_t shm_seq, sem_seq, msg_seq;
static long sem_total;
static uint64_t msg_total;
/* msg_total plus MSG_HDR_COST per queued message: what MSG_TOTAL_MAX
 * bounds. */
static uint64_t msg_heap;
static struct sem_undo *undo;
static size_t nundo, capundo;

/* Each table seen as the struct kperm heading its objects, so that the
 * id, key and free-slot lookups are written once for all three kinds. */
struct ipc_kind {
	struct kperm *(*slot)(int idx);
	int max;
};

static struct kperm *shm_slot(int idx)
{
	return shm_tab[idx] ? &shm_tab[idx]->perm : NULL;
}

static struct kperm *sem_slot(int idx)
{
	return sem_tab[idx] ? &sem_tab[idx]->perm : NULL;
}

static struct kperm *msg_slot(int idx)
{
	return msg_tab[idx] ? &msg_tab[idx]->perm : NULL;
}

static const struct ipc_kind shm_kind = {shm_slot, SHMMNI};
static const struct ipc_kind sem_kind = {sem_slot, SEMMNI};
static const struct ipc_kind msg_kind = {msg_slot, MSGMNI};

/* An id names a slot (id % IPC_SEQ_MUL) and the slot's sequence number:
 * a stale id of a removed object finds nothing. */
static struct kperm *ipc_by_id(const struct ipc_kind *k, int id)
{
	if (id < 0 || id % IPC_SEQ_MUL >= k->max)
		return NULL;
	struct kperm *p = k->slot(id % IPC_SEQ_MUL);
	return p && p->id == id ? p : NULL;
}

/* *ctl: the index-based *_STAT commands name a slot (id >= 0 checked by
 * the caller), the others an id. */
static struct kperm *ipc_ctl_lookup(const struct ipc_kind *k, int id,
				    bool by_index)
{
	if (by_index)
		return id < k->max ? k->slot(id) : NULL;
	return ipc_by_id(k, id);
}

static struct kperm *ipc_find_key(const struct ipc_kind *k, int32_t key)
{
	for (int i = 0; i < k->max; i++) {
		struct kperm *p = k->slot(i);
		if (p && p->key == key)
			return p;
	}
	return NULL;
}

/* The lowest free slot, as Linux's idr allocation, or -1 when full. */
static int ipc_free_idx(const struct ipc_kind *k)
{
	for (int i = 0; i < k->max; i++)
		if (!k->slot(i))
			return i;
	return -1;
}

static int64_t ipc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static bool in_group(const struct cred *c, uint32_t gid)
{
	if (c->egid == gid)
		return true;
	for (int i = 0; i < c->ngroups && i < 64; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* Linux's ipcperms(): flag holds the wanted S_IRUGO/S_IWUGO bits. */
static int ipc_perms(const struct cred *c, const struct kperm *p, int flag)
{
	int want = (flag >> 6) | (flag >> 3) | flag;
	uint32_t granted = p->mode;
	if (c->euid == p->cuid || c->euid == p->uid)
		granted >>= 6;
	else if (in_group(c, p->cgid) || in_group(c, p->gid))
		granted >>= 3;
	if ((want & ~granted & 0007) && c->euid != 0)
		return -EACCES;
	return 0;
}

static bool ipc_owner(const struct cred *c, const struct kperm *p)
{
	return c->euid == 0 || c->euid == p->cuid || c->euid == p->uid;
}

static void perm_init(struct kperm *p, const struct cred *c, int32_t key,
		      int flg, int idx, uint16_t *seq)
{
	p->key = key;
	p->uid = p->cuid = c->euid;
	p->gid = p->cgid = c->egid;
	p->mode = (uint32_t)flg & 0777;
	p->seq = (*seq)++ % (INT32_MAX / IPC_SEQ_MUL);
	p->id = p->seq * IPC_SEQ_MUL + idx;
}

static void perm_out(struct ipc64_perm *o, const struct kperm *p)
{
	memset(o, 0, sizeof(*o));
	o->key = p->key;
	o->uid = p->uid;
	o->gid = p->gid;
	o->cuid = p->cuid;
	o->cgid = p->cgid;
	o->mode = p->mode;
	o->seq = p->seq;
}

/* IPC_SET: uid, gid and the permission bits, by the owner or root. */
static void perm_set(struct kperm *p, const struct ipc64_perm *in)
{
	p->uid = in->uid;
	p->gid = in->gid;
	p->mode = (p->mode & ~0777U) | (in->mode & 0777);
}

/* *get on a key that exists: EEXIST for IPC_CREAT|IPC_EXCL, else the
 * permission check of the flags' mode bits (Linux's ipc_check_perms). */
static long ipc_get_existing(const struct cred *c, const struct kperm *p,
			     int flg)
{
	if ((flg & RV_IPC_CREAT) && (flg & RV_IPC_EXCL))
		return -EEXIST;
	return ipc_perms(c, p, flg);
}

/* The *ctl commands only the owner (or root) may give: EPERM before any
 * other check, as Linux's ipcctl_obtain_check. */
static bool ipc_ctl_needs_owner(int cmd)
{
	return cmd == RV_IPC_SET || cmd == RV_IPC_RMID;
}

/* *ctl's object, under ipc_lock: EINVAL when there is none, EPERM when
 * owner_only and the caller is not its owner. */
static int ipc_ctl_obtain(const struct ipc_kind *k, const struct cred *c,
			  int id, bool by_index, bool owner_only,
			  struct kperm **pp)
{
	struct kperm *p = ipc_ctl_lookup(k, id, by_index);
	if (!p)
		return -EINVAL;
	if (owner_only && !ipc_owner(c, p))
		return -EPERM;
	*pp = p;
	return 0;
}

/* IPC_STAT, SHM_STAT, SEM_STAT, MSG_STAT need read permission, the
 * *_STAT_ANY commands none (Linux 4.17); fills o and gives the return
 * value: 0 for IPC_STAT, the id for the index-based commands. */
static long ipc_stat_perm(const struct cred *c, const struct kperm *p,
			  int cmd, int stat_any, struct ipc64_perm *o)
{
	if (cmd != stat_any) {
		int r = ipc_perms(c, p, 0444);
		if (r < 0)
			return r;
	}
	perm_out(o, p);
	return cmd == RV_IPC_STAT ? 0 : p->id;
}

/* The end of every *_STAT: ipc_lock is dropped before the copy out (it
 * may fault and sleep); r is the value ipc_stat_perm gave. */
static long ipc_stat_copy_out_unlock(struct task *t, uint64_t buf,
				     const void *ds, size_t len, long r)
{
	pthread_mutex_unlock(&ipc_lock);
	if (mm_copy_out(t->mm, buf, ds, len) < 0)
		return -EFAULT;
	return r;
}

union ipc_ds {
	struct ipc64_perm perm; /* first in each */
	struct shmid64_ds shm;
	struct semid64_ds sem;
	struct msqid64_ds msg;
};

/* What a kind adds to the *ctl commands all three share: IPC_STAT and
 * its two index-based twins, IPC_SET and IPC_RMID (Linux's *ctl_stat and
 * *ctl_down for each kind). The hooks run under ipc_lock. */
struct ipc_ctl_ops {
	const struct ipc_kind *kind;
	int stat_cmd, stat_any_cmd;  /* SHM_STAT, SHM_STAT_ANY, ... */
	uint32_t owner_cmds;         /* 1 << cmd: the owner's, as IPC_SET */
	size_t ds_size;              /* its *id64_ds */
	void (*prepare)(void);       /* first, under the lock; or NULL */
	void (*stat)(struct kperm *p, union ipc_ds *ds);
	/* IPC_SET's own part (the checks, ctime), before the perm change:
	 * 0 or -errno. */
	long (*set)(struct task *t, struct kperm *p, const union ipc_ds *in);
	void (*rmid)(struct kperm *p);
	/* The other commands, or NULL (EINVAL); may drop ipc_lock and take
	 * it again; *wake wakes the sleepers after. */
	long (*other)(struct task *t, struct kperm *p, int cmd, int num,
		      uint64_t arg, bool *wake);
};

/* shmctl, semctl and msgctl but for the *_INFO commands: a negative id
 * is EINVAL, IPC_SET's buffer is read before the lookup (EFAULT first),
 * then Linux's ipcctl_obtain_check (EINVAL, EPERM) and the command.
 * num is semctl's semaphore number. IPC_SET and IPC_RMID wake the
 * sleepers (a queue's new msg_qbytes, a removed set or queue). */
static long ipc_ctl(struct task *t, const struct ipc_ctl_ops *o, int id,
		    int cmd, int num, uint64_t buf)
{
	if (id < 0)
		return -EINVAL;
	union ipc_ds in;
	if (cmd == RV_IPC_SET && mm_copy_in(t->mm, &in, buf, o->ds_size) < 0)
		return -EFAULT;
	bool by_index = cmd == o->stat_cmd || cmd == o->stat_any_cmd;
	bool owner = ipc_ctl_needs_owner(cmd) ||
		     (cmd >= 0 && cmd < 32 && ((o->owner_cmds >> cmd) & 1));
	bool wake = false;
	struct kperm *p;
	pthread_mutex_lock(&ipc_lock);
	if (o->prepare)
		o->prepare();
	long r = ipc_ctl_obtain(o->kind, &t->cred, id, by_index, owner, &p);
	if (r < 0)
		goto out;
	if (cmd == RV_IPC_STAT || by_index) {
		union ipc_ds ds;
		memset(&ds, 0, sizeof(ds));
		r = ipc_stat_perm(&t->cred, p, cmd, o->stat_any_cmd, &ds.perm);
		if (r < 0)
			goto out;
		o->stat(p, &ds);
		return ipc_stat_copy_out_unlock(t, buf, &ds, o->ds_size, r);
	}
	if (cmd == RV_IPC_SET) {
		r = o->set(t, p, &in);
		if (r == 0)
			perm_set(p, &in.perm);
		wake = r == 0;
	} else if (cmd == RV_IPC_RMID) {
		o->rmid(p);
		wake = true;
	} else {
		r = o->other ? o->other(t, p, cmd, num, buf, &wake) : -EINVAL;
	}
out:
	pthread_mutex_unlock(&ipc_lock);
	if (wake)
		waitq_wake(&ipc_wq, 0);
	return r;
}

/* --- shared memory ------------------------------------------------------- */

static uint64_t shm_nattch(const struct shm_seg *s)
{
	int r = atomic_load(&s->file->refs);
	return r > 1 ? (uint64_t)(r - 1) : 0;
}

static void shm_free_locked(int idx)
{
	struct shm_seg *s = shm_tab[idx];
	shm_tab[idx] = NULL;
	file_put(s->file);
	free(s);
}

/* Removed segments go with their last mapping. */
static void shm_reap_locked(void)
{
	for (int i = 0; i < SHMMNI; i++)
		if (shm_tab[i] && shm_tab[i]->dest && !shm_nattch(shm_tab[i]))
			shm_free_locked(i);
}

static struct shm_seg *shm_of(struct kperm *p)
{
	return p ? container_of(p, struct shm_seg, perm) : NULL;
}

static struct shm_seg *shm_by_id(int id)
{
	return shm_of(ipc_by_id(&shm_kind, id));
}

long sys_shmget(struct task *t, const uint64_t a[6])
{
	int32_t key = (int32_t)a[0];
	uint64_t size = a[1];
	int flg = (int)a[2];
	long r;
	pthread_mutex_lock(&ipc_lock);
	shm_reap_locked();
	if (key != IPC_PRIVATE_KEY) {
		struct shm_seg *s = shm_of(ipc_find_key(&shm_kind, key));
		if (s) {
			r = ipc_get_existing(&t->cred, &s->perm, flg);
			if (r == 0)
				r = s->size < size ? -EINVAL : s->perm.id;
			goto out;
		}
		if (!(flg & RV_IPC_CREAT)) {
			r = -ENOENT;
			goto out;
		}
	}
	if (size < SHMMIN || size > SHMMAX) {
		r = -EINVAL;
		goto out;
	}
	int idx = ipc_free_idx(&shm_kind);
	if (idx < 0) {
		r = -ENOSPC;
		goto out;
	}
	char name[32];
	snprintf(name, sizeof(name), "SYSV%08x", (uint32_t)key);
	struct file *f;
	r = tmpfs_memfd_create(name, false, &t->cred, &f);
	if (r)
		goto out;
	r = vfs_ftruncate(f, (int64_t)size);
	if (r) {
		file_put(f);
		r = r == -EFBIG ? -ENOSPC : r;
		goto out;
	}
	struct shm_seg *s = rv_xcalloc(1, sizeof(*s));
	perm_init(&s->perm, &t->cred, key, flg, idx, &shm_seq);
	s->file = f;
	s->size = size;
	s->ctime = ipc_now();
	s->cpid = t->tg->tgid;
	shm_tab[idx] = s;
	r = s->perm.id;
out:
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

long sys_shmat(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0];
	uint64_t addr = a[1];
	int flg = (int)a[2];
	int prot = PROT_READ, acc = 0444;
	int mflags = MAP_SHARED;
	if (id < 0)
		return -EINVAL;
	if (addr) {
		if (addr & (RV_PAGE_SIZE - 1)) {
			if (!(flg & SHM_RND))
				return -EINVAL;
			addr &= ~(uint64_t)(RV_PAGE_SIZE - 1);
			if (!addr && (flg & SHM_REMAP))
				return -EINVAL;
		}
		mflags |= MAP_FIXED;
	} else if (flg & SHM_REMAP) {
		return -EINVAL;
	}
	if (!(flg & SHM_RDONLY)) {
		prot |= PROT_WRITE;
		acc |= 0222;
	}
	if (flg & SHM_EXEC) {
		prot |= PROT_EXEC;
		acc |= 0111;
	}
	pthread_mutex_lock(&ipc_lock);
	struct shm_seg *s = shm_by_id(id);
	long r;
	if (!s) {
		r = -EINVAL;
	} else if ((r = ipc_perms(&t->cred, &s->perm, acc)) == 0) {
		struct file *f = file_get(s->file);
		uint64_t size = s->size;
		/* No mapping is replaced unless SHM_REMAP asks for it; a
		 * range that wraps is EINVAL too (do_shmat()). */
		if (addr && !(flg & SHM_REMAP) &&
		    (addr + IPC_PAGE_UP(size) < addr ||
		     mm_range_has_vma(t->mm, addr,
				      addr + IPC_PAGE_UP(size)))) {
			r = -EINVAL;
		} else {
			r = mm_mmap(t->mm, addr, size, prot, mflags, f, 0);
			if (r >= 0) {
				s->atime = ipc_now();
				s->lpid = t->tg->tgid;
			}
		}
		file_put(f);
	}
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

long sys_shmdt(struct task *t, const uint64_t a[6])
{
	uint64_t addr = a[0];
	if (addr & (RV_PAGE_SIZE - 1))
		return -EINVAL;
	uint64_t off = 0;
	struct file *f = mm_file_at(t->mm, addr, &off);
	if (!f)
		return -EINVAL;
	long r = -EINVAL;
	pthread_mutex_lock(&ipc_lock);
	for (int i = 0; i < SHMMNI; i++) {
		struct shm_seg *s = shm_tab[i];
		if (!s || s->file != f || off != 0)
			continue;
		r = mm_munmap(t->mm, addr, IPC_PAGE_UP(s->size));
		if (r == 0) {
			s->dtime = ipc_now();
			s->lpid = t->tg->tgid;
		}
		break;
	}
	file_put(f);
	shm_reap_locked();
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

static void shm_ctl_stat(struct kperm *p, union ipc_ds *d)
{
	struct shm_seg *s = shm_of(p);
	struct shmid64_ds *ds = &d->shm;
	ds->perm.mode |= (s->dest ? SHM_DEST : 0) |
			 (s->locked ? SHM_LOCKED : 0);
	ds->segsz = s->size;
	ds->atime = s->atime;
	ds->dtime = s->dtime;
	ds->ctime = s->ctime;
	ds->cpid = s->cpid;
	ds->lpid = s->lpid;
	ds->nattch = shm_nattch(s);
}

static long shm_ctl_set(struct task *t, struct kperm *p,
			const union ipc_ds *in)
{
	(void)t;
	(void)in;
	shm_of(p)->ctime = ipc_now();
	return 0;
}

/* The segment stays until its last detach (SHM_DEST), under no key. */
static void shm_ctl_rmid(struct kperm *p)
{
	shm_of(p)->dest = true;
	p->key = IPC_PRIVATE_KEY;
	shm_reap_locked();
}

static long shm_ctl_other(struct task *t, struct kperm *p, int cmd, int num,
			  uint64_t arg, bool *wake)
{
	(void)t;
	(void)num;
	(void)arg;
	(void)wake;
	if (cmd != SHM_LOCK && cmd != SHM_UNLOCK)
		return -EINVAL;
	shm_of(p)->locked = cmd == SHM_LOCK;
	return 0;
}

static const struct ipc_ctl_ops shm_ctl_ops = {
	.kind = &shm_kind,
	.stat_cmd = SHM_STAT,
	.stat_any_cmd = SHM_STAT_ANY,
	.owner_cmds = 1U << SHM_LOCK | 1U << SHM_UNLOCK,
	.ds_size = sizeof(struct shmid64_ds),
	.prepare = shm_reap_locked,
	.stat = shm_ctl_stat,
	.set = shm_ctl_set,
	.rmid = shm_ctl_rmid,
	.other = shm_ctl_other,
};

long sys_shmctl(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0], cmd = (int)a[1];
	uint64_t buf = a[2];
	if (cmd != RV_IPC_INFO && cmd != SHM_INFO)
		return ipc_ctl(t, &shm_ctl_ops, id, cmd, 0, buf);
	pthread_mutex_lock(&ipc_lock);
	shm_reap_locked();
	int maxidx = 0, used = 0;
	uint64_t tot = 0;
	for (int i = 0; i < SHMMNI; i++)
		if (shm_tab[i]) {
			maxidx = i;
			used++;
			tot += IPC_PAGE_UP(shm_tab[i]->size) >> RV_PAGE_SHIFT;
		}
	pthread_mutex_unlock(&ipc_lock);
	if (cmd == RV_IPC_INFO) {
		uint64_t info[9] = {SHMMAX, SHMMIN, SHMMNI, SHMMNI,
				    SHMMAX >> RV_PAGE_SHIFT};
		if (mm_copy_out(t->mm, buf, info, sizeof(info)) < 0)
			return -EFAULT;
	} else {
		struct {
			int32_t used_ids, pad;
			uint64_t tot, rss, swp, sa, ss;
		} info = {.used_ids = used, .tot = tot};
		if (mm_copy_out(t->mm, buf, &info, sizeof(info)) < 0)
			return -EFAULT;
	}
	return maxidx;
}

/* --- semaphores ------------------------------------------------------------ */

static struct sem_set *sem_of(struct kperm *p)
{
	return p ? container_of(p, struct sem_set, perm) : NULL;
}

static struct sem_set *sem_by_id(int id)
{
	return sem_of(ipc_by_id(&sem_kind, id));
}

static void sem_put_locked(struct sem_set *s)
{
	if (--s->refs == 0)
		free(s);
}

/* Drop undo entries matching set id (and semnum >= 0). */
static void undo_clear_locked(int semid, int semnum)
{
	size_t j = 0;
	for (size_t i = 0; i < nundo; i++) {
		if (undo[i].semid == semid &&
		    (semnum < 0 || undo[i].semnum == semnum))
			continue;
		undo[j++] = undo[i];
	}
	nundo = j;
}

static struct sem_undo *undo_find_locked(int tgid, int semid, int semnum,
					 bool make)
{
	for (size_t i = 0; i < nundo; i++)
		if (undo[i].tgid == tgid && undo[i].semid == semid &&
		    undo[i].semnum == semnum)
			return &undo[i];
	if (!make || nundo >= SEM_UNDO_MAX)
		return NULL;
	if (nundo == capundo) {
		capundo = capundo ? capundo * 2 : 64;
		undo = rv_xrealloc(undo, capundo * sizeof(*undo));
	}
	undo[nundo] = (struct sem_undo){tgid, semid, semnum, 0};
	return &undo[nundo++];
}

long sys_semget(struct task *t, const uint64_t a[6])
{
	int32_t key = (int32_t)a[0];
	int nsems = (int)a[1];
	int flg = (int)a[2];
	long r;
	if (nsems < 0 || nsems > SEMMSL)
		return -EINVAL;
	pthread_mutex_lock(&ipc_lock);
	if (key != IPC_PRIVATE_KEY) {
		struct sem_set *s = sem_of(ipc_find_key(&sem_kind, key));
		if (s) {
			r = ipc_get_existing(&t->cred, &s->perm, flg);
			if (r == 0)
				r = nsems > s->nsems ? -EINVAL : s->perm.id;
			goto out;
		}
		if (!(flg & RV_IPC_CREAT)) {
			r = -ENOENT;
			goto out;
		}
	}
	if (nsems == 0) {
		r = -EINVAL;
		goto out;
	}
	if (sem_total + nsems > SEMMNS_SENTRY) {
		r = -ENOSPC;
		goto out;
	}
	int idx = ipc_free_idx(&sem_kind);
	if (idx < 0) {
		r = -ENOSPC;
		goto out;
	}
	struct sem_set *s = rv_xcalloc(1, sizeof(*s) +
					      (size_t)nsems * sizeof(struct sem));
	perm_init(&s->perm, &t->cred, key, flg, idx, &sem_seq);
	s->nsems = nsems;
	s->ctime = ipc_now();
	s->refs = 1;
	sem_tab[idx] = s;
	sem_total += nsems;
	r = s->perm.id;
out:
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

struct ksembuf {
	uint16_t num;
	int16_t op;
	int16_t flg;
};

/* Try all ops at once (they are atomic): 0 done, 1 would block (on
 * *bnum, *bzero says for zero), or -errno. */
static int sem_try_locked(struct task *t, struct sem_set *s,
			  const struct ksembuf *ops, int n, int *bnum,
			  bool *bzero)
{
	/* Apply in order on a scratch copy (ops may name one sem twice). */
	int *tmp = rv_xmalloc((size_t)s->nsems * sizeof(int));
	for (int i = 0; i < s->nsems; i++)
		tmp[i] = s->sems[i].val;
	int r = 0, bi = 0;
	for (int i = 0; i < n; i++) {
		int v = tmp[ops[i].num], op = ops[i].op;
		if (op == 0) {
			if (v != 0) {
				r = 1;
				bi = i;
				*bnum = ops[i].num;
				*bzero = true;
				break;
			}
		} else if (op < 0 && v + op < 0) {
			r = 1;
			bi = i;
			*bnum = ops[i].num;
			*bzero = false;
			break;
		} else if (v + op > SEMVMX) {
			r = -ERANGE;
			break;
		}
		if (ops[i].flg & SEM_UNDO) {
			struct sem_undo *u = undo_find_locked(
				t->tg->tgid, s->perm.id, ops[i].num, false);
			int adj = (u ? u->adj : 0) - op;
			if (adj < -SEMAEM - 1 || adj > SEMAEM) {
				r = -ERANGE;
				break;
			}
		}
		tmp[ops[i].num] = v + op;
	}
	/* The IPC_NOWAIT of the op that would block decides. */
	if (r == 1 && (ops[bi].flg & RV_IPC_NOWAIT))
		r = -EAGAIN;
	if (r == 0) {
		for (int i = 0; i < n; i++) {
			if (!(ops[i].flg & SEM_UNDO) || !ops[i].op)
				continue;
			struct sem_undo *u = undo_find_locked(
				t->tg->tgid, s->perm.id, ops[i].num, true);
			if (!u) {
				r = -ENOSPC;
				break;
			}
		}
	}
	if (r == 0) {
		for (int i = 0; i < n; i++) {
			if ((ops[i].flg & SEM_UNDO) && ops[i].op) {
				struct sem_undo *u = undo_find_locked(
					t->tg->tgid, s->perm.id, ops[i].num,
					true);
				u->adj -= ops[i].op;
			}
			s->sems[ops[i].num].pid = t->tg->tgid;
		}
		for (int i = 0; i < s->nsems; i++)
			s->sems[i].val = tmp[i];
		s->otime = ipc_now();
	}
	free(tmp);
	return r;
}

static long do_semtimedop(struct task *t, int id, uint64_t uops, size_t n,
			  uint64_t uts)
{
	if (n < 1 || id < 0)
		return -EINVAL;
	if (n > SEMOPM)
		return -E2BIG;
	struct ksembuf ops[SEMOPM];
	if (mm_copy_in(t->mm, ops, uops, n * sizeof(ops[0])) < 0)
		return -EFAULT;
	struct timespec dl, *deadline = NULL;
	if (uts) {
		struct timespec ts;
		if (mm_copy_in(t->mm, &ts, uts, sizeof(ts)) < 0)
			return -EFAULT;
		if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
			return -EINVAL;
		clock_gettime(CLOCK_MONOTONIC, &dl);
		if (ts.tv_sec > INT64_MAX / 2 - dl.tv_sec)
			ts.tv_sec = INT64_MAX / 2 - dl.tv_sec;
		dl.tv_sec += ts.tv_sec;
		dl.tv_nsec += ts.tv_nsec;
		if (dl.tv_nsec >= 1000000000) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000;
		}
		deadline = &dl;
	}
	int maxnum = 0;
	bool alter = false;
	for (size_t i = 0; i < n; i++) {
		if (ops[i].num > maxnum)
			maxnum = ops[i].num;
		if (ops[i].op)
			alter = true;
	}
	pthread_mutex_lock(&ipc_lock);
	struct sem_set *s = sem_by_id(id);
	long r;
	if (!s) {
		r = -EINVAL;
		goto out;
	}
	if (maxnum >= s->nsems) {
		r = -EFBIG;
		goto out;
	}
	if ((r = ipc_perms(&t->cred, &s->perm, alter ? 0222 : 0444)) < 0)
		goto out;
	s->refs++;
	struct waitq_entry e = {.func = waitq_entry_wake_task, .task = t};
	waitq_add(&ipc_wq, &e);
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		int bnum = 0;
		bool bzero = false;
		r = s->dead ? -EIDRM
			    : sem_try_locked(t, s, ops, (int)n, &bnum, &bzero);
		if (r != 1)
			break;
		struct sem *sm = &s->sems[bnum];
		if (bzero)
			sm->zcnt++;
		else
			sm->ncnt++;
		pthread_mutex_unlock(&ipc_lock);
		int w = task_wait_commit(t, seq, deadline);
		pthread_mutex_lock(&ipc_lock);
		if (bzero)
			sm->zcnt--;
		else
			sm->ncnt--;
		if (w == -EINTR) {
			r = -EINTR; /* semop(2) is never restarted */
			break;
		}
		if (w == -ETIMEDOUT) {
			r = -EAGAIN;
			break;
		}
	}
	waitq_remove(&e);
	bool changed = r == 0 && alter;
	sem_put_locked(s);
	pthread_mutex_unlock(&ipc_lock);
	if (changed)
		waitq_wake(&ipc_wq, 0);
	return r;
out:
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

long sys_semop(struct task *t, const uint64_t a[6])
{
	return do_semtimedop(t, (int)a[0], a[1], (size_t)a[2], 0);
}

long sys_semtimedop(struct task *t, const uint64_t a[6])
{
	return do_semtimedop(t, (int)a[0], a[1], (size_t)a[2], a[3]);
}

static void sem_remove_locked(int idx)
{
	struct sem_set *s = sem_tab[idx];
	sem_tab[idx] = NULL;
	sem_total -= s->nsems;
	s->dead = true;
	undo_clear_locked(s->perm.id, -1);
	sem_put_locked(s);
}

static void sem_ctl_stat(struct kperm *p, union ipc_ds *d)
{
	struct sem_set *s = sem_of(p);
	d->sem.otime = s->otime;
	d->sem.ctime = s->ctime;
	d->sem.nsems = (uint64_t)s->nsems;
}

static long sem_ctl_set(struct task *t, struct kperm *p,
			const union ipc_ds *in)
{
	(void)t;
	(void)in;
	sem_of(p)->ctime = ipc_now();
	return 0;
}

static void sem_ctl_rmid(struct kperm *p)
{
	sem_remove_locked(p->id % IPC_SEQ_MUL);
}

/* GETALL and SETALL: the values are copied without ipc_lock held (the
 * copy may fault and sleep); the set may go meanwhile (EIDRM). */
static long sem_ctl_all(struct task *t, struct sem_set *s, bool set,
			uint64_t arg, bool *wake)
{
	long r = ipc_perms(&t->cred, &s->perm, set ? 0222 : 0444);
	if (r < 0)
		return r;
	int ns = s->nsems, sid = s->perm.id;
	size_t bytes = (size_t)ns * sizeof(uint16_t);
	uint16_t *vals = rv_xmalloc(bytes);
	if (!set) {
		for (int i = 0; i < ns; i++)
			vals[i] = (uint16_t)s->sems[i].val;
	}
	pthread_mutex_unlock(&ipc_lock);
	int e = set ? mm_copy_in(t->mm, vals, arg, bytes)
		    : mm_copy_out(t->mm, arg, vals, bytes);
	pthread_mutex_lock(&ipc_lock);
	if (e < 0 || !set) {
		free(vals);
		return e < 0 ? -EFAULT : 0;
	}
	s = sem_by_id(sid);
	if (!s || s->nsems != ns)
		r = -EIDRM;
	for (int i = 0; i < ns && !r; i++)
		if (vals[i] > SEMVMX)
			r = -ERANGE;
	if (!r) {
		for (int i = 0; i < ns; i++) {
			s->sems[i].val = vals[i];
			s->sems[i].pid = t->tg->tgid;
		}
		s->ctime = ipc_now();
		undo_clear_locked(sid, -1);
		*wake = true;
	}
	free(vals);
	return r;
}

static long sem_ctl_other(struct task *t, struct kperm *p, int cmd, int num,
			  uint64_t arg, bool *wake)
{
	struct sem_set *s = sem_of(p);
	long r;
	switch (cmd) {
	case GETVAL:
	case GETPID:
	case GETNCNT:
	case GETZCNT:
		if ((r = ipc_perms(&t->cred, &s->perm, 0444)) < 0)
			return r;
		if (num < 0 || num >= s->nsems)
			return -EINVAL;
		return cmd == GETVAL ? s->sems[num].val :
		       cmd == GETPID ? s->sems[num].pid :
		       cmd == GETNCNT ? s->sems[num].ncnt : s->sems[num].zcnt;
	case SETVAL: {
		int v = (int)arg;
		if ((r = ipc_perms(&t->cred, &s->perm, 0222)) < 0)
			return r;
		if (num < 0 || num >= s->nsems)
			return -EINVAL;
		if (v < 0 || v > SEMVMX)
			return -ERANGE;
		s->sems[num].val = v;
		s->sems[num].pid = t->tg->tgid;
		s->ctime = ipc_now();
		undo_clear_locked(s->perm.id, num);
		*wake = true;
		return 0;
	}
	case GETALL:
	case SETALL:
		return sem_ctl_all(t, s, cmd == SETALL, arg, wake);
	}
	return -EINVAL;
}

static const struct ipc_ctl_ops sem_ctl_ops = {
	.kind = &sem_kind,
	.stat_cmd = SEM_STAT,
	.stat_any_cmd = SEM_STAT_ANY,
	.ds_size = sizeof(struct semid64_ds),
	.stat = sem_ctl_stat,
	.set = sem_ctl_set,
	.rmid = sem_ctl_rmid,
	.other = sem_ctl_other,
};

long sys_semctl(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0], num = (int)a[1], cmd = (int)a[2];
	uint64_t arg = a[3];
	if (cmd != RV_IPC_INFO && cmd != SEM_INFO)
		return ipc_ctl(t, &sem_ctl_ops, id, cmd, num, arg);
	/* struct seminfo: semmap, semmni, semmns, semmnu, semmsl, semopm,
	 * semume, semusz, semvmx, semaem (Linux's semctl_info()). */
	int32_t info[10] = {SEMMNS_SENTRY, SEMMNI, SEMMNS_SENTRY,
			    SEMMNS_SENTRY, SEMMSL, SEMOPM, SEMOPM,
			    20 /* SEMUSZ */, SEMVMX, SEMAEM};
	int maxidx = 0, used = 0;
	pthread_mutex_lock(&ipc_lock);
	for (int i = 0; i < SEMMNI; i++)
		if (sem_tab[i]) {
			maxidx = i;
			used++;
		}
	if (cmd == SEM_INFO) {
		info[7] = used; /* semusz: sets */
		info[9] = (int32_t)sem_total; /* semaem: semaphores */
	}
	pthread_mutex_unlock(&ipc_lock);
	if (mm_copy_out(t->mm, arg, info, sizeof(info)) < 0)
		return -EFAULT;
	return maxidx;
}

/* SEM_UNDO at process exit (Linux's exit_sem): each adjustment applied,
 * clamped to [0, SEMVMX]. */
void ipc_exit_process(int tgid)
{
	bool any = false;
	pthread_mutex_lock(&ipc_lock);
	size_t j = 0;
	for (size_t i = 0; i < nundo; i++) {
		struct sem_undo *u = &undo[i];
		if (u->tgid != tgid) {
			undo[j++] = *u;
			continue;
		}
		struct sem_set *s = sem_by_id(u->semid);
		if (!s || u->semnum >= s->nsems || !u->adj)
			continue;
		int v = s->sems[u->semnum].val + u->adj;
		s->sems[u->semnum].val = v < 0 ? 0 : v > SEMVMX ? SEMVMX : v;
		s->sems[u->semnum].pid = tgid;
		any = true;
	}
	nundo = j;
	pthread_mutex_unlock(&ipc_lock);
	if (any)
		waitq_wake(&ipc_wq, 0);
}

/* --- message queues -------------------------------------------------------- */

static struct msg_queue *msg_of(struct kperm *p)
{
	return p ? container_of(p, struct msg_queue, perm) : NULL;
}

static struct msg_queue *msg_by_id(int id)
{
	return msg_of(ipc_by_id(&msg_kind, id));
}

static void msgq_put_locked(struct msg_queue *q)
{
	if (--q->refs)
		return;
	while (q->head) {
		struct msg *m = q->head;
		q->head = m->next;
		free(m);
	}
	free(q);
}

long sys_msgget(struct task *t, const uint64_t a[6])
{
	int32_t key = (int32_t)a[0];
	int flg = (int)a[1];
	long r;
	pthread_mutex_lock(&ipc_lock);
	if (key != IPC_PRIVATE_KEY) {
		struct msg_queue *q = msg_of(ipc_find_key(&msg_kind, key));
		if (q) {
			r = ipc_get_existing(&t->cred, &q->perm, flg);
			if (r == 0)
				r = q->perm.id;
			goto out;
		}
		if (!(flg & RV_IPC_CREAT)) {
			r = -ENOENT;
			goto out;
		}
	}
	int idx = ipc_free_idx(&msg_kind);
	if (idx < 0) {
		r = -ENOSPC;
		goto out;
	}
	struct msg_queue *q = rv_xcalloc(1, sizeof(*q));
	perm_init(&q->perm, &t->cred, key, flg, idx, &msg_seq);
	q->qbytes = MSGMNB;
	q->ctime = ipc_now();
	q->refs = 1;
	msg_tab[idx] = q;
	r = q->perm.id;
out:
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

/* Sleep for the queue to change; 0 to look again, or -errno. */
static int msg_sleep_locked(struct task *t, struct msg_queue *q,
			    uint64_t seq)
{
	q->refs++;
	pthread_mutex_unlock(&ipc_lock);
	int w = task_wait_commit(t, seq, NULL);
	pthread_mutex_lock(&ipc_lock);
	bool dead = q->dead;
	msgq_put_locked(q);
	if (dead)
		return -EIDRM;
	return w == -EINTR ? -RV_ERESTARTNOHAND : 0;
}

/* The wait of msgsnd and msgrcv: each round, under ipc_lock, the queue is
 * looked up again (EINVAL once gone) and acc checked, then op(t, q, arg)
 * gives 1 when it must wait, else the call's result. IPC_NOWAIT gives
 * nowait_err instead of a wait. */
static long msg_wait(struct task *t, int id, int acc, int flg, int nowait_err,
		     long (*op)(struct task *, struct msg_queue *, void *),
		     void *arg)
{
	long r;
	pthread_mutex_lock(&ipc_lock);
	struct waitq_entry e = {.func = waitq_entry_wake_task, .task = t};
	waitq_add(&ipc_wq, &e);
	for (;;) {
		uint64_t seq = task_wait_prepare(t);
		struct msg_queue *q = msg_by_id(id);
		if (!q) {
			r = -EINVAL;
			break;
		}
		if ((r = ipc_perms(&t->cred, &q->perm, acc)) < 0)
			break;
		if ((r = op(t, q, arg)) != 1)
			break;
		if (flg & RV_IPC_NOWAIT) {
			r = nowait_err;
			break;
		}
		if ((r = msg_sleep_locked(t, q, seq)) < 0)
			break;
	}
	waitq_remove(&e);
	pthread_mutex_unlock(&ipc_lock);
	return r;
}

/* msgsnd's step: *arg queued (and taken: NULL) if the queue has room. */
static long msg_try_send(struct task *t, struct msg_queue *q, void *arg)
{
	struct msg **mp = arg, *m = *mp;
	size_t sz = m->len;
	if (q->cbytes + sz > q->qbytes || q->qnum + 1 > q->qbytes ||
	    msg_heap + sz + MSG_HDR_COST > MSG_TOTAL_MAX)
		return 1;
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	*mp = NULL;
	q->cbytes += sz;
	q->qnum++;
	msg_total += sz;
	msg_heap += sz + MSG_HDR_COST;
	q->lspid = t->tg->tgid;
	q->stime = ipc_now();
	return 0;
}

long sys_msgsnd(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0];
	uint64_t up = a[1];
	size_t sz = (size_t)a[2];
	int flg = (int)a[3];
	if (id < 0 || sz > MSGMAX)
		return -EINVAL;
	int64_t type;
	if (mm_copy_in(t->mm, &type, up, sizeof(type)) < 0)
		return -EFAULT;
	if (type < 1)
		return -EINVAL;
	struct msg *m = rv_xmalloc(sizeof(*m) + sz);
	m->next = NULL;
	m->type = type;
	m->len = sz;
	if (sz && mm_copy_in(t->mm, m->text, up + sizeof(type), sz) < 0) {
		free(m);
		return -EFAULT;
	}
	long r = msg_wait(t, id, 0222, flg, -EAGAIN, msg_try_send, &m);
	free(m);
	if (r == 0)
		waitq_wake(&ipc_wq, 0);
	return r;
}

static struct msg *msg_find(struct msg_queue *q, int64_t type, int flg,
			    struct msg **prevp)
{
	struct msg *best = NULL, *bprev = NULL, *prev = NULL;
	for (struct msg *m = q->head; m; prev = m, m = m->next) {
		bool ok;
		if (type == 0)
			ok = true;
		else if (type > 0)
			ok = (flg & MSG_EXCEPT) ? m->type != type
						: m->type == type;
		else
			ok = m->type <= -type && (!best || m->type < best->type);
		if (!ok)
			continue;
		best = m;
		bprev = prev;
		if (type >= 0)
			break;
	}
	*prevp = bprev;
	return best;
}

struct msg_recv {
	int64_t type, sz;
	int flg;
	struct msg *m; /* the message taken off the queue */
};

/* msgrcv's step: the first message that type selects taken off the
 * queue, or E2BIG when it is longer than sz without MSG_NOERROR. */
static long msg_try_recv(struct task *t, struct msg_queue *q, void *arg)
{
	struct msg_recv *rc = arg;
	struct msg *prev;
	struct msg *m = msg_find(q, rc->type, rc->flg, &prev);
	if (!m)
		return 1;
	if ((int64_t)m->len > rc->sz && !(rc->flg & MSG_NOERROR))
		return -E2BIG;
	if (prev)
		prev->next = m->next;
	else
		q->head = m->next;
	if (q->tail == m)
		q->tail = prev;
	q->cbytes -= m->len;
	q->qnum--;
	msg_total -= m->len;
	msg_heap -= m->len + MSG_HDR_COST;
	q->lrpid = t->tg->tgid;
	q->rtime = ipc_now();
	rc->m = m;
	return 0;
}

long sys_msgrcv(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0];
	uint64_t up = a[1];
	int64_t sz = (int64_t)a[2];
	int64_t type = (int64_t)a[3];
	int flg = (int)a[4];
	if (id < 0 || sz < 0)
		return -EINVAL;
	if (flg & MSG_COPY)
		return -ENOSYS; /* CONFIG_CHECKPOINT_RESTORE's */
	if (type == INT64_MIN)
		type = INT64_MIN + 1;
	struct msg_recv rc = {.type = type, .sz = sz, .flg = flg};
	long r = msg_wait(t, id, 0444, flg, -ENOMSG, msg_try_recv, &rc);
	struct msg *m = rc.m;
	if (!m)
		return r;
	waitq_wake(&ipc_wq, 0);
	size_t n = (int64_t)m->len > sz ? (size_t)sz : m->len;
	/* The message is gone from the queue: as on Linux, a fault here
	 * loses it. */
	if (mm_copy_out(t->mm, up, &m->type, sizeof(m->type)) < 0 ||
	    (n && mm_copy_out(t->mm, up + sizeof(m->type), m->text, n) < 0))
		r = -EFAULT;
	else
		r = (long)n;
	free(m);
	return r;
}

static void msg_ctl_stat(struct kperm *p, union ipc_ds *d)
{
	struct msg_queue *q = msg_of(p);
	struct msqid64_ds *ds = &d->msg;
	ds->stime = q->stime;
	ds->rtime = q->rtime;
	ds->ctime = q->ctime;
	ds->cbytes = q->cbytes;
	ds->qnum = q->qnum;
	ds->qbytes = q->qbytes;
	ds->lspid = q->lspid;
	ds->lrpid = q->lrpid;
}

static long msg_ctl_set(struct task *t, struct kperm *p,
			const union ipc_ds *in)
{
	/* Raising msg_qbytes past MSGMNB is CAP_SYS_RESOURCE's. */
	if (in->msg.qbytes > MSGMNB && t->cred.euid != 0)
		return -EPERM;
	if (in->msg.qbytes > MSGMNB * 64ULL)
		return -EINVAL;
	struct msg_queue *q = msg_of(p);
	q->qbytes = in->msg.qbytes;
	q->ctime = ipc_now();
	return 0;
}

static void msg_ctl_rmid(struct kperm *p)
{
	struct msg_queue *q = msg_of(p);
	msg_tab[p->id % IPC_SEQ_MUL] = NULL;
	msg_total -= q->cbytes;
	msg_heap -= q->cbytes + q->qnum * MSG_HDR_COST;
	q->dead = true;
	msgq_put_locked(q);
}

static const struct ipc_ctl_ops msg_ctl_ops = {
	.kind = &msg_kind,
	.stat_cmd = MSG_STAT,
	.stat_any_cmd = MSG_STAT_ANY,
	.ds_size = sizeof(struct msqid64_ds),
	.stat = msg_ctl_stat,
	.set = msg_ctl_set,
	.rmid = msg_ctl_rmid,
};

long sys_msgctl(struct task *t, const uint64_t a[6])
{
	int id = (int)a[0], cmd = (int)a[1];
	uint64_t buf = a[2];
	if (cmd != RV_IPC_INFO && cmd != MSG_INFO)
		return ipc_ctl(t, &msg_ctl_ops, id, cmd, 0, buf);
	/* struct msginfo: msgpool, msgmap, msgmax, msgmnb, msgmni, msgssz,
	 * msgtql (then msgseg); IPC_INFO gives Linux's MSGPOOL, MSGMAP and
	 * MSGTQL, MSG_INFO the queues, messages and bytes (msgctl_info()). */
	int32_t info[7] = {MSGMNI * (MSGMNB / 1024), MSGMNB, MSGMAX, MSGMNB,
			   MSGMNI, 16 /* MSGSSZ */, MSGMNB};
	if (cmd == MSG_INFO)
		info[0] = info[1] = 0;
	uint16_t seg = 0xffff;
	int maxidx = 0;
	pthread_mutex_lock(&ipc_lock);
	for (int i = 0; i < MSGMNI; i++)
		if (msg_tab[i]) {
			maxidx = i;
			if (cmd == MSG_INFO) {
				info[0]++;
				info[1] += (int32_t)msg_tab[i]->qnum;
			}
		}
	if (cmd == MSG_INFO)
		info[6] = (int32_t)msg_total;
	pthread_mutex_unlock(&ipc_lock);
	struct {
		int32_t pool, map, max, mnb, mni, ssz, tql;
		uint16_t seg;
	} mi = {info[0], info[1], info[2], info[3], info[4], info[5],
		info[6], seg};
	if (mm_copy_out(t->mm, buf, &mi, sizeof(mi)) < 0)
		return -EFAULT;
	return maxidx;
}
