/* System V IPC: shared memory (keys, IPC_EXCL, nattch across fork and
 * shmdt, deferred IPC_RMID, SHM_RND, SHM_RDONLY), semaphores (SETVAL,
 * SETALL/GETALL, IPC_NOWAIT, a blocked semop woken by another process,
 * GETNCNT, SEM_UNDO at exit, EIDRM) and message queues (types,
 * MSG_EXCEPT, MSG_NOERROR, E2BIG, ENOMSG, a blocked msgrcv). */
#include <signal.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include "testlib.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static void reap(pid_t c, const char *what)
{
	int st = 0;
	waitpid(c, &st, 0);
	tl_val(what, WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st), 0);
}

static void test_shm(key_t key)
{
	struct shmid_ds ds;
	tl_err("shmget size 0", shmget(IPC_PRIVATE, 0, 0600), EINVAL);
	tl_err("shmget no key", shmget(key, 4096, 0600), ENOENT);
	int id = shmget(key, 10000, IPC_CREAT | 0600);
	tl_yes("shmget create", id >= 0);
	tl_yes("shmget again", shmget(key, 4096, 0600) == id);
	tl_err("shmget excl", shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600),
	       EEXIST);
	tl_err("shmget bigger", shmget(key, 20000, 0600), EINVAL);
	char *p = shmat(id, NULL, 0);
	tl_yes("shmat", p != (void *)-1);
	tl_yes("zeroed", p[0] == 0 && p[9999] == 0);
	strcpy(p, "shared");
	tl_val("IPC_STAT", shmctl(id, IPC_STAT, &ds), 0);
	tl_val("segsz", (long)ds.shm_segsz, 10000);
	tl_val("nattch 1", (long)ds.shm_nattch, 1);
	tl_val("mode", ds.shm_perm.mode & 0777, 0600);
	tl_val("cpid", ds.shm_cpid == getpid(), 1);
	pid_t c = fork();
	if (c == 0) {
		struct shmid_ds d2;
		shmctl(id, IPC_STAT, &d2);
		int ok = d2.shm_nattch == 2 && strcmp(p, "shared") == 0;
		strcpy(p, "child");
		_exit(ok ? 0 : 1);
	}
	reap(c, "child saw nattch 2");
	tl_yes("child wrote", strcmp(p, "child") == 0);
	shmctl(id, IPC_STAT, &ds);
	tl_val("nattch after child exit", (long)ds.shm_nattch, 1);
	char *q = shmat(id, NULL, SHM_RDONLY);
	tl_yes("second attach", q != (void *)-1 && q != p);
	tl_yes("same memory", strcmp(q, "child") == 0);
	shmctl(id, IPC_STAT, &ds);
	tl_val("nattch 2", (long)ds.shm_nattch, 2);
	tl_val("shmdt", shmdt(q), 0);
	tl_err("shmdt again", shmdt(q), EINVAL);
	tl_err("shmdt unaligned", shmdt(p + 1), EINVAL);
	tl_err("shmat unaligned", (long)shmat(id, p + 100, 0), EINVAL);
	tl_err("shmat over a mapping", (long)shmat(id, p, 0), EINVAL);
	/* SHM_RND at an address we free first */
	char *r = shmat(id, NULL, 0);
	shmdt(r);
	char *r2 = shmat(id, r + 100, SHM_RND);
	tl_yes("SHM_RND", r2 == r);
	shmdt(r2);
	tl_val("IPC_RMID attached", shmctl(id, IPC_RMID, NULL), 0);
	shmctl(id, IPC_STAT, &ds);
	tl_yes("SHM_DEST", (ds.shm_perm.mode & SHM_DEST) != 0);
	tl_val("key gone", (long)ds.shm_perm.__key, 0);
	tl_err("key lookup after RMID", shmget(key, 4096, 0600), ENOENT);
	tl_yes("still usable", strcmp(p, "child") == 0);
	tl_val("last shmdt", shmdt(p), 0);
	tl_err("id gone", shmctl(id, IPC_STAT, &ds), EINVAL);
	tl_err("shmat gone", (long)shmat(id, NULL, 0), EINVAL);
	tl_err("shmctl bad cmd", shmctl(0, 999, &ds), EINVAL);
}

