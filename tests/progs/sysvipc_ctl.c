/* shmctl, semctl and msgctl's shared commands, for each kind: IPC_STAT,
 * the index-based *_STAT and *_STAT_ANY (found by index, the id back),
 * IPC_SET (uid, gid, mode bits; msg_qbytes), IPC_RMID, and the errors in
 * Linux's order: EINVAL for a negative or unknown id, EFAULT for IPC_SET's
 * buffer before the lookup, EPERM for another uid's IPC_SET/IPC_RMID/
 * SHM_LOCK before anything else, EACCES for IPC_STAT without read
 * permission but not for *_STAT_ANY, EINVAL for an unknown command. */
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

/* Our object's index: the *_STAT command at each index up to the
 * *_INFO's highest one gives the id that lives there. */
static int find_index(int id, int info_cmd, int stat_cmd, int kind)
{
	char buf[256];
	int max = kind == 0 ? shmctl(0, info_cmd, (void *)buf)
		  : kind == 1 ? semctl(0, 0, info_cmd, (union semun){
					.buf = (void *)buf})
			      : msgctl(0, info_cmd, (void *)buf);
	for (int i = 0; i <= max; i++) {
		int r = kind == 0 ? shmctl(i, stat_cmd, (void *)buf)
			: kind == 1 ? semctl(i, 0, stat_cmd, (union semun){
						.buf = (void *)buf})
				    : msgctl(i, stat_cmd, (void *)buf);
		if (r == id)
			return i;
	}
	return -1;
}

static void shm_cases(void)
{
	struct shmid_ds ds;
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	tl_yes("shmget", id >= 0);
	tl_val("shm IPC_STAT", shmctl(id, IPC_STAT, &ds), 0);
	tl_yes("shm mode 0600, size", (ds.shm_perm.mode & 0777) == 0600 &&
					    ds.shm_segsz == 4096);
	int idx = find_index(id, SHM_INFO, SHM_STAT, 0);
	tl_yes("shm SHM_STAT by index gives the id", idx >= 0);
	tl_yes("shm SHM_STAT_ANY by index gives the id",
	       idx >= 0 && shmctl(idx, SHM_STAT_ANY, &ds) == id);
	ds.shm_perm.mode = 0640;
	ds.shm_perm.uid = 1000;
	ds.shm_perm.gid = 1000;
	tl_val("shm IPC_SET", shmctl(id, IPC_SET, &ds), 0);
	memset(&ds, 0, sizeof(ds));
	shmctl(id, IPC_STAT, &ds);
	tl_yes("shm IPC_SET took uid, gid, mode",
	       ds.shm_perm.uid == 1000 && ds.shm_perm.gid == 1000 &&
	       (ds.shm_perm.mode & 0777) == 0640 && ds.shm_perm.cuid == 0);
	tl_err("shm IPC_SET bad buffer", shmctl(id, IPC_SET, TL_BAD1), EFAULT);
	tl_err("shm IPC_SET bad buffer, negative id",
	       shmctl(-1, IPC_SET, TL_BAD1), EINVAL);
	tl_err("shm IPC_STAT negative id", shmctl(-5, IPC_STAT, &ds), EINVAL);
	tl_err("shm IPC_STAT bad buffer", shmctl(id, IPC_STAT, TL_BAD1),
	       EFAULT);
	tl_err("shm unknown command", shmctl(id, 99, &ds), EINVAL);
	tl_val("shm SHM_LOCK", shmctl(id, SHM_LOCK, NULL), 0);
	shmctl(id, IPC_STAT, &ds);
	tl_yes("shm SHM_LOCKED shows", ds.shm_perm.mode & SHM_LOCKED);
	tl_val("shm SHM_UNLOCK", shmctl(id, SHM_UNLOCK, NULL), 0);
	ds.shm_perm.uid = 0;
	ds.shm_perm.gid = 0;
	ds.shm_perm.mode = 0600;
	shmctl(id, IPC_SET, &ds);
	tl_val("shm IPC_RMID", shmctl(id, IPC_RMID, NULL), 0);
	tl_err("shm IPC_STAT after IPC_RMID", shmctl(id, IPC_STAT, &ds),
	       EINVAL);
	tl_err("shm IPC_RMID again", shmctl(id, IPC_RMID, NULL), EINVAL);
}

