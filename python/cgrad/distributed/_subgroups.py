"""new_group and the translation between global ranks and a group's ranks, as torch's.

Note [Groups are split from the world]: every rank calls new_group (torch's rule), and
the group's communicator is made by MPI_Comm_split on the default group's communicator,
itself a collective of the default group: it runs on the communication thread after the
rendezvous, in order with the other collectives, and ranks calling new_group with
different rank lists raise (Note [Matching collectives]). The members get a ProcessGroup
whose group ranks follow `ranks` (sorted unless sort_ranks=False); the other ranks get
GroupMember.NON_GROUP_MEMBER, on which collectives warn and do nothing.
"""
import warnings
import zlib

import numpy as np

from ._comm_thread import Operation, Work
from ._process_group import (GroupMember, ProcessGroup, _check_valid_timeout, _group_of,
                             _subgroups, Backend, default_pg_timeout)


def new_group(ranks=None, timeout=None, backend=None, pg_options=None,
              use_local_synchronization=False, group_desc=None, device_id=None,
              sort_ranks=True):
    """A process group of the global ranks `ranks` (None: all). Every rank must call it,
    in the same order as its other collectives; the ranks left out get
    GroupMember.NON_GROUP_MEMBER."""
    world = _group_of(None)
    if backend:
        Backend(backend)
    if timeout is None:
        timeout = default_pg_timeout
    _check_valid_timeout(timeout)
    if use_local_synchronization:
        raise ValueError("MPI backend doesn't support use_local_synchronization=True")
    size = world.size()
    if ranks is None:
        ranks = list(range(size))
    else:
        ranks = sorted(ranks) if sort_ranks else list(ranks)
        if len(set(ranks)) != len(ranks):
            raise ValueError(f"ranks list must not contain duplicate entries, got {ranks}")
        if len(ranks) > size:
            raise ValueError("the new group's world size should be less or equal to the world "
                             "size set by init_process_group")
        for rank in ranks:
            if rank < 0 or rank >= size:
                raise ValueError(f"Rank {rank} is out of range. Valid ranks are 0 to "
                                 f"{size - 1} (world_size={size})")
    comm = _split(world, ranks)
    if comm is None:
        return GroupMember.NON_GROUP_MEMBER
    pg = ProcessGroup(world.mpi, comm, timeout, ranks, world.comm_thread)
    _subgroups.append(pg)
    return pg


def _split(world, ranks):
    """The communicator of `ranks` (None on the other ranks), Note [Groups are split from
    the world]."""
    me = world.rank()
    member = me in ranks
    made = []

    def run():
        made.append(world.comm.Split(0 if member else world.mpi.UNDEFINED,
                                     ranks.index(me) if member else 0))
    listed = zlib.crc32(np.array(ranks, dtype=np.int64).tobytes())
    world.comm_thread.submit(Operation(Work("new_group"), world, run=run,
                                       signature=(len(ranks), None, listed))).wait()
    return made[0] if member else None


def _registered(group):
    pg = _group_of(group)
    if isinstance(pg, ProcessGroup):
        return pg
    raise ValueError(f"Group {group} is not registered, please create group with "
                     f"torch.distributed.new_group API")


def get_group_rank(group, global_rank):
    """`global_rank`'s rank in `group` (the default group: itself, unchecked, as torch)."""
    pg = _registered(group)
    if pg is _group_of(None):
        return global_rank
    if global_rank not in pg.group_rank_of:
        raise ValueError(f"Global rank {global_rank} is not part of group {group}")
    return pg.group_rank_of[global_rank]


def get_global_rank(group, group_rank):
    """The global rank of `group`'s rank `group_rank`."""
    pg = _registered(group)
    if pg is _group_of(None):
        return group_rank
    if not isinstance(group_rank, int) or not 0 <= group_rank < pg.size():
        raise ValueError(f"Group rank {group_rank} is not part of group {group}")
    return pg.ranks[group_rank]


def get_process_group_ranks(group):
    """`group`'s global ranks, in group-rank order."""
    return list(_registered(group).ranks)


def _canonical_group_rank(pg, global_rank, group_rank):
    """The group rank an operation's `src`/`dst` (global) or `group_src`/`group_dst`
    names; exactly one of them may be given."""
    if group_rank is not None:
        if global_rank is not None:
            raise ValueError("Can't specify both group_rank and global_rank")
        return group_rank
    if global_rank is None:
        raise ValueError("Must specify global_rank or group_rank")
    return get_group_rank(pg, global_rank)


def _warn_not_in_group(op_name):
    world = _group_of(None)
    warnings.warn(f"Running {op_name} on global rank {world.rank()} which does not belong to "
                  f"the given group.", stacklevel=4)
