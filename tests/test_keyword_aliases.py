"""Keyword spellings torch also accepts (Note [Keyword aliases]): numpy's axis, keepdims,
x and x2 on functions and methods, and add/sub's alpha=. One line per case."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import I, R, case, check  # noqa: E402

CASES = [
    # ---- axis / keepdims ----
    case("sum_axis", lambda L, x: x.sum(axis=1), R(3, 4)),
    case("sum_axis_keepdims", lambda L, x: L.sum(x, axis=0, keepdims=True), R(3, 4)),
    case("mean_axis_keepdims", lambda L, x: x.mean(axis=(0, 1), keepdims=True), R(3, 4)),
    case("amax_axis", lambda L, x: L.amax(x, axis=1), R(3, 4)),
    case("max_axis", lambda L, x: x.max(axis=1, keepdims=True), R(3, 4)),
    case("argmin_axis", lambda L, x: x.argmin(axis=0), R(3, 4), grad=False),
    case("var_axis", lambda L, x: x.var(axis=1, keepdims=True), R(3, 4)),
    case("logsumexp_axis", lambda L, x: L.logsumexp(x, axis=1), R(3, 4)),
    case("softmax_axis", lambda L, x: x.softmax(axis=1), R(3, 4)),
    case("cumsum_axis", lambda L, x: L.cumsum(x, axis=0), R(3, 4)),
    case("squeeze_axis", lambda L, x: x.squeeze(axis=0), R(1, 4)),
    case("unsqueeze_axis", lambda L, x: L.unsqueeze(x, axis=1), R(4)),
    case("all_axis", lambda L, x: (x > 0).all(axis=1, keepdims=True), R(3, 4), grad=False),
    case("cat_axis", lambda L, x, y: L.cat([x, y], axis=1), R(2, 3), R(2, 1)),
    case("dim_still_works", lambda L, x: x.sum(dim=1, keepdim=True), R(3, 4)),
    # ---- x / x2 for input / other ----
    case("exp_x", lambda L, x: L.exp(x=x), R(3)),
    case("add_x_x2", lambda L, x, y: L.add(x=x, x2=y), R(3), R(3)),
    case("mul_input_x2", lambda L, x, y: L.mul(x, x2=y), R(3), R(3)),
    # ---- alpha ----
    case("add_alpha", lambda L, x, y: L.add(x, y, alpha=2), R(3), R(3)),
    case("add_alpha_method", lambda L, x, y: x.add(y, alpha=-0.5), R(2, 3), R(3)),
    case("add_alpha_scalar_other", lambda L, x: x.add(1, alpha=2), R(3)),
    case("sub_alpha", lambda L, x, y: L.sub(x, y, alpha=3), R(3), R(3)),
    case("sub_alpha_method", lambda L, x, y: x.sub(y, alpha=0.25), R(3), R(2, 3)),
    case("add_alpha_0d_tensor", lambda L, x, y: x.add(y, alpha=L.tensor(2.0)), R(3), R(3)),
    case("add_alpha_int", lambda L, x, y: L.add(x, y, alpha=3), I(3), I(3)),
    case("add_alpha_big_int", lambda L, x, y: x.add(y, alpha=2**60 + 1), I(3), I(3)),
    case("sub_alpha_int_scalar", lambda L, x: x.sub(2, alpha=-7), I(3)),
    case("add_alpha_bool", lambda L, x, y: x.add(y, alpha=True), np.array([True, False]),
         np.array([False, False])),
    case("add_alpha_int_to_float_result", lambda L, x: L.add(x, 1.5, alpha=2), I(3)),
    case("add_alpha_f64", lambda L, x, y: L.add(x, y, alpha=1e-3), R(3, dtype=np.float64),
         R(3, dtype=np.float64)),
    case("add_alpha_inplace", lambda L, x, y: (x * 1).add_(y, alpha=2), R(3), R(3)),
    case("sub_alpha_inplace", lambda L, x, y: (x * 1).sub_(y, alpha=-2), R(3), R(3)),
    case("sub_alpha_inplace_int", lambda L, x, y: x.clone().sub_(y, alpha=5), I(3), I(3)),
]


@pytest.mark.parametrize("fn,inputs,grad", CASES)
def test_alias(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


ERRORS = [
    error_case("alpha_float_int", lambda L: L.tensor([1, 2]).add(L.tensor([1, 2]), alpha=0.5)),
    error_case("alpha_bool_int", lambda L: L.sub(L.tensor([1, 2]), L.tensor([1, 2]), alpha=True)),
    error_case("alpha_float_inplace_int", lambda L: L.tensor([1, 2]).add_(1, alpha=0.5)),
    error_case("alpha_str", lambda L: L.add(L.ones(2), L.ones(2), alpha="a")),
    error_case("alpha_none", lambda L: L.ones(2).add(L.ones(2), alpha=None)),
    error_case("alpha_bool_sub", lambda L: L.tensor([True]).sub(L.tensor([True]), alpha=2)),
    error_case("alpha_on_mul", lambda L: L.mul(L.ones(2), L.ones(2), alpha=2)),
    error_case("axis_and_dim", lambda L: L.ones(2).sum(axis=0, dim=0), None),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error(fn, match):
    check_error(fn, match)


def test_alpha_records_one_node_as_torch():
    def graph(L):
        x, y = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
        out = L.add(x, y, alpha=3)
        return out.grad_fn.name(), [f.name() for f, _ in out.grad_fn.next_functions]
    assert graph(cgrad) == graph(torch)
