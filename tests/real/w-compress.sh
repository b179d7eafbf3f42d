# Real-program test: xz and gzip pipelines (threads for xz -T2).
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
seq 1 100000 > in
gzip -c in | gzip -dc | md5sum
xz -c -T2 -3 in | xz -dc | md5sum
command -v xz >/dev/null || echo "no xz"
gzip -9 -n -c in | md5sum
xz -c -0 in > in.xz && xz -t in.xz && xz -l in.xz | tail -n 1 |
	awk '{ print $1, $2 }'
cat in in | gzip -1 | xz -2 | xz -d | gunzip | wc -l
gzip -k in && gunzip -c in.gz | cmp - in && echo "gzip -k ok"
tar cJf t.txz in && tar xOJf t.txz | md5sum
