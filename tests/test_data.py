"""cgrad.utils.data against torch.utils.data: batches, collation, lengths, samplers,
random_split and shuffle orders (the same seed gives the same order), errors."""
import collections

import numpy as np
import pytest

import cgrad
from cgrad.utils import data as cdata

torch = pytest.importorskip("torch")
from torch.utils import data as tdata  # noqa: E402
from error_parity import check_error  # noqa: E402

Point = collections.namedtuple("Point", "x y")


def describe(obj):
    """Library-independent picture of a batch: containers, tensor dtype/shape/values."""
    if hasattr(obj, "dtype") and hasattr(obj, "shape") and hasattr(obj, "stride"):
        return ("tensor", str(obj.dtype).split(".")[-1], tuple(obj.shape), obj.tolist())
    if isinstance(obj, dict):
        return (type(obj).__name__, [(k, describe(v)) for k, v in obj.items()])
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return ("namedtuple", [describe(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [describe(v) for v in obj])
    return obj


def both(fn):
    return describe(fn(cgrad, cdata)), describe(fn(torch, tdata))


def tensor_dataset(lib, data, n=10):
    x = lib.tensor(np.arange(n * 3, dtype=np.float32).reshape(n, 3))
    y = lib.tensor(np.arange(n) % 3)
    return data.TensorDataset(x, y)


@pytest.mark.parametrize("batch_size,drop_last", [(1, False), (3, False), (3, True), (10, True),
                                                  (None, False)])
def test_sequential_batches_and_len(batch_size, drop_last):
    def fn(lib, data):
        loader = data.DataLoader(tensor_dataset(lib, data), batch_size=batch_size,
                                 drop_last=drop_last)
        return len(loader), list(loader)
    got, want = both(fn)
    assert got == want


SAMPLES = [
    [1, 2, 3],
    [1.5, 2.0],
    [True, False],
    ["a", "b"],
    [np.float32(1.5), np.float32(2.5)],
    [np.arange(3), np.arange(3, 6)],
    [np.ones((2, 2), dtype=np.float32), np.zeros((2, 2), dtype=np.float32)],
    [(1, 2.0, "x"), (3, 4.0, "y")],
    [[1, 2], [3, 4]],
    [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    [Point(1, 2.0), Point(3, 4.0)],
    [collections.OrderedDict(z=1, a=2), collections.OrderedDict(z=3, a=4)],
]


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_default_collate_matches_torch(index):
    got = describe(cdata.default_collate(SAMPLES[index]))
    want = describe(tdata.default_collate(SAMPLES[index]))
    assert got == want


def test_default_collate_of_tensors_and_errors():
    got, want = both(lambda lib, data: data.default_collate(
        [(lib.ones(2), lib.tensor(1)), (lib.zeros(2), lib.tensor(2))]))
    assert got == want
    for batch in ([[1, 2], [3]], [object(), object()]):
        errors = []
        for data in (cdata, tdata):
            with pytest.raises((RuntimeError, TypeError)) as info:
                data.default_collate(batch)
            errors.append((info.type, str(info.value).replace("torch", "cgrad")))
        assert errors[0][0] is errors[1][0]
        assert errors[0][1].split(";")[0] == errors[1][1].split(";")[0]


def test_default_convert_with_batch_size_none():
    class Numpy(cdata.Dataset):
        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float64), "i": i}

        def __len__(self):
            return 3

    class TorchNumpy(tdata.Dataset):
        __getitem__ = Numpy.__getitem__
        __len__ = Numpy.__len__

    got = describe(list(cdata.DataLoader(Numpy(), batch_size=None)))
    want = describe(list(tdata.DataLoader(TorchNumpy(), batch_size=None)))
    assert got == want


def test_collate_fn_sampler_and_batch_sampler():
    def fn(lib, data):
        ds = tensor_dataset(lib, data)
        a = list(data.DataLoader(ds, batch_size=4, collate_fn=lambda b: len(b)))
        b = list(data.DataLoader(ds, sampler=[9, 0, 4], batch_size=2))
        c = list(data.DataLoader(ds, batch_sampler=[[1, 2], [7]]))
        d = list(data.BatchSampler(data.SequentialSampler(range(7)), 3, drop_last=False))
        return a, b, c, d, len(data.BatchSampler(range(7), 3, True))
    got, want = both(fn)
    assert got == want


def test_iterable_dataset():
    def fn(lib, data):
        class Stream(data.IterableDataset):
            def __iter__(self):
                return iter([lib.tensor([float(i)]) for i in range(7)])

            def __len__(self):
                return 7
        loader = data.DataLoader(Stream(), batch_size=3)
        return len(loader), list(loader), list(data.DataLoader(Stream(), batch_size=3,
                                                               drop_last=True))
    got, want = both(fn)
    assert got == want


def test_subset_concat_and_random_split_lengths():
    def fn(lib, data):
        ds = tensor_dataset(lib, data)
        sub = data.Subset(ds, [5, 1, 7])
        cat = ds + sub
        parts = data.random_split(range(10), [0.5, 0.3, 0.2])
        parts2 = data.random_split(range(11), [0.34, 0.33, 0.33])
        return (len(sub), sub[1], len(cat), cat[11], cat[-1], [len(p) for p in parts],
                [len(p) for p in parts2])
    got, want = both(fn)
    assert got == want


def test_random_split_is_a_partition():
    parts = cdata.random_split(range(20), [5, 15], generator=cgrad.Generator().manual_seed(1))
    assert sorted(list(parts[0]) + list(parts[1])) == list(range(20))


def test_shuffle_covers_every_sample_once_per_epoch():
    ds = cdata.TensorDataset(cgrad.arange(25))
    loader = cdata.DataLoader(ds, batch_size=4, shuffle=True)
    for _ in range(2):
        seen = [v for (batch,) in loader for v in batch.tolist()]
        assert sorted(seen) == list(range(25))


@pytest.mark.parametrize("seed", [0, 7])
def test_shuffle_order_matches_torch_given_a_seed(seed):
    def fn(lib, data):
        g = lib.Generator()
        g.manual_seed(seed)
        loader = data.DataLoader(tensor_dataset(lib, data, 13), batch_size=4, shuffle=True,
                                 generator=g)
        epochs = [[b[1].tolist() for b in loader] for _ in range(2)]
        parts = data.random_split(range(9), [4, 5], generator=g)
        sampler = data.RandomSampler(range(6), replacement=True, num_samples=40, generator=g)
        return epochs, [list(p) for p in parts], list(sampler)
    got, want = both(fn)
    assert got == want


def test_global_seed_drives_unseeded_shuffles():
    orders = []
    for lib, data in ((cgrad, cdata), (torch, tdata)):
        lib.manual_seed(11)
        orders.append([b[0].tolist() for b in data.DataLoader(
            data.TensorDataset(lib.arange(9)), batch_size=3, shuffle=True)])
    assert orders[0] == orders[1]


BAD = [
    lambda lib, data: data.DataLoader(range(4), shuffle=True, sampler=[0, 1]),
    lambda lib, data: data.DataLoader(range(4), batch_sampler=[[0]], batch_size=2),
    lambda lib, data: data.DataLoader(range(4), batch_size=None, drop_last=True),
    lambda lib, data: data.DataLoader(range(4), num_workers=-1),
    lambda lib, data: data.BatchSampler(range(4), 0, False),
    lambda lib, data: data.BatchSampler(range(4), 2, 1),
    lambda lib, data: data.RandomSampler(range(4), replacement=1),
    lambda lib, data: data.RandomSampler(range(4), num_samples=0),
    lambda lib, data: data.random_split(range(4), [1, 2]),
    lambda lib, data: data.TensorDataset(lib.zeros(3), lib.zeros(4)),
    lambda lib, data: data.Dataset()[0],
]


@pytest.mark.parametrize("index", range(len(BAD)))
def test_errors_match_torch(index):
    check_error(lambda lib: BAD[index](lib, cdata if lib is cgrad else tdata))


def test_iterable_dataset_rejects_shuffle():
    def fn(lib):
        data = cdata if lib is cgrad else tdata

        class Stream(data.IterableDataset):
            def __iter__(self):
                return iter(range(3))

        data.DataLoader(Stream(), shuffle=True)
    check_error(fn)
