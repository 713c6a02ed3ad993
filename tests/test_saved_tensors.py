"""Saved tensors on graph nodes as torch 2.13 names them: for each op, the tensor-valued
`_saved_<name>` attributes that dir(grad_fn) lists are torch's, and hold torch's values.
(torch's non-tensor attributes, such as `_saved_dim`, are not compared.)"""
import gc

import numpy as np
import pytest

from parity import F, I, P, R, assert_same, make, tolerances  # noqa: E402

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def saved_case(id, fn, *inputs, grad=None):
    """`fn(lib, *tensors)` returns a tensor whose grad_fn is compared; `grad` says which
    inputs require grad (default: every floating one)."""
    return pytest.param(fn, inputs, grad, id=id)


def second_order(f):
    """The node of f's gradient, taken with create_graph (the ...BackwardBackward0 ops)."""
    def run(lib, x):
        y = f(lib, x)
        upstream = lib.tensor(np.linspace(-1.0, 1.0, y.numel()).reshape(tuple(y.shape)),
                              dtype=y.dtype)
        return lib.autograd.grad(y, x, upstream, create_graph=True)[0]
    return run


X, Y, Z = R(2, 3), R(2, 3), R(2, 3)
POS, POS2 = P(2, 3), P(2, 3)
W, V, U = R(3, 4), R(3), R(3)
PROB, TARGET_PROB = P(2, 3) / 2.5, P(2, 3) / 2.5
CLASSES = I(2, low=0, high=3)
INDEX = I(2, 3, low=0, high=3)

