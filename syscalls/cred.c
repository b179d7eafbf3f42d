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

/* Any of the three ids may be set to one of the current real, effective
 * or saved ids without privilege. */
static bool id_allowed(uint32_t id, uint32_t r, uint32_t e, uint32_t s)
{
	return id == r || id == e || id == s;
}

static long do_setresuid(struct task *t, uint32_t r, uint32_t e, uint32_t s)
{
	struct cred *c = &t->cred;
	if (!capable(t)) {
		if ((r != ID_KEEP && !id_allowed(r, c->uid, c->euid, c->suid)) ||
		    (e != ID_KEEP && !id_allowed(e, c->uid, c->euid, c->suid)) ||
		    (s != ID_KEEP && !id_allowed(s, c->uid, c->euid, c->suid)))
			return -EPERM;
	}
	if (r != ID_KEEP)
		c->uid = r;
	if (e != ID_KEEP)
		c->euid = e;
	if (s != ID_KEEP)
		c->suid = s;
	c->fsuid = c->euid;
	return 0;
}

static long do_setresgid(struct task *t, uint32_t r, uint32_t e, uint32_t s)
{
	struct cred *c = &t->cred;
	if (!capable(t)) {
		if ((r != ID_KEEP && !id_allowed(r, c->gid, c->egid, c->sgid)) ||
		    (e != ID_KEEP && !id_allowed(e, c->gid, c->egid, c->sgid)) ||
		    (s != ID_KEEP && !id_allowed(s, c->gid, c->egid, c->sgid)))
			return -EPERM;
	}
	if (r != ID_KEEP)
		c->gid = r;
	if (e != ID_KEEP)
		c->egid = e;
	if (s != ID_KEEP)
		c->sgid = s;
	c->fsgid = c->egid;
	return 0;
}

long sys_setresuid(struct task *t, const uint64_t a[6])
{
	return do_setresuid(t, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

long sys_setresgid(struct task *t, const uint64_t a[6])
{
	return do_setresgid(t, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
}

/* setuid(2): privileged sets all three; otherwise only the effective id,
 * to the real or saved one. */
long sys_setuid(struct task *t, const uint64_t a[6])
{
	uint32_t id = (uint32_t)a[0];
	if (id == ID_KEEP)
		return -EINVAL;
	if (capable(t))
		return do_setresuid(t, id, id, id);
	if (id != t->cred.uid && id != t->cred.suid)
		return -EPERM;
	return do_setresuid(t, ID_KEEP, id, ID_KEEP);
}

long sys_setgid(struct task *t, const uint64_t a[6])
{
	uint32_t id = (uint32_t)a[0];
	if (id == ID_KEEP)
		return -EINVAL;
	if (capable(t))
		return do_setresgid(t, id, id, id);
	if (id != t->cred.gid && id != t->cred.sgid)
		return -EPERM;
	return do_setresgid(t, ID_KEEP, id, ID_KEEP);
}

/* setreuid(2): the saved id follows the new effective id when the real id
 * is set or the effective id changes to something other than the old real
 * id. */
long sys_setreuid(struct task *t, const uint64_t a[6])
{
	uint32_t r = (uint32_t)a[0], e = (uint32_t)a[1];
	struct cred *c = &t->cred;
	if (!capable(t)) {
		if (r != ID_KEEP && r != c->uid && r != c->euid)
			return -EPERM;
		if (e != ID_KEEP && !id_allowed(e, c->uid, c->euid, c->suid))
			return -EPERM;
	}
	uint32_t old_r = c->uid;
	if (r != ID_KEEP)
		c->uid = r;
	if (e != ID_KEEP)
		c->euid = e;
	if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
		c->suid = c->euid;
	c->fsuid = c->euid;
	return 0;
}

long sys_setregid(struct task *t, const uint64_t a[6])
{
	uint32_t r = (uint32_t)a[0], e = (uint32_t)a[1];
	struct cred *c = &t->cred;
	if (!capable(t)) {
		if (r != ID_KEEP && r != c->gid && r != c->egid)
			return -EPERM;
		if (e != ID_KEEP && !id_allowed(e, c->gid, c->egid, c->sgid))
			return -EPERM;
	}
	uint32_t old_r = c->gid;
	if (r != ID_KEEP)
		c->gid = r;
	if (e != ID_KEEP)
		c->egid = e;
	if (r != ID_KEEP || (e != ID_KEEP && e != old_r))
		c->sgid = c->egid;
	c->fsgid = c->egid;
	return 0;
}

long sys_setfsuid(struct task *t, const uint64_t a[6])
{
	uint32_t old = t->cred.fsuid, id = (uint32_t)a[0];
	struct cred *c = &t->cred;
	if (capable(t) || id == c->uid || id == c->euid || id == c->suid ||
	    id == c->fsuid)
		if (id != ID_KEEP)
			c->fsuid = id;
	return old;
}

long sys_setfsgid(struct task *t, const uint64_t a[6])
{
	uint32_t old = t->cred.fsgid, id = (uint32_t)a[0];
	struct cred *c = &t->cred;
	if (capable(t) || id == c->gid || id == c->egid || id == c->sgid ||
	    id == c->fsgid)
		if (id != ID_KEEP)
			c->fsgid = id;
	return old;
}

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
