"""repr of cgrad tensors, end to end, against torch 2.13 (`torch.` spelled `cgrad.`)."""
import numpy as np
import pytest

import cgrad

torch = pytest.importorskip("torch")

DTYPES = ["float32", "float64", "int64", "int32", "bool"]
SHAPES = [(), (0,), (2, 0), (1,), (5,), (3, 4), (2, 3, 4), (1, 1, 1, 2), (1001,), (40, 40),
          (2, 3, 400), (30,)]
SCALES = [1.0, 1e-5, 1e5, 1e9, 123.456]


def sample(shape, dtype, scale, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype.startswith("int"):
        limit = np.iinfo(dtype).max
        return np.clip(rng.standard_normal(shape) * scale, -limit, limit).astype(dtype)
    values = rng.standard_normal(shape) * scale
    if seed % 4 == 0:
        values = np.round(values)  # whole numbers print as `3.`
    return values.astype(dtype)


def cases():
    seed = 0
    for shape in SHAPES:
        for dtype in DTYPES:
            for scale in (SCALES if dtype.startswith(("float", "int")) else [1.0]):
                seed += 1
                yield pytest.param(shape, dtype, scale, seed,
                                   id=f"{dtype}-{'x'.join(map(str, shape)) or 'scalar'}-{scale:g}")


@pytest.mark.parametrize("shape,dtype,scale,seed", list(cases()))
def test_repr_matches_torch(shape, dtype, scale, seed):
    values = sample(shape, dtype, scale, seed)
    ours = cgrad.tensor(values)
    theirs = torch.tensor(values)
    assert repr(ours) == repr(theirs).replace("torch.", "cgrad.")
    assert str(ours) == str(theirs).replace("torch.", "cgrad.")


SPECIAL = [
    [float("nan"), 1.0, -float("inf")],
    [-0.0, 0.0, 2.5],
    [1e-10, 1.0],
    [1e20, -1e-20, 3.0],
    [0.1, 0.2, 0.3],
]


@pytest.mark.parametrize("values", SPECIAL, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_special_values(values, dtype):
    arr = np.array(values, dtype=dtype)
    assert repr(cgrad.tensor(arr)) == repr(torch.tensor(arr)).replace("torch.", "cgrad.")


@pytest.mark.parametrize("op", [
    lambda x: x, lambda x: x + 1, lambda x: x * 2, lambda x: x.exp(), lambda x: x.sum(),
    lambda x: x.mean(0), lambda x: -x, lambda x: x.double(), lambda x: x.detach(),
])
def test_autograd_suffixes(op):
    values = np.arange(6, dtype=np.float32).reshape(2, 3) / 7
    ours = op(cgrad.tensor(values, requires_grad=True))
    theirs = op(torch.tensor(values, requires_grad=True))
    assert repr(ours) == repr(theirs).replace("torch.", "cgrad.")


def test_set_printoptions_applies_to_tensors():
    values = np.linspace(0, 1, 7, dtype=np.float32)
    try:
        cgrad.set_printoptions(precision=2)
        torch.set_printoptions(precision=2)
        assert repr(cgrad.tensor(values)) == repr(torch.tensor(values))
    finally:
        cgrad.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_dtype_and_size_reprs():
    assert repr(cgrad.float32) == "cgrad.float32" and cgrad.float is cgrad.float32
    assert repr(cgrad.ones(2, 3).shape) == "cgrad.Size([2, 3])"
    assert cgrad.ones(2, 3).shape == (2, 3)
