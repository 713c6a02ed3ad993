"""Python protocols on tensors, against torch 2.13: format() / f-strings, copy.copy,
copy.deepcopy (storage sharing kept within one call, strides, requires_grad, .grad,
attributes, torch's error for non-leaves) and pickle."""
import copy
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import outcome  # noqa: E402


def protocol_case(id, fn):
    return pytest.param(fn, id=id)


def same_in_both(fn):
    assert outcome(fn, cgrad) == outcome(fn, torch)


# ---- format ----

FORMATS = [
    protocol_case("float_spec", lambda L: f"{L.tensor(1.23456) * 2:.4f}"),
    protocol_case("empty_spec_0d", lambda L: f"{L.tensor(2.5)}"),
    protocol_case("requires_grad_0d", lambda L: f"{L.tensor(0.125, requires_grad=True) * 3:.3e}"),
    protocol_case("int_0d", lambda L: f"{L.tensor(7):>5d}"),
    protocol_case("bool_0d", lambda L: f"{L.tensor(True)}"),
    protocol_case("float64_0d", lambda L: format(L.tensor(1 / 3, dtype=L.float64), ".10f")),
    protocol_case("int_as_float", lambda L: f"{L.tensor(3):.2f}"),
    protocol_case("empty_spec_1d", lambda L: format(L.tensor([1.0, 2.0]), "")),
    protocol_case("spec_on_1d", lambda L: f"{L.tensor([1.0, 2.0]):.2f}"),
    protocol_case("one_element_1d", lambda L: f"{L.tensor([1.5]):.1f}"),
    protocol_case("str_format", lambda L: "loss {:.2f} at {}".format(L.tensor(0.5), L.tensor(3))),
]


@pytest.mark.parametrize("fn", FORMATS)
def test_format_as_torch(fn):
    same_in_both(fn)


# ---- copy, deepcopy, pickle ----

def state(t):
    """What a copy must keep, as plain data."""
    return (t.tolist(), str(t.dtype).split(".")[1], tuple(t.shape), t.stride(),
            t.storage_offset(), t.requires_grad, t.is_leaf, t.grad_fn is None,
            None if t.grad is None else t.grad.tolist(), t._is_view())


def roundtrip(t):
    return pickle.loads(pickle.dumps(t))


def leaf_with_grad(lib):
    x = lib.tensor([[1.0, -2.0], [3.5, 4.0]], requires_grad=True)
    (x * x).sum().backward()
    return x


SOURCES = [
    protocol_case("float32", lambda L: L.tensor([1.5, -2.0, 3.0])),
    protocol_case("float64", lambda L: L.tensor([[1.0, 2.0]], dtype=L.float64)),
    protocol_case("int64", lambda L: L.arange(6).reshape(2, 3)),
    protocol_case("int32", lambda L: L.tensor([1, 2], dtype=L.int32)),
    protocol_case("bool", lambda L: L.tensor([True, False])),
    protocol_case("scalar", lambda L: L.tensor(3.5)),
    protocol_case("empty", lambda L: L.zeros(0, 3)),
    protocol_case("requires_grad", lambda L: L.ones(3, requires_grad=True)),
    protocol_case("with_grad", leaf_with_grad),
    protocol_case("transposed", lambda L: L.arange(12.0).reshape(3, 4).t()),
    protocol_case("row_view", lambda L: L.arange(12.0).reshape(3, 4)[1]),
    protocol_case("strided_slice", lambda L: L.arange(10.0)[1::3]),
    protocol_case("expanded", lambda L: L.ones(3).expand(2, 3)),
    protocol_case("detached", lambda L: L.ones(3, requires_grad=True).detach()),
]


@pytest.mark.parametrize("make", SOURCES)
@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy, roundtrip],
                         ids=["copy", "deepcopy", "pickle"])
def test_copies_keep_what_torch_keeps(make, how):
    same_in_both(lambda L: state(how(make(L))))


NON_LEAVES = [
    protocol_case("arithmetic", lambda L: L.ones(3, requires_grad=True) * 2),
    protocol_case("view", lambda L: L.ones(3, requires_grad=True)[1:]),
]


