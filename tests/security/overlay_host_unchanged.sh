#!/bin/sh
# Issue 5 acceptance: the app writes, appends and deletes anywhere in the
# overlay root, sees its changes, and the host sees none of them.
#
#   ringvisor run -- sh -c 'echo x >> /etc/passwd; tail -1 /etc/passwd;
#                           rm -rf /usr/share/doc; ls /usr/share/doc'
#
# Must show "x" and a missing /usr/share/doc inside, and leave the host's
# /etc/passwd (sha256) and /usr/share/doc (listing with sizes, modes and
# mtimes) exactly as they were.
#
# The command is destructive if the sandbox ever let writes through, so a
# harmless probe runs first: a file created at / inside must not appear on
# the host, or the test stops (FAIL) before touching anything real.
#
# Output: one PASS/FAIL/SKIP line; exit 0, 1, or 77 (skip) until
# `ringvisor run -- /bin/sh -c true` works. RV: the binary (build/ringvisor).
set -u
RV=${RV:-build/ringvisor}
TMO=${RV_TEST_TIMEOUT:-60}
name=security:overlay_host_unchanged

skip() { echo "SKIP $name: $*"; exit 77; }
fail() { echo "FAIL $name: $*"; exit 1; }

[ -x "$RV" ] || skip "$RV not built"
timeout -k 5 20 "$RV" run -- /bin/sh -c true >/dev/null 2>&1 ||
	skip "'ringvisor run -- /bin/sh -c true' does not work yet"
[ -d /usr/share/doc ] || skip "no /usr/share/doc on this host"

probe=/rv-overlay-probe.$$
[ -e "$probe" ] && fail "$probe exists on the host already"
timeout -k 5 "$TMO" "$RV" run -- /bin/sh -c "echo p > $probe" \
	>/dev/null 2>&1
if [ -e "$probe" ]; then
	rm -f "$probe"
	fail "a file written at / inside reached the host: not running the rest"
fi

doc_state() {
	find /usr/share/doc -printf '%p %y %s %m %n %T@ %l\n' 2>&1 | sort |
		sha256sum
}
pw_before=$(sha256sum < /etc/passwd)
doc_before=$(doc_state)

out=$(timeout -k 5 "$TMO" "$RV" run -- /bin/sh -c \
	'echo x >> /etc/passwd; tail -1 /etc/passwd; rm -rf /usr/share/doc;
	 ls /usr/share/doc; echo "ls=$?"' 2>&1)
st=$?

pw_after=$(sha256sum < /etc/passwd)
doc_after=$(doc_state)

[ "$pw_after" = "$pw_before" ] || fail "host /etc/passwd changed"
[ "$doc_after" = "$doc_before" ] || fail "host /usr/share/doc changed"
[ "$st" = 0 ] || fail "sandbox exit $st: $(echo "$out" | head -3)"
first=$(echo "$out" | head -1)
[ "$first" = x ] || fail "tail -1 /etc/passwd inside showed '$first'"
echo "$out" | grep -q 'No such file or directory' ||
	fail "/usr/share/doc still listed inside: $(echo "$out" | sed -n 2,3p)"
echo "$out" | grep -q '^ls=[12]$' || fail "ls of the removed dir succeeded"
echo "PASS $name"