static void sem_cases(void)
{
	struct semid_ds ds;
	int id = semget(IPC_PRIVATE, 3, IPC_CREAT | 0600);
	tl_yes("semget", id >= 0);
	tl_val("sem IPC_STAT", semctl(id, 0, IPC_STAT,
				      (union semun){.buf = &ds}), 0);
	tl_yes("sem nsems 3", ds.sem_nsems == 3);
	int idx = find_index(id, SEM_INFO, SEM_STAT, 1);
	tl_yes("sem SEM_STAT by index gives the id", idx >= 0);
	tl_yes("sem SEM_STAT_ANY by index gives the id",
	       idx >= 0 && semctl(idx, 0, SEM_STAT_ANY,
				  (union semun){.buf = &ds}) == id);
	ds.sem_perm.mode = 0604;
	ds.sem_perm.uid = 1000;
	tl_val("sem IPC_SET", semctl(id, 0, IPC_SET,
				     (union semun){.buf = &ds}), 0);
	memset(&ds, 0, sizeof(ds));
	semctl(id, 0, IPC_STAT, (union semun){.buf = &ds});
	tl_yes("sem IPC_SET took uid and mode",
	       ds.sem_perm.uid == 1000 && (ds.sem_perm.mode & 0777) == 0604);
	tl_err("sem IPC_SET bad buffer", semctl(id, 0, IPC_SET,
						(union semun){.buf = TL_BAD1}),
	       EFAULT);
	tl_err("sem GETALL bad buffer", semctl(id, 0, GETALL,
					       (union semun){.array = TL_BAD1}),
	       EFAULT);
	tl_err("sem SETALL bad buffer", semctl(id, 0, SETALL,
					       (union semun){.array = TL_BAD1}),
	       EFAULT);
	unsigned short big[3] = {1, 40000, 2};
	tl_err("sem SETALL past SEMVMX", semctl(id, 0, SETALL,
						(union semun){.array = big}),
	       ERANGE);
	tl_err("sem GETVAL bad number", semctl(id, 7, GETVAL), EINVAL);
	tl_err("sem unknown command", semctl(id, 0, 99), EINVAL);
	tl_err("sem negative id", semctl(-1, 0, GETVAL), EINVAL);
	tl_val("sem IPC_RMID", semctl(id, 0, IPC_RMID), 0);
	tl_err("sem GETVAL after IPC_RMID", semctl(id, 0, GETVAL), EINVAL);
}

static void msg_cases(void)
{
	struct msqid_ds ds;
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	tl_yes("msgget", id >= 0);
	tl_val("msg IPC_STAT", msgctl(id, IPC_STAT, &ds), 0);
	tl_yes("msg qbytes 16384", ds.msg_qbytes == 16384);
	int idx = find_index(id, MSG_INFO, MSG_STAT, 2);
	tl_yes("msg MSG_STAT by index gives the id", idx >= 0);
	tl_yes("msg MSG_STAT_ANY by index gives the id",
	       idx >= 0 && msgctl(idx, MSG_STAT_ANY, &ds) == id);
	ds.msg_qbytes = 1000;
	ds.msg_perm.mode = 0660;
	tl_val("msg IPC_SET qbytes 1000", msgctl(id, IPC_SET, &ds), 0);
	memset(&ds, 0, sizeof(ds));
	msgctl(id, IPC_STAT, &ds);
	tl_yes("msg IPC_SET took qbytes and mode",
	       ds.msg_qbytes == 1000 && (ds.msg_perm.mode & 0777) == 0660);
	tl_err("msg IPC_SET bad buffer", msgctl(id, IPC_SET, TL_BAD1), EFAULT);
	tl_err("msg unknown command", msgctl(id, 99, &ds), EINVAL);
	tl_err("msg negative id", msgctl(-3, IPC_STAT, &ds), EINVAL);
	/* Left for the other uid's checks, removed there by root after. */
	ds.msg_perm.mode = 0600;
	ds.msg_qbytes = 16384;
	msgctl(id, IPC_SET, &ds);
	tl_val("msg IPC_RMID", msgctl(id, IPC_RMID, NULL), 0);
	tl_err("msg IPC_STAT after IPC_RMID", msgctl(id, IPC_STAT, &ds),
	       EINVAL);
}

