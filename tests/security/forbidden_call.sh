#!/bin/sh
# The sentry's seccomp filter, end to end: with --debug and
# RINGVISOR_TEST_FORBIDDEN_CALL=1 the confined sentry first opens
# /etc/passwd (a path lookup: refused softly, ENOENT) and then calls execve
# (refused: the sandbox is killed with a one-line report, exit 159 =
# 128 + SIGSYS). Without --debug the variable must be ignored.
#   RV=build/ringvisor sh tests/security/forbidden_call.sh
# Exit 0 = pass, 1 = fail, 77 = skip (confinement not wired into run).
RV=${RV:-build/ringvisor}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
fail=0

RINGVISOR_TEST_FORBIDDEN_CALL=1 timeout -k 5 60 "$RV" --debug run -- /bin/true \
	>"$out/o" 2>"$out/e"
st=$?
if ! grep -q "sentry confined" "$out/e"; then
	echo "SKIP forbidden_call: the sentry is not confined by ringvisor run (status $st)"
	exit 77
fi
if [ "$st" = 159 ] &&
   grep -q "^ringvisor: sentry made a forbidden host call execve (59); sandbox killed$" "$out/e"; then
	echo "PASS forbidden_call: execve killed the sandbox with the report"
else
	echo "FAIL forbidden_call: status $st, stderr:"
	sed 's/^/    /' "$out/e" | tail -5
	fail=1
fi
if grep -q "openat /etc/passwd: No such file or directory" "$out/e"; then
	echo "PASS forbidden_call: a path open is refused softly (ENOENT)"
else
	echo "FAIL forbidden_call: the path open was not refused with ENOENT"
	fail=1
fi

RINGVISOR_TEST_FORBIDDEN_CALL=1 timeout -k 5 60 "$RV" run -- /bin/true \
	>"$out/o" 2>"$out/e"
st=$?
if [ "$st" = 0 ]; then
	echo "PASS forbidden_call: the hook is off without --debug"
else
	echo "FAIL forbidden_call: without --debug the run ended with $st"
	fail=1
fi
exit $fail
