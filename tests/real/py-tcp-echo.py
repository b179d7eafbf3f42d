# Python differential test: a TCP echo server and its clients on 127.0.0.1
# (threads, selectors, non-blocking connect, shutdown), and signals around
# blocking calls (alarm interrupting a blocking recv, SIGCHLD, setitimer).
import os
import selectors
import signal
import socket
import threading
import time

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(8)
port = srv.getsockname()[1]


def serve():
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ)
    served = 0
    while served < 4:
        for key, _ in sel.select(timeout=10):
            if key.fileobj is srv:
                c, _ = srv.accept()
                c.setblocking(False)
                sel.register(c, selectors.EVENT_READ)
            else:
                c = key.fileobj
                data = c.recv(65536)
                if data:
                    c.sendall(data.upper())
                else:
                    sel.unregister(c)
                    c.close()
                    served += 1


t = threading.Thread(target=serve)
t.start()


def client(msg):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(msg)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                return out
            out += b


print(client(b"hello"))
big = client(b"x" * 1000000)
print(len(big), big == b"X" * 1000000)
# Non-blocking connect, completed through select.
s = socket.socket()
s.setblocking(False)
print("connect_ex in progress:", s.connect_ex(("127.0.0.1", port)) in
      (0, 115))
sel = selectors.DefaultSelector()
sel.register(s, selectors.EVENT_WRITE)
print("writable:", len(sel.select(timeout=5)) == 1,
      s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
s.setblocking(True)
s.sendall(b"nb")
s.shutdown(socket.SHUT_WR)
print(s.recv(10))
s.close()
# Joined before going on, so that its line always comes here.
ct = threading.Thread(target=lambda: print(client(b"thread")))
ct.start()
ct.join()
t.join()
srv.close()
# Connection refused on a closed port.
try:
    socket.create_connection(("127.0.0.1", port), timeout=5)
except ConnectionRefusedError:
    print("refused")

# Signals around blocking calls.
fired = []
signal.signal(signal.SIGALRM, lambda *a: fired.append("alarm"))
a, b = socket.socketpair()
signal.setitimer(signal.ITIMER_REAL, 0.2)
a.settimeout(2)
try:
    a.recv(1)  # PEP 475: retried after the handler, then times out
except socket.timeout:
    print("recv timed out after", fired)
chld = []
signal.signal(signal.SIGCHLD, lambda *a: chld.append(1))
pid = os.fork()
if pid == 0:
    os._exit(3)
_, st = os.waitpid(pid, 0)
time.sleep(0.05)
print("child", os.waitstatus_to_exitcode(st), "sigchld", bool(chld))
