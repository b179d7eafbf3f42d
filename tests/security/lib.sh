# Helpers the security scripts share; each sources it as
#   . "$(dirname "$0")/lib.sh"

# field KEY PID: the value of KEY in /proc/PID/status (empty when the
# process is gone).
field() {
	awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' \
		"/proc/$2/status" 2>/dev/null
}

# tree DIR: every entry below DIR with its type, size, mode, link count and
# link target, sorted: two trees left by the same operations compare equal.
tree() {
	(cd "$1" && find . -printf '%p %y %s %m %n %l\n' | sort)
}
