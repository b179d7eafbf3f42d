# Real-program test: bash (job control off): arrays, process substitution,
# coprocesses, traps, wait -n, pipefail, here-strings.
command -v bash >/dev/null || { echo "no bash"; exit 0; }
bash +m -O extglob -c '
set -u
a=(one two three); echo "${#a[@]} ${a[1]} ${a[@]:1}"
declare -A m=([x]=1 [y]=2); echo "${m[x]}${m[y]}"
diff <(seq 1 5) <(seq 1 6) | tail -n 1
while read -r l; do echo "line $l"; done < <(printf "p\nq\n")
coproc C { read -r x; echo "co $x"; }
echo ping >&"${C[1]}"; read -r y <&"${C[0]}"; echo "$y"; wait $C_PID
set -o pipefail; false | true; echo "pipefail $?"; set +o pipefail
tr a-z A-Z <<< "here string"
sleep 0.2 & sleep 0.1 & wait -n; echo "wait -n $?"; wait
trap "echo got USR1" USR1; kill -USR1 $$
( trap "echo sub TERM; exit 9" TERM; kill -TERM $BASHPID; sleep 1 ); echo "sub $?"
f() { local v=$1; return $((v + 1)); }; f 4; echo "f $?"
echo $(( 2 ** 20 )) $((RANDOM >= 0))
x=$(bash -c "exit 5"); echo "nested $?"
printf -v s "%05d" 42; echo "$s"
case abc in +([a-c])) echo extglob;; esac
mapfile -t arr < <(seq 3); echo "${arr[*]}"
exec 3> >(cat); echo "via fd 3" >&3; exec 3>&-; wait
ulimit -n
'
