"""nn.functional's layer functions against PyTorch, one line per case: dropout,
embedding, one_hot, pad, normalize, cosine_similarity, pairwise_distance,
scaled_dot_product_attention, bilinear (values, grad_fn names, gradients, errors)."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402
from parity import INF, F, R, T, case, check  # noqa: E402

F64 = np.float64
IDX = np.array([[1, 0, 3], [3, 3, 4]], np.int64)


def table(L, w):
    return w  # the embedding weight is an input of the case (its gradient is compared)


CASES = [
    # ---- bilinear ----
    case("bilinear", lambda L, a, b, w, c: F(L).bilinear(a, b, w, c), R(4, 3), R(4, 2), R(5, 3, 2), R(5)),
    case("bilinear_no_bias", lambda L, a, b, w: F(L).bilinear(a, b, w), R(4, 3), R(4, 2), R(5, 3, 2)),
    case("bilinear_batched", lambda L, a, b, w: F(L).bilinear(a, b, w), R(2, 3, 3), R(2, 3, 4), R(2, 3, 4)),
    case("bilinear_1d", lambda L, a, b, w, c: F(L).bilinear(a, b, w, c), R(3), R(4), R(5, 3, 4), R(5)),
    case("bilinear_empty_batch", lambda L, a, b, w: F(L).bilinear(a, b, w), R(0, 3), R(0, 2), R(5, 3, 2)),
    case("bilinear_f64", lambda L, a, b, w: F(L).bilinear(a.t(), b, w), R(3, 4, dtype=F64),
         R(4, 2, dtype=F64), R(1, 3, 2, dtype=F64)),
    # ---- embedding ----
    case("emb", lambda L, w, i: F(L).embedding(i, w), R(5, 3), IDX),
    case("emb_1d", lambda L, w, i: F(L).embedding(i, w), R(5, 3), IDX[0]),
    case("emb_0d", lambda L, w, i: F(L).embedding(i, w), R(5, 3), np.array(2, np.int64)),
    case("emb_int32", lambda L, w, i: F(L).embedding(i, w), R(5, 3), IDX.astype(np.int32)),
    case("emb_padding", lambda L, w, i: F(L).embedding(i, w, padding_idx=3), R(5, 3), IDX),
    case("emb_padding_negative", lambda L, w, i: F(L).embedding(i, w, padding_idx=-2), R(5, 3),
         IDX),
    case("emb_f64", lambda L, w, i: F(L).embedding(i, w), R(5, 2, dtype=F64), IDX),
    case("emb_strided_weight", lambda L, w, i: F(L).embedding(i, w.t()), R(3, 5), IDX),
    case("torch_embedding", lambda L, w, i: L.embedding(w, i), R(5, 3), IDX),
    # ---- one_hot ----
    case("one_hot", lambda L, i: F(L).one_hot(i), np.array([0, 3, 1], np.int64)),
    case("one_hot_classes", lambda L, i: F(L).one_hot(i, 6), IDX),
    case("one_hot_0d", lambda L, i: F(L).one_hot(i, 4), np.array(2, np.int64)),
    case("one_hot_empty", lambda L, i: F(L).one_hot(i, 3), np.zeros((0, 2), np.int64)),
    # ---- pad ----
    case("pad_constant", lambda L, x: F(L).pad(x, (1, 2)), R(3, 4)),
    case("pad_constant_value", lambda L, x: F(L).pad(x, [1, 0, 2, 1], value=-1.5), R(3, 4)),
    case("pad_constant_3dims", lambda L, x: F(L).pad(x, (1, 1, 0, 2, 1, 0)), R(2, 3, 2)),
    case("pad_constant_crop", lambda L, x: F(L).pad(x, (-1, 2, 1, -2)), R(3, 4)),
    case("pad_constant_strided", lambda L, x: F(L).pad(x, (2, 1)), T(R(4, 3))),
    case("pad_constant_f64", lambda L, x: F(L).pad(x, (1, 1)), R(2, 2, dtype=F64)),
    case("constant_pad_nd", lambda L, x: L.constant_pad_nd(x, (1, 1), 2.0), R(2, 3)),
    case("pad_reflect_1d", lambda L, x: F(L).pad(x, (2, 1), mode="reflect"), R(2, 3, 4)),
    case("pad_reflect_2d", lambda L, x: F(L).pad(x, (1, 2, 2, 1), mode="reflect"), R(1, 2, 3, 4)),
    case("pad_reflect_3d", lambda L, x: F(L).pad(x, (1, 1, 1, 0, 0, 1), mode="reflect"),
         R(1, 1, 2, 3, 3)),
    case("pad_reflect_no_batch", lambda L, x: F(L).pad(x, (1, 2), mode="reflect"), R(3, 4)),
    case("pad_reflect_crop", lambda L, x: F(L).pad(x, (-1, 2), mode="reflect"), R(1, 2, 4)),
    case("pad_replicate_1d", lambda L, x: F(L).pad(x, (3, 1), mode="replicate"), R(2, 3, 2)),
    case("pad_replicate_2d", lambda L, x: F(L).pad(x, (1, 2, 3, 1), mode="replicate"), R(2, 3, 4)),
    case("pad_replicate_3d", lambda L, x: F(L).pad(x, (1, 0, 2, 1, 1, 1), mode="replicate"),
         R(1, 2, 2, 2, 3)),
    case("pad_circular_1d", lambda L, x: F(L).pad(x, (2, 1), mode="circular"), R(2, 3, 4)),
    case("pad_circular_2d", lambda L, x: F(L).pad(x, (1, 2, 2, 1), mode="circular"), R(1, 2, 3, 4)),
    # ---- normalize, cosine_similarity, pairwise_distance ----
    case("normalize", lambda L, x: F(L).normalize(x), R(3, 4)),
    case("normalize_p1_dim0", lambda L, x: F(L).normalize(x, p=1, dim=0), R(3, 4)),
    case("normalize_zero_row", lambda L, x: F(L).normalize(x * 0), R(2, 3)),
    case("cosine", lambda L, a, b: F(L).cosine_similarity(a, b), R(3, 4), R(3, 4)),
    case("cosine_dim", lambda L, a, b: F(L).cosine_similarity(a, b, dim=-1), R(2, 3, 4), R(2, 3, 4)),
    case("cosine_broadcast", lambda L, a, b: F(L).cosine_similarity(a, b, dim=1), R(3, 4), R(1, 4)),
    # torch ends in its legacy norm's node (NormBackward1), cgrad in the vector norm's.
    case("pairwise", lambda L, a, b: _values(F(L).pairwise_distance(a, b)), R(3, 4), R(3, 4)),
    case("pairwise_p1_keepdim", lambda L, a, b: _values(F(L).pairwise_distance(
        a, b, p=1, keepdim=True)), R(3, 4), R(4)),
    # ---- scaled_dot_product_attention (torch's node is a fused kernel's: values only) ----
    case("sdpa", lambda L, q, k, v: _values(F(L).scaled_dot_product_attention(q, k, v)),
         R(2, 3, 4), R(2, 5, 4), R(2, 5, 6)),
    case("sdpa_4d_causal", lambda L, q, k, v: _values(F(L).scaled_dot_product_attention(
        q, k, v, is_causal=True)), R(2, 2, 4, 3), R(2, 2, 4, 3), R(2, 2, 4, 3)),
    case("sdpa_scale", lambda L, q, k, v: _values(F(L).scaled_dot_product_attention(
        q, k, v, scale=0.3)), R(3, 4), R(5, 4), R(5, 2)),
    case("sdpa_bool_mask", lambda L, q, k, v: _values(F(L).scaled_dot_product_attention(
        q, k, v, attn_mask=L.tensor([[True, False, True], [True, True, False]]))),
        R(2, 2, 4), R(2, 3, 4), R(2, 3, 4)),
    case("sdpa_float_mask", lambda L, q, k, v, m: _values(F(L).scaled_dot_product_attention(
        q, k, v, attn_mask=m)), R(2, 2, 4), R(2, 3, 4), R(2, 3, 4), R(2, 3)),
    # a query that may attend to nothing: zeros and zero gradients, as torch's
    case("sdpa_bool_mask_blocked_row", lambda L, q, k, v: _values(
        F(L).scaled_dot_product_attention(q, k, v, attn_mask=L.tensor(
            [[True, False, True], [False, False, False]]))), R(2, 2, 4), R(2, 3, 4), R(2, 3, 4)),
    case("sdpa_float_mask_blocked_row", lambda L, q, k, v: _values(
        F(L).scaled_dot_product_attention(q, k, v, attn_mask=L.tensor(
            [[-INF, -INF, -INF], [0.0, -INF, 1.0]]))), R(2, 2, 4), R(2, 3, 4), R(2, 3, 4)),
]


def _values(out):
    """The output with its grad_fn hidden, where torch's node is one cgrad does not have."""
    return out * 1 if out.requires_grad else out


