# Sandbox only: start threads until the sandbox refuses one. The refusal
# must be an error to the program (EAGAIN: "can't start new thread"), below
# the sandbox's cap of 4096 tasks (or LIMIT, the first argument: the
# RLIMIT_NPROC it runs under), and the program must go on afterwards.
import os
import sys
import threading

if os.getpid() != 1:
    sys.exit("thread-bomb.py: not pid 1: not in a sandbox, refusing")
threading.stack_size(65536)
stop = threading.Event()
threads = []
try:
    while len(threads) < 100000:
        t = threading.Thread(target=stop.wait, daemon=True)
        t.start()
        threads.append(t)
except RuntimeError as e:
    print("stopped:", e)
n = len(threads)
cap = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
print("threads below the cap:", 0 < n < cap)
print("started", n, file=sys.stderr)
stop.set()
for t in threads:
    t.join()
# Still in control: a child runs and is waited for.
pid = os.fork()
if pid == 0:
    os._exit(7)
print("child status:", os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))
print("alive")
