/* A hostile program must not crash, hang or corrupt the sentry: a seeded,
 * deterministic random-syscall fuzzer. Run only sandboxed (as the
 * sandbox's pid 1; natively, as root, it would reboot or unmount things).
 *
 *   sb-fuzz [-v] [-t] [-b BATCH] [SEED [BATCHES [CALLS [MS]]]]
 *
 * Every batch is a child of its own (process group, fds 0-2 on /dev/null)
 * that opens a pool of fds of every kind (pipe, sockets, tmpfs and host
 * files, directories, /proc, /dev, eventfd, timerfd, epoll, signalfd,
 * memfd, inotify, pty, pidfd), maps memory of every kind (read-write,
 * read-only, PROT_NONE, a hole, a shared file mapping half past its end),
 * then makes CALLS system calls: any number of the x86-64 table (and a few
 * out of it), arguments drawn from 0, -1, small ints, limits, pool fds,
 * pointers into those pages (unaligned, at an edge, into the hole), path
 * strings, random flags, random words. Memory it points at holds random
 * words, small ints and pointers to itself and to the paths (iovecs,
 * msghdrs, argv...). Destructive calls (exit, kill, munmap of its own code,
 * rt_sigreturn of garbage, fork) stay in the child; pid arguments are only
 * ever the child's own, so it never signals or limits its parent. Every
 * fourth batch is multi-threaded: three threads fuzz the same memory and
 * fds while a fourth unmaps, remaps and mprotects that memory, closes and
 * dup2s over those fds, and sometimes execs or exits.
 *
 * A batch that blocks (pause, a read of an empty pipe) is SIGKILLed after
 * MS milliseconds (the parent's timer: the child may block or ignore
 * any signal it likes), then every process but pid 1 is SIGKILLed and
 * reaped (kill(-1)), so each batch starts clean. The test passes when
 * every child is reaped with a sane wait status within 10 s of SIGKILL and
 * the sandbox still forks, pipes and waits at the end: a sentry crash,
 * sanitizer report, panic or hang fails it (the driver's timeout asks for
 * the stack dump). Outputs are not compared with native.
 *
 * `make check` runs the defaults (seed 1, 16 batches of 250 calls, 150 ms:
 * a few seconds). Longer: `ringvisor run -- sb-fuzz 7 2000 1000 500`;
 * -v prints each batch's end and its last calls on stderr; -b BATCH runs
 * only that batch (to reproduce one); -t makes every batch threaded. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#define PAGE 4096UL
#define BUFSZ (64 * 1024UL)
#define NTHREADS 3
#define RING 16

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64*; never 0 */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* The memory a batch points its arguments at. */
static char *buf;	/* BUFSZ read-write, then one unmapped page */
static char *ro;	/* one read-only page */
static char *none;	/* one PROT_NONE page */
static char *hole;	/* an unmapped page between two mapped ones */
static char *fmap;	/* shared mapping of a one-page file, two pages */
static char *strs;	/* the path strings, rewritten before every call */
static int pool[40], npool;
static pid_t self;
static int all_threaded;

/* The last calls of each thread, in memory the parent reads back after
 * the batch (with -v). */
struct trace {
	uint64_t n[NTHREADS + 2];
	struct { long nr; uint64_t a[6]; } ring[NTHREADS + 2][RING];
};
static struct trace *trace;

static const char *const paths[] = {
	"/tmp/fz", "/tmp/fzd", "/tmp/fzd/x", "/", ".", "..", "",
	"/proc/self/maps", "/proc/self/fd/3", "/proc/self/status",
	"/proc/self/mem", "/proc/self", "/dev/null", "/dev/zero",
	"/etc/passwd", "/tmp", "/tmp/fzlink", "/tmp/fzfifo", "/proc/self/exe",
	"/tmp/fzsock", "/usr/bin", "/tmp/fz/..", "/sys", "/dev/ptmx",
};
#define NPATHS (sizeof paths / sizeof *paths)
static uint16_t path_off[NPATHS];