static void test_sem(key_t key)
{
	int id = semget(key, 3, IPC_CREAT | IPC_EXCL | 0600);
	tl_yes("semget", id >= 0);
	tl_err("semget too many", semget(key, 4, 0600), EINVAL);
	tl_err("semget 0 private", semget(IPC_PRIVATE, 0, 0600), EINVAL);
	tl_val("SETVAL", semctl(id, 0, SETVAL, (union semun){.val = 2}), 0);
	tl_val("GETVAL", semctl(id, 0, GETVAL), 2);
	tl_err("SETVAL range", semctl(id, 0, SETVAL,
				      (union semun){.val = 40000}), ERANGE);
	tl_err("GETVAL semnum", semctl(id, 3, GETVAL), EINVAL);
	unsigned short all[3] = {5, 0, 7}, got[3];
	tl_val("SETALL", semctl(id, 0, SETALL, (union semun){.array = all}),
	       0);
	tl_val("GETALL", semctl(id, 0, GETALL, (union semun){.array = got}),
	       0);
	printf("vals %d %d %d\n", got[0], got[1], got[2]);
	tl_val("GETPID", semctl(id, 0, GETPID) == getpid(), 1);
	struct sembuf op = {1, -1, IPC_NOWAIT};
	tl_err("would block", semop(id, &op, 1), EAGAIN);
	struct sembuf two[2] = {{0, -5, 0}, {1, -1, IPC_NOWAIT}};
	tl_err("atomic", semop(id, two, 2), EAGAIN);
	tl_val("nothing applied", semctl(id, 0, GETVAL), 5);
	struct sembuf bad = {3, 1, 0};
	tl_err("EFBIG", semop(id, &bad, 1), EFBIG);
	tl_err("nsops 0", semop(id, &op, 0), EINVAL);
	struct sembuf zero = {0, 0, IPC_NOWAIT};
	tl_err("wait for zero", semop(id, &zero, 1), EAGAIN);
	struct timespec ts = {0, 20000000};
	struct sembuf tw = {1, -1, 0};
	tl_err("semtimedop timeout", semtimedop(id, &tw, 1, &ts), EAGAIN);

	/* A child blocks on sem 1; the parent sees GETNCNT 1 and posts. */
	pid_t c = fork();
	if (c == 0) {
		struct sembuf w = {1, -1, 0};
		_exit(semop(id, &w, 1) == 0 ? 0 : 1);
	}
	for (int i = 0; i < 500 && semctl(id, 1, GETNCNT) != 1; i++)
		usleep(10000);
	tl_val("GETNCNT", semctl(id, 1, GETNCNT), 1);
	struct sembuf post = {1, 1, 0};
	tl_val("post", semop(id, &post, 1), 0);
	reap(c, "waiter woken");
	tl_val("consumed", semctl(id, 1, GETVAL), 0);

	/* SEM_UNDO: the child's +3 is undone when it exits */
	c = fork();
	if (c == 0) {
		struct sembuf u = {2, 3, SEM_UNDO};
		semop(id, &u, 1);
		_exit(semctl(id, 2, GETVAL) == 10 ? 0 : 1);
	}
	reap(c, "undo child");
	tl_val("undone", semctl(id, 2, GETVAL), 7);

	/* IPC_RMID wakes a sleeper with EIDRM */
	c = fork();
	if (c == 0) {
		struct sembuf w = {1, -1, 0};
		_exit(semop(id, &w, 1) == -1 && errno == EIDRM ? 0 : 1);
	}
	for (int i = 0; i < 500 && semctl(id, 1, GETNCNT) != 1; i++)
		usleep(10000);
	tl_val("IPC_RMID", semctl(id, 0, IPC_RMID), 0);
	reap(c, "EIDRM");
	tl_err("removed", semctl(id, 0, GETVAL), EINVAL);
}

struct m {
	long type;
	char text[32];
};

