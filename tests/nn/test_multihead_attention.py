"""nn.MultiheadAttention and F.multi_head_attention_forward against torch, one line per
case: outputs, attention weights, grad_fn names, input and parameter gradients; reprs,
state_dict keys, seeded initialization, errors; a float64 gradcheck."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import check_call, check_seeded_init, normal_data, raised, seeded_pair  # noqa: E402

INF = float("inf")
L_, S_, N_, E_, H_ = 4, 5, 2, 8, 2  # target length, source length, batch, embedding, heads


def mha(**options):
    return lambda L: L.nn.MultiheadAttention(E_, H_, **options)


def bools(*shape, seed=3):
    """A bool mask with at least one key open in every row."""
    m = np.random.default_rng(seed).random(shape) < 0.4
    m[..., 0] = False
    return m


def floats(*shape, seed=4):
    """A float mask: small values, and some -inf (never a whole row)."""
    m = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    m[bools(*shape, seed=seed)] = -INF
    return m


def masks(**arrays):
    """keywords(lib) for check_call: each array as a tensor of lib; other values as they
    are."""
    return lambda L: {k: L.tensor(v) if isinstance(v, np.ndarray) else v
                      for k, v in arrays.items()}


SELF = "self"  # query, key and value are one tensor
CROSS = ((L_, N_, E_), (S_, N_, E_), (S_, N_, E_))
CROSS_BF = ((N_, L_, E_), (N_, S_, E_), (N_, S_, E_))
CROSS_UNBATCHED = ((L_, E_), (S_, E_), (S_, E_))
MEMORY = "memory"  # key and value are one tensor, the query another (a decoder's)

CASES = [
    ("self", mha(), SELF, masks()),
    ("cross", mha(), CROSS, masks()),
    ("memory", mha(), MEMORY, masks()),
    ("batch_first_self", mha(batch_first=True), ((N_, L_, E_),), masks()),
    ("batch_first_cross", mha(batch_first=True), CROSS_BF, masks()),
    ("batch_first_memory", mha(batch_first=True), ((N_, L_, E_), (N_, S_, E_)), masks()),
    ("unbatched", mha(), CROSS_UNBATCHED, masks()),
    ("unbatched_self_batch_first", mha(batch_first=True), ((L_, E_),), masks()),
    ("unbatched_masks", mha(), CROSS_UNBATCHED,
     masks(key_padding_mask=bools(S_), attn_mask=bools(H_, L_, S_))),
    ("unbatched_per_head", mha(), CROSS_UNBATCHED, masks(average_attn_weights=False)),
    ("unbatched_no_weights", mha(), CROSS_UNBATCHED,
     masks(need_weights=False, attn_mask=floats(L_, S_))),
    ("kdim_vdim", mha(kdim=3, vdim=5), ((L_, N_, E_), (S_, N_, 3), (S_, N_, 5)), masks()),
    ("kdim_vdim_masks", mha(kdim=3, vdim=5, batch_first=True),
     ((N_, L_, E_), (N_, S_, 3), (N_, S_, 5)),
     masks(key_padding_mask=bools(N_, S_), need_weights=False)),
    ("no_bias", mha(bias=False), CROSS, masks()),
    ("bias_kv", mha(add_bias_kv=True), CROSS, masks()),
    ("zero_attn", mha(add_zero_attn=True), CROSS, masks()),
    ("bias_kv_zero_attn_masks", mha(add_bias_kv=True, add_zero_attn=True), CROSS,
     masks(key_padding_mask=bools(N_, S_), attn_mask=bools(L_, S_))),
    ("bias_kv_zero_attn_no_weights", mha(add_bias_kv=True, add_zero_attn=True), CROSS,
     masks(key_padding_mask=floats(N_, S_), attn_mask=floats(N_ * H_, L_, S_),
           need_weights=False)),
    ("padding_bool", mha(), CROSS, masks(key_padding_mask=bools(N_, S_))),
    ("padding_float", mha(), CROSS, masks(key_padding_mask=floats(N_, S_))),
    ("attn_2d_bool", mha(), CROSS, masks(attn_mask=bools(L_, S_))),
    ("attn_2d_float", mha(), CROSS, masks(attn_mask=floats(L_, S_))),
    ("attn_3d_bool", mha(), CROSS, masks(attn_mask=bools(N_ * H_, L_, S_))),
    ("attn_3d_float", mha(), CROSS, masks(attn_mask=floats(N_ * H_, L_, S_))),
    ("both_masks", mha(), CROSS,
     masks(key_padding_mask=floats(N_, S_), attn_mask=floats(L_, S_))),
    ("no_weights", mha(), SELF, masks(need_weights=False)),
    ("no_weights_masks", mha(batch_first=True), ((N_, L_, E_),),
     masks(need_weights=False, key_padding_mask=bools(N_, L_), attn_mask=bools(L_, L_))),
    ("no_weights_3d_mask", mha(), CROSS,
     masks(need_weights=False, attn_mask=floats(N_ * H_, L_, S_))),
    ("per_head", mha(), CROSS, masks(average_attn_weights=False, attn_mask=bools(L_, S_))),
    # the hint alone (need_weights=False, no padding) or the mask it comes with
    ("causal", mha(), SELF, masks(is_causal=True, need_weights=False,
                                  attn_mask=np.triu(np.ones((L_, L_), bool), 1))),
    ("causal_with_weights", mha(), SELF,
     masks(is_causal=True, attn_mask=np.triu(np.ones((L_, L_), bool), 1))),
    ("causal_with_padding", mha(), SELF,
     masks(is_causal=True, need_weights=False, key_padding_mask=bools(N_, L_),
           attn_mask=np.triu(np.ones((L_, L_), bool), 1))),
    # with padding the mask given is used as it is, causal or not
    ("causal_hint_with_padding", mha(), SELF,
     masks(is_causal=True, need_weights=False, key_padding_mask=bools(N_, L_),
           attn_mask=bools(L_, L_))),
    ("dropout_eval", mha(dropout=0.4), CROSS, masks(attn_mask=bools(L_, S_))),
    ("four_heads", lambda L: L.nn.MultiheadAttention(E_, 4), CROSS, masks()),
]


def _inputs(shapes):
    if shapes == SELF:
        x = normal_data(L_, N_, E_)
        return [x, x, x]
    if shapes == MEMORY:
        shapes = ((L_, N_, E_), (S_, N_, E_))
    tensors = [normal_data(*s, seed=i) for i, s in enumerate(shapes)]
    return tensors + [tensors[-1]] * (3 - len(tensors))  # key is value, value is query


@pytest.mark.parametrize("make, shapes, keywords",
                         [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_matches_torch(make, shapes, keywords):
    c, t = seeded_pair(make)
    c.eval()  # dropout > 0 must then do nothing; gradients still flow
    t.eval()
    check_call(c, t, _inputs(shapes), keywords)


def test_float64():
    c, t = seeded_pair(lambda L: L.nn.MultiheadAttention(E_, H_, add_bias_kv=True,
                                                         dtype=L.float64))
    args = [normal_data(*s, seed=i).double().detach().requires_grad_()
            for i, s in enumerate(CROSS)]
    check_call(c, t, args, masks(key_padding_mask=bools(N_, S_)), rtol=1e-12, atol=1e-12,
               grad_rtol=1e-10, grad_atol=1e-12)


def test_training_dropout_draws_torchs_masks():
    for need_weights in (True, False):
        c, t = seeded_pair(mha(dropout=0.5))
        torch.manual_seed(3)
        cgrad.manual_seed(3)
        check_call(c, t, _inputs(CROSS), masks(need_weights=need_weights))


def test_no_grad_matches_torchs_fused_path():
    # Under no_grad in eval mode torch runs a fused kernel: the same values.
    c, t = seeded_pair(mha(batch_first=True))
    c.eval()
    t.eval()
    x = np.random.default_rng(0).standard_normal((N_, L_, E_)).astype(np.float32)
    kpm = bools(N_, L_)
    with torch.no_grad():
        t_out, t_weights = t(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(kpm))
    with cgrad.no_grad():
        xc = cgrad.tensor(x)
        c_out, c_weights = c(xc, xc, xc, key_padding_mask=cgrad.tensor(kpm))
    np.testing.assert_allclose(c_out.numpy(), t_out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_weights.numpy(), t_weights.numpy(), rtol=1e-5, atol=1e-6)


def test_padding_every_key_gives_torchs_nan_weights_and_zero_output():
    # With weights, torch's softmax over nothing is NaN; without, attention gives 0.
    c, t = seeded_pair(mha())
    kpm = np.zeros((N_, S_), bool)
    kpm[1] = True
    args = _inputs(CROSS)
    for need_weights in (True, False):
        t_out, t_w = t(*args, key_padding_mask=torch.tensor(kpm), need_weights=need_weights)
        c_out, c_w = c(*[cgrad.tensor(a.detach().numpy()) for a in args],
                       key_padding_mask=cgrad.tensor(kpm), need_weights=need_weights)
        np.testing.assert_allclose(c_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        assert np.isnan(c_out.detach().numpy()[:, 1]).all() == need_weights
        if need_weights:
            np.testing.assert_array_equal(np.isnan(c_w.detach().numpy()),
                                          np.isnan(t_w.detach().numpy()))


MODULES = [mha(), mha(bias=False), mha(kdim=3, vdim=5), mha(add_bias_kv=True),
           mha(add_bias_kv=True, add_zero_attn=True, kdim=3, dropout=0.1, batch_first=True),
           lambda L: L.nn.MultiheadAttention(6, 3, vdim=2, bias=False, add_bias_kv=True)]


@pytest.mark.parametrize("make", MODULES)
def test_seeded_init_repr_and_state_dict_match_torch(make):
    c, t = check_seeded_init(make)
    for name in ("embed_dim", "kdim", "vdim", "num_heads", "head_dim", "dropout",
                 "batch_first", "add_zero_attn", "_qkv_same_embed_dim"):
        assert getattr(c, name) == getattr(t, name), name
    assert (c.bias_k is None) == (t.bias_k is None)
    assert type(c.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(c.out_proj, cgrad.nn.Linear)


def test_functional_with_static_keys_and_values():
    rng = np.random.default_rng(5)
    data = [rng.standard_normal(s).astype(np.float32) for s in
            ((L_, N_, E_), (S_, N_, E_), (3 * E_, E_), (3 * E_,), (E_, E_), (E_,),
             (N_ * H_, 6, E_ // H_), (N_ * H_, 6, E_ // H_))]
    outs = []
    for L in (torch, cgrad):
        q, k, w, b, ow, ob, sk, sv = [L.tensor(d, requires_grad=True) for d in data]
        out, weights = L.nn.functional.multi_head_attention_forward(
            q, k, k, E_, H_, w, b, None, None, False, 0.0, ow, ob, static_k=sk, static_v=sv,
            average_attn_weights=False)
        (out.sum() + (weights * weights).sum()).backward()
        outs.append([out, weights, q.grad, sk.grad, sv.grad, w.grad])
    for c, t in zip(outs[1], outs[0]):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_gradcheck_float64():
    F = cgrad.nn.functional
    kpm = cgrad.tensor(np.float64([[0.0, 0.1, -INF], [0.0, -INF, 0.4]]))
    mask = cgrad.tensor(np.float64([[0.0, -0.5, 0.3], [0.2, 0.0, -1.0]]))

    def attention(q, k, v, w_q, w_k, w_v, b, bias_k, bias_v, out_w, out_b):
        out, weights = F.multi_head_attention_forward(
            q, k, v, 4, 2, None, b, bias_k, bias_v, True, 0.0, out_w, out_b,
            key_padding_mask=kpm, attn_mask=mask, use_separate_proj_weight=True,
            q_proj_weight=w_q, k_proj_weight=w_k, v_proj_weight=w_v)
        return out, weights

    shapes = [(2, 2, 4), (3, 2, 3), (3, 2, 2), (4, 4), (4, 3), (4, 2), (12,), (1, 1, 4),
              (1, 1, 4), (4, 4), (4,)]
    inputs = [cgrad.tensor(np.random.default_rng(i).uniform(-1, 1, s), dtype=cgrad.float64,
                           requires_grad=True) for i, s in enumerate(shapes)]
    assert cgrad.autograd.gradcheck(attention, inputs)


def test_mismatched_mask_types_warn_as_torch():
    def warned(L):
        m = L.nn.MultiheadAttention(E_, H_)
        x = L.zeros(L_, N_, E_)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m(x, x, x, key_padding_mask=L.zeros(N_, L_, dtype=L.bool),
              attn_mask=L.zeros(L_, L_))
        return [str(w.message) for w in caught]
    assert warned(cgrad) == warned(torch) == [
        "Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type "
        "for both instead."]


def _call(L, module=mha(), shapes=CROSS, **keywords):
    m = module(L)
    return m(*[L.zeros(*s) for s in shapes], **keywords)


ERRORS = [
    ("not_divisible", lambda L: L.nn.MultiheadAttention(10, 3)),
    ("zero_heads", lambda L: L.nn.MultiheadAttention(8, 0)),
    ("query_4d", lambda L: _call(L, shapes=((1,) + CROSS[0], CROSS[1], CROSS[2]))),
    ("key_2d", lambda L: _call(L, shapes=(CROSS[0], (S_, E_), CROSS[2]))),
    ("unbatched_key_3d", lambda L: _call(L, shapes=((L_, E_), (S_, 1, E_), (S_, 1, E_)))),
    ("wrong_embed_dim", lambda L: _call(L, shapes=((L_, N_, 6), (S_, N_, 6), (S_, N_, 6)))),
    ("key_value_shapes", lambda L: _call(L, shapes=(CROSS[0], CROSS[1], (S_ + 1, N_, E_)))),
    ("separate_key_value_lengths", lambda L: _call(
        L, mha(kdim=3, vdim=5), ((L_, N_, E_), (S_, N_, 3), (S_ + 1, N_, 5)))),
    ("attn_2d_shape", lambda L: _call(L, attn_mask=L.zeros(L_, L_))),
    ("attn_3d_shape", lambda L: _call(L, attn_mask=L.zeros(H_, L_, S_))),
    ("attn_4d", lambda L: _call(L, attn_mask=L.zeros(1, 1, L_, S_))),
    ("unbatched_attn_3d_shape", lambda L: _call(L, shapes=CROSS_UNBATCHED,
                                                attn_mask=L.zeros(1, L_, S_))),
    ("padding_batch", lambda L: _call(L, key_padding_mask=L.zeros(N_ + 1, S_))),
    ("padding_length", lambda L: _call(L, key_padding_mask=L.zeros(N_, L_))),
    ("padding_3d", lambda L: _call(L, key_padding_mask=L.zeros(1, N_, S_))),
    ("unbatched_padding_2d", lambda L: _call(L, shapes=CROSS_UNBATCHED,
                                             key_padding_mask=L.zeros(1, S_))),
    ("int_padding", lambda L: _call(L, key_padding_mask=L.zeros(N_, S_, dtype=L.int64))),
    ("int_attn_mask", lambda L: _call(L, attn_mask=L.zeros(L_, S_, dtype=L.int64))),
    ("causal_without_mask", lambda L: _call(L, is_causal=True)),
]


@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in ERRORS])
def test_errors_match_torch(fn):
    got, expected = raised(lambda: fn(cgrad)), raised(lambda: fn(torch))
    assert expected is not None
    assert got == (expected[0], expected[1].replace("torch.Size", "cgrad.Size"))


def test_canonical_mask_as_torchs():
    # Private in torch, but layers written against torch call it through F.
    m = np.array([[True, False], [False, False]])
    t = torch.nn.functional._canonical_mask(torch.tensor(m), "m", None, "", torch.float64)
    c = cgrad.nn.functional._canonical_mask(cgrad.tensor(m), "m", None, "", cgrad.float64)
    assert repr(c).replace("cgrad.", "torch.") == repr(t)
    assert cgrad.nn.functional._none_or_dtype(cgrad.tensor(m)) == cgrad.bool
