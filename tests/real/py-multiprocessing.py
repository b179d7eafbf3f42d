# Python differential test: multiprocessing with each start method (fork,
# spawn, forkserver): pools, queues, process exit codes, shared values.
import multiprocessing as mp
def sq(x):
    return x * x
def put(q, i):
    q.put(i * 10)
if __name__ == "__main__":
    for method in ("fork", "spawn", "forkserver"):
        ctx = mp.get_context(method)
        with ctx.Pool(2) as p:
            print(method, sum(p.map(sq, range(100))))
        q = ctx.Queue()
        ps = [ctx.Process(target=put, args=(q, i)) for i in range(3)]
        [p.start() for p in ps]
        print(method, sorted(q.get() for _ in ps))
        [p.join() for p in ps]
        print(method, [p.exitcode for p in ps])
        lock = ctx.Lock(); v = ctx.Value("i", 0)
        print(method, "value", v.value)
