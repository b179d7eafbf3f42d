# Real-program test: sed, awk and grep -r over /usr/share.
set -eu
grep -r -l -i 'free software' /usr/share/common-licenses | sort
grep -r -c GNU /usr/share/common-licenses | sort
grep -rh '^#define' /usr/include/linux | awk '{ n[$2 ~ /^_/]++ }
	END { print n[0], n[1] }'
sed -n 's/^.*\(version [0-9]\).*$/\1/p' /usr/share/common-licenses/GPL-3 |
	sort | uniq -c
awk 'length > m { m = length } END { print NR, m }' \
	/usr/share/common-licenses/*
sed -e 's/[aeiou]//g' -e '/^$/d' /usr/share/common-licenses/Apache-2.0 |
	md5sum
grep -rE -o '\<[A-Z]{5,}\>' /usr/share/common-licenses | cut -d: -f2 |
	sort | uniq -c | sort -k1,1nr -k2 | head -n 5
