#!/bin/bash
# ringvisor's test driver; `make check` runs it as
#   RV=build/ringvisor BUILD=build sh tests/run.sh [FILTER]
#
# One line per test: `PASS name`, `FAIL name: reason` (followed by a few
# indented lines of detail), `SKIP name: reason`; the last line is
# `N passed, N failed[, N skipped]` and the exit status is 1 when anything
# failed. Outputs of every run are kept under $BUILD/test-out/.
#
# What runs:
#   unit/NAME[@P]   every $BUILD/unit/NAME (exit 77 = skip, the last line of
#                   its stdout is the reason). A unit test whose source holds
#                   the line `rv-test: per-platform` (or whose name starts
#                   with `platform`) runs once per platform P, which it gets
#                   as its first argument.
#   P:NAME          every differential program $BUILD/tests/NAME, natively
#                   and under `$RV run --platform=P`, stdout and exit status
#                   compared, for P = ptrace and (when it works here) kvm.
#                   sb-NAME programs run only sandboxed and are compared with
#                   tests/progs/sb-NAME.expected (exit 77 = SKIP, its last
#                   line the reason). Per program, optional:
#                   NAME.args (sourced: `set -- ARGS`, `export VAR=...`),
#                   NAME.stdin (its stdin, else /dev/null), NAME.status (the
#                   expected exit status, else 0).
#   P:dyn/NAME      the same program built dynamic ($BUILD/tests-dyn/NAME).
#   bad:*           bad input to `ringvisor run` (fixtures: tests/bad/gen.sh)
#   cli:*, strace:* the command line and --strace
#   bb:*, sh:*      busybox applets and shell scripts, native vs sandboxed
#   dyn:*, real:*   dynamic programs, coreutils, python3 and gcc, once the
#                   sandbox runs them (probed first: SKIP with the reason)
#   real:P:NAME     tests/real/w-NAME.sh (make, git, perl, python3, ...)
#                   natively and under --platform=P
#   storm:P:*       fork and thread bombs end with the sandbox in control
#   footprint:*     memory of a sandbox running sleep (tests/footprint.sh)
#   py:P:MODULE     Debian's Python test suite, case by case against native
#                   (tests/python/run-suite.sh; cases that fail natively too
#                   are noted, not failed)
#
# Environment: RV, BUILD, JOBS (parallel jobs, 2), RV_TEST_TIMEOUT (seconds
# per run, 60), RV_PY_MODULES (the Python suite's modules; empty: none),
# RV_PY_TIMEOUT (seconds per module run, 900). A FILTER argument runs only
# the jobs whose line contains it: jobs are lines like `prog NAME PLATFORM`,
# `unit NAME`, `bad`, `cli`, `strace P`, `bb 1`, `sh`, `dyn`, `storm P`,
# `py MODULE`; e.g. `tests/run.sh "prog paths ptrace"`, `tests/run.sh "py "`.
if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

# --- set-up, shared with the job processes through the environment ---------
if [ "${1:-}" != "--job" ]; then
	BUILD=$(cd "${BUILD:-build}" && pwd) || exit 1
	RV=$(readlink -f "${RV:-$BUILD/ringvisor}")
	SRC=$(cd "$(dirname "$0")/.." && pwd)
	# Programs start in the repository, with $PWD saying so (tests/progs/
	# cwd.c checks the sandbox keeps the caller's directory).
	cd "$SRC" || exit 1
	OUT=$BUILD/test-out
	TMO=${RV_TEST_TIMEOUT:-60}
	export BUILD RV SRC OUT TMO
	export LC_ALL=C
fi
PLATFORMS_ALL="ptrace kvm"

# run_to PREFIX STDIN CMD...: run CMD under `timeout`, stdout and stderr to
# PREFIX.out and PREFIX.err, exit status to PREFIX.st.
run_to() {
	local prefix=$1 in=$2 sig=TERM st
	shift 2
	# A sandbox still running at the timeout is first asked for its
	# stack dump (ringvisor debug --stacks: SIGUSR1), which lands in
	# PREFIX.err, then killed 5 s later; that still counts as "timed out".
	[ "$1" = "$RV" ] && [ "${2:-}" = run ] && sig=USR1
	# The subshell keeps bash's "Segmentation fault" notice out of the
	# report: a program killed by a signal is an expected outcome here.
	(timeout -s $sig -k 5 "$TMO" "$@" < "$in" > "$prefix.out" \
		2> "$prefix.err"
	 exit $?) 2>/dev/null
	st=$?
	if [ $sig = USR1 ] && [ $st = 137 ] &&
	   grep -q '^ringvisor: stack dump of sandbox' "$prefix.err"; then
		st=124
	fi
	echo $st > "$prefix.st"
}

# "exit N", "exit 139 (SIGSEGV)" or "timed out"; for FAIL lines. (A run
# still alive 5 s after the timeout is SIGKILLed: 137.)
describe_status() {
	local st=$1
	if [ "$st" = 124 ]; then
		echo "timed out after ${TMO}s"
	elif [ "$st" -gt 128 ] 2>/dev/null && [ "$st" -lt 160 ]; then
		echo "exit $st (SIG$(kill -l $((st - 128)) 2>/dev/null))"
	else
		echo "exit $st"
	fi
}

# The first lines of a file, indented, as detail under a FAIL line.
detail() {
	head -n "${2:-6}" "$1" | cut -c1-160 | sed 's/^/    /'
}

# First line of a sandbox's stderr, as a reason.
first_err() {
	local l
	l=$(grep -v '^$' "$1" 2>/dev/null | head -n 1 | cut -c1-160)
	echo "${l:-no message}"
}

