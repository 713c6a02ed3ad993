"""Elementwise ops and activations against PyTorch, one line per case.

Each case runs `fn(lib, *inputs)` in torch and in cgrad on the same numpy data and
compares values, dtypes, grad_fn names and gradients (see parity.check). Inputs cover
0-d, 1-d, broadcast and non-contiguous tensors, integer and bool dtypes where torch
allows them, and ties/boundaries where the gradient is defined by convention.
"""
import itertools
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import B, F, H, I, INF, P, R, T, U, arr, case, check, lib_dtype_name  # noqa: E402

NAN = float("nan")
SPECIALS = np.array([NAN, -0.0, 0.0, INF, -INF, 0.5, 1.0, -1.0, 2.0] * 5, np.float32)


def W(*shape, dtype=np.float32):
    """Wide floats for rounding (several integer parts, both signs)."""
    return R(*shape, dtype=dtype, low=-6.0, high=6.0)


HALVES = arr(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, -0.0)

UNARY = {  # name -> input maker for a well-defined, well-conditioned domain
    "expm1": R, "erf": W, "log2": P, "log10": P, "log1p": P, "rsqrt": P, "tan": U, "asin": U,
    "acos": U, "atan": R, "sinh": R, "cosh": R, "floor": W, "ceil": W, "round": W,
    "trunc": W, "frac": W,
}
TRANSCENDENTAL = ["expm1", "erf", "log2", "log10", "log1p", "rsqrt", "tan", "asin", "acos", "atan",
                  "sinh", "cosh"]
ROUNDING = ["floor", "ceil", "round", "trunc"]

UNARY_CASES = [
    *[case(f"{n}_method", lambda L, a, n=n: getattr(a, n)(), mk(3, 4)) for n, mk in UNARY.items()],
    *[case(f"{n}_fn", lambda L, a, n=n: getattr(L, n)(a), mk(5)) for n, mk in UNARY.items()],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(L, n)(a), mk(2, 3, dtype=np.float64))
      for n, mk in UNARY.items()],
    *[case(f"{n}_0d", lambda L, a, n=n: getattr(L, n)(a), mk()) for n, mk in UNARY.items()],
    *[case(f"{n}_transposed", lambda L, a, n=n: getattr(L, n)(a), T(mk(4, 3)))
      for n, mk in UNARY.items()],
    *[case(f"{n}_strided", lambda L, a, n=n: getattr(L, n)(a), mk(12)[1::3])
      for n, mk in UNARY.items()],
    *[case(f"{n}_empty", lambda L, a, n=n: getattr(L, n)(a), mk(0, 3)) for n, mk in UNARY.items()],
    # integer and bool inputs: transcendental functions give float32, rounding keeps ints
    *[case(f"{n}_int", lambda L, a, n=n: getattr(L, n)(a), I(5, low=1, high=4))
      for n in TRANSCENDENTAL if n not in ("asin", "acos")],
    *[case(f"{n}_int_unit", lambda L, a, n=n: getattr(L, n)(a), I(5, low=-1, high=2))
      for n in ("asin", "acos", "atan", "tan", "sinh", "cosh", "expm1")],
    *[case(f"{n}_int32", lambda L, a, n=n: getattr(L, n)(a), I(5, dtype=np.int32, low=1))
      for n in ("expm1", "log2", "rsqrt", "atan")],
    *[case(f"{n}_bool", lambda L, a, n=n: getattr(L, n)(a), B(6))
      for n in ("expm1", "log2", "log10", "log1p", "rsqrt", "tan", "asin", "acos", "atan",
                "sinh", "cosh")],
    *[case(f"{n}_int_stays_int", lambda L, a, n=n: getattr(L, n)(a), I(6)) for n in ROUNDING],
    *[case(f"{n}_int32_stays_int", lambda L, a, n=n: getattr(L, n)(a), I(6, dtype=np.int32))
      for n in ROUNDING],
    # boundaries and special values (gradients at the edges follow torch's formulas)
    case("expm1_small", lambda L, a: a.expm1(), arr(1e-10, -1e-7, 0.0, 30.0, -30.0)),
    case("log1p_small", lambda L, a: a.log1p(), arr(1e-10, -1e-7, 0.0, 5.0)),
    case("log1p_minus_one", lambda L, a: a.log1p(), arr(-1.0, -2.0, 0.0)),
    case("log2_special", lambda L, a: a.log2(), arr(0.0, -1.0, INF, 8.0), grad=False),
    case("log10_special", lambda L, a: a.log10(), arr(0.0, -1.0, INF, 1000.0), grad=False),
    case("log2_at_zero", lambda L, a: a.log2(), arr(0.0, 2.0)),
    case("rsqrt_zero_negative", lambda L, a: a.rsqrt(), arr(0.0, -1.0, 4.0)),
    case("asin_edges", lambda L, a: a.asin(), arr(-1.0, 1.0, 2.0, 0.0)),
    case("acos_edges", lambda L, a: a.acos(), arr(-1.0, 1.0, -2.0, 0.0)),
    case("atan_large", lambda L, a: a.atan(), arr(-1e30, -INF, INF, 1e30)),
    case("sinh_cosh_large", lambda L, a: a.sinh() + a.cosh(), arr(-100.0, 100.0, 0.0)),
    case("tan_pi_half", lambda L, a: a.tan(), arr(1.5707963, -1.5707963, 0.0)),
    case("round_half_even", lambda L, a: a.round(), HALVES),
    case("round_decimals", lambda L, a: a.round(decimals=2), W(3, 4)),
    case("round_decimals_fn", lambda L, a: L.round(a, decimals=1), W(5)),
    case("round_decimals_zero", lambda L, a: a.round(decimals=0), HALVES),
    case("round_decimals_negative", lambda L, a: a.round(decimals=-1), R(6, low=-80, high=80)),
    case("round_decimals_ties", lambda L, a: a.round(decimals=-2),
         arr(250.0, -350.0, 150.0, 49.0, 1234.5678)),
    case("round_decimals_float64", lambda L, a: a.round(decimals=3), W(6, dtype=np.float64)),
    case("round_decimals_strided", lambda L, a: a.round(decimals=1), T(W(3, 2))),
    case("frac_special", lambda L, a: a.frac(), arr(1.5, -1.5, INF, -0.0, 3.0)),
    *[case(f"{n}_special", lambda L, a, n=n: getattr(a, n)(),
           arr(NAN, INF, -INF, -0.0, 0.5, -0.5, 1e20))
      for n in ROUNDING + ["frac"]],
    case("floor_whole", lambda L, a: a.floor() * a, H(6)),
    case("sign_grad_is_zero", lambda L, a: a.sign() * a, H(6)),
    # aliases
    case("arcsin", lambda L, a: L.arcsin(a), U(4)),
    case("arccos_method", lambda L, a: a.arccos(), U(4)),
    case("arctan", lambda L, a: L.arctan(a), R(4)),
    case("fix", lambda L, a: a.fix(), W(4)),
    case("negative", lambda L, a: L.negative(a), R(4)),
    case("unary_chain", lambda L, a: (a.tanh().atan() + a.sinh().expm1()).log1p(), U(3, 3)),
]