@pytest.mark.parametrize("fn, inputs, grad", CASES)
def test_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


# ---- dropout ----

def _same_random_streams():
    cgrad.manual_seed(7)
    torch.manual_seed(7)
    return np.array_equal(cgrad.rand(8).numpy(), torch.rand(8).numpy())


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_keeps_scaled_values_and_their_gradient(p):
    x = cgrad.tensor(R(40, 50) + 3.0, requires_grad=True)  # no zeros in x
    y = F(cgrad).dropout(x, p)
    assert y.grad_fn.name() == "MulBackward0"
    kept = y.detach().numpy() != 0
    np.testing.assert_allclose(y.detach().numpy()[kept], x.detach().numpy()[kept] / (1 - p),
                               rtol=1e-6)
    assert abs(kept.mean() - (1 - p)) < 0.05
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept / np.float32(1 - p), rtol=1e-6)


def test_dropout_mask_matches_torch_for_the_same_seed():
    if not _same_random_streams():
        pytest.skip("cgrad's random streams are not torch's yet (branch rng)")
    x = R(6, 7)
    outs = []
    for L in (torch, cgrad):
        L.manual_seed(3)
        outs.append(F(L).dropout(L.tensor(x), 0.4).numpy())
    np.testing.assert_array_equal(outs[1], outs[0])


