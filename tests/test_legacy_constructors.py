"""The legacy typed constructors (FloatTensor ... BoolTensor), Tensor.type(), the
new_zeros/new_ones/new_empty/new_full/new_tensor methods and nbytes/itemsize against torch,
one line per case, errors included."""

import numpy as np
import pytest

from error_parity import check_error, error_case

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def case(id, fn):
    return pytest.param(fn, id=id)


def same(c, t, values=True):
    assert isinstance(c, cgrad.Tensor)
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(c.shape) == tuple(t.shape) and c.requires_grad == t.requires_grad
    if values:
        np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())


CONSTRUCTORS = [
    case("tensor_sizes", lambda L: L.Tensor(2, 3)),
    case("tensor_size_object", lambda L: L.Tensor(L.Size([2]))),
    case("tensor_empty", lambda L: L.Tensor()),
    case("float_sizes", lambda L: L.FloatTensor(2, 3)),
    case("float_size_object", lambda L: L.FloatTensor(L.Size([2, 3]))),
    case("double_empty", lambda L: L.DoubleTensor()),
    case("long_sizes", lambda L: L.LongTensor(4)),
    case("bool_sizes", lambda L: L.BoolTensor(0, 2)),
]
DATA = [
    case("tensor_list", lambda L: L.Tensor([1, 2])),
    case("tensor_tuple_is_data", lambda L: L.Tensor((2, 3))),
    case("tensor_nested", lambda L: L.Tensor([[1.5], [2]])),
    case("tensor_numpy", lambda L: L.Tensor(np.arange(3))),
    case("tensor_of_tensor", lambda L: L.Tensor(L.arange(3))),
    case("tensor_empty_list", lambda L: L.Tensor([])),
    case("float_tuple_is_data", lambda L: L.FloatTensor((2, 3))),
    case("long_list", lambda L: L.LongTensor([1, 2])),
    case("long_large", lambda L: L.LongTensor([2**40 + 1])),
    case("int_truncates", lambda L: L.IntTensor([1.5, -2.5])),
    case("bool_list", lambda L: L.BoolTensor([1, 0])),
    case("double_nested", lambda L: L.DoubleTensor([[1, 2], [3, 4]])),
    case("float_numpy", lambda L: L.FloatTensor(np.arange(3.0))),
    case("float_same_dtype_tensor", lambda L: L.FloatTensor(L.ones(2))),
    case("float_cpu", lambda L: L.FloatTensor([1.0], device="cpu")),
    case("type_name", lambda L: L.tensor([L.ones(2).type() == "torch.FloatTensor".replace("torch", L.__name__)])),
    case("type_to_double", lambda L: L.ones(2).type(L.DoubleTensor)),
    case("type_to_dtype", lambda L: L.ones(2).type(L.int64)),
    case("type_by_name", lambda L: L.ones(2).type(f"{L.__name__}.IntTensor")),
    case("type_same", lambda L: L.ones(2, requires_grad=True).type(L.float32)),
]


@pytest.mark.parametrize("fn", CONSTRUCTORS)
def test_sized_constructors(fn):
    same(fn(cgrad), fn(torch), values=False)


@pytest.mark.parametrize("fn", DATA)
def test_data_constructors(fn):
    same(fn(cgrad), fn(torch))


ISINSTANCE = [
    ("FloatTensor", lambda L: L.ones(2)), ("FloatTensor", lambda L: L.ones(2, dtype=L.float64)),
    ("DoubleTensor", lambda L: L.ones(2, dtype=L.float64)), ("LongTensor", lambda L: L.arange(3)),
    ("IntTensor", lambda L: L.arange(3)), ("IntTensor", lambda L: L.arange(3, dtype=L.int32)),
    ("BoolTensor", lambda L: L.ones(2) > 0), ("FloatTensor", lambda L: L.nn.Parameter(L.ones(2))),
    ("LongTensor", lambda L: 3), ("FloatTensor", lambda L: [1.0]),
]


@pytest.mark.parametrize("name, obj", ISINSTANCE)
def test_isinstance(name, obj):
    assert isinstance(obj(cgrad), getattr(cgrad, name)) == isinstance(obj(torch), getattr(torch, name))