static void put_strings(void)
{
	size_t o = 0;

	for (size_t i = 0; i < NPATHS; i++) {
		path_off[i] = o;
		memcpy(strs + o, paths[i], strlen(paths[i]) + 1);
		o += strlen(paths[i]) + 1;
	}
}

static uint64_t ptr(uint64_t *s)
{
	switch (rnd(s) % 14) {
	case 0: case 1: case 2:
		return (uintptr_t)(buf + (rnd(s) % 128) * 512);
	case 3:
		return (uintptr_t)(buf + rnd(s) % BUFSZ);
	case 4:
		return (uintptr_t)(buf + BUFSZ - rnd(s) % 64);	/* edge */
	case 5:
		return (uintptr_t)(ro + (rnd(s) % 2 ? 0 : rnd(s) % PAGE));
	case 6:
		return (uintptr_t)(none + rnd(s) % PAGE);
	case 7:
		return (uintptr_t)(hole + rnd(s) % PAGE);
	case 8:
		return (uintptr_t)(fmap + rnd(s) % (2 * PAGE));
	case 9: case 10: case 11:
		return (uintptr_t)(strs + path_off[rnd(s) % NPATHS]);
	case 12: {
		char local;
		return (uintptr_t)&local - rnd(s) % 8192;	/* the stack */
	}
	default:
		return (uintptr_t)&rnd;	/* code: readable, not writable */
	}
}

static uint64_t arg(uint64_t *s)
{
	static const uint64_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 16, 64, 100, 255, 256, 511, 4095, 4096,
		4097, 65536, 1 << 20, 0x7fffffff, 0x80000000, 0xffffffff,
		0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
		-1ULL, -2ULL, -100ULL, -4095ULL, -4096ULL,
		0xfffffffffffff000ULL, 0x7ffffffff000ULL, 0x7fffffffffffULL,
		0x800000000000ULL, 0xffff800000000000ULL,
	};

	switch (rnd(s) % 10) {
	case 0: case 1:
		return v[rnd(s) % (sizeof v / sizeof *v)];
	case 2: case 3:
		return npool ? (uint64_t)pool[rnd(s) % npool] : 0;
	case 4: case 5: case 6:
		return ptr(s);
	case 7:	/* flags */
		return (1ULL << rnd(s) % 32) | (rnd(s) % 2 ? 1ULL << rnd(s) % 32 : 0) |
		       (rnd(s) % 4 ? 0 : rnd(s) & 0xffff);
	case 8:
		return rnd(s) % 64;
	default:
		return rnd(s);
	}
}

/* Memory content: small ints, lengths, pointers (into it, to the paths),
 * random words; so iovecs, msghdrs, timespecs and argv hold something. */
static uint64_t word(uint64_t *s)
{
	switch (rnd(s) % 8) {
	case 0: case 1:
		return rnd(s) % 256;
	case 2: case 3:
		return ptr(s);
	case 4:
		return rnd(s) % 2 ? 0 : -1ULL;
	default:
		return rnd(s);
	}
}

static void fill(uint64_t *s, char *p, size_t len)
{
	for (size_t j = 0; j + 8 <= len; j += 8)
		*(uint64_t *)(p + j) = word(s);
}

static long is_x86_64(long nr)
{
	return (nr >= 0 && nr <= 334) || (nr >= 424 && nr <= 462);
}

static long pick_nr(uint64_t *s)
{
	static const long odd[] = {
		335, 400, 423, 463, 511, 512, 1024, -1, 0x7fffffff,
		0x40000000 | 39, 0x40000000 | 1, 0xffffffff, 0x100000027L,
	};
	long nr;

	if (rnd(s) % 50 == 0)
		return odd[rnd(s) % (sizeof odd / sizeof *odd)];
	for (;;) {
		nr = rnd(s) % 463;
		if (!is_x86_64(nr))
			continue;
		/* Calls that end the batch come ten times less often, or
		 * few batches would get far. */
		switch (nr) {
		case SYS_exit: case SYS_exit_group: case SYS_rt_sigreturn:
		case SYS_kill: case SYS_tkill: case SYS_tgkill:
		case SYS_execve: case SYS_execveat: case SYS_munmap:
		case SYS_mremap: case SYS_vfork: case SYS_clone:
		case SYS_rt_sigqueueinfo: case SYS_rt_tgsigqueueinfo:
		case SYS_pidfd_send_signal:
			if (rnd(s) % 10)
				continue;
		}
		return nr;
	}
}

