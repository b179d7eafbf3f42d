#!/bin/sh
# Stores through MAP_SHARED mappings of host files (a --volume) reach the
# host when the sandbox ends with its init, also those of a process that
# is still running then and is killed with the sandbox, as Linux's page
# cache keeps a killed process's stores (tests/security/shared_map_end.c).
# The sandbox's processes die with the sentry, so the sentry writes every
# address space's shared host pages back first; the child's were lost.
#
# Output: PASS/FAIL/SKIP lines; exit 0, 1, or 77 (skip).
set -u
. "$(dirname "$0")/lib.sh"
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
TMO=${RV_TEST_TIMEOUT:-60}
name=security:shared_map_end

[ -x "$RV" ] || { echo "SKIP $name: $RV not built"; exit 77; }
mkdir -p "$BUILD/security"
prog=$BUILD/security/shared_map_end
if ! cc -std=gnu11 -Wall -static -O1 -o "$prog" \
	"$(dirname "$0")/shared_map_end.c" 2>"$prog.cc.log"; then
	echo "SKIP $name: cannot build a static shared_map_end.c"
	exit 77
fi
top=$(mktemp -d) || exit 1
trap 'rm -rf "$top"' EXIT
fail=0
for plat in ptrace kvm; do
	if ! "$RV" run --platform=$plat -- /bin/true 2>/dev/null; then
		echo "SKIP $name: $plat: the platform does not run here"
		continue
	fi
	rm -rf "$top/vol" && mkdir -p "$top/vol"
	printf 'original-content\n' > "$top/vol/a"
	printf 'original-content\n' > "$top/vol/b"
	timeout -k 5 "$TMO" "$RV" run --platform="$plat" \
		--volume="$top/vol:/vol" -- "$prog" /vol/a /vol/b \
		> "$top/out" 2>&1
	st=$?
	a=$(cat "$top/vol/a") b=$(cat "$top/vol/b")
	if [ "$st" = 0 ] && [ "$a" = "childnal-content" ] &&
		[ "$b" = "initinal-content" ]; then
		echo "PASS $name: $plat: a killed child's and init's shared stores reach the host"
	else
		echo "FAIL $name: $plat: exit $st, host files: '$a' '$b' (want 'childnal-content' 'initinal-content') $(head -2 "$top/out")"
		fail=1
	fi
done
exit $fail
