/* execve(2) in the kernel (exec.c). */
#ifndef RV_EXEC_H
#define RV_EXEC_H

struct task;

/* Replace t's program with path (relative to dirfd; AT_EMPTY_PATH and
 * AT_SYMLINK_NOFOLLOW in flags), handling #! scripts. argv/envp are sentry
 * copies (NULL-terminated). Returns -RV_EJUSTRETURN on success (registers
 * set), or -errno with the old program intact. */
long kernel_execve(struct task *t, int dirfd, const char *path,
		   char **argv, char **envp, int flags);

#endif
