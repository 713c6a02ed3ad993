"""nn.TransformerEncoderLayer, TransformerDecoderLayer, TransformerEncoder,
TransformerDecoder and Transformer against torch: outputs, grad_fn names, input and
parameter gradients (eval mode with gradients on: torch's ordinary path; training mode
with torch's dropout draws), reprs, state_dict keys, seeded initialization, the
constructor's warning, errors, generate_square_subsequent_mask."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import check_call, check_seeded_init, normal_data, raised, seeded_pair  # noqa: E402

D, H, FF = 8, 2, 12  # d_model, heads, feed-forward width
S_, T_, N_ = 5, 4, 2  # source length, target length, batch


def causal(n):
    return np.triu(np.full((n, n), -np.inf, np.float32), 1)


def padding(n, length, seed=0):
    """A bool key padding mask leaving at least the first position of each row open."""
    m = np.random.default_rng(seed).random((n, length)) < 0.4
    m[:, 0] = False
    return m


def keywords(**arrays):
    return lambda L: {k: L.tensor(v) if isinstance(v, np.ndarray) else v
                      for k, v in arrays.items()}


def encoder_layer(**options):
    return lambda L: L.nn.TransformerEncoderLayer(D, H, FF, **options)


def decoder_layer(**options):
    return lambda L: L.nn.TransformerDecoderLayer(D, H, FF, **options)


ENCODER_LAYERS = [  # (id, options(lib), keywords(lib))
    ("post_norm", lambda L: {}, keywords()),
    ("norm_first", lambda L: {"norm_first": True}, keywords()),
    ("gelu", lambda L: {"activation": "gelu"}, keywords()),
    ("gelu_module", lambda L: {"activation": L.nn.GELU()}, keywords()),
    ("callable", lambda L: {"activation": L.nn.functional.silu}, keywords()),
    ("no_bias_eps", lambda L: {"bias": False, "layer_norm_eps": 1e-3}, keywords()),
    ("src_mask", lambda L: {}, keywords(src_mask=causal(S_))),
    ("src_mask_causal_hint", lambda L: {"norm_first": True},
     keywords(src_mask=causal(S_), is_causal=True)),
    ("padding", lambda L: {}, keywords(src_key_padding_mask=padding(N_, S_))),
    ("both_masks", lambda L: {"norm_first": True},
     keywords(src_mask=causal(S_) < 0, src_key_padding_mask=padding(N_, S_))),
]


@pytest.mark.parametrize("options, words", [pytest.param(*c[1:], id=c[0])
                                            for c in ENCODER_LAYERS])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer(options, words, batch_first):
    c, t = seeded_pair(lambda L: L.nn.TransformerEncoderLayer(D, H, FF, batch_first=batch_first,
                                                              **options(L)))
    c.eval()
    t.eval()
    shape = (N_, S_, D) if batch_first else (S_, N_, D)
    check_call(c, t, [normal_data(*shape)], words)


def test_encoder_layer_unbatched():
    c, t = seeded_pair(encoder_layer(batch_first=True))
    c.eval()
    t.eval()
    check_call(c, t, [normal_data(S_, D)], keywords(src_key_padding_mask=padding(1, S_)[0]))


DECODER_LAYERS = [
    ("post_norm", decoder_layer(), keywords()),
    ("norm_first_gelu", decoder_layer(norm_first=True, activation="gelu"), keywords()),
    ("callable", lambda L: L.nn.TransformerDecoderLayer(D, H, FF, activation=L.tanh),
     keywords()),
    ("masks", decoder_layer(), keywords(
        tgt_mask=causal(T_), memory_mask=padding(T_, S_, 2),
        tgt_key_padding_mask=np.where(padding(N_, T_), -np.inf, 0).astype(np.float32),
        memory_key_padding_mask=padding(N_, S_, 1))),
    ("causal_hint", decoder_layer(norm_first=True),
     keywords(tgt_mask=causal(T_), tgt_is_causal=True)),
]


@pytest.mark.parametrize("make, words", [pytest.param(*c[1:], id=c[0])
                                         for c in DECODER_LAYERS])
def test_decoder_layer(make, words):
    c, t = seeded_pair(make)
    c.eval()
    t.eval()
    check_call(c, t, [normal_data(T_, N_, D), normal_data(S_, N_, D, seed=2)], words)


def test_decoder_layer_batch_first_and_unbatched():
    c, t = seeded_pair(decoder_layer(batch_first=True))
    c.eval()
    t.eval()
    check_call(c, t, [normal_data(N_, T_, D), normal_data(N_, S_, D, seed=2)],
               keywords(memory_key_padding_mask=padding(N_, S_)))
    check_call(c, t, [normal_data(T_, D), normal_data(S_, D, seed=2)])


def encoder(norm_first=False, batch_first=False):
    return lambda L: L.nn.TransformerEncoder(
        L.nn.TransformerEncoderLayer(D, H, FF, norm_first=norm_first, batch_first=batch_first),
        2, norm=L.nn.LayerNorm(D), enable_nested_tensor=False)


def decoder(norm_first=False):
    return lambda L: L.nn.TransformerDecoder(
        L.nn.TransformerDecoderLayer(D, H, FF, norm_first=norm_first), 2)


@pytest.mark.parametrize("make, shape, words", [
    (encoder(), (S_, N_, D), keywords()),
    # the mask is detected as causal (is_causal None) and gives the same result
    (encoder(norm_first=True), (S_, N_, D), keywords(mask=causal(S_))),
    (encoder(batch_first=True), (N_, S_, D),
     keywords(mask=causal(S_), src_key_padding_mask=np.zeros((N_, S_), np.float32))),
    (encoder(batch_first=True), (N_, S_, D), keywords(src_key_padding_mask=padding(N_, S_))),
])
def test_encoder_stack(make, shape, words):
    c, t = seeded_pair(make)
    c.eval()
    t.eval()
    check_call(c, t, [normal_data(*shape)], words)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack(norm_first):
    c, t = seeded_pair(decoder(norm_first))
    c.eval()
    t.eval()
    check_call(c, t, [normal_data(T_, N_, D), normal_data(S_, N_, D, seed=2)],
               keywords(tgt_mask=causal(T_), memory_key_padding_mask=padding(N_, S_)))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("batch_first", [False, True])
def test_transformer(batch_first):
    c, t = seeded_pair(lambda L: L.nn.Transformer(D, H, 2, 1, FF, batch_first=batch_first))
    c.eval()
    t.eval()
    src, tgt = ((N_, S_, D), (N_, T_, D)) if batch_first else ((S_, N_, D), (T_, N_, D))
    check_call(c, t, [normal_data(*src), normal_data(*tgt, seed=2)], keywords(
        tgt_mask=causal(T_), src_key_padding_mask=padding(N_, S_),
        memory_key_padding_mask=padding(N_, S_)), grad_rtol=1e-4, grad_atol=2e-5)


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
def test_training_mode_draws_torchs_dropout_masks():
    c, t = seeded_pair(lambda L: L.nn.Transformer(D, H, 1, 1, FF, dropout=0.3, norm_first=True))
    torch.manual_seed(4)
    cgrad.manual_seed(4)
    check_call(c, t, [normal_data(S_, N_, D), normal_data(T_, N_, D, seed=2)],
               keywords(tgt_mask=causal(T_)))


MODULES = [
    encoder_layer(), encoder_layer(activation="gelu", norm_first=True, bias=False),
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF, activation=L.nn.GELU()),
    decoder_layer(dropout=0.2), decoder_layer(activation="gelu", layer_norm_eps=1e-6),
    encoder(), decoder(),
    lambda L: L.nn.Transformer(D, H, 1, 2, FF, dropout=0.0),
    lambda L: L.nn.Transformer(D, H, 1, 1, FF, bias=False, norm_first=True),
]


@pytest.mark.parametrize("make", MODULES)
def test_seeded_init_repr_and_state_dict_match_torch(make):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the nested-tensor warning: tested below
        check_seeded_init(make)


def test_stack_layers_are_copies():
    layer = cgrad.nn.TransformerDecoderLayer(D, H, FF)
    stack = cgrad.nn.TransformerDecoder(layer, 3)
    weights = [m.linear1.weight for m in stack.layers]
    assert len({id(w) for w in weights + [layer.linear1.weight]}) == 4
    for w in weights:
        np.testing.assert_array_equal(w.detach().numpy(), layer.linear1.weight.detach().numpy())
    assert stack.num_layers == 3 and stack.norm is None


@pytest.mark.parametrize("make", [
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF),
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF, batch_first=True),
    lambda L: L.nn.TransformerEncoderLayer(D, 1, FF, batch_first=True),
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, norm_first=True),
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, bias=False),
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, activation=L.tanh),
    lambda L: L.nn.TransformerEncoderLayer(D, H, FF, batch_first=True, activation=L.nn.ReLU()),
    lambda L: L.nn.Linear(D, D),
])
@pytest.mark.parametrize("enable_nested_tensor", [True, False])
def test_encoder_warns_and_flags_as_torch(make, enable_nested_tensor):
    def build(L):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = L.nn.TransformerEncoder(make(L), 2, enable_nested_tensor=enable_nested_tensor)
        return [str(w.message) for w in caught], m.use_nested_tensor
    assert build(cgrad) == build(torch)


def test_activation_codes_match_torch():
    for activation in ("relu", "gelu", "relu_module", "silu"):
        codes = []
        for L in (torch, cgrad):
            fn = {"relu_module": L.nn.ReLU(), "silu": L.nn.functional.silu}.get(activation,
                                                                               activation)
            layer = L.nn.TransformerEncoderLayer(D, H, FF, activation=fn)
            codes.append(layer.activation_relu_or_gelu)
        assert codes[0] == codes[1], activation


@pytest.mark.parametrize("sz, dtype", [(1, None), (4, None), (3, "float64")])
def test_generate_square_subsequent_mask(sz, dtype):
    t = torch.nn.Transformer.generate_square_subsequent_mask(
        sz, dtype=getattr(torch, dtype) if dtype else None)
    c = cgrad.nn.Transformer.generate_square_subsequent_mask(
        sz, dtype=getattr(cgrad, dtype) if dtype else None)
    assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert repr(c) == repr(t).replace("torch.", "cgrad.")


def _transformer(L, src_shape, tgt_shape, **options):
    m = L.nn.Transformer(D, H, 1, 1, FF, **options)
    return m(L.zeros(*src_shape), L.zeros(*tgt_shape))


ERRORS = [
    ("activation_name", lambda L: L.nn.TransformerEncoderLayer(D, H, activation="tanh")),
    ("decoder_activation_name", lambda L: L.nn.TransformerDecoderLayer(D, H, activation="elu")),
    ("heads", lambda L: L.nn.TransformerEncoderLayer(D, 3)),
    ("batch", lambda L: _transformer(L, (S_, N_, D), (T_, N_ + 1, D))),
    ("batch_first_batch", lambda L: _transformer(L, (N_, S_, D), (N_ + 1, T_, D),
                                                 batch_first=True)),
    ("features", lambda L: _transformer(L, (S_, N_, D), (T_, N_, D + 1))),
    ("src_mask_shape", lambda L: L.nn.TransformerEncoderLayer(D, H, FF)(
        L.zeros(S_, N_, D), src_mask=L.zeros(S_, S_ + 1))),
    ("int_padding", lambda L: L.nn.TransformerEncoderLayer(D, H, FF)(
        L.zeros(S_, N_, D), src_key_padding_mask=L.zeros(N_, S_, dtype=L.int64))),
]


@pytest.mark.filterwarnings("ignore:enable_nested_tensor")
@pytest.mark.parametrize("fn", [pytest.param(f, id=i) for i, f in ERRORS])
def test_errors_match_torch(fn):
    got, expected = raised(lambda: fn(cgrad)), raised(lambda: fn(torch))
    assert expected is not None
    assert got == (expected[0], expected[1].replace("torch.Size", "cgrad.Size"))