# Print a result block in one write so parallel jobs do not interleave.
say() {
	printf '%s\n' "$*"
}

# --- KVM availability: decided once, before the jobs start ----------------
kvm_probe() {
	local d=$OUT/probe
	mkdir -p "$d"
	local TMO=20
	run_to "$d/kvm" /dev/null "$RV" run --platform=kvm -- \
		"$BUILD/tests/hello"
	if [ "$(cat "$d/kvm.st")" = 0 ] && [ "$(cat "$d/kvm.out")" = hello ]
	then
		echo ok
	else
		echo "kvm platform unavailable: $(describe_status \
			"$(cat "$d/kvm.st")"): $(first_err "$d/kvm.err")"
	fi
}

# Can the sandbox fork and pipe (issue 4)? Run dynamic binaries?
feature_probe() {
	local name=$1
	shift
	local d=$OUT/probe
	mkdir -p "$d"
	local TMO=20
	run_to "$d/$name" /dev/null "$RV" run -- "$@"
	if [ "$(cat "$d/$name.st")" = 0 ]; then
		echo ok
	else
		echo "sandbox cannot yet run '$*': $(describe_status \
			"$(cat "$d/$name.st")"): $(first_err "$d/$name.err")"
	fi
}

# --- unit tests ---------------------------------------------------------------
job_unit() {
	local name=$1 plat=${2:-} tname d st
	tname=unit/$name${plat:+@$plat}
	d=$OUT/unit/$name${plat:+@$plat}
	mkdir -p "$d"
	run_to "$d/run" /dev/null "$BUILD/unit/$name" $plat
	st=$(cat "$d/run.st")
	case $st in
	0) say "PASS $tname" ;;
	77) say "SKIP $tname: $(grep -v '^$' "$d/run.out" | tail -n 1 |
		cut -c1-160)" ;;
	*) say "FAIL $tname: $(describe_status "$st")
$(tail -n 6 "$d/run.out" | sed 's/^/    /')
$(detail "$d/run.err" 4)" ;;
	esac
}

# --- differential programs --------------------------------------------------
# Run program $1 (a path) natively (plat "native") or under platform $2,
# with the program's .args/.stdin; results in $3.{out,err,st}.
# NAME is a program of tests/progs, or dyn/NAME for its dynamic build.
run_prog() {
	local name=${1#dyn/} plat=$2 prefix=$3 prog=$BUILD/tests/$1
	local in=/dev/null args=$SRC/tests/progs/${1#dyn/}.args
	[ "$1" != "$name" ] && prog=$BUILD/tests-dyn/$name
	[ -f "$SRC/tests/progs/$name.stdin" ] && in=$SRC/tests/progs/$name.stdin
	(
		ulimit -c 0
		set --
		# shellcheck disable=SC1090
		[ -f "$args" ] && . "$args"
		if [ "$plat" = native ]; then
			run_to "$prefix" "$in" "$prog" "$@"
		else
			run_to "$prefix" "$in" "$RV" run --platform="$plat" \
				-- "$prog" "$@"
		fi
	)
}

job_prog() {
	local name=$1 plat=$2 tname=$2:$1 d nst sst want=0 base=${1#dyn/}
	d=$OUT/$plat/$name
	rm -rf "$d"
	mkdir -p "$d"
	[ -f "$SRC/tests/progs/$base.status" ] &&
		want=$(cat "$SRC/tests/progs/$base.status")
	if [ "$plat" = kvm ] && [ "$KVM" != ok ]; then
		say "SKIP $tname: $KVM"
		return
	fi
	case $base in
	sb-*)
		cp "$SRC/tests/progs/$base.expected" "$d/native.out"
		echo "$want" > "$d/native.st"
		;;
	*)
		run_prog "$name" native "$d/native"
		nst=$(cat "$d/native.st")
		if [ "$nst" != "$want" ]; then
			say "FAIL $tname: native run: $(describe_status "$nst"), \
expected exit $want (a test bug or a host problem)
$(detail "$d/native.out")"
			return
		fi
		;;
	esac
	run_prog "$name" "$plat" "$d/sandbox"
	nst=$(cat "$d/native.st")
	sst=$(cat "$d/sandbox.st")
	# A run that hung (timeout, or the program's own alarm) on this shared,
	# noisy machine gets one more try; the first run is kept and the PASS
	# line says so, so a race stays visible. A wrong output never retries.
	local retried=
	case $sst in
	124|137|142)
		if [ "$sst" != "$nst" ]; then
			for f in out err st; do mv "$d/sandbox.$f" "$d/first.$f"; done
			run_prog "$name" "$plat" "$d/sandbox"
			sst=$(cat "$d/sandbox.st")
			retried=" (passed on a second run; the first $(describe_status "$(cat "$d/first.st")"), kept in ${d#"$BUILD"/}/first.*)"
		fi
		;;
	esac
	# A sandbox-only program exits 77 when what it checks does not apply
	# to this sandbox; its last line says why.
	if [ "$base" != "${base#sb-}" ] && [ "$sst" = 77 ] && [ "$nst" != 77 ]
	then
		say "SKIP $tname: $(tail -n 1 "$d/sandbox.out" | cut -c1-160)"
		return
	fi
	diff -u "$d/native.out" "$d/sandbox.out" > "$d/diff" 2>&1
	local same=$?
	# A known, open hang (tests/progs/NAME.known-hang says which and
	# where it is tracked) is a SKIP with that reason when it hangs again;
	# any other failure of the program still fails.
	local known=$SRC/tests/progs/$base.known-hang
	if [ -f "$known" ] && [ "$sst" != "$nst" ] &&
	   { [ "$sst" = 124 ] || [ "$sst" = 137 ] || [ "$sst" = 142 ]; }; then
		say "SKIP $tname: known hang, $(describe_status "$sst"): $(head -n 1 "$known")"
		return
	fi
	if [ "$sst" = "$nst" ] && [ $same = 0 ]; then
		say "PASS $tname$retried"
	elif [ "$sst" != "$nst" ]; then
		say "FAIL $tname: $(describe_status "$sst") (native: exit $nst): \
$(first_err "$d/sandbox.err")
$(tail -n +3 "$d/diff" | grep '^[-+]' | detail /dev/stdin)"
	else
		say "FAIL $tname: output differs (diff in ${d#"$BUILD"/})
$(tail -n +3 "$d/diff" | grep '^[-+]' | detail /dev/stdin)"
	fi
}

