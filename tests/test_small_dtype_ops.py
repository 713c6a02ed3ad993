"""float16, bfloat16, uint8, int8 and int16 through the ops that compute them widened
(Note [Small dtypes] in cpp/include/cgrad/dtype.h): range factories, convolution,
pooling, normalization and class-index losses, against torch, one line per case."""
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error  # noqa: E402

SMALL = ["float16", "bfloat16", "uint8", "int8", "int16"]
SMALL_FLOATS = ["float16", "bfloat16"]


def exact(t):
    """A tensor's dtype name and exact values (float64 or int64 numpy data)."""
    t = t.detach()
    wide = t.double() if t.dtype.is_floating_point else t.long()
    return str(t.dtype).split(".")[-1], wide.numpy()


def outcome(fn, L):
    try:
        return exact(fn(L))
    except Exception as e:  # noqa: BLE001 - the error is the outcome compared
        return type(e).__name__, str(e)


def same_as_torch(fn, rtol=0.0, atol=0.0):
    (t_dtype, t_val), (c_dtype, c_val) = outcome(fn, torch), outcome(fn, cgrad)
    assert c_dtype == t_dtype, (c_val, t_val)
    if isinstance(t_val, str):
        assert c_val == t_val
    else:
        assert c_val.shape == t_val.shape
        np.testing.assert_allclose(c_val, t_val, rtol=rtol, atol=atol, equal_nan=True)


# ---- range factories: bit for bit, rounding and wrapping as torch's ----

def range_cases(seed, count=60):
    rng = random.Random(seed)
    cases = []
    for _ in range(count):
        lo, hi = rng.uniform(-300, 300), rng.uniform(-300, 300)
        if rng.random() < 0.3:
            lo, hi = int(lo), int(hi)
        cases.append(("linspace", (lo, hi, rng.randint(0, 40))))
        lo, hi = rng.uniform(-3, 3), rng.uniform(-3, 3)
        if rng.random() < 0.3:
            lo, hi = int(lo), int(hi)
        cases.append(("logspace", (lo, hi, rng.randint(0, 40), rng.choice([10.0, 2.0, 1.5]))))
    return cases


@pytest.mark.parametrize("dtype", SMALL)
@pytest.mark.parametrize("seed", range(3))
def test_linspace_logspace_as_torch(dtype, seed):
    for fn, args in range_cases(seed):
        same_as_torch(lambda L: getattr(L, fn)(*args, dtype=getattr(L, dtype)))


@pytest.mark.parametrize("dtype", SMALL)
@pytest.mark.parametrize("args", [(0, 10, 3), (0, 2, 0.3), (0, 300), (-7.5, 4.2, 1.1), (250, -3, -7)],
                         ids=str)
def test_arange_as_torch(dtype, args):
    same_as_torch(lambda L: L.arange(*args, dtype=getattr(L, dtype)))


# ---- convolution, pooling, layer_norm: float32 inside, rounded once, as torch's CPU ----

TOLERANCE = {"float16": 2e-3, "bfloat16": 1.6e-2}
_rng = np.random.default_rng(12)


def data(*shape):
    return _rng.uniform(-2, 2, shape).astype(np.float32)


