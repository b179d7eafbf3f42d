/* SIGPIPE for a write that found no reader (pipe(7), socket(7)). */
#include <signal.h>

#include "sentry/kernel/kernel.h"

void kernel_raise_sigpipe(void)
{
	struct task *t = current;
	/* Not on a task thread (or a unit test's bare task): nobody to
	 * signal. */
	if (!t || !t->tg || !t->tg->sighand)
		return;
	/* Linux: send_sig(SIGPIPE, current, 0), SI_USER from itself. */
	struct ksiginfo info = {.signo = SIGPIPE, .code = SI_USER,
				.pid = t->tg->tgid, .uid = (int)t->cred.uid};
	kernel_send_signal_task(t, &info);
}
