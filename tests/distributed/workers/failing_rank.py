"""Rank 1 fails (argv[2] == 'raise') or quietly leaves ('exit') while rank 0 waits in an
all_reduce: the job must end with a clear error, not hang."""
import sys

import cgrad
import cgrad.distributed as dist
from worker_common import start

rank, _ = start(timeout_s=float(sys.argv[3]))
if rank == 1:
    if sys.argv[2] == "raise":
        raise ValueError("rank 1 cannot go on")
    sys.exit(0)
dist.all_reduce(cgrad.ones(3))
