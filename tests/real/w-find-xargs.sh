# Real-program test: find | xargs | sort | uniq -c over a system tree.
set -eu
find /usr/include -name '*.h' | sed 's|/[^/]*$||' | sort | uniq -c |
	sort -rn | head -n 8
find /usr/include/linux -type f -print0 | xargs -0 -n 50 cat | wc -c
find /usr/include/linux -name '*.h' | xargs -P2 -n 40 grep -l define |
	sort | md5sum
find /usr/share/common-licenses -type f | sort | xargs wc -l | tail -n 1