CASES = [
    saved_case("mul", lambda L, a, b: a * b, X, Y),
    saved_case("mul_only_self", lambda L, a, b: a * b, X, Y, grad=(True, False)),
    saved_case("mul_scalar", lambda L, a: a * 2, X),
    saved_case("div", lambda L, a, b: a / b, X, POS),
    saved_case("div_only_self", lambda L, a, b: a / b, X, POS, grad=(True, False)),
    saved_case("div_only_other", lambda L, a, b: a / b, X, POS, grad=(False, True)),
    saved_case("rdiv", lambda L, a: 2 / a, POS),
    saved_case("pow_scalar", lambda L, a: a ** 2, X),
    saved_case("pow_tensor", lambda L, a, b: a ** b, POS, Y),
    saved_case("pow_tensor_only_self", lambda L, a, b: a ** b, POS, Y, grad=(True, False)),
    saved_case("rpow", lambda L, a: 2 ** a, X),
    saved_case("rpow_zero_base", lambda L, a: 0 ** a, X),
    saved_case("atan2", lambda L, a, b: L.atan2(a, b), X, Y),
    saved_case("atan2_only_self", lambda L, a, b: L.atan2(a, b), X, Y, grad=(True, False)),
    saved_case("maximum", lambda L, a, b: L.maximum(a, b), X, Y),
    saved_case("minimum", lambda L, a, b: L.minimum(a, b), X, Y),
    saved_case("fmod", lambda L, a, b: L.fmod(a, b), X, POS),
    saved_case("fmod_only_self", lambda L, a, b: L.fmod(a, b), X, POS, grad=(True, False)),
    saved_case("remainder", lambda L, a, b: L.remainder(a, b), X, POS),
    saved_case("lerp_tensor", lambda L, a, b, w: L.lerp(a, b, w), X, Y, Z),
    saved_case("lerp_only_start", lambda L, a, b, w: L.lerp(a, b, w), X, Y, Z,
               grad=(True, False, False)),
    saved_case("addcmul", lambda L, x, a, b: L.addcmul(x, a, b, value=2), X, Y, Z),
    saved_case("addcdiv_only_tensor1", lambda L, x, a, b: L.addcdiv(x, a, b), X, Y, Z + 3,
               grad=(False, True, False)),
    saved_case("clamp_scalar", lambda L, a: L.clamp(a, -0.5, 0.5), X),
    saved_case("clamp_min_scalar", lambda L, a: L.clamp_min(a, -0.5), X),
    saved_case("clamp_max_scalar", lambda L, a: L.clamp_max(a, 0.5), X),
    saved_case("clamp_tensor", lambda L, a, lo, hi: L.clamp(a, lo, hi), X, Y - 1, Y + 1),
    saved_case("clamp_tensor_min_only", lambda L, a, lo: L.clamp(a, min=lo), X, Y),
    saved_case("clamp_min_tensor", lambda L, a, lo: L.clamp_min(a, lo), X, Y),
    saved_case("where", lambda L, a, b: L.where(a > 0, a, b), X, Y),
    saved_case("reciprocal", lambda L, a: a.reciprocal(), POS),
    saved_case("rsqrt", lambda L, a: a.rsqrt(), POS),
    saved_case("sin", lambda L, a: a.sin(), X),
    saved_case("cos", lambda L, a: a.cos(), X),
    saved_case("tan", lambda L, a: a.tan(), X / 4),
    saved_case("exp", lambda L, a: a.exp(), X),
    saved_case("expm1", lambda L, a: a.expm1(), X),
    saved_case("log", lambda L, a: a.log(), POS),
    saved_case("log2", lambda L, a: a.log2(), POS),
    saved_case("log10", lambda L, a: a.log10(), POS),
    saved_case("log1p", lambda L, a: a.log1p(), POS),
    saved_case("sqrt", lambda L, a: a.sqrt(), POS),
    saved_case("abs", lambda L, a: a.abs(), X),
    saved_case("tanh", lambda L, a: a.tanh(), X),
    saved_case("sigmoid", lambda L, a: a.sigmoid(), X),
    saved_case("relu", lambda L, a: a.relu(), X),
    saved_case("erf", lambda L, a: a.erf(), X),
    saved_case("asin", lambda L, a: a.asin(), X / 4),
    saved_case("acos", lambda L, a: a.acos(), X / 4),
    saved_case("atan", lambda L, a: a.atan(), X),
    saved_case("sinh", lambda L, a: a.sinh(), X),
    saved_case("cosh", lambda L, a: a.cosh(), X),
    saved_case("prod", lambda L, a: a.prod(), X),
    saved_case("prod_dim", lambda L, a: a.prod(1), X),
    saved_case("max", lambda L, a: a.max(), X),
    saved_case("max_dim", lambda L, a: a.max(1)[0], X),
    saved_case("min", lambda L, a: a.min(), X),
    saved_case("min_dim", lambda L, a: a.min(0, keepdim=True)[0], X),
    saved_case("amax", lambda L, a: a.amax(1), X),
    saved_case("amin", lambda L, a: a.amin((0, 1)), X),
    saved_case("std", lambda L, a: a.std(), X),
    saved_case("std_dim", lambda L, a: a.std(1), X),
    saved_case("var", lambda L, a: a.var(), X),
    saved_case("norm", lambda L, a: a.norm(), X),
    saved_case("norm_dim", lambda L, a: a.norm(dim=1), X),
    saved_case("norm_p1", lambda L, a: a.norm(p=1), X),
    saved_case("logsumexp", lambda L, a: a.logsumexp(1), X),
    saved_case("cumprod", lambda L, a: a.cumprod(1), X),
    saved_case("mm", lambda L, a, b: a.mm(b), X, W),
    saved_case("mm_only_self", lambda L, a, b: a.mm(b), X, W, grad=(True, False)),
    saved_case("mm_only_mat2", lambda L, a, b: a.mm(b), X, W, grad=(False, True)),
    saved_case("matmul", lambda L, a, b: a @ b, X, W),
    saved_case("mv", lambda L, a, b: a.mv(b), X, V),
    saved_case("mv_only_self", lambda L, a, b: a.mv(b), X, V, grad=(True, False)),
    saved_case("dot", lambda L, a, b: a.dot(b), V, U),
    saved_case("bmm", lambda L, a, b: a.bmm(b), R(2, 2, 3), R(2, 3, 4)),
    saved_case("addmm", lambda L, c, a, b: L.addmm(c, a, b), R(4), X, W),
    saved_case("linear", lambda L, a, w, b: F(L).linear(a, w, b), X, R(4, 3), R(4)),
    saved_case("linear_no_input_grad", lambda L, a, w, b: F(L).linear(a, w, b), X, R(4, 3),
               R(4), grad=(False, True, True)),
    saved_case("outer", lambda L, a, b: L.outer(a, b), V, U),
    saved_case("softmax", lambda L, a: a.softmax(1), X),
    saved_case("log_softmax", lambda L, a: a.log_softmax(1), X),
    saved_case("gelu", lambda L, a: F(L).gelu(a), X),
    saved_case("gelu_tanh", lambda L, a: F(L).gelu(a, approximate="tanh"), X),
    saved_case("silu", lambda L, a: F(L).silu(a), X),
    saved_case("softplus", lambda L, a: F(L).softplus(a), X),
    saved_case("leaky_relu", lambda L, a: F(L).leaky_relu(a), X),
    saved_case("elu", lambda L, a: F(L).elu(a), X),
    saved_case("gelu_backward", second_order(lambda L, a: F(L).gelu(a)), X),
    saved_case("softplus_backward", second_order(lambda L, a: F(L).softplus(a)), X),
    saved_case("leaky_relu_backward", second_order(lambda L, a: F(L).leaky_relu(a)), X),
    saved_case("elu_backward", second_order(lambda L, a: F(L).elu(a)), X),
    saved_case("relu_backward", second_order(lambda L, a: a.relu()), X),
    saved_case("softmax_backward", second_order(lambda L, a: a.softmax(1)), X),
    saved_case("log_softmax_backward", second_order(lambda L, a: a.log_softmax(1)), X),
    saved_case("mse_loss", lambda L, a, b: F(L).mse_loss(a, b), X, Y),
    saved_case("mse_loss_none", lambda L, a, b: F(L).mse_loss(a, b, reduction="none"), X, Y),
    saved_case("bce", lambda L, a, b: F(L).binary_cross_entropy(a, b), PROB, TARGET_PROB,
               grad=(True, False)),
    saved_case("bce_weight", lambda L, a, b, w: F(L).binary_cross_entropy(a, b, weight=w),
               PROB, TARGET_PROB, P(2, 3), grad=(True, False, False)),
    saved_case("bce_with_logits", lambda L, a, b: F(L).binary_cross_entropy_with_logits(a, b),
               X, TARGET_PROB),
    saved_case("bce_with_logits_weights",
               lambda L, a, b, w, pw: F(L).binary_cross_entropy_with_logits(
                   a, b, weight=w, pos_weight=pw),
               X, TARGET_PROB, P(3), P(3), grad=(True, False, False, False)),
    saved_case("nll_loss", lambda L, a, t: F(L).nll_loss(a, t), X, CLASSES),
    saved_case("nll_loss_weight", lambda L, a, t, w: F(L).nll_loss(a, t, weight=w), X, CLASSES,
               P(3), grad=(True, False, False)),
    saved_case("nll_loss_sum", lambda L, a, t: F(L).nll_loss(a, t, reduction="sum"), X, CLASSES),
    saved_case("nll_loss_none", lambda L, a, t: F(L).nll_loss(a, t, reduction="none"), X,
               CLASSES),
    saved_case("nll_loss_2d", lambda L, a, t: F(L).nll_loss(a, t), R(2, 3, 2, 2),
               I(2, 2, 2, low=0, high=3)),
    saved_case("cross_entropy", lambda L, a, t: F(L).cross_entropy(a, t), X, CLASSES),
    saved_case("gather", lambda L, a, i: a.gather(1, i), X, INDEX),
    saved_case("index_select", lambda L, a, i: a.index_select(1, i), X, I(2, low=0, high=3)),
    saved_case("masked_fill", lambda L, a: a.masked_fill(a > 0, 0.0), X),
    saved_case("masked_fill_tensor", lambda L, a, v: a.masked_fill(a > 0, v), X,
               np.float32(0.5)),
    saved_case("scatter", lambda L, a, i, s: a.scatter(1, i, s), X, INDEX, Y),
    saved_case("scatter_value", lambda L, a, i: a.scatter(1, i, 1.0), X, INDEX),
    saved_case("scatter_add", lambda L, a, i, s: a.scatter_add(1, i, s), X, INDEX, Y),
    saved_case("scatter_add_only_self", lambda L, a, i, s: a.scatter_add(1, i, s), X, INDEX, Y,
               grad=(True, False, False)),
    saved_case("index_add", lambda L, a, i, s: a.index_add(0, i, s), X, I(2, low=0, high=2), Y),
    saved_case("index_add_only_self", lambda L, a, i, s: a.index_add(0, i, s), X,
               I(2, low=0, high=2), Y, grad=(True, False, False)),
    saved_case("layer_norm", lambda L, a, w, b: F(L).layer_norm(a, (3,), w, b), X, V, U),
    saved_case("layer_norm_no_affine", lambda L, a: F(L).layer_norm(a, (2, 3)), X),
    # batch norm: the batch statistics as result1/result2, [C]; eval keeps empty ones
    saved_case("batch_norm_train", lambda L, a, w, b: F(L).batch_norm(
        a, L.zeros(3), L.ones(3), w, b, training=True), R(4, 3, 8), V, U),
    saved_case("batch_norm_train_2d", lambda L, a: F(L).batch_norm(
        a, None, None, training=True), R(4, 3)),
    saved_case("batch_norm_eval", lambda L, a, w, b: F(L).batch_norm(
        a, L.zeros(3), L.ones(3) * 2, w, b, training=False), R(4, 3, 8), V, U),
    saved_case("cdist", lambda L, a, b: L.cdist(a, b), X, Y),
    saved_case("cdist_mm", lambda L, a, b: L.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
               X, Y),
]