@pytest.mark.parametrize("kwargs", [dict(p=0.3, training=False), dict(p=0.0)])
def test_dropout_that_does_nothing_returns_its_input(kwargs):
    for L in (torch, cgrad):
        x = L.ones(3, requires_grad=True)
        assert F(L).dropout(x, **kwargs) is x


def test_dropout_p1_zeroes_with_a_mul_node():
    check(lambda L, x: F(L).dropout(x, 1.0), R(3, 4))


def test_dropout_inplace_writes_its_input():
    x = cgrad.ones(30, 30)
    y = F(cgrad).dropout(x, 0.5, inplace=True)
    assert y is x and set(np.unique(x.numpy())) <= {0.0, 2.0}


def test_embedding_max_norm_renormalizes_used_rows_in_place():
    w = R(5, 3) * 3
    outs = []
    for L in (torch, cgrad):
        weight = L.tensor(w)
        out = F(L).embedding(L.tensor(IDX), weight, max_norm=1.0)
        outs.append((out.numpy(), weight.numpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-5)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-5)


@pytest.mark.parametrize("padding_idx", [None, 3])
def test_embedding_double_backward_records_torchs_node(padding_idx):
    # Under create_graph the table's gradient is one EmbeddingDenseBackwardBackward0 node
    # (saving the flat indices) whose backward gathers the rows again.
    w_np = np.random.default_rng(7).standard_normal((5, 3)).astype(np.float32)
    seen = []
    for L in (torch, cgrad):
        w = L.tensor(w_np, requires_grad=True)
        y = F(L).embedding(L.tensor(IDX), w, padding_idx=padding_idx)
        (g,) = L.autograd.grad((y ** 3).sum(), w, create_graph=True)
        node = g.grad_fn
        recorded = (node.name(), [type(f).__name__ for f, _ in node.next_functions],
                    node._saved_indices.numpy(), y.grad_fn._saved_indices.numpy())
        (gg,) = L.autograd.grad((g * g).sum(), w)
        seen.append((*recorded, g.detach().numpy(), gg.numpy()))
    theirs, ours = seen
    assert ours[:2] == theirs[:2] and ours[0] == "EmbeddingDenseBackwardBackward0"
    for c, t in zip(ours[2:4], theirs[2:4]):  # the indices as given, in both nodes
        np.testing.assert_array_equal(c, t)
    for c, t in zip(ours[4:], theirs[4:]):
        np.testing.assert_allclose(c, t, rtol=1e-5, atol=1e-6)