# --- bad input ----------------------------------------------------------------
# expect_cli NAME STATUS FIRST-LINE-ERE ARGS...: run `$RV ARGS`; the exit
# status must match STATUS (an ERE such as `1|2`), stderr's first line the
# ERE (empty: anything), stdout stay empty. With ONE_LINE=1 stderr must be
# that one line (no usage dump, backtrace or panic after it); with
# NEED=ERE stderr must also contain ERE somewhere (case-insensitive).
expect_cli() {
	local name=$1 want=$2 pat=$3 d st lines
	shift 3
	d=$OUT/cli/$name
	mkdir -p "$d"
	run_to "$d/run" /dev/null "$RV" "$@"
	st=$(cat "$d/run.st")
	lines=$(wc -l < "$d/run.err")
	if ! [[ $st =~ ^($want)$ ]]; then
		say "FAIL $name: $(describe_status "$st"), expected exit $want
$(detail "$d/run.err" 3)"
	elif [ "$lines" = 0 ] && ! [ -s "$d/run.err" ]; then
		say "FAIL $name: no message on stderr"
	elif [ -n "$pat" ] && ! head -n 1 "$d/run.err" | grep -Eq -- "$pat"; then
		say "FAIL $name: stderr does not match /$pat/
$(detail "$d/run.err" 3)"
	elif [ "${ONE_LINE:-0}" = 1 ] && [ "$lines" -gt 1 ]; then
		say "FAIL $name: $lines lines on stderr, want one
$(detail "$d/run.err" 4)"
	elif [ -n "${NEED:-}" ] && ! grep -Eqi -- "$NEED" "$d/run.err"; then
		say "FAIL $name: stderr lacks /$NEED/
$(detail "$d/run.err" 3)"
	elif [ -s "$d/run.out" ]; then
		say "FAIL $name: unexpected output on stdout
$(detail "$d/run.out" 3)"
	else
		say "PASS $name"
	fi
}

expect_exec_err() {
	ONE_LINE=1 expect_cli "$1" "$2" '^ringvisor: exec ' run -- "$3"
}

job_bad() {
	local f=$OUT/bad
	sh "$SRC/tests/bad/gen.sh" "$BUILD/tests/hello" "$f" || {
		say "FAIL bad:fixtures: tests/bad/gen.sh failed"
		return
	}
	ONE_LINE=1 expect_cli bad:missing 127 \
		'^ringvisor: exec /nonexistent: no such file or directory$' \
		run -- /nonexistent
	expect_exec_err bad:noexec 126 "$f/noexec"
	expect_exec_err bad:not-elf 126 "$f/notelf"
	expect_exec_err bad:empty 126 "$f/empty"
	expect_exec_err bad:truncated 126 "$f/truncated"
	expect_exec_err bad:foreign-arch 126 "$f/foreign"
	expect_exec_err bad:absurd-phnum 126 "$f/phnum"
	expect_exec_err bad:phoff-past-eof 126 "$f/phoff"
	expect_exec_err bad:directory 126 "$f/adir"
	# --volume HOST:SANDBOX[:ro] that cannot be mounted: one line, exit 1.
	local hello=$BUILD/tests/hello v
	for v in "no-colon:/tmp" "relative:/tmp:rel" \
		 "missing-host:/nonexistent-rv:/x" \
		 "host-not-dir:/etc/passwd:/x" "on-root:/tmp:/" \
		 "bad-mode:/tmp:/x:rx"; do
		ONE_LINE=1 expect_cli "bad:volume-${v%%:*}" 1 \
			'^ringvisor: --volume ' run --volume="${v#*:}" -- \
			"$hello"
	done
}

