# Real-program test: the procps tools (vmstat, free, top, ps, uptime,
# pgrep) read /proc. Values differ between the host and the sandbox, so
# only the shape is compared: headers, field counts, formats.
set -u
have() { command -v "$1" >/dev/null 2>&1; }
# fields of each line, squeezed: "3 17" (lines with the same count folded)
shape() { awk '{ print NF }' | uniq | tr '\n' ' '; echo; }

if have vmstat; then
	vmstat 1 1 > /tmp/vm.$$ 2>&1; echo "vmstat status $?"
	head -n 2 /tmp/vm.$$
	tail -n +3 /tmp/vm.$$ | shape
	vmstat -s 2>&1 | sed 's/^ *[0-9]* //' | head -n 8
	rm -f /tmp/vm.$$
else
	echo "no vmstat"
fi
if have free; then
	free > /tmp/fr.$$ 2>&1; echo "free status $?"
	head -n 1 /tmp/fr.$$ | tr -s ' '
	tail -n +2 /tmp/fr.$$ | awk '{ print $1, NF }'
	rm -f /tmp/fr.$$
else
	echo "no free"
fi
if have top; then
	top -b -n1 > /tmp/top.$$ 2>&1; echo "top status $?"
	# the summary lines' labels, without their numbers
	head -n 5 /tmp/top.$$ | sed 's/[0-9][0-9.:,]*//g; s/  */ /g' |
		sed 's/top - up [a-z]*,* //; s/ *user[s]*,//' | cut -c1-12
	sed -n '7p' /tmp/top.$$ | tr -s ' '
	rm -f /tmp/top.$$
else
	echo "no top"
fi
if have ps; then
	ps aux > /tmp/ps.$$ 2>&1; echo "ps status $?"
	head -n 1 /tmp/ps.$$ | tr -s ' '
	tail -n +2 /tmp/ps.$$ | awk 'NF < 11 { bad++ } END { print "short lines", bad + 0 }'
	ps -o pid=,comm= -p $$ | awk '{ print NF, $2 }'
	# START comes from /proc/stat's btime plus stat's starttime
	st=$(date -d "$(ps -o lstart= -p $$)" +%s); now=$(date +%s)
	[ $((now - st)) -ge -2 ] && [ $((now - st)) -lt 600 ] &&
		echo "start time sane" || echo "start $st now $now"
	rm -f /tmp/ps.$$
else
	echo "no ps"
fi
if have uptime; then
	uptime | sed 's/.*load average: /load average: /; s/[0-9][0-9]*/N/g'
fi
if have pgrep; then
	sleep 5 & p=$!
	pgrep -x sleep | grep -qx "$p" && echo "pgrep finds sleep"
	kill $p; wait $p 2>/dev/null
fi
exit 0
