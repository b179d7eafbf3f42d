# Real-program test: make -j2 builds a small multi-file C project (gcc,
# cc1, as, ld: fork, exec, wait, pipes, temporary files), then runs it.
set -eu
command -v gcc >/dev/null && command -v make >/dev/null || {
	echo "no gcc or make"; exit 0; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
for i in 1 2 3 4 5 6; do
	printf 'int f%d(int x) { return x * %d + %d; }\n' $i $i $i > f$i.c
	echo "int f$i(int x);" >> fs.h
done
cat > main.c <<'E'
#include <stdio.h>
#include "fs.h"
int main(void)
{
	printf("%d %d %d %d %d %d\n", f1(1), f2(2), f3(3), f4(4), f5(5),
	       f6(6));
	return 0;
}
E
cat > Makefile <<'E'
OBJS = main.o f1.o f2.o f3.o f4.o f5.o f6.o
prog: $(OBJS)
	$(CC) -o $@ $(OBJS)
	@echo linked
%.o: %.c fs.h
	$(CC) -O1 -pipe -c $< -o $@
clean:
	rm -f prog $(OBJS)
E
make -s -j2 CC=gcc >make.out 2>&1 || { cat make.out; exit 1; }
cat make.out
./prog
ls *.o | wc -l
make -s -j2 CC=gcc | wc -l   # up to date: nothing to do
touch f3.c
make -j2 CC=gcc | grep -c gcc
make -s clean && ls