job_cli() {
	local d
	# docs/syscalls.md is generated from the table: stale docs fail here.
	if "$RV" syscalls --markdown | cmp -s - "$SRC/docs/syscalls.md"; then
		say "PASS cli:syscalls-doc-current"
	else
		say "FAIL cli:syscalls-doc-current: docs/syscalls.md differs from \`ringvisor syscalls --markdown\` (run make docs)"
	fi
	NEED=usage expect_cli cli:unknown-flag 2 '' run --no-such-flag -- \
		"$BUILD/tests/hello"
	NEED=usage expect_cli cli:missing-dashdash 2 '' run \
		"$BUILD/tests/hello"
	NEED=bogus expect_cli cli:bad-platform '1|2' '^ringvisor' \
		run --platform=bogus -- "$BUILD/tests/hello"
	NEED=usage expect_cli cli:unknown-command 2 '' no-such-command
	d=$OUT/cli/help
	mkdir -p "$d"
	run_to "$d/run" /dev/null "$RV" --help
	if [ "$(cat "$d/run.st")" = 0 ] && grep -qi usage "$d/run.out"; then
		say "PASS cli:help"
	else
		say "FAIL cli:help: $(describe_status "$(cat "$d/run.st")"), \
want exit 0 and usage on stdout"
	fi
	run_to "$d/version" /dev/null "$RV" --version
	if [ "$(cat "$d/version.st")" = 0 ] &&
	   [ "$(wc -l < "$d/version.out")" = 1 ]; then
		say "PASS cli:version"
	else
		say "FAIL cli:version: $(describe_status \
			"$(cat "$d/version.st")"), want exit 0 and one line"
	fi
	# A relative program path is resolved from the caller's directory, as
	# `runsc do` and execve(2) do.
	d=$OUT/cli/relative
	mkdir -p "$d"
	(cd "$BUILD" && run_to "$d/run" /dev/null "$RV" run -- tests/hello)
	if [ "$(cat "$d/run.st")" = 0 ] && [ "$(cat "$d/run.out")" = hello ]
	then
		say "PASS cli:relative-path"
	else
		say "FAIL cli:relative-path: $(describe_status \
			"$(cat "$d/run.st")"): $(first_err "$d/run.err")"
	fi
	# auto picks a platform that works here, whichever it is.
	d=$OUT/cli/auto
	mkdir -p "$d"
	run_to "$d/run" /dev/null "$RV" run --platform=auto -- \
		"$BUILD/tests/hello"
	if [ "$(cat "$d/run.st")" = 0 ] && [ "$(cat "$d/run.out")" = hello ]
	then
		say "PASS cli:platform-auto"
	else
		say "FAIL cli:platform-auto: $(describe_status \
			"$(cat "$d/run.st")"): $(first_err "$d/run.err")"
	fi
}

# --- --strace -------------------------------------------------------------------
job_strace() {
	local plat=$1 d=$OUT/strace/$1 st
	mkdir -p "$d"
	if [ "$plat" = kvm ] && [ "$KVM" != ok ]; then
		say "SKIP strace@kvm: $KVM"
		return
	fi
	run_to "$d/hello" /dev/null "$RV" run --platform="$plat" --strace -- \
		"$BUILD/tests/hello"
	st=$(cat "$d/hello.st")
	if [ "$st" != 0 ]; then
		say "FAIL strace@$plat:hello: $(describe_status "$st"): \
$(first_err "$d/hello.err")"
	elif [ "$(cat "$d/hello.out")" != hello ]; then
		say "FAIL strace@$plat:hello: stdout changed
$(detail "$d/hello.out" 3)"
	elif ! grep -qF 'write(1, "hello\n", 6) = 6' "$d/hello.err"; then
		say "FAIL strace@$plat:hello: no line 'write(1, \"hello\\n\", 6) = 6'
$(detail "$d/hello.err" 6)"
	elif ! grep -q '^exit_group(0)' "$d/hello.err"; then
		say "FAIL strace@$plat:hello: no line 'exit_group(0)'
$(detail "$d/hello.err" 6)"
	else
		say "PASS strace@$plat:hello"
	fi
	# Exec maps the program's pages ahead and reads its small read-only
	# segments whole (mm_map_present): a static hello takes a few page
	# faults (stack, bss, heap), not one per 64 KiB of text (18 before).
	run_to "$d/faults" /dev/null "$RV" run --platform="$plat" --debug \
		-- "$BUILD/tests/hello"
	st=$(sed -n 's/.*mm: \([0-9]*\) faults.*/\1/p' "$d/faults.err")
	# The line is printed only when there was a fault.
	[ -z "$st" ] && [ "$(cat "$d/faults.st")" = 0 ] && st=0
	if [ -n "$st" ] && [ "$st" -le 6 ]; then
		say "PASS faults@$plat:hello"
	else
		say "FAIL faults@$plat:hello: ${st:-no} page faults, want 6 at most
$(detail "$d/faults.err" 4)"
	fi
	# A program doing many kinds of calls: tracing must not change it.
	run_prog fileio native "$d/fileio-native"
	run_to "$d/fileio" /dev/null "$RV" run --platform="$plat" --strace \
		-- "$BUILD/tests/fileio"
	if [ "$(cat "$d/fileio.st")" = 0 ] &&
	   cmp -s "$d/fileio.out" "$d/fileio-native.out"; then
		if [ "$(grep -c '^[a-z_0-9]*(' "$d/fileio.err")" -ge 20 ]; then
			say "PASS strace@$plat:fileio"
		else
			say "FAIL strace@$plat:fileio: fewer than 20 traced calls"
		fi
	else
		say "FAIL strace@$plat:fileio: $(describe_status \
			"$(cat "$d/fileio.st")") or stdout differs: \
$(first_err "$d/fileio.err")"
	fi
}

