"""float16, bfloat16, uint8, int8 and int16 against torch, one line per case: the dtype
objects, creation, conversions (rounding and wrapping), numpy and DLPack, printing,
promotion and arithmetic, reductions, indexing, joins, matmul and autograd.

Note [Small dtypes] (cpp/include/cgrad/dtype.h) says how they are computed.
"""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error  # noqa: E402

SMALL = ["float16", "bfloat16", "uint8", "int8", "int16"]
ALL = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
       "float64"]
SMALL_FLOATS = ["float16", "bfloat16"]


def name(dtype):
    return str(dtype).split(".")[-1]


def values(t):
    """A tensor's values, exactly, as float64 (or int64) numpy data, and its dtype."""
    wide = t.detach().double() if t.dtype.is_floating_point else t.detach().long()
    return wide.numpy(), name(t.dtype)


def same(c, t, rtol=0.0, atol=0.0):
    assert isinstance(c, cgrad.Tensor) and isinstance(t, torch.Tensor)
    (cv, cd), (tv, td) = values(c), values(t)
    assert cd == td, f"dtype {cd} != {td}"
    assert cv.shape == tv.shape, f"shape {cv.shape} != {tv.shape}"
    np.testing.assert_allclose(cv, tv, rtol=rtol, atol=atol, equal_nan=True)


def both(fn):
    with warnings.catch_warnings():  # (torch deprecates uint8 masks)
        warnings.simplefilter("ignore")
        return fn(cgrad), fn(torch)


# Values that test rounding and wrapping: ties, overflow, subnormals, NaN, inf.
EDGE = np.array([0.0, -0.0, 1.0, -1.5, 2.5, 0.1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -8,
                 1 + 3 * 2 ** -8, 65504.0, 65519.0, 65520.0, 1e5, -1e5, 6e-8, 2.9e-8, 3e-8, 1e-40,
                 255.5, 256.0, 300.0, -129.0, 127.9, -128.7, 1e10, 3.4e38, np.nan, np.inf,
                 -np.inf], dtype=np.float64)


# ---- the dtype objects ----

@pytest.mark.parametrize("dtype", SMALL)
def test_dtype_objects(dtype):
    c, t = getattr(cgrad, dtype), getattr(torch, dtype)
    assert repr(c).replace("cgrad", "torch") == repr(t)
    assert (c.itemsize, c.is_floating_point, c.is_signed) == (t.itemsize, t.is_floating_point, t.is_signed)


def test_aliases():
    assert cgrad.half is cgrad.float16 and cgrad.short is cgrad.int16
    assert [cgrad.bool.is_signed, cgrad.int64.is_signed] == [torch.bool.is_signed, torch.int64.is_signed]


# ---- creation and conversion ----

@pytest.mark.parametrize("dtype", SMALL)
@pytest.mark.parametrize("source", ["float32", "float64", "int64", "int32", "bool"])
def test_to_small_dtype(dtype, source):
    data = EDGE if source.startswith("float") else np.array([0, 1, -1, 127, 128, 255, 256, -129, 65535, 70000, 2 ** 24 + 1, -2 ** 31], dtype=np.int64)
    if source == "bool":
        data = np.array([True, False])
    with np.errstate(all="ignore"):
        data = data.astype(source)
    c, t = both(lambda L: L.from_numpy(data.copy()).to(getattr(L, dtype)))
    same(c, t)


@pytest.mark.parametrize("dtype", SMALL)
@pytest.mark.parametrize("target", ALL)
def test_from_small_dtype(dtype, target):
    src = EDGE if dtype in SMALL_FLOATS else np.array([0, 1, -1, 100, -100, 127, -128, 255], dtype=np.int64)
    c, t = both(lambda L: L.tensor(src.tolist()).to(getattr(L, dtype)).to(getattr(L, target)))
    same(c, t)


