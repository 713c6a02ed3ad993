"""Tensor.untyped_storage() and Tensor.storage() against torch: sizes, bytes, pointers,
elements, the memory they see and their printed form, one line per case."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:TypedStorage is deprecated")


def case(id, fn):
    return pytest.param(fn, id=id)


TENSORS = [
    case("float_slice", lambda L: L.arange(6.).reshape(2, 3)[:, 1:]),
    case("double", lambda L: L.arange(4, dtype=L.float64)),
    case("int32_transpose", lambda L: L.arange(6, dtype=L.int32).reshape(2, 3).t()),
    case("int64_offset", lambda L: L.arange(5)[2:]),
    case("bool", lambda L: L.arange(4) > 1),
    case("empty", lambda L: L.zeros(0)),
    case("scalar", lambda L: L.tensor(3.5)),
]


@pytest.mark.parametrize("fn", TENSORS)
def test_untyped_storage(fn):
    c, t = fn(cgrad), fn(torch)
    cs, ts = c.untyped_storage(), t.untyped_storage()
    assert (cs.nbytes(), cs.size(), len(cs), cs.element_size()) == (ts.nbytes(), ts.size(), len(ts), ts.element_size())
    assert (cs.data_ptr() == c.data_ptr()) == (ts.data_ptr() == t.data_ptr())
    assert c.data_ptr() - cs.data_ptr() == t.data_ptr() - ts.data_ptr()
    assert cs.tolist() == ts.tolist() and str(cs.device) == str(ts.device)
    assert repr(cs) == repr(ts).replace("torch", "cgrad")
    if len(ts):
        assert cs[0] == ts[0] and cs[-1] == ts[-1]


@pytest.mark.parametrize("fn", TENSORS)
def test_typed_storage(fn):
    c, t = fn(cgrad), fn(torch)
    cs, ts = c.storage(), t.storage()
    assert str(cs.dtype) == str(ts.dtype).replace("torch", "cgrad")
    assert (cs.nbytes(), cs.size(), len(cs), cs.element_size()) == (ts.nbytes(), ts.size(), len(ts), ts.element_size())
    assert c.data_ptr() - cs.data_ptr() == t.data_ptr() - ts.data_ptr()
    assert cs.tolist() == ts.tolist()
    assert repr(cs) == repr(ts).replace("torch", "cgrad")
    assert cs.untyped().nbytes() == ts.untyped().nbytes()
    if len(ts):
        assert cs[len(ts) - 1] == ts[len(ts) - 1]


def test_views_share_one_storage_and_see_writes():
    base = cgrad.zeros(2, 3)
    view = base.t()[1:]
    assert view.untyped_storage().data_ptr() == base.untyped_storage().data_ptr()
    s = view.storage()
    base[1, 2] = 7.0
    assert s.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 7.0]
    assert cgrad.zeros(2).untyped_storage().data_ptr() != base.untyped_storage().data_ptr()


def test_storage_warns_once_per_process_as_torch(monkeypatch):
    monkeypatch.setattr(cgrad.storage, "_warned_typed_storage", False)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cgrad.ones(2).storage()
        cgrad.ones(2).storage()
        cgrad.ones(2).untyped_storage()
    assert [w.category for w in seen] == [UserWarning]
    assert "TypedStorage is deprecated" in str(seen[0].message)


def test_storage_classes_exported():
    assert isinstance(cgrad.ones(1).untyped_storage(), cgrad.UntypedStorage)
    assert isinstance(cgrad.ones(1).storage(), cgrad.TypedStorage)
    assert np.asarray(cgrad.ones(2).untyped_storage().tolist()).dtype.kind == "i"