/* A pid argument is only ever the child's own: itself, its group, 0,
 * or one that does not exist; never its parent (pid 1) or -1 (all). */
static uint64_t own_pid(uint64_t *s)
{
	switch (rnd(s) % 6) {
	case 0: return 0;
	case 1: return self;
	case 2: return syscall(SYS_gettid);
	case 3: return (uint64_t)-(long)self;	/* its process group */
	case 4: return 0x3ffffff0;	/* no such pid */
	default: return 0x80000000;
	}
}

static void sanitize(uint64_t *s, long nr, uint64_t *a)
{
	switch (nr) {
	case SYS_kill: case SYS_tkill: case SYS_rt_sigqueueinfo:
	case SYS_pidfd_open: case SYS_process_vm_readv:
	case SYS_process_vm_writev: case SYS_prlimit64: case SYS_getpgid:
	case SYS_getsid: case SYS_sched_setaffinity: case SYS_sched_setparam:
	case SYS_sched_setscheduler: case SYS_sched_setattr:
	case SYS_migrate_pages: case SYS_move_pages: case SYS_get_robust_list:
	case SYS_kcmp: case SYS_process_madvise:
		a[0] = own_pid(s);
		if (nr == SYS_kcmp)
			a[1] = own_pid(s);
		break;
	case SYS_tgkill: case SYS_rt_tgsigqueueinfo: case SYS_setpgid:
		a[0] = own_pid(s);
		a[1] = own_pid(s);
		break;
	case SYS_setpriority: case SYS_ioprio_set: case SYS_ptrace:
	case SYS_perf_event_open:
		a[1] = own_pid(s);
		break;
	case SYS_fcntl:
		/* F_SETOWN, F_SETOWN_EX: SIGIO to someone else */
		if (a[1] == 8)
			a[2] = own_pid(s);
		if (a[1] == 15)
			a[1] = 16;
		break;
	case SYS_ioctl:	/* TIOCSPGRP, TIOCSCTTY steal: keep to ourselves */
		if ((uint32_t)a[1] == 0x5410 || (uint32_t)a[1] == 0x540e ||
		    (uint32_t)a[1] == 0x5437)
			a[1] = 0;
		break;
	case SYS_reboot:	/* would end the sandbox, as on Linux */
		a[0] = 0;
		break;
	}
}

static void call(uint64_t *s, int slot)
{
	long nr = pick_nr(s);
	uint64_t a[6];

	for (int i = 0; i < 6; i++)
		a[i] = arg(s);
	sanitize(s, nr, a);
	/* Refresh a slice of the memory and the paths (earlier calls wrote
	 * into them). */
	fill(s, buf + (rnd(s) % 16) * PAGE, PAGE);
	put_strings();
	uint64_t n = trace->n[slot]++;
	trace->ring[slot][n % RING].nr = nr;
	memcpy(trace->ring[slot][n % RING].a, a, sizeof a);
	syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	/* A fork (or clone) child goes on fuzzing as a process of its own. */
	if (nr == SYS_fork || nr == SYS_vfork || nr == SYS_clone ||
	    nr == SYS_clone3)
		self = getpid();
}

