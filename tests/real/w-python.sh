# Real-program test: python3 with subprocess, threading, a multiprocessing
# Pool of 2 and sqlite3 on a file in /tmp.
set -eu
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
cd "$d"
/usr/bin/python3 -c '
import subprocess, threading, multiprocessing, sqlite3, os, queue
def sq(x):
    return x * x
if __name__ == "__main__":
    r = subprocess.run("seq 1 1000 | sort -rn | head -n 2", shell=True,
                       capture_output=True, text=True)
    print(repr(r.stdout), r.returncode)
    print(subprocess.run(["false"]).returncode)
    p = subprocess.Popen(["sh", "-c", "read x; echo got $x; exit 4"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    print(p.communicate(b"hi\n"), p.returncode)
    try:
        subprocess.run(["sleep", "5"], timeout=0.3)
    except subprocess.TimeoutExpired:
        print("timeout expired")
    q = queue.Queue()
    def worker(i):
        s = sum(range(i * 10000))
        q.put((i, s))
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print(sorted(q.get() for _ in ts))
    ev = threading.Event(); cv = threading.Condition(); got = []
    def waiter():
        with cv:
            cv.wait_for(lambda: got)
        ev.set()
    t = threading.Thread(target=waiter); t.start()
    with cv:
        got.append(1); cv.notify()
    print("event", ev.wait(5)); t.join()
    with multiprocessing.Pool(2) as pool:
        print(sum(pool.map(sq, range(1000))))
        print(pool.apply_async(os.getpid).get() != os.getpid())
    db = sqlite3.connect(os.path.join(os.getcwd(), "t.db"))
    db.execute("pragma journal_mode=wal")
    db.execute("create table t (k integer primary key, v text)")
    with db:
        db.executemany("insert into t values (?, ?)",
                       ((i, str(i) * 3) for i in range(5000)))
    print(db.execute("select count(*), sum(k), max(v) from t").fetchone())
    db.execute("create index iv on t(v)")
    db.execute("vacuum")
    db.close()
    db = sqlite3.connect("t.db")
    print(db.execute("select v from t where k = 4242").fetchone())
    print(db.execute("pragma integrity_check").fetchone())
'
ls
