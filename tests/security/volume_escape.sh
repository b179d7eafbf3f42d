#!/bin/sh
# Escapes out of --volume (issue 5): tests/security/volume_escape.c, built
# static, runs inside
#   ringvisor run --root=R --volume=V:/vol --volume=VRO:/volro:ro
# and tries to read files next to the volumes on the host (symlinks planted
# in V, "..", a rename race the host runs on V/d while the app walks it,
# hard links, writes and remounts of the read-only volume, file handles).
# Every attempt must fail inside; nothing outside V may change on the host,
# and nothing at all in VRO.
#   RV=build/ringvisor BUILD=build sh tests/security/volume_escape.sh
# Exit 0 = pass, 1 = fail, 77 = skip.
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
src=$(dirname "$0")/volume_escape.c
name=volume_escape
mkdir -p "$BUILD/security"
if ! cc -std=gnu11 -D_GNU_SOURCE -Wall -static -O1 -o "$BUILD/security/vescape" "$src" 2>"$BUILD/security/vescape.cc.log"; then
	echo "SKIP $name: cannot build a static volume_escape.c (see $BUILD/security/vescape.cc.log)"
	exit 77
fi
base=$(mktemp -d /tmp/rv-vol.XXXXXX)
racer=
cleanup() {
	[ -n "$racer" ] && kill "$racer" 2>/dev/null && wait "$racer" 2>/dev/null
	rm -rf "$base"
}
trap cleanup EXIT
root=$base/root vol=$base/vol volro=$base/volro sec=$base/rv-vol-secret
mkdir -p "$root/tmp" "$root/proc" "$root/dev" "$vol/d" "$volro" "$sec"
cp "$BUILD/security/vescape" "$root/vescape"
echo "RV-SECRET f $$" > "$sec/f"
echo "RV-SECRET $$" > "$sec/secret"
echo "volume data" > "$vol/data"
echo "volume data" > "$volro/data"
echo "inside" > "$vol/d/f"
ln -s "$sec/secret" "$vol/abs"
ln -s ../rv-vol-secret/secret "$vol/rel"
ln -s "$sec" "$vol/sdir"
snap() {
	find "$base" -path "$vol" -prune -o \
		-printf '%p %y %s %m %U %G %T@ %l\n' | sort
}
before=$(snap)

# The host side of the rename race: V/d is a directory, then a symlink to
# the secret directory (absolute), then a relative one, and back.
(
	while :; do
		mv "$vol/d" "$vol/d.real" 2>/dev/null
		ln -s "$sec" "$vol/d" 2>/dev/null
		rm -f "$vol/d"
		ln -s ../rv-vol-secret "$vol/d" 2>/dev/null
		rm -f "$vol/d"
		mv "$vol/d.real" "$vol/d" 2>/dev/null
	done
) &
racer=$!

out=$BUILD/security/vescape.out
timeout -k 5 120 "$RV" run --root="$root" --volume="$vol:/vol" \
	--volume="$volro:/volro:ro" -- /vescape "$sec" > "$out" 2>&1
st=$?
kill "$racer" 2>/dev/null
wait "$racer" 2>/dev/null
racer=
fail=0
if grep -q '^LEAK' "$out"; then
	echo "FAIL $name: the sandbox got out of a volume:"
	grep '^LEAK' "$out" | sed 's/^/    /'
	fail=1
elif ! grep -q '^ok: 0 leak' "$out"; then
	echo "FAIL $name: the escape program did not finish (status $st):"
	tail -5 "$out" | sed 's/^/    /'
	fail=1
else
	echo "PASS $name: $(grep -c '^ok ' "$out") attempts, none got out"
fi
if [ "$st" != 0 ] && [ "$fail" = 0 ]; then
	echo "FAIL $name: the sandbox ended with status $st:"
	grep -v '^ok \|^ringvisor: unsupported' "$out" | head -3 |
		sed 's/^/    /'
	fail=1
fi
# A writable volume is one: what the app wrote is on the host.
if [ "$(cat "$vol/written" 2>/dev/null)" = app ]; then
	echo "PASS $name: the app's write to the writable volume is on the host"
else
	echo "FAIL $name: /vol/written did not reach the host's $vol"
	fail=1
fi
after=$(snap)
if [ "$before" = "$after" ]; then
	echo "PASS $name: the host is unchanged outside the writable volume"
else
	echo "FAIL $name: the host changed:"
	echo "$before" > "$BUILD/security/vescape.before"
	echo "$after" > "$BUILD/security/vescape.after"
	diff "$BUILD/security/vescape.before" "$BUILD/security/vescape.after" |
		head -5 | sed 's/^/    /'
	fail=1
fi
exit $fail
