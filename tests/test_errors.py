"""Bad input raises what PyTorch raises, with a message that says what went wrong.

Each case runs `fn(lib)` in both libraries: torch must raise (the case is about an
error), cgrad must raise the same Python exception type and, where given, a message
matching `match`. Nothing here may crash the interpreter.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error  # noqa: E402

SHAPE = (r"The size of tensor a \({}\) must match the size of tensor b \({}\) "
         r"at non-singleton dimension {}")
SHAPE_3_4 = SHAPE.format(3, 4, 1)
BOOL_SUB = r"Subtraction, the `-` operator, with a bool tensor is not supported"
BOOL_SUB2 = r"Subtraction, the `-` operator, with two bool tensors is not supported"
OUT_OF_RANGE = r"Dimension out of range \(expected to be in range of \[-2, 1\], but got {}\)"


def case(id, fn, match=None):
    return pytest.param(fn, match, id=id)


CASES = [
    # ---- numpy arrays as operators' operands (numpy defers to tensors, as to torch's) ----
    case("ndarray_plus_tensor", lambda L: np.ones(3) + L.ones(3)),
    case("one_element_ndarray_times_tensor", lambda L: np.ones(1) * L.ones(3)),
    case("zero_d_ndarray_minus_tensor", lambda L: np.array(2.0) - L.ones(3)),
    # ---- data that is not a tensor ----
    case("ragged_length", lambda L: L.tensor([[1, 2], [3]]),
         r"expected sequence of length 2 at dim 1 \(got 1\)"),
    case("ragged_longer", lambda L: L.tensor([[1], [2, 3]]),
         r"expected sequence of length 1 at dim 1 \(got 2\)"),
    case("ragged_scalar_for_list", lambda L: L.tensor([[1, 2], 3])),
    case("ragged_list_for_scalar", lambda L: L.tensor([1, [2]])),
    case("ragged_deep", lambda L: L.tensor([[1, 2], [3, [4]]])),
    case("string", lambda L: L.tensor("abc"), "invalid data type 'str'"),
    case("bytes", lambda L: L.tensor(b"ab"), "invalid data type 'bytes'"),
    case("string_list", lambda L: L.tensor(["a"]), "too many dimensions 'str'"),
    case("string_nested", lambda L: L.tensor([["a"]]), "too many dimensions 'str'"),
    case("string_element", lambda L: L.tensor([1, "a"]), "invalid data type 'str'"),
    case("string_element_nested", lambda L: L.tensor([[1], ["a"]]), "invalid data type 'str'"),
    case("none", lambda L: L.tensor(None), "Could not infer dtype of NoneType"),
    case("none_element", lambda L: L.tensor([1, None]), "Could not infer dtype of NoneType"),
    case("dict", lambda L: L.tensor({1: 2}), "Could not infer dtype of dict"),
    case("object_element", lambda L: L.tensor([1.0, object()]), "Could not infer dtype of object"),
    case("int_overflow", lambda L: L.tensor(2**70), "Overflow"),
    case("int_overflow_list", lambda L: L.tensor([1, -(2**70)]), "Overflow"),
    case("multi_element_tensor_in_list", lambda L: L.tensor([L.ones(2), L.ones(2)]),
         "only one element tensors"),
    case("bad_dtype_arg", lambda L: L.tensor([1, 2], dtype="float32"), "dtype"),
    case("bad_dtype_factory", lambda L: L.ones(2, dtype="x"), "dtype"),
    # ---- numpy arrays we cannot wrap ----
    case("numpy_str", lambda L: L.from_numpy(np.array(["a"])), r"numpy\.str_"),
    case("numpy_object", lambda L: L.tensor(np.array([None])), r"numpy\.object_"),
    case("numpy_byte_order", lambda L: L.from_numpy(np.ones(3, ">f4")), "byte order"),
    case("numpy_negative_stride", lambda L: L.from_numpy(np.ones(3)[::-1]), "negative"),
    case("from_numpy_list", lambda L: L.from_numpy([1, 2]), r"expected np\.ndarray \(got list\)"),
    # ---- shapes that do not broadcast ----
    case("add_shapes", lambda L: L.ones(2, 3) + L.ones(2, 4), SHAPE_3_4),
    case("sub_shapes", lambda L: L.ones(2, 3) - L.ones(5, 4), SHAPE_3_4),
    case("mul_shapes", lambda L: L.ones(2, 3, 1) * L.ones(4, 5), SHAPE_3_4),
    case("div_shapes", lambda L: L.ones(2, 3) / L.ones(3, 2),
         SHAPE.format(3, 2, 1)),
    case("pow_shapes", lambda L: L.ones(2, 3) ** L.ones(2, 4), SHAPE_3_4),
    case("lt_shapes", lambda L: L.ones(2, 3) < L.ones(4), SHAPE_3_4),
    case("eq_method_shapes", lambda L: L.ones(2, 3).eq(L.ones(2, 4)), SHAPE_3_4),
    case("add_fn_shapes", lambda L: L.add(L.ones(3), L.ones(4)),
         SHAPE.format(3, 4, 0)),
    case("rsub_shapes", lambda L: L.ones(3) - L.ones(4)),
    case("shapes_with_grad", lambda L: L.ones(2, 3, requires_grad=True) * L.ones(2, 4), SHAPE_3_4),
    # ---- requires_grad on non-floating tensors ----
    case("requires_grad_int", lambda L: L.tensor([1, 2], requires_grad=True),
         "Only Tensors of floating point"),
    case("requires_grad_int32_factory", lambda L: L.ones(2, dtype=L.int32, requires_grad=True),
         "floating point"),
    case("requires_grad_bool", lambda L: L.zeros(2, dtype=L.bool, requires_grad=True),
         "floating point"),
    case("requires_grad_method", lambda L: L.tensor([1]).requires_grad_(), "floating point"),
    case("requires_grad_like", lambda L: L.ones_like(L.tensor([1]), requires_grad=True),
         "floating point"),
    case("requires_grad_arange", lambda L: L.arange(3, requires_grad=True), "floating point"),
    case("requires_grad_setter", lambda L: setattr(L.tensor([True]), "requires_grad", True),
         "floating point"),
    # ---- bool arithmetic torch refuses ----
    case("bool_sub_bool", lambda L: L.tensor([True]) - L.tensor([False]), BOOL_SUB2),
    case("bool_sub_true", lambda L: L.tensor([True]) - True, BOOL_SUB2),
    case("bool_sub_int", lambda L: L.tensor([True]) - 1, BOOL_SUB),
    case("int_rsub_bool", lambda L: 1 - L.tensor([True]), BOOL_SUB),
    case("float_sub_bool", lambda L: L.ones(2) - L.tensor([True, False]), BOOL_SUB),
    case("float_sub_true", lambda L: L.ones(2) - True, BOOL_SUB),
    case("true_rsub_float", lambda L: True - L.ones(2), BOOL_SUB),
    case("bool_sub_method", lambda L: L.tensor([True]).sub(1.5), BOOL_SUB),
    case("bool_sub_fn", lambda L: L.sub(L.tensor([True]), L.tensor([True])), BOOL_SUB2),
    case("bool_neg", lambda L: -L.tensor([True]), "Negation, the `-` operator, on a bool tensor"),
    case("bool_neg_method", lambda L: L.tensor([True]).neg(), "Negation"),
    case("bool_neg_fn", lambda L: L.neg(L.tensor(False)), "Negation"),
    case("bool_pow_bool", lambda L: L.tensor([True]) ** L.tensor([False]), "pow"),
    case("bool_abs", lambda L: L.tensor([True]).abs(), "abs"),
    case("bool_relu", lambda L: L.tensor([True]).relu(), "relu"),
    case("int_pow_negative", lambda L: L.tensor([2]) ** -1,
         "Integers to negative integer powers are not allowed"),
    case("int32_pow_negative", lambda L: L.tensor([2], dtype=L.int32).pow(-2), "negative"),
    case("int_0d_pow_negative", lambda L: L.tensor(2) ** -1, "negative"),
    case("bool_pow_negative", lambda L: L.tensor([True]) ** -1, "negative"),
    # ---- reductions ----
    case("mean_int", lambda L: L.arange(5).mean(),
         "mean\\(\\): could not infer output dtype. Input dtype must be either a floating point"),
    case("mean_int_dim", lambda L: L.tensor([[1, 2]]).mean(0), "mean"),
    case("mean_bool", lambda L: L.tensor([True]).mean(), "Got: Bool"),
    case("mean_int32_fn", lambda L: L.mean(L.ones(2, dtype=L.int32)), "Got: Int"),
    case("mean_int_dtype", lambda L: L.ones(2).mean(dtype=L.int64),
         "Optional dtype must be either a floating point"),
    case("norm_int", lambda L: L.tensor([1, 2]).norm(),
         "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"),
    case("norm_bool", lambda L: L.tensor([True]).norm(), "Got Bool"),
    case("norm_int32_dim", lambda L: L.ones(2, 2, dtype=L.int32).norm(dim=1), "Got Int"),
    case("norm_fn_int", lambda L: L.norm(L.tensor([3])), "vector_norm"),
    case("norm_inf_empty", lambda L: L.tensor([]).norm(float("inf")),
         "cannot compute the inf norm on an empty tensor"),
    case("norm_neg_inf_empty", lambda L: L.zeros(0).norm(-float("inf")), "-inf norm"),
    case("norm_negative_p_empty_dim", lambda L: L.zeros(0, 3).norm(-1, dim=0),
         "cannot compute the -1 norm on the dimension 0"),
    case("norm_inf_empty_dim", lambda L: L.zeros(2, 0, 3).norm(float("inf"), dim=(0, 1)),
         "dimension 1"),
    # ---- dims ----
    case("sum_dim_high", lambda L: L.ones(2, 3).sum(2), OUT_OF_RANGE.format(2)),
    case("sum_dim_low", lambda L: L.ones(2, 3).sum(-3), OUT_OF_RANGE.format(-3)),
    case("sum_dims_one_bad", lambda L: L.ones(2, 3).sum((0, 5)), OUT_OF_RANGE.format(5)),
    case("mean_dim_high", lambda L: L.ones(2, 3).mean(5), OUT_OF_RANGE.format(5)),
    case("norm_dim_high", lambda L: L.ones(2, 3).norm(dim=2), OUT_OF_RANGE.format(2)),
    case("size_dim_high", lambda L: L.ones(2, 3).size(2), OUT_OF_RANGE.format(2)),
    case("stride_dim_low", lambda L: L.ones(2, 3).stride(-3), OUT_OF_RANGE.format(-3)),
    case("sum_0d_dim", lambda L: L.tensor(1.0).sum(1), r"\[-1, 0\], but got 1"),
    case("sum_fn_dim", lambda L: L.sum(L.ones(2), 1), r"\[-1, 0\], but got 1"),
    case("sum_dup_dims", lambda L: L.ones(2, 3).sum((0, 0)),
         "dim 0 appears multiple times in the list of dims"),
    case("sum_dup_dims_wrapped", lambda L: L.ones(2, 3).sum((0, -2)), "dim 0 appears multiple"),
    case("mean_dup_dims", lambda L: L.ones(2, 3).mean([1, 1]), "dim 1 appears multiple"),
    case("norm_dup_dims", lambda L: L.ones(2, 3).norm(dim=(1, -1)), "dim 1 appears multiple"),
    case("sum_dim_str", lambda L: L.ones(2).sum("a")),
    case("sum_dim_float", lambda L: L.ones(2).sum(1.5)),
    case("sum_dim_bool", lambda L: L.ones(2).sum(True)),
    case("sum_dims_none_inside", lambda L: L.ones(2).sum([0, None]), "dim"),
    case("norm_dim_str", lambda L: L.ones(2).norm(dim="a"), "dim"),
    case("size_str", lambda L: L.ones(2).size("a"), "dim"),
    case("sum_bad_dtype", lambda L: L.ones(2).sum(dtype=5)),
    # ---- Python scalar protocol on the wrong number of elements ----
    case("item_many", lambda L: L.ones(2, 3).item(),
         "a Tensor with 6 elements cannot be converted to Scalar"),
    case("item_empty", lambda L: L.ones(0).item(), "0 elements"),
    case("bool_many", lambda L: bool(L.ones(2)),
         "Boolean value of Tensor with more than one value is ambiguous"),
    case("bool_empty", lambda L: bool(L.ones(0)), "Boolean value of Tensor with no values"),
    case("if_many", lambda L: 1 if L.ones(2) > 0 else 0, "ambiguous"),
    case("float_many", lambda L: float(L.tensor([1, 2])), "only one element tensors"),
    case("int_many", lambda L: int(L.ones(2, 2)), "only one element tensors"),
    case("float_empty", lambda L: float(L.tensor([])), "only one element tensors"),
    case("int_nan", lambda L: int(L.tensor(float("nan")))),
    case("len_0d", lambda L: len(L.tensor(1.0)), "len\\(\\) of a 0-d tensor"),
    case("numpy_requires_grad", lambda L: L.ones(2, requires_grad=True).numpy(),
         r"Can't call numpy\(\) on Tensor that requires grad"),
    # ---- operands of the wrong type ----
    case("add_str", lambda L: L.ones(2) + "a", "unsupported operand"),
    case("radd_str", lambda L: "a" + L.ones(2)),
    case("sub_none", lambda L: L.ones(2) - None, "unsupported operand"),
    case("mul_list", lambda L: L.ones(2) * [1, 2]),
    case("div_dict", lambda L: L.ones(2) / {}, "unsupported operand"),
    case("rdiv_str", lambda L: "a" / L.ones(2), "unsupported operand"),
    case("pow_str", lambda L: L.ones(2) ** "a", "unsupported operand"),
    case("rpow_str", lambda L: "a" ** L.ones(2), "unsupported operand"),
    case("lt_str", lambda L: L.ones(2) < "a", "not supported between instances"),
    case("ge_none", lambda L: L.ones(2) >= None, "not supported between instances"),
    case("add_method_str", lambda L: L.ones(2).add("a"), "add"),
    case("mul_method_none", lambda L: L.ones(2).mul(None), "mul"),
    case("pow_method_list", lambda L: L.ones(2).pow([2]), "pow"),
    case("lt_method_str", lambda L: L.ones(2).lt("a"), "lt"),
    case("add_fn_str", lambda L: L.add(L.ones(2), "a"), "add"),
    case("add_fn_str_first", lambda L: L.add("a", L.ones(2)), "add"),
    case("sin_str", lambda L: L.sin("a"), "sin"),
    case("exp_float", lambda L: L.exp(1.0), "exp"),
    case("sum_list", lambda L: L.sum([1, 2]), "sum"),
    case("add_big_int", lambda L: L.ones(2) + 2**70),
    case("norm_p_list", lambda L: L.ones(2).norm(p=[1])),
    case("requires_grad_str", lambda L: L.ones(2).requires_grad_("a")),
    # ---- sizes ----
    case("ones_negative", lambda L: L.ones(-1),
         r"Trying to create tensor with negative dimension -1: \[-1\]"),
    case("zeros_negative", lambda L: L.zeros(2, -3), "negative"),
    case("empty_negative", lambda L: L.empty(-2), r"negative dimension -2: \[-2\]"),
    case("rand_negative", lambda L: L.rand(-1), "negative dimension"),
    case("randn_negative", lambda L: L.randn(3, -1), "negative dimension"),
    case("full_negative", lambda L: L.full((-1,), 2.0), "negative dimension"),
    case("legacy_negative", lambda L: L.Tensor(-1), "negative dimension"),
    case("eye_negative", lambda L: L.eye(-1), "n must be greater or equal to 0, got -1"),
    case("eye_negative_m", lambda L: L.eye(2, -1), "m must be greater or equal to 0, got -1"),
    case("ones_str_size", lambda L: L.ones("a"), "size"),
    case("ones_float_size", lambda L: L.ones(2.5), "size"),
    case("ones_str_in_size", lambda L: L.ones((2, "a")), "size"),
    case("full_int_size", lambda L: L.full(3, 1.0), "size"),
    case("legacy_float_size", lambda L: L.Tensor(2, 3.0), "size"),
    case("legacy_dtype", lambda L: L.Tensor([1, 2], dtype=L.float64)),
    case("numel_overflow", lambda L: L.ones(2**62, 4), "overflow"),
    # ---- arange and random ----
    case("arange_zero_step", lambda L: L.arange(0, 5, 0), "step must be nonzero"),
    case("arange_wrong_sign", lambda L: L.arange(0, 5, -1), "inconsistent with step sign"),
    case("arange_nan", lambda L: L.arange(float("nan")), "unsupported range"),
    case("arange_inf", lambda L: L.arange(0, float("inf")), "unsupported range"),
    case("arange_bool", lambda L: L.arange(3, dtype=L.bool), "not implemented for 'Bool'"),
    case("arange_int_step_truncates_to_zero", lambda L: L.arange(0.0, 1.0, 0.4, dtype=L.int64),
         "step must be nonzero"),
    case("rand_int", lambda L: L.rand(2, dtype=L.int64), "not implemented for 'Long'"),
    case("randn_int32", lambda L: L.randn(2, dtype=L.int32), "not implemented for 'Int'"),
    case("rand_like_int", lambda L: L.rand_like(L.tensor([1, 2])), "not implemented for 'Long'"),
    # ---- metadata: a 0-d tensor has no dim to read (size(0) once read past its sizes) ----
    *[case(f"{what}_of_0d_dim_{d}", lambda L, what=what, d=d: getattr(L.tensor(0.5), what)(d),
           f"Dimension specified as {d} but tensor has no dimensions")
      for what in ("size", "stride") for d in (0, -1, 2)],
    case("size_dim_out_of_range", lambda L: L.ones(2, 3).size(5), "Dimension out of range"),
    case("stride_dim_out_of_range", lambda L: L.ones(2, 3).stride(-3), "Dimension out of range"),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn,match", CASES)
def test_error_matches_torch(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("make", [
    lambda L: L.ones(10**12),
    lambda L: L.zeros(10**6, 10**6),
    lambda L: L.empty(10**13, dtype=L.float64),
    lambda L: L.full((10**12,), 1.0),
], ids=["ones", "zeros_2d", "empty_float64", "full"])
def test_huge_allocation_raises(make):
    # torch raises RuntimeError; a MemoryError would do as well. It must not crash.
    with pytest.raises((RuntimeError, MemoryError)):
        make(torch)
    with pytest.raises((RuntimeError, MemoryError), match="allocate"):
        make(cgrad)


@pytest.mark.parametrize("dtype", [np.uint16, np.uint32, np.complex64])
def test_numpy_dtypes_outside_cgrad(dtype):
    # torch has these dtypes; cgrad does not, so it refuses them by name instead of
    # reinterpreting the bytes.
    arr = np.ones(3, dtype)
    for make in (cgrad.from_numpy, cgrad.tensor):
        with pytest.raises(TypeError, match=f"numpy.{np.dtype(dtype).type.__name__}"):
            make(arr)


def test_errors_leave_no_partial_state():
    x = cgrad.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError):
        x * cgrad.ones(2, 4)
    assert x.grad is None and x.is_leaf
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0, np.float32))


def test_error_in_one_op_keeps_module_usable():
    for _ in range(3):
        with pytest.raises(TypeError):
            cgrad.tensor([1, [2]])
        with pytest.raises(ValueError):
            cgrad.tensor([[1, 2], [3]])
    assert cgrad.tensor([[1, 2], [3, 4]]).sum().item() == 10
