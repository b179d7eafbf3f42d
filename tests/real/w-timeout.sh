# Real-program test: timeout(1) (a timer, SIGTERM to a child, exit 124),
# kill -s, and a signalled child's status. (Not SIGINT for the background
# sleep: sh ignores it in async commands, a race with the kill.)
set -u
timeout 1 sleep 5; echo "timeout $?"
timeout -s KILL 0.5 sleep 5; echo "timeout -s KILL $?"
timeout 5 true; echo "fast $?"
timeout -k 0.3 0.3 sh -c 'trap "" TERM; sleep 3'; echo "ignored TERM $?"
timeout --preserve-status 0.3 sleep 3; echo "preserve $?"
sh -c 'kill -9 $$'; echo "killed $?"
sleep 5 & p=$!; kill -s TERM $p; wait $p; echo "TERM $?"
