# Real-program test: seq 1e6 | wc and a few other big pipelines.
set -eu
seq 1e6 | wc
seq 1 1000000 | awk '{ s += $1 } END { print s }'
yes abc | head -n 500000 | sort -u | wc -l
seq 1e6 | tail -n 2
seq 1e6 | grep -c 7
