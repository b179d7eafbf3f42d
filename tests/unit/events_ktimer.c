/* The sentry timer service: deadlines fire in order, a cancelled timer
 * never fires, a re-armed one fires at its new time, a periodic callback
 * can re-arm itself, and a thousand timers cost no extra thread. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sentry/fs/anon/anon.h"
#include "sentry/util.h"

static int failed;
static void check(const char *what, bool ok)
{
	printf("%s %s\n", ok ? "PASS" : "FAIL", what);
	if (!ok)
		failed = 1;
}

#define N 1000
static struct ktimer timers[N];
static _Atomic int order[N], nfired;
static _Atomic int periodic_count;
static struct ktimer periodic;

static void fired(struct ktimer *kt)
{
	int i = (int)(kt - timers);
	order[atomic_fetch_add(&nfired, 1)] = i;
}

static void tick(struct ktimer *kt)
{
	if (atomic_fetch_add(&periodic_count, 1) + 1 < 5)
		ktimer_arm(kt, ktimer_clock_ns(CLOCK_MONOTONIC) + 1000000);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

int main(void)
{
	uint64_t now = ktimer_clock_ns(CLOCK_MONOTONIC);
	/* Armed in reverse: must fire by deadline, not by arming order. */
	for (int i = N - 1; i >= 0; i--) {
		ktimer_init(&timers[i], fired);
		ktimer_arm(&timers[i], now + 20000000 + (uint64_t)i * 10000);
	}
	/* Cancel every tenth; move timer 5 to the very end. */
	for (int i = 0; i < N; i += 10)
		ktimer_cancel(&timers[i]);
	ktimer_arm(&timers[5], now + 20000000 + (uint64_t)N * 10000 + 1);
	sleep_ms(200);
	check("all not cancelled fired", nfired == N - N / 10);
	bool sorted = true, none_cancelled = true;
	for (int k = 0; k < nfired; k++) {
		if (order[k] % 10 == 0)
			none_cancelled = false;
		if (k && order[k] != 5 && order[k - 1] != 5 &&
		    order[k] < order[k - 1])
			sorted = false;
	}
	check("fired in deadline order", sorted);
	check("cancelled never fired", none_cancelled);
	check("re-armed fires last", nfired && order[nfired - 1] == 5);

	ktimer_init(&periodic, tick);
	ktimer_arm(&periodic, ktimer_clock_ns(CLOCK_MONOTONIC) + 1000000);
	sleep_ms(100);
	check("self re-arming callback ran 5 times", periodic_count == 5);

	struct timespec v = {1, 5};
	check("ts valid", ktimer_ts_valid(&v));
	v.tv_nsec = 1000000000L;
	check("ts nsec too big invalid", !ktimer_ts_valid(&v));
	v.tv_sec = -1;
	v.tv_nsec = 0;
	check("negative ts invalid", !ktimer_ts_valid(&v));
	v.tv_sec = 0x7fffffffffffffffLL;
	check("huge ts saturates", ktimer_ts_ns(&v) == UINT64_MAX / 2);
	struct timespec past = {0, 1};
	uint64_t m = ktimer_clock_ns(CLOCK_MONOTONIC);
	uint64_t d = ktimer_mono_deadline(CLOCK_REALTIME, &past, true);
	check("absolute past deadline is now", d >= m && d < m + 1000000000);
	return failed;
}
