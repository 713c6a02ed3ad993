"""new_group on 3 ranks: a group of ranks 0 and 2 (rank 1 left out), a group of all ranks in
reverse order, collectives and point-to-point traffic within them, DDP on the subgroup,
and the default group still working around them. The test checks against numpy."""
import warnings

import cgrad
import cgrad.distributed as dist
from worker_common import finish, rank_input, start, to_numpy

rank, size = start()
out = {}


def tensor(r, shape, dtype="float32"):
    return cgrad.from_numpy(rank_input(r, shape, dtype).copy())


def caught(call):
    try:
        return ("returned", call())
    except Exception as error:  # noqa: BLE001 (the test compares the type and text)
        return (type(error).__name__, str(error))


pair = dist.new_group([2, 0], timeout=dist.default_pg_timeout)
backwards = dist.new_group([2, 1, 0], sort_ranks=False)
out["pair_is_member"] = pair != dist.GroupMember.NON_GROUP_MEMBER
out["rank", "pair"] = dist.get_rank(pair)
out["size", "pair"] = dist.get_world_size(pair)
out["rank", "backwards"] = dist.get_rank(backwards)
out["backend"] = caught(lambda: dist.get_backend(pair))
out["world_backend"] = dist.get_backend(dist.group.WORLD)
out["ranks", "backwards"] = dist.get_process_group_ranks(backwards)

with warnings.catch_warnings(record=True) as caught_warnings:
    warnings.simplefilter("always")
    t = tensor(rank, (3, 4))
    out["all_reduce_returned"] = dist.all_reduce(t, group=pair)
    out["all_reduce", "pair"] = to_numpy(t)
    out["warnings"] = [str(w.message) for w in caught_warnings]

if out["pair_is_member"]:
    out["group_rank_of_2"] = dist.get_group_rank(pair, 2)
    out["global_rank_of_1"] = dist.get_global_rank(pair, 1)
    out["not_in_pair"] = caught(lambda: dist.get_group_rank(pair, 1))
    t = tensor(rank, (2, 3), "float64")
    dist.broadcast(t, src=2, group=pair)
    out["broadcast", "src"] = to_numpy(t)
    t = tensor(rank, (2, 3), "float64")
    dist.broadcast(t, group=pair, group_src=0)
    out["broadcast", "group_src"] = to_numpy(t)
    t = tensor(rank, (5,), "int64")
    work = dist.all_reduce(t, op=dist.ReduceOp.MAX, group=pair, async_op=True)
    work.wait()
    out["all_reduce", "pair", "max_async"] = to_numpy(t)
    t = tensor(rank, (4,))
    dist.reduce(t, dst=2, group=pair)
    out["reduce", "dst2"] = to_numpy(t)
    gathered = [cgrad.zeros(3) for _ in range(2)] if rank == 2 else None
    dist.gather(tensor(rank, (3,)), gathered, dst=2, group=pair)
    out["gather", "dst2"] = to_numpy(gathered)
    t = cgrad.zeros(3)
    dist.scatter(t, [tensor(10 + r, (3,)) for r in range(2)] if rank == 0 else None, group=pair)
    out["scatter", "default_src"] = to_numpy(t)
    t = cgrad.zeros(3)
    if rank == 0:
        dist.send(tensor(0, (3,)) + 1, dst=2, group=pair)
        dist.send(tensor(0, (3,)) + 2, group=pair, group_dst=1)
    else:
        out["recv_source"] = dist.recv(t, group=pair)
        out["recv"] = to_numpy(t)
        out["recv_group_source"] = dist.recv(t, group=pair, group_src=0)
        out["recv_2"] = to_numpy(t)
    out["send_outside"] = caught(lambda: dist.send(cgrad.zeros(1), dst=1, group=pair))
    out["both_roots"] = caught(lambda: dist.broadcast(cgrad.zeros(1), 0, pair, group_src=0))

    # DDP within the pair: rank 0's weights everywhere, gradients averaged over the pair.
    cgrad.manual_seed(rank)
    net = cgrad.nn.Linear(3, 2)
    model = cgrad.nn.parallel.DistributedDataParallel(net, process_group=pair)
    out["ddp_initial"] = to_numpy(net.weight)
    x = tensor(rank, (4, 3))
    with model.no_sync():
        model(x).pow(2).sum().backward()
    out["ddp_local_grad"] = to_numpy(net.weight.grad)
    net.weight.grad = None
    model(x).pow(2).sum().backward()
    out["ddp_grad"] = to_numpy(net.weight.grad)
    dist.destroy_process_group(pair)
    out["after_destroy"] = caught(lambda: dist.all_reduce(cgrad.zeros(1), group=pair))
else:
    out["broadcast_outside"] = caught(lambda: dist.broadcast(cgrad.zeros(1), 0, group=pair))
    out["recv_outside"] = dist.recv(cgrad.zeros(1), group=pair)
    dist.destroy_process_group(pair)  # a non-member's: nothing to do, as torch

gathered = [cgrad.zeros(2) for _ in range(size)]
dist.all_gather(gathered, tensor(rank, (2,)), group=backwards)
out["all_gather", "backwards"] = to_numpy(gathered)
t = tensor(rank, (3,))
dist.all_reduce(t)  # the default group goes on after the subgroups' traffic
out["all_reduce", "world"] = to_numpy(t)

for name, call in [
        ("duplicates", lambda: dist.new_group([0, 0])),
        ("out_of_range", lambda: dist.new_group([0, size])),
        ("too_many", lambda: dist.new_group(list(range(size + 1)))),
        ("local_sync", lambda: dist.new_group([0, 1], use_local_synchronization=True)),
        ("timeout_type", lambda: dist.new_group([0, 1], timeout=5)),
        ("foreign_group", lambda: dist.all_reduce(cgrad.zeros(1), group="pair"))]:
    out["error", name] = caught(call)
finish(out)
