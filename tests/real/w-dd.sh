# Real-program test: dd with various block sizes, skip, seek, count,
# conv and iflag, on files and pipes.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
seq 1 100000 > in
head -c 3000 in > small
dd if=small of=o.1 bs=1 status=none
cmp small o.1 && echo "bs=1 same"
for bs in 512 4096 65536 1M; do
	dd if=in of=o.$bs bs=$bs status=none
	cmp in o.$bs && echo "bs=$bs same"
done
dd if=in bs=1000 skip=3 count=2 status=none | md5sum
dd if=/dev/zero of=sparse bs=4096 seek=100 count=1 status=none
stat -c '%s' sparse
dd if=in of=sparse bs=10 count=1 conv=notrunc status=none
stat -c '%s' sparse; head -c 10 sparse | od -c | head -n 1
seq 1 5000 | dd bs=7 iflag=fullblock count=100 status=none | md5sum
dd if=small ibs=3 obs=1024 status=none | cmp - small && echo "ibs/obs ok"
dd if=in bs=4096 count=3 2>&1 >/dev/null | head -n 2 | cut -d' ' -f1-4
printf 'Hello' | dd conv=ucase status=none; echo
dd if=/dev/urandom bs=1k count=64 status=none | wc -c