@pytest.mark.parametrize("dtype", SMALL)
def test_factories(dtype):
    for fn in (lambda L, d: L.zeros(2, 3, dtype=d), lambda L, d: L.ones(4, dtype=d),
               lambda L, d: L.full((2,), 7, dtype=d), lambda L, d: L.arange(6, dtype=d),
               lambda L, d: L.tensor([[1, 2], [3, 4]], dtype=d), lambda L, d: L.tensor(5, dtype=d),
               lambda L, d: L.empty(2, 0, dtype=d), lambda L, d: L.eye(3, dtype=d),
               lambda L, d: L.zeros_like(L.ones(3), dtype=d)):
        same(*both(lambda L: fn(L, getattr(L, dtype))))


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
def test_float_factories_round(dtype):
    same(*both(lambda L: L.arange(0, 1, 0.1, dtype=getattr(L, dtype))))
    same(*both(lambda L: L.tensor([0.1, 1 / 3, 1e5, 1e-7], dtype=getattr(L, dtype))))
    same(*both(lambda L: L.full((3,), 1 / 3, dtype=getattr(L, dtype))))


@pytest.mark.parametrize("method, dtype", [("half", "float16"), ("bfloat16", "bfloat16"),
                                           ("byte", "uint8"), ("char", "int8"), ("short", "int16")])
def test_conversion_methods(method, dtype):
    c, t = both(lambda L: getattr(L.tensor([1.7, -2.5, 300.0]), method)())
    same(c, t)
    assert name(c.dtype) == dtype
    assert c.type().replace("cgrad", "torch") == t.type()


@pytest.mark.parametrize("dtype", SMALL + ["float64", "bool"])
def test_type_as(dtype):
    c, t = both(lambda L: L.tensor([1.7, -2.5, 300.0], requires_grad=True).type_as(
        L.ones(1, dtype=getattr(L, dtype))))
    same(c, t)
    assert (c.grad_fn and c.grad_fn.name()) == (t.grad_fn and t.grad_fn.name())
    x = cgrad.ones(2, dtype=getattr(cgrad, dtype))
    assert x.type_as(x) is x  # as torch's: no copy when the dtype is already other's
    check_error(lambda L: L.ones(2).type_as(3))


@pytest.mark.parametrize("data, dtype", [
    ([300.0], "uint8"), ([-1.7], "uint8"), ([-0.5], "uint8"), ([255.5], "uint8"), ([np.nan], "uint8"),
    ([256], "uint8"), ([-256], "uint8"), ([-129.0], "int8"), ([127.5], "int8"), ([128], "int8"),
    ([1e10], "int16"), ([40000], "int16"), ([3e9], "int32"), ([2 ** 31], "int32")])
def test_tensor_data_out_of_range_raises_as_torch(data, dtype):
    with pytest.raises(RuntimeError, match=f"value cannot be converted to type {dtype} without overflow"):
        cgrad.tensor(data, dtype=getattr(cgrad, dtype))
    with pytest.raises(RuntimeError, match=f"value cannot be converted to type {dtype} without overflow"):
        torch.tensor(data, dtype=getattr(torch, dtype))


def test_numbers_that_fit_or_wrap_as_torch():
    same(*both(lambda L: L.tensor([-1, -255, 255, 1.7, 0.0], dtype=L.uint8)))  # negatives wrap
    same(*both(lambda L: L.tensor([-128, 127, -1.7], dtype=L.int8)))
    same(*both(lambda L: L.full((2,), -255, dtype=L.uint8)))
    for value, dtype in ((-256, "uint8"), (255.5, "uint8"), (-0.5, "uint8"), (128, "int8")):
        for lib in (cgrad, torch):
            with pytest.raises(RuntimeError, match="without overflow"):
                lib.full((1,), value, dtype=getattr(lib, dtype))


def test_item_and_tolist():
    for dtype in SMALL:
        c, t = both(lambda L: L.tensor([1.1, -2.0], dtype=getattr(L, dtype)) if dtype in SMALL_FLOATS
                    else L.tensor([100, 7], dtype=getattr(L, dtype)))
        assert c.tolist() == t.tolist() and c[0].item() == t[0].item()
        assert type(c[0].item()) is type(t[0].item())


# ---- numpy and DLPack ----

@pytest.mark.parametrize("dtype", ["float16", "uint8", "int8", "int16"])
def test_numpy_round_trip(dtype):
    arr = np.array([1, 2, 3, 100], dtype=dtype)
    c = cgrad.from_numpy(arr)
    assert name(c.dtype) == dtype and c.numpy().dtype == arr.dtype
    c[0] = 7  # shares memory
    assert arr[0] == 7
    same(cgrad.tensor(arr), torch.tensor(arr))
    assert np.asarray(cgrad.tensor(arr)).dtype == np.asarray(torch.tensor(arr)).dtype