def forward_and_grads(make, arrays, dtype, L):
    """make(L, *tensors) on `arrays` in `dtype`, then backward of its sum weighted by a
    fixed upstream gradient: the output and every input's gradient."""
    xs = [L.tensor(a).to(getattr(L, dtype)).requires_grad_() for a in arrays]
    out = make(L, *xs)
    upstream = L.tensor(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
    out.backward(upstream.to(out.dtype))
    return [out] + [x.grad for x in xs]


NN_CASES = {
    "conv1d": (lambda L, x, w, b: L.nn.functional.conv1d(x, w, b, padding=1), [(2, 3, 9), (4, 3, 3), (4,)]),
    "conv2d": (lambda L, x, w, b: L.nn.functional.conv2d(x, w, b, stride=2, padding=1),
               [(2, 3, 7, 6), (4, 3, 3, 3), (4,)]),
    "conv2d_groups": (lambda L, x, w: L.nn.functional.conv2d(x, w, groups=2), [(1, 4, 5, 5), (2, 2, 2, 2)]),
    "max_pool2d": (lambda L, x: L.nn.functional.max_pool2d(x, 2), [(2, 3, 6, 6)]),
    "max_pool2d_3": (lambda L, x: L.nn.functional.max_pool2d(x, 3, 2, 1), [(1, 2, 7, 7)]),
    "max_pool1d": (lambda L, x: L.nn.functional.max_pool1d(x, 3), [(2, 3, 10)]),
    "avg_pool2d": (lambda L, x: L.nn.functional.avg_pool2d(x, 3, 2, 1), [(2, 3, 7, 7)]),
    "avg_pool1d": (lambda L, x: L.nn.functional.avg_pool1d(x, 2), [(2, 3, 10)]),
    "adaptive_avg_pool2d": (lambda L, x: L.nn.functional.adaptive_avg_pool2d(x, 3), [(2, 3, 7, 5)]),
    "adaptive_max_pool2d": (lambda L, x: L.nn.functional.adaptive_max_pool2d(x, 3), [(2, 3, 7, 5)]),
    "layer_norm": (lambda L, x: L.nn.functional.layer_norm(x, (6,)), [(4, 6)]),
    "batch_norm": (lambda L, x, w, b: L.nn.functional.batch_norm(x, None, None, w, b, training=True),
                   [(4, 3, 5), (3,), (3,)]),
    "layer_norm_affine": (lambda L, x, w, b: L.nn.functional.layer_norm(x, (3, 4), w, b),
                          [(2, 3, 4), (3, 4), (3, 4)]),
    # class-index losses: the scores and gradients only move (-100 is an ignored target)
    "cross_entropy": (lambda L, x: L.nn.functional.cross_entropy(x, L.tensor([0, 4, 2, -100, 1, 3])), [(6, 5)]),
    "cross_entropy_2d_none": (lambda L, x: L.nn.functional.cross_entropy(
        x, L.tensor(np.arange(18).reshape(2, 3, 3) % 4), reduction="none", label_smoothing=0.1), [(2, 4, 3, 3)]),
    "nll_loss_weighted_sum": (lambda L, x: L.nn.functional.nll_loss(
        x, L.tensor([0, 4, 2, 1]), L.tensor([0.5, 2.0, 1.0, 1.5, 0.25]).to(x.dtype), reduction="sum"), [(4, 5)]),
    "nll_loss_unbatched": (lambda L, x: L.nn.functional.nll_loss(x, L.tensor(2)), [(5,)]),
}


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
@pytest.mark.parametrize("name", sorted(NN_CASES))
def test_nn_ops_in_16_bit_floats_as_torch(name, dtype):
    make, shapes = NN_CASES[name]
    arrays = [data(*s) for s in shapes]
    results = [forward_and_grads(make, arrays, dtype, L) for L in (torch, cgrad)]
    for t, c in zip(*results):
        (t_dtype, t_val), (c_dtype, c_val) = exact(t), exact(c)
        assert c_dtype == t_dtype
        np.testing.assert_allclose(c_val, t_val, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    assert results[1][0].grad_fn.name() == results[0][0].grad_fn.name()


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
def test_layer_norm_with_float32_parameters_as_torch(dtype):
    x, w, b = data(2, 5), data(5), data(5)
    for fn in (lambda L: L.native_layer_norm(L.tensor(x).to(getattr(L, dtype)), (5,), L.tensor(w),
                                             L.tensor(b), 1e-5),
               lambda L: L.native_layer_norm(L.tensor(x).to(getattr(L, dtype)), (5,), None, None, 1e-5)):
        results = [fn(L) for L in (torch, cgrad)]
        for t, c in zip(*results):
            (t_dtype, t_val), (c_dtype, c_val) = exact(t), exact(c)
            assert c_dtype == t_dtype
            np.testing.assert_allclose(c_val, t_val, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


def test_layer_norm_mixed_float64_parameters_raise_as_torch():
    check_error(lambda L: L.nn.functional.layer_norm(L.ones(2, 3).half(), (3,), L.ones(3, dtype=L.float64)))


@pytest.mark.parametrize("dtype", SMALL_FLOATS)
@pytest.mark.parametrize("stats_dtype", ["same", "float32"])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_running_statistics_as_torch(dtype, stats_dtype, training):
    x, mean, var = data(6, 3, 2), data(3), data(3) ** 2 + 0.5
    results = []
    for L in (torch, cgrad):
        stat_type = getattr(L, dtype if stats_dtype == "same" else stats_dtype)
        stats = [L.tensor(mean).to(stat_type), L.tensor(var).to(stat_type)]
        out = L.nn.functional.batch_norm(L.tensor(x).to(getattr(L, dtype)), *stats, training=training)
        results.append([out] + stats)
    for t, c in zip(*results):
        (t_dtype, t_val), (c_dtype, c_val) = exact(t), exact(c)
        assert c_dtype == t_dtype
        np.testing.assert_allclose(c_val, t_val, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtypes", [
    ("float32", "float64", "float64"), ("float64", "float32", "float32"),
    ("float16", "bfloat16", "bfloat16"), ("float32", "float16", "float16"), ("float32", "int8", "int8"),
    ("float16", "float16", "float32"), ("float16", "float32", "float16"), ("bfloat16", "float64", "float32"),
], ids=str)
def test_batch_norm_mixed_dtypes_raise_as_torch(dtypes):
    x, mean, var = dtypes
    check_error(lambda L: L.nn.functional.batch_norm(L.ones(4, 3, dtype=getattr(L, x)),
                                                     L.zeros(3, dtype=getattr(L, mean)),
                                                     L.ones(3, dtype=getattr(L, var)), training=True))


# ---- max pooling of integers, which torch allows (values and indices exact) ----

INTEGERS = ["uint8", "int8", "int16", "int32", "int64"]
_int_rng = np.random.default_rng(5)
INT_DATA = _int_rng.integers(-128, 256, (2, 3, 7, 21))


def integer_input(L, dtype):
    return L.tensor(INT_DATA).to(getattr(L, dtype))  # (wrapping into uint8/int8 as torch's)


MAX_POOL_CASES = {
    "2x2": lambda F, x: F.max_pool2d(x, 2, return_indices=True),  # the vectorized 2x2 path
    "3x3_padded": lambda F, x: F.max_pool2d(x, 3, 2, 1, return_indices=True),
    "dilated_ceil": lambda F, x: F.max_pool2d(x, (2, 3), (1, 2), (1, 0), dilation=2, ceil_mode=True,
                                              return_indices=True),
    "unbatched": lambda F, x: F.max_pool2d(x[0], (3, 2), return_indices=True),
    "1d_with_indices": lambda F, x: F.max_pool1d(x[0, 0], 3, 2, 1, return_indices=True),
    "values_only": lambda F, x: (F.max_pool2d(x, 2),),
}


@pytest.mark.parametrize("dtype", INTEGERS)
@pytest.mark.parametrize("name", sorted(MAX_POOL_CASES))
def test_max_pool_of_integers_as_torch(name, dtype):
    for k in range(len(MAX_POOL_CASES[name](torch.nn.functional, integer_input(torch, dtype)))):
        same_as_torch(lambda L: MAX_POOL_CASES[name](L.nn.functional, integer_input(L, dtype))[k])


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.max_pool1d(L.ones(2, 5, dtype=L.int8), 2),  # (max_pool1d_impl)
    lambda L: L.nn.functional.max_pool1d(L.ones(2, 5, dtype=L.int64), 2),
    lambda L: L.nn.functional.max_pool1d(L.ones(2, 5, dtype=L.bool), 2),
    lambda L: L.nn.functional.max_pool1d(L.ones(2, 5, dtype=L.bool), 2, return_indices=True),
    lambda L: L.nn.functional.max_pool2d(L.ones(1, 4, 4, dtype=L.bool), 2),
    lambda L: L.nn.functional.adaptive_max_pool2d(L.ones(1, 4, 4, dtype=L.int16), 2),
    lambda L: L.nn.functional.avg_pool2d(L.ones(1, 4, 4, dtype=L.uint8), 2),
], ids=range(7))
def test_pooling_dtypes_torch_refuses_raise_as_torch(fn):
    check_error(fn)


