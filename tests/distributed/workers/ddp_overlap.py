"""Does DDP's bucket all-reduce overlap the rest of backward? argv[2] blocks of
(Linear, a layer whose backward takes argv[3] s), one bucket per Linear, and every
all-reduce made argv[4] s slower. Times, best of argv[5] tries each:
  series  - the backward under no_sync, then one slow all-reduce per bucket, in turn
  overlap - the DDP backward, whose all-reduces run while backward goes on
The delays are sleeps: they cost no CPU, so the timing holds on a loaded machine.
"""
import sys
import time

import cgrad
import cgrad.distributed as dist
from cgrad.distributed import _comm_thread
from worker_common import finish, start

rank, size = start()
layer_ends = []
blocks, layer_s, all_reduce_s, tries = int(sys.argv[2]), *map(float, sys.argv[3:5]), int(sys.argv[5])


class SlowBackward(cgrad.autograd.Function):
    """Identity whose backward stands for a layer's backward work."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        time.sleep(layer_s)
        layer_ends.append(time.perf_counter())
        return grad


class Slow(cgrad.nn.Module):
    def forward(self, x):
        return SlowBackward.apply(x)


class SlowAllreduce:
    """The group's MPI communicator with each all-reduce made all_reduce_s slower; records
    when each one started."""

    def __init__(self, comm):
        self.comm, self.started = comm, []

    def __getattr__(self, name):
        return getattr(self.comm, name)

    def Allreduce(self, *args, **kwargs):
        self.started.append(time.perf_counter())
        time.sleep(all_reduce_s)
        return self.comm.Allreduce(*args, **kwargs)


width = 16
net = cgrad.nn.Sequential(*[layer for _ in range(blocks)
                            for layer in (cgrad.nn.Linear(width, width), Slow())])
bucket_bytes = (width * width + width) * 4 - 64  # one Linear's weight and bias per bucket
model = cgrad.nn.parallel.DistributedDataParallel(net, bucket_cap_mb=bucket_bytes / 2**20)
# The blocking Allreduce, also where the machine is loaded (Note [Busy machines]).
_comm_thread._machine_busy = lambda: False
slow_comm = SlowAllreduce(dist.group.WORLD.comm)
dist.group.WORLD.comm = slow_comm
x = cgrad.randn(4, width)
flats = [cgrad.zeros(width * width + width) for _ in range(blocks)]


def series():
    with model.no_sync():
        model(x).sum().backward()
    for flat in flats:
        dist.all_reduce(flat)


def overlap():
    model(x).sum().backward()


times = {"series": [], "overlap": []}
for _ in range(tries):
    for name, step in (("series", series), ("overlap", overlap)):
        dist.barrier()
        begin = time.perf_counter()
        step()
        times[name].append(time.perf_counter() - begin)
reduced = len(slow_comm.started)
# The last overlapped backward: its all-reduces that began before its last slow layer's
# backward was done.
started_early = sum(t < layer_ends[-1] for t in slow_comm.started[-blocks:])
dist.group.WORLD.comm = slow_comm.comm
finish({"series": min(times["series"]), "overlap": min(times["overlap"]),
        "buckets": len(model._buckets), "all_reduces": reduced, "started_early": started_early})
