"""Collectives and point-to-point operations on tensors, with torch.distributed's
signatures. Each checks its arguments in the caller's thread, then queues an Operation
on the group's communication thread; async_op=True returns the Work, otherwise the call
waits for it.

Note [Zero-copy buffers]: MPI reads and writes a contiguous tensor's own memory through
the numpy array that shares it (`.numpy()` on the detached tensor), so nothing is copied;
a non-contiguous tensor goes through a contiguous copy written back on completion.
Collectives act on tensors outside autograd, as torch's do.
"""
import numpy as np

from .. import _C
from ._comm_thread import Operation, Work
from ._process_group import ProcessGroup, ReduceOp, _group_of
from ._subgroups import _canonical_group_rank, _warn_not_in_group


def _check_tensor(name, arg, value):
    if not isinstance(value, _C.Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{arg}` of type "
                        f"cgrad.Tensor but got {type(value)} instead.")


def _check_tensor_list(name, arg, values):
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, _C.Tensor) for v in values):
        raise TypeError(f"Invalid function argument. Expected parameter `{arg}` of type "
                        f"List[cgrad.Tensor] but got {type(values)} instead.")


def _check_rank(name, what, rank, size):
    if not isinstance(rank, int) or not 0 <= rank < size:
        raise ValueError(f"{name}: invalid {what} rank: {rank} (world size {size})")


class _Buffer:
    """A contiguous numpy view of a tensor for MPI, and its write-back."""

    def __init__(self, tensor):
        self.tensor = tensor.detach()
        if self.tensor.is_contiguous():
            self.copy = None
            self.array = self.tensor.numpy()
        else:
            self.copy = self.tensor.contiguous()
            self.array = self.copy.numpy()

    def write_back(self):
        if self.copy is not None:
            self.tensor.copy_(self.copy)


def _member_group(group, name):
    """The group to run on, or None, after torch's warning, where this rank is not in it."""
    pg = _group_of(group)
    if isinstance(pg, ProcessGroup):
        return pg
    _warn_not_in_group(name)
    return None


def _mpi_op(mpi, op, dtype, name):
    if op is ReduceOp.AVG:
        if not dtype.kind == "f":
            raise ValueError(f"{name}: ReduceOp.AVG needs a floating-point tensor, got {dtype}")
        return mpi.SUM
    if dtype == np.bool_:  # MPI defines only logical reductions on C_BOOL
        logical = {ReduceOp.SUM: mpi.LOR, ReduceOp.MAX: mpi.LOR, ReduceOp.BOR: mpi.LOR,
                   ReduceOp.PRODUCT: mpi.LAND, ReduceOp.MIN: mpi.LAND, ReduceOp.BAND: mpi.LAND,
                   ReduceOp.BXOR: mpi.LXOR}
        return logical[op]
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind == "f":
        raise ValueError(f"{name}: {op} needs an integer or bool tensor, got {dtype}")
    table = {ReduceOp.SUM: mpi.SUM, ReduceOp.PRODUCT: mpi.PROD, ReduceOp.MIN: mpi.MIN,
             ReduceOp.MAX: mpi.MAX, ReduceOp.BAND: mpi.BAND, ReduceOp.BOR: mpi.BOR,
             ReduceOp.BXOR: mpi.BXOR}
    if op not in table:
        raise ValueError(f"{name}: unsupported reduce op {op!r}")
    return table[op]


def _submit(pg, name, run, finish, async_op, outputs=(), signature=(), run_nonblocking=None):
    """Queues a collective: `run` is its blocking MPI call (Note [Rendezvous, then a
    blocking collective]), `signature` (element count, dtype, root or reduce op) what
    every rank's call must share (Note [Matching collectives]); waits for it unless
    async_op. `run_nonblocking` starts the same collective without blocking (Note [Busy
    machines])."""
    work = pg.comm_thread.submit(Operation(Work(name, outputs), pg, run, finish,
                                           signature=signature,
                                           run_nonblocking=run_nonblocking))
    if async_op:
        return work
    work.wait()
    return None


def _submit_point_to_point(pg, name, start, finish, peer, outputs=()):
    """Queues a send or receive with `peer` (None: any rank): `start` returns its
    non-blocking MPI requests."""
    return pg.comm_thread.submit(Operation(Work(name, outputs), pg, finish=finish, start=start,
                                           peer=peer))


def _signature(array, extra=None):
    return array.size, array.dtype, extra


def _averaged(pg, op, array):
    if op is ReduceOp.AVG:
        np.divide(array, pg.size(), out=array)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduces `tensor` across ranks in place; every rank gets the result."""
    _check_tensor("all_reduce", "tensor", tensor)
    pg = _member_group(group, "all_reduce")
    if pg is None:
        return None
    buf = _Buffer(tensor)
    mpi_op = _mpi_op(pg.mpi, op, buf.array.dtype, "all_reduce")

    def finish(_):
        _averaged(pg, op, buf.array)
        buf.write_back()
    return _submit(pg, "all_reduce",
                   lambda: pg.comm.Allreduce(pg.mpi.IN_PLACE, buf.array, op=mpi_op),
                   finish, async_op, [tensor], _signature(buf.array, op.value),
                   lambda: pg.comm.Iallreduce(pg.mpi.IN_PLACE, buf.array, op=mpi_op))


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copies rank `src`'s tensor (group rank `group_src`) into every rank's `tensor`."""
    _check_tensor("broadcast", "tensor", tensor)
    pg = _group_of(group)
    src = _canonical_group_rank(pg, src, group_src)  # before the membership check, as torch
    pg = _member_group(pg, "broadcast")
    if pg is None:
        return None
    _check_rank("broadcast", "root", src, pg.size())
    buf = _Buffer(tensor)
    return _submit(pg, "broadcast", lambda: pg.comm.Bcast(buf.array, root=src),
                   lambda _: buf.write_back(), async_op, [tensor], _signature(buf.array, src),
                   lambda: pg.comm.Ibcast(buf.array, root=src))


def _same_layout(name, outputs, reference):
    for i, out in enumerate(outputs):
        if tuple(out.shape) != tuple(reference.shape) or out.dtype != reference.dtype:
            raise ValueError(f"{name}: tensor {i} of the list has shape {tuple(out.shape)} and "
                             f"{out.dtype}, but the input has {tuple(reference.shape)} and "
                             f"{reference.dtype}")


def _check_list_length(name, values, size):
    if len(values) != size:
        raise ValueError(f"{name}: the tensor list must hold one tensor per rank "
                         f"(world size {size}), got {len(values)}")


def _copy_rows(outputs, rows):
    for out, row in zip(outputs, rows):
        out.detach().copy_(_C.from_numpy(row).reshape(tuple(out.shape)))


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] receives rank r's `tensor`."""
    _check_tensor_list("all_gather", "tensor_list", tensor_list)
    _check_tensor("all_gather", "tensor", tensor)
    pg = _member_group(group, "all_gather")
    if pg is None:
        return None
    _check_list_length("all_gather", tensor_list, pg.size())
    _same_layout("all_gather", tensor_list, tensor)
    send = _Buffer(tensor).array
    received = np.empty((pg.size(), send.size), dtype=send.dtype)
    return _submit(pg, "all_gather", lambda: pg.comm.Allgather(send, received),
                   lambda _: _copy_rows(tensor_list, received), async_op, tensor_list,
                   _signature(send))


def _check_numel(name, big, small, size):
    if big.numel() != small.numel() * size or big.dtype != small.dtype:
        raise ValueError(f"{name}: the output must have world size ({size}) times the "
                         f"input's elements and the same dtype: got {tuple(big.shape)} "
                         f"{big.dtype} for {tuple(small.shape)} {small.dtype}")


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """Rank r's `input_tensor` lands in the r-th chunk of `output_tensor`."""
    _check_tensor("all_gather_into_tensor", "output_tensor", output_tensor)
    _check_tensor("all_gather_into_tensor", "input_tensor", input_tensor)
    pg = _member_group(group, "all_gather_into_tensor")
    if pg is None:
        return None
    _check_numel("all_gather_into_tensor", output_tensor, input_tensor, pg.size())
    send, out = _Buffer(input_tensor).array, _Buffer(output_tensor)
    return _submit(pg, "all_gather_into_tensor",
                   lambda: pg.comm.Allgather(send, out.array),
                   lambda _: out.write_back(), async_op, [output_tensor], _signature(send))


def _reduce_scatter(pg, name, output, send, op, async_op):
    out = _Buffer(output)
    mpi_op = _mpi_op(pg.mpi, op, out.array.dtype, name)

    def finish(_):
        _averaged(pg, op, out.array)
        out.write_back()
    return _submit(pg, name, lambda: pg.comm.Reduce_scatter_block(send, out.array, op=mpi_op),
                   finish, async_op, [output], _signature(out.array, op.value))


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """`output` receives the reduction over ranks of each rank's input_list[rank]."""
    _check_tensor("reduce_scatter", "output", output)
    _check_tensor_list("reduce_scatter", "input_list", input_list)
    pg = _member_group(group, "reduce_scatter")
    if pg is None:
        return None
    _check_list_length("reduce_scatter", input_list, pg.size())
    _same_layout("reduce_scatter", input_list, output)
    send = np.concatenate([_Buffer(t).array.reshape(-1) for t in input_list])
    return _reduce_scatter(pg, "reduce_scatter", output, send, op, async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """`output` receives the reduction over ranks of the rank-th chunk of `input`."""
    _check_tensor("reduce_scatter_tensor", "output", output)
    _check_tensor("reduce_scatter_tensor", "input", input)
    pg = _member_group(group, "reduce_scatter_tensor")
    if pg is None:
        return None
    _check_numel("reduce_scatter_tensor", input, output, pg.size())
    send = _Buffer(input).array
    return _reduce_scatter(pg, "reduce_scatter_tensor", output, send, op, async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Rank `dst`'s (group rank `group_dst`'s) tensor receives the reduction; the others'
    are left as they were."""
    _check_tensor("reduce", "tensor", tensor)
    pg = _member_group(group, "reduce")
    if pg is None:
        return None
    dst = _canonical_group_rank(pg, dst, group_dst)
    _check_rank("reduce", "root", dst, pg.size())
    buf = _Buffer(tensor)
    mpi_op = _mpi_op(pg.mpi, op, buf.array.dtype, "reduce")
    root = pg.rank() == dst

    def run():
        if root:
            pg.comm.Reduce(pg.mpi.IN_PLACE, buf.array, op=mpi_op, root=dst)
        else:
            pg.comm.Reduce(buf.array, None, op=mpi_op, root=dst)

    def finish(_):
        if root:
            _averaged(pg, op, buf.array)
            buf.write_back()
    return _submit(pg, "reduce", run, finish, async_op, [tensor],
                   _signature(buf.array, op.value * pg.size() + dst))


def _root_and_list(pg, name, tensor, tensors, root, group_root, role):
    """gather's and scatter's checks: the root's group rank (global rank 0 by default),
    and a tensor list given on the root only, one tensor per rank shaped as `tensor`."""
    root = _canonical_group_rank(pg, 0 if root is None and group_root is None else root,
                                 group_root)
    _check_rank(name, "root", root, pg.size())
    arg = f"{name}_list"
    if pg.rank() == root:
        if tensors is None:
            raise ValueError(f"{name}: Argument ``{arg}`` must be specified on {role} rank.")
        _check_tensor_list(name, arg, tensors)
        _check_list_length(name, tensors, pg.size())
        _same_layout(name, tensors, tensor)
    elif tensors:
        raise ValueError(f"{name}: Argument ``{arg}`` must NOT be specified on non-{role} ranks.")
    return root, pg.rank() == root


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """Rank `dst`'s gather_list[r] receives rank r's tensor."""
    _check_tensor("gather", "tensor", tensor)
    pg = _member_group(group, "gather")
    if pg is None:
        return None
    dst, root = _root_and_list(pg, "gather", tensor, gather_list, dst, group_dst, "destination")
    send = _Buffer(tensor).array
    received = np.empty((pg.size(), send.size), dtype=send.dtype) if root else None

    def finish(_):
        if root:
            _copy_rows(gather_list, received)
    return _submit(pg, "gather", lambda: pg.comm.Gather(send, received, root=dst),
                   finish, async_op, gather_list or [], _signature(send, dst))


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """Each rank r's tensor receives rank `src`'s scatter_list[r]."""
    _check_tensor("scatter", "tensor", tensor)
    pg = _member_group(group, "scatter")
    if pg is None:
        return None
    src, root = _root_and_list(pg, "scatter", tensor, scatter_list, src, group_src, "source")
    send = np.concatenate([_Buffer(t).array.reshape(-1) for t in scatter_list]) if root else None
    out = _Buffer(tensor)
    return _submit(pg, "scatter", lambda: pg.comm.Scatter(send, out.array, root=src),
                   lambda _: out.write_back(), async_op, [tensor], _signature(out.array, src))


def barrier(group=None, async_op=False, device_ids=None):
    """Returns once every rank reached it."""
    pg = _member_group(group, "barrier")
    if pg is None:
        return None
    return _submit(pg, "barrier", None, None, async_op)  # the rendezvous is the barrier


def _check_peer(name, peer, pg, what):
    _check_rank(name, what, peer, pg.size())
    if peer == pg.rank():
        raise ValueError(f"Invalid {what} rank: {what} rank should not be the same as the "
                         f"rank of the current process.")


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    """Sends `tensor` to rank `dst` (group rank `group_dst`); returns a Work."""
    _check_tensor("isend", "tensor", tensor)
    pg = _member_group(group, "isend")
    if pg is None:
        return None
    dst = _canonical_group_rank(pg, dst, group_dst)
    _check_peer("isend", dst, pg, "destination")
    send = _Buffer(tensor).array
    if not tensor.is_contiguous():
        send = send.copy()  # the copy must not change while MPI sends it
    return _submit_point_to_point(pg, "send", lambda: [pg.comm.Isend(send, dest=dst, tag=tag)],
                                  None, pg.ranks[dst])


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receives into `tensor` from rank `src` (group rank `group_src`; any rank when both
    are None); returns a Work whose source_rank() tells the sender's group rank."""
    _check_tensor("irecv", "tensor", tensor)
    pg = _member_group(group, "irecv")
    if pg is None:
        return None
    if src is not None or group_src is not None:
        src = _canonical_group_rank(pg, src, group_src)
        _check_peer("irecv", src, pg, "source")
    buf = _Buffer(tensor)
    source = pg.mpi.ANY_SOURCE if src is None else src
    work = None

    def finish(statuses):
        buf.write_back()
        work._source_rank = statuses[0].Get_source()
    work = _submit_point_to_point(
        pg, "recv", lambda: [pg.comm.Irecv(buf.array, source=source, tag=tag)], finish,
        None if src is None else pg.ranks[src], [tensor])
    return work


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receives into `tensor`; returns the sender's global rank (-1 where this rank is not
    in `group`)."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    work.wait()
    return _group_of(group).ranks[work.source_rank()]
