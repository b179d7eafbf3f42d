/* An application address space: VMAs, the pages behind them (in the memory
 * file), and the platform address space that mirrors them.
 *
 * mm is the only code that reads or writes application memory. Handlers
 * use mm_copy_in/mm_copy_out (and mm_iovecs for zero-copy I/O); a bad
 * pointer gives -EFAULT, never a sentry crash.
 *
 * Pages are allocated lazily: the app faults, the platform reports
 * PEV_FAULT, the task calls mm_handle_fault(), which allocates (or reads in,
 * or copies on write) and maps the page into the platform address space.
 * copy_out to a page that has none yet allocates it the same way. */
#ifndef RV_MM_H
#define RV_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

struct mm;
struct file;
struct platform;
struct platform_as;

/* Layout constants (x86-64, 47-bit user space). */
#define MM_USER_TOP 0x7ffffffff000ULL  /* exclusive end of user space */
/* The layout without randomisation (personality ADDR_NO_RANDOMIZE, as
 * `setarch -R`): the initial stack ends at the top (Linux's STACK_TOP,
 * 0x7ffffffff000, less the platform's 8 KiB: MM_MAP_TOP) and mmap grows
 * down from 128 MiB below Linux's TASK_SIZE. Otherwise the loader moves
 * both down by random amounts as Linux does (loader.c). */
#define MM_STACK_TOP 0x7fffffffd000ULL
#define MM_STACK_MAX (8ULL << 20)      /* RLIMIT_STACK default */
#define MM_MMAP_BASE 0x7ffff7fff000ULL /* mmap grows down from here */
#define MM_MIN_ADDR 0x10000ULL         /* vm.mmap_min_addr */
/* Exclusive end of what the app may map, unmap, protect or move: the
 * mm's TASK_SIZE. The 8 KiB above hold the ptrace platform's stub code
 * and op table (platform.h PLATFORM_USER_TOP), which the app must neither
 * map over nor change, so every mm call treats them as beyond the end of
 * user space, as Linux does addresses above TASK_SIZE. */
#define MM_MAP_TOP 0x7fffffffd000ULL

/* Create an empty address space on platform p. NULL on ENOMEM or platform
 * failure. */
struct mm *mm_create(struct platform *p);
/* fork(): a copy-on-write duplicate (MAP_SHARED VMAs stay shared). */
struct mm *mm_fork(struct mm *parent);
void mm_get(struct mm *);
void mm_put(struct mm *);
struct platform_as *mm_platform_as(struct mm *);

/* The system calls' work; each returns what the syscall returns (address or
 * 0) or -errno, with Linux's argument checks (see mmap(2), munmap(2), …).
 * file is NULL for MAP_ANONYMOUS; mm takes its own reference. */
int64_t mm_mmap(struct mm *, uint64_t addr, uint64_t len, int prot,
		int flags, struct file *file, uint64_t off);
int mm_munmap(struct mm *, uint64_t addr, uint64_t len);
int mm_mprotect(struct mm *, uint64_t addr, uint64_t len, int prot);
int64_t mm_mremap(struct mm *, uint64_t old_addr, uint64_t old_len,
		  uint64_t new_len, int flags, uint64_t new_addr);
int mm_madvise(struct mm *, uint64_t addr, uint64_t len, int advice);
int mm_msync(struct mm *, uint64_t addr, uint64_t len, int flags);
/* Every shared host-file page of the address space written back, as at
 * its end (the sandbox's end kills processes whose pages would be lost:
 * Linux keeps them in the page cache, which outlives the process). */
int mm_writeback_all(struct mm *);
int mm_mincore(struct mm *, uint64_t addr, uint64_t len, uint64_t vec);
int64_t mm_brk(struct mm *, uint64_t addr);
/* mlock/munlock (lock = true/false): range checks; memory never swaps. */
int mm_mlock(struct mm *, uint64_t addr, uint64_t len, bool lock);

/* Set by the loader. */
void mm_set_brk_base(struct mm *, uint64_t base);
/* Where mmap's top-down search starts (Linux's mm->mmap_base; inherited
 * by fork). A new mm has MM_MMAP_BASE. base is page-aligned, above
 * MM_MIN_ADDR and at most MM_MAP_TOP. */
void mm_set_mmap_base(struct mm *, uint64_t base);
uint64_t mm_mmap_base(struct mm *);
struct mm_layout {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv[64]; /* copy of the auxv pairs, for /proc/self/auxv */
	size_t auxv_len;   /* bytes used in auxv */
};
struct mm_layout *mm_layout(struct mm *);
/* The executable, for /proc/self/exe (a reference is kept). */
void mm_set_exe(struct mm *, struct file *exe);
struct file *mm_exe(struct mm *); /* borrowed; may be NULL */
/* Name a VMA for /proc/self/maps ("[stack]", "[heap]", "[vdso]"). */
void mm_set_vma_name(struct mm *, uint64_t addr, const char *name);
/* Map npages existing memory file pages at [addr, ...) (replacing what was
 * there, like MAP_FIXED), a reference taken on each: the vDSO and its data
 * page. shared: every mm sees the same pages and mprotect can never add
 * to prot; else the pages are copied on write like fork's. 0 or -errno. */
int mm_map_pages(struct mm *, uint64_t addr, size_t npages,
		 uint64_t memfile_off, int prot, bool shared,
		 const char *name);

/* Exec's fault-around: map into the platform, read-only where a write
 * must copy, every page of mm that is present (the stack and .data the
 * loader wrote, the vDSO) and every page of its file mappings that the
 * file's cache already holds (a program run again: a shell loop, make),
 * in one platform map per run of the memory file, so that the program
 * does not start with a fault per 64 KiB. A read-only segment of at most
 * 1 MiB of a read-only tree's file is read into the cache whole first;
 * nothing else is read or allocated. At most 128 MiB of the address
 * space is looked at. */
