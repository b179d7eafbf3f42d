#!/bin/sh
# Make the bad-input fixtures for tests/run.sh from a real static binary:
#   sh tests/bad/gen.sh GOOD_ELF OUTDIR
# Nothing here is committed: every fixture is derived at test time.
# Each fixture is one thing wrong with an otherwise valid program, so the
# loader's check for exactly that thing is what decides the outcome.
set -eu
good=$(readlink -f "$1")
[ -f "$good" ] || { echo "gen.sh: $1: no such file" >&2; exit 1; }
out=$2
mkdir -p "$out"
cd "$out"

# Write bytes (given as printf octal escapes) at a byte offset of a file.
patch() {
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Regular file, valid ELF, no execute permission: EACCES, exit 126.
cp "$good" noexec && chmod 644 noexec
# Executable text with no #! line: ENOEXEC, exit 126.
printf 'hello, I am not a program\n' > notelf && chmod 755 notelf
# Empty executable file.
: > empty && chmod 755 empty
# The first 100 bytes only: the ELF header is whole, the program headers
# it points at are not.
head -c 100 "$good" > truncated && chmod 755 truncated
# e_machine (offset 18) = EM_AARCH64 (183): a foreign architecture.
cp "$good" foreign && chmod 755 foreign && patch foreign 18 '\267\000'
# e_phnum (offset 56) = 0xffff: absurd program header count.
cp "$good" phnum && chmod 755 phnum && patch phnum 56 '\377\377'
# e_phoff (offset 32) far beyond the end of the file.
cp "$good" phoff && chmod 755 phoff &&
	patch phoff 32 '\000\000\000\000\000\000\000\100'
# A directory is not a program either.
mkdir -p adir
