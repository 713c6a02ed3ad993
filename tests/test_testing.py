"""cgrad.testing.assert_close against torch.testing.assert_close: the same pass or failure,
error type and message (torch's names read as cgrad's), one line per case."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import torch.testing  # noqa: E402

import cgrad  # noqa: E402

INF, NAN = float("inf"), float("nan")


def outcome(lib, fn):
    try:
        fn(lib, lib.testing.assert_close)
    except Exception as e:  # noqa: BLE001  (the type and text are what is compared)
        text = str(e).replace("<class 'torch.Tensor'>", "<class 'cgrad._C.Tensor'>")
        return type(e), text.replace("torch.", "cgrad.")
    return None


def case(id, fn):
    return pytest.param(fn, id=id)


CASES = [
    case("equal_f32", lambda L, ac: ac(L.tensor([1., 2.]), L.tensor([1., 2.]))),
    case("within_default_rtol", lambda L, ac: ac(L.tensor([1.]), L.tensor([1. + 1e-6]))),
    case("not_close_f32", lambda L, ac: ac(L.tensor([1., 2., 3.]), L.tensor([1., 2.5, 3.]))),
    case("not_close_f64", lambda L, ac: ac(L.tensor([1., 2.], dtype=L.float64), L.tensor([1., 2. + 1e-6], dtype=L.float64))),
    case("int_not_equal", lambda L, ac: ac(L.tensor([1, 2]), L.tensor([1, 3]))),
    case("int32_negative", lambda L, ac: ac(L.tensor([1, 2], dtype=L.int32), L.tensor([1, -2], dtype=L.int32))),
    case("int64_large", lambda L, ac: ac(L.tensor([10**18, 0]), L.tensor([-10**18, 0]))),
    case("bool", lambda L, ac: ac(L.tensor([True, False]), L.tensor([False, False]))),
    case("zero_dim_float", lambda L, ac: ac(L.tensor(1.), L.tensor(2.))),
    case("zero_dim_int", lambda L, ac: ac(L.tensor(3), L.tensor(5))),
    case("zero_dim_bool", lambda L, ac: ac(L.tensor(True), L.tensor(False))),
    case("nan_unequal", lambda L, ac: ac(L.tensor([1., NAN]), L.tensor([1., NAN]))),
    case("nan_equal", lambda L, ac: ac(L.tensor([1., NAN]), L.tensor([1., NAN]), equal_nan=True)),
    case("all_nan", lambda L, ac: ac(L.ones(3) * NAN, L.ones(3))),
    case("inf_same", lambda L, ac: ac(L.tensor([INF, -INF]), L.tensor([INF, -INF]))),
    case("inf_opposite", lambda L, ac: ac(L.tensor([INF]), L.tensor([-INF]))),
    case("matched_inf_ignored", lambda L, ac: ac(L.tensor([INF, 1.]), L.tensor([INF, 2.]))),
    case("expected_zero", lambda L, ac: ac(L.tensor([1., 2.]), L.tensor([0., 2.]))),
    case("index_3d", lambda L, ac: ac(L.arange(8.).reshape(2, 2, 2), L.zeros(2, 2, 2))),
    case("explicit_tolerances", lambda L, ac: ac(L.ones(2), L.ones(2) + 1e-3, rtol=0, atol=1e-2)),
    case("explicit_tolerances_fail", lambda L, ac: ac(L.ones(2), L.ones(2) + 1e-3, rtol=0, atol=1e-4)),
    case("empty", lambda L, ac: ac(L.zeros(0), L.zeros(0))),
    case("shape", lambda L, ac: ac(L.ones(2), L.ones(3))),
    case("shape_before_dtype", lambda L, ac: ac(L.ones(2, 3), L.ones(3, 2, dtype=L.float64))),
    case("dtype", lambda L, ac: ac(L.ones(2), L.ones(2, dtype=L.float64))),
    case("dtype_int", lambda L, ac: ac(L.ones(2, dtype=L.int32), L.ones(2, dtype=L.int64))),
    case("no_check_dtype", lambda L, ac: ac(L.ones(2), L.ones(2, dtype=L.float64), check_dtype=False)),
    case("no_check_dtype_fail", lambda L, ac: ac(L.ones(2, dtype=L.int32) * 3, L.ones(2, dtype=L.float64), check_dtype=False)),
    case("no_check_dtype_float_int", lambda L, ac: ac(L.tensor([1.5, 2]), L.tensor([1, 2]), check_dtype=False)),
    case("stride_unchecked", lambda L, ac: ac(L.ones(2, 3).t(), L.ones(3, 2))),
    case("stride_checked", lambda L, ac: ac(L.ones(2, 3).t(), L.ones(3, 2), check_stride=True)),
    case("requires_grad_ignored", lambda L, ac: ac(L.ones(2, requires_grad=True), L.ones(2))),
    case("parameter", lambda L, ac: ac(L.nn.Parameter(L.ones(2)), L.ones(2))),
    case("parameter_no_subclasses", lambda L, ac: ac(L.nn.Parameter(L.ones(2)), L.ones(2), allow_subclasses=False)),
    case("flags_accepted", lambda L, ac: ac(L.ones(2), L.ones(2), check_device=False, check_layout=False)),
    case("msg_str", lambda L, ac: ac(L.ones(2) * 2, L.ones(2), msg="custom")),
    case("msg_callable", lambda L, ac: ac(L.ones(2, 2) * 2, L.ones(2, 2), msg=lambda m: "X" + m)),
    case("msg_callable_unused", lambda L, ac: ac(L.ones(2), L.ones(2), msg=lambda m: "never")),
    case("py_float", lambda L, ac: ac(1.0, 1.0 + 1e-9)),
    case("py_float_fail", lambda L, ac: ac(1.0, 1.5)),
    case("py_int_fail", lambda L, ac: ac(1, 2)),
    case("py_types", lambda L, ac: ac(1.0, 1)),
    case("py_bool", lambda L, ac: ac(True, False)),
    case("none", lambda L, ac: ac(None, None)),
    case("numpy_arrays", lambda L, ac: ac(np.ones(2), np.zeros(2))),
    case("numpy_scalars", lambda L, ac: ac(np.float32(1), np.float32(2))),
    case("list_of_tensors", lambda L, ac: ac([L.ones(2)], [L.ones(2)])),
    case("list_tuple", lambda L, ac: ac([1, 2], (1, 2))),
    case("list_length", lambda L, ac: ac([1, 2], [1, 2, 3])),
    case("nested_item", lambda L, ac: ac([1, [2, 3]], [1, [2, 4]])),
    case("nested_msg", lambda L, ac: ac([L.ones(2)], [L.zeros(2)], msg="M")),
    case("dict_values", lambda L, ac: ac({"a": L.ones(2)}, {"a": L.zeros(2)})),
    case("dict_keys", lambda L, ac: ac({"a": 1}, {"b": 1})),
    case("tensor_list", lambda L, ac: ac(L.tensor([1.]), [1.])),
    case("tensor_float", lambda L, ac: ac(L.ones(2), 1.0)),
    case("tensor_numpy", lambda L, ac: ac(L.ones(2), np.ones(2, dtype=np.float32))),
    case("strings", lambda L, ac: ac("a", "a")),
    case("rtol_only", lambda L, ac: ac(L.ones(2), L.ones(2), rtol=1e-3)),
    case("atol_only", lambda L, ac: ac(1.0, 1.0, atol=1.)),
    case("unknown_keyword", lambda L, ac: ac(L.ones(2), L.ones(2), foo=1)),
    case("positional_rtol", lambda L, ac: ac(L.ones(2), L.ones(2), 1e-3)),
]


@pytest.mark.parametrize("fn", CASES)
def test_assert_close(fn):
    assert outcome(cgrad, fn) == outcome(torch, fn)


def test_follows_the_default_dtype_for_integer_relative_differences():
    fn = lambda L, ac: ac(L.tensor([1, 2]), L.tensor([1, 3]))  # noqa: E731
    assert "0.3333333432674408" in outcome(cgrad, fn)[1]
