"""cgrad.nn.parallel: data-parallel training over cgrad.distributed."""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
