#!/bin/sh
# Nothing of a sandbox outlives `ringvisor run`: the moment it returns, no
# process it made (sentry, gofers, a volume's gofer, ptrace stubs, the
# app's background children) is left, not even as a zombie. The monitor
# stops the sentry and the gofers together once the sentry says the app
# ended (runtime/confine.c, monitor_stop_all); this checks that it still
# reaps them all before it exits, and passes the app's status on.
#
# `ringvisor run` runs under a child subreaper (prctl
# PR_SET_CHILD_SUBREAPER): any descendant that outlives it is reparented
# to the subreaper, which then finds it with waitpid(WNOHANG) right away.
#   RV=build/ringvisor sh tests/security/nothing_outlives.sh
# Exit 0 = pass, 1 = fail, 77 = skip.
RV=${RV:-build/ringvisor}
BB=/bin/busybox
command -v python3 >/dev/null || { echo "SKIP nothing_outlives: no python3" >&2; exit 77; }
[ -x "$BB" ] || { echo "SKIP nothing_outlives: no $BB" >&2; exit 77; }
vol=$(mktemp -d)
trap 'rm -rf "$vol"' EXIT

# reaper STATUS CMD...: run CMD under a subreaper; print "ok" when it
# exited with STATUS and left no descendant, else what went wrong.
reaper() {
	python3 - "$@" <<'EOF'
import ctypes, os, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    print("skip: PR_SET_CHILD_SUBREAPER refused"); sys.exit(0)
want = int(sys.argv[1])
st = subprocess.run(sys.argv[2:], stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL).returncode
def children():
    out = []
    for d in os.listdir("/proc"):
        try:
            st = open("/proc/%s/stat" % d).read()
        except (OSError, ValueError):
            continue
        if st.rsplit(") ", 1)[1].split()[1] == str(os.getpid()):
            out.append(d)
    return " ".join(out)
left = []
while True:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        # A live descendant: name it, kill it, reap it.
        left.append(children())
        os.system("kill -9 %s 2>/dev/null" % left[-1])
        os.waitpid(-1, 0)
        continue
    left.append("zombie %d" % pid)
if st != want:
    print("status %d, want %d" % (st, want))
elif left:
    print("left behind: " + ", ".join(left))
else:
    print("ok")
EOF
}

fail=0
for plat in ptrace kvm; do
	if ! "$RV" run --platform=$plat -- "$BB" true 2>/dev/null; then
		echo "SKIP nothing_outlives:$plat: the platform does not run here"
		continue
	fi
	for case in true bg volume; do
		case $case in
		true) r=$(reaper 0 "$RV" run --platform=$plat -- "$BB" true) ;;
		# The app's init ends with a child still running: the sandbox
		# ends with it (pid namespace semantics).
		bg) r=$(reaper 3 "$RV" run --platform=$plat -- "$BB" sh -c \
			"$BB sleep 30 & $BB sleep 30 & exit 3") ;;
		volume) r=$(reaper 0 "$RV" run --platform=$plat \
			--volume="$vol:/mnt/v" -- "$BB" sh -c \
			"echo x > /mnt/v/f && $BB sleep 30 &") ;;
		esac
		case $r in
		ok | skip*) ;;
		*)
			echo "FAIL nothing_outlives:$plat:$case: $r"
			fail=1
			continue
			;;
		esac
		case $r in
		skip*) echo "SKIP nothing_outlives:$plat:$case: $r" ;;
		*) echo "PASS nothing_outlives:$plat:$case" ;;
		esac
	done
done
exit $fail
