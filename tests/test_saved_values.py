"""Non-tensor saved values on graph nodes, as torch 2.13 shows them (Note [Saved values]):
for each op here, every `_saved_<name>` that is not a tensor (dims, sizes, flags, scalars)
is on cgrad's node with torch's value, and cgrad shows none that torch does not."""
import numpy as np
import pytest

from parity import F, R, make  # noqa: E402

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

X, Y = R(4, 6), R(4, 6)
IMAGES = R(2, 3, 4, 4)
SIGNALS, FILTERS = R(2, 3, 8), R(4, 3, 3)
PICTURES, KERNELS = R(2, 3, 8, 8), R(4, 3, 3, 3)
CLASSES = np.array([0, 5, 2, 3])


def value_case(id, fn, *inputs):
    return pytest.param(fn, inputs, id=id)


CASES = [
    value_case("add", lambda L, a, b: a + b, X, Y),
    value_case("add_scalar", lambda L, a: a + 2, X),
    value_case("add_alpha", lambda L, a, b: L.add(a, b, alpha=2), X, Y),
    value_case("add_float_alpha", lambda L, a, b: L.add(a, b, alpha=0.5), X, Y),
    value_case("sub", lambda L, a, b: a - b, X, Y),
    value_case("sub_alpha", lambda L, a, b: L.sub(a, b, alpha=-3), X, Y),
    value_case("pow_int", lambda L, a: a ** 2, X),
    value_case("pow_float", lambda L, a: a.pow(2.5), X),
    value_case("sum", lambda L, a: a.sum(), X),
    value_case("sum_dim", lambda L, a: a.sum(1), X),
    value_case("sum_negative_dim_keepdim", lambda L, a: a.sum(-1, keepdim=True), X),
    value_case("sum_dims", lambda L, a: a.sum((0, 1)), X),
    value_case("mean", lambda L, a: a.mean(), X),
    value_case("mean_dim", lambda L, a: a.mean(0), X),
    value_case("mean_negative_dim", lambda L, a: a.mean(-1, keepdim=True), X),
    value_case("amax", lambda L, a: a.amax(1), X),
    value_case("logsumexp", lambda L, a: a.logsumexp(-1), X),
    value_case("cumsum", lambda L, a: a.cumsum(-1), X),
    value_case("view", lambda L, a: a.view(24), X),
    value_case("view_negative", lambda L, a: a.view(-1, 3), X),
    value_case("flatten", lambda L, a: a.flatten(1), IMAGES),
    value_case("expand", lambda L, a: a[:1].expand(4, 6), X),
    value_case("transpose", lambda L, a: a.transpose(0, 1), X),
    value_case("transpose_negative", lambda L, a: a.transpose(-1, -2), X),
    value_case("permute", lambda L, a: a.permute(0, 2, 3, 1), IMAGES),
    value_case("permute_negative", lambda L, a: a.permute(-1, 0), X),
    value_case("unsqueeze", lambda L, a: a.unsqueeze(1), X),
    value_case("unsqueeze_negative", lambda L, a: a.unsqueeze(-1), X),
    value_case("squeeze_all", lambda L, a: a.unsqueeze(1).squeeze(), X),
    value_case("squeeze_dim", lambda L, a: a.unsqueeze(1).squeeze(1), X),
    value_case("select", lambda L, a: a[1], X),
    value_case("select_negative", lambda L, a: a.select(-1, -1), X),
    value_case("slice", lambda L, a: a[1:3], X),
    value_case("slice_open_end", lambda L, a: a[1:], X),
    value_case("slice_step", lambda L, a: a[::2], X),
    value_case("slice_negative", lambda L, a: a[-3:-1], X),
    value_case("cat", lambda L, a, b: L.cat([a, b], 1), X, Y),
    value_case("cat_negative", lambda L, a, b: L.cat([a, b], -1), X, Y),
    value_case("stack", lambda L, a, b: L.stack([a, b]), X, Y),
    value_case("split", lambda L, a: a.split(2)[0], X),
    value_case("split_negative", lambda L, a: a.split(2, -1)[1], X),
    value_case("chunk", lambda L, a: a.chunk(3, 1)[0], X),
    value_case("split_with_sizes", lambda L, a: a.split([1, 3])[0], X),
    value_case("split_with_sizes_negative", lambda L, a: a.split([2, 4], -1)[1], X),
    value_case("unbind", lambda L, a: a.unbind(-1)[0], X),
    value_case("mm", lambda L, a, b: a @ b.t(), X, Y),
    value_case("mm_transposed_operands", lambda L, a, b: a.t() @ b, X, Y),
    value_case("mm_only_self", lambda L, a, b: a @ b.detach().t(), X, Y),
    value_case("mm_only_mat2", lambda L, a, b: a.detach() @ b.t(), X, Y),
    value_case("linear", lambda L, a, w: F(L).linear(a, w), X, R(3, 6)),
    value_case("linear_bias", lambda L, a, w, b: F(L).linear(a, w, b), X, R(3, 6), R(3)),
    value_case("addmm", lambda L, b, a, m: L.addmm(b, a, m, beta=2, alpha=0.5), R(3), X, R(6, 3)),
    value_case("softmax", lambda L, a: a.softmax(1), X),
    value_case("log_softmax_negative", lambda L, a: a.log_softmax(-1), X),
    value_case("layer_norm", lambda L, a: F(L).layer_norm(a, (6,)), X),
    value_case("batch_norm_train", lambda L, a: F(L).batch_norm(a, None, None, training=True), IMAGES),
    value_case("batch_norm_eval", lambda L, a: F(L).batch_norm(
        a, L.zeros(3), L.ones(3), training=False, eps=1e-3), IMAGES),
    value_case("index", lambda L, a: a[L.tensor([0, 2])], X),
    value_case("mse_loss", lambda L, a, b: F(L).mse_loss(a, b), X, Y),
    value_case("mse_loss_sum", lambda L, a, b: F(L).mse_loss(a, b, reduction="sum"), X, Y),
    value_case("mse_loss_none", lambda L, a, b: F(L).mse_loss(a, b, reduction="none"), X, Y),
    value_case("max_dim", lambda L, a: a.max(1)[0], X),
    value_case("min_dim_negative_keepdim", lambda L, a: a.min(-1, keepdim=True)[0], X),
    value_case("sort", lambda L, a: a.sort(1)[0], X),
    value_case("sort_stable", lambda L, a: a.sort(dim=-1, stable=True)[0], X),
    value_case("topk", lambda L, a: a.topk(2)[0], X),
    value_case("topk_dim", lambda L, a: a.topk(2, dim=0)[0], X),
    value_case("flip", lambda L, a: a.flip(0, -1), X),
    value_case("roll", lambda L, a: a.roll((1, -2), (0, -1)), X),
    value_case("roll_flat", lambda L, a: a.roll(3), X),
    value_case("repeat", lambda L, a: a.repeat(2, 1, 3), X),
    value_case("gather", lambda L, a: a.gather(-1, L.tensor([[0], [2], [1], [5]])), X),
    value_case("pad", lambda L, a: F(L).pad(a, (1, -1, 2, 0)), X),
    value_case("embedding", lambda L, w: F(L).embedding(L.tensor([0, 3]), w), X),
    value_case("embedding_padding_idx", lambda L, w: F(L).embedding(L.tensor([0, 3]), w,
                                                                    padding_idx=-1), X),
    value_case("nll_loss", lambda L, a: F(L).nll_loss(a, L.tensor(CLASSES)), X),
    value_case("cross_entropy_sum_ignore", lambda L, a: F(L).cross_entropy(
        a, L.tensor(CLASSES), reduction="sum", ignore_index=2), X),
    value_case("conv1d", lambda L, x, w, b: F(L).conv1d(x, w, b, stride=2, padding=1),
               SIGNALS, FILTERS, R(4)),
    value_case("conv2d", lambda L, x, w: F(L).conv2d(x, w, padding=1), PICTURES, KERNELS),
    value_case("conv2d_strided_dilated", lambda L, x, w, b: F(L).conv2d(
        x, w, b, stride=(1, 2), dilation=2), PICTURES, KERNELS, R(4)),
    value_case("conv2d_groups", lambda L, x, w: F(L).conv2d(x, w, groups=3), PICTURES,
               R(3, 1, 3, 3)),
    value_case("conv2d_same", lambda L, x, w: F(L).conv2d(x, w, padding="same"), PICTURES,
               KERNELS),
    value_case("max_pool2d", lambda L, x: F(L).max_pool2d(x, 2), PICTURES),
    value_case("max_pool2d_options", lambda L, x: F(L).max_pool2d(
        x, 3, stride=2, padding=1, ceil_mode=True), PICTURES),
    value_case("max_pool2d_dilated", lambda L, x: F(L).max_pool2d(
        x, (2, 3), stride=(1, 2), dilation=2), PICTURES),
    value_case("max_pool2d_module", lambda L, x: L.nn.MaxPool2d(2)(x), PICTURES),
    value_case("avg_pool2d", lambda L, x: F(L).avg_pool2d(x, 2), PICTURES),
    value_case("avg_pool2d_options", lambda L, x: F(L).avg_pool2d(
        x, 3, 2, 1, count_include_pad=False, divisor_override=4), PICTURES),
    value_case("avg_pool2d_module", lambda L, x: L.nn.AvgPool2d(2)(x), PICTURES),
    value_case("gelu", lambda L, a: F(L).gelu(a), X),
    value_case("gelu_tanh", lambda L, a: F(L).gelu(a, approximate="tanh"), X),
    value_case("silu", lambda L, a: F(L).silu(a), X),
    value_case("clamp", lambda L, a: a.clamp(-1, 1), X),
    value_case("clamp_float_min", lambda L, a: a.clamp(min=0.5), X),
    value_case("clamp_max", lambda L, a: a.clamp(max=0), X),
    value_case("clamp_min", lambda L, a: a.clamp_min(0.5), X),
    value_case("clamp_max_int", lambda L, a: a.clamp_max(1), X),
    value_case("smooth_l1_loss", lambda L, a, b: F(L).smooth_l1_loss(a, b, beta=0.5), X, Y),
    value_case("huber_loss_sum", lambda L, a, b: F(L).huber_loss(a, b, reduction="sum", delta=2),
               X, Y),
    value_case("binary_cross_entropy", lambda L, a, b: F(L).binary_cross_entropy(
        a.sigmoid(), b.sigmoid().detach()), X, Y),
    value_case("binary_cross_entropy_none", lambda L, a, b: F(L).binary_cross_entropy(
        a.sigmoid(), b.sigmoid().detach(), reduction="none"), X, Y),
    value_case("binary_cross_entropy_with_logits", lambda L, a, b: F(L).binary_cross_entropy_with_logits(
        a, b.sigmoid().detach()), X, Y),
    value_case("mul", lambda L, a, b: a * b, X, Y),
    value_case("tanh", lambda L, a: a.tanh(), X),
]


