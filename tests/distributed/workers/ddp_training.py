"""DDP training on 2 ranks, each on its half of every batch; the test replays it
single-process in torch. argv[2] picks the case:
  plain   - SGD steps, small buckets (several per step), buffers broadcast
  no_sync - two half-batches accumulated under no_sync, then one synchronized
  unused  - rank 1 skips a branch on odd steps (find_unused_parameters=True)
"""
import sys

import numpy as np

import cgrad
from worker_common import finish, start, to_numpy

rank, size = start()
case = sys.argv[2]
nn = cgrad.nn
DDP = nn.parallel.DistributedDataParallel


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
        self.head = nn.Linear(16, 3)
        self.branch = nn.Linear(16, 3)
        self.register_buffer("scale", cgrad.full((3,), 1.0 + rank))  # rank 0's must win

    def forward(self, x, use_branch=True):
        h = self.body(x)
        out = self.head(h) * self.scale
        return out + self.branch(h) if use_branch else out


def batch(step, part, parts=2):
    """Part `part` of `parts` equal parts of step `step`'s batch of 8."""
    rng = np.random.default_rng(100 + step)
    x, y = rng.standard_normal((8, 6)).astype(np.float32), rng.integers(0, 3, 8)
    rows = slice(part * 8 // parts, (part + 1) * 8 // parts)
    return cgrad.from_numpy(x[rows].copy()), cgrad.from_numpy(y[rows].copy())


cgrad.manual_seed(rank)  # different initial weights: DDP must make them rank 0's
net = Net()
launched_before_last_grad = []
# Registered before DDP's own hooks, so it runs first: the parameter whose gradient
# backward produces last, at which point the other buckets' reductions must be under way.
net.body[0].weight.register_post_accumulate_grad_hook(lambda p: launched_before_last_grad.append(
    sum(bucket.work is not None for bucket in model._buckets)))
model = DDP(net, bucket_cap_mb=0.0002, find_unused_parameters=(case == "unused"))
opt = cgrad.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
out = {"initial": {k: to_numpy(v) for k, v in net.state_dict().items()}, "steps": []}
for step in range(4):
    opt.zero_grad()
    if case == "no_sync":
        with model.no_sync():
            x, y = batch(step, 2 * rank, parts=4)
            (nn.functional.cross_entropy(model(x), y) / 2).backward()
        out.setdefault("local_after_no_sync", to_numpy(net.head.weight.grad))
        x, y = batch(step, 2 * rank + 1, parts=4)
        (nn.functional.cross_entropy(model(x), y) / 2).backward()
    else:
        x, y = batch(step, rank)
        use_branch = not (case == "unused" and rank == 1 and step % 2 == 1)
        nn.functional.cross_entropy(model(x, use_branch=use_branch), y).backward()
    out["steps"].append({name: to_numpy(p.grad) for name, p in net.named_parameters()})
    opt.step()
out["final"] = {k: to_numpy(v) for k, v in net.state_dict().items()}
out["buckets"] = len(model._buckets)
out["launched_before_last_grad"] = launched_before_last_grad

if case == "plain":  # a parameter unused without find_unused_parameters: torch's error
    opt.zero_grad()
    x, y = batch(0, rank)
    nn.functional.cross_entropy(model(x, use_branch=False), y).backward()
    try:
        model(x)
        out["unused_error"] = None
    except RuntimeError as error:
        out["unused_error"] = str(error)
finish(out)
