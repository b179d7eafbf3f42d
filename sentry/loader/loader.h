/* The ELF loader: builds a fresh address space for a program (static,
 * static-PIE, and with PT_INTERP its interpreter), with the initial stack
 * (argc, argv, envp, auxv) Linux's binfmt_elf builds.
 *
 * Program headers are validated before anything is mapped: a truncated
 * file, a foreign architecture or class, an absurd phnum, segments that
 * overlap or wrap, or an entry point outside every segment are -ENOEXEC
 * with a one-line reason in err. */
#ifndef RV_LOADER_H
#define RV_LOADER_H

#include <stddef.h>
#include <stdint.h>

struct file;
struct mm;
struct task;

/* The sandbox's kernel.randomize_va_space (/proc/sys/kernel/
 * randomize_va_space shows it): 2, Linux's default, randomises the stack,
 * the mmap base, the vDSO, a PIE's base and the heap (1 would leave the
 * heap, 0 everything, alone). A task whose personality has
 * ADDR_NO_RANDOMIZE (setarch -R; it survives execve) gets the fixed
 * layout of mm.h. */
#define LOADER_RANDOMIZE_VA_SPACE 2

struct loader_image {
	struct mm *mm;   /* the new address space (caller owns a reference) */
	uint64_t entry;  /* initial rip (interpreter's entry when PT_INTERP) */
	uint64_t sp;     /* initial rsp: points at argc */
};

/* t: the task that execs (its root and cwd resolve PT_INTERP; the new mm
 * is created on rv_platform); t itself is not changed.
 * exe: the opened program (a reference is taken for /proc/self/exe).
 * path: the name argv[0] came with, for AT_EXECFN.
 * argv/envp: NULL-terminated sentry arrays.
 * Returns 0, or -errno with a reason in err (err may be NULL):
 * -ENOEXEC (not ELF / bad headers), -EACCES, -ENOMEM, -E2BIG. */
int loader_load(struct task *t, struct file *exe, const char *path,
		char *const argv[], char *const envp[],
		struct loader_image *out, char *err, size_t errlen);

#endif
