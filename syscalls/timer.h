/* Process timers (syscalls/timer.c): what the kernel must tell them. */
#ifndef RV_SYSCALLS_TIMER_H
#define RV_SYSCALLS_TIMER_H

/* Delete every timer (alarm, itimers, POSIX timers) of process tgid. The
 * kernel should call it when the process exits (and, for POSIX timers,
 * at execve: Linux deletes those but keeps alarm/itimers). Until it does,
 * a timer of a dead process is dropped when it next fires. */
void timers_release_tg(int tgid);
/* Delete the POSIX timers of process tgid (execve(2): alarm and the
 * interval timers stay). */
void timers_release_posix(int tgid);
/* Delete POSIX timer id of process tgid: 0 or -EINVAL. */
int timers_delete_one(int tgid, int id);
/* /proc/[pid]/timers: fn for each POSIX timer of process tgid, newest
 * first (Linux's list order), under the timers' lock (fn must not take
 * it or block): id, signal, sigev_value, sigev_notify, SIGEV_THREAD_ID
 * target, clock id as given to timer_create. */
#include <stdint.h>
typedef void (*timers_proc_fn)(void *arg, int id, int signo, uint64_t value,
			       int notify, int tid, int clockid);
void timers_proc_each(int tgid, timers_proc_fn fn, void *arg);

#endif
