/* Which file a mapping shows: for shmdt(2), which must find the SysV
 * segment attached at an address (Linux's find_vma + vm_file). */
#include "sentry/mm/mm_internal.h"
#include "sentry/vfs/vfs.h"

struct file *mm_file_at(struct mm *mm, uint64_t addr, uint64_t *off)
{
	struct file *f = NULL;
	pthread_mutex_lock(&mm->lock);
	struct vma *v = mm_vma_find(mm, addr);
	if (v && v->start == addr && v->file) {
		f = v->file;
		file_get(f);
		*off = v->off;
	}
	pthread_mutex_unlock(&mm->lock);
	return f;
}