# --- real programs: busybox, shells, dynamic binaries, python ---------------
# $1 test name, $2 stdin, rest: the command. Native and sandboxed (default
# platform) stdout and status compared; the native status must be CMD_WANT
# (default 0).
compare_cmd() {
	local name=$1 in=$2 d nst sst
	shift 2
	d=$OUT/cmd/$name
	rm -rf "$d"
	mkdir -p "$d"
	run_to "$d/native" "$in" "$@"
	run_to "$d/sandbox" "$in" "$RV" run ${CMD_PLATFORM:+--platform=$CMD_PLATFORM} -- "$@"
	nst=$(cat "$d/native.st")
	sst=$(cat "$d/sandbox.st")
	# A hung run gets one more try, shown on the PASS line (as for the
	# differential programs: job_prog).
	local retried=
	case $sst in
	124|137|142)
		if [ "$sst" != "$nst" ]; then
			for f in out err st; do mv "$d/sandbox.$f" "$d/first.$f"; done
			run_to "$d/sandbox" "$in" "$RV" run ${CMD_PLATFORM:+--platform=$CMD_PLATFORM} -- "$@"
			sst=$(cat "$d/sandbox.st")
			retried=" (passed on a second run; the first $(describe_status "$(cat "$d/first.st")"), kept in ${d#"$BUILD"/}/first.*)"
		fi
		;;
	esac
	diff -u "$d/native.out" "$d/sandbox.out" > "$d/diff" 2>&1
	if [ "$nst" != "${CMD_WANT:-0}" ]; then
		say "FAIL $name: native run: $(describe_status "$nst"), expected \
exit ${CMD_WANT:-0} (a test bug or a host problem)
$(detail "$d/native.err" 3)"
		return
	fi
	if [ "$sst" != "$nst" ]; then
		say "FAIL $name: $(describe_status "$sst") (native: exit $nst): \
$(first_err "$d/sandbox.err")"
	elif ! cmp -s "$d/native.out" "$d/sandbox.out"; then
		say "FAIL $name: output differs (diff in ${d#"$BUILD"/})
$(tail -n +3 "$d/diff" | grep '^[-+]' | detail /dev/stdin)"
	else
		say "PASS $name$retried"
	fi
}

# Inputs for the applets: made once by the main process (bb_inputs).
bb_inputs() {
	local i=$OUT/input
	mkdir -p "$i/dir/sub"
	printf 'pear\napple\nfig\nbanana\n\nZebra\n10\n9\napple\n' > "$i/words"
	seq 1 2000 | sed 's/$/ lorem ipsum dolor sit amet/' > "$i/lines"
	head -c 3000 "$BUILD/tests/hello" > "$i/binary"
	: > "$i/dir/empty"
	printf 'a\n' > "$i/dir/a.txt"
	printf 'bb\n' > "$i/dir/.hidden"
	printf 'ccc\n' > "$i/dir/sub/c"
}

job_bb() {
	local bb=/bin/busybox i=$OUT/input n=/dev/null
	if [ ! -x $bb ]; then
		say "SKIP bb:*: /bin/busybox missing (Debian busybox-static)"
		return
	fi
	case $1 in
	1)
		compare_cmd bb:echo $n $bb echo hello "two  words" -n
		compare_cmd bb:ls $n $bb ls -1a "$i/dir"
		compare_cmd bb:ls-l $n $bb ls -ln --full-time "$i/dir"
		compare_cmd bb:ls-licenses $n $bb ls /usr/share/common-licenses
		compare_cmd bb:cat $n $bb cat "$i/words" "$i/lines"
		compare_cmd bb:cat-stdin "$i/words" $bb cat
		compare_cmd bb:wc $n $bb wc "$i/words" "$i/lines" "$i/binary"
		compare_cmd bb:md5sum $n $bb md5sum "$i/lines" "$i/binary" \
			/bin/busybox
		;;
	2)
		compare_cmd bb:sha256sum $n $bb sha256sum "$i/lines" \
			"$i/binary"
		compare_cmd bb:uname $n $bb uname -s -m
		compare_cmd bb:head $n $bb head -n 3 "$i/lines"
		compare_cmd bb:head-c $n $bb head -c 100 "$i/binary"
		compare_cmd bb:sort $n $bb sort "$i/words"
		compare_cmd bb:sort-nr "$i/words" $bb sort -n -r -u
		compare_cmd bb:od $n $bb od -A x -t x1 -c "$i/binary"
		compare_cmd bb:tail $n $bb tail -n 5 "$i/lines"
		compare_cmd bb:grep $n $bb grep -c 99 "$i/lines"
		;;
	esac
}

