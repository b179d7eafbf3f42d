#!/bin/sh
# Bad input to the file system from outside the program's control:
#  - a filled-up tmpfs: with --tmpfs-size=1M, writes to /tmp and to the
#    root overlay's writable layer stop at 1 MiB with ENOSPC, the space
#    comes back when the file is removed, and nothing else breaks;
#  - a gofer that dies while the sandbox runs (kill -9, as a crash would):
#    the sandbox must stop with one clear line and a non-zero status within
#    seconds, whether the app is busy with files or idle, never hang;
#    the same for the gofer of a --volume, whose line names the volume.
#
# Output: one PASS/FAIL/SKIP line per check; exit 0, 1, or 77 (skip).
set -u
. "$(dirname "$0")/lib.sh"
RV=${RV:-build/ringvisor}
TMO=${RV_TEST_TIMEOUT:-60}
name=security:fs_bad
fail=0

pass() { echo "PASS $name: $*"; }
bad() { echo "FAIL $name: $*"; fail=1; }
[ -x "$RV" ] || { echo "SKIP $name: $RV not built"; exit 77; }
top=$(mktemp -d) || exit 1
trap 'rm -rf "$top"' EXIT

# --- ENOSPC ---------------------------------------------------------------
for dir in /tmp /var/tmp; do
	timeout -k 5 "$TMO" "$RV" run --tmpfs-size=1M -- sh -c "
		head -c 2000000 /dev/zero > $dir/rv-big 2>/dev/null
		echo write=\$?
		echo size=\$(stat -c %s $dir/rv-big)
		rm $dir/rv-big
		head -c 500000 /dev/zero > $dir/rv-small && echo again=ok
		echo hello > $dir/rv-hello && cat $dir/rv-hello
	" > "$top/enospc.out" 2> "$top/enospc.err"
	st=$?
	want="write=1
size=1048576
again=ok
hello"
	if [ "$st" = 0 ] && [ "$(cat "$top/enospc.out")" = "$want" ]; then
		pass "ENOSPC at --tmpfs-size on $dir, space back after rm"
	else
		bad "ENOSPC on $dir: exit $st, output: $(tr '\n' ' ' < "$top/enospc.out") $(head -c 300 "$top/enospc.err")"
	fi
done

# --- the gofer dies ---------------------------------------------------------

# gofer_death LABEL SCRIPT [VOLUME]: run SCRIPT in the sandbox, kill its
# gofer (with VOLUME: the gofer of --volume=$top/vol:VOLUME) once the
# sentry is confined, and check how the sandbox ends.
mkdir -p "$top/vol"
echo data > "$top/vol/f"
gofer_death() {
	label=$1
	vol=${3:-}
	if [ -n "$vol" ]; then
		set -- --volume="$top/vol:$vol"
		want="^ringvisor: the gofer of volume $vol died"
	else
		set --
		want='^ringvisor: the gofer died'
	fi
	timeout -k 5 "$TMO" "$RV" run "$@" -- sh -c "$script" \
		> "$top/gd.out" 2> "$top/gd.err" < /dev/null &
	tmo=$!
	sentry= gofer=
	for i in $(seq 50); do
		sleep 0.2
		# timeout -> ringvisor (the monitor) -> gofer, sentry
		mon=$(ps -o pid= --ppid "$tmo" 2>/dev/null | tr -d ' ')
		[ -n "$mon" ] || continue
		for c in $(ps -o pid= --ppid "$mon" 2>/dev/null); do
			case "$(field NSpid "$c")" in
			*" 1") sentry=$c ;;
			*)
				# The volume's gofer is the one with the
				# volume's directory bind-mounted.
				if grep -qF " $top/vol " "/proc/$c/mountinfo" \
					2>/dev/null; then
					[ -n "$vol" ] && gofer=$c
				else
					[ -z "$vol" ] && gofer=$c
				fi ;;
			esac
		done
		[ -n "$sentry" ] && [ -n "$gofer" ] &&
			[ "$(field Seccomp "$sentry")" = 2 ] && break
	done
	if [ -z "$gofer" ] || [ -z "$sentry" ]; then
		wait "$tmo"
		bad "gofer death ($label): no gofer/sentry found"
		return
	fi
	sleep 0.3
	t0=$(date +%s)
	kill -9 "$gofer"
	wait "$tmo"
	st=$?
	secs=$(( $(date +%s) - t0 ))
	lines=$(grep -c . "$top/gd.err")
	if [ "$st" = 124 ] || [ "$st" = 137 ]; then
		bad "gofer death ($label): the sandbox hung (timeout)"
	elif [ "$st" = 0 ]; then
		bad "gofer death ($label): exit 0"
	elif [ "$secs" -gt 10 ]; then
		bad "gofer death ($label): took ${secs}s"
	elif [ "$lines" != 1 ] || ! grep -q "$want" "$top/gd.err"; then
		bad "gofer death ($label): stderr is not one clear line: $(head -c 300 "$top/gd.err")"
	else
		pass "gofer death ($label): exit $st, one line: $(cat "$top/gd.err")"
	fi
}

script='while :; do cat /etc/hostname >/dev/null 2>&1; done'
gofer_death "busy with files"
script='sleep 20; exit 0'
gofer_death "idle"
script='while :; do ls / > /dev/null 2>&1; done'
gofer_death "listing the root"
script='sleep 20; exit 0'
gofer_death "volume, idle" "" /data
script='while :; do cat /data/f >/dev/null 2>&1; done'
gofer_death "volume, busy with its files" "" /data

exit $fail