/* uid 1000 on root's 0600 objects (one given to uid 1000 as owner). */
static void other_uid(void)
{
	int shm = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	int sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	int msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	int own = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct msqid_ds md;
	msgctl(own, IPC_STAT, &md);
	md.msg_perm.uid = 1000;
	msgctl(own, IPC_SET, &md);
	pid_t pid = fork();
	if (pid == 0) {
		if (setresgid(1000, 1000, 1000) < 0 ||
		    setresuid(1000, 1000, 1000) < 0)
			_exit(3);
		struct shmid_ds ds;
		struct semid_ds sd;
		struct msqid_ds q;
		tl_err("uid 1000: shm IPC_STAT", shmctl(shm, IPC_STAT, &ds),
		       EACCES);
		tl_err("uid 1000: shm IPC_SET bad buffer",
		       shmctl(shm, IPC_SET, TL_BAD1), EFAULT);
		memset(&ds, 0, sizeof(ds));
		tl_err("uid 1000: shm IPC_SET", shmctl(shm, IPC_SET, &ds),
		       EPERM);
		tl_err("uid 1000: shm SHM_LOCK", shmctl(shm, SHM_LOCK, NULL),
		       EPERM);
		tl_err("uid 1000: shm IPC_RMID", shmctl(shm, IPC_RMID, NULL),
		       EPERM);
		tl_err("uid 1000: sem IPC_STAT", semctl(sem, 0, IPC_STAT,
			(union semun){.buf = &sd}), EACCES);
		tl_err("uid 1000: sem GETVAL", semctl(sem, 0, GETVAL),
		       EACCES);
		tl_err("uid 1000: sem SETVAL", semctl(sem, 0, SETVAL, 1),
		       EACCES);
		tl_err("uid 1000: sem IPC_RMID", semctl(sem, 0, IPC_RMID),
		       EPERM);
		tl_err("uid 1000: msg IPC_STAT", msgctl(msq, IPC_STAT, &q),
		       EACCES);
		tl_err("uid 1000: msg IPC_RMID", msgctl(msq, IPC_RMID, NULL),
		       EPERM);
		/* The owner: IPC_SET works, but msg_qbytes past MSGMNB is
		 * CAP_SYS_RESOURCE's. */
		tl_val("uid 1000: own queue IPC_STAT",
		       msgctl(own, IPC_STAT, &q), 0);
		q.msg_qbytes = 20000;
		tl_err("uid 1000: own queue qbytes past MSGMNB",
		       msgctl(own, IPC_SET, &q), EPERM);
		q.msg_qbytes = 100;
		tl_err("uid 1000: own queue qbytes 100",
		       msgctl(own, IPC_SET, &q), 0);
		tl_err("uid 1000: own queue IPC_RMID",
		       msgctl(own, IPC_RMID, NULL), 0);
		_exit(tl_done());
	}
	int st;
	waitpid(pid, &st, 0);
	tl_yes("uid 1000 child ok", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	shmctl(shm, IPC_RMID, NULL);
	semctl(sem, 0, IPC_RMID);
	msgctl(msq, IPC_RMID, NULL);
	msgctl(own, IPC_RMID, NULL);
}

int main(void)
{
	if (geteuid() != 0) {
		tl_say("needs root (the sandbox's or the host's)");
		return 77;
	}
	shm_cases();
	sem_cases();
	msg_cases();
	other_uid();
	return tl_done();
}