static void open_pool(void)
{
	int p[2], fd;
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	sigset_t all;

#define ADD(x) do { if ((fd = (x)) >= 0 && npool < 40) pool[npool++] = fd; } while (0)
	if (pipe(p) == 0) { ADD(p[0]); ADD(p[1]); }
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p) == 0) { ADD(p[0]); ADD(p[1]); }
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, p) == 0) { ADD(p[0]); ADD(p[1]); }
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, p) == 0) { ADD(p[0]); ADD(p[1]); }
	ADD(open("/tmp/fz", O_RDWR | O_CREAT, 0600));
	ADD(open("/etc/passwd", O_RDONLY));
	ADD(open("/proc/self/status", O_RDONLY));
	ADD(open("/", O_RDONLY | O_DIRECTORY));
	ADD(open("/usr/bin", O_RDONLY | O_DIRECTORY));
	ADD(open("/dev/null", O_RDWR));
	ADD(open("/dev/zero", O_RDWR));
	ADD(eventfd(0, 0));
	ADD(timerfd_create(CLOCK_MONOTONIC, 0));
	ADD(epoll_create1(0));
	if (npool > 2) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
		epoll_ctl(pool[npool - 1], EPOLL_CTL_ADD, pool[0], &ev);
		epoll_ctl(pool[npool - 1], EPOLL_CTL_ADD, pool[1], &ev);
	}
	sigfillset(&all);
	ADD(signalfd(-1, &all, 0));
	ADD(memfd_create("fz", 0));
	ADD(socket(AF_INET, SOCK_DGRAM, 0));
	ADD(socket(AF_INET, SOCK_STREAM, 0));
	ADD(socket(AF_INET6, SOCK_STREAM, 0));
	ADD(inotify_init1(0));
	if (npool)
		inotify_add_watch(pool[npool - 1], "/tmp", IN_ALL_EVENTS);
	ADD(open("/dev/ptmx", O_RDWR | O_NOCTTY));
	mkdir("/tmp/fzd", 0700);
	ADD(open("/tmp/fzd", O_RDONLY));
	symlink("/tmp/fz", "/tmp/fzlink");
	mkfifo("/tmp/fzfifo", 0600);
	ADD(open("/tmp/fzfifo", O_RDWR | O_NONBLOCK));
	ADD(syscall(SYS_pidfd_open, getpid(), 0));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(un.sun_path, "/tmp/fzsock");
	unlink(un.sun_path);
	if (fd >= 0 && bind(fd, (void *)&un, sizeof un) == 0 && listen(fd, 4) == 0)
		ADD(fd);
	ADD(socket(AF_UNIX, SOCK_STREAM, 0));
#undef ADD
}

static void map_memory(uint64_t *s)
{
	char *m = mmap(NULL, BUFSZ + 6 * PAGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd;

	if (m == MAP_FAILED)
		_exit(2);
	buf = m;
	munmap(m + BUFSZ, PAGE);
	ro = m + BUFSZ + PAGE;
	none = ro + PAGE;
	hole = none + 2 * PAGE;
	strs = hole - PAGE;	/* between none and hole */
	fill(s, buf, BUFSZ);
	fill(s, ro, PAGE);
	mprotect(ro, PAGE, PROT_READ);
	mprotect(none, PAGE, PROT_NONE);
	munmap(hole, PAGE);
	put_strings();
	fd = open("/tmp/fzmap", O_RDWR | O_CREAT | O_TRUNC, 0600);
	fmap = hole;	/* if the file cannot be mapped: more hole */
	if (fd >= 0 && ftruncate(fd, PAGE) == 0) {
		char *f = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);
		if (f != MAP_FAILED)
			fmap = f;
	}
	if (fd >= 0)
		close(fd);
}

struct thr { uint64_t seed; int slot, calls; };

static void *fuzz_thread(void *p)
{
	struct thr *t = p;

	for (int i = 0; i < t->calls; i++)
		call(&t->seed, t->slot);
	return NULL;
}

/* The racer: takes the memory and fds the fuzz threads use away and back
 * under them; sometimes execs or exits the whole process. */
