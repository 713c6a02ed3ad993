"""The unary pointwise ops added after the first table (inverse hyperbolic functions, erfc,
deg2rad/rad2deg, sgn, signbit, square, positive, and their aliases) and the in-place
scans cumsum_/cumprod_ against torch, one line per case: values, dtypes (integers and bool
promote as torch's), node names, gradients, special values, in-place forms, `out=` and the
saved tensors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, H, I, INF, R, T, U, arr, case, check  # noqa: E402
from test_saved_tensors import node_and_saved  # noqa: E402

NAN = float("nan")


def A(*shape, dtype=np.float32):
    """Above 1: acosh's domain."""
    return R(*shape, dtype=dtype, low=1.05, high=4.0)


def D(*shape, dtype=np.float32):
    """Degrees and radians of either sign."""
    return R(*shape, dtype=dtype, low=-400.0, high=400.0)


# name -> input maker for a well-conditioned domain
FLOAT_RESULT = {"acosh": A, "asinh": R, "atanh": U, "erfc": R, "deg2rad": D, "rad2deg": R,
                "arccosh": A, "arcsinh": R, "arctanh": U}
KEEP_DTYPE = {"sgn": H, "square": R, "absolute": R}
ALL = {**FLOAT_RESULT, **KEEP_DTYPE}

CASES = [
    *[case(f"{n}_method", lambda L, a, n=n: getattr(a, n)(), mk(3, 4), grad=n != "sgn")
      for n, mk in ALL.items()],
    *[case(f"{n}_fn", lambda L, a, n=n: getattr(L, n)(a), mk(5), grad=n != "sgn")
      for n, mk in ALL.items()],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(L, n)(a), mk(2, 3, dtype=np.float64),
           grad=n != "sgn") for n, mk in ALL.items()],
    *[case(f"{n}_0d", lambda L, a, n=n: getattr(L, n)(a), mk(), grad=n != "sgn")
      for n, mk in ALL.items()],
    *[case(f"{n}_transposed", lambda L, a, n=n: getattr(L, n)(a), T(mk(4, 3)), grad=n != "sgn")
      for n, mk in ALL.items()],
    *[case(f"{n}_empty", lambda L, a, n=n: getattr(L, n)(a), mk(0, 3), grad=n != "sgn")
      for n, mk in ALL.items()],
    # integers and bool: float functions compute in float32, the rest keep the dtype
    # (square of bool is int64, as bool ** 2)
    *[case(f"{n}_int", lambda L, a, n=n: getattr(L, n)(a), I(6, low=-3, high=4)) for n in ALL],
    *[case(f"{n}_int32", lambda L, a, n=n: getattr(L, n)(a), I(6, dtype=np.int32)) for n in ALL],
    *[case(f"{n}_bool", lambda L, a, n=n: getattr(L, n)(a), B(6))
      for n in ALL if n != "absolute"],
    # special values
    case("acosh_special", lambda L, a: a.acosh(), arr(1.0, 0.5, -1.0, INF, NAN, 1e30), grad=False),
    case("asinh_special", lambda L, a: a.asinh(), arr(0.0, -0.0, INF, -INF, NAN, 1e30, -1e-30),
         grad=False),
    case("atanh_special", lambda L, a: a.atanh(), arr(1.0, -1.0, 2.0, -0.0, NAN, 1e-30),
         grad=False),
    case("atanh_edges_grad", lambda L, a: a.atanh(), arr(1.0, -1.0, 0.0)),
    case("erfc_special", lambda L, a: a.erfc(), arr(0.0, 5.0, 10.0, 30.0, -30.0, INF, -INF, NAN),
         grad=False),
    case("erfc_tail_float64", lambda L, a: a.erfc(), arr(3.0, 8.0, 20.0, 26.0, dtype=np.float64)),
    case("deg2rad_special", lambda L, a: a.deg2rad(), arr(180.0, -90.0, 0.0, -0.0, INF, NAN)),
    case("rad2deg_special", lambda L, a: a.rad2deg(), arr(3.1415927, -1.0, -0.0, INF, NAN)),
    case("deg2rad_float64", lambda L, a: L.deg2rad(a), arr(180.0, 45.0, 1e300, dtype=np.float64)),
    case("sgn_special", lambda L, a: a.sgn(), arr(-0.0, 0.0, NAN, INF, -INF, -3.0), grad=False),
    # (torch's gradient of sgn is a ZeroTensor numpy cannot read: seen through a product)
    case("sgn_grad_is_zero", lambda L, a: a.sgn() * a, H(3, 4)),
    case("sgn_grad_float64", lambda L, a: L.sgn(a) * a, R(5, dtype=np.float64)),
    case("square_special", lambda L, a: a.square(), arr(-0.0, NAN, INF, 1e30)),
    case("square_int_wraps", lambda L, a: a.square(), np.array([2**40, -3], dtype=np.int64)),
    case("absolute_special", lambda L, a: a.absolute(), arr(-0.0, NAN, -INF, 2.0)),
    case("chain", lambda L, a: (a.asinh() * a.erfc()).atanh().square(), U(3, 3) * 0.5),
    # in-place forms torch has (square_, absolute_ beside the table's own)
    case("square_inplace", lambda L, a: (a * 1).square_(), R(3, 4)),
    case("square_inplace_fn", lambda L, a: L.square_(a.clone()), R(4)),
    case("square_inplace_float64", lambda L, a: (a * 1).square_(), R(4, dtype=np.float64)),
    case("absolute_inplace", lambda L, a: (a * 1).absolute_(), R(3, 4)),
    case("square_int_inplace", lambda L, a: a.clone().square_(), I(5)),
]


