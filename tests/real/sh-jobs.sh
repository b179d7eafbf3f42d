# Shell differential test (dash, busybox sh): background jobs and wait.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
(sleep 0.2; exit 3) & a=$!
(exit 5) & b=$!
sleep 0.1 & c=$!
[ "$a" != "$b" ] && [ "$b" != "$c" ] && echo "distinct pids"
wait "$b"; echo "b: $?"
wait "$a"; echo "a: $?"
wait "$c"; echo "c: $?"
# A killed job reports 128+signal.
sleep 10 & s=$!
kill -TERM "$s"
wait "$s"; echo "killed: $?"
# wait with no operand waits for all.
for i in 1 2 3 4; do (sleep 0.0$i; echo "job $i" > "out$i") & done
wait
cat out1 out2 out3 out4
# Jobs writing into one pipe.
{ (echo x; sleep 0.05; echo y) & (echo z) & wait; } | sort
# $$ is the shell's, in subshells too; $PPID of a child is the shell.
[ "$(sh -c 'echo $PPID')" = "$$" ] && echo "child's parent is the shell"
(echo "subshell \$\$ same: $([ $$ -gt 0 ] && echo yes)")
