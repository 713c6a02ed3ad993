"""Note [Cloned rounding and root loops]: sqrt, rsqrt and the roundings run as loops
compiled per instruction set. Each must give numpy's (IEEE) result bit for bit, signed
zeros, halves, NaN and inf included, over lengths that cover the vector bodies and tails.
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