# Shell scripts need fork, exec, pipes and wait: issue 4.
job_sh() {
	local bb=/bin/busybox n=/dev/null i=$OUT/input t
	if [ "$FORK" != ok ]; then
		for t in pipeline subshell cmdsubst heredoc set-e wait trap \
			 exit-status; do
			say "SKIP sh:$t: $FORK"
		done
		return
	fi
	compare_cmd sh:pipeline $n $bb sh -c \
		"cat $i/lines | grep 7 | sort -r | head -n 5 | wc -l"
	compare_cmd sh:subshell $n $bb sh -c \
		'x=1; (x=2; echo in $x); echo out $x; (exit 3); echo st $?'
	compare_cmd sh:cmdsubst $n $bb sh -c \
		'a=$(echo hi | tr a-z A-Z); echo "$a $(echo $(echo nest))"'
	compare_cmd sh:heredoc $n $bb sh -c 'cat <<EOF | sort
b
a
$((6*7))
EOF'
	CMD_WANT=1 compare_cmd sh:set-e $n $bb sh -c 'set -e; echo a; false; echo b'
	compare_cmd sh:wait $n $bb sh -c \
		'sleep 0.1 & p=$!; echo started; wait $p; echo waited $?'
	compare_cmd sh:trap $n $bb sh -c \
		'trap "echo caught" USR1; kill -USR1 $$; echo after'
	compare_cmd sh:exit-status $n $bb sh -c \
		'sh -c "exit 7"; echo $?; true | false; echo $?'
	# Whole scripts (tests/real/sh-*.sh), by dash and by busybox sh, in
	# a temporary directory of their own (natively under the host's /tmp,
	# sandboxed under the sandbox's).
	local s name
	for s in "$SRC"/tests/real/sh-*.sh; do
		name=${s##*/sh-}
		name=${name%.sh}
		[ -x /bin/dash ] &&
			compare_cmd "sh:dash:$name" $n /bin/dash "$s"
		compare_cmd "sh:busybox:$name" $n $bb sh "$s"
	done
}

# Dynamic binaries (PT_INTERP): issue 4.
job_dyn() {
	local n=/dev/null i=$OUT/input t
	if [ "$DYN" != ok ]; then
		for t in true echo ls sort dash python3; do
			say "SKIP dyn:$t: $DYN"
		done
		return
	fi
	compare_cmd dyn:true $n /bin/true
	compare_cmd dyn:echo $n /bin/echo dynamic hello
	compare_cmd dyn:ls $n /bin/ls -la --time-style=+ "$i/dir"
	compare_cmd dyn:sort $n /usr/bin/sort "$i/words"
	if [ -x /bin/dash ]; then
		compare_cmd dyn:dash $n /bin/dash -c \
			'for i in 1 2 3; do echo $i; done | tac; echo $((1+2))'
	fi
	if [ -x /usr/bin/python3 ]; then
		compare_cmd dyn:python3 $n /usr/bin/python3 -c \
			'import os, sys; print(sum(range(100)), sys.platform)'
	fi
}

# Real programs of issue 4's acceptance: coreutils, dash, python3, gcc,
# each script run natively and sandboxed by /bin/sh (dash, dynamic).
# Scripts work in a fresh mktemp directory and print nothing that names it.
job_real() {
	local n=/dev/null i=$OUT/input t
	local tmp='d=$(mktemp -d); trap "rm -rf $d" EXIT; cd $d;'
	if [ "$FORK" != ok ] || [ "$DYN" != ok ]; then
		for t in ls-l cp-a sort find tar gzip xargs-P2 python3-threads \
			 python3-subprocess python3-multiprocessing \
			 python3-tcp-echo gcc; do
			say "SKIP real:$t: ${FORK#ok}${DYN#ok}"
		done
		return
	fi
	compare_cmd real:ls-l $n /bin/sh -c "ls -lan --time-style=+%s $i/dir"
	# Directory sizes are the filesystem's business (ext4 4096, tmpfs
	# other), so only files show theirs.
	local show="find . -type d -printf '%p dir %m\\n' -o \
		-printf '%p %y %m %s %Ts\\n' | sort"
	compare_cmd real:cp-a $n /bin/sh -c "$tmp cp -a $i/dir c && $show"
	compare_cmd real:sort $n /bin/sh -c "sort -k2 -t' ' $i/lines | head -n 5;
		sort -u $i/words"
	compare_cmd real:find $n /bin/sh -c "find $i/dir -printf '%P %y %s\n' |
		sort"
	compare_cmd real:tar $n /bin/sh -c "$tmp tar -C $i -cf - dir |
		tar -xf - && $show"
	compare_cmd real:gzip $n /bin/sh -c "gzip -9 -n -c $i/lines | md5sum;
		gzip -c $i/lines | gunzip -c | md5sum"
	compare_cmd real:xargs-P2 $n /bin/sh -c \
		"seq 1 40 | xargs -P2 -n3 echo | tr ' ' '\n' | sort -n | md5sum"
	compare_cmd real:python3-threads $n /usr/bin/python3 -c '
import threading
n = 0
lock = threading.Lock()
def work():
    global n
    for _ in range(20000):
        with lock:
            n += 1
ts = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(n)'
	compare_cmd real:python3-subprocess $n /usr/bin/python3 -c '
import subprocess, os, signal, select, socket
print(subprocess.run(["/bin/echo", "child"], capture_output=True).stdout)
p = subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
print(p.communicate(b"through a pipe")[0], p.returncode)
a, b = socket.socketpair()
a.send(b"ping"); print(b.recv(4))
r, w = os.pipe(); os.write(w, b"x")
print(select.select([r], [], [], 1)[0] == [r])
print(subprocess.call(["/bin/sh", "-c", "kill -TERM $$"]) == -signal.SIGTERM)'
	compare_cmd real:python3-multiprocessing $n /usr/bin/python3 \
		"$SRC/tests/real/py-multiprocessing.py"
	compare_cmd real:python3-tcp-echo $n /usr/bin/python3 \
		"$SRC/tests/real/py-tcp-echo.py"
	if command -v gcc >/dev/null; then
		compare_cmd real:gcc $n /bin/sh -c "$tmp printf '%s\n' \
			'#include <stdio.h>' \
			'int main(void) { printf(\"%d\\n\", 6 * 7); return 0; }' \
			> t.c && gcc -O1 -o t t.c && ./t"
		compare_cmd real:gcc-project $n /bin/sh \
			"$SRC/tests/real/gcc-project.sh"
	fi
}

# Workloads of issue 4 (tests/real/w-NAME.sh, one job each per platform):
# make -j2, tar, find | xargs, perl, python3, sqlite3, sort, git, bash,
# coreutils, timeout, xz, dd, run by /bin/sh natively and under
# --platform=P, stdout and status compared. Each script skips (prints the
# same line both ways) what the host lacks.
job_realw() {
	local name=$1 plat=$2
	if [ "$plat" = kvm ] && [ "$KVM" != ok ]; then
		say "SKIP real:$plat:$name: $KVM"
	elif [ "$FORK" != ok ] || [ "$DYN" != ok ]; then
		say "SKIP real:$plat:$name: ${FORK#ok}${DYN#ok}"
	else
		CMD_PLATFORM=$plat compare_cmd "real:$plat:$name" /dev/null \
			/bin/sh "$SRC/tests/real/w-$name.sh"
	fi
}

# Thread and process storms (issue 4, bad input). Sandbox only: natively a
# fork bomb run as root is bounded by nothing. Each must end by itself with
# the sandbox answering, and leave no process behind on the host.
job_storm() {
	local plat=$1 d=$OUT/storm/$1 tag st left
	mkdir -p "$d"
	if [ "$plat" = kvm ] && [ "$KVM" != ok ]; then
		say "SKIP storm:kvm:*: $KVM"
		return
	fi
	if [ "$FORK" != ok ] || [ "$DYN" != ok ]; then
		say "SKIP storm:$plat:*: ${FORK#ok}${DYN#ok}"
		return
	fi
	# The classic :(){ :|:& };: as an unprivileged user with ulimit -u 64
	# (root's RLIMIT_NPROC is not enforced, as on Linux); after 3 s the
	# script kills every process of its user and reports. The sleep is
	# forked before the bomb: during it, no fork of the script's succeeds.
	tag=rv-storm-$$-$plat
	run_to "$d/fork" /dev/null "$RV" run --platform="$plat" -- \
		/usr/bin/python3 "$SRC/tests/real/nproc-exec.py" 64 /bin/busybox \
		sh -c "sleep 3 & w=\$!; b(){ b|b& }; b; wait \$w; kill -9 -1; echo alive $tag"
	st=$(cat "$d/fork.st")
	sleep 1
	left=$(pgrep -f "alive $tag" | wc -l)
	if [ "$st" != 0 ] || [ "$(cat "$d/fork.out")" != "alive $tag" ]; then
		say "FAIL storm:$plat:fork-bomb: $(describe_status "$st"), \
stdout '$(head -c 80 "$d/fork.out")': $(first_err "$d/fork.err")"
	elif [ "$left" != 0 ]; then
		say "FAIL storm:$plat:fork-bomb: $left processes left behind"
	else
		say "PASS storm:$plat:fork-bomb"
	fi
	# A memory hog past --total-memory is killed inside the sandbox
	# (SIGKILL, as the OOM killer would), its parent shell lives on.
	run_to "$d/mem" /dev/null "$RV" run --platform="$plat" \
		--total-memory=64M -- /bin/sh -c \
		'/usr/bin/python3 -c "x = bytearray(300 << 20); print(len(x))"; echo "hog status $?"'
	st=$(cat "$d/mem.st")
	if [ "$st" != 0 ] || [ "$(cat "$d/mem.out")" != "hog status 137" ]; then
		say "FAIL storm:$plat:memory-hog: $(describe_status "$st"), \
stdout '$(head -c 80 "$d/mem.out")': $(first_err "$d/mem.err")"
	else
		say "PASS storm:$plat:memory-hog"
	fi
	# Threads until clone fails: the sandbox's task limit (or the
	# platform's) stops them with EAGAIN, not a crash or a kill.
	run_to "$d/thread" /dev/null "$RV" run --platform="$plat" -- \
		/usr/bin/python3 "$SRC/tests/real/thread-bomb.py"
	st=$(cat "$d/thread.st")
	if [ "$st" != 0 ] || ! grep -qx alive "$d/thread.out" ||
	   ! grep -qx 'threads below the cap: True' "$d/thread.out"; then
		say "FAIL storm:$plat:thread-bomb: $(describe_status "$st"): \
$(first_err "$d/thread.err")
$(detail "$d/thread.out" 4)"
	else
		say "PASS storm:$plat:thread-bomb"
	fi
	# Threads count against RLIMIT_NPROC too.
	run_to "$d/thread-nproc" /dev/null "$RV" run --platform="$plat" -- \
		/usr/bin/python3 "$SRC/tests/real/nproc-exec.py" 64 \
		/usr/bin/python3 "$SRC/tests/real/thread-bomb.py" 64
	st=$(cat "$d/thread-nproc.st")
	if [ "$st" != 0 ] || ! grep -qx alive "$d/thread-nproc.out" ||
	   ! grep -qx 'threads below the cap: True' "$d/thread-nproc.out"; then
		say "FAIL storm:$plat:thread-bomb-nproc: $(describe_status \
"$st"): $(first_err "$d/thread-nproc.err")
$(detail "$d/thread-nproc.out" 4)"
	else
		say "PASS storm:$plat:thread-bomb-nproc"
	fi
}

# Debian's Python test suite, one module per job, natively once and under
# each platform (tests/python/run-suite.sh prints the lines).
job_py() {
	local m=$1 plats=ptrace p
	[ "$KVM" = ok ] && plats="ptrace kvm"
	if [ ! -f "/usr/lib/python3.11/test/$m.py" ] &&
	   [ ! -d "/usr/lib/python3.11/test/$m" ]; then
		for p in $PLATFORMS_ALL; do
			say "SKIP py:$p:$m: libpython3.11-testsuite not installed"
		done
		return
	fi
	if [ "$FORK" != ok ] || [ "$DYN" != ok ]; then
		for p in $PLATFORMS_ALL; do
			say "SKIP py:$p:$m: ${FORK#ok}${DYN#ok}"
		done
		return
	fi
	bash "$SRC/tests/python/run-suite.sh" "$RV" "$OUT/py" "$plats" "$m"
	[ "$KVM" != ok ] && say "SKIP py:kvm:$m: $KVM"
}

# --- memory footprint of a sandbox (tests/footprint.sh) ----------------------
job_footprint() {
	local d=$OUT/footprint plats=ptrace
	mkdir -p "$d"
	[ "$KVM" = ok ] && plats="ptrace kvm"
	RV=$RV sh "$SRC/tests/footprint.sh" $plats 2>"$d/err" |
		while IFS= read -r l; do say "$l"; done
	[ "$KVM" != ok ] && say "SKIP footprint:kvm: $KVM"
}

# --- security: confinement, escapes, the host left unchanged ----------------
# tests/security/*.sh print their own PASS/FAIL/SKIP lines (exit 77: skip).
job_security() {
	local sc=$1 log out st
	log=$OUT/security/${sc%.sh}
	mkdir -p "$log"
	out=$(RV=$RV BUILD=$BUILD timeout -k 5 300 sh "$SRC/tests/security/$sc" 2>"$log/err")
	st=$?
	printf '%s\n' "$out" > "$log/out"
	printf '%s\n' "$out" | grep -E '^(PASS|FAIL|SKIP) ' | while IFS= read -r l; do say "$l"; done
	if ! printf '%s\n' "$out" | grep -qE '^(PASS|FAIL|SKIP) '; then
		case $st in
		0) say "PASS security:${sc%.sh}" ;;
		77) say "SKIP security:${sc%.sh}: $(tail -1 "$log/err")" ;;
		*) say "FAIL security:${sc%.sh}: exit $st ($(tail -1 "$log/err"))" ;;
		esac
	elif [ $st -ne 0 ] && [ $st -ne 77 ] &&
	     ! printf '%s\n' "$out" | grep -q '^FAIL '; then
		say "FAIL security:${sc%.sh}: exit $st"
	fi
}

