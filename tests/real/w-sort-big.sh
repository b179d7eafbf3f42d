# Real-program test: sort of a large generated file with a small buffer
# (temporary files, merge passes) and two threads.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
seq 1 200000 | awk '{ print ($1 * 7919) % 200003, $1 }' > in
sort -n -S 1M --parallel=2 -T "$d" in | md5sum
sort -k2,2nr -S 2M --parallel=2 in | head -n 3
sort -u -S 512K -T "$d" in | wc -l
shuf --random-source=in in | sort -n | md5sum
ls
