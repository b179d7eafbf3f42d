# Sandbox only: become an unprivileged user with RLIMIT_NPROC set, then
# exec a program (the fork bomb of tests/run.sh's storm tests).
# Usage: python3 nproc-exec.py LIMIT PROG ARGS...
# Natively a fork bomb would run on the host (and root ignores the limit),
# so it refuses unless it is the init of a sandbox.
import os
import resource
import sys

if os.getpid() != 1:
    sys.exit("nproc-exec.py: not pid 1: not in a sandbox, refusing")
n = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_NPROC, (n, n))
os.setgroups([])
os.setresgid(65534, 65534, 65534)
os.setresuid(65534, 65534, 65534)
os.execv(sys.argv[2], sys.argv[2:])