def test_bfloat16_numpy_raises_as_torch():
    for lib in (cgrad, torch):
        with pytest.raises(TypeError, match="Got unsupported ScalarType BFloat16"):
            lib.ones(2, dtype=lib.bfloat16).numpy()


@pytest.mark.parametrize("dtype", SMALL)
def test_dlpack_both_ways(dtype):
    c = cgrad.tensor([1, 2, 3], dtype=getattr(cgrad, dtype))
    t = torch.from_dlpack(c)
    assert name(t.dtype) == dtype
    t[0] = 9  # zero-copy: written through torch, read in cgrad
    assert c[0].item() == 9
    back = cgrad.from_dlpack(torch.tensor([4, 5], dtype=getattr(torch, dtype)))
    assert name(back.dtype) == dtype and back.tolist() == [4, 5]


# ---- printing ----

@pytest.mark.parametrize("dtype", SMALL)
def test_repr(dtype):
    for data in ([1.0, 2.0], [1.5, -2.25, 3.0], [0.1, 1e-8, 1e5, 3.14159], [[1, 2], [3, 4]], 2.5, []):
        c, t = both(lambda L: L.tensor(data).to(getattr(L, dtype)))
        assert repr(c).replace("cgrad.", "torch.") == repr(t), data


def test_repr_requires_grad_and_grad_fn():
    for dtype in SMALL_FLOATS:
        c, t = both(lambda L: L.ones(2, dtype=getattr(L, dtype), requires_grad=True))
        assert repr(c).replace("cgrad.", "torch.") == repr(t)
        assert repr(c.exp()).replace("cgrad.", "torch.") == repr(t.exp())


# ---- finfo / iinfo ----

@pytest.mark.parametrize("dtype", SMALL)
def test_limits(dtype):
    info = "finfo" if dtype in SMALL_FLOATS else "iinfo"
    c, t = getattr(cgrad, info)(getattr(cgrad, dtype)), getattr(torch, info)(getattr(torch, dtype))
    assert repr(c) == repr(t)
    for attr in ("bits", "max", "min", "dtype") + (("eps", "tiny", "resolution") if info == "finfo" else ()):
        assert getattr(c, attr) == getattr(t, attr), attr


# ---- arithmetic, promotion and wrapping ----

RTOL = {"float16": 2e-3, "bfloat16": 1.6e-2}


def tol(t):
    return RTOL.get(name(t.dtype), 0.0)