static void test_msg(key_t key)
{
	int id = msgget(key, IPC_CREAT | 0600);
	tl_yes("msgget", id >= 0);
	struct m m = {1, "one"};
	tl_err("type 0", msgsnd(id, &m, 4, 0) * 0 + msgsnd(id,
	       &(struct m){0, "x"}, 2, 0), EINVAL);
	/* the first msgsnd above queued "one" (type 1) */
	m = (struct m){2, "two"};
	msgsnd(id, &m, 4, 0);
	m = (struct m){3, "three-long-text"};
	msgsnd(id, &m, 16, 0);
	struct msqid_ds ds;
	tl_val("IPC_STAT", msgctl(id, IPC_STAT, &ds), 0);
	tl_val("qnum", (long)ds.msg_qnum, 3);
	tl_val("cbytes", (long)ds.msg_cbytes, 24);
	tl_val("qbytes", (long)ds.msg_qbytes, 16384);
	struct m r;
	tl_val("rcv type 2", msgrcv(id, &r, 32, 2, 0), 4);
	printf("got %ld %s\n", r.type, r.text);
	tl_err("E2BIG", msgrcv(id, &r, 4, 3, 0), E2BIG);
	memset(&r, 0, sizeof(r));
	tl_val("MSG_NOERROR", msgrcv(id, &r, 5, 3, MSG_NOERROR), 5);
	printf("got %ld %.5s\n", r.type, r.text);
	tl_err("ENOMSG", msgrcv(id, &r, 32, 9, IPC_NOWAIT), ENOMSG);
	m = (struct m){7, "seven"};
	msgsnd(id, &m, 6, 0);
	m = (struct m){5, "five"};
	msgsnd(id, &m, 5, 0);
	tl_val("MSG_EXCEPT", msgrcv(id, &r, 32, 1, MSG_EXCEPT), 6);
	printf("got %ld %s\n", r.type, r.text);
	tl_val("lowest <= 6", msgrcv(id, &r, 32, -6, 0), 4);
	printf("got %ld %s\n", r.type, r.text);
	tl_val("any", msgrcv(id, &r, 32, 0, 0), 5);
	printf("got %ld %s\n", r.type, r.text);
	tl_err("msgsz too big", msgsnd(id, &m, 9000, 0), EINVAL);

	pid_t c = fork();
	if (c == 0) {
		struct m x;
		long n = msgrcv(id, &x, 32, 4, 0);
		_exit(n == 5 && strcmp(x.text, "four") == 0 ? 0 : 1);
	}
	usleep(50000);
	m = (struct m){4, "four"};
	tl_val("send to waiter", msgsnd(id, &m, 5, 0), 0);
	reap(c, "msgrcv woken");
	tl_val("IPC_RMID", msgctl(id, IPC_RMID, NULL), 0);
	tl_err("removed", msgsnd(id, &m, 5, 0), EINVAL);
}

/* Another uid: EACCES without the mode bits, EPERM for IPC_SET and
 * IPC_RMID of someone else's object; a read-only attach faults on store. */
static void test_perms(void)
{
	int shm = shmget(IPC_PRIVATE, 4096, 0600);
	int sem = semget(IPC_PRIVATE, 1, 0644);
	int msq = msgget(IPC_PRIVATE, 0600);
	pid_t c = fork();
	if (c == 0) {
		if (setresgid(1001, 1001, 1001) || setresuid(1001, 1001, 1001))
			_exit(2);
		int bad = 0;
		struct shmid_ds ds;
		if (shmat(shm, NULL, 0) != (void *)-1 || errno != EACCES)
			bad |= 1;
		if (shmctl(shm, IPC_STAT, &ds) != -1 || errno != EACCES)
			bad |= 2;
		if (shmctl(shm, IPC_RMID, NULL) != -1 || errno != EPERM)
			bad |= 4;
		if (semctl(sem, 0, GETVAL) != 0)
			bad |= 8; /* 0644: others may read */
		if (semctl(sem, 0, SETVAL, (union semun){.val = 1}) != -1 ||
		    errno != EACCES)
			bad |= 16;
		struct m2 {
			long t;
			char c;
		} mm = {1, 'x'};
		if (msgsnd(msq, &mm, 1, IPC_NOWAIT) != -1 || errno != EACCES)
			bad |= 32;
		_exit(bad);
	}
	reap(c, "other uid refused");
	c = fork();
	if (c == 0) {
		char *p = shmat(shm, NULL, SHM_RDONLY);
		if (p == (void *)-1)
			_exit(3);
		volatile char v = p[0];
		(void)v;
		p[0] = 1; /* SIGSEGV */
		_exit(4);
	}
	int st;
	waitpid(c, &st, 0);
	tl_val("store to SHM_RDONLY", WIFSIGNALED(st) ? WTERMSIG(st) : -1,
	       SIGSEGV);
	shmctl(shm, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	msgctl(msq, IPC_RMID, NULL);
}

int main(void)
{
	key_t base = 0x52560000 | (getpid() & 0xffff);
	test_shm(base);
	test_sem(base + 0x10000);
	test_msg(base + 0x20000);
	if (getuid() == 0)
		test_perms();
	else
		printf("other uid refused = 0\nstore to SHM_RDONLY = 11\n");
	return tl_done();
}