static void *chaos_thread(void *p)
{
	struct thr *t = p;
	uint64_t *s = &t->seed;

	for (int i = 0; i < t->calls; i++) {
		char *pg = buf + (rnd(s) % (BUFSZ / PAGE)) * PAGE;
		int a = npool ? pool[rnd(s) % npool] : 0;
		int b = npool ? pool[rnd(s) % npool] : 0;

		switch (rnd(s) % 16) {
		case 0: case 1:
			munmap(pg, PAGE * (1 + rnd(s) % 3));
			mmap(pg, PAGE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			break;
		case 2: case 3:
			mprotect(pg, PAGE, rnd(s) % 2 ? PROT_NONE : PROT_READ);
			mprotect(pg, PAGE, PROT_READ | PROT_WRITE);
			break;
		case 4:
			mremap(pg, PAGE, 2 * PAGE, MREMAP_MAYMOVE);
			break;
		case 5: case 6:
			close(a);
			break;
		case 7: case 8:
			dup2(a, b);
			break;
		case 9:
			madvise(pg, 4 * PAGE, MADV_DONTNEED);
			break;
		case 10:
			munmap(fmap, 2 * PAGE);
			break;
		case 11:
			if (rnd(s) % 8 == 0) {
				char *argv[] = {"sb-fuzz", "--exec-child", NULL};
				execve("/proc/self/exe", argv, argv + 2);
			}
			break;
		case 12:
			if (rnd(s) % 16 == 0)
				syscall(SYS_exit_group, 3);
			if (rnd(s) % 8 == 0)
				syscall(SYS_exit, 0);	/* this thread only */
			break;
		default:
			sched_yield();
		}
	}
	return NULL;
}

static void batch(uint64_t seed, int k, int calls)
{
	uint64_t s = seed * 1000003 + k + 1;
	int nul = open("/dev/null", O_RDWR);
	sigset_t none_set;

	setpgid(0, 0);
	self = getpid();
	for (int sig = 1; sig < 65; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none_set);
	sigprocmask(SIG_SETMASK, &none_set, NULL);
	dup2(nul, 0);
	dup2(nul, 1);
	dup2(nul, 2);
	close(nul);
	for (int i = 0; i < 8; i++)
		rnd(&s);
	map_memory(&s);
	open_pool();
	if (k % 4 != 3 && !all_threaded) {
		for (int i = 0; i < calls; i++)
			call(&s, 0);
		_exit(0);
	}
	struct thr t[NTHREADS + 1];
	pthread_t id[NTHREADS + 1];
	for (int i = 0; i <= NTHREADS; i++) {
		t[i].seed = s + 7919 * (i + 1);
		t[i].slot = i + 1;
		t[i].calls = calls / NTHREADS;
		if (pthread_create(&id[i], NULL,
				   i == NTHREADS ? chaos_thread : fuzz_thread,
				   &t[i]) != 0)
			_exit(2);
	}
	for (int i = 0; i <= NTHREADS; i++)
		pthread_join(id[i], NULL);
	_exit(0);
}

static volatile sig_atomic_t expired;

static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
}