SCANS = [
    case("cumsum_", lambda L, a: (a * 1).cumsum_(1), R(3, 4)),
    case("cumsum_dim0_float64", lambda L, a: (a * 1).cumsum_(dim=0), R(3, 4, dtype=np.float64)),
    case("cumsum_negative_dim", lambda L, a: (a * 1).cumsum_(-1), R(2, 3, 4)),
    case("cumsum_transposed", lambda L, a: a.clone().t().cumsum_(0), R(3, 4)),
    case("cumsum_same_dtype", lambda L, a: (a * 1).cumsum_(0, dtype=L.float32), R(4)),
    case("cumsum_int", lambda L, a: a.clone().cumsum_(0), I(6)),
    case("cumsum_int32_stays", lambda L, a: a.clone().cumsum_(0), I(6, dtype=np.int32)),
    case("cumsum_0d", lambda L, a: (a * 1).cumsum_(0), R()),
    case("cumprod_", lambda L, a: (a * 1).cumprod_(1), R(3, 4)),
    case("cumprod_zeros", lambda L, a: (a * 1).cumprod_(0), arr(2.0, 0.0, 3.0, 0.0, 4.0)),
    case("cumprod_float64", lambda L, a: (a * 1).cumprod_(dim=-1), R(2, 5, dtype=np.float64)),
    case("cumprod_int32_stays", lambda L, a: a.clone().cumprod_(0), I(5, dtype=np.int32)),
    # Bool has no scan kernel, but a 0-d or empty Bool tensor never reaches one
    case("cumsum_bool_0d", lambda L, a: a.clone().cumsum_(0), B()),
    case("cumprod_bool_empty", lambda L, a: a.clone().cumprod_(1), B(2, 0)),
    case("cumsum_bool_dtype_0d", lambda L, a: L.cumsum(a, 0, dtype=L.bool), I()),
]


@pytest.mark.parametrize("fn,inputs,grad", SCANS)
def test_inplace_scan_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


PREDICATES = [
    case("signbit", lambda L, a: L.signbit(a), arr(-0.0, 0.0, -1.0, 2.0, -INF, INF, NAN, -NAN)),
    case("signbit_method", lambda L, a: a.signbit(), R(3, 4)),
    case("signbit_float64", lambda L, a: a.signbit(), arr(-0.0, -1e-300, 1.0, dtype=np.float64)),
    case("signbit_int", lambda L, a: L.signbit(a), I(8)),
    case("signbit_int32", lambda L, a: L.signbit(a), I(8, dtype=np.int32)),
    case("signbit_bool", lambda L, a: L.signbit(a), B(4)),
    case("signbit_transposed", lambda L, a: L.signbit(a), T(R(4, 3))),
    case("signbit_requires_grad", lambda L, a: L.signbit(a), R(4)),
]


@pytest.mark.parametrize("fn,inputs,grad", PREDICATES)
def test_predicate_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_positive_returns_its_input():
    for L in (torch, cgrad):
        x = L.tensor([1.0, -2.0], requires_grad=True)
        assert L.positive(x) is x and x.positive() is x and (+x) is x
        i = L.tensor([3, -1], dtype=L.int32)
        assert L.positive(i) is i


