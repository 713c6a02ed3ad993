"""Arguments are checked as torch checks them: a bad argument raises torch's exception
type (TypeError for wrong types and unknown keywords), never crashes the process, and
never prints tensor values. One line per case."""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import F  # noqa: E402


def X(L):
    return L.ones(2, 2)


# Note [No None tensors]: None where a Tensor is required used to reach the ops as a null
# pointer (SIGSEGV).
NONE_TENSORS = [
    error_case("mm_input", lambda L: L.mm(None, X(L)), None),
    error_case("mm_method", lambda L: X(L).mm(None), None),
    error_case("add_input", lambda L: L.add(None, X(L)), None),
    error_case("masked_fill_mask", lambda L: X(L).masked_fill(None, 1), None),
    error_case("where_condition", lambda L: L.where(None, X(L), X(L)), None),
    error_case("index_select_index", lambda L: X(L).index_select(0, None), None),
    error_case("gather_index", lambda L: X(L).gather(0, None), None),
    error_case("scatter_index", lambda L: X(L).scatter(0, None, 1.0), None),
    error_case("scatter_add_index", lambda L: X(L).scatter_add(0, None, X(L)), None),
    error_case("index_add_index", lambda L: X(L).index_add(0, None, X(L)), None),
    error_case("linear_weight", lambda L: F(L).linear(X(L), None), None),
    error_case("copy_src", lambda L: X(L).copy_(None), None),
    error_case("expand_as_other", lambda L: X(L).expand_as(None), None),
    error_case("matmul_other", lambda L: L.matmul(X(L), None), None),
    error_case("dot_other", lambda L: X(L)[0].dot(None), None),
    error_case("addmm_mat1", lambda L: X(L).addmm(None, X(L)), None),
    error_case("exp_input", lambda L: L.exp(None), None),
    error_case("sum_input", lambda L: L.sum(None), None),
    error_case("ones_like_input", lambda L: L.ones_like(None), None),
    error_case("randint_like_input", lambda L: L.randint_like(None, 3), None),
    error_case("relu_input", lambda L: F(L).relu(None), None),
    error_case("cross_entropy_target", lambda L: F(L).cross_entropy(X(L), None), None),
    error_case("nll_input", lambda L: F(L).nll_loss(None, X(L)), None),
    error_case("data_setter", lambda L: setattr(X(L), "data", None), None),
]


@pytest.mark.parametrize("fn,match", NONE_TENSORS)
def test_none_for_a_tensor(fn, match):
    check_error(fn, match)


# torch's Python functionals fail on None with an AttributeError of their own making;
# ours are bound in C++ and raise the TypeError of a wrong argument type.
@pytest.mark.parametrize("fn", [
    pytest.param(lambda L: F(L).softmax(None, 0), id="softmax_input"),
    pytest.param(lambda L: F(L).mse_loss(X(L), None), id="mse_target"),
    pytest.param(lambda L: F(L).binary_cross_entropy(X(L) / 2, None), id="bce_target"),
])
def test_none_for_a_functional_tensor(fn):
    with pytest.raises(TypeError):
        fn(cgrad)


def test_none_still_clears_grad_and_fills_optional_tensors():
    x = cgrad.ones(2, requires_grad=True)
    x.sum().backward()
    x.grad = None
    assert x.grad is None
    assert F(cgrad).linear(cgrad.ones(2, 2), cgrad.ones(3, 2), None).shape == (2, 3)
    assert F(cgrad).nll_loss(cgrad.ones(2, 3), cgrad.tensor([0, 1]), weight=None).item() == -1.0


