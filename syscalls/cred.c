/* Credentials inside the sandbox: setuid(2), setresuid(2), setgroups(2),
 * capget(2)… The sandbox has its own model: ids are the sandbox's, never
 * the host's, and "privileged" means euid 0 inside the sandbox (every
 * capability), as in a user namespace. The rules are credentials(7)'s. */
#include <linux/capability.h>
#include <string.h>

#include "sentry/kernel/task.h"
#include "sentry/mm/mm.h"
#include "sentry/util.h"
#include "syscalls/table.h"

#define ID_KEEP ((uint32_t)-1)

static bool capable(struct task *t) { return t->cred.euid == 0; }

/* The four ids of one kind (user or group) of a cred: the set*uid and
 * set*gid calls follow the same rules on either. */
struct idset {
	uint32_t *r, *e, *s, *fs;
};

static struct idset uids(struct task *t)
{
	struct cred *c = &t->cred;
	return (struct idset){&c->uid, &c->euid, &c->suid, &c->fsuid};
}

static struct idset gids(struct task *t)
{
	struct cred *c = &t->cred;
	return (struct idset){&c->gid, &c->egid, &c->sgid, &c->fsgid};
}

/* Any of the three ids may be set to one of the current real, effective
 * or saved ids without privilege. */
static bool id_allowed(struct idset ids, uint32_t id)
{
	return id == *ids.r || id == *ids.e || id == *ids.s;
}

/* setresuid(2)/setresgid(2). */
static long do_setres(struct task *t, struct idset ids, uint32_t r,
		      uint32_t e, uint32_t s)
{
	if (!capable(t)) {
		if ((r != ID_KEEP && !id_allowed(ids, r)) ||
		    (e != ID_KEEP && !id_allowed(ids, e)) ||
		    (s != ID_KEEP && !id_allowed(ids, s)))
			return -EPERM;
	}
	if (r != ID_KEEP)
		*ids.r = r;
	if (e != ID_KEEP)
		*ids.e = e;
	if (s != ID_KEEP)
		*ids.s = s;
	*ids.fs = *ids.e;
	return 0;
}

/* setuid(2)/setgid(2): privileged sets all three; otherwise only the
 * effective id, to the real or saved one. */
static long do_set(struct task *t, struct idset ids, uint32_t id)
{
	if (id == ID_KEEP)
		return -EINVAL;
	if (capable(t))
		return do_setres(t, ids, id, id, id);
	if (id != *ids.r && id != *ids.s)
		return -EPERM;
	return do_setres(t, ids, ID_KEEP, id, ID_KEEP);
}

/* setreuid(2)/setregid(2): the saved id follows the new effective id when
 * the real id is set or the effective id changes to something other than
 * the old real id. */
static long do_setre(struct task *t, struct idset ids, uint32_t r, uint32_t e)
{
	if (!capable(t)) {
		if (r != ID_KEEP && r != *ids.r && r != *ids.e)
			return -EPERM;
		if (e != ID_KEEP && !id_allowed(ids, e))
			return -EPERM;
	}
	uint32_t old_r = *ids.r;
	if (r != ID_KEEP)
		*ids.r = r;
	if (e != ID_KEEP)
		*ids.e = e;
	if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
		*ids.s = *ids.e;
	*ids.fs = *ids.e;
	return 0;
}

/* setfsuid(2)/setfsgid(2): returns the old value whether or not it
 * changed. */
static long do_setfs(struct task *t, struct idset ids, uint32_t id)
{
	uint32_t old = *ids.fs;
	if (id != ID_KEEP && (capable(t) || id_allowed(ids, id) || id == *ids.fs))
		*ids.fs = id;
	return old;
}

long sys_setresuid(struct task *t, const uint64_t a[6])
{
	return do_setres(t, uids(t), (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

long sys_setresgid(struct task *t, const uint64_t a[6])
{
	return do_setres(t, gids(t), (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

long sys_setuid(struct task *t, const uint64_t a[6]) { return do_set(t, uids(t), (uint32_t)a[0]); }
long sys_setgid(struct task *t, const uint64_t a[6]) { return do_set(t, gids(t), (uint32_t)a[0]); }

long sys_setreuid(struct task *t, const uint64_t a[6])
{
	return do_setre(t, uids(t), (uint32_t)a[0], (uint32_t)a[1]);
}

long sys_setregid(struct task *t, const uint64_t a[6])
{
	return do_setre(t, gids(t), (uint32_t)a[0], (uint32_t)a[1]);
}

long sys_setfsuid(struct task *t, const uint64_t a[6]) { return do_setfs(t, uids(t), (uint32_t)a[0]); }
long sys_setfsgid(struct task *t, const uint64_t a[6]) { return do_setfs(t, gids(t), (uint32_t)a[0]); }

long sys_setgroups(struct task *t, const uint64_t a[6])
{
	int n = (int)a[0];
	uint32_t g[64];
	if (!capable(t))
		return -EPERM;
	if (n < 0 || n > 65536)
		return -EINVAL;
	/* The sandbox keeps up to 64 supplementary groups. */
	if (n > (int)RV_ARRAY_SIZE(g))
		return -ENOMEM;
	if (n && mm_copy_in(t->mm, g, a[1], (size_t)n * 4) < 0)
		return -EFAULT;
	for (int i = 0; i < n; i++)
		t->cred.groups[i] = g[i];
	t->cred.ngroups = n;
	return 0;
}

/* capget/capset: a privileged task has every capability, others none. */
long sys_capget(struct task *t, const uint64_t a[6])
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	if (mm_copy_in(t->mm, &h, a[0], sizeof(h)) < 0)
		return -EFAULT;
	if (h.version != _LINUX_CAPABILITY_VERSION_3 &&
	    h.version != _LINUX_CAPABILITY_VERSION_2 &&
	    h.version != _LINUX_CAPABILITY_VERSION_1) {
		h.version = _LINUX_CAPABILITY_VERSION_3;
		if (mm_copy_out(t->mm, a[0], &h, sizeof(h)) < 0)
			return -EFAULT;
		return a[1] ? -EINVAL : 0;
	}
	if (h.pid < 0)
		return -EINVAL;
	if (!a[1])
		return 0;
	uint32_t all = capable(t) ? 0xffffffffu : 0;
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = all;
	d[1].effective = d[1].permitted = capable(t) ? 0x1ffu : 0; /* CAP_LAST_CAP 40 */
	size_t n = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
	return mm_copy_out(t->mm, a[1], d, n * sizeof(d[0]));
}

long sys_capset(struct task *t, const uint64_t a[6])
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	if (mm_copy_in(t->mm, &h, a[0], sizeof(h)) < 0)
		return -EFAULT;
	if (h.version != _LINUX_CAPABILITY_VERSION_3 &&
	    h.version != _LINUX_CAPABILITY_VERSION_2 &&
	    h.version != _LINUX_CAPABILITY_VERSION_1)
		return -EINVAL;
	if (h.pid != 0 && h.pid != t->tid)
		return -EPERM;
	size_t n = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
	if (mm_copy_in(t->mm, d, a[1], n * sizeof(d[0])) < 0)
		return -EFAULT;
	/* Raising capabilities one does not have is refused; lowering them
	 * is accepted (the sandbox does not track partial capability sets:
	 * privilege stays tied to euid 0). */
	if (!capable(t))
		for (size_t i = 0; i < n; i++)
			if (d[i].effective || d[i].permitted || d[i].inheritable)
				return -EPERM;
	return 0;
}
