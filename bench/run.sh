#!/bin/bash
# ringvisor's benchmarks (`make bench`); bench/README.md says how to read
# the table.
#
#   bench/run.sh [--install] [--quick] [--startup]
#
# --install  installs runsc, proot and bubblewrap with apt-get (as root)
# --quick    fewer iterations and runs (a smoke test of the script)
# --startup  only the start-up comparison with bubblewrap (below the table)
#
# Environment: BUILD (build), RV ($BUILD/ringvisor), RV_BENCH_N (iteration
# base of microbench, 20000), RV_BENCH_RUNS (runs per figure, median; 3),
# RV_BENCH_STARTS (runs of the start-up comparison with bwrap, median; 201),
# RV_BEFORE (another ringvisor binary, e.g. built from an older commit: an
# extra ringvisor-before column on the ptrace platform, and before rows on
# both platforms in the start-up comparison, measured in the same run),
# RV_BENCH_COLS (the columns to measure, default all).
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u
cd "$(dirname "$0")/.." || exit 1

QUICK=0
STARTUP_ONLY=0
for a in "$@"; do
	case $a in
	--install)
		if [ "$(id -u)" != 0 ]; then
			echo "bench: --install needs root" >&2
			exit 1
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends runsc proot bubblewrap >/dev/null ||
			exit 1
		;;
	--quick) QUICK=1 ;;
	--startup) STARTUP_ONLY=1 ;;
	*)
		echo "usage: bench/run.sh [--install] [--quick] [--startup]" >&2
		exit 2
		;;
	esac
done

BUILD=$(cd "${BUILD:-build}" && pwd) || exit 1
RV=$(readlink -f "${RV:-$BUILD/ringvisor}")
B=$BUILD/bench
RUNS=${RV_BENCH_RUNS:-3}
STARTS=21
SU_RUNS=${RV_BENCH_STARTS:-201}
export RV_BENCH_N=${RV_BENCH_N:-20000}
if [ $QUICK = 1 ]; then
	RUNS=1
	STARTS=5
	SU_RUNS=11
	RV_BENCH_N=2000
fi
mkdir -p "$B"
LOG=$B/log
: > "$LOG"

CC=${CC:-gcc}
$CC -O2 -Wall -Wextra -static -o "$B/microbench" bench/microbench.c &&
$CC -O2 -static -o "$B/true" bench/true.c &&
$CC -O2 -Wall -Wextra -o "$B/harness" bench/harness.c || {
	echo "bench: build failed" >&2
	exit 1
}

# --- the sandboxes: a column each, with the command prefix that runs a
# program inside it ------------------------------------------------------
COLS=(native ringvisor-ptrace ringvisor-kvm runsc proot bwrap)
declare -A PFX NOTE V
PFX[native]=""
PFX[ringvisor-ptrace]="$RV run --platform=ptrace --"
if [ -n "${RV_BEFORE:-}" ]; then
	RV_BEFORE=$(readlink -f "$RV_BEFORE")
	COLS=(native ringvisor-before ringvisor-ptrace ringvisor-kvm runsc proot
	      bwrap)
	PFX[ringvisor-before]="$RV_BEFORE run --platform=ptrace --"
fi
if [ -n "${RV_BENCH_COLS:-}" ]; then
	# shellcheck disable=SC2206
	COLS=($RV_BENCH_COLS)
fi
PFX[ringvisor-kvm]="$RV run --platform=kvm --"
PFX[runsc]="runsc --platform=ptrace --network=none do"
PFX[proot]="proot"
PFX[bwrap]="bwrap --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp \
--unshare-all --die-with-parent --"

have() {
	command -v "$1" >/dev/null 2>&1
}

