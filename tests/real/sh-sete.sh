# Shell differential test (dash, busybox sh): set -e, command substitution,
# functions and exit statuses.
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
f() { echo "f $1"; return "$1"; }
f 0 && echo ok0
f 2 || echo "f 2 failed: $?"
x=$(f 3); echo "subst status $? out [$x]"
y=$(echo a; echo b); echo "$y" | wc -l
z=$(printf 'trail\n\n\n'); echo "[$z]"
n=$(echo $(echo $(echo deep))); echo "$n"
echo "$(( (7 + 3) * 4 % 7 )) $((1 << 10))"
( set -e; echo in; false; echo not reached ); echo "set -e subshell: $?"
( set -e; false || echo "|| exempt"; if false; then :; fi; echo "if exempt" )
( set -e; ! true; echo "! exempt" )
( set -e; f 0; f 1; echo not reached ); echo "set -e function: $?"
( set -u; echo "$undefined_var" ) 2>/dev/null; echo "set -u: $([ $? -ne 0 ] && echo fails)"
sh -c 'exit 300'; echo "exit 300 is $?"
sh -c 'kill -9 $$'; echo "kill -9 is $?"
command -v nonexistent_cmd_xyz >/dev/null; echo "command -v: $?"
nonexistent_cmd_xyz 2>/dev/null; echo "not found: $?"
: > noexec; chmod 644 noexec; ./noexec 2>/dev/null; echo "not executable: $?"
printf '#!/bin/sh\necho script ran with "$@"\n' > s; chmod +x s; ./s a b
