#!/bin/sh
# Escape suite: tests/security/escape.c, built static, runs inside
# `ringvisor run --root=DIR` and tries to read a secret file outside DIR
# (symlinks, .., /proc/self/root, /proc/1/cwd, chroot tricks, hard links,
# open_by_handle_at, mknod, mount, pivot_root, ptrace). Every attempt must
# fail inside, and nothing may change on the host (DIR and the secret's
# directory are compared before and after).
#   RV=build/ringvisor BUILD=build sh tests/security/escape.sh
# Exit 0 = pass, 1 = fail, 77 = skip.
RV=${RV:-build/ringvisor}
BUILD=${BUILD:-build}
src=$(dirname "$0")/escape.c
mkdir -p "$BUILD/security"
if ! cc -std=gnu11 -D_GNU_SOURCE -Wall -static -O1 -o "$BUILD/security/escape" "$src" 2>"$BUILD/security/escape.cc.log"; then
	echo "SKIP escape: cannot build a static escape.c (see $BUILD/security/escape.cc.log)"
	exit 77
fi
root=$(mktemp -d /tmp/rv-esc-root.XXXXXX)
hidden=$(mktemp -d /tmp/rv-esc-secret.XXXXXX)
trap 'rm -rf "$root" "$hidden"' EXIT
echo "RV-SECRET $$" > "$hidden/secret"
chmod 0644 "$hidden/secret"
cp "$BUILD/security/escape" "$root/escape"
mkdir "$root/tmp" "$root/proc" "$root/dev"
ln -s "$hidden/secret" "$root/planted-link"
snap() { find "$root" "$hidden" -printf '%p %y %s %m %U %G %T@\n' | sort; }
before=$(snap)

timeout -k 5 60 "$RV" run --root="$root" -- /escape "$hidden/secret" \
	> "$BUILD/security/escape.out" 2>&1
st=$?
fail=0
if grep -q '^LEAK' "$BUILD/security/escape.out"; then
	echo "FAIL escape: the sandbox read outside its root:"
	grep '^LEAK' "$BUILD/security/escape.out" | sed 's/^/    /'
	fail=1
elif ! grep -q '^ok: 0 leak' "$BUILD/security/escape.out"; then
	echo "FAIL escape: the escape program did not finish (status $st):"
	tail -5 "$BUILD/security/escape.out" | sed 's/^/    /'
	fail=1
else
	echo "PASS escape: $(grep -c '^ok ' "$BUILD/security/escape.out") attempts, none got out"
fi
# A hostile program must not crash the sentry either.
if [ "$st" != 0 ]; then
	echo "FAIL escape: the sandbox ended with status $st:"
	grep -v '^ok \|^ringvisor: unsupported' "$BUILD/security/escape.out" |
		head -3 | sed 's/^/    /'
	fail=1
fi
after=$(snap)
if [ "$before" = "$after" ]; then
	echo "PASS escape: the host is unchanged"
else
	echo "FAIL escape: the host changed:"
	echo "$before" > "$BUILD/security/escape.before"
	echo "$after" > "$BUILD/security/escape.after"
	diff "$BUILD/security/escape.before" "$BUILD/security/escape.after" |
		head -5 | sed 's/^/    /'
	fail=1
fi
exit $fail