static void arm(long ms)
{
	struct itimerval it = {.it_value = {ms / 1000, ms % 1000 * 1000}};

	expired = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* Wait for pid (-1: any child) for at most ms; 0 when the time ran out. */
static pid_t wait_for(pid_t pid, int *st, long ms)
{
	pid_t r;

	arm(ms);
	do
		r = waitpid(pid, st, __WALL);
	while (r < 0 && errno == EINTR && !expired);
	arm(0);
	return r < 0 && errno == EINTR ? 0 : r;
}

static int verbose;

static void show_trace(int k)
{
	for (int t = 0; t < NTHREADS + 2; t++) {
		uint64_t n = trace->n[t];
		for (uint64_t i = n > 4 ? n - 4 : 0; i < n; i++) {
			long nr = trace->ring[t][i % RING].nr;
			uint64_t *a = trace->ring[t][i % RING].a;
			fprintf(stderr, "  batch %d thread %d call %llu: "
				"syscall(%ld, %#llx, %#llx, %#llx, %#llx, "
				"%#llx, %#llx)\n", k, t, (unsigned long long)i,
				nr, (unsigned long long)a[0],
				(unsigned long long)a[1], (unsigned long long)a[2],
				(unsigned long long)a[3], (unsigned long long)a[4],
				(unsigned long long)a[5]);
		}
	}
}

/* Kill everything but us and reap it all; 0 when something would not
 * die. */
static int reap_all(int k)
{
	int st;
	pid_t r;

	kill(-1, SIGKILL);
	while ((r = wait_for(-1, &st, 10000)) > 0)
		;
	if (r == 0) {
		printf("batch %d: a process survived SIGKILL for 10 s\n", k);
		fprintf(stderr, "sb-fuzz: batch %d: a process survived "
			"SIGKILL for 10 s\n", k);
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	int batches = 16, calls = 250, only = -1, bad = 0;
	long ms = 150;
	int c;

	if (argc > 1 && strcmp(argv[1], "--exec-child") == 0)
		return 3;	/* the chaos thread's execve */
	while ((c = getopt(argc, argv, "vtb:")) != -1) {
		if (c == 'v')
			verbose = 1;
		else if (c == 't')
			all_threaded = 1;
		else if (c == 'b')
			only = atoi(optarg);
		else
			return 2;
	}
	if (optind < argc) seed = strtoull(argv[optind++], NULL, 0);
	if (optind < argc) batches = atoi(argv[optind++]);
	if (optind < argc) calls = atoi(argv[optind++]);
	if (optind < argc) ms = atol(argv[optind++]);
	if (getpid() != 1) {
		printf("sb-fuzz runs only as the sandbox's first process "
		       "(pid 1), never natively\n");
		return 77;
	}
	trace = mmap(NULL, sizeof *trace, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (trace == MAP_FAILED)
		return 1;
	/* The children may not signal us (pid arguments are theirs), but
	 * SIGIO-style signals can still find us: ignore all but the timer. */
	for (int sig = 1; sig < 65; sig++)
		if (sig != SIGCHLD && sig != SIGALRM)
			signal(sig, SIG_IGN);
	struct sigaction sa = {.sa_handler = on_alarm};
	sigaction(SIGALRM, &sa, NULL);

	printf("sb-fuzz: seed %llu, %d batches of %d calls\n",
	       (unsigned long long)seed, only >= 0 ? 1 : batches, calls);
	fflush(stdout);
	for (int k = 0; k < batches; k++) {
		if (only >= 0 && k != only)
			continue;
		memset(trace, 0, sizeof *trace);
		pid_t p = fork();
		if (p < 0) {
			printf("batch %d: fork: %s\n", k, strerror(errno));
			return 1;
		}
		if (p == 0)
			batch(seed, k, calls);
		int st = 0;
		pid_t r = wait_for(p, &st, ms);
		if (r == 0) {	/* blocked, or still busy: over */
			kill(p, SIGKILL);
			r = wait_for(p, &st, 10000);
			if (r == 0) {
				printf("batch %d: the child survived SIGKILL "
				       "for 10 s\n", k);
				fprintf(stderr, "sb-fuzz: batch %d: the child "
					"survived SIGKILL for 10 s\n", k);
				show_trace(k);
				for (;;)	/* for the driver's stack dump */
					pause();
			}
		}
		if (r != p) {
			printf("batch %d: waitpid returned %d (%s)\n", k, r,
			       strerror(errno));
			bad = 1;
		} else if (!WIFEXITED(st) && !(WIFSIGNALED(st) &&
			   WTERMSIG(st) >= 1 && WTERMSIG(st) <= 64)) {
			printf("batch %d: insane wait status %#x\n", k, st);
			bad = 1;
		}
		if (verbose) {
			uint64_t n = 0;
			for (int t = 0; t < NTHREADS + 2; t++)
				n += trace->n[t];
			if (WIFEXITED(st))
				fprintf(stderr, "sb-fuzz: batch %d: %llu calls, "
					"exit %d\n", k, (unsigned long long)n,
					WEXITSTATUS(st));
			else
				fprintf(stderr, "sb-fuzz: batch %d: %llu calls, "
					"%s\n", k, (unsigned long long)n,
					strsignal(WTERMSIG(st)));
			show_trace(k);
		}
		if (!reap_all(k))
			for (;;)
				pause();
	}

	/* The sandbox still works: fork, exit status, a pipe, wait. */
	int p[2], st;
	char b = 0;
	pid_t pid;
	if (pipe(p) != 0) {
		printf("pipe after fuzzing: %s\n", strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		write(p[1], "k", 1);
		_exit(42);
	}
	read(p[0], &b, 1);
	printf("sandbox alive %s\n",
	       pid > 0 && wait_for(pid, &st, 10000) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 42 && b == 'k' ? "yes" : "NO");
	return bad;
}
