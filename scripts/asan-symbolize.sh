#!/bin/sh
# Symbolize an AddressSanitizer report from a sanitizer build of ringvisor
# (make SAN=address,undefined BUILD=build-asan; `make check-asan`).
#
#   sh scripts/asan-symbolize.sh < build-asan/test-out/ptrace/NAME/sandbox.err
#
# The sentry confines itself before any report can happen: its root is
# empty and exec is refused, so the sanitizer runtime can neither read the
# binary's debug information nor run llvm-symbolizer, and prints frames as
# "(MODULE+0xOFFSET)". This runs addr2line on each such frame here, outside
# the sandbox, and appends "function file:line" (inlined frames joined by
# " <- "). Other lines pass through unchanged.
set -u
while IFS= read -r line; do
	frame=$(printf '%s\n' "$line" |
		sed -n 's/.*(\([^()+ ]*\)+\(0x[0-9a-fA-F]*\)).*/\1 \2/p')
	if [ -n "$frame" ]; then
		mod=${frame% *}
		off=${frame#* }
		if [ -r "$mod" ]; then
			sym=$(addr2line -e "$mod" -f -i -p -C "$off" 2>/dev/null |
			      sed 's/^ *(inlined by) //' |
			      awk 'NR > 1 { printf " <- " } { printf "%s", $0 }')
			[ -n "$sym" ] && line="$line $sym"
		fi
	fi
	printf '%s\n' "$line"
done
