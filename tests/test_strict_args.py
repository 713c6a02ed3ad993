"""Arguments are checked as torch checks them: a bad argument raises torch's exception
type (TypeError for wrong types and unknown keywords), never crashes the process, and
never prints tensor values. One line per case."""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402


def F(L):
    return L.nn.functional


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
