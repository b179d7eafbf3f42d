#!/bin/bash
# Debian's Python test suite (libpython3.11-testsuite), natively and under
# ringvisor, one test module at a time, compared test case by test case.
# Prints one line per module and platform:
#   PASS py:<platform>:<module>
#   PASS py:<platform>:<module> (N cases fail natively too: ...)
#   FAIL py:<platform>:<module>: N cases fail only under ringvisor: ...
#   FAIL py:<platform>:<module>: exit N under ringvisor (crash or timeout)
# followed, for a FAIL, by a few indented lines of detail.
#
# Usage: run-suite.sh RINGVISOR OUTDIR "PLATFORM..." MODULE...
# Environment: RV_PY_TIMEOUT, seconds per module run (default 900).
#
# A module's own exit status says only that some case failed; what matters
# is which cases fail under ringvisor but pass natively on this machine, so
# both runs use -v and the failing test ids are compared.
set -u
RV=$(readlink -f "$1")
OUT=$2
PLATS=$3
shift 3
PY=/usr/bin/python3
TMO=${RV_PY_TIMEOUT:-900}
# AF_VSOCK stream tests hang natively on hosts without a vsock transport
# (they wait for a connection that never comes) until the per-case timeout
# kills the whole module: leave them out on both sides.
ARGS=(-v --timeout 300 -i "*VSOCK*")
# Cases whose wall-clock bound is too tight for the KVM platform on a PVM
# host, where every system call is a VM exit of tens of µs and a loaded
# machine adds more: test_epoll's test_control_and_wait asserts that one
# epoll_wait(timeout=0) returns within 10 ms (it failed once in a fresh
# clone's run). Left out under kvm only; it still runs natively and on
# ptrace.
KVM_ARGS=(-i "*test_control_and_wait*")
mkdir -p "$OUT"

# The ids ("testFoo (test.test_x.Class.testFoo)") of failed cases in a
# verbose log: unittest's FAIL/ERROR summary blocks, and the per-case result
# lines (all that is left when the run was killed before its summary).
failed_ids() {
	if grep -aqE '^Ran [0-9]+ tests? in' "$1"; then
		sed -n -E 's/^(FAIL|ERROR): (.*\))$/\2/p' "$1"
	else
		# Threads' output can run into a result line: take the id
		# from its start only when the line starts with it.
		grep -aE '^[A-Za-z0-9_]+ \([A-Za-z0-9_.]+\) \.\.\. .*(FAIL|ERROR)$' \
			"$1" | sed -E 's/ \.\.\. .*$//'
	fi | sort -u
}

# A short list from a file of ids: "a, b, c (+N more)".
short_list() {
	local n
	n=$(wc -l < "$1")
	head -n 4 "$1" | sed -E 's/ \(.*//' | paste -sd, - | sed 's/,/, /g' |
		tr -d '\n'
	[ "$n" -gt 4 ] && printf ' (+%d more)' $((n - 4))
}

for m in "$@"; do
	d=$OUT/$m
	mkdir -p "$d"
	# Natively the suite writes only under its own temporary directory in
	# the current one: run it from a fresh directory under /tmp.
	nd=$(mktemp -d /tmp/rv-pysuite.XXXXXX)
	( cd "$nd" && timeout -k 5 "$TMO" $PY -m test "${ARGS[@]}" "$m" ) \
		> "$d/native" 2>&1 < /dev/null
	nat=$?
	rm -rf "$nd"
	failed_ids "$d/native" > "$d/native.failed"
	for p in $PLATS; do
		extra=()
		[ "$p" = kvm ] && extra=("${KVM_ARGS[@]}")
		( cd /tmp && timeout -k 5 "$TMO" "$RV" run --platform="$p" -- \
			$PY -m test "${ARGS[@]}" "${extra[@]}" "$m" ) \
			> "$d/$p" 2>&1 < /dev/null
		sb=$?
		failed_ids "$d/$p" > "$d/$p.failed"
		comm -23 "$d/$p.failed" "$d/native.failed" > "$d/$p.only"
		comm -12 "$d/$p.failed" "$d/native.failed" > "$d/$p.both"
		# Cases failing only under ringvisor get one rerun of just those
		# cases (the suite has timing- and race-sensitive ones on this
		# shared machine); the line says which needed it.
		rerun=
		if [ $sb = 2 ] && [ -s "$d/$p.only" ] &&
		   [ "$(wc -l < "$d/$p.only")" -le 5 ]; then
			margs=()
			while read -r id _; do margs+=(-m "$id"); done < "$d/$p.only"
			( cd /tmp && timeout -k 5 "$TMO" "$RV" run --platform="$p" -- \
				$PY -m test "${ARGS[@]}" "${extra[@]}" "${margs[@]}" "$m" ) \
				> "$d/$p.rerun" 2>&1 < /dev/null
			if [ $? = 0 ]; then
				rerun=" (passed on a rerun of: $(short_list "$d/$p.only"); first log in $d/$p)"
				: > "$d/$p.only"
				sb=0
				[ -s "$d/$p.both" ] && sb=2
			fi
		fi
		if [ $sb != 0 ] && [ $sb != 2 ]; then
			# 2: some case failed; anything else is the run itself
			# dying (a crash, a hang killed by timeout).
			echo "FAIL py:$p:$m: exit $sb under ringvisor (native: exit \
$nat), crash or timeout; log in $d/$p"
			tail -n 4 "$d/$p" | cut -c1-160 | sed 's/^/    /'
		elif [ -s "$d/$p.only" ]; then
			echo "FAIL py:$p:$m: $(wc -l < "$d/$p.only") cases fail \
only under ringvisor: $(short_list "$d/$p.only")"
			sed 's/^/    /' "$d/$p.only" | head -n 6
		elif [ -s "$d/$p.both" ]; then
			echo "PASS py:$p:$m ($(wc -l < "$d/$p.both") cases fail \
natively too: $(short_list "$d/$p.both"))$rerun"
		elif [ $sb != 0 ]; then
			echo "FAIL py:$p:$m: exit $sb under ringvisor but no \
failed case found; log in $d/$p"
		else
			echo "PASS py:$p:$m$rerun"
		fi
	done
done
