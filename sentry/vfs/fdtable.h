/* The file descriptor table of a task (shared with CLONE_FILES). */
#ifndef RV_FDTABLE_H
#define RV_FDTABLE_H

#include <stdbool.h>
#include <stdint.h>

struct file;
struct fdtable;

struct fdtable *fdtable_create(void);
struct fdtable *fdtable_copy(struct fdtable *);  /* fork without CLONE_FILES */
void fdtable_get(struct fdtable *);
void fdtable_put(struct fdtable *);

/* Install f (the table takes a reference) at the lowest free fd >= minfd,
 * below RLIMIT_NOFILE. Returns the fd or -EMFILE. */
int fd_install(struct fdtable *, struct file *f, int minfd, bool cloexec);
/* dup2/dup3: install at exactly fd, closing what was there. */
int fd_install_at(struct fdtable *, struct file *f, int fd, bool cloexec);
/* The file at fd with a reference for the caller, or NULL (EBADF). */
struct file *fd_get(struct fdtable *, int fd);
int fd_close(struct fdtable *, int fd);
int fd_get_cloexec(struct fdtable *, int fd);           /* 0/1 or -EBADF */
int fd_set_cloexec(struct fdtable *, int fd, bool on);
void fd_close_on_exec(struct fdtable *);
/* RLIMIT_NOFILE for fd_install()/fd_install_at() called on this host
 * thread: the syscall layer sets it from the calling task's rlimit before
 * allocating fds (default 1024). */
void fd_set_thread_limit(uint64_t lim);
/* Iterate open fds in order: returns the next fd >= from, or -1. */
int fd_next(struct fdtable *, int from);

#endif