def node_and_saved(lib, fn, inputs, grad):
    flags = grad or [True] * len(inputs)
    tensors = [make(lib, np.asarray(x) if isinstance(x, np.floating) else x, g)
               for x, g in zip(inputs, flags)]
    node = fn(lib, *tensors).grad_fn
    names = [a for a in dir(node) if a.startswith("_saved_")]
    return node, {a: getattr(node, a) for a in names if isinstance(getattr(node, a), lib.Tensor)}


@pytest.mark.parametrize("fn, inputs, grad", CASES)
def test_saved_tensor_names_and_values_match_torch(fn, inputs, grad):
    t_node, t_saved = node_and_saved(torch, fn, inputs, grad)
    c_node, c_saved = node_and_saved(cgrad, fn, inputs, grad)
    assert type(c_node).__name__ == type(t_node).__name__
    assert sorted(c_saved) == sorted(t_saved)
    for name, t_value in t_saved.items():
        rtol, atol = tolerances(t_value)
        assert_same(c_saved[name], t_value, name, rtol, atol)


def set_at(L, a, i):
    c = a * 1
    c[i] = 5.0
    return c


INDEX_LISTS = [
    saved_case("tensor_index", lambda L, a, i: a[i], X, I(3, low=0, high=2)),
    saved_case("column_index", lambda L, a, i: a[:, i], X, I(2, low=0, high=3)),
    saved_case("two_indices", lambda L, a, i, j: a[i, j], X, I(2, low=0, high=2),
               I(2, low=0, high=3)),
    saved_case("list_index", lambda L, a: a[[1, 0]], X),
    saved_case("setitem_tensor_index", set_at, X, I(1, low=0, high=2)),
]