# --- dispatch ---------------------------------------------------------------
if [ "${1:-}" = "--job" ]; then
	shift
	kind=$1
	shift
	"job_$kind" "$@"
	exit 0
fi

# No `rm -rf $OUT`: another `make check` in the same tree may be running;
# each test clears its own directory, and the tally is kept privately.
mkdir -p "$OUT"
RESULTS=$(mktemp "${TMPDIR:-/tmp}/rv-results.XXXXXX") || exit 1
trap 'rm -f "$RESULTS" "$RESULTS.jobs" "$RESULTS.rv"' EXIT
# Test one binary throughout: others may relink build/ringvisor meanwhile.
if [ -x "$RV" ] && cp "$RV" "$RESULTS.rv"; then
	RV=$RESULTS.rv
	export RV
fi
FILTER=${1:-}
start=$(date +%s)

if [ ! -x "$RV" ]; then
	echo "tests/run.sh: $RV not built" >&2
fi
[ -x "$BUILD/tests/hello" ] || { echo "tests/run.sh: build the tests first (make tests)" >&2; exit 1; }
KVM=$(kvm_probe)
FORK=$(feature_probe fork /bin/busybox sh -c 'true | true')
DYN=$(feature_probe dyn /bin/true)
export KVM FORK DYN
echo "platforms: ptrace, kvm: $KVM"
echo "fork: $FORK"
echo "dynamic: $DYN"
bb_inputs

