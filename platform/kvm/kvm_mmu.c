/* Guest page tables: one 4-level tree per address space, written by the
 * host in the private region and walked by the guest MMU.
 *
 * Invalidation. On hardware KVM with EPT the guest MMU reads our tables
 * directly, but PVM (and KVM without EPT) builds shadow page tables from
 * them and only notices changes the *guest* makes; host writes go unseen
 * and a CR3 reload does not resync. So:
 *  - filling a not-present entry needs nothing: KVM walks our tables on
 *    the resulting shadow fault;
 *  - changing a present entry (unmap, protect, map over a mapping) is
 *    followed by kvm_zap_shadow(), which discards every shadow page and
 *    waits until every vCPU has left the guest to reload its MMU: when
 *    as_unmap returns, no thread can use the old translation (munmap(2)
 *    semantics);
 *  - a freed table page is not reused before the next zap (KVM could
 *    still hold a shadow of its old contents).
 * The address space's generation makes vCPUs that re-enter from the host
 * reload CR3 as well, for hosts whose TLB outlives the shadow pages.
 * Cost: ~120 us per zap on the PVM host; see docs/platforms.md for the
 * cheaper design (guest-side writes of changed entries). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "platform/kvm/kvm_impl.h"
#include "sentry/util.h"

static inline uint64_t priv_gpa(uint64_t off) { return KVM_PRIV_GPA + off; }

static inline uint64_t *table(struct kvm_platform *p, uint64_t entry)
{
	return kvm_priv_ptr(p, (entry & PTE_ADDR) - KVM_PRIV_GPA);
}

/* Kernel half, shared by every address space: pml4[511] -> KPDPT,
 * KPDPT[0] -> KPD, KPD[0] -> KPT (4 KiB pages of the first 2 MiB, so that
 * only the code page is executable), KPD[1..] 2 MiB pages. All supervisor
 * only: the app cannot read the guest's IDT, GDT or stacks. */
void kvm_kernel_tables_init(struct kvm_platform *p)
{
	uint64_t *kpdpt = kvm_priv_ptr(p, KVM_PG_KPDPT * RV_PAGE_SIZE);
	uint64_t *kpd = kvm_priv_ptr(p, KVM_PG_KPD * RV_PAGE_SIZE);
	uint64_t *kpt = kvm_priv_ptr(p, KVM_PG_KPT * RV_PAGE_SIZE);

	kpdpt[0] = priv_gpa(KVM_PG_KPD * RV_PAGE_SIZE) | PTE_P | PTE_W |
		   PTE_A;
	kpd[0] = priv_gpa(KVM_PG_KPT * RV_PAGE_SIZE) | PTE_P | PTE_W | PTE_A;
	for (uint64_t i = 0; i < 512; i++) {
		uint64_t e = priv_gpa(i * RV_PAGE_SIZE) | PTE_P | PTE_A |
			     PTE_D;
		if (i == KVM_PG_CODE)
			kpt[i] = e; /* read-only, executable */
		else
			kpt[i] = e | PTE_W | PTE_NX;
	}
	for (uint64_t i = 1; i < KVM_PRIV_SIZE >> 21; i++)
		kpd[i] = priv_gpa(i << 21) | PTE_P | PTE_W | PTE_A | PTE_D |
			 PTE_PS | PTE_NX;
}

struct platform_as *kvm_as_create(struct platform *pl)
{
	struct kvm_platform *p = kvm_of(pl);
	int64_t pml4 = kvm_page_alloc(p);

	if (pml4 < 0)
		return NULL;
	struct kvm_as *as = rv_xcalloc(1, sizeof(*as));
	as->p = p;
	as->pml4 = (uint64_t)pml4;
	pthread_mutex_init(&as->lock, NULL);
	pthread_mutex_lock(&p->lock);
	as->id = p->next_as_id++;
	pthread_mutex_unlock(&p->lock);
	uint64_t *t = kvm_priv_ptr(p, as->pml4);
	t[511] = priv_gpa(KVM_PG_KPDPT * RV_PAGE_SIZE) | PTE_P | PTE_W |
		 PTE_A;
	if (kvm_as_map_priv(as, KVM_USTUB_VA, KVM_PG_USTUB * RV_PAGE_SIZE,
			    PTE_U) < 0) {
		kvm_as_destroy((struct platform_as *)as);
		return NULL;
	}
	return (struct platform_as *)as;
}

