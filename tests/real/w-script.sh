# Real-program test: script(1) runs a command on a new pty, forwards it,
# and waits for SIGCHLD on a signalfd (blocked SIGCHLD must stay pending).
command -v script >/dev/null || { echo "no script"; exit 0; }
script -q -c 'echo on a pty; tty | cut -c1-8; stty size' /dev/null \
	</dev/null | tr -d '\r'
script -q -e -c 'exit 3' /dev/null </dev/null; echo "status $?"
script -q -c 'sh -c "kill -TERM \$\$"' /dev/null </dev/null; echo "killed $?"