# The job list: one line per job, slowest kinds first so that the two
# workers finish together.
{
	# The Python suite's modules, slowest first (ptrace seconds: socket
	# 210, signal 53, subprocess 50, selectors 33, threading 20, ...).
	for m in ${RV_PY_MODULES-test_socket test_signal test_subprocess \
		 test_selectors test_threading test_poll test_os test_json \
		 test_re test_posix test_time test_select test_pipes \
		 test_fcntl test_epoll}; do
		echo "py $m"
	done
	for p in $PLATFORMS_ALL; do echo "storm $p"; done
	# Every script of tests/security/ but its runner and its library.
	for sc in "$SRC"/tests/security/*.sh; do
		sc=${sc##*/}
		case $sc in run.sh|lib.sh) ;; *) echo "security $sc" ;; esac
	done
	echo bad
	echo cli
	echo footprint
	for p in $PLATFORMS_ALL; do echo "strace $p"; done
	echo "bb 1"
	echo "bb 2"
	echo real
	for s in "$SRC"/tests/real/w-*.sh; do
		s=${s##*/w-}
		for p in $PLATFORMS_ALL; do echo "realw ${s%.sh} $p"; done
	done
	echo sh
	echo dyn
	for u in "$BUILD"/unit/*; do
		[ -x "$u" ] || continue
		u=${u##*/}
		if [ "${u#platform}" != "$u" ] ||
		   grep -qs 'rv-test: per-platform' "$SRC/tests/unit/$u.c"; then
			for p in $PLATFORMS_ALL; do echo "unit $u $p"; done
		else
			echo "unit $u"
		fi
	done
	for t in "$BUILD"/tests/*; do
		[ -x "$t" ] || continue
		t=${t##*/}
		[ -f "$SRC/tests/progs/$t.c" ] || continue
		for p in $PLATFORMS_ALL; do echo "prog $t $p"; done
	done
	for t in "$BUILD"/tests-dyn/*; do
		[ -x "$t" ] || continue
		t=${t##*/}
		[ -f "$SRC/tests/progs/$t.c" ] || continue
		for p in $PLATFORMS_ALL; do echo "prog dyn/$t $p"; done
	done
} | if [ -n "$FILTER" ]; then grep -F -- "$FILTER"; else cat; fi \
  > "$RESULTS.jobs"

xargs -r -P "${JOBS:-2}" -L 1 bash "$0" --job < "$RESULTS.jobs" | tee "$RESULTS"
cp "$RESULTS" "$OUT/results"

pass=$(grep -c '^PASS ' "$RESULTS")
fail=$(grep -c '^FAIL ' "$RESULTS")
skip=$(grep -c '^SKIP ' "$RESULTS")
echo "($(($(date +%s) - start))s; outputs in $OUT)"
if [ "$skip" -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ "$fail" = 0 ]
