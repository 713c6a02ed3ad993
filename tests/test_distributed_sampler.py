"""DistributedSampler's index sequences against torch's, one line per configuration."""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def both(n, **kwargs):
    ours = cgrad.utils.data.DistributedSampler(range(n), **kwargs)
    theirs = torch.utils.data.DistributedSampler(range(n), **kwargs)
    return ours, theirs


@pytest.mark.parametrize("n,replicas", [(10, 2), (11, 2), (7, 3), (2, 5), (1, 4), (0, 2),
                                        (100, 4), (1001, 8)])
@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [False, True])
def test_index_sequences_as_torch(n, replicas, shuffle, drop_last):
    for rank in range(replicas):
        ours, theirs = both(n, num_replicas=replicas, rank=rank, shuffle=shuffle,
                            drop_last=drop_last, seed=3)
        for epoch in range(3):
            ours.set_epoch(epoch)
            theirs.set_epoch(epoch)
            assert list(ours) == list(theirs), (rank, epoch)
            assert len(ours) == len(theirs)
        assert (ours.num_samples, ours.total_size) == (theirs.num_samples, theirs.total_size)


def test_epochs_reshuffle_and_ranks_partition():
    sampler = cgrad.utils.data.DistributedSampler(range(20), num_replicas=2, rank=0)
    first = list(sampler)
    sampler.set_epoch(1)
    assert list(sampler) != first
    other = cgrad.utils.data.DistributedSampler(range(20), num_replicas=2, rank=1)
    other.set_epoch(1)
    assert sorted(list(sampler) + list(other)) == list(range(20))


@pytest.mark.parametrize("rank", [-1, 2])
def test_invalid_rank_as_torch(rank):
    with pytest.raises(ValueError) as ours:
        cgrad.utils.data.DistributedSampler(range(4), num_replicas=2, rank=rank)
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DistributedSampler(range(4), num_replicas=2, rank=rank)
    assert str(ours.value) == str(theirs.value)


def test_without_a_process_group_as_torch():
    with pytest.raises(ValueError) as ours:
        cgrad.utils.data.DistributedSampler(range(4))
    with pytest.raises(ValueError) as theirs:
        torch.utils.data.DistributedSampler(range(4))
    assert str(ours.value) == str(theirs.value)
