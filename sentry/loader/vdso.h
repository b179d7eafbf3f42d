/* The vDSO: a small ELF shared object mapped into every program, with a
 * data page ([vvar]) the sentry keeps up to date, so that clock_gettime,
 * gettimeofday and time need no trap into the sentry. Internal to the
 * loader (and its unit test). */
#ifndef RV_LOADER_VDSO_H
#define RV_LOADER_VDSO_H

#include <stdint.h>

struct mm;

/* Map [vvar] and, right above it, [vdso] into mm where mmap would put
 * them (top-down below the mmap base, so below the interpreter when
 * mapped after it, as Linux 6.x does; randomised with the mmap base).
 * Returns the vDSO's address (for AT_SYSINFO_EHDR; [vvar] is the page
 * below, which the vDSO finds relative to itself) or -errno. */
int64_t vdso_map(struct mm *mm);

/* The data page the vDSO reads (struct vdso_data in vdso.c), as a memory
 * file offset, and the image; for the unit test. */
uint64_t vdso_vvar_offset(void);
const uint8_t *vdso_image(uint64_t *len);

#endif
