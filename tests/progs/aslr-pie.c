#include "aslr.c"