def saved_values(lib, node):
    out = {}
    for name in dir(node):
        if not name.startswith("_saved_"):
            continue
        value = getattr(node, name)
        if isinstance(value, lib.Tensor) or (isinstance(value, tuple) and value
                                             and isinstance(value[0], lib.Tensor)):
            continue  # saved tensors: tests/test_saved_tensors.py
        out[name] = value
    return out


@pytest.mark.parametrize("fn, inputs", CASES)
def test_saved_values_match_torch(fn, inputs):
    shown = []
    for lib in (torch, cgrad):
        node = fn(lib, *[make(lib, x, True) for x in inputs]).grad_fn
        shown.append((node.name(), saved_values(lib, node)))
    (t_name, theirs), (c_name, ours) = shown
    assert c_name == t_name
    assert ours == theirs
    for name, value in theirs.items():  # bool/int/float kept apart (True == 1 == 1.0)
        assert type(ours[name]) is type(value), name


def test_saved_values_are_read_only_and_outlive_backward():
    x = cgrad.tensor(X, requires_grad=True)
    y = x.sum(-1)
    y.backward(cgrad.ones(4))
    # torch keeps a node's non-tensor values after backward frees its tensors
    assert y.grad_fn._saved_dim == (2 ** 64 - 1,)
    assert y.grad_fn._saved_self_sym_sizes == (4, 6)
    with pytest.raises(AttributeError, match="_saved_nothing"):
        y.grad_fn._saved_nothing
