#!/bin/sh
# Memory footprint of a sandbox running `busybox sleep` (issue 3: under 8
# MiB for all of ringvisor's processes together, summed VmRSS; see
# bench/README.md for what VmRSS counts). One PASS/FAIL/SKIP line per
# check and platform:
#   - the sum of VmRSS over the monitor and its descendants is < 8 MiB;
#   - the monitor, which only waits once the sandbox is up, has dropped its
#     start-up code from its page tables (RssFile < 1.25 MiB; ~1.9 MiB
#     before, 0.6-0.8 MiB after);
#   - ptrace: app pages the sentry filled for the stub are mapped by the
#     stub, not the sentry too (sentry RssShmem < 3/4 of the stub's; it
#     was more than the stub's);
#   - ringvisor is linked with BIND_NOW (symbols resolved before the
#     fork of the gofer and the sentry; their GOT read-only);
#   - a traced monitor (strace, a debugger: breakpoints are private copies
#     of text pages) keeps its code mapped (kvm only: the ptrace platform
#     cannot run under a tracer).
#   RV=build/ringvisor sh tests/footprint.sh [PLATFORM...]
RV=${RV:-build/ringvisor}
BB=/bin/busybox
[ -x "$BB" ] || { echo "SKIP footprint: no $BB"; exit 0; }
PLATS=${*:-ptrace kvm}

kib() { # kib KEY PID: the KiB of KEY in /proc/PID/status, 0 if none
	awk -v k="$1:" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
		"/proc/$2/status" 2>/dev/null || echo 0
}
kids() { cat /proc/"$1"/task/*/children 2>/dev/null; }
desc() { echo "$1"; for c in $(kids "$1"); do desc "$c"; done; }

# Sanitizer builds map shadow memory and run instrumented code.
if readelf -sW "$RV" 2>/dev/null | grep -q __asan_init; then
	echo "SKIP footprint: sanitizer build"
	exit 0
fi
if readelf -d "$RV" | grep -q 'BIND_NOW\|Flags:.*NOW'; then
	echo "PASS footprint:bind-now"
else
	echo "FAIL footprint:bind-now: $RV resolves its symbols lazily"
fi

for p in $PLATS; do
	"$RV" run --platform="$p" -- "$BB" sleep 20 2>/dev/null &
	mon=$!
	# Up when the app's process (stub on ptrace, sentry on kvm) holds
	# memory-file pages, then some settling time.
	i=0
	while [ $i -lt 300 ]; do
		up=0
		for q in $(desc "$mon"); do
			[ "$(kib RssShmem "$q")" -gt 512 ] && up=1
		done
		[ $up = 1 ] && break
		sleep 0.05
		i=$((i + 1))
	done
	if [ $up = 0 ]; then
		kill "$mon" 2>/dev/null
		wait "$mon"
		if [ "$p" = kvm ] && [ $? = 1 ]; then
			echo "SKIP footprint:$p: the platform does not start here"
		else
			echo "FAIL footprint:$p: the sandbox did not come up"
		fi
		continue
	fi
	sleep 0.5
	sum=0 sentry='' stub=''
	for q in $(desc "$mon"); do
		sum=$((sum + $(kib VmRSS "$q")))
		# The sentry is the monitor's child with children of its own.
		[ -n "$(kids "$q")" ] && [ "$q" != "$mon" ] && sentry=$q
	done
	for q in $(kids "$sentry"); do
		[ "$(kib RssShmem "$q")" -gt "$(kib RssShmem "${stub:-$q}")" ] &&
			stub=$q
		[ -z "$stub" ] && stub=$q
	done
	mfile=$(kib RssFile "$mon")
	sshm=$(kib RssShmem "$sentry")
	tshm=$(kib RssShmem "$stub")
	kill "$mon"
	wait "$mon"
	if [ "$sum" -gt 0 ] && [ "$sum" -lt 8192 ]; then
		echo "PASS footprint:$p:sum (VmRSS $sum KiB)"
	else
		echo "FAIL footprint:$p:sum: VmRSS summed $sum KiB, want < 8192"
	fi
	if [ "$mfile" -lt 1280 ]; then
		echo "PASS footprint:$p:monitor (RssFile $mfile KiB)"
	else
		echo "FAIL footprint:$p:monitor: RssFile $mfile KiB, want < 1280"
	fi
	[ "$p" = ptrace ] || continue
	if [ -n "$sentry" ] && [ "$tshm" -gt 0 ] &&
	   [ $((sshm * 4)) -lt $((tshm * 3)) ]; then
		echo "PASS footprint:$p:window (sentry $sshm, stub $tshm KiB)"
	else
		echo "FAIL footprint:$p:window: sentry RssShmem $sshm KiB," \
			"stub $tshm KiB, want < 3/4 of it"
	fi
done

# Under a tracer the monitor keeps its pages (RssFile ~1.9 MiB).
if command -v strace >/dev/null 2>&1 && [ "${PLATS#*kvm}" != "$PLATS" ]; then
	strace -o /dev/null "$RV" run --platform=kvm -- "$BB" sleep 20 \
		2>/dev/null &
	tr=$!
	i=0 mon=''
	while [ $i -lt 300 ] && [ -z "$mon" ]; do
		sleep 0.05
		i=$((i + 1))
		for q in $(kids "$tr"); do
			[ -n "$(kids "$q")" ] && mon=$q
		done
	done
	sleep 1
	mfile=$(kib RssFile "$mon")
	[ -n "$mon" ] && kill "$mon"
	wait "$tr"
	if [ -n "$mon" ] && [ "$mfile" -gt 1280 ]; then
		echo "PASS footprint:traced-monitor (RssFile $mfile KiB)"
	else
		echo "FAIL footprint:traced-monitor: RssFile ${mfile:-?} KiB" \
			"of '$mon', want its code kept mapped (> 1280)"
	fi
fi
exit 0
