"""nansum and nanmean against torch: values, dtypes, grad_fn names, gradients,
out= and error cases, one line per case."""
import math

import numpy as np
import pytest

from error_parity import check_error, error_case
from parity import I, R, arr, case, check

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

NAN = math.nan


def with_nans(*shape, dtype=np.float32, seed=0):
    """Uniform floats with about a third of them NaN (a whole row NaN for 2-d and up)."""
    x = R(*shape, dtype=dtype)
    rng = np.random.default_rng(seed)
    x[rng.uniform(size=shape) < 0.35] = NAN
    if len(shape) >= 2:
        x[0] = NAN
    return x


FORWARD = [
    case("nansum_all", lambda L, x: L.nansum(x), with_nans(3, 4)),
    case("nansum_dim0", lambda L, x: L.nansum(x, 0), with_nans(3, 4)),
    case("nansum_dim_neg", lambda L, x: L.nansum(x, -1), with_nans(3, 4)),
    case("nansum_dims_keepdim", lambda L, x: L.nansum(x, (0, 2), keepdim=True), with_nans(2, 3, 4)),
    case("nansum_dims_neg_list", lambda L, x: L.nansum(x, [-1, -3]), with_nans(2, 3, 4)),
    case("nansum_dim_none_keepdim", lambda L, x: L.nansum(x, None, True), with_nans(3, 4)),
    case("nansum_keepdim_only", lambda L, x: L.nansum(x, keepdim=True), with_nans(3, 4)),
    case("nansum_empty_tuple", lambda L, x: L.nansum(x, ()), with_nans(3, 4)),
    case("nansum_method", lambda L, x: x.nansum(1, keepdim=True), with_nans(3, 4)),
    case("nansum_method_all", lambda L, x: x.nansum(), with_nans(5)),
    case("nansum_inf", lambda L, x: L.nansum(x), arr(1.0, math.inf, NAN, 2.0)),
    case("nansum_inf_minus_inf", lambda L, x: L.nansum(x), arr(-math.inf, math.inf, NAN)),
    case("nansum_all_nan", lambda L, x: L.nansum(x, 1), arr(NAN, NAN, NAN, NAN).reshape(2, 2)),
    case("nansum_0d", lambda L, x: L.nansum(x), np.array(NAN, np.float32)),
    case("nansum_0d_dim", lambda L, x: L.nansum(x, 0, keepdim=True), np.array(NAN, np.float32)),
    case("nansum_empty", lambda L, x: L.nansum(x), np.zeros((0, 3), np.float32)),
    case("nansum_empty_dim0", lambda L, x: L.nansum(x, 0), np.zeros((0, 3), np.float32)),
    case("nansum_empty_dim1", lambda L, x: L.nansum(x, 1), np.zeros((0, 3), np.float32)),
    case("nansum_float64", lambda L, x: L.nansum(x, 1), with_nans(4, 5, dtype=np.float64)),
    case("nansum_transposed", lambda L, x: L.nansum(x.t(), 0), with_nans(4, 3)),
    case("nansum_long", lambda L, x: L.nansum(x, 1), with_nans(3, 70000)),
    case("nansum_dtype_f64", lambda L, x: L.nansum(x, 0, dtype=L.float64), with_nans(3, 4)),
    case("nansum_dtype_f64_all", lambda L, x: L.nansum(x, dtype=L.float64), with_nans(3, 4)),
    case("nansum_int", lambda L, x: L.nansum(x), I(3, 4), grad=False),
    case("nansum_int32_dim", lambda L, x: L.nansum(x, 0), I(3, 4, dtype=np.int32), grad=False),
    case("nansum_bool", lambda L, x: L.nansum(x, 1), np.array([[True, False], [True, True]]),
         grad=False),
    case("nansum_float_to_int", lambda L, x: L.nansum(x, 0, dtype=L.int64),
         arr(0.6, 0.6, NAN, 3.0, NAN, 1.0).reshape(3, 2), grad=False),
    case("nansum_float_to_int32", lambda L, x: L.nansum(x, dtype=L.int32),
         arr(1.5, NAN, 2.5), grad=False),
    case("nansum_int_dtype_float", lambda L, x: L.nansum(x, 1, dtype=L.float32), I(3, 4),
         grad=False),
    case("nanmean_all", lambda L, x: L.nanmean(x), with_nans(3, 4)),
    case("nanmean_dim0", lambda L, x: L.nanmean(x, 0), with_nans(3, 4)),
    case("nanmean_dim_neg", lambda L, x: L.nanmean(x, -1), with_nans(3, 4)),
    case("nanmean_dims_keepdim", lambda L, x: L.nanmean(x, (0, 2), keepdim=True),
         with_nans(2, 3, 4)),
    case("nanmean_keepdim_only", lambda L, x: L.nanmean(x, keepdim=True), with_nans(3, 4)),
    case("nanmean_method", lambda L, x: x.nanmean(1), with_nans(3, 4)),
    case("nanmean_dim_none", lambda L, x: L.nanmean(x, None), with_nans(3, 4)),
    case("nanmean_inf", lambda L, x: L.nanmean(x), arr(1.0, math.inf, NAN)),
    case("nanmean_all_nan", lambda L, x: L.nanmean(x, 1), arr(NAN, NAN, 1.0, NAN).reshape(2, 2)),
    case("nanmean_0d", lambda L, x: L.nanmean(x), np.array(NAN, np.float32)),
    case("nanmean_0d_number", lambda L, x: L.nanmean(x, 0), np.array(2.5, np.float32)),
    case("nanmean_empty", lambda L, x: L.nanmean(x), np.zeros((0, 3), np.float32)),
    case("nanmean_empty_dim0", lambda L, x: L.nanmean(x, 0), np.zeros((0, 3), np.float32)),
    case("nanmean_empty_dim1", lambda L, x: L.nanmean(x, 1), np.zeros((0, 3), np.float32)),
    case("nanmean_float64", lambda L, x: L.nanmean(x, 1), with_nans(4, 5, dtype=np.float64)),
    case("nanmean_dtype_f64", lambda L, x: L.nanmean(x, 0, dtype=L.float64), with_nans(3, 4)),
    case("nanmean_no_nan", lambda L, x: L.nanmean(x, 1), R(3, 4)),
]