# A column is usable when it runs the static `true` and exits 0.
probe() {
	local c=$1 tool=${PFX[$1]%% *}
	if [ -z "${PFX[$1]+x}" ]; then
		NOTE[$c]="unknown column"
		return 1
	fi
	# (native has no tool: it must not match an unset RV_BEFORE.)
	if [ -n "$tool" ] &&
		{ [ "$tool" = "$RV" ] || [ "$tool" = "${RV_BEFORE:-}" ]; } &&
		[ ! -x "$tool" ]; then
		NOTE[$c]="$tool not built"
		return 1
	fi
	if [ -n "$tool" ] && ! have "$tool"; then
		NOTE[$c]="not installed (bench/run.sh --install)"
		return 1
	fi
	# shellcheck disable=SC2086
	if ! timeout 60 ${PFX[$c]} "$B/true" >>"$LOG" 2>&1; then
		NOTE[$c]="does not run a static true yet"
		return 1
	fi
	return 0
}

median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

# The goals of the issues, from this run's figures.
goal() {
	awk -v a="$2" -v b="$3" -v lim="$4" -v what="$1" 'BEGIN {
		if (a == "" || b == "" || b == 0) exit
		r = a / b
		printf "goal %-44s %.2f (want <= %s) %s\n", what, r, lim,
			r <= lim ? "met" : "NOT met" }'
}

# Start-up against bubblewrap like for like: `bwrap --unshare-all --bind /
# /` makes the namespaces ringvisor makes (user, mount, pid, ipc, uts, net)
# and nothing else; plain `bwrap --bind / /` is the floor of any namespace
# sandbox. Median of SU_RUNS runs each, the rows taking turns.
startup_compare() {
	local r v
	local rows=(ringvisor-ptrace ringvisor-kvm bwrap-unshare-all bwrap-plain)
	declare -A pfx su
	pfx[ringvisor-ptrace]="$RV run --platform=ptrace --"
	pfx[ringvisor-kvm]="$RV run --platform=kvm --"
	pfx[bwrap-unshare-all]="bwrap --unshare-all --bind / / --"
	pfx[bwrap-plain]="bwrap --bind / / --"
	# RV_BEFORE: the older binary's rows in the same rounds, so that a
	# change is measured against the same load.
	if [ -n "${RV_BEFORE:-}" ]; then
		rows=(ringvisor-before-ptrace ringvisor-before-kvm "${rows[@]}")
		pfx[ringvisor-before-ptrace]="$RV_BEFORE run --platform=ptrace --"
		pfx[ringvisor-before-kvm]="$RV_BEFORE run --platform=kvm --"
	fi
	local ok=() i
	for r in "${rows[@]}"; do
		# shellcheck disable=SC2086
		timeout 60 ${pfx[$r]} "$B/true" >>"$LOG" 2>&1 && ok+=("$r")
		: > "$B/startup.$r"
	done
	# Round-robin, one run of each row per round: the load of a shared
	# machine changes by the second, and must not favour one row.
	local n=${#ok[@]} j
	for ((i = 0; i < SU_RUNS; i++)); do
		# Each round starts at the next row: a row never always runs
		# right after the same other one (a VM's teardown, say).
		for ((j = 0; j < n; j++)); do
			r=${ok[$(((i + j) % n))]}
			# shellcheck disable=SC2086
			v=$("$B/harness" startup 1 ${pfx[$r]} "$B/true" \
				2>>"$LOG")
			[ -n "$v" ] && echo "${v#* }" >> "$B/startup.$r"
		done
	done
	for r in ${ok[@]+"${ok[@]}"}; do
		su[$r]=$(median < "$B/startup.$r")
	done
	echo
	echo "start-up of a static true (median of $SU_RUNS runs, us; ratio to bwrap --unshare-all)"
	for r in "${rows[@]}"; do
		if [ -z "${su[$r]:-}" ]; then
			printf "  %-24s (does not run here)\n" "$r"
			continue
		fi
		awk -v r="$r" -v v="${su[$r]}" -v b="${su[bwrap-unshare-all]:-}" 'BEGIN {
			if (b > 0) printf "  %-24s %8.0f  %.2fx\n", r, v, v / b
			else printf "  %-24s %8.0f\n", r, v }'
	done
	goal "start-up ringvisor-ptrace / bwrap --unshare-all" \
		"${su[ringvisor-ptrace]:-}" "${su[bwrap-unshare-all]:-}" 2
	goal "start-up ringvisor-kvm / bwrap --unshare-all" \
		"${su[ringvisor-kvm]:-}" "${su[bwrap-unshare-all]:-}" 2
}

