"""DistributedSampler: each rank's share of a dataset's indices, as torch's."""
import math

import cgrad

from .sampler import Sampler


class DistributedSampler(Sampler):
    """Rank `rank` of `num_replicas` visits every num_replicas-th index of one order that
    all ranks agree on (shuffled from `seed + epoch` when `shuffle`). The order is padded by
    repeating its start, or with `drop_last` cut, to a multiple of num_replicas, so every
    rank gets the same number of indices. Call `set_epoch` before each epoch to reshuffle."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = cgrad.distributed.get_world_size()
        if rank is None:
            rank = cgrad.distributed.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        if drop_last and len(dataset) % num_replicas != 0:
            self.num_samples = math.ceil((len(dataset) - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(len(dataset) / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            generator = cgrad.Generator()
            generator.manual_seed(self.seed + self.epoch)
            order = cgrad.randperm(n, generator=generator).tolist()
        else:
            order = list(range(n))
        if self.drop_last:
            order = order[:self.total_size]
        else:
            missing = self.total_size - len(order)
            repeats = math.ceil(missing / len(order)) if order else 0
            order += (order * repeats)[:missing]
        return iter(order[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Reshuffles: the next epoch's order is drawn from seed + epoch."""
        self.epoch = epoch