@pytest.mark.parametrize("name", ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor"])
def test_legacy_type_objects(name):
    c, t = getattr(cgrad, name), getattr(torch, name)
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert repr(c) == repr(t).replace("torch", "cgrad")
    assert issubclass(c, cgrad.Tensor) == issubclass(t, torch.Tensor)
    assert type(c).__name__ == type(t).__name__
    assert cgrad.ones(1, dtype=c.dtype).type() == torch.ones(1, dtype=t.dtype).type().replace("torch", "cgrad")


LEGACY_ERRORS = [
    error_case("other_dtype_tensor", lambda L: L.FloatTensor(L.ones(2, dtype=L.float64)), None),
    error_case("dtype_keyword", lambda L: L.FloatTensor(2, dtype=L.float64), None),
    error_case("ragged", lambda L: L.FloatTensor([[1, 2], [3]])),
    error_case("str_size", lambda L: L.LongTensor(2, "a"), r"argument 'size'"),
    error_case("negative_size", lambda L: L.FloatTensor(-1), r"Trying to create tensor with negative dimension -1"),
    error_case("float_scalar", lambda L: L.FloatTensor(2.5)),
    error_case("bool_scalar", lambda L: L.LongTensor(True)),
    error_case("numpy_scalar", lambda L: L.DoubleTensor(np.float64(1.0)), r"new\(\): data must be a sequence"),
    error_case("tensor_float_scalar", lambda L: L.Tensor(2.5)),
    error_case("tensor_bool_scalar", lambda L: L.Tensor(False)),
    error_case("tensor_dtype_keyword", lambda L: L.Tensor(2, dtype=L.float64), r"^new\(\)"),
    error_case("tensor_negative", lambda L: L.Tensor(-1), r"Trying to create tensor with negative dimension -1: \[-1\]"),
    error_case("type_bad_name", lambda L: L.ones(2).type("x.Nothing"), None),
]


@pytest.mark.parametrize("fn, match", LEGACY_ERRORS)
def test_legacy_errors(fn, match):
    check_error(fn, match)


# ---- new_* ----

NEW = [
    case("new_zeros_args", lambda L, s: s.new_zeros(2, 3)),
    case("new_zeros_dtype", lambda L, s: s.new_zeros((2, 3), dtype=L.int32)),
    case("new_ones_list", lambda L, s: s.new_ones([2])),
    case("new_ones_size_kw", lambda L, s: s.new_ones(size=(1, 2))),
    case("new_ones_requires_grad", lambda L, s: s.new_ones(2, requires_grad=True)),
    case("new_full", lambda L, s: s.new_full((2,), 3)),
    case("new_full_dtype", lambda L, s: s.new_full((2,), 3, dtype=L.int64)),
    case("new_full_float_into_int", lambda L, s: s.new_full((2,), 7, dtype=L.int32, device="cpu")),
    case("new_tensor_list", lambda L, s: s.new_tensor([1, 2])),
    case("new_tensor_dtype", lambda L, s: s.new_tensor([1, 2], dtype=L.int32)),
    case("new_tensor_requires_grad", lambda L, s: s.new_tensor([1.0], requires_grad=True)),
    case("new_tensor_scalar", lambda L, s: s.new_tensor(5)),
]


@pytest.mark.parametrize("source", ["float64", "int32", "bool"])
@pytest.mark.parametrize("fn", NEW)
def test_new_methods(fn, source):
    sc = cgrad.ones(2, dtype=getattr(cgrad, source))
    st = torch.ones(2, dtype=getattr(torch, source))
    try:
        t = fn(torch, st)
    except RuntimeError:  # requires_grad on an integer dtype
        with pytest.raises(RuntimeError):
            fn(cgrad, sc)
        return
    c = fn(cgrad, sc)
    same(c, t)
    assert c.grad_fn is None and c.is_leaf


def test_new_empty_and_new_tensor_from_a_tensor():
    s = cgrad.ones(2, dtype=cgrad.float64, requires_grad=True)
    e = s.new_empty(2, 3, requires_grad=True)
    assert (tuple(e.shape), e.dtype, e.requires_grad) == ((2, 3), cgrad.float64, True)
    for lib, src in ((torch, torch.ones(2, dtype=torch.float64, requires_grad=True)), (cgrad, s)):
        with pytest.warns(UserWarning, match="To copy construct from a tensor"):
            copy = src.new_tensor(src)
        assert copy.requires_grad is False and copy.data_ptr() != src.data_ptr()


NEW_ERRORS = [
    error_case("zeros_no_size", lambda L: L.ones(2).new_zeros()),
    error_case("full_int_size", lambda L: L.ones(2).new_full(2, 3)),
    error_case("zeros_negative", lambda L: L.ones(2).new_zeros(-1), r"Trying to create tensor with negative dimension -1: \[-1\]"),
    error_case("zeros_str", lambda L: L.ones(2).new_zeros(2, "a"), r"^new_zeros\(\): argument 'size'"),
    error_case("ones_int_requires_grad", lambda L: L.ones(2).new_ones(2, dtype=L.int32, requires_grad=True)),
]


@pytest.mark.parametrize("fn, match", NEW_ERRORS)
def test_new_errors(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "float32", "float64"])
def test_nbytes_and_itemsize(dtype):
    c, t = cgrad.ones(3, 5, dtype=getattr(cgrad, dtype)), torch.ones(3, 5, dtype=getattr(torch, dtype))
    for view in (lambda x: x, lambda x: x[:, ::2], lambda x: x.t(), lambda x: x[:0]):
        assert (view(c).nbytes, view(c).itemsize) == (view(t).nbytes, view(t).itemsize)
