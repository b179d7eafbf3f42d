#!/bin/sh
# Every security test: RV=build/ringvisor BUILD=build sh tests/security/run.sh
# Ends with `N passed, N failed, N skipped` like tests/run.sh.
dir=$(dirname "$0")
p=0 f=0 s=0
# Every script here but this one and the helpers' library (tests/run.sh
# runs the same set).
for t in "$dir"/*.sh; do
	case ${t##*/} in run.sh|lib.sh) continue ;; esac
	sh "$t"
	case $? in
	0) p=$((p + 1)) ;;
	77) s=$((s + 1)) ;;
	*) f=$((f + 1)) ;;
	esac
done
echo "$p passed, $f failed, $s skipped"
[ "$f" = 0 ]
