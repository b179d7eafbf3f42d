# Shell differential test (dash, busybox sh): here-documents, redirections
# and file descriptors.
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
cd "$d" || exit 1
v=expanded
cat <<EOF2
unquoted: $v $((2+3)) $(echo cmd)
EOF2
cat <<'EOF2'
quoted: $v $((2+3))
EOF2
	cat <<-EOF2
	tabs stripped: $v
	EOF2
while read -r a b; do echo "$b $a"; done <<EOF2
1 one
2 two
EOF2
exec 3> fd3
echo to three >&3
echo more >&3
exec 3>&-
cat fd3
exec 4< fd3
read -r l <&4; echo "read [$l]"
exec 4<&-
echo out 2>&1 >/dev/null | cat
{ echo err >&2; } 2>&1 | cat
echo append >> fd3; echo append >> fd3; wc -l < fd3
( echo a; echo b >&2 ) > both 2>&1; sort both
set -C; (echo x > fd3) 2>/dev/null || echo "noclobber refused"; set +C
echo ok > /dev/null; echo "dev null: $?"
cat < /dev/null | wc -c
ls nonexistent 2>/dev/null || echo "ls failed: $?"
