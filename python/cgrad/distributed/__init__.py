"""cgrad.distributed: torch.distributed's process group and collectives, run on MPI
through mpi4py (imported only by init_process_group). Launch with the MPI launcher:

    mpirun -n 2 python train.py
"""
from ._comm_thread import Work
from ._process_group import (Backend, GroupMember, ProcessGroup, ReduceOp, default_pg_timeout,
                             destroy_process_group, get_backend, get_rank, get_world_size,
                             group, init_process_group, is_available, is_gloo_available,
                             is_initialized, is_mpi_available, is_nccl_available)
from ._collectives import (all_gather, all_gather_into_tensor, all_reduce, barrier, broadcast,
                           gather, irecv, isend, recv, reduce, reduce_scatter,
                           reduce_scatter_tensor, scatter, send)
from ._subgroups import get_global_rank, get_group_rank, get_process_group_ranks, new_group

__all__ = ["Backend", "GroupMember", "ProcessGroup", "ReduceOp", "Work", "all_gather",
           "all_gather_into_tensor", "all_reduce", "barrier", "broadcast", "default_pg_timeout",
           "destroy_process_group", "gather", "get_backend", "get_global_rank", "get_group_rank",
           "get_process_group_ranks", "get_rank", "get_world_size", "group",
           "init_process_group", "irecv", "is_available", "is_gloo_available", "is_initialized",
           "is_mpi_available", "is_nccl_available", "isend", "new_group", "recv", "reduce",
           "reduce_scatter", "reduce_scatter_tensor", "scatter", "send"]
