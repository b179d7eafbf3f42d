/* pidfd_open, poll on a pidfd (readable once the process exits),
 * pidfd_send_signal, pidfd_getfd, waitid(P_PIDFD) and clone's CLONE_PIDFD
 * (clone and clone3). */
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "testlib.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

static int readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r = poll(&p, 1, ms);
	return r == 1 && (p.revents & POLLIN);
}

int main(void)
{
	int pp[2];
	pipe(pp);
	pid_t c = fork();
	if (c == 0) {
		char b;
		read(pp[0], &b, 1); /* wait for the parent's go */
		_exit(7);
	}
	int pfd = pidfd_open(c, 0);
	tl_yes("pidfd_open", pfd >= 0);
	tl_val("cloexec", fcntl(pfd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	tl_val("not readable while running", readable(pfd, 50), 0);
	tl_err("pidfd_open flags", pidfd_open(c, 1), EINVAL);
	tl_err("pidfd_open 0", pidfd_open(0, 0), EINVAL);
	tl_err("pidfd_open -1", pidfd_open(-1, 0), EINVAL);
	tl_err("pidfd_open none", pidfd_open(4000000, 0), ESRCH);
	tl_err("send bad flags", syscall(SYS_pidfd_send_signal, pfd, 0, NULL,
					 8), EINVAL);
	tl_err("send on pipe", syscall(SYS_pidfd_send_signal, pp[0], 0, NULL,
				       0), EBADF);
	tl_err("send bad sig", syscall(SYS_pidfd_send_signal, pfd, 99, NULL,
				       0), EINVAL);
	tl_val("send sig 0", syscall(SYS_pidfd_send_signal, pfd, 0, NULL, 0),
	       0);
	tl_err("getfd flags", syscall(SYS_pidfd_getfd, pfd, 1, 1), EINVAL);
	tl_err("getfd none", syscall(SYS_pidfd_getfd, pfd, 999, 0), EBADF);
	long g = syscall(SYS_pidfd_getfd, pfd, pp[1], 0);
	tl_yes("getfd pipe end", g >= 0);
	tl_val("getfd cloexec", fcntl((int)g, F_GETFD) & FD_CLOEXEC,
	       FD_CLOEXEC);
	tl_val("write through it", write((int)g, "x", 1), 1);
	close((int)g);
	tl_yes("readable after exit", readable(pfd, 5000));
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	tl_val("waitid P_PIDFD", waitid(P_PIDFD, pfd, &si, WEXITED), 0);
	tl_val("si_pid", si.si_pid == c, 1);
	tl_val("si_status", si.si_status, 7);
	struct pollfd hp = {.fd = pfd, .events = POLLIN};
	tl_val("poll after reap", poll(&hp, 1, 0), 1);
	tl_val("POLLIN|POLLHUP", hp.revents & (POLLIN | POLLHUP),
	       POLLIN | POLLHUP);
	tl_err("send to reaped", syscall(SYS_pidfd_send_signal, pfd, 0,
					 NULL, 0), ESRCH);
	tl_err("waitid reaped", waitid(P_PIDFD, pfd, &si, WEXITED), ECHILD);
	tl_err("waitid bad fd", waitid(P_PIDFD, 12345, &si, WEXITED), EBADF);
	close(pfd);

	/* pidfd_send_signal kills; the nonblocking pidfd's waitid */
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	pfd = pidfd_open(c, O_NONBLOCK);
	tl_err("nonblock waitid", waitid(P_PIDFD, pfd, &si, WEXITED), EAGAIN);
	tl_val("sigterm", syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL,
				  0), 0);
	tl_yes("readable after kill", readable(pfd, 5000));
	memset(&si, 0, sizeof(si));
	tl_val("waitid killed", waitid(P_PIDFD, pfd, &si, WEXITED), 0);
	tl_val("code", si.si_code, CLD_KILLED);
	tl_val("sig", si.si_status, SIGTERM);
	close(pfd);

	/* A /proc/<pid> directory works as a pidfd for pidfd_send_signal
	 * (not for waitid) */
	c = fork();
	if (c == 0) {
		pause();
		_exit(0);
	}
	char pdir[32];
	snprintf(pdir, sizeof(pdir), "/proc/%d", c);
	int dfd = open(pdir, O_RDONLY | O_DIRECTORY);
	tl_val("send via /proc dir", syscall(SYS_pidfd_send_signal, dfd,
					     SIGKILL, NULL, 0), 0);
	tl_err("waitid /proc dir", waitid(P_PIDFD, dfd, &si, WEXITED), EBADF);
	waitpid(c, NULL, 0);
	close(dfd);
	int selfdir = open("/proc/self", O_RDONLY | O_DIRECTORY);
	tl_err("send via /proc/self/..", syscall(SYS_pidfd_send_signal,
			open("/proc", O_RDONLY | O_DIRECTORY), 0, NULL, 0),
	       EBADF);
	tl_val("send 0 to self", syscall(SYS_pidfd_send_signal, selfdir, 0,
					 NULL, 0), 0);
	close(selfdir);

	/* CLONE_PIDFD through clone(2) */
	int cpfd = -5;
	long r = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &cpfd, 0, 0);
	if (r == 0)
		_exit(3);
	tl_yes("clone pidfd set", cpfd >= 0);
	tl_val("clone pidfd cloexec", fcntl(cpfd, F_GETFD) & FD_CLOEXEC,
	       FD_CLOEXEC);
	tl_yes("clone pidfd readable", readable(cpfd, 5000));
	memset(&si, 0, sizeof(si));
	tl_val("clone waitid", waitid(P_PIDFD, cpfd, &si, WEXITED), 0);
	tl_val("clone status", si.si_status, 3);
	close(cpfd);
	tl_err("PIDFD|PARENT_SETTID", syscall(SYS_clone, CLONE_PIDFD |
					      CLONE_PARENT_SETTID | SIGCHLD,
					      0, &cpfd, 0, 0), EINVAL);
	tl_err("PIDFD bad addr", syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0,
					 TL_BAD1, 0, 0), EFAULT);

	/* clone3 */
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	int p3 = -5;
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&p3;
	ca.exit_signal = SIGCHLD;
	r = syscall(SYS_clone3, &ca, sizeof(ca));
	if (r == 0)
		_exit(4);
	tl_yes("clone3 pidfd set", p3 >= 0);
	memset(&si, 0, sizeof(si));
	tl_val("clone3 waitid", waitid(P_PIDFD, p3, &si, WEXITED), 0);
	tl_val("clone3 status", si.si_status, 4);
	close(p3);
	return tl_done();
}
