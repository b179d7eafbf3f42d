#!/bin/sh
# The ptrace platform's stub factory killed from outside while the app
# runs: the confined sentry makes a new one (a fork under its seccomp
# filter: dup2 and close_range must be allowed for the new stub to set
# itself up) and the app's next forks work. Before that, every fork failed
# with ENOMEM once the factory was gone.
#   RV=build/ringvisor sh tests/security/stub_factory.sh
# Exit 0 = pass, 1 = fail, 77 = skip.
RV=${RV:-build/ringvisor}
BB=/bin/busybox
[ -x "$BB" ] || { echo "SKIP stub_factory: no $BB" >&2; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

"$RV" run --platform=ptrace -- "$BB" sh -c \
	'echo ready; sleep 2; for i in 1 2 3 4 5; do '"$BB"' true || echo FAIL; done; echo forks-ok' \
	>"$out/o" 2>"$out/e" &
mon=$!
i=0
while ! grep -q ready "$out/o" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
# The monitor's children: the gofer, then the sentry. The sentry's oldest
# child is the factory (the pivot helper is gone by now).
sentry=$(ps -o pid= --ppid "$mon" --sort=start_time | tail -1 | tr -d ' ')
factory=$(ps -o pid= --ppid "$sentry" --sort=start_time 2>/dev/null | head -1 | tr -d ' ')
if [ -z "$factory" ]; then
	echo "FAIL stub_factory: no stub factory found (sentry '$sentry')"
	kill "$mon" 2>/dev/null
	wait
	exit 1
fi
kill -9 "$factory"
wait "$mon"
st=$?
if [ "$st" = 0 ] && grep -q forks-ok "$out/o" && ! grep -q FAIL "$out/o" &&
   ! grep -q "can't fork" "$out/e"; then
	echo "PASS stub_factory: forks work after the factory was killed"
	exit 0
fi
echo "FAIL stub_factory: status $st"
sed 's/^/    /' "$out/o" "$out/e" | tail -5
exit 1
