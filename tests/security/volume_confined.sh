#!/bin/sh
# While a sandbox with volumes runs, look at its gofers from the host: one
# per --volume next to the root's, each with Seccomp 2, NoNewPrivs 1,
# capabilities within CHOWN DAC_OVERRIDE FOWNER FSETID, its root the
# volume's HOST directory (read-only for :ro), no /proc, and no other
# mount in sight (as root; in a user namespace the other mounts are
# covered, see docs/security.md).
#   RV=build/ringvisor sh tests/security/volume_confined.sh
# Needs root or a user that may read the processes' /proc entries.
# Exit 0 = pass, 1 = fail, 77 = skip.
. "$(dirname "$0")/lib.sh"
RV=${RV:-build/ringvisor}
name=volume_confined
fail=0
pass() { echo "PASS $name: $*"; }
bad() { echo "FAIL $name: $*"; fail=1; }

top=$(mktemp -d /tmp/rv-volc.XXXXXX)
trap 'rm -rf "$top"' EXIT
mkdir -p "$top/rw" "$top/ro"
timeout -k 5 60 "$RV" run --volume="$top/rw:/rw" --volume="$top/ro:/ro:ro" \
	-- /bin/busybox sleep 4 >/dev/null 2>&1 </dev/null &
tmo=$!
gofers=
for i in $(seq 1 20); do
	sleep 0.2
	mon=$(ps -o pid= --ppid "$tmo" 2>/dev/null | tr -d ' ')
	[ -n "$mon" ] || continue
	gofers= sentry=
	for c in $(ps -o pid= --ppid "$mon" 2>/dev/null); do
		case "$(field NSpid "$c")" in
		*" 1") sentry=$c ;;
		*) gofers="$gofers $c" ;;
		esac
	done
	[ -n "$sentry" ] && [ "$(field Seccomp "$sentry")" = 2 ] && break
done
if [ -z "$sentry" ]; then
	wait "$tmo" 2>/dev/null
	echo "SKIP $name: no confined sentry found"
	exit 77
fi
set -- $gofers
[ $# = 3 ] && pass "three gofers (root, two volumes)" || bad "$# gofers: $gofers"
seen_rw= seen_ro=
for g in $gofers; do
	[ "$(field Seccomp "$g")" = 2 ] || bad "gofer $g Seccomp: $(field Seccomp "$g")"
	[ "$(field NoNewPrivs "$g")" = 1 ] || bad "gofer $g NoNewPrivs"
	eff=$(field CapEff "$g")
	[ $((0x$eff & ~0x1b)) = 0 ] || bad "gofer $g CapEff $eff"
	[ ! -e "/proc/$g/root/proc/self" ] || bad "gofer $g sees a /proc"
	r=$(stat -L -c %d:%i "/proc/$g/root/")
	n=$(wc -l < "/proc/$g/mountinfo")
	opts=$(awk '$5 == "/" { print $6 }' "/proc/$g/mountinfo" | tail -1)
	if [ "$r" = "$(stat -c %d:%i "$top/rw")" ]; then
		seen_rw=1
		case "$opts" in rw*) ;; *) bad "rw volume's gofer root is $opts" ;; esac
		[ "$n" = 1 ] || [ "$(id -u)" != 0 ] ||
			bad "rw volume's gofer sees $n mounts"
	elif [ "$r" = "$(stat -c %d:%i "$top/ro")" ]; then
		seen_ro=1
		case "$opts" in ro*) ;; *) bad "ro volume's gofer root is $opts" ;; esac
		[ "$n" = 1 ] || [ "$(id -u)" != 0 ] ||
			bad "ro volume's gofer sees $n mounts"
	fi
done
[ -n "$seen_rw" ] && pass "a gofer confined to the rw volume (rw bind, one mount)" || bad "no gofer rooted at the rw volume"
[ -n "$seen_ro" ] && pass "a gofer confined to the ro volume (ro bind, one mount)" || bad "no gofer rooted at the ro volume"
[ "$fail" = 0 ] && pass "every gofer: Seccomp 2, NoNewPrivs 1, capabilities within CHOWN DAC_OVERRIDE FOWNER FSETID, no /proc"
wait "$tmo"
st=$?
[ "$st" = 0 ] && pass "the sandbox ran to completion" || bad "the sandbox ended with $st"
exit $fail
