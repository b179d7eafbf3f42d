#!/bin/sh
# A program cannot make the sentry flood the host with log lines: an
# unsupported call is logged once per number, and of the numbers past the
# table (syscall(1000), syscall(-1), the x32 bit...) only the first is.
# tests/progs/enosys makes four such calls and syscall(500), inside the
# table but unnamed: two lines. sb-fuzz makes thousands.
#   RV=build/ringvisor BUILD=build sh tests/security/enosys_log.sh
# Exit 0 = pass, 1 = fail, 77 = skip.
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
prog=$BUILD/tests/enosys
if [ ! -x "$prog" ]; then
	echo "SKIP enosys_log: $prog not built" >&2
	exit 77
fi
err=$(timeout -k 5 60 "$RV" run -- "$prog" 2>&1 >/dev/null </dev/null)
st=$?
n=$(printf '%s\n' "$err" | grep -c 'unknown system call')
if [ "$st" = 0 ] && [ "$n" = 2 ]; then
	echo "PASS enosys_log: two lines for five unknown numbers (500 in the table, four past it)"
	exit 0
fi
echo "FAIL enosys_log: exit $st, $n 'unknown system call' lines:"
printf '%s\n' "$err" | head -5 | sed 's/^/    /'
exit 1