# ---- unknown keywords (never silently accepted), wrong types, wrong counts ----
# Note [Argument errors]: where torch's message is one line, ours is the same line.
SAME_AS_TORCH = [
    error_case("ones_require_grad", lambda L: L.ones(3, require_grad=True)),
    error_case("zeros_dtyp", lambda L: L.zeros(2, dtyp=L.float64)),
    error_case("empty_keyword", lambda L: L.empty(2, foo=1)),
    error_case("ones_like_keyword", lambda L: L.ones_like(X(L), foo=1)),
    error_case("tensor_keyword", lambda L: L.tensor([1], foo=1)),
    error_case("full_keyword", lambda L: L.full((2,), 1, foo=1)),
    error_case("full_like_keyword", lambda L: L.full_like(X(L), 1, foo=1)),
    error_case("add_method_keyword", lambda L: X(L).add(X(L), foo=1)),
    error_case("add_function_keyword", lambda L: L.add(X(L), X(L), foo=1)),
    error_case("exp_keyword", lambda L: L.exp(X(L), foo=1)),
    error_case("relu_keyword", lambda L: F(L).relu(X(L), foo=1)),
    error_case("softmax_keyword", lambda L: F(L).softmax(X(L), 0, foo=1)),
    error_case("cross_entropy_keyword", lambda L: F(L).cross_entropy(X(L), X(L), foo=1)),
    error_case("mse_misspelled_reduction", lambda L: F(L).mse_loss(X(L), X(L), reductio="sum")),
    error_case("linear_misspelled_bias", lambda L: F(L).linear(X(L), X(L), biass=None)),
    error_case("reshape_keyword", lambda L: X(L).reshape(4, foo=1)),
    error_case("expand_keyword", lambda L: X(L).expand(2, 2, foo=1)),
    error_case("permute_keyword", lambda L: X(L).permute(1, 0, foo=1)),
    error_case("cat_keyword", lambda L: L.cat([X(L)], foo=1)),
    error_case("stack_keyword", lambda L: L.stack([X(L)], foo=1)),
    error_case("einsum_keyword", lambda L: L.einsum("ij", X(L), foo=1)),
    error_case("requires_grad__keyword", lambda L: X(L).requires_grad_(foo=1)),
    error_case("add__keyword", lambda L: X(L).add_(X(L), foo=1)),
    error_case("numpy_keyword", lambda L: X(L).numpy(foo=1)),
    error_case("add_str_function", lambda L: L.add(X(L), "a")),
    error_case("add_str_method", lambda L: X(L).add("a")),
    error_case("mul_str", lambda L: X(L).mul("a")),
    error_case("sub_list", lambda L: L.sub(X(L), [1])),
    error_case("exp_str", lambda L: L.exp("a")),
    error_case("mm_str", lambda L: L.mm(X(L), "b")),
    error_case("mm_none_method", lambda L: X(L).mm(None)),
    error_case("mm_none_function", lambda L: L.mm(None, X(L))),
    error_case("add_none", lambda L: L.add(None, X(L))),
    error_case("add_none_method", lambda L: X(L).add(None)),
    error_case("transpose_str", lambda L: X(L).transpose(0, "a")),
    error_case("unsqueeze_str", lambda L: X(L).unsqueeze("a")),
    error_case("flatten_str", lambda L: X(L).flatten("a")),
    error_case("size_str", lambda L: X(L).size("a")),
    error_case("softmax_str_dim", lambda L: L.softmax(X(L), "a")),
    error_case("linear_str", lambda L: F(L).linear(X(L), "a")),
    error_case("linear_none", lambda L: F(L).linear(X(L), None)),
    error_case("index_select_str", lambda L: X(L).index_select(0, "a")),
    error_case("requires_grad__str", lambda L: X(L).requires_grad_("a")),
    error_case("ones_requires_grad_str", lambda L: L.ones(2, requires_grad="a")),
    error_case("cat_dim_str", lambda L: L.cat([X(L)], dim="a")),
    error_case("leaky_relu_str", lambda L: F(L).leaky_relu(X(L), "a")),
    error_case("exp_two_positional", lambda L: L.exp(X(L), X(L))),
    error_case("add_four_positional", lambda L: L.add(X(L), X(L), X(L), X(L))),
    error_case("add_other_twice", lambda L: L.add(X(L), X(L), other=X(L))),
    error_case("add_input_twice", lambda L: L.add(X(L), other=X(L), input=X(L))),
    error_case("relu_missing", lambda L: F(L).relu()),
    error_case("relu_three_positional", lambda L: F(L).relu(X(L), True, 3)),
    error_case("mse_missing_target", lambda L: F(L).mse_loss(X(L))),
    error_case("transpose_missing", lambda L: X(L).transpose(0)),
    error_case("unsqueeze_missing", lambda L: X(L).unsqueeze()),
    error_case("ones_missing_size", lambda L: L.ones()),
    error_case("size_two_positional", lambda L: X(L).size(0, 1)),
    error_case("cat_three_positional", lambda L: L.cat([X(L)], 0, 1)),
    error_case("cross_entropy_nine_positional",
               lambda L: F(L).cross_entropy(X(L), X(L), None, None, -100, None, "mean", 0.0, 1)),
    error_case("transpose_int_overflow", lambda L: X(L).transpose(0, 2**64)),
    error_case("ones_size_overflow", lambda L: L.ones(2**64),
               r"failed to unpack the object at pos \d with error \"Overflow when unpacking long long"),
    error_case("ones_second_size_overflow", lambda L: L.ones(2, 2**63),
               r"failed to unpack the object at pos \d with error \"Overflow when unpacking long long"),
    error_case("view_size_overflow", lambda L: X(L).view(2**64),
               r"failed to unpack the object at pos \d with error \"Overflow when unpacking long long"),
    error_case("expand_size_overflow", lambda L: X(L).expand(2**64, 2),
               r"failed to unpack the object at pos \d with error \"Overflow when unpacking long long"),
    error_case("sum_dim_overflow", lambda L: X(L).sum(2**64)),
    error_case("index_overflow", lambda L: X(L)[2**64]),
    error_case("randint_high_overflow", lambda L: L.randint(2**64, (2,))),
    error_case("split_size_overflow", lambda L: X(L).split(2**64)),
    error_case("eye_m_overflow", lambda L: L.eye(2, 2**64)),
    error_case("unsqueeze_int_overflow", lambda L: X(L).unsqueeze(2**64)),
]


