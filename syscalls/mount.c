/* mount(2) and umount2(2) inside the sandbox: the strings are copied in
 * here, the sentry's VFS does the rest (sentry/vfs/mount.c). Nothing here
 * reaches the host: a mount is an entry in the sentry's own mount table. */
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "sentry/kernel/task.h"
#include "sentry/util.h"
#include "sentry/vfs/vfs.h"
#include "syscalls/table.h"

/* A string argument that may be NULL. */
static int get_opt_name(struct task *t, uint64_t up, char **out)
{
	*out = NULL;
	return up ? vfs_getname(t, up, out) : 0;
}

long sys_mount(struct task *t, const uint64_t a[6])
{
	char *source = NULL, *target = NULL, *fstype = NULL, *data = NULL;
	unsigned long flags = a[3];
	int err = vfs_getname(t, a[1], &target);
	if (!err)
		err = get_opt_name(t, a[0], &source);
	if (!err)
		err = get_opt_name(t, a[2], &fstype);
	/* Options matter only for a new tmpfs or proc; they are a string
	 * there (at most a page, as Linux copies). */
	if (!err && !(flags & (MS_BIND | MS_REMOUNT | MS_MOVE)))
		err = get_opt_name(t, a[4], &data);
	if (!err)
		err = vfs_do_mount(t, source, target, fstype, flags, data);
	free(source);
	free(target);
	free(fstype);
	free(data);
	return err;
}

long sys_umount2(struct task *t, const uint64_t a[6])
{
	char *target;
	int err = vfs_getname(t, a[0], &target);
	if (err)
		return err;
	/* flags is an int: the high half of the register is not looked
	 * at, as in Linux. */
	err = vfs_umount(t, target, (int)a[1]);
	free(target);
	return err;
}
