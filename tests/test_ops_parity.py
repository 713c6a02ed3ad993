"""Foundation ops against PyTorch, one line per case.

Each case is `fn(lib, *inputs)` run once with torch and once with cgrad on the same
numpy data; `check` compares values, dtypes, grad_fn names and the gradients of every
input that requires grad after backward with a random upstream gradient.
"""
import itertools

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import B, H, I, INF, P, R, T, case, check, lib_dtype_name  # noqa: E402

CASES = [
    # ---- arithmetic, tensor (op) tensor ----
    case("add", lambda L, a, b: a + b, R(3, 4), R(3, 4)),
    case("sub", lambda L, a, b: a - b, R(3, 4), R(3, 4)),
    case("mul", lambda L, a, b: a * b, R(3, 4), R(3, 4)),
    case("div", lambda L, a, b: a / b, R(3, 4), P(3, 4)),
    case("pow", lambda L, a, b: a ** b, P(3, 4), R(3, 4)),
    case("neg", lambda L, a: -a, R(3, 4)),
    case("neg_method", lambda L, a: a.neg(), R(3, 4)),
    case("neg_fn", lambda L, a: L.neg(a), R(5)),
    case("reciprocal", lambda L, a: a.reciprocal(), P(5)),
    case("add_method", lambda L, a, b: a.add(b), R(3), R(3)),
    case("sub_method", lambda L, a, b: a.sub(b), R(3), R(3)),
    case("mul_method", lambda L, a, b: a.mul(b), R(3), R(3)),
    case("div_method", lambda L, a, b: a.div(b), R(3), P(3)),
    case("pow_method", lambda L, a, b: a.pow(b), P(3), R(3)),
    case("add_fn", lambda L, a, b: L.add(a, b), R(3), R(3)),
    case("sub_fn", lambda L, a, b: L.sub(a, b), R(3), R(3)),
    case("mul_fn", lambda L, a, b: L.mul(a, b), R(3), R(3)),
    case("div_fn", lambda L, a, b: L.div(a, b), R(3), P(3)),
    case("pow_fn", lambda L, a, b: L.pow(a, b), P(3), R(3)),
    case("pow_zero_base", lambda L, a, b: a ** b, np.zeros(4, np.float32),
         np.array([-1, 0, 0.5, 2], np.float32)),
    case("chain", lambda L, a, b: (a * b + a / b - b ** 2).sum(), R(2, 3), P(2, 3)),
    case("same_input_twice", lambda L, a: a * a + a, R(4)),
    # ---- arithmetic with Python scalars, both orders ----
    case("add_int", lambda L, a: a + 2, R(3, 4)),
    case("radd_int", lambda L, a: 2 + a, R(3, 4)),
    case("add_float", lambda L, a: a + 2.5, R(3, 4)),
    case("radd_float", lambda L, a: 2.5 + a, R(3, 4)),
    case("add_bool", lambda L, a: a + True, R(3, 4)),
    case("radd_bool", lambda L, a: False + a, R(3, 4)),
    case("sub_int", lambda L, a: a - 2, R(3, 4)),
    case("rsub_int", lambda L, a: 2 - a, R(3, 4)),
    case("rsub_float", lambda L, a: 2.5 - a, R(3, 4)),
    case("mul_int", lambda L, a: a * 3, R(3, 4)),
    case("rmul_int", lambda L, a: 3 * a, R(3, 4)),
    case("mul_float", lambda L, a: a * -0.5, R(3, 4)),
    case("rmul_bool", lambda L, a: True * a, R(3, 4)),
    case("div_int", lambda L, a: a / 2, R(3, 4)),
    case("div_float", lambda L, a: a / 0.25, R(3, 4)),
    case("rdiv_int", lambda L, a: 2 / a, P(3, 4)),
    case("rdiv_float", lambda L, a: -1.5 / a, P(3, 4)),
    case("pow_int", lambda L, a: a ** 2, R(3, 4)),
    case("pow_float", lambda L, a: a ** 0.5, P(3, 4)),
    case("pow_neg_int", lambda L, a: a ** -1, P(3, 4)),
    case("pow_zero", lambda L, a: a ** 0, R(3, 4)),
    case("pow_one", lambda L, a: a ** 1, R(3, 4)),
    case("rpow_int", lambda L, a: 2 ** a, R(3, 4)),
    case("rpow_float", lambda L, a: 0.5 ** a, R(3, 4)),
    case("rpow_zero", lambda L, a: 0 ** a, np.array([-1, 0, 0.5, 2], np.float32)),
    # numpy scalars on either side (torch's __array_priority__ makes numpy defer)
    case("radd_numpy_float32", lambda L, a: np.float32(2) + a, R(3, 4)),
    case("rsub_numpy_float64", lambda L, a: np.float64(2) - a, R(3, 4)),
    case("rmul_numpy_int64", lambda L, a: np.int64(3) * a, R(3, 4)),
    case("rdiv_numpy_float32", lambda L, a: np.float32(2) / a, P(3, 4)),
    case("sub_numpy_float32", lambda L, a: a - np.float32(0.5), R(3, 4)),
    # the dunder methods called by name agree with the operators (Note [Operator slots])
    case("dunder_add", lambda L, a: a.__add__(2), R(3)),
    case("dunder_rsub", lambda L, a: a.__rsub__(2), R(3)),
    case("dunder_rtruediv", lambda L, a: a.__rtruediv__(2), P(3)),
    case("dunder_rmul", lambda L, a: a.__rmul__(a), R(3)),
    case("add_scalar_method", lambda L, a: a.add(2), R(3)),
    case("sub_scalar_method", lambda L, a: a.sub(1.5), R(3)),
    case("mul_scalar_method", lambda L, a: a.mul(2), R(3)),
    case("div_scalar_method", lambda L, a: a.div(4), R(3)),
    case("pow_scalar_method", lambda L, a: a.pow(3), R(3)),
    case("pow_fn_scalar_base", lambda L, a: L.pow(2, a), R(3)),
    case("mul_fn_scalar", lambda L, a: L.mul(a, 2.5), R(3)),
    # ---- broadcasting ----
    case("add_bcast_col_row", lambda L, a, b: a + b, R(3, 1), R(1, 4)),
    case("sub_bcast_col_row", lambda L, a, b: a - b, R(3, 1), R(1, 4)),
    case("mul_bcast_col_row", lambda L, a, b: a * b, R(3, 1), R(1, 4)),
    case("div_bcast_col_row", lambda L, a, b: a / b, R(3, 1), P(1, 4)),
    case("pow_bcast_col_row", lambda L, a, b: a ** b, P(3, 1), R(1, 4)),
    case("add_bcast_trailing", lambda L, a, b: a + b, R(2, 3, 4), R(4)),
    case("mul_bcast_trailing", lambda L, a, b: a * b, R(4), R(2, 3, 4)),
    case("div_bcast_middle", lambda L, a, b: a / b, R(2, 3, 4), P(3, 1)),
    case("sub_bcast_rank", lambda L, a, b: a - b, R(2, 1, 4), R(3, 1)),
    case("add_0d_nd", lambda L, a, b: a + b, R(), R(2, 3)),
    case("mul_nd_0d", lambda L, a, b: a * b, R(2, 3), R()),
    case("div_0d_nd", lambda L, a, b: a / b, R(), P(2, 3)),
    case("pow_nd_0d", lambda L, a, b: a ** b, P(2, 3), R()),
    case("add_0d_0d", lambda L, a, b: a + b, R(), R()),
    case("mul_size1", lambda L, a, b: a * b, R(1), R(3, 4)),
    case("add_empty", lambda L, a, b: a + b, R(0, 3), R(3)),
    # ---- non-contiguous inputs ----
    case("add_transposed", lambda L, a, b: a + b, T(R(4, 3)), R(3, 4)),
    case("mul_both_transposed", lambda L, a, b: a * b, T(R(4, 3)), T(R(4, 3))),
    case("div_strided", lambda L, a, b: a / b, R(6, 8)[::2, ::3], P(3, 3)),
    case("sub_strided_bcast", lambda L, a, b: a - b, R(4, 6)[:, ::2], R(8)[::2, None]),
    case("pow_transposed_scalar", lambda L, a: a ** 2, T(R(3, 5))),
    case("neg_strided", lambda L, a: -a, R(10)[1::3]),
    case("exp_transposed", lambda L, a: a.exp(), T(R(2, 3, 4))),
    case("sum_transposed", lambda L, a: a.sum(0), T(R(3, 5))),
    case("mean_strided", lambda L, a: a.mean(1), R(4, 9)[::2, ::2]),
    case("norm_transposed", lambda L, a: a.norm(dim=1), T(R(3, 4))),
    case("compare_transposed", lambda L, a, b: a < b, T(H(3, 4)), H(4, 3)),
    # ---- comparisons: operators, methods, functions; bool results ----
    case("eq", lambda L, a, b: a == b, H(3, 4), H(3, 4)),
    case("ne", lambda L, a, b: a != b, H(3, 4), H(3, 4)),
    case("lt", lambda L, a, b: a < b, H(3, 4), H(3, 4)),
    case("le", lambda L, a, b: a <= b, H(3, 4), H(3, 4)),
    case("gt", lambda L, a, b: a > b, H(3, 4), H(3, 4)),
    case("ge", lambda L, a, b: a >= b, H(3, 4), H(3, 4)),
    case("eq_method", lambda L, a, b: a.eq(b), H(5), H(5)),
    case("ne_method", lambda L, a, b: a.ne(b), H(5), H(5)),
    case("lt_method", lambda L, a, b: a.lt(b), H(5), H(5)),
    case("le_method", lambda L, a, b: a.le(b), H(5), H(5)),
    case("gt_method", lambda L, a, b: a.gt(b), H(5), H(5)),
    case("ge_method", lambda L, a, b: a.ge(b), H(5), H(5)),
    case("eq_fn", lambda L, a, b: L.eq(a, b), H(5), H(5)),
    case("lt_fn", lambda L, a, b: L.lt(a, b), H(5), H(5)),
    case("ge_fn", lambda L, a, b: L.ge(a, b), H(5), H(5)),
    case("eq_scalar", lambda L, a: a == 1, H(3, 4)),
    case("lt_scalar_float", lambda L, a: a < 0.5, H(3, 4)),
    case("ge_scalar_method", lambda L, a: a.ge(0), H(3, 4)),
    case("reflected_gt", lambda L, a: 0 > a, H(3, 4)),
    case("reflected_le", lambda L, a: 1.5 <= a, H(3, 4)),
    case("compare_bcast", lambda L, a, b: a > b, H(3, 1), H(1, 4)),
    case("compare_int_float", lambda L, a, b: a <= b, I(6, low=-2, high=3), H(6)),
    case("compare_int_int32", lambda L, a, b: a == b, I(6, low=-2, high=3),
         I(6, dtype=np.int32, low=-2, high=3)),
    case("compare_bool", lambda L, a, b: a < b, B(6), B(6)),
    case("compare_bool_int", lambda L, a: a == 1, B(6)),
    case("compare_0d", lambda L, a, b: a != b, H(), H(4)),
    case("compare_nan", lambda L, a, b: a == b, np.array([np.nan, 1.0], np.float32),
         np.array([np.nan, 1.0], np.float32)),
    # ---- integer and bool arithmetic, integer division ----
    case("int_add", lambda L, a, b: a + b, I(3, 4), I(3, 4)),
    case("int_sub", lambda L, a, b: a - b, I(3, 4), I(3, 4)),
    case("int_mul", lambda L, a, b: a * b, I(3, 4), I(3, 4)),
    case("int_div", lambda L, a, b: a / b, I(3, 4), I(3, 4, low=1)),
    case("int_div_neg", lambda L, a: a / 2, np.array([-7, -1, 0, 1, 7], np.int64)),
    case("int_div_by_zero", lambda L, a, b: a / b, np.array([1, -1, 0], np.int64),
         np.zeros(3, np.int64)),
    case("int_rdiv", lambda L, a: 7 / a, I(5, low=1)),
    case("int_div_float", lambda L, a: a / 2.5, I(5)),
    case("int32_div", lambda L, a, b: a / b, I(5, dtype=np.int32), I(5, dtype=np.int32, low=1)),
    case("int_pow", lambda L, a: a ** 3, I(5)),
    case("int_pow_tensor", lambda L, a, b: a ** b, I(5), I(5, low=0, high=4)),
    case("int_rpow", lambda L, a: 2 ** a, I(5, low=0, high=8)),
    case("int_pow_float", lambda L, a: a ** 0.5, I(5, low=0)),
    case("int_neg", lambda L, a: -a, I(5)),
    case("int32_mul_int64", lambda L, a, b: a * b, I(5, dtype=np.int32), I(5)),
    case("int_mul_float_scalar", lambda L, a: a * 1.5, I(5)),
    case("int32_add_int", lambda L, a: a + 3, I(5, dtype=np.int32)),
    case("bool_add", lambda L, a, b: a + b, B(6), B(6)),
    case("bool_mul", lambda L, a, b: a * b, B(6), B(6)),
    case("bool_div", lambda L, a, b: a / b, B(6), np.ones(6, np.bool_)),
    case("bool_add_int", lambda L, a: a + 2, B(6)),
    case("bool_mul_float", lambda L, a: a * 0.5, B(6)),
    # ---- mixed dtypes with gradients ----
    case("mixed_f32_f64_mul", lambda L, a, b: a * b, R(3), R(3, dtype=np.float64)),
    case("mixed_f64_f32_add", lambda L, a, b: a + b, R(2, 3, dtype=np.float64), R(3)),
    case("mixed_f32_f64_div", lambda L, a, b: a / b, R(3), P(3, dtype=np.float64)),
    case("mixed_f32_f64_pow", lambda L, a, b: a ** b, P(3), R(3, dtype=np.float64)),
    case("mixed_f32_0d_f64", lambda L, a, b: a * b, R(3), R(dtype=np.float64)),
    case("mixed_float_int", lambda L, a, b: a * b, R(3), I(3)),
    case("mixed_float_bool", lambda L, a, b: a * b, R(3), B(3)),
    case("mixed_int_float_div", lambda L, a, b: a / b, I(3), P(3)),
    case("float64_chain", lambda L, a, b: (a * b).sin().sum(), R(4, dtype=np.float64),
         R(4, dtype=np.float64)),
    # ---- reductions ----
    case("sum", lambda L, a: a.sum(), R(3, 4)),
    case("sum_fn", lambda L, a: L.sum(a), R(3, 4)),
    case("sum_dim", lambda L, a: a.sum(1), R(3, 4)),
    case("sum_dim_kw", lambda L, a: a.sum(dim=0), R(3, 4)),
    case("sum_neg_dim", lambda L, a: a.sum(-1), R(2, 3, 4)),
    case("sum_dims_tuple", lambda L, a: a.sum((0, 2)), R(2, 3, 4)),
    case("sum_dims_list", lambda L, a: a.sum([-1, 0]), R(2, 3, 4)),
    case("sum_keepdim", lambda L, a: a.sum(1, keepdim=True), R(2, 3, 4)),
    case("sum_dims_keepdim", lambda L, a: a.sum((0, 2), keepdim=True), R(2, 3, 4)),
    case("sum_fn_dim", lambda L, a: L.sum(a, 1, keepdim=True), R(3, 4)),
    case("sum_all_dims", lambda L, a: a.sum((0, 1)), R(3, 4)),
    case("sum_dtype", lambda L, a: a.sum(dtype=L.float64), R(3, 4)),
    case("sum_dim_dtype", lambda L, a: a.sum(0, dtype=L.float64), R(3, 4)),
    case("sum_0d", lambda L, a: a.sum(), R()),
    case("sum_0d_dim", lambda L, a: a.sum(0), R()),
    case("sum_empty", lambda L, a: a.sum(0), R(0, 3)),
    case("sum_int", lambda L, a: a.sum(), I(3, 4)),
    case("sum_int32", lambda L, a: a.sum(0), I(3, 4, dtype=np.int32)),
    case("sum_int32_dtype", lambda L, a: a.sum(dtype=L.int32), I(3, 4, dtype=np.int32)),
    case("sum_int_to_float", lambda L, a: a.sum(1, dtype=L.float32), I(3, 4)),
    case("sum_bool", lambda L, a: a.sum(), B(3, 4)),
    case("sum_bool_dim", lambda L, a: a.sum(0), B(3, 4)),
    case("sum_float64", lambda L, a: a.sum(-1), R(3, 4, dtype=np.float64)),
    case("mean", lambda L, a: a.mean(), R(3, 4)),
    case("mean_fn", lambda L, a: L.mean(a), R(3, 4)),
    case("mean_dim", lambda L, a: a.mean(0), R(3, 4)),
    case("mean_neg_dim", lambda L, a: a.mean(-2), R(2, 3, 4)),
    case("mean_dims_tuple", lambda L, a: a.mean((0, 2)), R(2, 3, 4)),
    case("mean_keepdim", lambda L, a: a.mean(1, keepdim=True), R(2, 3, 4)),
    case("mean_fn_dim", lambda L, a: L.mean(a, (1, 2), True), R(2, 3, 4)),
    case("mean_dtype", lambda L, a: a.mean(dtype=L.float64), R(3, 4)),
    case("mean_int_dtype", lambda L, a: a.mean(dtype=L.float32), I(3, 4)),
    case("mean_float64", lambda L, a: a.mean(1), R(3, 4, dtype=np.float64)),
    case("mean_0d", lambda L, a: a.mean(), R()),
    case("mean_empty", lambda L, a: a.mean(), R(0)),
    # ---- norm ----
    case("norm", lambda L, a: a.norm(), R(3, 4)),
    case("norm_p2", lambda L, a: a.norm(2), R(3, 4)),
    case("norm_p1", lambda L, a: a.norm(1), R(3, 4)),
    case("norm_p3", lambda L, a: a.norm(3), R(3, 4)),
    case("norm_p_half", lambda L, a: a.norm(0.5), P(5)),
    case("norm_p0", lambda L, a: a.norm(0), H(3, 4)),
    case("norm_inf", lambda L, a: a.norm(INF), R(3, 4)),
    case("norm_neg_inf", lambda L, a: a.norm(-INF), R(3, 4)),
    case("norm_inf_ties", lambda L, a: a.norm(INF), np.array([1, -2, 2, 0.5], np.float32)),
    case("norm_fro", lambda L, a: a.norm("fro"), R(3, 4)),
    case("norm_p_kw", lambda L, a: a.norm(p=1), R(3, 4)),
    case("norm_dim", lambda L, a: a.norm(dim=1), R(3, 4)),
    case("norm_p1_dim", lambda L, a: a.norm(1, dim=0), R(3, 4)),
    case("norm_p3_dim_keepdim", lambda L, a: a.norm(3, dim=-1, keepdim=True), R(3, 4)),
    case("norm_inf_dim", lambda L, a: a.norm(INF, dim=1), R(3, 4)),
    case("norm_inf_dim_keepdim", lambda L, a: a.norm(INF, 0, True), R(3, 4)),
    case("norm_fro_dims", lambda L, a: a.norm("fro", dim=(0, 1)), R(2, 3, 4)),
    case("norm_dims_keepdim", lambda L, a: a.norm(2, (0, 2), keepdim=True), R(2, 3, 4)),
    case("norm_fn", lambda L, a: L.norm(a), R(3, 4)),
    case("norm_fn_p_dim", lambda L, a: L.norm(a, 1, dim=1), R(3, 4)),
    case("norm_float64", lambda L, a: a.norm(dim=0), R(3, 4, dtype=np.float64)),
    case("norm_zero_vector", lambda L, a: a.norm(), np.zeros(4, np.float32)),
    case("norm_zero_rows", lambda L, a: a.norm(dim=1), np.array([[0, 0], [3, 4]], np.float32)),
    case("norm_0d", lambda L, a: a.norm(), R()),
    # ---- pointwise math: methods, functions, dtypes, strides ----
    *[case(f"{name}_method", lambda L, a, name=name: getattr(a, name)(), maker(2, 3))
      for name, maker in [("sin", R), ("cos", R), ("exp", R), ("log", P), ("tanh", R),
                          ("sigmoid", R), ("relu", H), ("sqrt", P), ("abs", H)]],
    *[case(f"{name}_fn", lambda L, a, name=name: getattr(L, name)(a), maker(4))
      for name, maker in [("sin", R), ("cos", R), ("exp", R), ("log", P), ("tanh", R),
                          ("sigmoid", R), ("relu", H), ("sqrt", P), ("abs", H)]],
    *[case(f"{name}_float64", lambda L, a, name=name: getattr(L, name)(a),
           maker(4, dtype=np.float64))
      for name, maker in [("sin", R), ("cos", R), ("exp", R), ("log", P), ("tanh", R),
                          ("sigmoid", R), ("relu", H), ("sqrt", P), ("abs", H)]],
    *[case(f"{name}_int", lambda L, a, name=name: getattr(L, name)(a), I(5, low=1))
      for name in ["sin", "cos", "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs"]],
    case("abs_int_negative", lambda L, a: a.abs(), I(6)),
    case("relu_int_negative", lambda L, a: a.relu(), I(6, dtype=np.int32)),
    case("sin_0d", lambda L, a: a.sin(), R()),
    case("sigmoid_extreme", lambda L, a: a.sigmoid(),
         np.array([-100, -20, 0, 20, 100], np.float32)),
    case("exp_overflow", lambda L, a: a.exp(), np.array([-200, 0, 200], np.float32)),
    case("log_special", lambda L, a: a.log(), np.array([0, 1, -1, np.inf], np.float32), grad=False),
    case("sqrt_negative", lambda L, a: a.sqrt(), np.array([-1, 0, 4], np.float32), grad=False),
    case("tanh_large", lambda L, a: a.tanh(), np.array([-30, -1, 0, 1, 30], np.float32)),
    case("unary_chain", lambda L, a: (a.sin() * a.cos()).exp().sum(), R(3, 3)),
    case("sign", lambda L, a: a.sign(), H(6)),
    case("sign_special", lambda L, a: a.sign(),
         np.array([np.nan, -0.0, 0.0, -np.inf, 3], np.float32)),
    case("relu_special", lambda L, a: a.relu(), np.array([np.nan, -0.0, 0.0, -1, 2], np.float32)),
    case("abs_special", lambda L, a: a.abs(), np.array([np.nan, -0.0, -np.inf, -1, 2], np.float32)),
    case("norm_with_nan", lambda L, a: a.norm(), np.array([np.nan, 1.0], np.float32)),
    case("norm_inf_with_nan", lambda L, a: a.norm(INF), np.array([1.0, np.nan], np.float32)),
    case("norm_with_inf", lambda L, a: a.norm(3), np.array([-np.inf, 1.0], np.float32), grad=False),
    case("norm_empty", lambda L, a: a.norm(), R(0)),
    case("norm_p0_empty", lambda L, a: a.norm(0), R(0)),
    case("norm_inf_empty_rows", lambda L, a: a.norm(INF, dim=(0, 2)), R(2, 0, 3)),
    case("sum_nan", lambda L, a: a.sum(), np.array([np.nan, 1.0], np.float32)),
    # ---- conversions ----
    case("to_int", lambda L, a: a.int(), R(3, 4, low=-5, high=5)),
    case("to_long", lambda L, a: a.long(), R(3, 4, low=-5, high=5)),
    case("to_float_same", lambda L, a: a.float(), R(3, 4)),
    case("to_float_from_double", lambda L, a: a.float(), R(3, 4, dtype=np.float64)),
    case("to_double", lambda L, a: a.double(), R(3, 4)),
    case("to_bool", lambda L, a: a.bool(), H(3, 4)),
    case("to_dtype", lambda L, a: a.to(L.float64), R(3)),
    case("to_dtype_kw", lambda L, a: a.to(dtype=L.float64), R(3)),
    case("to_same_dtype", lambda L, a: a.to(L.float32), R(3)),
    case("to_copy_same_dtype", lambda L, a: a.to(L.float32, copy=True), R(3)),
    case("to_copy_no_dtype", lambda L, a: a.to(copy=True), R(3)),
    case("to_device_dtype", lambda L, a: a.to("cpu", L.float64), R(3)),
    case("to_like_tensor", lambda L, a, b: a.to(b), R(3), R(1, dtype=np.float64)),
    case("to_int32_dtype", lambda L, a: a.to(L.int32), R(3, low=-5, high=5)),
    case("int_to_float", lambda L, a: a.float(), I(5)),
    case("int_to_double", lambda L, a: a.double(), I(5)),
    case("int_to_bool", lambda L, a: a.bool(), I(5, low=-1, high=2)),
    case("int64_to_int32", lambda L, a: a.int(), I(5)),
    case("bool_to_float", lambda L, a: a.float(), B(5)),
    case("bool_to_long", lambda L, a: a.long(), B(5)),
    case("to_double_strided", lambda L, a: a.double(), T(R(3, 2))),
    case("to_then_math", lambda L, a: (a.double() * 2).sum(), R(4)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_op(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


# ---- type promotion across every dtype pair, rank and scalar kind ----

DTYPES = ["bool", "int32", "int64", "float32", "float64"]
SCALARS = [True, 3, 2.5, -2]
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a ** b,
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
}


def promo_tensor(lib, dtype, zero_dim):
    data = 1 if zero_dim else [1, 2]
    return lib.tensor(data, dtype=getattr(lib, dtype))


def same_outcome(op, make_args):
    """The same result dtype and values, or the same exception type (bool - bool)."""
    try:
        t_out = op(*make_args(torch))
    except Exception as e:
        with pytest.raises(type(e)):
            op(*make_args(cgrad))
        return
    c_out = op(*make_args(cgrad))
    assert lib_dtype_name(c_out.dtype) == lib_dtype_name(t_out.dtype)
    np.testing.assert_array_equal(c_out.numpy(), t_out.numpy())


@pytest.mark.parametrize("op", list(BINARY), ids=list(BINARY))
@pytest.mark.parametrize("ranks", ["nd_nd", "0d_nd", "nd_0d", "0d_0d"])
@pytest.mark.parametrize("da,db", list(itertools.product(DTYPES, DTYPES)))
def test_promotion_tensor_tensor(op, ranks, da, db):
    za, zb = ranks[0] == "0", ranks[3] == "0"
    same_outcome(BINARY[op], lambda L: (promo_tensor(L, da, za), promo_tensor(L, db, zb)))


@pytest.mark.parametrize("op", list(BINARY), ids=list(BINARY))
@pytest.mark.parametrize("zero_dim", [False, True], ids=["nd", "0d"])
@pytest.mark.parametrize("scalar", SCALARS, ids=["bool", "int", "float", "neg_int"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_promotion_tensor_scalar(op, zero_dim, scalar, dtype):
    f = BINARY[op]
    same_outcome(f, lambda L: (promo_tensor(L, dtype, zero_dim), scalar))
    same_outcome(f, lambda L: (scalar, promo_tensor(L, dtype, zero_dim)))


def test_signed_zero_results():
    # -0.0 compares equal to 0.0, so assert_allclose cannot see the sign.
    x = np.array([-0.0, 0.0, -1.0], np.float32)
    for fn in (lambda L, t: t.relu(), lambda L, t: -t, lambda L, t: t * 1):
        c = fn(cgrad, cgrad.tensor(x)).numpy()
        t = fn(torch, torch.tensor(x)).numpy()
        np.testing.assert_array_equal(np.signbit(c), np.signbit(t))
