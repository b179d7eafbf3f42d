/* What execve(2) keeps and what it resets (man 2 execve, "All process
 * attributes are preserved during an execve(), except..."), the exec done
 * from a second thread so that it also takes the leader's tid.
 *
 * Stage 1 sets every attribute up and execs itself from a thread with
 * "stage2 <old pid> <address of a mapping> <timer id>"; stage 2 checks. */
#include "testlib.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static void on_sig(int s) { (void)s; }

static char self[4096], a_pid[32], a_map[32], a_timer[32];

static void *exec_thread(void *arg)
{
	(void)arg;
	char *argv[] = {self, "stage2", a_pid, a_map, a_timer, NULL};
	/* Pending on the exec'ing thread itself: kept. */
	raise(SIGWINCH);
	execv(self, argv);
	tl_say("execv failed: %s", tl_errname(errno));
	exit(1);
}

static int exec_true(void *arg)
{
	char *argv[] = {self, "exit0", NULL};
	(void)arg;
	execv(self, argv);
	_exit(1);
}

/* A child sharing our handlers (CLONE_SIGHAND, not a thread) execs: its
 * handlers are reset, ours must stay. */
static void shared_sighand_exec(void)
{
	static char stack[65536];
	pid_t c = clone(exec_true, stack + sizeof(stack),
			CLONE_VM | CLONE_SIGHAND | SIGCHLD, NULL);
	int st;
	waitpid(c, &st, 0);
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	tl_yes("exec of a CLONE_SIGHAND child keeps our handler",
	       WIFEXITED(st) && WEXITSTATUS(st) == 0 && sa.sa_handler == on_sig);
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int stage1(void)
{
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = 0;

	struct sigaction sa = {.sa_handler = on_sig, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	shared_sighand_exec();
	signal(SIGUSR2, SIG_IGN);
	signal(SIGCHLD, SIG_IGN);

	static char altstack[65536];
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
	sigaltstack(&ss, NULL);

	/* Blocked and pending: both survive. */
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGWINCH);
	sigprocmask(SIG_BLOCK, &s, NULL);
	kill(getpid(), SIGHUP);

	/* Close-on-exec or not. */
	int fd = open("/dev/null", O_RDONLY);
	dup3(fd, 40, O_CLOEXEC);
	dup2(fd, 41);
	close(fd);

	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	snprintf(a_map, sizeof(a_map), "%lx", (unsigned long)m);

	int kid;
	struct sigevent sev = {.sigev_notify = SIGEV_NONE};
	syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &kid);
	struct itimerspec its = {.it_value = {100, 0}};
	syscall(SYS_timer_settime, kid, 0, &its, NULL);
	snprintf(a_timer, sizeof(a_timer), "%d", kid);
	struct itimerval iv = {.it_value = {100, 0}};
	setitimer(ITIMER_REAL, &iv, NULL);

	prctl(PR_SET_NAME, "before-exec");
	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_KEEPCAPS, 1);
	snprintf(a_pid, sizeof(a_pid), "%d", getpid());

	pthread_t th;
	pthread_create(&th, NULL, sleeper, NULL);
	pthread_create(&th, NULL, exec_thread, NULL);
	for (;;)
		pause();
}

static int stage2(char **argv)
{
	int oldpid = atoi(argv[2]);
	unsigned long map = strtoul(argv[3], NULL, 16);
	int kid = atoi(argv[4]);

	tl_yes("pid is the old pid", getpid() == oldpid);
	tl_yes("tid is the old leader's", gettid() == oldpid);
	DIR *d = opendir("/proc/self/task");
	int threads = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		threads += e->d_name[0] != '.';
	if (d)
		closedir(d);
	tl_val("threads left", threads, 1);

	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	tl_yes("caught signal reset to SIG_DFL", sa.sa_handler == SIG_DFL);
	sigaction(SIGTERM, NULL, &sa);
	tl_yes("its flags cleared", sa.sa_handler == SIG_DFL &&
				    !(sa.sa_flags & SA_RESTART));
	sigaction(SIGUSR2, NULL, &sa);
	tl_yes("ignored signal stays ignored", sa.sa_handler == SIG_IGN);
	sigaction(SIGCHLD, NULL, &sa);
	tl_yes("ignored SIGCHLD stays ignored", sa.sa_handler == SIG_IGN);

	stack_t ss;
	sigaltstack(NULL, &ss);
	tl_yes("alternate stack gone", ss.ss_flags == SS_DISABLE);

	sigset_t s;
	sigprocmask(SIG_BLOCK, NULL, &s);
	tl_yes("mask kept", sigismember(&s, SIGHUP) &&
			    sigismember(&s, SIGWINCH));
	sigpending(&s);
	tl_yes("process-pending SIGHUP kept", sigismember(&s, SIGHUP));
	tl_yes("thread-pending SIGWINCH kept", sigismember(&s, SIGWINCH));

	tl_err("O_CLOEXEC fd closed", fcntl(40, F_GETFD), EBADF);
	tl_err("other fd open", fcntl(41, F_GETFD), 0);

	unsigned char vec;
	tl_err("old mapping gone", mincore((void *)map, 4096, &vec), ENOMEM);

	struct itimerspec its;
	tl_err("POSIX timer deleted",
	       syscall(SYS_timer_gettime, kid, &its), EINVAL);
	struct itimerval iv;
	getitimer(ITIMER_REAL, &iv);
	tl_yes("ITIMER_REAL kept", iv.it_value.tv_sec > 50);
	iv = (struct itimerval){0};
	setitimer(ITIMER_REAL, &iv, NULL);

	char name[16] = {0};
	prctl(PR_GET_NAME, name);
	tl_say("comm %s", name);
	tl_val("dumpable", prctl(PR_GET_DUMPABLE), 1);
	tl_val("keepcaps", prctl(PR_GET_KEEPCAPS), 0);
	if (tl_failed)
		return tl_done();

	/* execveat(fd, "", AT_EMPTY_PATH): comm is the file's name. */
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	int fd = open(self, O_RDONLY);
	prctl(PR_SET_NAME, "before-fexec");
	char *av[] = {"whatever", "stage3", NULL};
	syscall(SYS_execveat, fd, "", av, environ, AT_EMPTY_PATH);
	tl_say("execveat failed: %s", tl_errname(errno));
	return 1;
}

static int stage3(void)
{
	char name[16] = {0};
	prctl(PR_GET_NAME, name);
	tl_say("comm after execveat %s", name);
	return tl_done();
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "exit0") == 0)
		return 0;
	if (argc == 2 && strcmp(argv[1], "stage3") == 0)
		return stage3();
	if (argc == 5 && strcmp(argv[1], "stage2") == 0)
		return stage2(argv);
	return stage1();
}
