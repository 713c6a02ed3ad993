"""Note [Conversion runs]: contiguous dtype conversions run as vectorised loops; over
lengths that cover the vector bodies and tails they give what one element's C++
conversion gives (numpy's astype for these pairs), specials included.
"""
import numpy as np
import pytest

import cgrad

rng = np.random.default_rng(3)
PAIRS = [(np.float32, np.float64), (np.float64, np.float32), (np.int32, np.float32),
         (np.int64, np.float32), (np.int64, np.float64), (np.float32, np.int64)]


def source(dtype, n):
    if np.issubdtype(dtype, np.integer):
        x = rng.integers(-2**31, 2**31 - 1, n).astype(dtype)
        if dtype == np.int64:
            x[::13] = rng.integers(-2**62, 2**62, len(x[::13]))  # rounds on the way to float
        return x
    x = (rng.standard_normal(n) * 1e3).astype(dtype)
    x[::11] = rng.standard_normal(len(x[::11])).astype(dtype) * dtype(1e-40 if dtype == np.float64 else 1e-3)
    return x


@pytest.mark.parametrize("n", [37, 5003])
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0].__name__}_to_{p[1].__name__}")
def test_contiguous_conversion_matches_elementwise_cast(pair, n):
    src_dtype, dst_dtype = pair
    x = source(src_dtype, n)
    if src_dtype == np.float64 and dst_dtype == np.float32:
        x[:4] = [np.nan, np.inf, -0.0, 1e300]  # overflow to inf, signed zero
    if src_dtype == np.float32 and dst_dtype == np.float64:
        x[:3] = [np.nan, -np.inf, -0.0]
    with np.errstate(over="ignore"):  # 1e300 to float32: inf, on purpose
        want = x.astype(dst_dtype)
    got = cgrad.tensor(x).to(getattr(cgrad, np.dtype(dst_dtype).name)).numpy()
    assert got.dtype == want.dtype
    assert np.array_equal(got, want, equal_nan=True)
    if np.issubdtype(dst_dtype, np.floating):
        assert np.array_equal(np.signbit(got), np.signbit(want))
