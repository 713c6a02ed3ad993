"""Every collective on each dtype and reduce op; the test checks the results against numpy."""
import numpy as np

import cgrad
import cgrad.distributed as dist
from cgrad.distributed import _comm_thread
from worker_common import finish, rank_input, start, to_numpy

rank, size = start()
ReduceOp = dist.ReduceOp
out = {}


def tensor(r, shape, dtype):
    return cgrad.from_numpy(rank_input(r, shape, dtype).copy())


OPS = ["SUM", "PRODUCT", "MIN", "MAX"]
for dtype in ["float32", "float64", "int64", "int32", "bool"]:
    for op in OPS:
        t = tensor(rank, (3, 4), dtype)
        dist.all_reduce(t, op=getattr(ReduceOp, op))
        out["all_reduce", dtype, op] = to_numpy(t)
for dtype in ["int64", "int32", "bool"]:
    for op in ["BAND", "BOR", "BXOR"]:
        t = tensor(rank, (5,), dtype)
        dist.all_reduce(t, op=getattr(ReduceOp, op))
        out["all_reduce", dtype, op] = to_numpy(t)
for dtype in ["float32", "float64"]:
    t = tensor(rank, (3, 4), dtype)
    dist.all_reduce(t, op=ReduceOp.AVG)
    out["all_reduce", dtype, "AVG"] = to_numpy(t)

# A transposed (non-contiguous) tensor, reduced through a contiguous copy.
t = tensor(rank, (4, 3), "float32").t()
dist.all_reduce(t)
out["all_reduce", "transposed"] = to_numpy(t)

# Several asynchronous reductions in flight at once, waited in reverse.
pending = [(tensor(rank, (1000 * (i + 1),), "float32"), i) for i in range(4)]
works = [dist.all_reduce(t, async_op=True) for t, _ in pending]
out["async_completed_kind"] = type(works[0]).__name__
for work in reversed(works):
    assert work.wait() is True
    assert work.is_completed()
out["async"] = [to_numpy(t) for t, _ in pending]

for src in range(size):
    t = tensor(rank, (2, 3), "float64")
    dist.broadcast(t, src=src)
    out["broadcast", src] = to_numpy(t)

gathered = [cgrad.zeros(2, 3, dtype=cgrad.int64) for _ in range(size)]
dist.all_gather(gathered, tensor(rank, (2, 3), "int64"))
out["all_gather"] = to_numpy(gathered)

flat = cgrad.zeros(size * 2, 3)
dist.all_gather_into_tensor(flat, tensor(rank, (2, 3), "float32"))
out["all_gather_into_tensor"] = to_numpy(flat)

chunk = cgrad.zeros(2, 3)
dist.reduce_scatter(chunk, [tensor(rank * size + i, (2, 3), "float32") for i in range(size)])
out["reduce_scatter"] = to_numpy(chunk)
chunk = cgrad.zeros(3)
dist.reduce_scatter_tensor(chunk, tensor(rank, (size * 3,), "float32"), op=ReduceOp.MAX)
out["reduce_scatter_tensor_max"] = to_numpy(chunk)

t = tensor(rank, (4,), "float32")
dist.reduce(t, dst=1, op=ReduceOp.SUM)
out["reduce"] = to_numpy(t)

gather_list = [cgrad.zeros(3) for _ in range(size)] if rank == 0 else None
dist.gather(tensor(rank, (3,), "float32"), gather_list, dst=0)
out["gather"] = to_numpy(gather_list)

received = cgrad.zeros(3)
dist.scatter(received, [tensor(10 + i, (3,), "float32") for i in range(size)] if rank == 1
             else None, src=1)
out["scatter"] = to_numpy(received)

# Point to point: a symmetric exchange of a large message (posting both before waiting
# must not deadlock), then a receive from any source.
peer = 1 - rank
big_out = cgrad.full((1 << 20,), float(rank))
big_in = cgrad.zeros(1 << 20)
works = [dist.isend(big_out, peer, tag=7), dist.irecv(big_in, peer, tag=7)]
for work in works:
    work.wait()
out["exchange"] = float(big_in.sum().item())
if rank == 0:
    dist.send(tensor(0, (3,), "float32") + 1, dst=1)
else:
    received = cgrad.zeros(3)
    out["recv_source"] = dist.recv(received)
    out["recv"] = to_numpy(received)

dist.barrier()
out["barrier_async"] = dist.barrier(async_op=True).wait()

# Note [Busy machines]: rank 1 alone reports a busy machine, so both ranks must run the
# polled non-blocking form of all_reduce and broadcast.
polled = []
run_polled, machine_busy = _comm_thread._run_polled, _comm_thread._machine_busy
_comm_thread._run_polled = lambda operation: (polled.append(operation.work._name),
                                              run_polled(operation))
_comm_thread._machine_busy = lambda: rank == 1
t = tensor(rank, (3, 4), "float32")
dist.all_reduce(t)
out["busy", "all_reduce"] = to_numpy(t)
t = tensor(rank, (3, 4), "float64")
dist.all_reduce(t, op=ReduceOp.AVG, async_op=True).wait()
out["busy", "all_reduce_avg"] = to_numpy(t)
t = tensor(rank, (2, 3), "float64")
dist.broadcast(t, src=1)
out["busy", "broadcast"] = to_numpy(t)
out["busy", "polled"] = polled
_comm_thread._run_polled, _comm_thread._machine_busy = run_polled, machine_busy

# Errors raised in the caller, before anything is queued.
for name, call in [
        ("broadcast_root", lambda: dist.broadcast(cgrad.zeros(1), src=size)),
        ("all_gather_length", lambda: dist.all_gather([cgrad.zeros(1)], cgrad.zeros(1))),
        ("avg_int", lambda: dist.all_reduce(cgrad.zeros(1, dtype=cgrad.int64), op=ReduceOp.AVG)),
        ("not_tensor", lambda: dist.all_reduce([1.0])),
        ("send_self", lambda: dist.send(cgrad.zeros(1), dst=rank)),
        ("twice", lambda: dist.init_process_group("mpi"))]:
    try:
        call()
        out["error", name] = None
    except Exception as error:  # noqa: BLE001 (the test compares the type and text)
        out["error", name] = (type(error).__name__, str(error))

finish(out)