# ---- convolution of the small integers: exact, wrapping as torch's ----

INT_CONV_CASES = {
    "conv2d": (lambda F, x, w, b: F.conv2d(x, w, b, stride=(1, 2), padding=1), [(2, 3, 6, 7), (4, 3, 3, 3), (4,)]),
    "conv2d_groups": (lambda F, x, w: F.conv2d(x, w, groups=3), [(1, 6, 7, 7), (3, 2, 2, 2)]),
    "conv1d": (lambda F, x, w, b: F.conv1d(x, w, b, padding="same"), [(2, 3, 9), (5, 3, 4), (5,)]),
    "conv2d_unbatched": (lambda F, x, w: F.conv2d(x, w), [(3, 5, 5), (2, 3, 2, 2)]),
}


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16"])
@pytest.mark.parametrize("name", sorted(INT_CONV_CASES))
def test_conv_of_small_integers_as_torch(name, dtype):
    make, shapes = INT_CONV_CASES[name]
    rng = np.random.default_rng(len(name))
    arrays = [rng.integers(-300, 300, s) for s in shapes]  # large enough to wrap
    same_as_torch(lambda L: make(L.nn.functional, *[L.tensor(a).to(getattr(L, dtype)) for a in arrays]))


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.functional.conv2d(L.ones(1, 1, 3, 3, dtype=L.bool), L.ones(1, 1, 2, 2, dtype=L.bool)),
    # dilated: torch's kernel takes int64 alone
    lambda L: L.nn.functional.conv2d(L.ones(1, 1, 5, 5, dtype=L.int8), L.ones(1, 1, 2, 2, dtype=L.int8), dilation=2),
    lambda L: L.nn.functional.conv2d(L.ones(1, 1, 5, 5, dtype=L.int32), L.ones(1, 1, 2, 2, dtype=L.int32),
                                     dilation=(1, 2)),
    lambda L: L.nn.functional.conv1d(L.ones(1, 1, 5, dtype=L.uint8), L.ones(1, 1, 2, dtype=L.uint8), dilation=[2]),
    lambda L: L.nn.functional.conv1d(L.ones(1, 5, dtype=L.int16), L.ones(1, 1, 2, dtype=L.int16), dilation=3),
    lambda L: L.nn.functional.conv2d(L.ones(1, 1, 5, 5, dtype=L.int8), L.ones(1, 2, 2, 2, dtype=L.int8), dilation=2),
], ids=range(6))
def test_convolutions_torch_refuses_raise_as_torch(fn):
    check_error(fn)


def test_dilated_int64_convolution_as_torch():
    same_as_torch(lambda L: L.nn.functional.conv2d(L.arange(50).reshape(2, 1, 5, 5), L.arange(-3, 5).reshape(2, 1, 2, 2),
                                                   dilation=(2, 1)))