MINMAX = ["minimum", "maximum"]
BINARY_CASES = [
    # ---- atan2 ----
    case("atan2", lambda L, a, b: L.atan2(a, b), R(3, 4), R(3, 4)),
    case("atan2_method", lambda L, a, b: a.atan2(b), R(5), R(5)),
    case("arctan2", lambda L, a, b: L.arctan2(a, b), R(5), R(5)),
    case("atan2_bcast", lambda L, a, b: L.atan2(a, b), R(3, 1), R(1, 4)),
    case("atan2_0d", lambda L, a, b: L.atan2(a, b), R(), R(2, 3)),
    case("atan2_transposed", lambda L, a, b: L.atan2(a, b), T(R(4, 3)), R(3, 4)),
    case("atan2_float64", lambda L, a, b: L.atan2(a, b), R(4, dtype=np.float64),
         R(4, dtype=np.float64)),
    case("atan2_mixed", lambda L, a, b: L.atan2(a, b), R(4), R(4, dtype=np.float64)),
    case("atan2_int", lambda L, a, b: L.atan2(a, b), I(5), I(5)),
    case("atan2_int_float", lambda L, a, b: L.atan2(a, b), I(5), R(5)),
    case("atan2_bool", lambda L, a, b: L.atan2(a, b), B(5), B(5)),
    case("atan2_origin", lambda L, a, b: L.atan2(a, b), arr(0.0, -0.0, 0.0, 1.0),
         arr(0.0, 0.0, -0.0, 0.0)),
    case("atan2_inf", lambda L, a, b: L.atan2(a, b), arr(INF, 1.0, -INF), arr(1.0, INF, -INF)),
    # ---- minimum / maximum: ties split the gradient, NaN passes it to both ----
    *[case(f"{n}", lambda L, a, b, n=n: getattr(L, n)(a, b), R(3, 4), R(3, 4)) for n in MINMAX],
    *[case(f"{n}_method", lambda L, a, b, n=n: getattr(a, n)(b), R(5), R(5)) for n in MINMAX],
    *[case(f"{n}_ties", lambda L, a, b, n=n: getattr(L, n)(a, b), H(4, 5), H(4, 5))
      for n in MINMAX],
    *[case(f"{n}_bcast", lambda L, a, b, n=n: getattr(L, n)(a, b), H(3, 1), H(1, 4))
      for n in MINMAX],
    *[case(f"{n}_0d", lambda L, a, b, n=n: getattr(L, n)(a, b), H(), H(5)) for n in MINMAX],
    *[case(f"{n}_transposed", lambda L, a, b, n=n: getattr(L, n)(a, b), T(H(4, 3)), H(3, 4))
      for n in MINMAX],
    *[case(f"{n}_nan", lambda L, a, b, n=n: getattr(L, n)(a, b), arr(NAN, 1.0, NAN, 2.0),
           arr(1.0, NAN, NAN, 2.0)) for n in MINMAX],
    *[case(f"{n}_signed_zero", lambda L, a, b, n=n: getattr(L, n)(a, b), arr(-0.0, 0.0),
           arr(0.0, -0.0)) for n in MINMAX],
    *[case(f"{n}_float64", lambda L, a, b, n=n: getattr(L, n)(a, b), H(5, dtype=np.float64),
           H(5, dtype=np.float64)) for n in MINMAX],
    *[case(f"{n}_mixed", lambda L, a, b, n=n: getattr(L, n)(a, b), H(5), H(5, dtype=np.float64))
      for n in MINMAX],
    *[case(f"{n}_int", lambda L, a, b, n=n: getattr(L, n)(a, b), I(6), I(6)) for n in MINMAX],
    *[case(f"{n}_int32_int64", lambda L, a, b, n=n: getattr(L, n)(a, b), I(6, dtype=np.int32),
           I(6)) for n in MINMAX],
    *[case(f"{n}_bool", lambda L, a, b, n=n: getattr(L, n)(a, b), B(6), B(6)) for n in MINMAX],
    *[case(f"{n}_int_float", lambda L, a, b, n=n: getattr(L, n)(a, b), I(6), H(6))
      for n in MINMAX],
    # ---- fmod / remainder ----
    case("fmod", lambda L, a, b: L.fmod(a, b), W(3, 4), P(3, 4)),
    case("fmod_negative_divisor", lambda L, a, b: a.fmod(b), W(6), -P(6)),
    case("fmod_scalar", lambda L, a: a.fmod(1.5), W(3, 4)),
    case("fmod_scalar_negative", lambda L, a: L.fmod(a, -2), W(5)),
    case("fmod_bcast", lambda L, a, b: L.fmod(a, b), W(3, 1), P(1, 4)),
    case("fmod_0d", lambda L, a, b: L.fmod(a, b), W(4), P()),
    case("fmod_transposed", lambda L, a, b: L.fmod(a, b), T(W(4, 3)), P(3, 4)),
    case("fmod_float64", lambda L, a, b: L.fmod(a, b), W(5, dtype=np.float64),
         P(5, dtype=np.float64)),
    case("fmod_int", lambda L, a, b: L.fmod(a, b), I(8), I(8, low=1) * np.array([1, -1] * 4)),
    case("fmod_int_scalar", lambda L, a: L.fmod(a, 3), I(8)),
    case("fmod_int_float_scalar", lambda L, a: L.fmod(a, 2.5), I(8)),
    case("fmod_int32", lambda L, a, b: L.fmod(a, b), I(6, dtype=np.int32),
         I(6, dtype=np.int32, low=1)),
    case("fmod_by_zero_float", lambda L, a: L.fmod(a, 0.0), arr(1.0, -0.0, 2.0)),
    case("fmod_special", lambda L, a, b: L.fmod(a, b), arr(INF, 1.0, -1.0, NAN, 5.0),
         arr(2.0, INF, -INF, 1.0, 0.0)),
    case("remainder", lambda L, a, b: L.remainder(a, b), W(3, 4), P(3, 4)),
    case("remainder_method", lambda L, a, b: a.remainder(b), W(6), -P(6)),
    case("mod_operator", lambda L, a, b: a % b, W(3, 4), R(3, 4)),
    case("mod_scalar", lambda L, a: a % 2, W(3, 4)),
    case("mod_scalar_negative", lambda L, a: a % -1.5, W(3, 4)),
    case("mod_bcast", lambda L, a, b: a % b, W(3, 1), P(1, 4)),
    case("mod_0d", lambda L, a, b: a % b, W(), P(4)),
    case("mod_strided", lambda L, a, b: a % b, W(6, 4)[::2], P(3, 4)),
    case("mod_float64", lambda L, a, b: a % b, W(5, dtype=np.float64), R(5, dtype=np.float64)),
    case("mod_mixed", lambda L, a, b: a % b, W(5), P(5, dtype=np.float64)),
    case("mod_int", lambda L, a, b: a % b, I(8), I(8, low=1) * np.array([1, -1] * 4)),
    case("mod_int_scalar", lambda L, a: a % 3, I(8)),
    case("mod_int_negative_scalar", lambda L, a: a % -3, I(8)),
    case("mod_int_float", lambda L, a: a % 2.5, I(8)),
    case("mod_int_min", lambda L, a: a % -1, np.array([-2**63, 5, -5], np.int64)),
    case("mod_signed_zero", lambda L, a: a % 2.0, arr(-0.0, 0.0, -4.0, 4.0)),
    case("mod_by_zero_float", lambda L, a: a % 0.0, arr(1.0, -0.0, 2.0)),
    case("mod_special", lambda L, a, b: a % b, arr(INF, 1.0, -1.0, NAN, INF),
         arr(2.0, INF, INF, 1.0, INF)),
    case("mod_bool_int", lambda L, a: a % 2, B(6)),
    # ---- floor division (no derivative: values only here) ----
    case("floordiv", lambda L, a, b: a // b, W(3, 4), R(3, 4), grad=False),
    case("floordiv_fn", lambda L, a, b: L.floor_divide(a, b), W(5), P(5), grad=False),
    case("floordiv_method", lambda L, a: a.floor_divide(2), W(5), grad=False),
    case("floordiv_scalar", lambda L, a: a // 0.5, W(3, 4), grad=False),
    case("rfloordiv_scalar", lambda L, a: 7 // a, P(3, 4), grad=False),
    case("floordiv_exact", lambda L, a, b: a // b, arr(1.0, -1.0, 5.0, -5.0, 0.3, -0.0),
         arr(0.1, 0.1, -3.0, -3.0, 0.1, 2.0), grad=False),
    case("floordiv_by_zero", lambda L, a: a // 0.0, arr(1.0, -1.0, 0.0), grad=False),
    case("floordiv_special", lambda L, a, b: a // b, arr(1.0, -1.0, INF, NAN, 1e30),
         arr(INF, INF, INF, 1.0, 1e-30), grad=False),
    case("floordiv_bcast", lambda L, a, b: a // b, W(3, 1), P(1, 4), grad=False),
    case("floordiv_transposed", lambda L, a, b: a // b, T(W(4, 3)), R(3, 4), grad=False),
    case("floordiv_float64", lambda L, a, b: a // b, W(5, dtype=np.float64),
         R(5, dtype=np.float64), grad=False),
    case("floordiv_int", lambda L, a, b: a // b, I(8), I(8, low=1) * np.array([1, -1] * 4)),
    case("floordiv_int_scalar", lambda L, a: a // 3, I(8)),
    case("rfloordiv_int", lambda L, a: 7 // a, I(8, low=1)),
    case("floordiv_int_float", lambda L, a: a // 2.5, I(8)),
    case("floordiv_int_min", lambda L, a: a // -1, np.array([-2**63, 5, -5], np.int64)),
    case("floordiv_int32", lambda L, a, b: a // b, I(6, dtype=np.int32),
         I(6, dtype=np.int32, low=1)),
    case("floordiv_bool_int", lambda L, a: a // 1, B(6)),
    case("rmod_scalar_fn", lambda L, a: L.remainder(5, a), I(6, low=1)),
    case("rmod_int", lambda L, a: 7 % a, I(8, low=1) * np.array([1, -1] * 4)),
    case("rmod_float", lambda L, a: 2.5 % a, P(5), grad=False),
    # ---- lerp ----
    case("lerp_scalar", lambda L, a, b: L.lerp(a, b, 0.3), R(3, 4), R(3, 4)),
    case("lerp_scalar_int", lambda L, a, b: a.lerp(b, 2), R(5), R(5)),
    case("lerp_scalar_high", lambda L, a, b: L.lerp(a, b, 0.75), R(5), R(5)),
    case("lerp_scalar_negative", lambda L, a, b: L.lerp(a, b, -0.6), R(5), R(5)),
    case("lerp_tensor", lambda L, a, b, w: L.lerp(a, b, w), R(3, 4), R(3, 4), R(3, 4)),
    case("lerp_tensor_method", lambda L, a, b, w: a.lerp(b, w), R(5), R(5), P(5)),
    case("lerp_bcast", lambda L, a, b, w: L.lerp(a, b, w), R(3), R(2, 1), R(1, 1, 3)),
    case("lerp_bcast_scalar", lambda L, a, b: L.lerp(a, b, 0.25), R(3, 1), R(4)),
    case("lerp_0d_start", lambda L, a, b: L.lerp(a, b, 0.5), R(), R(4)),
    case("lerp_0d_weight", lambda L, a, b, w: L.lerp(a, b, w), R(4), R(4), R()),
    # (a one-element output keeps the float64 weight's float32-computed grad free of
    # summation-order rounding)
    case("lerp_0d_weight_float64", lambda L, a, b, w: L.lerp(a, b, w), R(1), R(1),
         R(dtype=np.float64)),
    case("lerp_transposed", lambda L, a, b, w: L.lerp(a, b, w), T(R(4, 3)), R(3, 4), T(R(4, 3))),
    case("lerp_float64", lambda L, a, b, w: L.lerp(a, b, w), R(5, dtype=np.float64),
         R(5, dtype=np.float64), R(5, dtype=np.float64)),
    case("lerp_weight_ends", lambda L, a, b, w: L.lerp(a, b, w), R(4), R(4),
         arr(0.0, 1.0, 0.5, 0.4999)),
    # ---- addcmul / addcdiv (Note [addcmul rounding]) ----
    case("addcmul", lambda L, x, a, b: L.addcmul(x, a, b, value=0.3), R(3, 4), R(3, 4), R(3, 4)),
    case("addcmul_default_value", lambda L, x, a, b: x.addcmul(a, b), R(5), R(5), R(5)),
    case("addcmul_bcast", lambda L, x, a, b: L.addcmul(x, a, b, value=-2), R(3), R(2, 1), R(1, 1, 3)),
    case("addcmul_int", lambda L, x, a, b: L.addcmul(x, a, b, value=3), I(6), I(6), I(6)),
    case("addcmul_int_fractional_value", lambda L, x: L.addcmul(x, x, x, value=0.5), I(6)),
    case("addcmul_mixed", lambda L, x, a, b: L.addcmul(x, a, b), R(4, dtype=np.float64), I(4), R(4)),
    case("addcmul_float16", lambda L, x, a, b: L.addcmul(x.half(), a.half(), b.half(), value=0.1),
         R(6), R(6), R(6), grad=False),
    case("addcdiv", lambda L, x, a, b: L.addcdiv(x, a, b, value=0.7), R(3, 4), R(3, 4), P(3, 4)),
    case("addcdiv_method_bcast", lambda L, x, a, b: x.addcdiv(a, b, value=-0.1), R(2, 3), R(3), P(2, 1)),
    case("addcdiv_float64", lambda L, x, a, b: L.addcdiv(x, a, b), R(5, dtype=np.float64),
         R(5, dtype=np.float64), P(5, dtype=np.float64)),
    case("addcdiv_int_over_float", lambda L, x, a, b: L.addcdiv(x, a, b), I(5), R(5), P(5), grad=False),
    case("addcmul_", lambda L, x, a, b: (x * 1).addcmul_(a, b, value=2), R(3, 4), R(4), R(3, 1)),
    case("addcdiv_", lambda L, x, a, b: (x * 1).addcdiv_(a, b, value=-0.01), R(3, 4), R(3, 4), P(4)),
    # ---- clamp / clip ----
    case("clamp", lambda L, a: a.clamp(-0.5, 0.5), R(3, 4)),
    case("clamp_fn", lambda L, a: L.clamp(a, -1, 1), H(3, 4)),
    case("clamp_min_only", lambda L, a: a.clamp(min=0), H(3, 4)),
    case("clamp_max_only", lambda L, a: a.clamp(max=0.5), H(3, 4)),
    case("clamp_ties", lambda L, a: a.clamp(-1, 1), H(20)),
    case("clamp_crossed", lambda L, a: a.clamp(1, -1), H(10)),
    case("clamp_nan_input", lambda L, a: a.clamp(0, 1), arr(NAN, 0.0, 1.0, 2.0, -INF)),
    case("clamp_nan_bound", lambda L, a: a.clamp(NAN, 1), arr(0.0, 1.0, 1.5)),
    case("clamp_signed_zero", lambda L, a: a.clamp(0.0, 1.0), arr(-0.0, 0.0)),
    # Long enough for the vector loops (max_nan/min_nan as selects): NaN, signed zeros
    # and infinities at every lane position.
    case("clamp_specials_vectorised", lambda L, a: a.clamp(-0.0, 1.0), SPECIALS),
    case("clamp_specials_f64", lambda L, a: a.clamp(0.0, 2.0), SPECIALS.astype(np.float64)),
    case("clamp_min_specials", lambda L, a: a.clamp(min=0.0), SPECIALS),
    case("maximum_specials", lambda L, a, b: L.maximum(a, b), SPECIALS, SPECIALS[::-1].copy()),
    case("minimum_specials", lambda L, a, b: L.minimum(a, b), SPECIALS, np.roll(SPECIALS, 3)),
    case("clamp_tensor_specials", lambda L, a, lo, hi: a.clamp(lo, hi), SPECIALS,
         np.roll(SPECIALS, 5), np.roll(SPECIALS, 11)),
    case("clamp_0d", lambda L, a: a.clamp(0, 1), R()),
    case("clamp_transposed", lambda L, a: a.clamp(-1, 0.5), T(R(4, 3))),
    case("clamp_float64", lambda L, a: a.clamp(-1, 0.5), R(5, dtype=np.float64)),
    case("clip", lambda L, a: L.clip(a, -1, 1), H(6)),
    case("clip_method", lambda L, a: a.clip(max=0), H(6)),
    case("clamp_int", lambda L, a: a.clamp(-2, 3), I(8)),
    case("clamp_int_float_bound", lambda L, a: a.clamp(0.5, 3), I(8)),
    case("clamp_int32", lambda L, a: a.clamp(max=1), I(8, dtype=np.int32)),
    case("clamp_bool_int_bounds", lambda L, a: a.clamp(0, 1), B(6)),
    case("clamp_tensor", lambda L, a, lo, hi: a.clamp(lo, hi), R(3, 4), R(3, 4) - 1, R(3, 4) + 1),
    case("clamp_tensor_ties", lambda L, a, lo, hi: L.clamp(a, lo, hi), H(30), H(30), H(30)),
    case("clamp_tensor_min", lambda L, a, lo: a.clamp(lo), H(20), H(20)),
    case("clamp_tensor_max", lambda L, a, hi: a.clamp(max=hi), H(20), H(20)),
    case("clamp_tensor_nan", lambda L, a, lo, hi: a.clamp(lo, hi), arr(NAN, 1, 5, 0, 5, 1),
         arr(0, NAN, NAN, 1, 2, 2), arr(2, 2, 1, NAN, 1, 1)),
    case("clamp_tensor_bcast", lambda L, a, lo, hi: a.clamp(lo, hi), R(3), H(2, 1), R(2, 3) + 1),
    case("clamp_tensor_bcast_min_only", lambda L, a, lo: a.clamp(lo), R(3), R(2, 3)),
    case("clamp_tensor_0d", lambda L, a, lo, hi: a.clamp(lo, hi), R(5), R() - 1, R() + 1),
    case("clamp_tensor_transposed", lambda L, a, lo: a.clamp(min=lo), T(R(4, 3)), R(3, 4)),
    case("clamp_tensor_mixed_dtype", lambda L, a, lo: a.clamp(lo), H(5), H(5, dtype=np.float64)),
    case("clamp_tensor_0d_float64", lambda L, a, lo: a.clamp(lo), H(5), H(dtype=np.float64)),
    case("clamp_tensor_int", lambda L, a, lo, hi: a.clamp(lo, hi), I(8), I(8), I(8)),
    case("clamp_tensor_int_float", lambda L, a, lo: a.clamp(lo), I(8), H(8)),
    case("clamp_tensor_bool", lambda L, a, lo: a.clamp(lo), B(8), B(8)),
    # a number and a 0-d tensor (not requiring grad): torch reads the tensor as a number
    case("clamp_mixed_scalar_0d", lambda L, a, hi: a.clamp(-1.0, hi.detach()), H(6), H()),
    case("clamp_mixed_0d_scalar", lambda L, a, lo: a.clamp(lo.detach(), 1), H(6), H()),
    case("clamp_mixed_0d_int", lambda L, a: a.clamp(0, L.tensor(1)), H(6)),
    case("clamp_mixed_0d_float64", lambda L, a: a.clamp(0, L.tensor(0.5, dtype=L.float64)), H(6)),
    case("clamp_min_scalar", lambda L, a: a.clamp_min(0.5), H(8)),
    case("clamp_min_fn", lambda L, a: L.clamp_min(a, 0), H(8)),
    case("clamp_max_scalar", lambda L, a: a.clamp_max(0), H(8)),
    case("clamp_min_tensor", lambda L, a, m: a.clamp_min(m), H(8), H(8)),
    case("clamp_max_tensor", lambda L, a, m: L.clamp_max(a, m), H(8), H(8)),
    case("clamp_min_tensor_bcast", lambda L, a, m: a.clamp_min(m), H(3, 1), H(4)),
    case("clamp_min_nan", lambda L, a: a.clamp_min(1), arr(0.0, 1.0, 2.0, NAN)),
    case("clamp_min_int_float", lambda L, a: a.clamp_min(2.5), I(6)),
    # ---- pow in all forms ----
    case("pow_tensor_tensor", lambda L, a, b: a ** b, P(3, 4), R(3, 4)),
    case("pow_negative_base_int_exp", lambda L, a, b: a ** b, R(6), arr(2, 3, -1, 0, 1, -2)),
    case("pow_zero_zero", lambda L, a, b: a ** b, arr(0.0, 0.0, 0.0, 2.0),
         arr(0.0, 1.0, -1.0, 0.0)),
    case("pow_scalar_exp_zero_base", lambda L, a: a ** 2.5, arr(0.0, 1.0, 4.0)),
    case("pow_scalar_half_negative", lambda L, a: a ** 0.5, arr(-1.0, 0.0, 4.0), grad=False),
    case("pow_method_scalar", lambda L, a: a.pow(-2), P(5)),
    case("pow_fn_scalar_exp", lambda L, a: L.pow(a, 3), R(5)),
    case("pow_fn_scalar_base", lambda L, a: L.pow(3, a), R(5)),
    case("rpow_negative_base", lambda L, a: (-2) ** a, arr(2.0, 3.0, 0.5), grad=False),
    case("pow_bcast", lambda L, a, b: a ** b, P(3, 1), R(1, 4)),
    case("pow_0d_exp", lambda L, a, b: a ** b, P(2, 3), R()),
    case("pow_0d_base", lambda L, a, b: a ** b, P(), R(2, 3)),
    case("pow_transposed", lambda L, a, b: a ** b, T(P(4, 3)), R(3, 4)),
    case("pow_float64", lambda L, a, b: a ** b, P(5, dtype=np.float64), R(5, dtype=np.float64)),
    case("pow_mixed_f64_exp", lambda L, a, b: a ** b, P(4), R(dtype=np.float64)),
    case("pow_int_tensor_float_exp", lambda L, a, b: a ** b, I(4, low=1), R(4)),
    case("pow_float_int_exp", lambda L, a, b: a ** b, R(5), I(5, low=0, high=4)),
    case("pow_int_int", lambda L, a, b: a ** b, I(6, low=-3, high=4), I(6, low=0, high=5)),
    case("pow_int32", lambda L, a: a ** 2, I(6, dtype=np.int32)),
    case("pow_bool_exp", lambda L, a: a ** True, R(4)),
    case("pow_bool_base_int", lambda L, a: a ** 2, B(6)),
    case("pow_int_negative_tensor_exp", lambda L, a, b: a ** b, np.array([2, -1, 1, 0, 3, -2]),
         np.array([-1, -3, -2, 2, 0, -2])),
    case("pow_negative_fractional_exp", lambda L, a: a ** -1.5, P(4)),
    case("pow_float_zero_exp", lambda L, a: a ** 0.0, arr(0.0, -1.0, 2.0)),
    case("rpow_one", lambda L, a: 1 ** a, R(4)),
    case("rpow_zero_float", lambda L, a: 0.0 ** a, arr(0.0, -1.0, 2.0)),
    case("pow_negative_base_fractional", lambda L, a, b: a ** b, arr(-2.0, -0.5, 0.0),
         arr(0.5, 2.0, -1.0)),
    case("pow_bool_tensor_int_tensor", lambda L, a, b: a ** b, B(4), I(4, low=0, high=3)),
    case("pow_chain", lambda L, a, b: ((a ** 2) ** b).sum(), P(4), R(4)),
]

NONDIFF_CASES = [
    # ---- predicates ----
    case("isnan", lambda L, a: a.isnan(), arr(NAN, INF, -INF, 0.0, -1.0)),
    case("isinf", lambda L, a: L.isinf(a), arr(NAN, INF, -INF, 0.0, -1.0)),
    case("isfinite", lambda L, a: L.isfinite(a), arr(NAN, INF, -INF, 0.0, -1.0)),
    case("isnan_float64", lambda L, a: L.isnan(a), np.array([NAN, 1.0], np.float64)),
    case("isnan_requires_grad", lambda L, a: a.isnan(), R(4)),
    case("isnan_transposed", lambda L, a: L.isnan(a),
         T(np.where(B(4, 3), np.float32(NAN), R(4, 3)))),
    case("isinf_0d", lambda L, a: L.isinf(a), arr(INF).reshape(())),
    *[case(f"{n}_int", lambda L, a, n=n: getattr(L, n)(a), I(5)) for n in
      ("isnan", "isinf", "isfinite")],
    *[case(f"{n}_bool", lambda L, a, n=n: getattr(L, n)(a), B(5)) for n in
      ("isnan", "isinf", "isfinite")],
    # ---- logical ----
    case("logical_not", lambda L, a: L.logical_not(a), arr(0.0, -0.0, NAN, 2.0, -INF)),
    case("logical_not_method", lambda L, a: a.logical_not(), I(6, low=-1, high=2)),
    case("logical_not_bool", lambda L, a: L.logical_not(a), B(6)),
    case("logical_and", lambda L, a, b: L.logical_and(a, b), H(3, 4), H(3, 4)),
    case("logical_or", lambda L, a, b: L.logical_or(a, b), H(3, 4), H(3, 4)),
    case("logical_xor", lambda L, a, b: L.logical_xor(a, b), H(3, 4), H(3, 4)),
    case("logical_and_method", lambda L, a, b: a.logical_and(b), B(6), B(6)),
    case("logical_or_mixed", lambda L, a, b: L.logical_or(a, b), I(6, low=-1, high=2), B(6)),
    case("logical_xor_float_int", lambda L, a, b: a.logical_xor(b), H(6), I(6, low=-1, high=2)),
    case("logical_and_nan", lambda L, a, b: L.logical_and(a, b), arr(NAN, NAN, 0.0),
         arr(1.0, 0.0, NAN)),
    case("logical_and_bcast", lambda L, a, b: L.logical_and(a, b), H(3, 1), B(4)),
    case("logical_or_0d", lambda L, a, b: L.logical_or(a, b), H(), H(4)),
    case("logical_xor_transposed", lambda L, a, b: L.logical_xor(a, b), T(H(4, 3)), B(3, 4)),
    # ---- bitwise and the operators ~ & | ^ ----
    case("invert_bool", lambda L, a: ~a, B(6)),
    case("invert_int", lambda L, a: ~a, I(6)),
    case("invert_int32", lambda L, a: ~a, I(6, dtype=np.int32)),
    case("invert_transposed", lambda L, a: ~a, T(B(3, 4))),
    case("bitwise_not_fn", lambda L, a: L.bitwise_not(a), I(6)),
    case("and_bool", lambda L, a, b: a & b, B(3, 4), B(3, 4)),
    case("or_bool", lambda L, a, b: a | b, B(3, 4), B(3, 4)),
    case("xor_bool", lambda L, a, b: a ^ b, B(3, 4), B(3, 4)),
    case("and_int", lambda L, a, b: a & b, I(6, low=-9, high=9), I(6, low=-9, high=9)),
    case("or_int", lambda L, a, b: a | b, I(6, low=-9, high=9), I(6, low=-9, high=9)),
    case("xor_int", lambda L, a, b: a ^ b, I(6, low=-9, high=9), I(6, low=-9, high=9)),
    case("and_int32_int64", lambda L, a, b: a & b, I(6, dtype=np.int32), I(6)),
    case("and_int_bool", lambda L, a, b: a & b, I(6), B(6)),
    case("or_int_scalar", lambda L, a: a | 2, I(6)),
    case("ror_int_scalar", lambda L, a: 2 | a, I(6)),
    case("xor_bool_true", lambda L, a: a ^ True, B(6)),
    case("rand_bool_scalar", lambda L, a: True & a, B(6)),
    case("xor_bool_int_scalar", lambda L, a: a ^ 1, B(6)),
    case("and_bcast", lambda L, a, b: a & b, I(3, 1), I(4)),
    case("or_0d", lambda L, a, b: a | b, I(), I(4)),
    case("xor_transposed", lambda L, a, b: a ^ b, T(I(4, 3)), I(3, 4)),
    case("and_int32_0d_int64", lambda L, a, b: a & b, I(4, dtype=np.int32), I()),
    case("bitwise_and_fn", lambda L, a, b: L.bitwise_and(a, b), I(6), I(6)),
    case("bitwise_or_method", lambda L, a, b: a.bitwise_or(b), I(6), I(6)),
    case("bitwise_xor_scalar", lambda L, a: L.bitwise_xor(a, 5), I(6)),
    case("mask_combination", lambda L, a: ((a > 0) & ~(a > 1)) | (a == -2), H(10)),
]

ACTIVATION_CASES = [
    # ---- nn.functional pointwise activations ----
    *[case(f"{n}", lambda L, a, n=n: getattr(F(L), n)(a), R(3, 4)) for n in
      ("relu", "gelu", "silu", "softplus", "leaky_relu", "elu", "sigmoid", "tanh")],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(F(L), n)(a), R(5, dtype=np.float64)) for n in
      ("relu", "gelu", "silu", "softplus", "leaky_relu", "elu", "sigmoid", "tanh")],
    *[case(f"{n}_transposed", lambda L, a, n=n: getattr(F(L), n)(a), T(R(4, 3))) for n in
      ("relu", "gelu", "silu", "softplus", "leaky_relu", "elu")],
    *[case(f"{n}_0d", lambda L, a, n=n: getattr(F(L), n)(a), R()) for n in
      ("gelu", "silu", "softplus", "leaky_relu", "elu")],
    *[case(f"{n}_at_zero", lambda L, a, n=n: getattr(F(L), n)(a), arr(0.0, -0.0, 1.0, -1.0))
      for n in ("relu", "gelu", "silu", "softplus", "leaky_relu", "elu")],
    *[case(f"{n}_special", lambda L, a, n=n: getattr(F(L), n)(a),
           arr(NAN, INF, -INF, 100.0, -100.0)) for n in
      ("relu", "silu", "softplus", "leaky_relu", "elu")],
    # torch's vectorized float32 gelu(+inf) is NaN (its scalar and float64 paths give inf,
    # as we do), so +inf is left out here
    case("gelu_special", lambda L, a: F(L).gelu(a), arr(NAN, -INF, 100.0, -100.0, 1e30)),
    *[case(f"{n}_empty", lambda L, a, n=n: getattr(F(L), n)(a), R(0, 2)) for n in
      ("gelu", "silu", "softplus", "leaky_relu", "elu")],
    case("gelu_tanh", lambda L, a: F(L).gelu(a, approximate="tanh"), R(3, 4, low=-5, high=5)),
    case("gelu_tanh_float64", lambda L, a: F(L).gelu(a, approximate="tanh"),
         R(6, dtype=np.float64, low=-5, high=5)),
    case("gelu_none_kw", lambda L, a: F(L).gelu(a, approximate="none"), R(4, low=-5, high=5)),
    case("gelu_wide", lambda L, a: F(L).gelu(a), R(20, low=-8, high=8)),
    case("softplus_beta", lambda L, a: F(L).softplus(a, beta=2), R(3, 4)),
    case("softplus_threshold", lambda L, a: F(L).softplus(a, beta=2, threshold=1),
         arr(0.25, 0.5, 0.75, 1.0, -3.0)),
    case("softplus_positional", lambda L, a: F(L).softplus(a, 0.5, 3), R(6, low=-10, high=10)),
    case("softplus_negative_beta", lambda L, a: F(L).softplus(a, beta=-1), R(6)),
    case("softplus_large", lambda L, a: F(L).softplus(a), arr(19.0, 20.0, 21.0, 50.0, -50.0)),
    case("leaky_relu_slope", lambda L, a: F(L).leaky_relu(a, 0.2), H(8)),
    case("leaky_relu_slope_kw", lambda L, a: F(L).leaky_relu(a, negative_slope=-0.5), H(8)),
    case("leaky_relu_int_slope", lambda L, a: F(L).leaky_relu(a, 1), R(5)),
    case("elu_alpha", lambda L, a: F(L).elu(a, alpha=0.5), H(8)),
    case("elu_alpha_negative", lambda L, a: F(L).elu(a, -1.0), R(6)),
    case("relu_inplace_false", lambda L, a: F(L).relu(a, inplace=False), R(5)),
    case("relu_int", lambda L, a: F(L).relu(a), I(6)),
    case("sigmoid_int", lambda L, a: F(L).sigmoid(a), I(6)),
    case("tanh_int", lambda L, a: F(L).tanh(a), I(6)),
    # ---- the hard activations (MobileNet's) and the compositions over others ----
    *[case(f"{n}", lambda L, a, n=n: getattr(F(L), n)(a), R(4, 5, low=-5, high=8)) for n in
      ("hardtanh", "relu6", "hardsigmoid", "hardswish", "softsign", "tanhshrink")],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(F(L), n)(a), R(6, dtype=np.float64, low=-5,
                                                                  high=8))
      for n in ("hardtanh", "relu6", "hardsigmoid", "hardswish")],
    *[case(f"{n}_kinks", lambda L, a, n=n: getattr(F(L), n)(a),
           arr(NAN, INF, -INF, -3.0, 3.0, -1.0, 1.0, 0.0, -0.0, 6.0)) for n in
      ("hardtanh", "relu6", "hardsigmoid", "hardswish")],
    *[case(f"{n}_transposed", lambda L, a, n=n: getattr(F(L), n)(a), T(R(4, 3, low=-5, high=8)))
      for n in ("hardtanh", "hardsigmoid", "hardswish")],
    case("hardtanh_limits", lambda L, a: F(L).hardtanh(a, -0.5, 2), R(8)),
    case("hardtanh_limits_kw", lambda L, a: F(L).hardtanh(a, min_val=0.25, max_val=0.5), R(8)),
    case("hardtanh_int", lambda L, a: F(L).hardtanh(a), I(8)),
    case("hardtanh_int_fractional_limits", lambda L, a: F(L).hardtanh(a, 0.5, 2.5),
         I(8, dtype=np.int32)),
    case("relu6_int", lambda L, a: F(L).relu6(a * 3), I(8)),
    case("hardtanh_inplace", lambda L, a: F(L).hardtanh(a * 1, inplace=True), R(6)),
    case("relu6_inplace", lambda L, a: F(L).relu6(a * 4, inplace=True), R(6)),
    case("hardsigmoid_inplace", lambda L, a: F(L).hardsigmoid(a * 4, inplace=True), R(6)),
    case("hardswish_inplace", lambda L, a: F(L).hardswish(a * 4, inplace=True), R(6)),
    # ---- log-sigmoid and the shrinks ----
    *[case(f"{n}", lambda L, a, n=n: getattr(F(L), n)(a), R(4, 5, low=-5, high=8)) for n in
      ("logsigmoid", "softshrink", "hardshrink")],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(F(L), n)(a), R(6, dtype=np.float64, low=-5,
                                                                  high=8))
      for n in ("logsigmoid", "softshrink", "hardshrink")],
    *[case(f"{n}_kinks", lambda L, a, n=n: getattr(F(L), n)(a),
           arr(NAN, INF, -INF, -0.5, 0.5, -1.0, 1.0, 0.0, -0.0, 40.0, -40.0, -120.0)) for n in
      ("logsigmoid", "softshrink", "hardshrink")],
    *[case(f"{n}_transposed", lambda L, a, n=n: getattr(F(L), n)(a), T(R(4, 3, low=-5, high=8)))
      for n in ("logsigmoid", "softshrink", "hardshrink")],
    case("softshrink_lambd", lambda L, a: F(L).softshrink(a, 1.25), R(8)),
    case("softshrink_lambd_zero", lambda L, a: F(L).softshrink(a, 0), R(8)),
    case("hardshrink_lambd", lambda L, a: F(L).hardshrink(a, lambd=0.1), R(8)),
    case("hardshrink_negative_lambd", lambda L, a: F(L).hardshrink(a, -1.0), R(8)),
    case("softmin", lambda L, a: F(L).softmin(a, 1), R(3, 4)),
    case("softmin_dtype", lambda L, a: F(L).softmin(a, 0, dtype=L.float64), R(3, 4)),
    case("activation_chain", lambda L, a: F(L).gelu(F(L).silu(a) * 2).softmax(0).log(), R(6)),
    # ---- softmax / log_softmax ----
    *[case(f"{n}_dim{d}", lambda L, a, n=n, d=d: getattr(F(L), n)(a, dim=d), R(2, 3, 4))
      for n in ("softmax", "log_softmax") for d in (0, 1, 2, -1, -3)],
    *[case(f"{n}_transposed_dim{d}", lambda L, a, n=n, d=d: getattr(F(L), n)(a, d), T(R(4, 3)))
      for n in ("softmax", "log_softmax") for d in (0, 1)],
    *[case(f"{n}_strided", lambda L, a, n=n: getattr(F(L), n)(a, 1), R(4, 10)[::2, 1::3])
      for n in ("softmax", "log_softmax")],
    *[case(f"{n}_float64", lambda L, a, n=n: getattr(F(L), n)(a, 0), R(3, 5, dtype=np.float64))
      for n in ("softmax", "log_softmax")],
    *[case(f"{n}_dtype", lambda L, a, n=n: getattr(F(L), n)(a, 1, dtype=L.float64), R(3, 5))
      for n in ("softmax", "log_softmax")],
    *[case(f"{n}_int_dtype", lambda L, a, n=n: getattr(F(L), n)(a, 0, dtype=L.float32), I(5))
      for n in ("softmax", "log_softmax")],
    *[case(f"{n}_0d", lambda L, a, n=n: getattr(F(L), n)(a, 0), R()) for n in
      ("softmax", "log_softmax")],
    *[case(f"{n}_0d_neg_dim", lambda L, a, n=n: getattr(F(L), n)(a, -1), R()) for n in
      ("softmax", "log_softmax")],
    *[case(f"{n}_size1", lambda L, a, n=n: getattr(F(L), n)(a, 1), R(3, 1)) for n in
      ("softmax", "log_softmax")],
    *[case(f"{n}_empty", lambda L, a, n=n: getattr(F(L), n)(a, 0), R(0, 3)) for n in
      ("softmax", "log_softmax")],
    *[case(f"{n}_large", lambda L, a, n=n: getattr(F(L), n)(a, -1),
           arr(1000.0, 1001.0, -1000.0, 999.0)) for n in ("softmax", "log_softmax")],
    *[case(f"{n}_neg_inf", lambda L, a, n=n: getattr(F(L), n)(a, -1),
           arr(-INF, 0.0, 1.0, -INF), grad=False) for n in ("softmax", "log_softmax")],
    *[case(f"{n}_all_neg_inf", lambda L, a, n=n: getattr(F(L), n)(a, 1),
           np.array([[-INF, -INF], [INF, 1.0], [NAN, 1.0]], np.float32), grad=False)
      for n in ("softmax", "log_softmax")],
    *[case(f"{n}_method", lambda L, a, n=n: getattr(a, n)(1), R(3, 4)) for n in
      ("softmax", "log_softmax")],
    *[case(f"{n}_method_dtype", lambda L, a, n=n: getattr(a, n)(0, dtype=L.float64), R(3, 4))
      for n in ("softmax", "log_softmax")],
    *[case(f"torch_{n}", lambda L, a, n=n: getattr(L, n)(a, -1), R(3, 4)) for n in
      ("softmax", "log_softmax")],
    case("softmax_long_row", lambda L, a: F(L).softmax(a, -1), R(3, 1000, low=-20, high=20)),
    case("log_softmax_long_column", lambda L, a: F(L).log_softmax(a, 0), R(500, 3)),
    case("softmax_then_log", lambda L, a: F(L).softmax(a, 1).log() - F(L).log_softmax(a, 1),
         R(3, 4)),
]


@pytest.mark.parametrize("fn,inputs,grad", UNARY_CASES)
def test_unary(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("fn,inputs,grad", BINARY_CASES)
def test_binary(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("fn,inputs,grad", NONDIFF_CASES)
def test_predicates_logical_bitwise(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("fn,inputs,grad", ACTIVATION_CASES)
def test_activation(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


# A float64 input whose gradient is computed in float32 (as torch computes it) can only
# agree to float32 precision: compare these at float32 tolerances.
FLOAT32_COMPUTED = [
    *[case(f"{n}_dtype_down", lambda L, a, n=n: getattr(F(L), n)(a, 1, dtype=L.float32),
           R(3, 5, dtype=np.float64)) for n in ("softmax", "log_softmax")],
    case("lerp_0d_weight_float64_summed", lambda L, a, b, w: L.lerp(a, b, w), R(4), R(4),
         R(dtype=np.float64)),
    case("clamp_0d_float64_bound_summed", lambda L, a, lo: a.clamp(lo), H(5), R(dtype=np.float64)),
]


@pytest.mark.parametrize("fn,inputs,grad", FLOAT32_COMPUTED)
def test_float32_computed_grads(fn, inputs, grad, monkeypatch):
    import parity
    monkeypatch.setattr(parity, "tolerances", lambda *tensors: (3e-5, 1e-5))
    check(fn, *inputs, grad=grad)


# ---- signed zeros: assert_allclose can't see the sign ----

@pytest.mark.parametrize("fn", [
    lambda L, t: t.round(), lambda L, t: t.floor(), lambda L, t: t.ceil(),
    lambda L, t: t.trunc(), lambda L, t: t.frac(), lambda L, t: t % 2.0,
    lambda L, t: t % -2.0, lambda L, t: L.fmod(t, 2.0), lambda L, t: t // 3.0,
    lambda L, t: L.maximum(t, -t), lambda L, t: L.minimum(t, -t), lambda L, t: t.clamp(0.0, 1.0),
    lambda L, t: t.clamp(-0.0, 0.0), lambda L, t: L.atan2(t, -t), lambda L, t: t.expm1(),
    lambda L, t: t.round(decimals=1), lambda L, t: L.nn.functional.leaky_relu(t, -0.5),
    lambda L, t: L.nn.functional.elu(t), lambda L, t: L.nn.functional.gelu(t),
], ids=lambda f: "")
def test_signed_zero_results(fn):
    x = np.array([-0.0, 0.0, -4.0, 4.0, -0.25, 0.25, -1.5], np.float32)
    c = np.signbit(fn(cgrad, cgrad.tensor(x)).numpy())
    t = np.signbit(fn(torch, torch.tensor(x)).numpy())
    # torch's vector loop and its element-by-element one (taken for strided input) can
    # disagree on a zero's sign: on AVX2, gelu(-0.0) is +0.0 in the first, -0.0 in the
    # second. cgrad's result does not depend on the layout; it must be one of torch's.
    t_strided = np.signbit(fn(torch, torch.tensor(np.repeat(x, 2))[::2]).numpy())
    np.testing.assert_array_equal(np.where(c == t_strided, t, c), t)


# ---- ops without a derivative record torch's NotImplemented node ----

@pytest.mark.parametrize("fn", [
    lambda L, a: a // 2, lambda L, a: 2 // a, lambda L, a: a // a,
    lambda L, a: L.floor_divide(a, 3), lambda L, a: 2 % a, lambda L, a: L.remainder(3, a),
], ids=["floordiv", "rfloordiv", "floordiv_self", "floor_divide_fn", "rmod", "remainder_fn"])
def test_no_derivative(fn):
    outs = []
    for L in (torch, cgrad):
        a = L.tensor([1.5, -2.5, 3.0], requires_grad=True)
        out = fn(L, a)
        with pytest.raises(RuntimeError) as err:
            out.sum().backward()
        outs.append((out.grad_fn.name(), len(out.grad_fn.next_functions), str(err.value)))
    assert outs[1] == outs[0]


# ---- double backward records torch's nodes (values: test_gradcheck_elementwise.py) ----

@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
def test_double_backward_node_names():
    names = []
    for L in (torch, cgrad):
        row = []
        for f in (lambda t: L.nn.functional.gelu(t), lambda t: L.nn.functional.softplus(t),
                  lambda t: L.nn.functional.leaky_relu(t), lambda t: L.nn.functional.elu(t),
                  lambda t: L.nn.functional.softmax(t, 0),
                  lambda t: L.nn.functional.log_softmax(t, 0)):
            x = L.tensor([-1.0, 0.3, 2.0], requires_grad=True)
            y = f(x)
            y.backward(L.tensor([1.0, 2.0, 3.0]), create_graph=True)
            fn = x.grad.grad_fn
            if fn.name() == "torch::autograd::CopyBackwards":  # torch's leaf accumulation
                fn = fn.next_functions[1][0]
            row.append((fn.name(), [e[0].name() if e[0] is not None else None
                                    for e in fn.next_functions]))
        names.append(row)
    assert names[1] == names[0]


# ---- nn.functional details ----

def test_softmax_implicit_dim_warns():
    for nd, shape in enumerate([(), (3,), (2, 3), (2, 3, 4), (2, 3, 4, 2)]):
        data = R(*shape)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            c = cgrad.nn.functional.softmax(cgrad.tensor(data))
        assert caught and issubclass(caught[0].category, UserWarning)
        assert "Implicit dimension choice for softmax" in str(caught[0].message)
        assert caught[0].filename == __file__  # points at the caller
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = torch.nn.functional.softmax(torch.tensor(data))
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)


def test_softmin_implicit_dim_warns_as_torch():
    for lib in (torch, cgrad):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lib.nn.functional.softmin(lib.zeros(2, 3))
        assert [str(w.message) for w in caught] == [
            "Implicit dimension choice for softmin has been deprecated. Change the call to "
            "include dim=X as an argument."]
        assert caught[0].filename == __file__  # points at the caller


def test_functional_exports():
    for name in ("relu", "gelu", "silu", "softplus", "leaky_relu", "elu", "sigmoid", "tanh",
                 "softmax", "log_softmax", "hardtanh", "relu6", "hardsigmoid", "hardswish",
                 "softsign", "tanhshrink", "softmin", "logsigmoid", "softshrink", "hardshrink"):
        assert callable(getattr(cgrad.nn.functional, name)), name


def test_relu_inplace():
    x = cgrad.tensor([-1.0, 2.0, -3.0])
    y = cgrad.nn.functional.relu(x, inplace=True)
    assert y is x
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0, 0.0])


def test_softmax_rows_sum_to_one_on_large_inputs():
    x = cgrad.tensor(R(64, 257, low=-80, high=80) * 10)
    for d in (0, 1):
        s = cgrad.softmax(x, d).sum(d).numpy()
        np.testing.assert_allclose(s, np.ones_like(s), rtol=1e-5)


# ---- errors: same exception type as torch ----

def same_error(fn):
    try:
        fn(torch)
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            fn(cgrad)
        return type(e)
    raise AssertionError("torch raised nothing")


ERRORS = {
    "floor_bool": lambda L: L.tensor([True]).floor(),
    "ceil_bool": lambda L: L.ceil(L.tensor([True])),
    "round_bool": lambda L: L.tensor([True]).round(),
    "trunc_bool": lambda L: L.tensor([True]).trunc(),
    "round_decimals_int": lambda L: L.tensor([1, 2]).round(decimals=1),
    "round_decimals_positional": lambda L: L.round(L.tensor([1.5]), 1),
    "frac_int": lambda L: L.tensor([1, 2]).frac(),
    "frac_bool": lambda L: L.tensor([True]).frac(),
    "atan2_scalar": lambda L: L.atan2(L.tensor([1.0]), 2),
    "atan2_shapes": lambda L: L.atan2(L.zeros(3), L.zeros(2)),
    "minimum_scalar": lambda L: L.minimum(L.tensor([1.0]), 2),
    "maximum_method_scalar": lambda L: L.tensor([1.0]).maximum(2.0),
    "maximum_shapes": lambda L: L.maximum(L.zeros(2, 3), L.zeros(4)),
    "fmod_bool": lambda L: L.fmod(L.tensor([True]), L.tensor([True])),
    "fmod_scalar_first": lambda L: L.fmod(2, L.tensor([1.0])),
    "fmod_int_by_zero": lambda L: L.fmod(L.tensor([1, 2]), 0),
    "mod_bool": lambda L: L.tensor([True]) % L.tensor([True]),
    "mod_int_by_zero": lambda L: L.tensor([1, 2]) % L.tensor([1, 0]),
    "mod_int32_by_zero_scalar": lambda L: L.tensor([1, 2], dtype=L.int32) % 0,
    "mod_shapes": lambda L: L.zeros(3) % L.zeros(2),
    "floordiv_bool": lambda L: L.tensor([True]) // L.tensor([True]),
    "floordiv_int_by_zero": lambda L: L.tensor([1, 2]) // 0,
    "rfloordiv_int_by_zero": lambda L: 5 // L.tensor([1, 0]),
    "floordiv_string": lambda L: L.tensor([1.0]) // "a",
    "mod_none": lambda L: L.tensor([1.0]) % None,
    "lerp_int": lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), 0.5),
    "lerp_int_tensor_weight": lambda L: L.lerp(L.tensor([1, 2]), L.tensor([1, 2]), L.tensor([1, 2])),
    "lerp_end_dtype": lambda L: L.lerp(L.zeros(2), L.zeros(2, dtype=L.float64), 0.5),
    "lerp_0d_end_dtype": lambda L: L.lerp(L.zeros(2), L.tensor(1.0, dtype=L.float64), 0.5),
    "lerp_weight_dtype": lambda L: L.lerp(L.zeros(2), L.zeros(2), L.zeros(2, dtype=L.float64)),
    "lerp_weight_int": lambda L: L.lerp(L.zeros(2), L.zeros(2), L.tensor([1, 1])),
    "lerp_scalar_end": lambda L: L.lerp(L.zeros(2), 1.0, 0.5),
    "lerp_shapes": lambda L: L.lerp(L.zeros(3), L.zeros(2), 0.5),
    "sub_bool_inplace": lambda L: L.tensor([True]).sub_(L.tensor([True])),
    "sub_int_bool_inplace": lambda L: L.tensor([1, 2]).sub_(L.tensor([True, False])),
    "sub_int_true_inplace": lambda L: L.tensor([1, 2]).sub_(True),
    "isub_float_bool": lambda L: L.tensor([1.0]).__isub__(L.tensor([True])),
    "isub_int_true": lambda L: L.tensor([1, 2]).__isub__(True),
    "sub_bool_alpha": lambda L: L.tensor([True]).sub(L.tensor([True]), alpha=2),
    "clamp_no_bounds": lambda L: L.zeros(2).clamp(),
    "clamp_none_bounds": lambda L: L.clamp(L.zeros(2), None, None),
    "clip_no_bounds": lambda L: L.zeros(2).clip(),
    "clamp_bool_scalar": lambda L: L.tensor([True]).clamp(False, True),
    "clamp_min_bool_scalar": lambda L: L.tensor([True]).clamp_min(True),
    "clamp_max_bool_scalar": lambda L: L.tensor([True]).clamp(max=False),
    "clamp_mixed_1d_tensor": lambda L: L.zeros(3).clamp(0.0, L.ones(3)),
    "clamp_mixed_0d_requires_grad": lambda L: L.zeros(3).clamp(0.0, L.ones((), requires_grad=True)),
    "clamp_bool_tensors": lambda L: L.tensor([True]).clamp(L.tensor([False]), L.tensor([True])),
    "clamp_tensor_shapes": lambda L: L.zeros(3).clamp(L.zeros(2)),
    "clamp_min_none": lambda L: L.zeros(3).clamp_min(None),
    "invert_float": lambda L: ~L.zeros(2),
    "bitwise_not_float": lambda L: L.bitwise_not(L.zeros(2, dtype=L.float64)),
    "and_float": lambda L: L.zeros(2) & L.zeros(2),
    "or_float_scalar": lambda L: L.tensor([1, 2]) | 1.5,
    "xor_bool_float_scalar": lambda L: L.tensor([True]) ^ 2.5,
    "bitwise_and_float": lambda L: L.bitwise_and(L.zeros(2), L.tensor([1, 2])),
    "logical_and_scalar": lambda L: L.logical_and(L.zeros(2), 1),
    "logical_or_method_scalar": lambda L: L.zeros(2).logical_or(True),
    "logical_xor_shapes": lambda L: L.logical_xor(L.zeros(2), L.zeros(3)),
    "gelu_int": lambda L: L.nn.functional.gelu(L.tensor([1, 2])),
    "gelu_bool": lambda L: L.nn.functional.gelu(L.tensor([True])),
    "gelu_bad_approximate": lambda L: L.nn.functional.gelu(L.zeros(2), approximate="Tanh"),
    "silu_int": lambda L: L.nn.functional.silu(L.tensor([1, 2])),
    "softplus_int": lambda L: L.nn.functional.softplus(L.tensor([1, 2])),
    "leaky_relu_int": lambda L: L.nn.functional.leaky_relu(L.tensor([1, 2], dtype=L.int32)),
    "elu_int": lambda L: L.nn.functional.elu(L.tensor([1, 2])),
    "elu_bad_alpha": lambda L: L.nn.functional.elu(L.zeros(2), "a"),
    "relu_bool": lambda L: L.nn.functional.relu(L.tensor([True])),
    "hardtanh_bool": lambda L: L.nn.functional.hardtanh(L.tensor([True])),
    "relu6_bool": lambda L: L.nn.functional.relu6(L.tensor([True])),
    "hardtanh_uint8_negative_limit": lambda L: L.nn.functional.hardtanh(
        L.tensor([1, 2], dtype=L.uint8)),
    "hardsigmoid_int": lambda L: L.nn.functional.hardsigmoid(L.tensor([1, 2])),
    "hardswish_bool": lambda L: L.nn.functional.hardswish(L.tensor([True])),
    "logsigmoid_int": lambda L: L.nn.functional.logsigmoid(L.tensor([1, 2])),
    "softshrink_bool": lambda L: L.nn.functional.softshrink(L.tensor([True])),
    "softshrink_int_before_lambd": lambda L: L.nn.functional.softshrink(L.tensor([1]), -1.0),
    "softshrink_negative_lambd": lambda L: L.nn.functional.softshrink(L.zeros(2), -0.5),
    "softshrink_negative_lambd_f64": lambda L: L.nn.functional.softshrink(
        L.zeros(2, dtype=L.float64), -2.0),
    "softshrink_lambd_past_float": lambda L: L.nn.functional.softshrink(L.zeros(2), 1e39),
    "softshrink_nan_lambd": lambda L: L.nn.functional.softshrink(L.zeros(2), float("nan")),
    "hardshrink_int": lambda L: L.nn.functional.hardshrink(L.tensor([1, 2])),
    "hardtanh_inplace_leaf": lambda L: L.nn.functional.hardtanh(L.zeros(2, requires_grad=True),
                                                                inplace=True),
    "relu_inplace_leaf": lambda L: L.nn.functional.relu(L.zeros(2, requires_grad=True),
                                                        inplace=True),
    "softmax_int": lambda L: L.nn.functional.softmax(L.tensor([[1, 2]]), 1),
    "softmax_int_dim0": lambda L: L.nn.functional.softmax(L.tensor([[1, 2]]), 0),
    "log_softmax_int": lambda L: L.nn.functional.log_softmax(L.tensor([1, 2]), 0),
    "softmax_bool": lambda L: L.softmax(L.tensor([True]), 0),
    "softmax_int_dtype": lambda L: L.nn.functional.softmax(L.zeros(2), 0, dtype=L.int64),
    "softmax_dim_range": lambda L: L.nn.functional.softmax(L.zeros(2, 3), 2),
    "softmax_0d_dim_range": lambda L: L.softmax(L.tensor(1.0), 1),
    "log_softmax_dim_range": lambda L: L.zeros(2).log_softmax(-2),
    "softmax_dim_tuple": lambda L: L.nn.functional.softmax(L.zeros(2, 3), dim=(0,)),
    "softmax_dim_float": lambda L: L.nn.functional.softmax(L.zeros(2, 3), 1.5),
    "softmax_method_no_dim": lambda L: L.zeros(2).softmax(),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_error_type(name):
    same_error(ERRORS[name])


def test_error_messages_name_the_op():
    cases = {
        "floor_vml_cpu": lambda: cgrad.tensor([True]).floor(),
        "div_floor_cpu": lambda: cgrad.tensor([True]) // cgrad.tensor([True]),
        "ZeroDivisionError": lambda: cgrad.tensor([1]) % 0,
        "expected dtype float for `end` but got dtype double":
            lambda: cgrad.lerp(cgrad.zeros(2), cgrad.zeros(2, dtype=cgrad.float64), 0.5),
        "At least one of 'min' or 'max'": lambda: cgrad.zeros(2).clamp(),
        "GeluKernelImpl": lambda: cgrad.nn.functional.gelu(cgrad.tensor([1])),
        "softmax_lastdim_kernel_impl": lambda: cgrad.softmax(cgrad.tensor([1]), 0),
        "size of tensor a (3) must match the size of tensor b (2)":
            lambda: cgrad.atan2(cgrad.zeros(3), cgrad.zeros(2)),
        "~ (operator.invert)": lambda: ~cgrad.zeros(2),
        "minimum(): argument 'other'": lambda: cgrad.minimum(cgrad.zeros(2), 1),
    }
    for text, fn in cases.items():
        with pytest.raises(Exception, match=None) as err:
            fn()
        assert text in str(err.value), (text, str(err.value))


# ---- type promotion across every dtype pair, rank and scalar kind ----

DTYPES = ["bool", "int32", "int64", "float32", "float64"]
SCALARS = [True, 3, 2.5, -2]
PROMOTING = {
    "atan2": lambda L, a, b: L.atan2(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "maximum": lambda L, a, b: L.maximum(a, b),
    "fmod": lambda L, a, b: L.fmod(a, b),
    "remainder": lambda L, a, b: a % b,
    "floor_divide": lambda L, a, b: a // b,
    "bitwise_and": lambda L, a, b: a & b,
    "bitwise_or": lambda L, a, b: a | b,
    "bitwise_xor": lambda L, a, b: a ^ b,
    "logical_and": lambda L, a, b: L.logical_and(a, b),
    "logical_xor": lambda L, a, b: L.logical_xor(a, b),
    "clamp_tensor_min": lambda L, a, b: a.clamp(b),
    "clamp_tensor_max": lambda L, a, b: a.clamp(max=b),
    "clamp_min": lambda L, a, b: a.clamp_min(b),
    "clamp_max": lambda L, a, b: a.clamp_max(b),
    "lerp": lambda L, a, b: L.lerp(a, b, 0.5),
}
WITH_SCALARS = ["fmod", "remainder", "floor_divide", "bitwise_and", "bitwise_or", "bitwise_xor",
                "clamp_min", "clamp_max"]


def promo_tensor(lib, dtype, zero_dim):
    data = 1 if zero_dim else [1, 2]
    return lib.tensor(data, dtype=getattr(lib, dtype))


def same_outcome(op, make_args):
    """The same result dtype and values, or the same exception type."""
    try:
        t_out = op(torch, *make_args(torch))
    except Exception as e:  # noqa: BLE001
        with pytest.raises(type(e)):
            op(cgrad, *make_args(cgrad))
        return
    c_out = op(cgrad, *make_args(cgrad))
    assert lib_dtype_name(c_out.dtype) == lib_dtype_name(t_out.dtype)
    np.testing.assert_allclose(c_out.numpy(), t_out.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", list(PROMOTING), ids=list(PROMOTING))
@pytest.mark.parametrize("ranks", ["nd_nd", "0d_nd", "nd_0d"])
@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
def test_promotion_tensor_tensor(op, ranks, da, db):
    za, zb = ranks[0] == "0", ranks[3] == "0"
    same_outcome(PROMOTING[op], lambda L: (promo_tensor(L, da, za), promo_tensor(L, db, zb)))


@pytest.mark.parametrize("op", WITH_SCALARS)
@pytest.mark.parametrize("zero_dim", [False, True], ids=["nd", "0d"])
@pytest.mark.parametrize("scalar", SCALARS, ids=["bool", "int", "float", "neg_int"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_promotion_tensor_scalar(op, zero_dim, scalar, dtype):
    f = PROMOTING[op]
    same_outcome(f, lambda L: (promo_tensor(L, dtype, zero_dim), scalar))


@pytest.mark.parametrize("op", ["remainder", "floor_divide", "bitwise_and", "bitwise_xor"])
@pytest.mark.parametrize("scalar", SCALARS, ids=["bool", "int", "float", "neg_int"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_promotion_scalar_tensor(op, scalar, dtype):
    f = PROMOTING[op]
    same_outcome(f, lambda L: (scalar, promo_tensor(L, dtype, False)))


@pytest.mark.parametrize("scalars", [(0, 3), (0.5, 3), (0, 2.5), (True, 1), (None, 2.5),
                                     (-1, None)], ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_promotion_clamp_scalars(scalars, dtype):
    same_outcome(lambda L, a: a.clamp(*scalars), lambda L: (promo_tensor(L, dtype, False),))


@pytest.mark.parametrize("da,db,dc", [d for d in itertools.product(DTYPES, repeat=3)
                                      if "float64" in d or "bool" in d or d[1] != d[2]][::3])
def test_promotion_clamp_three_tensors(da, db, dc):
    same_outcome(lambda L, a, lo, hi: a.clamp(lo, hi),
                 lambda L: (promo_tensor(L, da, False), promo_tensor(L, db, True),
                            promo_tensor(L, dc, False)))


# ---- recorded edges: next_functions match torch's (scalar overloads have fewer) ----

EDGES = {
    "fmod_scalar": lambda L, a, b, c: L.fmod(a, 2),
    "fmod_tensor": lambda L, a, b, c: L.fmod(a, b),
    "remainder_scalar": lambda L, a, b, c: a % 2,
    "remainder_tensor": lambda L, a, b, c: a % b,
    "lerp_scalar": lambda L, a, b, c: L.lerp(a, b, 0.5),
    "lerp_tensor": lambda L, a, b, c: L.lerp(a, b, c),
    "lerp_const_weight": lambda L, a, b, c: L.lerp(a, b, c.detach()),
    "clamp_scalar": lambda L, a, b, c: a.clamp(0, 1),
    "clamp_tensor_min": lambda L, a, b, c: a.clamp(b),
    "clamp_tensor_max": lambda L, a, b, c: a.clamp(max=c),
    "clamp_tensor_both": lambda L, a, b, c: a.clamp(b.detach(), c),
    "clamp_min_scalar": lambda L, a, b, c: a.clamp_min(0),
    "clamp_min_tensor": lambda L, a, b, c: a.clamp_min(b),
    "clamp_max_tensor": lambda L, a, b, c: a.clamp_max(c),
    "maximum": lambda L, a, b, c: L.maximum(a, b.detach()),
    "atan2": lambda L, a, b, c: L.atan2(a.detach(), b),
    "softmax_dtype": lambda L, a, b, c: L.softmax(a, 0, dtype=L.float64),
    "gelu": lambda L, a, b, c: L.nn.functional.gelu(a * 2),
    "rsub_scalar": lambda L, a, b, c: 2 - a,
    "rsub_tensor": lambda L, a, b, c: L.tensor(2.0) - a,
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_next_functions(name):
    edges = []
    for L in (torch, cgrad):
        a, b, c = (L.tensor([0.5, -1.5, 2.0], requires_grad=True) for _ in range(3))
        fn = EDGES[name](L, a, b, c).grad_fn
        edges.append((fn.name(), [e[0].name() if e[0] is not None else None
                                  for e in fn.next_functions]))
    assert edges[1] == edges[0]


def test_inplace_activations_without_graph():
    # leaky_relu_/elu_ write in place when no graph is recorded (Note [Functional
    # inplace=True]); with one, they record torch's node, which saves the result (Note
    # [In-place activations save the result]; tests/test_inplace_activations.py).
    for name, kwargs in (("leaky_relu", {"negative_slope": 0.5}), ("elu", {"alpha": 0.5})):
        data = np.array([-1.0, 2.0, -3.0], np.float32)
        c, t = cgrad.tensor(data), torch.tensor(data)
        out_c = getattr(cgrad.nn.functional, name)(c, inplace=True, **kwargs)
        getattr(torch.nn.functional, name)(t, inplace=True, **kwargs)
        assert out_c is c
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)
        x = cgrad.tensor(data, requires_grad=True) * 1
        xt = torch.tensor(data, requires_grad=True) * 1
        got = getattr(cgrad.nn.functional, name)(x, inplace=True, **kwargs).grad_fn
        expected = getattr(torch.nn.functional, name)(xt, inplace=True, **kwargs).grad_fn
        assert type(got).__name__ == type(expected).__name__
        with cgrad.no_grad():
            getattr(cgrad.nn.functional, name)(x, inplace=True, **kwargs)


@pytest.mark.parametrize("fn", [
    lambda L, a: a.clamp(-0.0, 1.0), lambda L, a: a.clamp(0.0, 1.0), lambda L, a: a.clamp(min=0.0),
    lambda L, a: L.maximum(a, a.flip(0)), lambda L, a: L.minimum(a, a.roll(3)),
    lambda L, a: a.clamp(a.roll(5), a.roll(11)),
])
def test_vectorised_min_max_keep_signed_zeros_and_nan_as_torch(fn):
    """The vector loops (max_nan/min_nan as selects) return torch's zero on ties, bit for bit."""
    got = fn(cgrad, cgrad.tensor(SPECIALS)).numpy()
    want = fn(torch, torch.tensor(SPECIALS)).numpy()
    assert np.array_equal(np.isnan(got), np.isnan(want))
    assert np.array_equal(np.signbit(got[~np.isnan(got)]), np.signbit(want[~np.isnan(want)]))
    np.testing.assert_array_equal(got, want)