if [ $STARTUP_ONLY = 1 ]; then
	startup_compare
	exit 0
fi

# --- measure ------------------------------------------------------------------
FIGS=(getppid clock_gettime open_close stat read4k read1m write1m mmap pipe
      fork_wait fork_exec)
ROWS=(getppid_ns clock_gettime_ns open_close_ns stat_ns read4k_ns read1m_us
      write1m_us mmap_touch_munmap_ns pipe_pingpong_ns fork_wait_us
      fork_exec_us startup_us peak_rss_kib peak_pss_kib python_pass_us busybox_true_us
      dyn_true_us ls_wc_us find_usr_h_us)
# Real programs' start, median wall time of STARTS runs (the ratio to
# native is what counts): python's import machinery (faults on a 6 MiB
# binary, ~100 stats and opens), busybox and a dynamic coreutils true (the
# loader), and a pipeline listing a big directory.
declare -A REAL
REAL[python_pass_us]="/usr/bin/python3 -c pass"
REAL[busybox_true_us]="/bin/busybox true"
REAL[dyn_true_us]="/bin/true"
REAL[ls_wc_us]="/bin/sh -c 'ls -la /usr/bin | wc'"
# A tree walk as `git status` or a build does (issue 5): seconds natively,
# so fewer runs.
declare -A SLOW
SLOW[find_usr_h_us]="/bin/sh -c 'find /usr -name \"*.h\" | wc -l'"

