# gcc differential test: a small project compiled, archived and linked
# (dynamic and static) in a temporary directory, then run; what it prints
# is compared with native.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
cat > util.h <<'E'
int fib(int n);
const char *greet(void);
E
cat > fib.c <<'E'
#include "util.h"
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
E
cat > greet.c <<'E'
#include "util.h"
const char *greet(void) { return "hello from a library"; }
E
cat > main.c <<'E'
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "util.h"
static void *work(void *a) { *(int *)a = fib(*(int *)a); return NULL; }
int main(int argc, char **argv)
{
	int v[4] = {20, 21, 22, 23};
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, &v[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("%s: %d %d %d %d (%d args)\n", greet(), v[0], v[1], v[2], v[3],
	       argc - 1);
	return argc > 1 ? atoi(argv[1]) : 0;
}
E
gcc -O2 -Wall -c fib.c greet.c
ar rcs libutil.a fib.o greet.o
gcc -O2 -Wall -pthread -o prog main.c -L. -lutil
gcc -O2 -Wall -pthread -static -o prog-static main.c -L. -lutil
gcc -fPIC -shared -o libutil.so fib.c greet.c
gcc -O2 -pthread -o prog-so main.c -L. -lutil -Wl,-rpath,"$d"
./prog
./prog-static a b
LD_LIBRARY_PATH=. ./prog-so x
set +e
./prog 5; echo "status $?"
