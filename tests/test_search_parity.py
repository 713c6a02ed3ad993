"""Searching, counting and running ops against PyTorch, one line per case: logcumsumexp,
then torch's errors for each."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import R, T, case, check  # noqa: E402

F64 = np.float64
INF, NAN = np.inf, np.nan


def arr(x, dtype=np.float32):
    return np.asarray(x, dtype=dtype)


CASES = [
    # ---- logcumsumexp ----
    case("logcumsumexp", lambda L, a: a.logcumsumexp(1), R(3, 5)),
    case("logcumsumexp_dim0", lambda L, a: L.logcumsumexp(a, 0), R(4, 3)),
    case("logcumsumexp_kw", lambda L, a: L.logcumsumexp(a, dim=-1), R(2, 3, 4)),
    case("logcumsumexp_f64", lambda L, a: a.logcumsumexp(0), R(5, 2, dtype=F64)),
    case("logcumsumexp_strided", lambda L, a: a.logcumsumexp(1), T(R(5, 3))),
    case("logcumsumexp_large", lambda L, a: a.logcumsumexp(0), arr([80.0, 90.0, 100.0, 1e30, 1e30])),
    case("logcumsumexp_large_f64", lambda L, a: a.logcumsumexp(0), arr([700.0, 800.0, 1e300], F64)),
    case("logcumsumexp_neg_inf_first", lambda L, a: a.logcumsumexp(0), arr([-INF, -INF, 1.0, 2.0])),
    case("logcumsumexp_all_neg_inf", lambda L, a: a.logcumsumexp(0), arr([-INF, -INF, -INF]), grad=False),
    case("logcumsumexp_inf", lambda L, a: a.logcumsumexp(0), arr([1.0, INF, INF, 2.0]), grad=False),
    case("logcumsumexp_nan", lambda L, a: a.logcumsumexp(0), arr([1.0, NAN, 2.0]), grad=False),
    case("logcumsumexp_0d", lambda L, a: a.logcumsumexp(0), R()),
    case("logcumsumexp_0d_neg", lambda L, a: a.logcumsumexp(-1), R()),
    case("logcumsumexp_empty", lambda L, a: a.logcumsumexp(0), np.zeros((0, 3), np.float32)),
    case("logcumsumexp_empty_other", lambda L, a: a.logcumsumexp(0), np.zeros((3, 0), np.float32)),
    case("logcumsumexp_composed", lambda L, a: (a * 3).logcumsumexp(1).exp().sum(), R(3, 4)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_logcumsumexp_gradient_with_infinities_matches_torch():
    # Undefined points (inf - inf) must give torch's NaNs, finite ones torch's numbers.
    data = [-INF, -INF, 1.0, INF, INF, 3.0, 2.0]
    upstream = [1.0, -2.0, 3.0, 1.0, 1.0, 1.0, 1.0]
    grads = []
    for lib in (torch, cgrad):
        x = lib.tensor(data, requires_grad=True)
        lib.logcumsumexp(x, 0).backward(lib.tensor(upstream))
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-6, equal_nan=True)


def test_logcumsumexp_out_matches_torch():
    x = R(3, 4)
    results = []
    for lib in (torch, cgrad):
        out = lib.empty(3, 4)
        returned = lib.logcumsumexp(lib.tensor(x), 1, out=out)
        assert returned is out
        results.append(out.numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


ERRORS = [
    error_case("logcumsumexp_int", lambda L: L.tensor([1, 2]).logcumsumexp(0)),
    error_case("logcumsumexp_int32", lambda L: L.tensor([1, 2], dtype=L.int32).logcumsumexp(0)),
    error_case("logcumsumexp_bool", lambda L: L.tensor([True]).logcumsumexp(0)),
    error_case("logcumsumexp_dim_out_of_range", lambda L: L.ones(3).logcumsumexp(1)),
    error_case("logcumsumexp_0d_dim_out_of_range", lambda L: L.ones(()).logcumsumexp(2)),
    error_case("logcumsumexp_missing_dim", lambda L: L.ones(3).logcumsumexp(), None),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)