@pytest.mark.parametrize("fn,match", SAME_AS_TORCH)
def test_same_error_as_torch(fn, match):
    check_error(fn, match)


# torch lists its overloads here; ours names the argument instead. The type matches.
SAME_TYPE = [
    error_case("rand_keyword", lambda L: L.rand(2, foo=1), r"^rand\(\) got an unexpected keyword argument 'foo'$"),
    error_case("randn_like_keyword", lambda L: L.randn_like(X(L), requires_gard=True),
               "unexpected keyword argument 'requires_gard'"),
    error_case("view_keyword", lambda L: X(L).view(4, foo=1), "unexpected keyword argument 'foo'"),
    error_case("sum_dims", lambda L: X(L).sum(dims=0), "unexpected keyword argument 'dims'"),
    error_case("randperm_keyword", lambda L: L.randperm(3, foo=1), "unexpected keyword"),
    error_case("randint_keyword", lambda L: L.randint(3, (2,), foo=1), "unexpected keyword"),
    error_case("to_keyword", lambda L: X(L).to(foo=1), "unexpected keyword argument 'foo'"),
    error_case("eye_keyword", lambda L: L.eye(2, foo=1), "unexpected keyword argument 'foo'"),
    error_case("arange_keyword", lambda L: L.arange(3, foo=1), "unexpected keyword argument 'foo'"),
    error_case("legacy_constructor_keyword", lambda L: L.Tensor(2, foo=1), "unexpected keyword"),
    error_case("zeros_dtype_str", lambda L: L.zeros(2, dtype="a"),
               r"^zeros\(\): argument 'dtype' must be \w+\.dtype, not str$"),
    error_case("pow_str", lambda L: L.pow(X(L), "a"), r"^pow\(\): argument 'exponent' \(position 2\)"),
    error_case("masked_fill_none", lambda L: X(L).masked_fill(None, 1),
               r"^masked_fill\(\): argument 'mask' \(position 1\) must be Tensor, not NoneType$"),
    error_case("masked_fill_str_value", lambda L: X(L).masked_fill(X(L) > 0, "a"),
               r"^masked_fill\(\): argument 'value' \(position 2\) must be Tensor, not str$"),
    error_case("eq_str", lambda L: L.eq(X(L), "a"), r"^eq\(\): argument 'other' \(position 2\)"),
    error_case("fill__str", lambda L: X(L).fill_("a"), r"^fill_\(\): argument 'value'"),
    error_case("x_view_str", lambda L: X(L).view("a"), r"^view\(\): argument 'size'"),
    # These used to crash (a null optional dereferenced, a division by a zero size).
    error_case("permute_none", lambda L: L.tensor(-1).permute(None), "must be tuple of ints"),
    error_case("permute_function_none", lambda L: L.permute(L.ones(2), None)),
    error_case("movedim_none", lambda L: L.ones(2, 3).movedim(None, 0), None),
    error_case("arange_empty_tensor", lambda L: L.arange(L.zeros(0)),
               r"^arange\(\): argument 'end' .*must be Number, not Tensor$"),
    error_case("arange_two_element_tensor", lambda L: L.arange(0, L.zeros(2)), None),
    error_case("slice_bound_empty_tensor", lambda L: L.ones(4)[L.zeros(0, dtype=L.int64):2]),
]