@pytest.mark.parametrize("fn, inputs, grad", INDEX_LISTS)
def test_saved_index_lists_match_torch(fn, inputs, grad):
    # torch shows an index list as a tuple, None where a dim is not indexed.
    lists = []
    for lib in (torch, cgrad):
        node = fn(lib, *[make(lib, x, True) for x in inputs]).grad_fn
        assert "_saved_indices" in dir(node)
        lists.append(node._saved_indices)
    theirs, ours = lists
    assert isinstance(ours, tuple) and len(ours) == len(theirs)
    for c, t in zip(ours, theirs):
        assert (c is None) == (t is None)
        if t is not None:
            assert_same(c, t, "index", 0, 0)


@pytest.mark.parametrize("fn, inputs, grad", CASES + INDEX_LISTS)
def test_graph_is_freed_with_its_output(fn, inputs, grad):
    # A node that saves its own output keeps it without a cycle (Note [Saved outputs]),
    # so dropping the output frees the node and everything it saved.
    flags = grad or [True] * len(inputs)
    tensors = [make(cgrad, np.asarray(x) if isinstance(x, np.floating) else x, g)
               for x, g in zip(inputs, flags)]
    # With the collector off, only reference counts free the graph: a cycle would leak
    # here and fail the check (a full gc.collect() would free one, and costs ~0.4 s a
    # call in a process holding the whole suite).
    gc.disable()
    try:
        before = cgrad._C._live_objects()
        out = fn(cgrad, *tensors)
        assert out.grad_fn is not None
        del out
        assert cgrad._C._live_objects() == before
    finally:
        gc.enable()


def test_saved_output_carries_its_node():
    # A saved output comes back with the node that made it as its grad_fn, as in torch.
    for lib in (torch, cgrad):
        y = make(lib, X, True).exp()
        assert type(y.grad_fn._saved_result.grad_fn).__name__ == "ExpBackward0"


def test_saved_input_is_the_input_itself():
    for lib in (torch, cgrad):
        x, w = make(lib, X, True), make(lib, Y, True)
        node = (x * w).grad_fn
        assert node._saved_self is x and node._saved_other is w


def test_saved_tensors_read_after_release_raise_torchs_error():
    messages = []
    for lib in (torch, cgrad):
        y = make(lib, X, True).sin()
        y.sum().backward()
        with pytest.raises(RuntimeError) as err:
            y.grad_fn._saved_self
        messages.append(str(err.value))
    assert messages[0] == messages[1]