@pytest.mark.parametrize("make", NON_LEAVES)
@pytest.mark.parametrize("how", [copy.copy, copy.deepcopy, roundtrip],
                         ids=["copy", "deepcopy", "pickle"])
def test_copies_of_non_leaves_as_torch(make, how):
    # deepcopy raises torch's error; copy.copy and pickle give a leaf requiring grad.
    same_in_both(lambda L: state(how(make(L))))


def test_copies_are_independent_or_shared_as_torch():
    def fn(lib):
        facts = []
        for how in (copy.copy, copy.deepcopy, roundtrip):
            x = lib.tensor([1.0, 2.0, 3.0])
            c = how(x)
            c[0] = 9.0
            facts.append((x.tolist(), c is x))
        return facts
    same_in_both(fn)


def test_deepcopy_shares_a_storage_copy_within_one_call():
    def fn(lib):
        base = lib.arange(12.0).reshape(3, 4)
        row, col = base[1], base.t()[2]
        copies = copy.deepcopy([base, row, col, base])
        copies[0].fill_(7.0)
        return ([c.tolist() for c in copies], copies[3] is copies[0], base.tolist(),
                [c._is_view() for c in copies], [c.storage_offset() for c in copies])
    same_in_both(fn)


def test_deepcopy_memo_across_calls():
    def fn(lib):
        x = lib.ones(2, requires_grad=True)
        memo = {}
        a, b = copy.deepcopy(x, memo), copy.deepcopy(x, memo)
        c = copy.deepcopy(x)
        return a is b, a is c, a is x
    same_in_both(fn)


def test_deepcopy_copies_grad_and_attributes():
    def fn(lib):
        x = leaf_with_grad(lib)
        x.tag = {"name": ["w"]}
        d = copy.deepcopy(x)
        d.grad.zero_()
        d.tag["name"].append("copy")
        return (x.grad.tolist(), d.grad.tolist(), x.tag, d.tag, d.grad is x.grad,
                roundtrip(x).tag, copy.copy(x).tag is x.tag)
    same_in_both(fn)


def test_pickle_keeps_storage_layout_of_views():
    def fn(lib):
        base = lib.arange(12.0).reshape(3, 4)
        a, b = roundtrip([base, base[1]])
        a.fill_(0.0)
        return b.tolist(), b.storage_offset(), b.stride()  # no sharing within one pickle
    same_in_both(fn)


def test_copies_differentiate_as_leaves():
    def fn(lib):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        grads = []
        for how in (copy.copy, copy.deepcopy, roundtrip):
            c = how(x)
            (c * c).sum().backward()
            grads.append((c.grad.tolist(), x.grad))
        return grads
    same_in_both(fn)


@pytest.mark.parametrize("geometry", [
    ([4], [1], 0), ([2, 2], [2, 1], 1), ([2], [-1], 2), ([3], [1], -1),
    ([2, 2], [1 << 62, 1 << 62], 0), ([0, 5], [100, 100], 0),
])
def test_rebuilding_checks_the_storage_bounds(geometry):
    # A pickle may carry any numbers: out-of-bounds geometry is an error, never a read
    # past the storage.
    from cgrad._tensor_copy import _rebuild_tensor, _Storage
    sizes, strides, offset = geometry
    storage = _Storage(cgrad.arange(4.0))
    extent = sum((s - 1) * d for s, d in zip(sizes, strides))
    fits = offset >= 0 and all(d >= 0 for d in strides) and (
        0 in sizes or offset + extent < 4)
    if fits:
        t = _rebuild_tensor(storage, sizes, strides, offset, False)
        assert list(t.shape) == sizes
    else:
        with pytest.raises(RuntimeError):
            _rebuild_tensor(storage, sizes, strides, offset, False)


def test_unpickling_checks_the_dtype():
    from cgrad._tensor_copy import _storage_from_bytes
    with pytest.raises(RuntimeError, match="dtype"):
        _storage_from_bytes(np.ones(2).tobytes(), "object")
