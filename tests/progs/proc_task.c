/* /proc/[pid]/task for a multithreaded process (proc(5)): every thread is
 * listed, each with its own comm (prctl(PR_SET_NAME) for itself,
 * pthread_setname_np(3) through task/[tid]/comm for another), stat,
 * status, maps and fd; ps-style parsing of stat works; a stopped process
 * reads as T. */
#include "testlib.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#define NT 3

static pthread_barrier_t ready, done;
static pid_t tids[NT + 1];

static void *worker(void *arg)
{
	long i = (long)arg;
	tids[i] = gettid();
	if (i != 2) {
		char name[16];
		snprintf(name, sizeof(name), "worker-%ld", i);
		prctl(PR_SET_NAME, name);
	}
	pthread_barrier_wait(&ready);
	pthread_barrier_wait(&done);
	return NULL;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, len - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = 0;
	return (int)n;
}

/* ps(1)-style: "pid (comm) state ppid pgrp session tty_nr ..." */
struct pstat {
	int pid, ppid, pgrp, session, tty, nthreads;
	char comm[32], state;
};

static int parse_stat(const char *path, struct pstat *ps)
{
	char buf[2048];
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *l = strchr(buf, '('), *r = strrchr(buf, ')');
	if (!l || !r)
		return -1;
	ps->pid = atoi(buf);
	snprintf(ps->comm, sizeof(ps->comm), "%.*s", (int)(r - l - 1), l + 1);
	int tpgid;
	unsigned flags;
	unsigned long x;
	long ll;
	if (sscanf(r + 2, "%c %d %d %d %d %d %u %lu %lu %lu %lu %lu %lu %ld %ld "
			  "%ld %ld %d",
		   &ps->state, &ps->ppid, &ps->pgrp, &ps->session, &ps->tty,
		   &tpgid, &flags, &x, &x, &x, &x, &x, &x, &ll, &ll, &ll, &ll,
		   &ps->nthreads) != 18)
		return -1;
	return 0;
}

static int status_field(const char *path, const char *key)
{
	char buf[4096];
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *p = strstr(buf, key);
	return p ? atoi(p + strlen(key)) : -1;
}

int main(void)
{
	pthread_barrier_init(&ready, NULL, NT + 1);
	pthread_barrier_init(&done, NULL, NT + 1);
	pthread_t th[NT + 1];
	tids[0] = gettid();
	prctl(PR_SET_NAME, "main-thread");
	for (long i = 1; i <= NT; i++)
		pthread_create(&th[i], NULL, worker, (void *)i);
	pthread_barrier_wait(&ready);
	/* Another thread's name: glibc writes task/[tid]/comm. */
	tl_val("pthread_setname_np of another thread",
	       pthread_setname_np(th[2], "named-by-main"), 0);

	DIR *d = opendir("/proc/self/task");
	int listed = 0, known = 0;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		listed++;
		for (int i = 0; i <= NT; i++)
			known += atoi(e->d_name) == tids[i];
	}
	if (d)
		closedir(d);
	tl_val("threads listed", listed, NT + 1);
	tl_val("each listed thread is ours", known, NT + 1);

	char path[128], buf[4096];
	for (int i = 0; i <= NT; i++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tids[i]);
		read_file(path, buf, sizeof(buf));
		tl_say("thread %d comm %s", i, strtok(buf, "\n"));
		snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", getpid(),
			 tids[i]);
		struct pstat ps;
		tl_yes("stat parses", parse_stat(path, &ps) == 0);
		tl_yes("stat pid is the tid", ps.pid == tids[i]);
		tl_yes("stat ppid, pgrp, session",
		       ps.ppid == getppid() && ps.pgrp == getpgrp() &&
			       ps.session == getsid(0));
		tl_yes("stat state", i == 0 ? ps.state == 'R'
					    : ps.state == 'S' || ps.state == 'R');
		tl_val("stat num_threads", ps.nthreads, NT + 1);
		snprintf(path, sizeof(path), "/proc/self/task/%d/status",
			 tids[i]);
		tl_yes("status Pid is the tid",
		       status_field(path, "\nPid:\t") == tids[i]);
		tl_yes("status Tgid is the pid",
		       status_field(path, "\nTgid:\t") == getpid());
		tl_val("status Threads", status_field(path, "\nThreads:\t"),
		       NT + 1);
		snprintf(path, sizeof(path), "/proc/self/task/%d/maps", tids[i]);
		tl_yes("maps readable", read_file(path, buf, sizeof(buf)) > 0);
		snprintf(path, sizeof(path), "/proc/self/task/%d/fd/1", tids[i]);
		tl_yes("fd/1 is a link", readlink(path, buf, sizeof(buf)) > 0);
		snprintf(path, sizeof(path), "/proc/self/task/%d/task", tids[i]);
		tl_err("no task/ inside a thread's directory", access(path, F_OK),
		       ENOENT);
	}
	struct pstat ps;
	tl_yes("/proc/self/stat parses", parse_stat("/proc/self/stat", &ps) == 0);
	tl_val("its num_threads", ps.nthreads, NT + 1);
	tl_say("its comm %s", ps.comm);

	/* Another process may not rename our threads. */
	pid_t c = fork();
	if (c == 0) {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", getppid(),
			 tids[1]);
		int fd = open(path, O_WRONLY);
		_exit(fd >= 0 && write(fd, "evil", 4) < 0 && errno == EINVAL ? 0
									   : 1);
	}
	int st;
	waitpid(c, &st, 0);
	tl_yes("other process's write to comm is EINVAL",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tids[1]);
	read_file(path, buf, sizeof(buf));
	tl_say("thread 1 comm still %s", strtok(buf, "\n"));

	pthread_barrier_wait(&done);
	for (int i = 1; i <= NT; i++)
		pthread_join(th[i], NULL);
	listed = 0;
	d = opendir("/proc/self/task");
	while (d && (e = readdir(d)))
		listed += e->d_name[0] != '.';
	if (d)
		closedir(d);
	tl_val("threads listed after join", listed, 1);

	/* A stopped process reads as T. */
	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGSTOP);
	waitpid(c, &st, WUNTRACED);
	snprintf(path, sizeof(path), "/proc/%d/stat", c);
	tl_yes("stopped child parses", parse_stat(path, &ps) == 0);
	tl_say("stopped child state %c", ps.state);
	snprintf(path, sizeof(path), "/proc/%d/status", c);
	read_file(path, buf, sizeof(buf));
	tl_yes("status says stopped", strstr(buf, "State:\tT (stopped)") != NULL);
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	return tl_done();
}