ERRORS = [
    error_case("positive_bool", lambda L: L.positive(L.tensor([True]))),
    error_case("pos_operator_bool", lambda L: +L.tensor([True, False])),
    error_case("positive_number", lambda L: L.positive(1.0)),
    error_case("sgn_inplace_fn_missing", lambda L: L.sgn_(L.tensor([1.0])), match="sgn_"),
    error_case("acosh_inplace_int", lambda L: L.tensor([2, 3]).acosh_()),
    # torch has no derivative for these in-place forms: backward through them raises
    *[error_case(f"{n}_inplace_backward", lambda L, n=n: getattr(
        L.tensor([1.5, 2.0], requires_grad=True) * 1, n)().sum().backward())
      for n in ("acosh_", "asinh_", "atanh_", "arccosh_", "arcsinh_", "arctanh_")],
    error_case("erfc_inplace_bool", lambda L: L.tensor([True]).erfc_()),
    error_case("square_inplace_bool", lambda L: L.tensor([True]).square_()),
    error_case("deg2rad_inplace_int", lambda L: L.deg2rad_(L.tensor([1, 2]))),
    error_case("absolute_bool", lambda L: L.absolute(L.tensor([True]))),
    error_case("signbit_out_float", lambda L: L.signbit(L.tensor([1.0]), out=L.empty(1))),
    # (cgrad's message for an out of another dtype is older torch's)
    error_case("sgn_out_float64", lambda L: L.sgn(L.tensor([1.0]), out=L.empty(1, dtype=L.float64)),
               match="Double|double"),
    error_case("erfc_out_long", lambda L: L.erfc(L.tensor([1.0]), out=L.empty(1, dtype=L.int64))),
    error_case("positive_out", lambda L: L.positive(L.tensor([1.0]), out=L.empty(1))),
    # torch's leaf check comes before the integer-only kernel refuses a float
    error_case("bitwise_not_inplace_float_leaf",
               lambda L: L.tensor([1.0, 2.0], requires_grad=True).bitwise_not_()),
    error_case("bitwise_not_inplace_float", lambda L: L.tensor([1.0, 2.0]).bitwise_not_()),
    error_case("cumsum_inplace_bool", lambda L: L.tensor([True, False]).cumsum_(0)),
    error_case("cumprod_inplace_bool", lambda L: L.tensor([True]).cumprod_(0)),
    error_case("cumsum_inplace_dtype", lambda L: L.tensor([1, 2]).cumsum_(0, dtype=L.float32)),
    error_case("cumprod_inplace_dtype", lambda L: L.ones(2).cumprod_(0, dtype=L.float64)),
    error_case("cumsum_inplace_dim", lambda L: L.ones(2, 3).cumsum_(2)),
    error_case("cumsum_inplace_overlap", lambda L: L.ones(3).expand(2, 3).cumsum_(0)),
    error_case("cumprod_inplace_bool_overlap",
               lambda L: L.tensor([[True, False]]).expand(3, 2).cumprod_(0)),
    error_case("cumsum_inplace_overlap_bad_dim", lambda L: L.ones(1, 3).expand(2, 3).cumsum_(2)),
    error_case("cumsum_inplace_bad_dim_and_dtype",
               lambda L: L.ones(3).cumsum_(1, dtype=L.float64)),
    error_case("cumsum_inplace_leaf_bad_dim", lambda L: L.ones(3, requires_grad=True).cumsum_(5)),
    error_case("cumsum_inplace_leaf", lambda L: L.ones(3, requires_grad=True).cumsum_(0)),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)


def out_result(L, name, x, out_dtype):
    out = L.empty(0, dtype=out_dtype)
    returned = getattr(L, name)(L.tensor(x), out=out)
    assert returned is out
    return out


OUT = [("acosh", A(4), "float64"), ("arcsinh", R(4), "float32"), ("atanh", U(4), "float64"),
       ("erfc", R(4), "float32"), ("deg2rad", D(4), "float64"), ("rad2deg", R(4), "float32"),
       ("sgn", R(4), "float32"), ("signbit", R(4), "bool"), ("square", R(4), "float64"),
       ("absolute", R(4), "float32"), ("exp2", R(4), "float64"), ("sinc", R(4), "float32")]


@pytest.mark.parametrize("name,x,out_dtype", OUT, ids=[o[0] for o in OUT])
def test_out_argument_matches_torch(name, x, out_dtype):
    t = out_result(torch, name, x, getattr(torch, out_dtype))
    c = out_result(cgrad, name, x, getattr(cgrad, out_dtype))
    assert str(c.dtype) == str(t.dtype).replace("torch", "cgrad")
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=3e-5, atol=1e-6)


SAVED = [
    ("sgn", lambda L, a: a.sgn()), ("acosh", lambda L, a: (a * a + 1.5).acosh()),
    ("asinh", lambda L, a: a.asinh()), ("atanh", lambda L, a: (a * 0.3).atanh()),
    ("erfc", lambda L, a: a.erfc()), ("deg2rad", lambda L, a: a.deg2rad()),
    ("rad2deg", lambda L, a: a.rad2deg()), ("square", lambda L, a: a.square()),
]


@pytest.mark.parametrize("name,fn", SAVED, ids=[s[0] for s in SAVED])
def test_saved_tensors_match_torch(name, fn):
    x = R(2, 3)
    t_node, t_saved = node_and_saved(torch, fn, [x], None)
    c_node, c_saved = node_and_saved(cgrad, fn, [x], None)
    assert type(c_node).__name__ == type(t_node).__name__
    assert sorted(c_saved) == sorted(t_saved)
    for key, value in t_saved.items():
        np.testing.assert_allclose(c_saved[key].detach().numpy(), value.detach().numpy(),
                                   rtol=3e-5, atol=1e-6)


def test_float32_values_are_within_an_ulp_of_torch():
    # A dense sweep: the libm functions cgrad calls agree with torch's to an ulp or so.
    x = np.linspace(-30, 30, 20001, dtype=np.float32)
    for name, data in (("asinh", x), ("acosh", np.abs(x) + 1), ("atanh", x / 30.5),
                       ("erfc", x / 3), ("deg2rad", x * 20), ("rad2deg", x)):
        c = getattr(cgrad, name)(cgrad.tensor(data)).numpy()
        t = getattr(torch, name)(torch.tensor(data)).numpy()
        ulp = np.spacing(np.abs(t).astype(np.float32))
        assert np.nanmax(np.abs(c - t) / ulp) <= 2, name
