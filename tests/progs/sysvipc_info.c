/* semctl(IPC_INFO, SEM_INFO) and msgctl(IPC_INFO, MSG_INFO): each field
 * of struct seminfo and struct msginfo where Linux puts it. The sandbox
 * had SEM_INFO's set count in semopm and its semaphore count in semusz
 * (semaem 0), IPC_INFO's semume, semusz and semaem wrong, and msginfo's
 * pool, map, ssz and tql 0 or misplaced (MSG_INFO's message count in
 * msgssz). The limits themselves may differ (the sandbox's are tighter),
 * so what is printed are the fields that must match and relations. */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

#include "testlib.h"

int main(void)
{
	struct seminfo si;
	int s1 = semget(IPC_PRIVATE, 3, 0600), s2 = semget(IPC_PRIVATE, 4, 0600);
	if (s1 < 0 || s2 < 0)
		return 1;
	tl_yes("IPC_INFO", semctl(0, 0, IPC_INFO, &si) >= 0);
	tl_val(" semmni", si.semmni, 32000);
	tl_val(" semmsl", si.semmsl, 32000);
	tl_val(" semopm", si.semopm, 500);
	tl_val(" semume", si.semume, 500);
	tl_val(" semvmx", si.semvmx, 32767);
	tl_val(" semaem", si.semaem, 32767);
	tl_yes(" semmns >= semmsl", si.semmns >= si.semmsl);
	tl_yes("SEM_INFO", semctl(0, 0, SEM_INFO, &si) >= 0);
	tl_val(" semopm", si.semopm, 500);
	tl_val(" semvmx", si.semvmx, 32767);
	tl_yes(" semusz (sets) >= 2", si.semusz >= 2);
	tl_yes(" semaem (semaphores) >= 7", si.semaem >= 7);
	semctl(s1, 0, IPC_RMID);
	semctl(s2, 0, IPC_RMID);

	struct msginfo mi;
	int q = msgget(IPC_PRIVATE, 0600);
	struct {
		long type;
		char text[10];
	} m = {1, "123456789"};
	if (q < 0 || msgsnd(q, &m, 10, 0) || msgsnd(q, &m, 10, 0))
		return 1;
	tl_yes("msg IPC_INFO", msgctl(0, IPC_INFO, (void *)&mi) >= 0);
	tl_val(" msgmax", mi.msgmax, 8192);
	tl_val(" msgmnb", mi.msgmnb, 16384);
	tl_val(" msgmni", mi.msgmni, 32000);
	tl_val(" msgssz", mi.msgssz, 16);
	tl_val(" msgmap", mi.msgmap, 16384);
	tl_val(" msgtql", mi.msgtql, 16384);
	tl_val(" msgpool", mi.msgpool, 512000);
	tl_val(" msgseg", mi.msgseg, 0xffff);
	tl_yes("MSG_INFO", msgctl(0, MSG_INFO, (void *)&mi) >= 0);
	tl_val(" msgssz", mi.msgssz, 16);
	tl_yes(" msgpool (queues) >= 1", mi.msgpool >= 1);
	tl_yes(" msgmap (messages) >= 2", mi.msgmap >= 2);
	tl_yes(" msgtql (bytes) >= 20", mi.msgtql >= 20);
	msgctl(q, IPC_RMID, NULL);
	return tl_done();
}