def operand(lib, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        data = rng.integers(0, 2, (2, 3)).astype(bool)
    elif dtype in ("uint8",):
        data = rng.integers(0, 256, (2, 3))
    elif dtype == "int8":
        data = rng.integers(-128, 128, (2, 3))
    elif dtype == "int16":
        data = rng.integers(-300, 300, (2, 3))
    elif dtype.startswith("int"):
        data = rng.integers(-20, 20, (2, 3))
    else:
        data = rng.uniform(-3, 3, (2, 3))
    return lib.tensor(data.tolist()).to(getattr(lib, dtype))


@pytest.mark.parametrize("a", SMALL)
@pytest.mark.parametrize("b", ALL)
def test_binary_promotion_and_values(a, b):
    for op in ("add", "sub", "mul", "div", "eq", "lt", "maximum"):
        if op == "sub" and "bool" in (a, b):
            continue
        c, t = both(lambda L: getattr(L, op)(operand(L, a, 1), operand(L, b, 2)))
        same(c, t, rtol=tol(t), atol=tol(t))


@pytest.mark.parametrize("expr", [
    lambda L: L.tensor([255, 1], dtype=L.uint8) + 1,          # wraps to 0
    lambda L: L.tensor([255], dtype=L.uint8) + 300,            # a Python int wraps too
    lambda L: L.tensor([0], dtype=L.uint8) - 1,
    lambda L: L.tensor([127, -128], dtype=L.int8) + L.tensor([1, -1], dtype=L.int8),
    lambda L: L.tensor([100, -100], dtype=L.int8) * 3,
    lambda L: L.tensor([30000], dtype=L.int16) * 2,
    lambda L: -L.tensor([-128, 5], dtype=L.int8),
    lambda L: L.tensor([-128, 5], dtype=L.int8).abs(),
    lambda L: L.tensor([-128, 7], dtype=L.int8) // -1,
    lambda L: L.tensor([200, 7], dtype=L.uint8) // 3,
    lambda L: L.tensor([200, 7], dtype=L.uint8) % 3,
    lambda L: L.tensor([1, 2], dtype=L.int8) + 1.5,             # float32
    lambda L: L.tensor([1, 2], dtype=L.uint8) / 2,
    lambda L: L.tensor([1, 2], dtype=L.uint8) + L.tensor(1.5),  # a 0-d float raises the category
    lambda L: L.tensor([1, 2], dtype=L.int8) + L.tensor(5),     # a 0-d int does not
    lambda L: L.tensor([1, 2], dtype=L.uint8) & L.tensor([3, 1], dtype=L.uint8),
    lambda L: ~L.tensor([0, 5], dtype=L.uint8),
    lambda L: L.tensor([1.5, 2], dtype=L.float16) + 1.5,
    lambda L: L.tensor([1.5, 2], dtype=L.float16) * L.tensor(3.0, dtype=L.float64),
    lambda L: L.tensor([1.5, 2], dtype=L.bfloat16) + L.tensor([1, 2], dtype=L.int64),
    lambda L: L.tensor([60000.0], dtype=L.float16) * 2,        # overflows to inf
    lambda L: L.tensor([1.0, 3.0], dtype=L.float16) / 3,
    lambda L: L.tensor([1.0, 3.0], dtype=L.bfloat16) / 3,
    lambda L: L.tensor([2.0, 3.0], dtype=L.float16) ** 2,
    lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2], dtype=L.int8), L.tensor([3, 4], dtype=L.uint8)),
    lambda L: L.clamp(L.tensor([-5, 0, 5], dtype=L.int8), -2, 2),
    lambda L: L.clamp(L.tensor([-5, 0, 5.5], dtype=L.float16), -2, 2),
])
def test_arithmetic_as_torch(expr):
    c, t = both(expr)
    same(c, t, rtol=tol(t))


def test_inplace_keeps_the_small_dtype():
    for dtype in SMALL:
        c, t = both(lambda L: operand(L, dtype, 3))
        c.add_(1).mul_(2)
        t.add_(1).mul_(2)
        same(c, t, rtol=tol(t))


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
@pytest.mark.parametrize("op", ["exp", "log", "sqrt", "sin", "tanh", "sigmoid", "abs", "neg",
                                "floor", "round", "reciprocal", "relu"])
def test_unary_floats(dtype, op):
    c, t = both(lambda L: getattr(L, op)(operand(L, dtype, 4).abs() + 0.1))
    same(c, t, rtol=tol(t), atol=tol(t))


@pytest.mark.parametrize("dtype", SMALL)
@pytest.mark.parametrize("reduce", [
    lambda L, x: x.sum(), lambda L, x: x.sum(0), lambda L, x: x.sum(1, keepdim=True),
    lambda L, x: x.max(), lambda L, x: x.min(1)[0], lambda L, x: x.argmax(), lambda L, x: x.max(0)[1],
    lambda L, x: x.prod(1), lambda L, x: x.cumsum(1), lambda L, x: x.amax(0),
])
def test_reductions(dtype, reduce):
    c, t = both(lambda L: reduce(L, operand(L, dtype, 5)))
    same(c, t, rtol=tol(t), atol=tol(t))


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
def test_float_reductions(dtype):
    for fn in (lambda x: x.mean(), lambda x: x.mean(1), lambda x: x.var(), lambda x: x.std(0),
               lambda x: x.norm(), lambda x: x.softmax(1), lambda x: x.log_softmax(0)):
        c, t = both(lambda L: fn(operand(L, dtype, 6)))
        same(c, t, rtol=tol(t), atol=tol(t))


def test_float16_sum_accumulates_wide():
    c, t = both(lambda L: L.full((4096,), 1.0, dtype=L.float16).sum())
    same(c, t)  # 4096, where a float16 running sum would stop at 2048


