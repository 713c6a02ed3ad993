"""linspace and logspace against torch: bitwise values (Note [linspace rounding]),
dtypes, arguments and errors, one line per case."""
import numpy as np
import pytest

from error_parity import check_error, error_case

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def same_bits(c, t):
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    assert tuple(c.shape) == tuple(t.shape)
    assert c.requires_grad == t.requires_grad
    np.testing.assert_array_equal(c.detach().numpy().view(np.uint8), t.detach().numpy().view(np.uint8))


def case(id, fn):
    return pytest.param(fn, id=id)


RANGES = [
    case("linspace", lambda L: L.linspace(0, 1, 5)),
    case("linspace_thirds", lambda L: L.linspace(-1.3, 2.7, 7)),
    case("linspace_long", lambda L: L.linspace(-3.7, 11.1, 1001)),
    case("linspace_odd_even", lambda L: L.linspace(0.1, 0.2, 64)),
    case("linspace_f64", lambda L: L.linspace(-1.3, 2.7, 99, dtype=L.float64)),
    case("linspace_descending", lambda L: L.linspace(5, -2.25, 13)),
    case("linspace_one_step", lambda L: L.linspace(0.3, 9, 1)),
    case("linspace_no_steps", lambda L: L.linspace(0.3, 9, 0)),
    case("linspace_int64", lambda L: L.linspace(-7.9, 23.3, 17, dtype=L.int64)),
    case("linspace_int32", lambda L: L.linspace(0, 10, 5, dtype=L.int32)),
    case("linspace_int_args", lambda L: L.linspace(0, 10, 4)),
    case("linspace_keywords", lambda L: L.linspace(start=1, end=2, steps=3)),
    case("linspace_bool_start", lambda L: L.linspace(True, 10, 5)),
    case("linspace_nan", lambda L: L.linspace(float("nan"), 1, 3)),
    case("linspace_inf", lambda L: L.linspace(0, float("inf"), 3)),
    case("linspace_tensor_ends", lambda L: L.linspace(L.tensor(0), L.tensor(2.5), 6)),
    case("linspace_tensor_f64_end", lambda L: L.linspace(0.1, L.tensor(2.5, dtype=L.float64), 6)),
    case("linspace_requires_grad", lambda L: L.linspace(0, 1, 3, requires_grad=True)),
    case("linspace_out_f64", lambda L: L.linspace(0.1, 0.7, 9, out=L.empty(2, dtype=L.float64))),
    case("logspace", lambda L: L.logspace(0, 3, 4)),
    case("logspace_base2", lambda L: L.logspace(-2.3, 4.1, 11, base=2.0)),
    case("logspace_positional_base", lambda L: L.logspace(0, 1, 3, 2)),
    case("logspace_f64", lambda L: L.logspace(-1.1, 2.9, 37, dtype=L.float64)),
    case("logspace_int32", lambda L: L.logspace(0, 3, 4, dtype=L.int32)),
    case("logspace_int64_base3", lambda L: L.logspace(0.5, 4.9, 6, base=3, dtype=L.int64)),
    case("logspace_one_step", lambda L: L.logspace(0.3, 9, 1)),
    case("logspace_no_steps", lambda L: L.logspace(0.3, 9, 0)),
    case("logspace_requires_grad", lambda L: L.logspace(0, 1, 3, requires_grad=True)),
]


@pytest.mark.parametrize("fn", RANGES)
def test_ranges_match_torch_bitwise(fn):
    same_bits(fn(cgrad), fn(torch))


def test_linspace_random_ranges_match_torch_bitwise():
    rng = np.random.default_rng(7)
    for dtype in ("float32", "float64", "int64"):
        for _ in range(200):
            a, b = (float(v) for v in rng.uniform(-50, 50, 2))
            steps = int(rng.integers(1, 300))
            same_bits(cgrad.linspace(a, b, steps, dtype=getattr(cgrad, dtype)),
                      torch.linspace(a, b, steps, dtype=getattr(torch, dtype)))


def test_logspace_random_ranges_match_torch_bitwise():
    rng = np.random.default_rng(8)
    for dtype in ("float32", "float64"):
        for _ in range(100):
            a, b = (float(v) for v in rng.uniform(-4, 4, 2))
            steps, base = int(rng.integers(1, 80)), float(rng.choice([10.0, 2.0, 1.5]))
            same_bits(cgrad.logspace(a, b, steps, base, dtype=getattr(cgrad, dtype)),
                      torch.logspace(a, b, steps, base, dtype=getattr(torch, dtype)))


ERRORS = [
    error_case("linspace_negative_steps", lambda L: L.linspace(0, 1, -1)),
    error_case("logspace_negative_steps", lambda L: L.logspace(0, 1, -2)),
    error_case("linspace_bool", lambda L: L.linspace(0, 1, 3, dtype=L.bool)),
    error_case("logspace_bool", lambda L: L.logspace(0, 1, 3, dtype=L.bool)),
    error_case("linspace_int_requires_grad",
               lambda L: L.linspace(0, 1, 3, dtype=L.int64, requires_grad=True)),
    error_case("linspace_1d_start", lambda L: L.linspace(L.tensor([0.0]), 1, 3)),
    error_case("linspace_1d_end", lambda L: L.linspace(0, L.tensor([0.0, 1.0]), 3)),
    error_case("logspace_1d_start", lambda L: L.logspace(L.tensor([0.0]), 1, 3)),
    error_case("linspace_missing_steps", lambda L: L.linspace(0, 1), match=None),
    error_case("linspace_float_steps", lambda L: L.linspace(0, 1, 2.0), match=None),
    error_case("linspace_bool_steps", lambda L: L.linspace(0, 1, True), match=None),
    error_case("linspace_str_start", lambda L: L.linspace("a", 1, 3), match=None),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_range_errors_match_torch(fn, match):
    check_error(fn, match)
