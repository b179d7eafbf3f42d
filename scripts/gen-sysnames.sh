#!/bin/sh
# Generate "[nr] = "name"," rows for every x86-64 system call from the
# kernel's uapi header (Debian: linux-libc-dev).
set -eu
hdr=${1:-/usr/include/x86_64-linux-gnu/asm/unistd_64.h}
awk '$1 == "#define" && $2 ~ /^__NR_/ { n = substr($2, 6); printf "[%s] = \"%s\",\n", $3, n }' "$hdr"
