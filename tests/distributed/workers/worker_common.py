"""What every worker shares: joining the group and pickling this rank's results."""
import datetime
import os
import pickle
import sys

import cgrad
import cgrad.distributed as dist


def start(timeout_s=60):
    dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=timeout_s))
    return dist.get_rank(), dist.get_world_size()


def finish(results):
    with open(os.path.join(sys.argv[1], f"rank{dist.get_rank()}.pkl"), "wb") as f:
        pickle.dump(results, f)
    dist.destroy_process_group()


def to_numpy(value):
    if isinstance(value, cgrad.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, (list, tuple)):
        return [to_numpy(v) for v in value]
    return value


def rank_input(rank, shape, dtype):
    """Rank `rank`'s deterministic data (a numpy array): small values, distinct per rank,
    so sums, products and extrema differ from any one rank's."""
    import numpy as np
    n = int(np.prod(shape))
    values = (np.arange(n) * (rank + 2) + 3 * rank) % 5 - 2
    if dtype == "bool":
        return (values > 0).reshape(shape)
    return values.astype(dtype).reshape(shape)
