# Shell differential test (dash, busybox sh): pipelines. Run natively and
# sandboxed, stdout compared; works in its own temporary directory.
set -u
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
seq 1 100000 | wc -l
seq 1 20000 | sort -rn | head -n 3
printf 'b 2\na 1\nc 3\n' | while read -r k v; do echo "$v=$k"; done | sort
seq 1 5000 | tee copy | tail -n 1
wc -l < copy
# The pipeline's status is its last command's.
false | true; echo "false|true: $?"
true | false; echo "true|false: $?"
# A reader that quits early: the writer dies of SIGPIPE, quietly.
yes | head -n 2
seq 1 100000 | (read -r first; echo "first $first"; cat > rest)
wc -l < rest
# Big blocks through a pipe, checked end to end.
head -c 3000000 /dev/zero | tr '\0' x | cksum
# Named pipes.
mkfifo f
(echo through the fifo > f) &
cat f
wait
