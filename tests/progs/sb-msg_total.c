/* System V message queues: the sandbox's cap on queued messages (64 MiB
 * in all, docs/limits.md) counts every message, empty ones too.
 *
 * Each queued message costs the sentry a header on its heap whatever its
 * length. The cap used to count only the text bytes, so once the queues
 * held 64 MiB, or at any time with empty messages, a queue still took
 * qbytes of empty messages, and as many queues as MSGMNI allows: without
 * end for the sentry's heap (root may raise qbytes to 1 MiB; 32000 such
 * queues of empty messages are 32 G headers). Sandbox only: Linux has no
 * such cap (its messages take kernel memory, charged to the cgroup). */
#include <stdbool.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#include "testlib.h"

#define MAXQ 8192

static int qs[MAXQ];
static int nq;

static struct {
	long type;
	char text[8192];
} big = {1, {0}};

int main(void)
{
	/* Fill up to the cap with the largest messages: a fresh queue
	 * refusing its first one is the sandbox-wide cap. */
	long bytes = 0;
	bool capped = false;
	while (!capped && nq < MAXQ) {
		int q = msgget(IPC_PRIVATE, 0600);
		if (q < 0) {
			tl_say("msgget: %s", tl_errname(errno));
			return 1;
		}
		qs[nq++] = q;
		for (int k = 0;; k++) {
			if (msgsnd(q, &big, sizeof(big.text), IPC_NOWAIT) == 0) {
				bytes += sizeof(big.text);
				continue;
			}
			if (errno != EAGAIN) {
				tl_say("msgsnd: %s", tl_errname(errno));
				return 1;
			}
			capped = k == 0;
			break;
		}
	}
	tl_say("cap reached with 8 KiB messages: %s",
	       capped ? "yes" : "no");
	tl_say("between 32 and 64 MiB queued: %s",
	       bytes >= (32L << 20) && bytes <= (64L << 20) ? "yes" : "no");

	/* Empty messages past the cap: a few fit in what is left below it,
	 * not a queue's worth (16384). */
	struct {
		long type;
		char text[1];
	} empty = {2, {0}};
	int q = msgget(IPC_PRIVATE, 0600);
	qs[nq++] = q;
	int n = 0;
	while (n < 20000 && msgsnd(q, &empty, 0, IPC_NOWAIT) == 0)
		n++;
	tl_say("empty messages taken past the cap: %s (%s)",
	       n < 1000 ? "few" : "a queue's worth",
	       n < 20000 ? tl_errname(errno) : "none refused");

	/* Received and removed messages give their room back. */
	tl_val("msgrcv of an 8 KiB message",
	       msgrcv(qs[0], &big, sizeof(big.text), 0, IPC_NOWAIT),
	       (long)sizeof(big.text));
	int before = n;
	while (n < 20000 && msgsnd(q, &empty, 0, IPC_NOWAIT) == 0)
		n++;
	tl_say("one 8 KiB message received makes room for more empty ones: %s",
	       n > before ? "yes" : "no");
	for (int i = 0; i < nq; i++)
		msgctl(qs[i], IPC_RMID, NULL);
	q = msgget(IPC_PRIVATE, 0600);
	n = 0;
	while (n < 20000 && msgsnd(q, &empty, 0, IPC_NOWAIT) == 0)
		n++;
	tl_say("all removed: a fresh queue takes %d empty messages (%s)", n,
	       tl_errname(errno));
	msgctl(q, IPC_RMID, NULL);
	return tl_done();
}
