"""Note [Cloned rounding and root loops]: sqrt, rsqrt, the roundings and lerp run as
loops compiled per instruction set. Each must give the formula's IEEE result bit for bit
(numpy's), signed zeros, halves, NaN and inf included, over lengths that cover the vector
bodies and tails.
"""
import numpy as np
import pytest

import cgrad

rng = np.random.default_rng(7)


def values(dtype, n):
    x = (rng.standard_normal(n) * 100).astype(dtype)
    x[::7] = np.round(x[::7]) + 0.5  # halves: round goes to even
    x[1::11] = -x[1::11] * 1e-3
    for i, v in enumerate([np.nan, np.inf, -np.inf, -0.0, 0.0, 2.5, -2.5]):
        x[(3 + 5 * i) % n] = v
    return x


CASES = {
    "sqrt": (lambda t: t.abs().sqrt(), lambda x: np.sqrt(np.abs(x))),
    "rsqrt": (lambda t: t.abs().rsqrt(), lambda x: x.dtype.type(1) / np.sqrt(np.abs(x))),
    "floor": (lambda t: t.floor(), np.floor),
    "ceil": (lambda t: t.ceil(), np.ceil),
    "trunc": (lambda t: t.trunc(), np.trunc),
    "frac": (lambda t: t.frac(), lambda x: x - np.trunc(x)),
    "round": (lambda t: t.round(), np.round),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [37, 4099])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_numpy_bit_for_bit(name, n, dtype):
    ours, theirs = CASES[name]
    x = values(dtype, n)
    with np.errstate(all="ignore"):
        want = theirs(x)
    got = ours(cgrad.tensor(x)).numpy()
    assert got.dtype == want.dtype
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(np.signbit(got), np.signbit(want))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [37, 4099])
def test_lerp_matches_its_two_forms_bit_for_bit(n, dtype):
    # a + w (b - a) for |w| < 0.5, b - (b - a)(1 - w) otherwise: each exact at its end.
    a, b = values(dtype, n), values(dtype, n)[::-1].copy()
    w = rng.uniform(-0.5, 1.5, n).astype(dtype)
    w[::5], w[1::7], w[2::9] = 0.5, 0.0, 1.0
    a[2], b[2] = -1.0, -0.0  # weight 1: -0.0, as torch's formula gives
    for weight in (w, np.full(n, dtype(0.3))):
        with np.errstate(all="ignore"):
            want = np.where(np.abs(weight) < 0.5, a + weight * (b - a),
                            b - (b - a) * (dtype(1) - weight))
        given = cgrad.tensor(weight) if weight is w else 0.3
        got = cgrad.lerp(cgrad.tensor(a), cgrad.tensor(b), given).numpy()
        assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(want))
