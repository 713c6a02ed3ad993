"""Rank 1 fails in the way argv[2] names while rank 0 goes on; the job must end with a
clear error, not hang. argv[3] is the group's timeout in seconds.

  raise_before_init    rank 1 raises before joining the group
  raise                rank 1 raises while rank 0 waits in an all_reduce
  exit                 rank 1 quietly leaves while rank 0 waits in an all_reduce
  raise_after_barrier  as raise and exit, after a barrier both ranks passed
  exit_after_barrier
  killed               rank 1 is killed (SIGKILL) while rank 0 waits in an all_reduce
  exit_before_recv     rank 1 leaves while rank 0 waits to receive from it
  mismatch             rank 1 broadcasts while rank 0 all-reduces: both raise
  exit_in_subgroup     as exit, in a group of its own whose timeout is 2 s
  raise_in_backward    rank 1 raises halfway through a DDP backward, some of its
                       buckets already launched
  hang_in_backward     rank 1 stops halfway through a DDP backward; rank 0 catches its
                       timeout, finds the group broken, then raises
"""
import datetime
import os
import signal
import sys
import time

import cgrad
import cgrad.distributed as dist
from worker_common import start

case, timeout_s = sys.argv[2], float(sys.argv[3])
rank_before_init = int(os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
if case == "raise_before_init" and rank_before_init == 1:
    raise ValueError("rank 1 cannot go on")
rank, _ = start(timeout_s=timeout_s)
if case.endswith("after_barrier"):
    dist.barrier()


class StopsHalfway(cgrad.autograd.Function):
    """Identity; on rank 1 its backward raises or stops."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, grad):
        if rank == 1:
            if case == "raise_in_backward":
                raise ValueError("rank 1 cannot go on")
            time.sleep(10 * timeout_s)
        return grad


class Halfway(cgrad.nn.Module):
    def forward(self, x):
        return StopsHalfway.apply(x)


if case.endswith("in_backward"):
    net = cgrad.nn.Sequential(cgrad.nn.Linear(4, 4), Halfway(), cgrad.nn.Linear(4, 4))
    model = cgrad.nn.parallel.DistributedDataParallel(net, bucket_cap_mb=50 / 2**20)
    try:
        model(cgrad.ones(2, 4)).sum().backward()
    except RuntimeError as error:
        print(f"rank {rank} caught: {error}", flush=True)
        try:
            dist.barrier()
        except RuntimeError as again:
            print(f"rank {rank} then barrier: {again}", flush=True)
        raise
elif case == "exit_in_subgroup":
    both = dist.new_group([0, 1], timeout=datetime.timedelta(seconds=2))
    if rank == 1:
        sys.exit(0)
    dist.all_reduce(cgrad.ones(3), group=both)
elif case == "mismatch":
    try:
        if rank == 1:
            dist.broadcast(cgrad.ones(3), src=0)
        else:
            dist.all_reduce(cgrad.ones(3))
    except RuntimeError as error:
        print(f"rank {rank} caught: {error}", flush=True)
        raise
elif rank == 1:
    if case.startswith("raise"):
        raise ValueError("rank 1 cannot go on")
    if case == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    sys.exit(0)
elif case == "exit_before_recv":
    dist.recv(cgrad.zeros(3), src=1)
else:
    if case == "killed":
        time.sleep(0.5)  # rank 1 is killed before or during the all_reduce
    dist.all_reduce(cgrad.ones(3))
