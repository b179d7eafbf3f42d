/* KVM platform: one VM per sandbox, the app in guest ring 3.
 *
 * This file owns the VM: the probe, guest physical memory (the memory file
 * and the platform-private region) and the operations table. Address spaces
 * are in kvm_mmu.c, vCPUs and the guest ring-0 side in kvm_vcpu.c. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/kvm/kvm_impl.h"
#include "sentry/util.h"

/* The memory file is registered in slots of growing size: [0, 64M), then
 * [64M, 128M), [128M, 256M), ... up to MEMFILE_MAX_SIZE. One slot of 64 GiB
 * would cost the host kernel rmap arrays for all of it (128 MiB with the
 * shadow MMU PVM uses) even when the sandbox uses a few MiB. */
#define KVM_SLOT_FIRST (64ULL << 20)
#define KVM_SLOT_PRIV 0
#define KVM_SLOT_DUMMY 1000

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kvm_platform *all_platforms;

static int kvm_probe(struct platform_probe *out)
{
	int fd, v;

	out->usable = false;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		/* "/dev/kvm: permission denied", as the CLI prints it. */
		int n = snprintf(out->why, sizeof(out->why), "/dev/kvm: %s",
				 rv_errstr(errno));
		if (n > 10 && (size_t)n < sizeof(out->why))
			out->why[10] = (char)tolower((unsigned char)out->why[10]);
		return 0;
	}
	v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		snprintf(out->why, sizeof(out->why),
			 "/dev/kvm: API version %d, want %d", v,
			 KVM_API_VERSION);
		goto out;
	}
	static const struct {
		int cap;
		const char *name;
	} need[] = {
		{KVM_CAP_SYNC_REGS, "KVM_CAP_SYNC_REGS"},
		{KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT"},
		{KVM_CAP_XSAVE, "KVM_CAP_XSAVE"},
		{KVM_CAP_XCRS, "KVM_CAP_XCRS"},
		{KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID"},
	};
	for (size_t i = 0; i < RV_ARRAY_SIZE(need); i++) {
		if (ioctl(fd, KVM_CHECK_EXTENSION, need[i].cap) <= 0) {
			snprintf(out->why, sizeof(out->why),
				 "/dev/kvm: no %s", need[i].name);
			goto out;
		}
	}
	int sync = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS);
	if ((sync & (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) !=
	    (KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS)) {
		snprintf(out->why, sizeof(out->why),
			 "/dev/kvm: KVM_CAP_SYNC_REGS lacks regs/sregs");
		goto out;
	}
	out->usable = true;
out:
	close(fd);
	return 0;
}

/* --- private pages ------------------------------------------------------ */

static int zap_locked(struct kvm_platform *p);

int64_t kvm_page_alloc(struct kvm_platform *p)
{
	int64_t off = -ENOMEM;

	pthread_mutex_lock(&p->lock);
	/* Recycle limbo pages once there are many, or when nothing else is
	 * left: one zap makes them all safe to reuse. */
	if (!p->nfree && p->nlimbo &&
	    (p->nlimbo >= 1024 ||
	     p->priv_top + RV_PAGE_SIZE > KVM_PRIV_SIZE))
		zap_locked(p);
	if (p->nfree) {
		off = (int64_t)p->free_pages[--p->nfree];
		/* Keep the limbo run contiguous after the free run. */
		if (p->nlimbo)
			p->free_pages[p->nfree] =
				p->free_pages[p->nfree + p->nlimbo];
	} else if (p->priv_top + RV_PAGE_SIZE <= KVM_PRIV_SIZE) {
		off = (int64_t)p->priv_top;
		p->priv_top += RV_PAGE_SIZE;
	}
	pthread_mutex_unlock(&p->lock);
	if (off >= 0)
		memset(kvm_priv_ptr(p, (uint64_t)off), 0, RV_PAGE_SIZE);
	return off;
}

/* Freed pages wait in limbo until the next zap: KVM may still hold a
 * shadow of what they held. Free and limbo share one array: free pages
 * first, then limbo pages. */
void kvm_page_free(struct kvm_platform *p, uint64_t off)
{
	pthread_mutex_lock(&p->lock);
	if (p->nfree + p->nlimbo == p->capfree) {
		p->capfree = p->capfree ? p->capfree * 2 : 256;
		p->free_pages = rv_xrealloc(p->free_pages,
					    p->capfree * sizeof(uint64_t));
	}
	p->free_pages[p->nfree + p->nlimbo++] = off;
	pthread_mutex_unlock(&p->lock);
}

/* --- guest physical memory ---------------------------------------------- */

static int set_slot(struct kvm_platform *p, uint32_t slot, uint64_t gpa,
		    uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};
	if (ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

/* Make KVM forget every shadow page table it built from our page tables.
 * PVM (and KVM without EPT/NPT) shadows the guest page tables and learns
 * of changes by trapping the *guest's* writes to them; our writes come
 * from the host and go unseen, and a CR3 reload or invlpg does not resync
 * write-protected shadow pages. Deleting a memory slot makes KVM discard
 * all shadow pages (kvm_mmu_zap_all_fast), so we delete a one-page dummy
 * slot. */
static int zap_locked(struct kvm_platform *p)
{
	uint64_t gpa = KVM_PRIV_GPA + KVM_PRIV_SIZE;
	int err = set_slot(p, KVM_SLOT_DUMMY, gpa, RV_PAGE_SIZE,
			   kvm_priv_ptr(p, 0));
	if (!err)
		err = set_slot(p, KVM_SLOT_DUMMY, gpa, 0, kvm_priv_ptr(p, 0));
	if (!err) {
		p->nfree += p->nlimbo;
		p->nlimbo = 0;
		p->zaps++;
	}
	return err;
}

int kvm_zap_shadow(struct kvm_platform *p)
{
	pthread_mutex_lock(&p->lock);
	int err = zap_locked(p);
	pthread_mutex_unlock(&p->lock);
	return err;
}

/* Register the memory file up to at least size. Slots are only added,
 * never moved, so running vCPUs are not disturbed. */
static int slots_cover_locked(struct kvm_platform *p, uint64_t size)
{
	while (p->slots_top < size && p->slots_top < MEMFILE_MAX_SIZE) {
		uint64_t start = p->slots_top;
		uint64_t len = start ? start : KVM_SLOT_FIRST;
		if (start + len > MEMFILE_MAX_SIZE)
			len = MEMFILE_MAX_SIZE - start;
		int err = set_slot(p, 1 + (uint32_t)p->nslots, start, len,
				   memfile_base() + start);
		if (err)
			return err;
		p->nslots++;
		p->slots_top = start + len;
	}
	return p->slots_top >= size ? 0 : -ENOMEM;
}

int kvm_slots_cover(struct kvm_platform *p, uint64_t size)
{
	if (size <= __atomic_load_n(&p->slots_top, __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&p->lock);
	int err = slots_cover_locked(p, size);
	pthread_mutex_unlock(&p->lock);
	return err;
}

/* memfile_alloc() calls this before it hands out pages past the top, so
 * that a page is always guest memory before as_map can point at it. */
static void kvm_grow_hook(uint64_t new_size)
{
	pthread_mutex_lock(&all_lock);
	for (struct kvm_platform *p = all_platforms; p; p = p->next_all) {
		int err = kvm_slots_cover(p, new_size);
		if (err)
			rv_err("kvm: cannot register memory up to %#llx: %s",
			       (unsigned long long)new_size, strerror(-err));
	}
	pthread_mutex_unlock(&all_lock);
}

/* --- the VM ------------------------------------------------------------- */

static void kvm_destroy(struct platform *pl)
{
	struct kvm_platform *p = kvm_of(pl);

	if (!p)
		return;
	rv_dbg("kvm: %zu vCPUs, %llu shadow zaps, %llu KiB private memory",
	       p->nvcpus, (unsigned long long)p->zaps,
	       (unsigned long long)(p->priv_top >> 10));
	pthread_mutex_lock(&all_lock);
	for (struct kvm_platform **pp = &all_platforms; *pp;
	     pp = &(*pp)->next_all) {
		if (*pp == p) {
			*pp = p->next_all;
			break;
		}
	}
	pthread_mutex_unlock(&all_lock);
	for (size_t i = 0; i < p->nvcpus; i++)
		kvm_vcpu_close(p->vcpus[i]);
	free(p->vcpus);
	if (p->vm_fd >= 0)
		close(p->vm_fd);
	if (p->kvm_fd >= 0)
		close(p->kvm_fd);
	if (p->priv)
		munmap(p->priv, KVM_PRIV_SIZE);
	free(p->free_pages);
	free(p->cpuid);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static struct platform *kvm_create(const char **err)
{
	static char msg[160];
	struct kvm_platform *p = rv_xcalloc(1, sizeof(*p));

	p->base.ops = &platform_kvm_ops;
	p->kvm_fd = p->vm_fd = -1;
	pthread_mutex_init(&p->lock, NULL);
	p->tsc_host = -1;
	p->next_as_id = 1;

	if (!memfile_base()) {
		*err = "kvm: the memory file is not initialised";
		goto fail;
	}
	p->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (p->kvm_fd < 0) {
		snprintf(msg, sizeof(msg), "/dev/kvm: %s", rv_errstr(errno));
		*err = msg;
		goto fail;
	}
	p->vm_fd = ioctl(p->kvm_fd, KVM_CREATE_VM, 0);
	if (p->vm_fd < 0) {
		snprintf(msg, sizeof(msg), "KVM_CREATE_VM: %s",
			 rv_errstr(errno));
		*err = msg;
		goto fail;
	}
	int maxv = ioctl(p->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (maxv <= 0)
		maxv = ioctl(p->vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	p->max_ctx = maxv > 2 ? maxv - 2 : 1;
	p->run_size = ioctl(p->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (p->run_size < (int)sizeof(struct kvm_run)) {
		*err = "KVM_GET_VCPU_MMAP_SIZE failed";
		goto fail;
	}
	/* Private memory: reserved, not committed; only touched pages cost. */
	p->priv = mmap(NULL, KVM_PRIV_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->priv == MAP_FAILED) {
		p->priv = NULL;
		*err = "kvm: cannot reserve private memory";
		goto fail;
	}
	p->priv_top = KVM_PG_FIRST_FREE * RV_PAGE_SIZE;
	int e = set_slot(p, KVM_SLOT_PRIV, KVM_PRIV_GPA, KVM_PRIV_SIZE,
			 p->priv);
	if (!e)
		e = kvm_slots_cover(p, RV_MAX(memfile_size(), 1));
	if (e) {
		snprintf(msg, sizeof(msg), "KVM_SET_USER_MEMORY_REGION: %s",
			 strerror(-e));
		*err = msg;
		goto fail;
	}
	if (kvm_cpu_setup_vm(p, err) < 0)
		goto fail;
	kvm_kernel_tables_init(p);
	kvm_guest_code_init(p);

	pthread_mutex_lock(&all_lock);
	p->next_all = all_platforms;
	all_platforms = p;
	memfile_set_grow_hook(kvm_grow_hook);
	pthread_mutex_unlock(&all_lock);
	/* The memory file may have grown between the first cover and the
	 * hook being set. */
	if (kvm_slots_cover(p, memfile_size()) < 0) {
		*err = "kvm: cannot register the memory file";
		goto fail;
	}
	if (kvm_probe_syscall(p, err) < 0)
		goto fail;
	rv_dbg("kvm: syscall enters guest ring %d (%s host)",
	       p->syscall_ring0 ? 0 : 3,
	       p->syscall_ring0 ? "hardware" : "PVM-like");
	return &p->base;
fail:
	kvm_destroy(&p->base);
	return NULL;
}

const struct platform_ops platform_kvm_ops = {
	.name = "kvm",
	.probe = kvm_probe,
	.create = kvm_create,
	.create_early = true,
	.destroy = kvm_destroy,
	.as_create = kvm_as_create,
	.as_destroy = kvm_as_destroy,
	.as_map = kvm_as_map,
	.as_unmap = kvm_as_unmap,
	.as_protect = kvm_as_protect,
	.ctx_create = kvm_ctx_create,
	.ctx_destroy = kvm_ctx_destroy,
	.ctx_switch = kvm_ctx_switch,
	.ctx_interrupt = kvm_ctx_interrupt,
	.ctx_sync_fpstate = kvm_ctx_sync_fpstate,
};
