"""Making tensors and reading them back, against PyTorch: dtype inference, factories,
the legacy Tensor(...) constructor, numpy interop and the Python-scalar protocol."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def dtype_name(dtype):
    return str(dtype).split(".")[-1]


def assert_same(c, t):
    """Same type of result; tensors: same dtype, shape and values."""
    if isinstance(t, torch.Tensor):
        assert isinstance(c, cgrad.Tensor)
        assert dtype_name(c.dtype) == dtype_name(t.dtype)
        assert tuple(c.shape) == tuple(t.shape)
        assert c.requires_grad == t.requires_grad
        np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())
    else:
        assert type(c) is type(t)
        if isinstance(t, float) and math.isnan(t):
            assert math.isnan(c)
        else:
            assert c == t


def both(fn):
    """fn(lib) with each library; the results must match."""
    assert_same(fn(cgrad), fn(torch))


def same_result(make, *args):
    """make(lib, *args) in both libraries: the same exception type, or matching results."""
    try:
        t = make(torch, *[getattr(torch, a) for a in args])
    except Exception as e:
        with pytest.raises(type(e)):
            make(cgrad, *[getattr(cgrad, a) for a in args])
        return
    c = make(cgrad, *[getattr(cgrad, a) for a in args])
    if isinstance(t, torch.Size):
        assert isinstance(c, cgrad.Size) and tuple(c) == tuple(t)
    elif isinstance(t, torch.dtype):
        assert dtype_name(c) == dtype_name(t)
    else:
        assert_same(c, t)


# ---- tensor(data): dtype inference and explicit dtype ----

DATA = {
    "int_list": [1, 2],
    "float_list": [1.0, 2.0],
    "bool_scalar": True,
    "int_scalar": 3,
    "float_scalar": -2.5,
    "bool_list": [True, False],
    "bool_int": [True, 2],
    "bool_float": [False, 1.5],
    "int_float": [1, 2.5],
    "mixed_nested": [[True, 1], [2, 3.5]],
    "nested_int": [[1, 2, 3], [4, 5, 6]],
    "nested_3d": [[[1.0], [2.0]], [[3.0], [4.0]]],
    "tuple": (1, 2, 3),
    "list_of_tuples": [(1, 2), (3, 4)],
    "empty": [],
    "empty_nested": [[], []],
    "nan_inf": [math.nan, math.inf, -math.inf],
    "big_int": [2**40, -(2**40)],
}


@pytest.mark.parametrize("data", list(DATA.values()), ids=list(DATA))
def test_tensor_infers_dtype(data):
    both(lambda L: L.tensor(data))


NUMPY = {
    "float32": np.array([1.5, -2.0], np.float32),
    "float64": np.array([[1.5, -2.0]], np.float64),
    "int32": np.array([1, -2, 3], np.int32),
    "int64": np.array([[1], [2]], np.int64),
    "bool": np.array([True, False]),
    "zero_dim": np.array(2.5),
    "empty": np.zeros((0, 3), np.float32),
    "transposed": np.arange(6.0).reshape(2, 3).T,
    "strided": np.arange(10, dtype=np.int32)[::3],
}


@pytest.mark.parametrize("arr", list(NUMPY.values()), ids=list(NUMPY))
def test_tensor_from_numpy_array(arr):
    both(lambda L: L.tensor(arr))


@pytest.mark.parametrize("arr", list(NUMPY.values()), ids=list(NUMPY))
def test_tensor_from_numpy_copies(arr):
    t = cgrad.tensor(arr)
    before = arr.copy()
    t.numpy()[...] = 0 if t.numel() else t.numpy()
    np.testing.assert_array_equal(arr, before)


@pytest.mark.parametrize("value", [np.float64(1.5), np.float32(1.5), np.int32(3), np.int64(3),
                                   np.bool_(True)], ids=lambda v: type(v).__name__)
def test_tensor_numpy_scalars_keep_dtype(value):
    both(lambda L: L.tensor(value))
    both(lambda L: L.tensor([value, value]))


@pytest.mark.filterwarnings("ignore:To copy construct")
def test_tensor_from_tensors():
    both(lambda L: L.tensor(L.tensor([1, 2])))
    both(lambda L: L.tensor(L.tensor([1.0, 2.0], dtype=L.float64)))
    both(lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]))
    both(lambda L: L.tensor([L.tensor(1, dtype=L.int32), L.tensor(2, dtype=L.int32)]))
    both(lambda L: L.tensor(L.tensor([1, 2]), dtype=L.float32))


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_tensor_copy_of_tensor_is_detached_copy():
    src = cgrad.tensor([1.0, 2.0], requires_grad=True)
    t = cgrad.tensor(src)
    assert not t.requires_grad and t.grad_fn is None
    t.numpy()[0] = 5.0
    assert src.detach().numpy()[0] == 1.0


DTYPES = ["bool", "int32", "int64", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("data", [[1.7, -1.2, 0.0], [0, 3, -2], [True, False, True], 2.5],
                         ids=["floats", "ints", "bools", "scalar"])
def test_tensor_explicit_dtype(data, dtype):
    both(lambda L: L.tensor(data, dtype=getattr(L, dtype)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tensor_numpy_with_dtype(dtype):
    arr = np.array([[1.5, 0.0], [-2.0, 3.0]])
    both(lambda L: L.tensor(arr, dtype=getattr(L, dtype)))


def test_tensor_requires_grad():
    both(lambda L: L.tensor([1.0, 2.0], requires_grad=True))
    both(lambda L: L.tensor(1.0, dtype=L.float64, requires_grad=True))


def test_python_type_dtypes():
    both(lambda L: L.tensor([1, 2], dtype=float))
    both(lambda L: L.ones(2, dtype=int))
    both(lambda L: L.zeros(2, dtype=bool))
    both(lambda L: L.tensor([1.5], dtype=L.double))
    both(lambda L: L.tensor([1.5], dtype=L.float))
    both(lambda L: L.tensor([1.5], dtype=L.long))
    both(lambda L: L.tensor([1.5], dtype=L.int))


# ---- the legacy Tensor(...) constructor: always float32 ----

LEGACY = {
    "sizes": lambda L: L.Tensor(2, 3).shape,
    "one_size": lambda L: L.Tensor(3).shape,
    "size_object": lambda L: L.Tensor(L.Size([2, 3])).shape,
    "empty": lambda L: L.Tensor(),
    "list": lambda L: L.Tensor([1, 2]),
    "nested": lambda L: L.Tensor([[1, 2], [3, 4]]),
    "tuple_is_data": lambda L: L.Tensor((2, 3)),
    "float_list": lambda L: L.Tensor([1.5, -2.0]),
    "bool_list": lambda L: L.Tensor([True, False]),
    "numpy_int": lambda L: L.Tensor(np.array([1, 2])),
    "numpy_float64": lambda L: L.Tensor(np.array([1.5, 2.5])),
    "float_tensor": lambda L: L.Tensor(L.tensor([1.0, 2.0])),
    "int_tensor": lambda L: L.Tensor(L.tensor([1, 2])),
    "double_tensor": lambda L: L.Tensor(L.tensor([1.0], dtype=L.float64)),
    "dtype": lambda L: L.Tensor(2, 3).dtype,
    "zero_size": lambda L: L.Tensor(0).shape,
}


@pytest.mark.parametrize("make", list(LEGACY.values()), ids=list(LEGACY))
def test_legacy_constructor(make):
    same_result(make)


def test_legacy_constructor_aliases_tensor():
    for L in (torch, cgrad):
        src = L.tensor([1.0, 2.0], requires_grad=True)
        alias = L.Tensor(src)
        assert alias.data_ptr() == src.data_ptr()
        assert alias.requires_grad
        assert alias.grad_fn.name() == "AliasBackward0"
        (alias * 3).sum().backward()
        np.testing.assert_array_equal(src.grad.numpy(), [3.0, 3.0])


# ---- factories ----

FACTORIES = {
    "ones": lambda L: L.ones(2, 3),
    "ones_tuple": lambda L: L.ones((2, 3)),
    "ones_list": lambda L: L.ones([4]),
    "ones_size_kw": lambda L: L.ones(size=(2, 1)),
    "ones_0d": lambda L: L.ones(()),
    "ones_empty": lambda L: L.ones(0, 3),
    "ones_size_object": lambda L: L.ones(L.Size([3, 1])),
    "zeros": lambda L: L.zeros(3, 2),
    "zeros_tuple": lambda L: L.zeros((1, 2, 3)),
    "empty_shape": lambda L: L.empty(2, 3).shape,
    "empty_dtype": lambda L: L.empty(2, dtype=L.int64).dtype,
    "full_float": lambda L: L.full((2, 3), 1.5),
    "full_int": lambda L: L.full((2,), 7),
    "full_bool": lambda L: L.full((2, 2), True),
    "full_list_size": lambda L: L.full([3], -1.0),
    "full_0d": lambda L: L.full((), 4),
    "full_nan": lambda L: L.full((2,), math.nan),
    "arange_int": lambda L: L.arange(5),
    "arange_start_end": lambda L: L.arange(2, 7),
    "arange_step": lambda L: L.arange(0, 10, 3),
    "arange_float": lambda L: L.arange(5.0),
    "arange_float_step": lambda L: L.arange(0, 1, 0.25),
    "arange_float_start": lambda L: L.arange(0.5, 3),
    "arange_tenth": lambda L: L.arange(0, 1, 0.1),
    "arange_neg_step": lambda L: L.arange(5, 0, -1),
    "arange_neg_float_step": lambda L: L.arange(1.0, 0.0, -0.3),
    "arange_neg_range": lambda L: L.arange(0, -3, -1),
    "arange_empty": lambda L: L.arange(3, 3),
    "arange_inexact": lambda L: L.arange(0, 5, 2),
    "arange_tensor_end": lambda L: L.arange(L.tensor(4)),
    "eye": lambda L: L.eye(3),
    "eye_rect": lambda L: L.eye(2, 3),
    "eye_tall": lambda L: L.eye(3, 2),
    "eye_empty": lambda L: L.eye(0),
    "rand_shape": lambda L: L.rand(2, 3).shape,
    "rand_dtype": lambda L: L.rand(2).dtype,
    "randn_shape": lambda L: L.randn(4, 1).shape,
    "randn_dtype": lambda L: L.randn(2, dtype=L.float64).dtype,
    "rand_empty": lambda L: L.rand(0).shape,
    "ones_like": lambda L: L.ones_like(L.tensor([[1, 2]])),
    "zeros_like": lambda L: L.zeros_like(L.tensor([1.5, 2.0], dtype=L.float64)),
    "full_like_float": lambda L: L.full_like(L.tensor([1.0, 2.0]), 7),
    "full_like_int_truncates": lambda L: L.full_like(L.tensor([1, 2]), 2.7),
    "empty_like_shape": lambda L: L.empty_like(L.ones(3, 2)).shape,
    "empty_like_dtype": lambda L: L.empty_like(L.tensor([True])).dtype,
    "rand_like_shape": lambda L: L.rand_like(L.ones(2, 3)).shape,
    "randn_like_dtype": lambda L: L.randn_like(L.ones(2, dtype=L.float64)).dtype,
    "ones_requires_grad": lambda L: L.ones(2, requires_grad=True),
    "zeros_like_requires_grad": lambda L: L.zeros_like(L.ones(2), requires_grad=True),
    "full_requires_grad": lambda L: L.full((2,), 1.0, requires_grad=True),
    "arange_requires_grad": lambda L: L.arange(3.0, requires_grad=True),
    "eye_requires_grad": lambda L: L.eye(2, requires_grad=True),
}


@pytest.mark.parametrize("make", list(FACTORIES.values()), ids=list(FACTORIES))
def test_factory(make):
    same_result(make)


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32"])
@pytest.mark.parametrize("args", [(-1.5, 2), (0.0, 1.0, 0.4), (0, 5, 1.5), (-2.5, 0.0, 0.7),
                                  (5, 0, -1.5), (0.5, 4.5)], ids=str)
def test_arange_fractional_args(args, dtype):
    same_result(lambda L, d: L.arange(*args, dtype=d), dtype)


FACTORY_WITH_DTYPE = {
    "ones": lambda L, d: L.ones(2, 3, dtype=d),
    "zeros": lambda L, d: L.zeros((3,), dtype=d),
    "empty": lambda L, d: L.empty(2, dtype=d).dtype,
    "full": lambda L, d: L.full((2,), 3, dtype=d),
    "full_float_value": lambda L, d: L.full((2,), 2.5, dtype=d),
    "arange": lambda L, d: L.arange(4, dtype=d),
    "arange_float_args": lambda L, d: L.arange(0.0, 3.0, dtype=d),
    "eye": lambda L, d: L.eye(2, 3, dtype=d),
    "ones_like": lambda L, d: L.ones_like(L.tensor([1.5]), dtype=d),
    "zeros_like": lambda L, d: L.zeros_like(L.tensor([1, 2]), dtype=d),
    "full_like": lambda L, d: L.full_like(L.tensor([1, 2]), 1, dtype=d),
    "empty_like": lambda L, d: L.empty_like(L.tensor([1, 2]), dtype=d).dtype,
    "tensor": lambda L, d: L.tensor([0, 1, 2], dtype=d),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("make", list(FACTORY_WITH_DTYPE.values()), ids=list(FACTORY_WITH_DTYPE))
def test_factory_dtype(make, dtype):
    same_result(make, dtype)  # e.g. arange with dtype=bool raises in both


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make", ["rand", "randn", "rand_like", "randn_like"])
def test_random_factory_dtype(make, dtype):
    d = getattr(cgrad, dtype)
    t = getattr(cgrad, make)(cgrad.ones(3, 2) if make.endswith("like") else (3, 2), dtype=d)
    assert t.dtype is d and tuple(t.shape) == (3, 2)


def test_rand_range_and_spread():
    cgrad.manual_seed(0)
    u = cgrad.rand(10000).numpy()
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.02
    z = cgrad.randn(10000, dtype=cgrad.float64).numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1.0) < 0.05


def test_manual_seed_reproducible():
    cgrad.manual_seed(42)
    a = cgrad.rand(5).numpy().copy(), cgrad.randn(3, dtype=cgrad.float64).numpy().copy()
    cgrad.manual_seed(42)
    b = cgrad.rand(5).numpy().copy(), cgrad.randn(3, dtype=cgrad.float64).numpy().copy()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    cgrad.manual_seed(43)
    assert not np.array_equal(cgrad.rand(5).numpy(), a[0])


def test_random_like_follows_seed():
    cgrad.manual_seed(7)
    a = cgrad.rand_like(cgrad.ones(4)).numpy().copy()
    cgrad.manual_seed(7)
    np.testing.assert_array_equal(cgrad.rand(4).numpy(), a)


# ---- numpy interop ----

@pytest.mark.parametrize("arr", list(NUMPY.values()), ids=list(NUMPY))
def test_from_numpy_matches_torch(arr):
    c, t = cgrad.from_numpy(arr), torch.from_numpy(arr)
    assert_same(c, t)
    assert c.stride() == t.stride()
    assert c.is_contiguous() == t.is_contiguous()


def test_from_numpy_shares_memory_both_ways():
    arr = np.zeros((2, 3), np.float32)
    t = cgrad.from_numpy(arr)
    arr[0, 1] = 5.0
    assert t.tolist()[0][1] == 5.0
    t.numpy()[1, 2] = -1.0
    assert arr[1, 2] == -1.0
    t += 1  # in-place through the tensor shows in the array
    assert arr[0, 0] == 1.0 and arr[0, 1] == 6.0


def test_from_numpy_strided_shares_memory():
    base = np.zeros((4, 6))
    view = base[::2, 1::2]
    t = cgrad.from_numpy(view)
    assert t.stride() == torch.from_numpy(view).stride()
    t.numpy()[1, 2] = 3.0
    assert base[2, 5] == 3.0


def test_from_numpy_keeps_array_alive():
    t = cgrad.from_numpy(np.arange(4, dtype=np.int64))
    import gc
    gc.collect()
    assert t.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_shares_memory_both_ways(dtype):
    t = cgrad.zeros(2, 2, dtype=getattr(cgrad, dtype))
    a = t.numpy()
    assert a.dtype == np.dtype(dtype) and a.shape == (2, 2)
    a[0, 0] = 1
    assert t.tolist()[0][0] == 1
    t.fill_(1)
    assert a.all()


def test_numpy_of_views_and_detached():
    x = cgrad.tensor([[1.0, 2.0]], requires_grad=True)
    d = x.detach()
    d.numpy()[0, 0] = 9.0
    assert x.tolist() == [[9.0, 2.0]]
    np.testing.assert_array_equal(np.asarray(cgrad.tensor([1, 2], dtype=cgrad.int32)),
                                  np.array([1, 2], np.int32))


def test_numpy_requires_grad_raises_like_torch():
    for L in (torch, cgrad):
        with pytest.raises(RuntimeError,
                           match="Can't call numpy\\(\\) on Tensor that requires grad"):
            L.ones(2, requires_grad=True).numpy()
        with pytest.raises(RuntimeError, match="requires grad"):
            (L.ones(2, requires_grad=True) * 2).numpy()


def test_numpy_roundtrip_non_contiguous():
    arr = np.arange(12.0).reshape(3, 4).T
    back = cgrad.from_numpy(arr).numpy()
    assert back.strides == arr.strides
    np.testing.assert_array_equal(back, arr)


# ---- Python protocol: item, tolist, bool/float/int/len, shape, size ----

TENSORS = {
    "float_1": lambda L: L.tensor([2.5]),
    "float_0d": lambda L: L.tensor(-1.5),
    "int_0d": lambda L: L.tensor(7),
    "int32_1x1": lambda L: L.tensor([[3]], dtype=L.int32),
    "bool_0d": lambda L: L.tensor(True),
    "false": lambda L: L.tensor([False]),
    "zero": lambda L: L.tensor(0.0),
    "neg_float": lambda L: L.tensor(-2.7),
    "float64": lambda L: L.tensor(0.1, dtype=L.float64),
    "nan": lambda L: L.tensor(math.nan),
}


@pytest.mark.parametrize("conv", [lambda t: t.item(), bool, float, int, lambda t: t.tolist()],
                         ids=["item", "bool", "float", "int", "tolist"])
@pytest.mark.parametrize("make", list(TENSORS.values()), ids=list(TENSORS))
def test_scalar_conversions(make, conv):
    t = make(torch)
    try:
        expected = conv(t)
    except Exception as e:  # e.g. int(nan)
        with pytest.raises(type(e)):
            conv(make(cgrad))
        return
    assert_same(conv(make(cgrad)), expected)


@pytest.mark.parametrize("make", [
    lambda L: L.tensor([[1, 2], [3, 4]]),
    lambda L: L.tensor([[1.5], [-2.0]], dtype=L.float64),
    lambda L: L.tensor([True, False]),
    lambda L: L.tensor([], dtype=L.int32),
    lambda L: L.zeros(2, 0, 3),
    lambda L: L.from_numpy(np.arange(6.0).reshape(2, 3).T),
    lambda L: L.tensor(5),
], ids=["int", "float64", "bool", "empty", "empty_inner", "transposed", "0d"])
def test_tolist(make):
    c, t = make(cgrad).tolist(), make(torch).tolist()
    assert c == t
    flat = lambda x: [x] if not isinstance(x, list) else [y for e in x for y in flat(e)]  # noqa
    assert [type(v) for v in flat(c)] == [type(v) for v in flat(t)]


@pytest.mark.parametrize("make", [
    lambda L: L.ones(2, 3),
    lambda L: L.tensor(1.0),
    lambda L: L.zeros(0),
    lambda L: L.ones(4, 1, 2, dtype=L.int32),
    lambda L: L.from_numpy(np.zeros((3, 5)).T),
], ids=["2d", "0d", "empty", "3d", "transposed"])
def test_metadata(make):
    c, t = make(cgrad), make(torch)
    assert tuple(c.shape) == tuple(t.shape)
    assert tuple(c.size()) == tuple(t.size())
    assert c.dim() == t.dim() and c.ndim == t.ndim
    assert c.numel() == t.numel()
    assert dtype_name(c.dtype) == dtype_name(t.dtype)
    assert c.is_floating_point() == t.is_floating_point()
    assert c.element_size() == t.element_size()
    assert c.stride() == t.stride()
    if t.dim():
        assert len(c) == len(t)
        for d in range(-t.dim(), t.dim()):
            assert c.size(d) == t.size(d)
            assert c.size(dim=d) == t.size(dim=d)


def test_size_object():
    c, t = cgrad.ones(2, 3).shape, torch.ones(2, 3).shape
    assert repr(c) == repr(t).replace("torch", "cgrad") == "cgrad.Size([2, 3])"
    assert str(cgrad.tensor(1.0).shape) == "cgrad.Size([])"
    assert isinstance(c, tuple) and isinstance(c, cgrad.Size)
    assert c == (2, 3) and c[1] == 3 and c[-1] == 3
    assert isinstance(c[:1], cgrad.Size) and c[:1] == (2,)
    assert c.numel() == t.numel() == 6
    assert cgrad.ones(2, 3).size() == cgrad.Size([2, 3])


def test_dtype_objects():
    for name in DTYPES:
        c, t = getattr(cgrad, name), getattr(torch, name)
        assert repr(c) == repr(t).replace("torch", "cgrad")
        assert c.is_floating_point == t.is_floating_point
        assert c.itemsize == t.itemsize
    assert cgrad.ones(1).dtype is cgrad.float32
    assert cgrad.float is cgrad.float32 and cgrad.double is cgrad.float64
    assert cgrad.long is cgrad.int64 and cgrad.int is cgrad.int32