void mm_map_present(struct mm *);

/* Page fault at addr reported by the platform. access is PLATFORM_ACC_*
 * (0 = unknown), present as in struct platform_event.
 * Returns 0 when the fault was resolved (resume the app), or the signal to
 * raise: SIGSEGV with *code = SEGV_MAPERR/SEGV_ACCERR, or SIGBUS with
 * *code = BUS_ADRERR (file mapping beyond end of file). */
int mm_handle_fault(struct mm *, uint64_t addr, int access, bool present,
		    int *code);

/* Copy between app memory and the sentry. 0 or -EFAULT. A partial copy
 * may have happened when -EFAULT is returned. */
int mm_copy_in(struct mm *, void *dst, uint64_t src, size_t len);
int mm_copy_out(struct mm *, uint64_t dst, const void *src, size_t len);
/* Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL within max. */
ssize_t mm_copy_in_str(struct mm *, char *dst, uint64_t src, size_t max);
/* Zero app memory (clear_user). */
int mm_zero(struct mm *, uint64_t dst, size_t len);

/* Zero-copy I/O: describe app range [va, va+len) as up to max sentry
 * iovecs (pointers into the memory file mapping), allocating / breaking
 * copy-on-write as needed when write is true (the app memory will be
 * written). Stops at the first page that is not accessible. Returns the
 * number of iovecs filled and sets *covered to the bytes they span (a
 * prefix of the range); -EFAULT when not even the first byte is
 * accessible. */
int mm_iovecs(struct mm *, uint64_t va, size_t len, bool write,
	      struct iovec *out, int max, size_t *covered);
/* The same, with each page pinned (memfile_pin) until
 * mm_iovecs_release() of the iovecs filled: for handlers that use the
 * pointers after other threads of the app may have run (a blocking read,
 * a socket send). Without the pin, an munmap/mremap/MADV_DONTNEED by
 * another thread frees the page and the memory file hands it to another
 * mapping, maybe another process's, which the handler would then read or
 * write. As with Linux's get_user_pages, data moved into an unmapped
 * pinned page is simply lost. */
int mm_iovecs_pin(struct mm *, uint64_t va, size_t len, bool write,
		  struct iovec *out, int max, size_t *covered);
void mm_iovecs_release(const struct iovec *iov, size_t n);
/* mm_iovecs_pin as Linux's FOLL_FORCE access of ptrace and
 * /proc/[pid]/mem: a VMA the app may not read but may make readable
 * (PROT_NONE) is read; a private VMA without PROT_WRITE is written into
 * a private copy of its page (the file is not changed); a shared one
 * without PROT_WRITE is not. The stack does not grow. */
int mm_iovecs_pin_force(struct mm *, uint64_t va, size_t len, bool write,
			struct iovec *out, int max, size_t *covered);

/* /proc/[pid]/maps text into buf (NUL terminated). Returns length; when
 * the text does not fit, buf is filled and len - 1 is returned. */
size_t mm_format_maps(struct mm *, char *buf, size_t len);
/* /proc/[pid]/smaps (rollup: smaps_rollup), the same way. */
size_t mm_format_smaps(struct mm *, char *buf, size_t len, bool rollup);
/* Bytes of app memory resident for this mm (VmRSS) and mapped (VmSize). */
uint64_t mm_rss_bytes(struct mm *);
uint64_t mm_vsize_bytes(struct mm *);
/* Bytes of private writable non-stack mappings (Linux's data_vm). */
uint64_t mm_data_bytes(struct mm *);
/* The file of the VMA that starts exactly at addr, with a reference
 * (file_put), and its file offset in *off; NULL when there is none or it
 * is anonymous (sentry/mm/mm_file.c). */
struct file *mm_file_at(struct mm *, uint64_t addr, uint64_t *off);
/* A file shrank to size (truncate_pagecache()'s unmap_mapping_range
 * with even_cows): every mm drops the pages it maps of inode at or past
 * size rounded up to a page, private copies included, so that the next
 * access there faults and gets SIGBUS. Called with no VFS lock held
 * (takes each mm's lock). */
struct inode;
void mm_truncate_inode(struct inode *, uint64_t size);
/* /proc/[pid]/pagemap (sentry/mm/mm_proc.c): the entries of n pages
 * from va (page aligned), Linux's bits: present, exclusively mapped,
 * file page or shared anonymous, soft-dirty (every VMA is, as Linux's
 * new ones until clear_refs 4); no PFN, no swap. 0 outside VMAs. */
#define MM_PM_PRESENT (1ULL << 63)
#define MM_PM_SWAP (1ULL << 62)
#define MM_PM_FILE (1ULL << 61)
#define MM_PM_EXCLUSIVE (1ULL << 56)
#define MM_PM_SOFT_DIRTY (1ULL << 55)
void mm_pagemap(struct mm *, uint64_t va, uint64_t *out, size_t n);
/* One VMA as numa_maps and map_files show it; file is a reference. */
struct mm_vma_info {
	uint64_t start, end, off;
	int prot;
	bool shared, heap, stack;
	struct file *file;
	uint64_t pages, anon, dirty, mapmax; /* present pages */
};
/* Every VMA, in order, into a new array (*out); the count. The page
 * counts only when pages is true. mm_vma_snapshot_free() drops the files
 * and the array. */
size_t mm_vma_snapshot(struct mm *, struct mm_vma_info **out, bool pages);
void mm_vma_snapshot_free(struct mm_vma_info *, size_t n);
/* Does any VMA meet [start, end)? */
bool mm_range_has_vma(struct mm *, uint64_t start, uint64_t end);

#endif
