/* The vDSO: a small ELF shared object mapped into every program, with a
 * data page ([vvar]) the sentry keeps up to date, so that clock_gettime,
 * gettimeofday and time need no trap into the sentry. Internal to the
 * loader (and its unit test). */
#ifndef RV_LOADER_VDSO_H
#define RV_LOADER_VDSO_H

#include <stdint.h>

struct mm;

/* Where [vvar] and [vdso] go: just above the initial stack, below the
 * platform's own pages, as Linux puts them near the stack. */
#define VDSO_VVAR_ADDR (0x7ffffffe0000ULL)
#define VDSO_ADDR (VDSO_VVAR_ADDR + 0x1000ULL)

/* Map [vvar] and [vdso] into mm. Returns the vDSO's address (for
 * AT_SYSINFO_EHDR) or -errno. */
int64_t vdso_map(struct mm *mm);

/* The data page the vDSO reads (struct vdso_data in vdso.c), as a memory
 * file offset, and the image; for the unit test. */
uint64_t vdso_vvar_offset(void);
const uint8_t *vdso_image(uint64_t *len);

#endif
