# Shell differential test (dash, busybox sh): traps and signals.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
trap 'echo got USR1' USR1
kill -USR1 $$
echo after USR1
trap 'echo got TERM' TERM
kill -TERM $$
trap - TERM
# EXIT traps of subshells run when they end.
(trap 'echo subshell exit trap' EXIT; echo in subshell)
( trap 'echo trapped INT in child; exit 9' INT;
  sh -c 'kill -INT $PPID'; sleep 0.5; echo not reached ) ; echo "child: $?"
# An ignored signal stays ignored in children.
( trap '' USR2; sh -c 'kill -USR2 $$; echo child survived USR2' )
# A signal interrupts wait, the trap runs, then wait again.
sleep 0.5 & p=$!
trap 'echo got HUP during wait' HUP
(sleep 0.1; kill -HUP $$) &
wait $p; st=$?
[ $st -gt 128 ] && echo "wait interrupted" && wait $p
echo "done waiting"
# SIGCHLD default: children reaped, no trap noise.
sh -c 'exit 4'; echo "status $?"
# Stop and continue a child.
sleep 0.3 & p=$!
kill -STOP $p; kill -CONT $p; wait $p; echo "stopped and continued: $?"
