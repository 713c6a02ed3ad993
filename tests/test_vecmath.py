"""Accuracy of the vectorized float32 math (cpp/src/kernels/vecmath*) through cgrad's ops.

Every function is swept over random bit patterns (all binades, both signs, denormals),
dense ranges, the points where its range reduction switches (multiples of ln2/2, pi/4,
the sqrt(2) mantissa split, overflow and underflow thresholds) and special values, on
each instruction set this CPU has (the AVX-512 and AVX2 code, and the libm fallback).
The error against numpy's float64 result must stay within the bound stated in
vecmath_simd.inc, and NaN and exact infinities must appear exactly where the reference
has them.
"""
import math
import zlib

import numpy as np
import pytest

import cgrad

# Max error in float32 ulps: the maximum over all float32 inputs stated per function in
# cpp/src/kernels/vecmath_simd.inc (measured by tools/vecmath_ulp.cpp), rounded up.
ULP_BOUNDS = {
    "exp": 1.0, "expm1": 1.5, "log": 1.0, "log1p": 1.2, "tanh": 1.4, "sigmoid": 2.5,
    "sin": 1.6, "cos": 1.6, "erf": 1.5,
}
# The libm fallback (no AVX2): glibc's tanhf is off by up to 2.2 ulp here, and its
# log1pf by 1.29 ulp next to sqrt(2) - 1 (the worst over every float32 in [-1, 16)).
SCALAR_BOUNDS = dict(ULP_BOUNDS, tanh=2.5, log1p=1.3)
# AVX-512's tanh comes from a table (Note [Table tanh]): 1.06 ulp over every float32.
ISA_BOUNDS = {"baseline": SCALAR_BOUNDS, "avx2": ULP_BOUNDS, "avx512": dict(ULP_BOUNDS, tanh=1.1)}

LN2 = np.log(2.0)
FLT_MAX = float(np.finfo(np.float32).max)
FLT_MIN = float(np.finfo(np.float32).tiny)
DENORM_MIN = float(np.finfo(np.float32).smallest_subnormal)


_erf = np.frompyfunc(math.erf, 1, 1)


def reference(name, x):
    with np.errstate(all="ignore"):
        x = x.astype(np.float64)
        if name == "sigmoid":
            return 1.0 / (1.0 + np.exp(-x))
        if name == "erf":
            return _erf(x).astype(np.float64)
        return getattr(np, name)(x)


def run(name, x):
    return getattr(cgrad, name)(cgrad.from_numpy(x)).numpy()


def ulp_errors(got, want):
    """|got - want| in ulps of float32 at want; beyond float32's range (and for an
    overflowed result) both sides count as +-2^128, one ulp past FLT_MAX."""
    got = got.astype(np.float64)
    big = 2.0 ** 128
    got = np.where(np.isinf(got), np.copysign(big, got), got)
    want = np.clip(want, -big, big)
    _, exponent = np.frexp(np.abs(want))  # |want| = m 2^exponent, m in [0.5, 1)
    ulp = np.ldexp(1.0, np.clip(exponent - 1, -126, 127) - 23)
    return np.abs(got - want) / ulp


def near(points, count=4):
    """Each point and its `count` float32 neighbours on either side."""
    p = np.asarray(points, dtype=np.float32)
    out = [p]
    up, down = p.copy(), p.copy()
    for _ in range(count):
        up = np.nextafter(up, np.float32(np.inf))
        down = np.nextafter(down, np.float32(-np.inf))
        out += [up, down]
    return np.concatenate(out)


def boundaries(name):
    k = np.arange(-300, 301, dtype=np.float64)
    if name == "erf":
        pts = [[0.0, 1.0, -1.0, 3.92, -3.92, 2.46, 3.9, 4.0, 0.5], k / 64]
    elif name in ("exp", "expm1", "sigmoid", "tanh"):
        pts = [(k + 0.5) * LN2, k * LN2, [88.72283, 88.3, 88.0, 89.0, -87.33655, -103.97208,
                                          -104.0, -25.0, 104.0, 0.625, -0.625, 9.0, 9.1, 10.0,
                                          -10.0, 17.0, -17.0, 1e-4, -1e-4]]
        if name == "tanh":
            # and the AVX-512 table's interval edges: 1/8 steps to 1, 1/4 to 3, 1/2 to 7.
            pts += [k / 2 * LN2, np.arange(0, 8) / 8, 1 + np.arange(8) / 4, 3 + np.arange(8) / 2,
                    7 + np.arange(9), [14.5, -14.5]]
    elif name in ("log", "log1p"):
        p2 = np.ldexp(1.0, np.arange(-149, 128))
        pts = [p2, p2 * np.sqrt(0.5), p2 * np.sqrt(2.0), [1.0, 2.0, 0.5]]
        if name == "log1p":
            pts += [p2 - 1.0, p2 * np.sqrt(0.5) - 1.0, [-1.0, -0.292893219, 0.414213562, -0.5]]
    else:  # sin, cos: multiples of pi/4 up to and past the Cody-Waite limit
        m = np.concatenate([np.arange(-2000, 2001), np.arange(60000, 134500, 97)])
        pts = [m * np.pi / 4, [105615.0, -105615.0, 105616.0, 2.0 ** 17, 1e6, 3.4e38]]
    return near(np.concatenate([np.ravel(np.asarray(p, dtype=np.float64)) for p in pts]))


SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, DENORM_MIN, -DENORM_MIN,
                     FLT_MIN, -FLT_MIN, FLT_MIN / 2, -FLT_MIN / 2, FLT_MAX, -FLT_MAX, 1e-30,
                     -1e-30, 1e30, -1e30, 1.0, -1.0], dtype=np.float32)


def inputs(name):
    # A fixed seed per function: str hashes change between processes.
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    bits = rng.integers(0, 2 ** 32, 1 << 20, dtype=np.uint64).astype(np.uint32)
    dense = {"exp": (-105, 90), "expm1": (-30, 90), "sigmoid": (-110, 110), "tanh": (-12, 12),
             "log": (0, 10), "log1p": (-1, 10), "sin": (-400, 400), "cos": (-400, 400),
             "erf": (-5, 5)}[name]
    return np.concatenate([
        SPECIALS,
        bits.view(np.float32),
        rng.uniform(*dense, 1 << 19).astype(np.float32),
        rng.uniform(-1, 1, 1 << 16).astype(np.float32),
        boundaries(name),
        # An odd length, so the padded vector tail runs too.
        np.float32([0.5]),
    ])


@pytest.fixture(params=cgrad._C._cpu_isas())
def isa(request):
    cgrad._C._set_cpu_isa(request.param)
    yield request.param
    cgrad._C._set_cpu_isa(cgrad._C._cpu_isas()[0])


def test_widest_isa_is_the_default():
    assert cgrad._C._cpu_isa() == cgrad._C._cpu_isas()[0]


@pytest.mark.parametrize("name", sorted(ULP_BOUNDS))
def test_ulp_error_within_bound(isa, name):
    x = inputs(name)
    got = run(name, x)
    want = reference(name, x)
    assert got.dtype == np.float32 and got.shape == x.shape

    nan_want = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan_want, err_msg=f"{name} NaN positions")
    exact_inf = np.isinf(want)  # exp(inf), log(0), ...: not rounding overflow
    np.testing.assert_array_equal(got[exact_inf], want[exact_inf].astype(np.float32),
                                  err_msg=f"{name} infinities")

    finite = ~nan_want & ~exact_inf
    err = ulp_errors(got[finite], want[finite])
    worst = int(np.argmax(err))
    bound = ISA_BOUNDS[isa][name]
    assert err[worst] <= bound, (
        f"{isa} {name}({x[finite][worst]!r}) = {got[finite][worst]!r}, want "
        f"{want[finite][worst]!r}: {err[worst]:.3f} ulp > {bound}")


@pytest.mark.parametrize("name", sorted(ULP_BOUNDS))
def test_signed_zeros_and_saturation(isa, name):
    x = np.array([0.0, -0.0, np.inf, -np.inf, 1e30, -1e30, -200.0, 200.0], dtype=np.float32)
    got = run(name, x)
    with np.errstate(all="ignore"):
        want = reference(name, x).astype(np.float32)
    # Odd functions keep the sign of zero (torch: expm1(-0.) is -0.).
    if name in ("expm1", "log1p", "tanh", "sin", "erf"):
        assert np.signbit(got[1]) and not np.signbit(got[0])
    if name in ("sin", "cos"):  # libm's values at 1e30 and 200 too
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    else:
        np.testing.assert_array_equal(got, want)


def test_sigmoid_tails_never_nan(isa):
    x = np.linspace(-300, 300, 60001, dtype=np.float32)
    got = run("sigmoid", x)
    assert not np.isnan(got).any()
    assert got[0] == 0.0 and got[-1] == 1.0
    assert (np.diff(got.astype(np.float64)) >= 0).all()  # monotone


def test_results_do_not_depend_on_position(isa):
    # Every element goes through the same vector code, the padded tail included.
    x = np.random.default_rng(0).uniform(-5, 5, 1000).astype(np.float32)
    for name in ULP_BOUNDS:
        whole = run(name, x)
        for start in range(0, 17):
            np.testing.assert_array_equal(run(name, x[start:start + 37]),
                                          whole[start:start + 37], err_msg=name)


@pytest.mark.parametrize("name", sorted(ULP_BOUNDS))
def test_float64_matches_numpy(name):
    x = np.concatenate([np.random.default_rng(1).uniform(-20, 20, 4096),
                        SPECIALS.astype(np.float64)])
    if name in ("log",):
        x = np.abs(x)
    got = getattr(cgrad, name)(cgrad.from_numpy(x)).numpy()
    want = reference(name, x)
    np.testing.assert_allclose(got, want, rtol=4e-16, atol=0)