for c in "${COLS[@]}"; do
	probe "$c" || continue
	echo "bench: $c" >&2
	for f in "${FIGS[@]}"; do
		for ((r = 0; r < RUNS; r++)); do
			# shellcheck disable=SC2086
			timeout 300 ${PFX[$c]} "$B/microbench" -t "$B/true" "$f" \
				2>>"$LOG" </dev/null
		done > "$B/$c.$f"
		while read -r name _; do
			V[$c,$name]=$(awk -v n="$name" '$1 == n { print $2 }' \
				"$B/$c.$f" | median)
		done < <(awk '{ print $1 }' "$B/$c.$f" | sort -u)
	done
	# shellcheck disable=SC2086
	v=$("$B/harness" startup "$STARTS" ${PFX[$c]} "$B/true" 2>>"$LOG")
	V[$c,startup_us]=${v#* }
	for r in "${!REAL[@]}"; do
		eval "set -- ${REAL[$r]}" # our own constant strings
		[ -x "$1" ] || continue
		# shellcheck disable=SC2086
		v=$("$B/harness" startup "$STARTS" ${PFX[$c]} "$@" \
			2>>"$LOG")
		[ -n "$v" ] && V[$c,$r]=${v#* }
	done
	for r in "${!SLOW[@]}"; do
		eval "set -- ${SLOW[$r]}" # our own constant strings
		# shellcheck disable=SC2086
		v=$(timeout 300 "$B/harness" startup 3 ${PFX[$c]} "$@" \
			2>>"$LOG")
		[ -n "$v" ] && V[$c,$r]=${v#* }
	done
	# shellcheck disable=SC2086
	v=$(timeout 60 "$B/harness" rss ${PFX[$c]} /bin/busybox sleep 1 \
		2>>"$LOG")
	# Two lines: peak_rss_kib X, peak_pss_kib Y (bench/README.md).
	while read -r k x; do
		case $k in
		peak_rss_kib | peak_pss_kib) V[$c,$k]=$x ;;
		esac
	done <<<"$v"
done

# The physical floors, from the platform engineers' probes.
FLOORS=()
for f in bench/floor/*.c; do
	[ -f "$f" ] || continue
	n=$(basename "$f" .c)
	if $CC -O2 -pthread -o "$B/$n" "$f" >>"$LOG" 2>&1; then
		while read -r name val; do
			case $name in
			*_floor_us)
				V[native,$name]=$val
				FLOORS+=("$name")
				;;
			esac
		done < <(timeout 120 "$B/$n" 2>>"$LOG")
	else
		echo "bench: $f does not build (see $LOG)" >&2
	fi
done

# --- the table ------------------------------------------------------------------
# A cell is the value, and for sandboxes its ratio to native.
cell() {
	local c=$1 r=$2 v=${V[$1,$2]:-} n=${V[native,$2]:-}
	if [ -z "$v" ]; then
		printf '%s' ""
	elif [ "$c" = native ] || [ -z "$n" ]; then
		printf '%s' "$v"
	else
		awk -v v="$v" -v n="$n" 'BEGIN {
			if (n > 0) printf "%s (%.1fx)", v, v / n; else printf "%s", v }'
	fi
}

# getppid over the floor of the platform it runs on: ptrace for ringvisor
# ptrace and for runsc (whose platform is ptrace too), kvm for ringvisor kvm.
floor_cell() {
	local c=$1 fl g=${V[$1,getppid_ns]:-}
	case $c in
	ringvisor-ptrace | ringvisor-before | runsc) fl=${V[native,ptrace_floor_us]:-} ;;
	ringvisor-kvm) fl=${V[native,kvm_floor_us]:-} ;;
	*) fl= ;;
	esac
	if [ -n "$g" ] && [ -n "$fl" ]; then
		awk -v g="$g" -v f="$fl" 'BEGIN { printf "%.2fx", g / (f * 1000) }'
	fi
}

W=22
printf "%-22s" "figure"
for c in "${COLS[@]}"; do printf "%-${W}s" "$c"; done
echo
for r in "${ROWS[@]}"; do
	printf "%-22s" "$r"
	for c in "${COLS[@]}"; do printf "%-${W}s" "$(cell "$c" "$r")"; done
	echo
done
printf "%-22s" "getppid/floor"
for c in "${COLS[@]}"; do printf "%-${W}s" "$(floor_cell "$c")"; done
echo
for f in ${FLOORS[@]+"${FLOORS[@]}"}; do
	printf "%-22s%-${W}s\n" "$f" "${V[native,$f]}"
done
for c in "${COLS[@]}"; do
	[ -n "${NOTE[$c]:-}" ] && echo "($c: ${NOTE[$c]})"
done

# The goals of issues 3, 4 and 6.
goal "start-up ringvisor-ptrace / bwrap" "${V[ringvisor-ptrace,startup_us]:-}" \
	"${V[bwrap,startup_us]:-}" 2
goal "getppid ringvisor-ptrace / ptrace floor (us)" \
	"$(awk -v g="${V[ringvisor-ptrace,getppid_ns]:-}" \
		'BEGIN { if (g != "") print g / 1000 }')" \
	"${V[native,ptrace_floor_us]:-}" 1.3
goal "getppid ringvisor-kvm / kvm floor (us)" \
	"$(awk -v g="${V[ringvisor-kvm,getppid_ns]:-}" \
		'BEGIN { if (g != "") print g / 1000 }')" \
	"${V[native,kvm_floor_us]:-}" 1.3
# Issue 3's memory goal on each platform (kvm has no stub, and its sentry
# maps the app's pages as the guest's memory), on the VmRSS sum and on
# the Pss sum (shared pages split; bench/README.md says what each counts).
for c in ringvisor-ptrace ringvisor-kvm; do
	goal "peak RSS $c / 8 MiB" "${V[$c,peak_rss_kib]:-}" 8192 1
	goal "peak PSS $c / 8 MiB" "${V[$c,peak_pss_kib]:-}" 8192 1
done
for f in fork_wait_us fork_exec_us pipe_pingpong_ns; do
	goal "$f ringvisor-ptrace / runsc" "${V[ringvisor-ptrace,$f]:-}" \
		"${V[runsc,$f]:-}" 0.5
done
startup_compare
echo "(raw outputs and errors: $B/)"
