#!/bin/sh
# open(O_CREAT) without O_EXCL on a volume while the host creates and
# deletes the same name (issue 5): the sandbox's lookup and the gofer's
# exclusive create are two steps, and a name made between them must be
# opened, never reported as EEXIST. tests/progs/creat_race.c is both
# sides: `race` runs natively on the volume's host directory, `open` runs
# sandboxed in /vol.
#
# Output: PASS/FAIL/SKIP lines; exit 0, 1, or 77 (skip).
set -u
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
TMO=${RV_TEST_TIMEOUT:-60}
name=security:volume_creat_race

skip() { echo "SKIP $name: $*"; exit 77; }
fail() { echo "FAIL $name: $*"; exit 1; }

prog=$BUILD/tests/creat_race
[ -x "$RV" ] || skip "$RV not built"
[ -x "$prog" ] || skip "$prog not built"

top=$(mktemp -d) || fail "mktemp"
racer=
trap '[ -n "$racer" ] && kill $racer 2>/dev/null; rm -rf "$top"' EXIT
mkdir -p "$top/vol"

"$prog" race "$top/vol" 30 &
racer=$!
timeout -k 5 "$TMO" "$RV" run --volume="$top/vol:/vol" -- \
	"$prog" open /vol 3000 > "$top/sb.out" 2> "$top/sb.err"
st=$?
kill $racer 2>/dev/null
wait $racer 2>/dev/null
racer=
[ "$st" = 0 ] ||
	fail "exit $st: $(head -1 "$top/sb.out") $(head -2 "$top/sb.err")"
echo "PASS $name: $(head -1 "$top/sb.out")"
