/* execve(2) in the kernel (exec.c). */
#ifndef RV_EXEC_H
#define RV_EXEC_H

#include <stddef.h>

struct task;

/* Replace t's program with path (relative to dirfd; AT_EMPTY_PATH and
 * AT_SYMLINK_NOFOLLOW in flags), handling #! scripts. argv/envp are sentry
 * copies (NULL-terminated). Returns -RV_EJUSTRETURN on success (registers
 * set), or -errno with the old program intact and, when err is not NULL,
 * a one-line reason there ("foreign architecture (e_machine 183)"). */
long kernel_execve(struct task *t, int dirfd, const char *path,
		   char **argv, char **envp, int flags, char *err,
		   size_t errlen);

#endif
