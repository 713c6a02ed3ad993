"""Searching, counting and running ops against PyTorch, one line per case: logcumsumexp,
mode and cross (torch.cross over linalg.cross), then torch's errors for each."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import B, H, I, R, T, case, check  # noqa: E402

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
    # ---- mode ----
    case("mode", lambda L, a: a.mode(), H(3, 7)),
    case("mode_dim0", lambda L, a: L.mode(a, 0), H(6, 3)),
    case("mode_keepdim", lambda L, a: L.mode(a, dim=1, keepdim=True), H(3, 7)),
    case("mode_all_distinct", lambda L, a: a.mode(), R(3, 5)),
    case("mode_ties_smallest", lambda L, a: a.mode(), arr([[2.0, 1, 1, 2, 3], [3, 3, 1, 1, 5]])),
    case("mode_long_lines", lambda L, a: a.mode(), H(4, 300)),
    case("mode_nan", lambda L, a: a.mode(), arr([[NAN, NAN, 1, 1, 1], [NAN, NAN, NAN, 1, 1]])),
    case("mode_int", lambda L, a: a.mode(0), I(9, 3, low=0, high=3)),
    case("mode_int32", lambda L, a: a.mode(), I(3, 9, dtype=np.int32, low=0, high=3)),
    case("mode_bool", lambda L, a: a.mode(), B(3, 9)),
    case("mode_f64_strided", lambda L, a: a.mode(0), T(H(4, 6, dtype=F64))),
    case("mode_0d", lambda L, a: a.mode(), R()),
    case("mode_empty_other", lambda L, a: a.mode(0), np.zeros((2, 0), np.float32)),
    case("mode_values_attr", lambda L, a: a.mode().values * 2, H(3, 7)),
    # ---- cross ----
    case("cross_default_dim", lambda L, a, b: L.cross(a, b), R(3, 3), R(3, 3)),
    case("cross_default_first_dim_of_3", lambda L, a, b: L.cross(a, b), R(2, 3, 3), R(2, 3, 3)),
    case("cross_dim", lambda L, a, b: L.cross(a, b, dim=1), R(3, 3), R(3, 3)),
    case("cross_method", lambda L, a, b: a.cross(b, -1), R(4, 3), R(4, 3)),
    case("cross_broadcast", lambda L, a, b: L.cross(a, b, 0), R(3, 1), R(3, 4)),
    case("cross_default_broadcast", lambda L, a, b: L.cross(a, b), R(3, 1), R(3, 3)),
    case("cross_f64_strided", lambda L, a, b: L.cross(a, b, 0), T(R(5, 3, dtype=F64)), R(3, 5, dtype=F64)),
    case("cross_int", lambda L, a, b: L.cross(a, b, 0), I(3), I(3)),
    case("cross_empty", lambda L, a, b: L.cross(a, b, 1), np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)),
    case("linalg_cross_broadcast", lambda L, a, b: L.linalg.cross(a, b), R(4, 1, 3), R(2, 3)[None]),
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


def test_mode_random_ties_match_torch_indices():
    # mode reports one of several occurrences of its value: torch's, on lines short
    # (insertion-sorted) and long (introsorted) with few distinct values.
    rng = np.random.default_rng(11)
    for trial in range(100):
        x = rng.integers(0, 4, (3, int(rng.integers(1, 80)))).astype(np.float32)
        ours, theirs = cgrad.tensor(x).mode(), torch.tensor(x).mode()
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy(), err_msg=f"trial {trial}")
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy(), err_msg=f"trial {trial}")


def test_mode_named_tuple_prints_as_torch():
    ours, theirs = (L.tensor([1.0, 3.0, 3.0]).mode() for L in (cgrad, torch))
    assert repr(ours) == repr(theirs).replace("torch.", "cgrad.")
    assert type(ours).__module__ == "cgrad.return_types" and type(ours).__name__ == "mode"


CROSS_WARNINGS = """
import sys, warnings
import cgrad, torch
warnings.simplefilter("always")
for lib in (torch, cgrad):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        lib.cross(lib.ones(3), lib.ones(3))
        lib.cross(lib.ones(3), lib.ones(3))
        lib.cross(lib.ones(3), lib.ones(3), dim=0)
    print(repr([(w.category.__name__, str(w.message).split(" (Triggered")[0]) for w in seen]))
"""


def test_cross_without_dim_warns_once_as_torch():
    # Once per process in both, so in a fresh one.
    import os
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    lines = subprocess.run([sys.executable, "-c", CROSS_WARNINGS], env=env, check=True,
                           capture_output=True, text=True).stdout.splitlines()
    assert len(lines) == 2 and lines[0] == lines[1] and "UserWarning" in lines[0]


ERRORS = [
    error_case("logcumsumexp_int", lambda L: L.tensor([1, 2]).logcumsumexp(0)),
    error_case("logcumsumexp_int32", lambda L: L.tensor([1, 2], dtype=L.int32).logcumsumexp(0)),
    error_case("logcumsumexp_bool", lambda L: L.tensor([True]).logcumsumexp(0)),
    error_case("logcumsumexp_dim_out_of_range", lambda L: L.ones(3).logcumsumexp(1)),
    error_case("logcumsumexp_0d_dim_out_of_range", lambda L: L.ones(()).logcumsumexp(2)),
    error_case("logcumsumexp_missing_dim", lambda L: L.ones(3).logcumsumexp(), None),
    error_case("mode_empty_dim", lambda L: L.ones(0).mode()),
    error_case("mode_empty_dim_2d", lambda L: L.ones(2, 0).mode(1)),
    error_case("mode_dim_out_of_range", lambda L: L.ones(2, 3).mode(2)),
    error_case("cross_no_dim_of_3", lambda L: L.cross(L.ones(2, 4), L.ones(2, 4))),
    error_case("cross_dim_not_3", lambda L: L.cross(L.ones(2, 4), L.ones(2, 4), dim=1)),
    error_case("cross_length_1_does_not_broadcast", lambda L: L.cross(L.ones(3, 1), L.ones(1, 3), 1)),
    error_case("cross_default_length_1", lambda L: L.cross(L.ones(3, 1), L.ones(1, 3))),
    error_case("cross_ranks_differ", lambda L: L.cross(L.ones(3), L.ones(2, 3))),
    error_case("cross_batch_mismatch", lambda L: L.cross(L.ones(2, 3), L.ones(4, 3), 1)),
    error_case("cross_dtypes_differ", lambda L: L.cross(L.ones(3), L.ones(3, dtype=L.float64), 0)),
    error_case("cross_bool", lambda L: L.cross(L.ones(3, dtype=L.bool), L.ones(3, dtype=L.bool), 0)),
    error_case("cross_dim_out_of_range", lambda L: L.cross(L.ones(2, 3), L.ones(2, 3), 2)),
    error_case("linalg_cross_length_1", lambda L: L.linalg.cross(L.ones(3, 1), L.ones(1, 3))),
    error_case("linalg_cross_ranks_differ", lambda L: L.linalg.cross(L.ones(3), L.ones(2, 3))),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)