# ---- indexing, joins, matmul ----

@pytest.mark.parametrize("dtype", SMALL)
def test_indexing_and_joins(dtype):
    for fn in (lambda L, x: x[1], lambda L, x: x[:, 1:], lambda L, x: x[x > 0] if x.dtype != L.bool else x,
               lambda L, x: x[L.tensor([1, 0, 1])], lambda L, x: x.t().contiguous(),
               lambda L, x: L.cat([x, x], 1), lambda L, x: L.stack([x, x]), lambda L, x: x.flip(0),
               lambda L, x: x.reshape(3, 2), lambda L, x: x.gather(1, L.tensor([[0, 2], [1, 1]])),
               lambda L, x: x.masked_fill(x > 1, 0),
               lambda L, x: x[L.tensor([1, 0], dtype=L.uint8)]):  # a byte mask
        c, t = both(lambda L: fn(L, operand(L, dtype, 7)))
        same(c, t)


@pytest.mark.parametrize("dtype", SMALL)
def test_setitem(dtype):
    def fn(L):
        x = operand(L, dtype, 8)
        x[0, 1] = 3
        x[1] = operand(L, dtype, 9)[0]
        x[:, 2] = L.tensor(1.5).to(x.dtype)
        return x
    same(*both(fn))


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
def test_matmul(dtype):
    for fn in (lambda L, a, b: a @ b.t(), lambda L, a, b: L.mm(a.t(), b), lambda L, a, b: a[0] @ b[1],
               lambda L, a, b: L.nn.functional.linear(a, b)):
        c, t = both(lambda L: fn(L, operand(L, dtype, 10), operand(L, dtype, 11)))
        same(c, t, rtol=tol(t), atol=tol(t))


# ---- autograd ----

@pytest.mark.parametrize("dtype", SMALL_FLOATS)
def test_autograd(dtype):
    def run(L):
        x = operand(L, dtype, 12).requires_grad_()
        w = operand(L, dtype, 13).requires_grad_()
        y = ((x * w).exp() + x.sin() / (w.abs() + 1)).sum(1).mean()
        y.backward()
        return y, x.grad, w.grad, y.grad_fn.name()
    (cy, cgx, cgw, cname), (ty, tgx, tgw, tname) = run(cgrad), run(torch)
    assert cname == tname
    for c, t in ((cy, ty), (cgx, tgx), (cgw, tgw)):
        same(c, t, rtol=4 * tol(t), atol=4 * tol(t))


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16"])
def test_integers_cannot_require_grad(dtype):
    for lib in (cgrad, torch):
        with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
            lib.ones(2, dtype=getattr(lib, dtype)).requires_grad_()


# ---- what is not enabled says so (torch computes these; cgrad raises, never crashes) ----

def test_optimizer_steps_small_dtypes():
    # (full trajectories: tests/test_optim_reduced_float.py)
    c, t = both(lambda L: _sgd_step(L))
    same(c, t)


def _sgd_step(L):
    p = L.nn.Parameter(L.tensor([1.0, -2.0, 3.0]).to(L.bfloat16))
    p.grad = L.tensor([0.3, 0.1, -0.7]).to(L.bfloat16)
    L.optim.SGD([p], lr=0.1, momentum=0.9).step()
    return p.detach()


@pytest.mark.parametrize("dtype", SMALL)
def test_sorting(dtype):
    for fn in (lambda x: x.sort(1), lambda x: x.sort(0, descending=True), lambda x: x.topk(2, 1),
               lambda x: x.kthvalue(2, 1), lambda x: x.median(1), lambda x: x.cummax(1),
               lambda x: x.argsort(1)):
        c, t = both(lambda L: fn(operand(L, dtype, 14)))
        for cc, tt in zip(c if isinstance(c, tuple) else (c,), t if isinstance(t, tuple) else (t,)):
            same(cc, tt)


def test_assert_close_tolerances():
    for dtype, close, far in (("float16", 1.0005, 1.002), ("bfloat16", 1.0078125, 1.03)):
        ones = cgrad.ones(2, dtype=getattr(cgrad, dtype))
        cgrad.testing.assert_close(ones * close, ones)
        with pytest.raises(AssertionError):
            cgrad.testing.assert_close(ones * far, ones)
