#!/bin/sh
# --overlay=none: the root is the host tree itself, written through the
# gofer. tests/progs/fswrite.c makes every kind of change (create, append,
# truncate, mkdir/rmdir, fifo, socket, symlink, link, rename, chmod,
# utimens, unlink of an open file) in a directory; it runs natively on one
# fresh directory and sandboxed, with `--root` a fresh host directory and
# `--overlay=none`, on another. Its outputs and the two host trees it leaves
# must be the same; and the sandbox must not have changed anything of the
# root but the directory it was told to work in, nor escaped it through a
# symlink that names a host directory outside the root.
#
# tests/progs/mmap_shared.c runs the same way: stores through a shared
# mapping of a host file must reach the host file (msync, munmap), which
# must end byte for byte as the native run leaves it.
#
# Output: one PASS/FAIL/SKIP line; exit 0, 1, or 77 (skip).
set -u
. "$(dirname "$0")/lib.sh"
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
TMO=${RV_TEST_TIMEOUT:-60}
name=security:overlay_none_writes

skip() { echo "SKIP $name: $*"; exit 77; }
fail() { echo "FAIL $name: $*"; exit 1; }

prog=$BUILD/tests/fswrite
mprog=$BUILD/tests/mmap_shared
xprog=$BUILD/tests/rename_exchange
[ -x "$RV" ] || skip "$RV not built"
[ -x "$prog" ] || skip "$prog not built"
[ -x "$mprog" ] || skip "$mprog not built"
[ -x "$xprog" ] || skip "$xprog not built"

top=$(mktemp -d) || fail "mktemp"
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/native" "$top/root/w" "$top/root/bin" "$top/outside"
cp "$prog" "$top/root/bin/fswrite" || fail "cp"
cp "$mprog" "$top/root/bin/mmap_shared" || fail "cp"
cp "$xprog" "$top/root/bin/rename_exchange" || fail "cp"
echo secret > "$top/outside/file"
# A way out the sandbox must not take: a symlink inside its root that
# points to the host's directory next to it.
ln -s "$top/outside" "$top/root/out"

"$prog" "$top/native" > "$top/native.out" 2>&1
nst=$?
timeout -k 5 "$TMO" "$RV" run --root="$top/root" --overlay=none -- \
	/bin/fswrite /w > "$top/sb.out" 2> "$top/sb.err"
sst=$?
[ "$nst" = 0 ] || fail "native run failed ($nst): $(grep -v ' = ok\| yes$' "$top/native.out" | head -3)"
[ "$sst" = 0 ] || fail "sandboxed run failed ($sst): $(diff "$top/native.out" "$top/sb.out" | head -5) $(head -2 "$top/sb.err")"
cmp -s "$top/native.out" "$top/sb.out" ||
	fail "outputs differ: $(diff "$top/native.out" "$top/sb.out" | head -5)"
tree "$top/native" > "$top/native.tree"
tree "$top/root/w" > "$top/sb.tree"
cmp -s "$top/native.tree" "$top/sb.tree" ||
	fail "host trees differ: $(diff "$top/native.tree" "$top/sb.tree" | head -5)"

# Shared file mappings written back to the host file.
mkdir "$top/native-m" "$top/root/m"
"$mprog" "$top/native-m" > "$top/native-m.out" 2>&1 ||
	fail "native mmap_shared failed: $(grep -v ' = ok\| yes$' "$top/native-m.out" | head -3)"
timeout -k 5 "$TMO" "$RV" run --root="$top/root" --overlay=none -- \
	/bin/mmap_shared /m > "$top/sb-m.out" 2> "$top/sb-m.err" ||
	fail "sandboxed mmap_shared failed: $(diff "$top/native-m.out" "$top/sb-m.out" | head -5) $(head -2 "$top/sb-m.err")"
cmp -s "$top/native-m.out" "$top/sb-m.out" ||
	fail "mmap_shared outputs differ: $(diff "$top/native-m.out" "$top/sb-m.out" | head -5)"
cmp -s "$top/native-m/mapped" "$top/root/m/mapped" ||
	fail "the mapped host file differs from the native run's"

# renameat2(RENAME_EXCHANGE) through the gofer, as on the host.
mkdir "$top/native-x" "$top/root/x" "$top/root/proc"
"$xprog" "$top/native-x" > "$top/native-x.out" 2>&1 ||
	fail "native rename_exchange failed: $(grep -v ' = ok\| yes$' "$top/native-x.out" | head -3)"
timeout -k 5 "$TMO" "$RV" run --root="$top/root" --overlay=none -- \
	/bin/rename_exchange /x > "$top/sb-x.out" 2> "$top/sb-x.err" ||
	fail "sandboxed rename_exchange failed: $(diff "$top/native-x.out" "$top/sb-x.out" | head -5) $(head -2 "$top/sb-x.err")"
cmp -s "$top/native-x.out" "$top/sb-x.out" ||
	fail "rename_exchange outputs differ: $(diff "$top/native-x.out" "$top/sb-x.out" | head -5)"

# Writes that would leave the root: the symlink is resolved inside the
# sandbox (where that path is not the host's), nothing made on the host.
before=$(tree "$top/outside")
timeout -k 5 "$TMO" "$RV" run --root="$top/root" --overlay=none -- \
	/bin/fswrite /out >/dev/null 2>&1
[ "$(tree "$top/outside")" = "$before" ] ||
	fail "a write through a symlink reached $top/outside"
[ "$(cat "$top/outside/file")" = secret ] || fail "outside file changed"
ls "$top/root" | sort | tr '\n' ' ' | grep -qx 'bin m out proc w x ' ||
	fail "unexpected names at the root: $(ls "$top/root")"
echo "PASS $name"