def test_embedding_indices_changed_in_place_fail_backward_as_torch():
    errors = []
    for L in (torch, cgrad):
        w, idx = L.ones(4, 3, requires_grad=True), L.tensor([0, 2])
        y = F(L).embedding(idx, w)
        idx.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation") as e:
            y.sum().backward()
        errors.append(str(e.value))
    assert errors[1] == errors[0]


def test_embedding_gradgradcheck_with_padding():
    idx = cgrad.tensor([[1, 0, 3], [3, 3, 4]])
    w = cgrad.tensor(np.random.default_rng(8).standard_normal((5, 3)), requires_grad=True)
    assert cgrad.autograd.gradgradcheck(
        lambda w: F(cgrad).embedding(idx, w, padding_idx=3) ** 3, [w])


ERRORS = [
    error_case("bilinear_dtype", lambda L: F(L).bilinear(L.ones(2, 3, dtype=L.float64), L.ones(2, 4),
                                                         L.ones(5, 2, 4))),
    error_case("bilinear_bias_dtype", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(2, 4),
                                                              L.ones(5, 3, 4), L.ones(5, dtype=L.int64))),
    error_case("bilinear_ranks", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(4), L.ones(5, 3, 4))),
    error_case("bilinear_batch", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(3, 4), L.ones(5, 3, 4))),
    error_case("bilinear_input1", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(2, 4), L.ones(5, 2, 4))),
    error_case("bilinear_input2", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(2, 4), L.ones(5, 3, 5))),
    error_case("bilinear_weight_rank", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(2, 4), L.ones(5, 3))),
    error_case("bilinear_bias", lambda L: F(L).bilinear(L.ones(2, 3), L.ones(2, 4), L.ones(5, 3, 4),
                                                        L.ones(1, 5))),
    error_case("dropout_p", lambda L: F(L).dropout(L.ones(3), 1.5)),
    error_case("dropout_negative_p", lambda L: F(L).dropout(L.ones(3), -0.1)),
    error_case("emb_float_indices", lambda L: F(L).embedding(L.tensor([1.0]), L.ones(5, 3)),
               match=r"^Expected tensor for argument #1 'indices' to have one of the following "
                     r"scalar types: Long, Int; but got \w+\.FloatTensor instead"),
    error_case("emb_out_of_range", lambda L: F(L).embedding(L.tensor([1, 7]), L.ones(5, 3))),
    error_case("emb_negative_index", lambda L: F(L).embedding(L.tensor([-1]), L.ones(5, 3))),
    error_case("emb_padding_idx", lambda L: F(L).embedding(L.tensor([1]), L.ones(5, 3),
                                                           padding_idx=7)),
    error_case("one_hot_float", lambda L: F(L).one_hot(L.tensor([1.0]))),
    error_case("one_hot_negative", lambda L: F(L).one_hot(L.tensor([1, -2]))),
    error_case("one_hot_too_large", lambda L: F(L).one_hot(L.tensor([1, 5]), 3)),
    error_case("one_hot_empty", lambda L: F(L).one_hot(L.tensor([], dtype=L.int64))),
    error_case("pad_odd", lambda L: F(L).pad(L.ones(2, 3), (1,))),
    error_case("pad_too_long", lambda L: F(L).pad(L.ones(2, 3), (1, 1, 1, 1, 1, 1))),
    error_case("pad_mode", lambda L: F(L).pad(L.ones(2, 3), (1, 1), mode="foo")),
    error_case("pad_int", lambda L: F(L).pad(L.ones(2, 3), 5)),
    error_case("pad_float_amount", lambda L: F(L).pad(L.ones(2, 3), [1.5, 1])),
    error_case("pad_reflect_too_wide", lambda L: F(L).pad(L.ones(1, 4, 3), (3, 3), mode="reflect")),
    error_case("pad_reflect_value", lambda L: F(L).pad(L.ones(1, 4, 3), (1, 1), mode="reflect",
                                                       value=2.0)),
    error_case("pad_reflect_rank", lambda L: F(L).pad(L.ones(3), (1, 1), mode="reflect")),
    error_case("pad_replicate_rank", lambda L: F(L).pad(L.ones(4, 3), (1, 1, 1, 1),
                                                        mode="replicate")),
    error_case("pad_circular_wraps_twice", lambda L: F(L).pad(L.ones(1, 4, 3), (4, 1),
                                                              mode="circular")),
]