@pytest.mark.parametrize("fn, inputs, grad", FORWARD)
def test_nan_reductions_match_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def gradients(L, fn, x, upstream):
    t = L.tensor(x, requires_grad=True)
    fn(L, t).backward(L.tensor(upstream))
    return t.grad.numpy()


@pytest.mark.parametrize("fn, upstream", [
    (lambda L, t: L.nansum(t), np.float32(math.inf)),  # inf * 0 at a NaN: NaN, as torch
    (lambda L, t: L.nansum(t, 0), arr(math.inf, 1.0)),
    (lambda L, t: L.nanmean(t, 0), arr(math.inf, 1.0)),
])
def test_infinite_upstream_gradient(fn, upstream):
    x = arr(1.0, NAN, NAN, 2.0).reshape(2, 2)
    np.testing.assert_array_equal(gradients(cgrad, fn, x, upstream),
                                  gradients(torch, fn, x, upstream))


def graph(L, fn):
    t = L.tensor(with_nans(3, 4), requires_grad=True)
    y = fn(L, t)
    node = y.grad_fn
    return [node.name()] + [None if f is None else f.name() for f, _ in node.next_functions]


@pytest.mark.parametrize("fn", [
    lambda L, t: L.nansum(t),
    lambda L, t: L.nansum(t, 1, dtype=L.float64),
    lambda L, t: L.nanmean(t),
    lambda L, t: L.nanmean(t, (0, 1), keepdim=True),
])
def test_graph_is_torchs(fn):
    # nanmean is nansum over a count, as torch composes it: DivBackward0 over
    # NansumBackward0, the count off the graph
    assert graph(cgrad, fn) == graph(torch, fn)


