# Real-program test: tar czf / tar xzf round trip of a generated tree
# (tar runs gzip through a pipe), contents and modes checked.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
mkdir -p src/a/b src/c
seq 1 30000 > src/a/nums
head -c 200000 /dev/zero | tr '\0' z > src/a/b/zs
printf 'x\n' > src/c/x; chmod 600 src/c/x
ln -s ../a/nums src/c/link
ln src/a/nums src/hard
tar czf t.tgz src
gzip -t t.tgz && echo gzip ok
tar tzf t.tgz | sort
mkdir out && tar xzf t.tgz -C out
find out -printf '%p %y %m %l\n' | sort
(cd src && find . -type f -exec md5sum {} + | sort) > a
(cd out/src && find . -type f -exec md5sum {} + | sort) > b
cmp a b && cat a
stat -c '%h' out/src/hard
tar cf - -C /usr/include linux | tar tf - | wc -l
