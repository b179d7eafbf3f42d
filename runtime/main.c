/* Placeholder entry point; replaced by the CLI (runtime/cli.c). */
#include <stdio.h>
int main(void) { fputs("ringvisor: not built yet\n", stderr); return 1; }