def test_double_backward():
    def run(L):
        t = L.tensor(arr(1.0, NAN, 3.0, 4.0, dtype=np.float64), requires_grad=True)
        (g,) = L.autograd.grad(L.nanmean(t * t) + L.nansum(t.exp(), 0), t, create_graph=True)
        (g * g).sum().backward()
        return g.detach().numpy(), t.grad.numpy()
    for a, b in zip(run(cgrad), run(torch)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def out_call(fn, out_dtype):
    def run(L):
        out = L.empty(0, dtype=getattr(L, out_dtype))
        r = fn(L, out)
        assert r is out
        return r.dtype, r.tolist()
    return run


OUT_CASES = [
    ("nansum", lambda L, o: L.nansum(L.tensor([0.6, 0.6, NAN]), 0, out=o)),
    ("nanmean", lambda L, o: L.nanmean(L.tensor([0.6, 0.6, NAN]), 0, out=o)),
    ("nansum_int_input", lambda L, o: L.nansum(L.tensor([1, 2]), 0, out=o)),
    ("nanmean_dtype", lambda L, o: L.nanmean(L.tensor([0.6, NAN]), 0, dtype=L.float64, out=o)),
    ("nansum_dtype", lambda L, o: L.nansum(L.tensor([0.6, NAN]), dtype=L.float64, out=o)),
]


@pytest.mark.parametrize("out_dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("name, fn", OUT_CASES, ids=[c[0] for c in OUT_CASES])
def test_out(name, fn, out_dtype):
    run = out_call(fn, out_dtype)
    try:
        expected = run(torch)
    except Exception:  # noqa: BLE001 - then cgrad must raise the same
        check_error(run)
        return
    dtype, values = run(cgrad)
    assert (str(dtype).split(".")[-1], values) == (str(expected[0]).split(".")[-1], expected[1]) \
        or np.allclose(values, expected[1], equal_nan=True)


def test_out_with_grad_is_refused():
    check_error(lambda L: L.nansum(L.ones(2, requires_grad=True), 0, out=L.empty(0)))


@pytest.mark.parametrize("fn, match", [
    error_case("nanmean_long", lambda L: L.nanmean(L.tensor([1, 2]))),
    error_case("nanmean_int32", lambda L: L.nanmean(L.tensor([1, 2], dtype=L.int32), 0)),
    error_case("nanmean_bool_dtype", lambda L: L.nanmean(L.tensor([True]), dtype=L.float32)),
    error_case("nanmean_int_dtype", lambda L: L.nanmean(L.tensor([1.0]), 0, dtype=L.int32)),
    error_case("nanmean_bool_out_dtype", lambda L: L.nanmean(L.tensor([1.0]), dtype=L.bool)),
    error_case("nansum_dim_range", lambda L: L.nansum(L.ones(2, 3), 2)),
    error_case("nansum_dim_range_neg", lambda L: L.nansum(L.ones(2, 3), -3)),
    error_case("nanmean_dim_range", lambda L: L.nanmean(L.ones(2, 3), (0, 5))),
    error_case("nansum_0d_dim_range", lambda L: L.nansum(L.tensor(1.0), 1)),
    error_case("nansum_repeated_dim", lambda L: L.nansum(L.ones(2, 3), (0, 0))),
    error_case("nanmean_repeated_dim", lambda L: L.nanmean(L.ones(2, 3), (1, -1))),
    error_case("nansum_keepdim_int", lambda L: L.nansum(L.ones(2, 3), 0, 1)),
    error_case("nanmean_keepdim_int", lambda L: L.nanmean(L.ones(2, 3), 0, 1)),
    error_case("nansum_method_keepdim_int", lambda L: L.ones(2, 3).nansum(0, 1)),
    error_case("nansum_number", lambda L: L.nansum(3.0)),
    error_case("nanmean_number", lambda L: L.nanmean(3.0)),
    # torch names the dim's type as 'tuple of ints', and dtype=3 as torch.dtype
    error_case("nansum_float_dim", lambda L: L.nansum(L.ones(2), 1.5), "must be"),
    error_case("nanmean_bad_dtype", lambda L: L.nanmean(L.ones(2), dtype=3), "must be"),
])
def test_errors(fn, match):
    check_error(fn, match)
