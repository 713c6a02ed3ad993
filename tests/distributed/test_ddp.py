"""DistributedDataParallel on 2 MPI ranks against single-process torch training: after
every step the averaged gradients and the parameters match torch's on the whole batch."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers"))
from mpi_launch import launch_ok  # noqa: E402

torch = pytest.importorskip("torch")


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.body = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh())
        self.head = nn.Linear(16, 3)
        self.branch = nn.Linear(16, 3)
        self.register_buffer("scale", torch.ones(3))

    def forward(self, x, use_branch=True):
        h = self.body(x)
        out = self.head(h) * self.scale
        return out + self.branch(h) if use_branch else out


def batch(step):
    rng = np.random.default_rng(100 + step)
    x, y = rng.standard_normal((8, 6)).astype(np.float32), rng.integers(0, 3, 8)
    return torch.from_numpy(x), torch.from_numpy(y)


def torch_replay(initial, case, steps=4):
    """Gradients (averaged over the ranks' losses) and final state, single-process."""
    net = Net()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in initial.items()})
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    grads = []
    for step in range(steps):
        opt.zero_grad()
        x, y = batch(step)
        if case == "unused":
            losses = [torch.nn.functional.cross_entropy(
                net(x[4 * r:4 * r + 4], use_branch=not (r == 1 and step % 2 == 1)),
                y[4 * r:4 * r + 4]) for r in range(2)]
            ((losses[0] + losses[1]) / 2).backward()
        else:
            torch.nn.functional.cross_entropy(net(x), y).backward()
        grads.append({n: p.grad.numpy().copy() for n, p in net.named_parameters()})
        opt.step()
    return grads, {k: v.numpy() for k, v in net.state_dict().items()}


def close(a, b, what):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=what)


@pytest.mark.parametrize("case", ["plain", "no_sync", "unused"])
def test_ddp_matches_single_process_torch(tmp_path, case):
    results = launch_ok("ddp_training.py", tmp_path, case)
    initial = results[0]["initial"]
    for key, value in results[1]["initial"].items():  # rank 0's weights, buffers included
        np.testing.assert_array_equal(value, initial[key], err_msg=key)
    assert initial["scale"].tolist() == [1.0, 1.0, 1.0]
    grads, final = torch_replay(initial, case)
    for rank, out in enumerate(results):
        assert out["buckets"] > 2  # small buckets: the reduction really is split
        if case != "no_sync":  # buckets were reduced while backward still ran
            assert out["launched_before_last_grad"][:4] == [out["buckets"] - 1] * 4
        for step, (ours, theirs) in enumerate(zip(out["steps"], grads)):
            assert ours.keys() == theirs.keys()
            for name in theirs:
                close(ours[name], theirs[name], f"rank {rank} step {step} grad {name}")
        for key in final:
            close(out["final"][key], final[key], f"rank {rank} final {key}")
    if case == "no_sync":  # inside no_sync the ranks' gradients were their own
        assert not np.allclose(results[0]["local_after_no_sync"], results[1]["local_after_no_sync"])
    if case == "plain":
        for out in results:
            assert out["unused_error"].startswith("Expected to have finished reduction in the "
                                                  "prior iteration before starting a new one.")
            assert "branch.weight" in out["unused_error"]


def test_bucket_all_reduce_overlaps_backward(tmp_path):
    """4 buckets, each all-reduce 0.2 s slower, each layer's backward 0.2 s: in series
    that is 1.6 s; overlapped, only the last bucket's all-reduce (launched when backward
    ends) adds to the backward's 0.8 s, about 1.0 s. Asserted with half the gain as margin."""
    blocks, layer_s, all_reduce_s = 4, 0.2, 0.2
    out = launch_ok("ddp_overlap.py", tmp_path, blocks, layer_s, all_reduce_s, 2)
    for rank, times in enumerate(out):
        assert times["buckets"] == blocks
        assert times["all_reduces"] == 2 * 2 * blocks  # 2 tries of series and of overlap
        assert times["started_early"] == blocks - 1, times
        assert times["series"] >= blocks * (layer_s + all_reduce_s), times
        assert times["overlap"] >= blocks * layer_s + all_reduce_s, times
        hidden = (blocks - 1) * all_reduce_s
        assert times["overlap"] < times["series"] - hidden / 2, (rank, times)
