# Real-program test: a program built with AddressSanitizer (a 20 TB
# shadow reservation, raw getdents, sigaltstack) finds a heap overflow
# and a use after free; the leak check needs ptrace, absent in the
# sandbox (docs/limits.md), so it is off both ways.
set -u
command -v gcc >/dev/null || { echo "no gcc"; exit 0; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
cat > a.c <<'E'
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
	char *p = malloc(8);
	strcpy(p, "fine");
	printf("%s %d\n", p, argc);
	fflush(stdout);
	if (argc > 2)
		free(p);
	if (argc > 1)
		return p[8 + (argc > 2 ? -8 : 0)];
	free(p);
	return 0;
}
E
gcc -g -fsanitize=address -o a a.c || exit 1
export ASAN_OPTIONS=detect_leaks=0
./a; echo "clean: $?"
./a x 2>err; echo "overflow: $?"
grep -o 'ERROR: AddressSanitizer: [a-z-]*' err
grep -c 'READ of size 1' err
./a x y 2>err; echo "use after free: $?"
grep -o 'ERROR: AddressSanitizer: [a-z-]*' err