static void free_tree(struct kvm_platform *p, uint64_t *t, int level)
{
	for (int i = 0; i < 512; i++) {
		if (!(t[i] & PTE_P))
			continue;
		if (level > 1)
			free_tree(p, table(p, t[i]), level - 1);
		kvm_page_free(p, (t[i] & PTE_ADDR) - KVM_PRIV_GPA);
	}
}

void kvm_as_destroy(struct platform_as *pas)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	struct kvm_platform *p;

	if (!as)
		return;
	p = as->p;
	/* Detach vCPUs that last ran here: their next run loads a new CR3
	 * and flushes, whatever address space reuses these pages. */
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i]->as == as)
			p->vcpus[i]->as = NULL;
	pthread_mutex_unlock(&p->lock);
	uint64_t *pml4 = kvm_priv_ptr(p, as->pml4);
	pml4[511] = 0; /* shared kernel half: not ours to free */
	for (int i = 0; i < 256; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		uint64_t *pdpt = table(p, pml4[i]);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			free_tree(p, table(p, pdpt[j]), 1);
			kvm_page_free(p, (pdpt[j] & PTE_ADDR) - KVM_PRIV_GPA);
		}
		kvm_page_free(p, (pml4[i] & PTE_ADDR) - KVM_PRIV_GPA);
	}
	kvm_page_free(p, as->pml4);
	pthread_mutex_destroy(&as->lock);
	free(as);
}

/* The leaf entry for va, creating tables when create. NULL when a table
 * is missing (and *next is the first address the next table covers) or
 * when private memory runs out (*next = 0). Caller holds as->lock. */
static uint64_t *walk(struct kvm_as *as, uint64_t va, bool create,
		      uint64_t *next)
{
	struct kvm_platform *p = as->p;
	uint64_t *t = kvm_priv_ptr(p, as->pml4);
	static const int shift[] = {39, 30, 21};

	for (int l = 0; l < 3; l++) {
		uint64_t *e = &t[(va >> shift[l]) & 511];
		if (!(*e & PTE_P)) {
			if (!create) {
				*next = (va | ((1ULL << shift[l]) - 1)) + 1;
				return NULL;
			}
			int64_t pg = kvm_page_alloc(p);
			if (pg < 0) {
				*next = 0;
				return NULL;
			}
			/* Upper levels allow everything; the leaf decides. */
			__atomic_store_n(e, priv_gpa((uint64_t)pg) | PTE_P |
						    PTE_W | PTE_U | PTE_A,
					 __ATOMIC_RELEASE);
		}
		t = table(p, *e);
	}
	return &t[(va >> 12) & 511];
}

static uint64_t leaf(uint64_t off, int prot)
{
	/* x86 cannot express write-only or exec-only pages: like Linux,
	 * they are readable. PROT_NONE keeps the offset in a not-present
	 * entry so that mprotect can bring it back. */
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return off | PTE_SOFT_NONE;
	uint64_t e = off | PTE_P | PTE_U | PTE_A | PTE_D;
	if (prot & PROT_WRITE)
		e |= PTE_W;
	if (!(prot & PROT_EXEC))
		e |= PTE_NX;
	return e;
}

/* The sentry's ranges end at MM_USER_TOP like Linux's TASK_SIZE: the page
 * above holds the platform's user stub and is not the sentry's to map. */
static bool range_ok(uint64_t addr, uint64_t len)
{
	uint64_t end;
	return rv_page_aligned(addr) && rv_page_aligned(len) &&
	       !__builtin_add_overflow(addr, len, &end) &&
	       end <= KVM_USTUB_VA;
}

/* Publish a change of present entries: the memory-slot trick in
 * kvm_zap_shadow() drops every shadow page and, before it returns, makes
 * every vCPU leave the guest and reload its MMU (KVM's request waits for
 * them), so a running thread of the address space cannot use the old
 * translation once this returns. vCPUs that re-enter from the host also
 * reload CR3 (see the generation above) for hosts where the TLB outlives
 * the shadow pages. */
static int changed(struct kvm_as *as)
{
	atomic_fetch_add(&as->gen, 1);
	return kvm_zap_shadow(as->p);
}

