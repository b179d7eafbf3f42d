#!/bin/sh
# While a sandbox runs, look at its processes from the host:
#  - the sentry (pid 1 of its pid namespace): Seccomp 2, NoNewPrivs 1, no
#    capabilities at all, an empty root and cwd, no directory fd outside
#    the sandbox root, a network namespace of its own;
#  - the gofer: Seccomp 2, NoNewPrivs 1, capabilities within CHOWN,
#    DAC_OVERRIDE, FOWNER, FSETID, its root is the sandbox root.
#   RV=build/ringvisor sh tests/security/confined.sh [ROOT]
# ROOT (default /; it must hold /bin/busybox) is passed as --root. Needs root or a user that may read
# the processes' /proc entries. Exit 0 = pass, 1 = fail, 77 = skip.
. "$(dirname "$0")/lib.sh"
RV=${RV:-build/ringvisor}
ROOT=${1:-/}
fail=0
pass() { echo "PASS confined: $*"; }
bad() { echo "FAIL confined: $*"; fail=1; }

timeout -k 5 60 "$RV" run --root="$ROOT" -- /bin/busybox sleep 4 >/dev/null 2>&1 </dev/null &
tmo=$!
sentry= gofer=
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	sleep 0.2
	# timeout -> ringvisor (the monitor) -> gofer, sentry
	mon=$(ps -o pid= --ppid "$tmo" 2>/dev/null | tr -d ' ')
	[ -n "$mon" ] || continue
	for c in $(ps -o pid= --ppid "$mon" 2>/dev/null); do
		ns=$(field NSpid "$c")
		case "$ns" in
		*" 1") sentry=$c ;;
		*) gofer=$c ;;
		esac
	done
	[ -n "$sentry" ] && [ "$(field Seccomp "$sentry")" = 2 ] && break
done
if [ -z "$sentry" ]; then
	wait "$tmo" 2>/dev/null
	echo "SKIP confined: no sentry in its own pid namespace (confinement not wired into run)"
	exit 77
fi

[ "$(field Seccomp "$sentry")" = 2 ] && pass "sentry Seccomp: 2" || bad "sentry Seccomp: $(field Seccomp "$sentry")"
[ "$(field NoNewPrivs "$sentry")" = 1 ] && pass "sentry NoNewPrivs: 1" || bad "sentry NoNewPrivs: $(field NoNewPrivs "$sentry")"
for k in CapEff CapPrm CapBnd CapAmb CapInh; do
	v=$(field $k "$sentry")
	[ "$v" = 0000000000000000 ] && pass "sentry $k empty" || bad "sentry $k $v"
done
[ -z "$(ls -A "/proc/$sentry/root/" 2>&1)" ] && pass "sentry root is empty" || bad "sentry root: $(ls -A /proc/$sentry/root/ 2>&1 | head -3 | tr '\n' ' ')"
[ -z "$(ls -A "/proc/$sentry/cwd/" 2>&1)" ] && pass "sentry cwd is empty" || bad "sentry cwd: $(ls -A /proc/$sentry/cwd/ 2>&1 | head -3 | tr '\n' ' ')"
outside=
rroot=$(readlink -f "$ROOT")
for fd in /proc/$sentry/fd/*; do
	[ -d "$fd" ] || continue
	t=$(readlink "$fd")
	case "$rroot" in
	/) ;; # every directory of the host is in this root
	*) case "$t" in "$rroot"|"$rroot"/*) ;; *) outside="$outside $t" ;; esac ;;
	esac
done
[ -z "$outside" ] && pass "sentry holds no directory outside the root" || bad "sentry holds directories:$outside"
# --network=none (the default): every thread of the sentry and every
# process it made (ptrace stubs) is in one network namespace, not the
# host's (the sentry makes it while the monitor writes its id maps).
host_net=$(readlink /proc/self/ns/net)
nets=$(for t in /proc/$sentry/task/* $(ps -o pid= --ppid "$sentry" | sed 's|^ *|/proc/|'); do
	readlink "$t/ns/net"
done | sort -u)
if [ "$(printf '%s\n' "$nets" | grep -c .)" = 1 ] && [ "$nets" != "$host_net" ]; then
	pass "sentry threads and children in one network namespace of their own"
else
	bad "network namespaces: $(echo $nets) (host: $host_net)"
fi

if [ -n "$gofer" ]; then
	[ "$(field Seccomp "$gofer")" = 2 ] && pass "gofer Seccomp: 2" || bad "gofer Seccomp: $(field Seccomp "$gofer")"
	[ "$(field NoNewPrivs "$gofer")" = 1 ] && pass "gofer NoNewPrivs: 1" || bad "gofer NoNewPrivs"
	eff=$(field CapEff "$gofer")
	[ $((0x$eff & ~0x1b)) = 0 ] && pass "gofer capabilities within CHOWN DAC_OVERRIDE FOWNER FSETID" || bad "gofer CapEff $eff"
	if [ "$(stat -L -c %d:%i "/proc/$gofer/root/")" = "$(stat -L -c %d:%i "$ROOT")" ]; then
		pass "gofer root is the sandbox root"
	else
		bad "gofer root is not $ROOT"
	fi
	[ ! -e "/proc/$gofer/root/proc/self" ] && pass "gofer sees no /proc" || bad "gofer sees a /proc"
else
	bad "no gofer process next to the sentry"
fi
wait "$tmo"
st=$?
[ "$st" = 0 ] && pass "the sandbox ran to completion" || bad "the sandbox ended with $st"
exit $fail