@pytest.mark.parametrize("fn, match", ERRORS)
def test_errors_match_torch(fn, match):
    check_error(fn, match)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_grad_is_index_add_into_zeros_bit_for_bit(dtype):
    """The table gradient is summed row by row (Note [Embedding backward by table row]):
    the same bits as index_add_ into zeros, repeated indices and -0.0 terms included."""
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 39, 300)
    idx[::7] = 39  # row 39 sums only -0.0 terms
    g = rng.standard_normal((300, 5)).astype(dtype)
    dt = getattr(cgrad, dtype)
    g[::7] = -0.0  # which must give +0.0, as 0 + -0.0 does
    w = cgrad.zeros(40, 5, dtype=dt, requires_grad=True)
    F(cgrad).embedding(cgrad.tensor(idx), w).backward(cgrad.tensor(g))
    ref = cgrad.zeros(40, 5, dtype=dt).index_add_(0, cgrad.tensor(idx), cgrad.tensor(g))
    assert w.grad.numpy().tobytes() == ref.numpy().tobytes()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_padding_row_grad_is_zero_for_nan_and_inf(dtype, create_graph):
    """The padding row's gradient is exactly 0 even where the upstream gradient at a
    padding position is NaN or inf (a 0/1 mask product would leave NaN there)."""
    idx = np.array([0, 2, 1, 2, 2], np.int64)
    g = R(5, 3).astype(dtype)
    g[1, 0], g[3, 1], g[4, 2] = np.nan, np.inf, -np.inf
    results = []
    for L in (torch, cgrad):
        w = L.tensor(R(4, 3).astype(dtype), requires_grad=True)
        upstream = L.tensor(g, requires_grad=create_graph)
        out = F(L).embedding(L.tensor(idx), w, padding_idx=2)
        gw, = L.autograd.grad(out, w, upstream, create_graph=create_graph)
        second = L.autograd.grad(gw.sum(), upstream)[0].numpy() if create_graph else None
        results.append((gw.detach().numpy(), second))
    np.testing.assert_array_equal(results[1][0], results[0][0])
    if create_graph:
        np.testing.assert_array_equal(results[1][1], results[0][1])