int kvm_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
	       uint64_t off, int prot)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	uint64_t end_off, next;
	bool chg = false;
	int err = 0;

	if (!range_ok(addr, len) || !rv_page_aligned(off) ||
	    __builtin_add_overflow(off, len, &end_off) ||
	    end_off > MEMFILE_MAX_SIZE)
		return -EINVAL;
	if (len == 0)
		return 0;
	err = kvm_slots_cover(as->p, end_off);
	if (err)
		return err;
	pthread_mutex_lock(&as->lock);
	for (uint64_t i = 0; i < len; i += RV_PAGE_SIZE) {
		uint64_t *pte = walk(as, addr + i, true, &next);
		if (!pte) {
			err = -ENOMEM;
			break;
		}
		uint64_t old = *pte, new = leaf(off + i, prot);
		if (old == new)
			continue;
		__atomic_store_n(pte, new, __ATOMIC_RELEASE);
		chg |= (old & PTE_P) != 0;
	}
	pthread_mutex_unlock(&as->lock);
	if (chg && !err)
		err = changed(as);
	else if (chg)
		changed(as);
	return err;
}

int kvm_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	uint64_t va, end, next;
	bool chg = false;

	if (!range_ok(addr, len))
		return -EINVAL;
	end = addr + len;
	pthread_mutex_lock(&as->lock);
	for (va = addr; va < end;) {
		uint64_t *pte = walk(as, va, false, &next);
		if (!pte) {
			va = next;
			continue;
		}
		chg |= (*pte & PTE_P) != 0;
		__atomic_store_n(pte, 0, __ATOMIC_RELEASE);
		va += RV_PAGE_SIZE;
	}
	pthread_mutex_unlock(&as->lock);
	return chg ? changed(as) : 0;
}

int kvm_as_protect(struct platform_as *pas, uint64_t addr, uint64_t len,
		   int prot)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	uint64_t va, end, next;
	bool chg = false;

	if (!range_ok(addr, len))
		return -EINVAL;
	end = addr + len;
	pthread_mutex_lock(&as->lock);
	for (va = addr; va < end;) {
		uint64_t *pte = walk(as, va, false, &next);
		if (!pte) {
			va = next;
			continue;
		}
		uint64_t old = *pte;
		if (old & (PTE_P | PTE_SOFT_NONE)) {
			uint64_t new = leaf(old & PTE_ADDR, prot);
			if (new != old) {
				__atomic_store_n(pte, new, __ATOMIC_RELEASE);
				chg |= (old & PTE_P) != 0;
					}
		}
		va += RV_PAGE_SIZE;
	}
	pthread_mutex_unlock(&as->lock);
	return chg ? changed(as) : 0;
}

int kvm_as_map_priv(struct kvm_as *as, uint64_t va, uint64_t priv_off,
		    uint64_t flags)
{
	uint64_t next;

	pthread_mutex_lock(&as->lock);
	uint64_t *pte = walk(as, va, true, &next);
	if (pte)
		*pte = priv_gpa(priv_off) | PTE_P | PTE_A | PTE_D | flags;
	pthread_mutex_unlock(&as->lock);
	return pte ? 0 : -ENOMEM;
}

/* Read app memory through the page tables, as the app would (user pages
 * only). For decoding an instruction. 0 or -EFAULT. */
int kvm_as_read(struct kvm_as *as, uint64_t va, void *buf, size_t n)
{
	uint8_t *out = buf;
	uint64_t next;
	int err = 0;

	pthread_mutex_lock(&as->lock);
	while (n && !err) {
		if (va >= KVM_USER_TOP) {
			err = -EFAULT;
			break;
		}
		uint64_t *pte = walk(as, va, false, &next);
		if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U)) {
			err = -EFAULT;
			break;
		}
		size_t in_page = RV_PAGE_SIZE - (va & (RV_PAGE_SIZE - 1));
		size_t k = RV_MIN(n, in_page);
		memcpy(out, memfile_ptr((*pte & PTE_ADDR) +
					(va & (RV_PAGE_SIZE - 1))), k);
		out += k;
		va += k;
		n -= k;
	}
	pthread_mutex_unlock(&as->lock);
	return err;
}
