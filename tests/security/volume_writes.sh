#!/bin/sh
# The file semantics on a --volume (issue 5): tests/progs/fswrite.c makes
# every kind of change (create, append, truncate, mkdir/rmdir, fifo,
# socket, symlink, link, rename, chmod, utimens, unlink of an open file) in
# a directory; it runs natively on one fresh host directory, and sandboxed
# in /vol of `--volume=V:/vol` on another. Outputs and the two host trees
# left behind must be the same. Then the same program on a read-only
# volume (`:ro`) must change nothing at all on the host.
#
# Output: PASS/FAIL/SKIP lines; exit 0, 1, or 77 (skip).
set -u
. "$(dirname "$0")/lib.sh"
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
TMO=${RV_TEST_TIMEOUT:-60}
name=security:volume_writes

skip() { echo "SKIP $name: $*"; exit 77; }
fail() { echo "FAIL $name: $*"; exit 1; }

prog=$BUILD/tests/fswrite
[ -x "$RV" ] || skip "$RV not built"
[ -x "$prog" ] || skip "$prog not built"

top=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/native" "$top/vol" "$top/volro"
echo kept > "$top/volro/file"

"$prog" "$top/native" > "$top/native.out" 2>&1
nst=$?
timeout -k 5 "$TMO" "$RV" run --volume="$top/vol:/vol" -- \
	"$prog" /vol > "$top/sb.out" 2> "$top/sb.err"
sst=$?
[ "$nst" = 0 ] || fail "native run failed ($nst): $(grep -v ' = ok\| yes$' "$top/native.out" | head -3)"
[ "$sst" = 0 ] || fail "sandboxed run failed ($sst): $(diff "$top/native.out" "$top/sb.out" | head -5) $(head -2 "$top/sb.err")"
cmp -s "$top/native.out" "$top/sb.out" ||
	fail "outputs differ: $(diff "$top/native.out" "$top/sb.out" | head -5)"
tree "$top/native" > "$top/native.tree"
tree "$top/vol" > "$top/sb.tree"
cmp -s "$top/native.tree" "$top/sb.tree" ||
	fail "host trees differ: $(diff "$top/native.tree" "$top/sb.tree" | head -5)"
echo "PASS $name: fswrite on a volume matches native, host trees equal"

# renameat2(RENAME_EXCHANGE) through the volume's gofer, as on the host.
xprog=$BUILD/tests/rename_exchange
if [ -x "$xprog" ]; then
	mkdir -p "$top/native-x" "$top/volx"
	"$xprog" "$top/native-x" > "$top/native-x.out" 2>&1 ||
		fail "native rename_exchange failed: $(grep -v ' = ok\| yes$' "$top/native-x.out" | head -3)"
	timeout -k 5 "$TMO" "$RV" run --volume="$top/volx:/vol" -- \
		"$xprog" /vol > "$top/sb-x.out" 2> "$top/sb-x.err" ||
		fail "sandboxed rename_exchange failed: $(diff "$top/native-x.out" "$top/sb-x.out" | head -5) $(head -2 "$top/sb-x.err")"
	cmp -s "$top/native-x.out" "$top/sb-x.out" ||
		fail "rename_exchange outputs differ: $(diff "$top/native-x.out" "$top/sb-x.out" | head -5)"
	echo "PASS $name: renameat2(RENAME_EXCHANGE) on a volume matches native"
fi

before=$(tree "$top/volro"; cat "$top/volro/file")
timeout -k 5 "$TMO" "$RV" run --volume="$top/volro:/vol:ro" -- \
	"$prog" /vol > "$top/ro.out" 2>&1
grep -q 'EROFS' "$top/ro.out" ||
	fail "fswrite on a :ro volume saw no EROFS: $(head -3 "$top/ro.out")"
[ "$(tree "$top/volro"; cat "$top/volro/file")" = "$before" ] ||
	fail "a :ro volume changed on the host"
echo "PASS $name: a :ro volume refuses every change (EROFS), host unchanged"
