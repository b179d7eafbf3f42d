/* Guest page tables: one 4-level tree per address space, written by the
 * host in the private region and walked by the guest MMU.
 *
 * Invalidation. On hardware KVM with EPT the guest MMU reads our tables
 * directly, but PVM (and KVM without EPT) builds shadow page tables from
 * them and notices only the *guest's* writes: host writes go unseen and a
 * CR3 reload does not resync a write-protected shadow page (measured).
 *  - Filling a not-present entry needs nothing: KVM walks our tables on
 *    the resulting shadow fault. Nor does a change that only adds rights
 *    to the same page (only_adds_rights).
 *  - A change of a present entry (unmap, protect, map over a mapping) is
 *    logged. Every vCPU running in the address space is kicked out and
 *    waited for before the call returns; a vCPU entering the app after a
 *    change goes through a ring-0 stub that re-stores each logged entry
 *    (KVM traps the store to a shadowed page-table page and drops its
 *    shadow of that entry, on every vCPU) and reloads CR3 (TLB). So once
 *    as_unmap returns no thread of the address space runs app code with
 *    the old translation: munmap(2) semantics.
 *  - When the log would overflow (a large unmap), kvm_zap_shadow() drops
 *    every shadow page instead (~120 us here) and empties the log.
 *  - A freed table page waits in limbo until a zap: KVM may still hold a
 *    shadow of its old contents. */
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

/* A change of a present entry that only adds rights (write, exec) to the
 * same page needs no invalidation: a stale translation is only stricter.
 * The access then faults; a shadowing KVM (PVM) re-walks our tables on
 * that fault and fixes its copy without telling the guest, and on
 * hardware KVM the #PF reaches the sentry as a spurious fault, after
 * which the CPU has dropped the stale TLB entry (x86 does on every #PF),
 * as Linux relies on for its own upgrades. So no log, no kick and no
 * apply stub on the next entry: fork's copy-on-write pages that the other
 * side no longer shares, and mprotect adding PROT_WRITE. */
static bool only_adds_rights(uint64_t old, uint64_t new)
{
	const uint64_t same = PTE_P | PTE_U | PTE_ADDR | PTE_SOFT_NONE;
	if ((old & same) != (new & same) || !(old & PTE_P))
		return false;
	if ((old & PTE_W) && !(new & PTE_W))
		return false;
	if (!(old & PTE_NX) && (new & PTE_NX))
		return false;
	return ((old ^ new) & ~(PTE_W | PTE_NX)) == 0;
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

/* unmap and protect accept the whole user half (a sentry tearing down
 * everything) and leave the stub page alone. */
static bool range_clip(uint64_t addr, uint64_t *len)
{
	if (!rv_page_aligned(addr) || !rv_page_aligned(*len) ||
	    rv_range_bad(addr, *len))
		return false;
	if (addr >= KVM_USTUB_VA)
		*len = 0;
	else if (addr + *len > KVM_USTUB_VA)
		*len = KVM_USTUB_VA - addr;
	return true;
}

static uint64_t pte_kva(struct kvm_as *as, uint64_t *pte)
{
	return KVM_KVA_BASE + (uint64_t)((uint8_t *)pte - as->p->priv);
}

/* Log a changed present entry; caller holds as->lock. False when the log
 * is full: the caller then zaps. */
static bool log_pte(struct kvm_as *as, uint64_t *pte)
{
	if (as->log_seq - as->log_applied >= KVM_LOG_CAP)
		return false;
	as->log[as->log_seq++ % KVM_LOG_CAP] = pte_kva(as, pte);
	return true;
}

size_t kvm_as_log_take(struct kvm_as *as, uint64_t *dst, uint64_t *upto)
{
	size_t n = 0;

	pthread_mutex_lock(&as->lock);
	for (uint64_t i = as->log_applied; i < as->log_seq; i++)
		dst[n++] = as->log[i % KVM_LOG_CAP];
	*upto = as->log_seq;
	pthread_mutex_unlock(&as->lock);
	return n;
}

void kvm_as_log_done(struct kvm_as *as, uint64_t upto)
{
	pthread_mutex_lock(&as->lock);
	if (upto > as->log_applied && upto <= as->log_seq)
		as->log_applied = upto;
	pthread_mutex_unlock(&as->lock);
}

/* Publish a change of present entries (see the top of this file). With
 * zap, the log overflowed: drop all shadow pages, which also makes every
 * vCPU leave the guest and reload its MMU before it returns. */
static int changed(struct kvm_as *as, bool zap)
{
	atomic_fetch_add(&as->gen, 1);
	if (zap) {
		int err = kvm_zap_shadow(as->p);
		if (err)
			return err;
		pthread_mutex_lock(&as->lock);
		as->log_applied = as->log_seq;
		pthread_mutex_unlock(&as->lock);
	}
	kvm_kick_as(as);
	return 0;
}

int kvm_as_map(struct platform_as *pas, uint64_t addr, uint64_t len,
	       uint64_t off, int prot)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	uint64_t end_off, next;
	bool chg = false, zap = false;
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
		if ((old & PTE_P) && !only_adds_rights(old, new)) {
			chg = true;
			zap |= !log_pte(as, pte);
		}
	}
	pthread_mutex_unlock(&as->lock);
	if (chg) {
		int e = changed(as, zap);
		err = err ? err : e;
	}
	return err;
}

int kvm_as_unmap(struct platform_as *pas, uint64_t addr, uint64_t len)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	uint64_t va, end, next;
	bool chg = false, zap = false;

	if (!range_clip(addr, &len))
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
		__atomic_store_n(pte, 0, __ATOMIC_RELEASE);
		if (old & PTE_P) {
			chg = true;
			zap |= !log_pte(as, pte);
		}
		va += RV_PAGE_SIZE;
	}
	pthread_mutex_unlock(&as->lock);
	return chg ? changed(as, zap) : 0;
}

int kvm_as_protect(struct platform_as *pas, uint64_t addr, uint64_t len,
		   int prot)
{
	struct kvm_as *as = (struct kvm_as *)pas;
	uint64_t va, end, next;
	bool chg = false, zap = false;

	if (!range_clip(addr, &len))
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
				if ((old & PTE_P) &&
				    !only_adds_rights(old, new)) {
					chg = true;
					zap |= !log_pte(as, pte);
				}
			}
		}
		va += RV_PAGE_SIZE;
	}
	pthread_mutex_unlock(&as->lock);
	return chg ? changed(as, zap) : 0;
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
		/* Only memory-file pages: the user stub lives in private
		 * memory, which memfile_ptr() does not reach. */
		if (!pte || (*pte & (PTE_P | PTE_U)) != (PTE_P | PTE_U) ||
		    (*pte & PTE_ADDR) >= MEMFILE_MAX_SIZE) {
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