@pytest.mark.parametrize("fn,match", SAME_TYPE)
def test_same_error_type_as_torch(fn, match):
    check_error(fn, match)


BIG = [
    pytest.param(lambda L, t: L.mm(t, "b"), id="mm"),
    pytest.param(lambda L, t: t.add(t, foo=1), id="keyword"),
    pytest.param(lambda L, t: L.where(t > 0, t, "a"), id="where"),
    pytest.param(lambda L, t: t.sum("a"), id="own_message"),
    pytest.param(lambda L, t: L.cat([t], 0, 1), id="count"),
    pytest.param(lambda L, t: F(L).cross_entropy(t, t, foo=1), id="functional"),
    pytest.param(lambda L, t: L.max(t, "a"), id="overloads"),
]


@pytest.mark.parametrize("fn", BIG)
def test_messages_are_one_line_without_values(fn):
    t = cgrad.full((50, 50), 1234.5)
    with pytest.raises(TypeError) as info:
        fn(cgrad, t)
    message = str(info.value)
    assert "\n" not in message and "1234" not in message and "incompatible" not in message


def test_no_bound_function_takes_arbitrary_keywords():
    # Every keyword a factory or method reads is named; none is read out of **kwargs and
    # the rest dropped. (The random ones check theirs one by one; x.acos_(...) and friends
    # pass theirs on to x.acos(...), which checks them.)
    allowed = {"randint", "randint_like", "randperm", "normal"}
    for owner in (cgrad._C, cgrad._C._nn, cgrad.Tensor):
        for name in dir(owner):
            signatures = " ".join(cgrad._C._signatures(getattr(owner, name)))
            forwards = name.endswith("_") and hasattr(owner, name[:-1])
            if "**kwargs" in signatures and name not in allowed and not forwards and not name.startswith("__"):
                raise AssertionError(f"{name} takes **kwargs")


DEVICES = [
    pytest.param(lambda L: L.ones(2, device="cpu"), id="ones"),
    pytest.param(lambda L: L.tensor([1.0], device="cpu"), id="tensor"),
    pytest.param(lambda L: L.zeros_like(L.ones(2), device="cpu"), id="zeros_like"),
    pytest.param(lambda L: L.arange(3, device="cpu"), id="arange"),
    pytest.param(lambda L: L.full((2,), 1.0, device="cpu"), id="full"),
    pytest.param(lambda L: L.eye(2, device="cpu"), id="eye"),
    pytest.param(lambda L: L.randint(3, (2,), device="cpu"), id="randint"),
    pytest.param(lambda L: L.ones(2).to("cpu", L.float64, False, True), id="to_positional_flags"),
    pytest.param(lambda L: L.Tensor(2, device="cpu"), id="legacy_constructor"),
]


@pytest.mark.parametrize("fn", DEVICES)
def test_cpu_device_is_accepted(fn):
    t, c = fn(torch), fn(cgrad)
    assert tuple(c.shape) == tuple(t.shape)
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]


# CUDA raises AssertionError, as in torch's CPU build; other devices RuntimeError.
@pytest.mark.parametrize("fn,error", [
    pytest.param(lambda L: L.ones(2, device="cuda"), AssertionError, id="ones"),
    pytest.param(lambda L: L.tensor([1.0], device="cuda:0"), AssertionError, id="tensor"),
    pytest.param(lambda L: L.rand_like(L.ones(2), device="meta"), RuntimeError,
                 id="rand_like"),
    pytest.param(lambda L: L.arange(3, device="cuda"), AssertionError, id="arange"),
])
def test_other_devices_are_refused_not_ignored(fn, error):
    with pytest.raises(error, match="CPU only"):
        fn(cgrad)


ARANGE = [
    pytest.param(lambda L: L.arange(end=5), id="end_keyword"),
    pytest.param(lambda L: L.arange(start=1, end=5), id="start_end_keywords"),
    pytest.param(lambda L: L.arange(1, end=5), id="end_keyword_after_start"),
    pytest.param(lambda L: L.arange(0, 7, step=2), id="step_keyword"),
    pytest.param(lambda L: L.ones(size=(2, 3)), id="ones_size_keyword"),
]


@pytest.mark.parametrize("fn", ARANGE)
def test_factory_keywords(fn):
    assert fn(cgrad).tolist() == fn(torch).tolist()
