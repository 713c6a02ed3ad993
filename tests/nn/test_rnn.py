"""Recurrent modules against torch with the same weights: parameter names and shapes,
reprs, outputs, final states, and the gradients of input, initial state and every
parameter."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, normal_data, raised, seeded_pair, to_cgrad  # noqa: E402

SEQ, BATCH, IN, HID = 5, 3, 4, 6


def _backward_both(c_out, t_out, seed=2):
    for k, (co, to) in enumerate(zip(c_out, t_out)):
        g = np.random.default_rng(seed + k).standard_normal(tuple(to.shape)).astype(np.float32)
        (co * cgrad.tensor(g)).sum().backward(retain_graph=True) if k < len(c_out) - 1 else \
            (co * cgrad.tensor(g)).sum().backward()
        (to * torch.tensor(g)).sum().backward(retain_graph=True) if k < len(t_out) - 1 else \
            (to * torch.tensor(g)).sum().backward()


def _flatten(out):
    """output, h_n (and c_n) as one list."""
    output, state = out
    return [output] + (list(state) if isinstance(state, tuple) else [state])


def _compare_params(c, t):
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    for (name, pc), (_, pt) in zip(c.named_parameters(), t.named_parameters()):
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-5), name


SEQUENCE_MODULES = [
    lambda L: L.nn.RNN(IN, HID),
    lambda L: L.nn.RNN(IN, HID, nonlinearity="relu", bias=False),
    lambda L: L.nn.LSTM(IN, HID),
    lambda L: L.nn.LSTM(IN, HID, num_layers=2),
    lambda L: L.nn.LSTM(IN, HID, batch_first=True),
    lambda L: L.nn.LSTM(IN, HID, bidirectional=True),
    lambda L: L.nn.LSTM(IN, HID, num_layers=2, bidirectional=True, bias=False),
    lambda L: L.nn.GRU(IN, HID),
    lambda L: L.nn.GRU(IN, HID, num_layers=2, batch_first=True, bidirectional=True),
]


@pytest.mark.parametrize("make", SEQUENCE_MODULES)
@pytest.mark.parametrize("with_state", [False, True])
def test_sequence_module(make, with_state):
    c, t = seeded_pair(make)
    assert repr(c) == repr(t)
    shape = (BATCH, SEQ, IN) if t.batch_first else (SEQ, BATCH, IN)
    xt = normal_data(*shape)
    xc = to_cgrad(xt)
    args_t, args_c = [xt], [xc]
    if with_state:
        layers = t.num_layers * (2 if t.bidirectional else 1)
        h0 = normal_data(layers, BATCH, HID, seed=3)
        if isinstance(t, torch.nn.LSTM):
            c0 = normal_data(layers, BATCH, HID, seed=4)
            args_t.append((h0, c0))
            args_c.append((to_cgrad(h0), to_cgrad(c0)))
        else:
            args_t.append(h0)
            args_c.append(to_cgrad(h0))
    t_out, c_out = _flatten(t(*args_t)), _flatten(c(*args_c))
    for co, to in zip(c_out, t_out):
        assert_same(co, to, rtol=1e-5, atol=1e-5)
    _backward_both(c_out, t_out)
    assert_same(xc.grad, xt.grad, rtol=1e-4, atol=1e-5)
    _compare_params(c, t)
    if with_state:
        states_t = args_t[1] if isinstance(args_t[1], tuple) else (args_t[1],)
        states_c = args_c[1] if isinstance(args_c[1], tuple) else (args_c[1],)
        for sc, st in zip(states_c, states_t):
            assert_same(sc.grad, st.grad, rtol=1e-4, atol=1e-5)


def test_unbatched_lstm():
    c, t = seeded_pair(lambda L: L.nn.LSTM(IN, HID, num_layers=2))
    xt = normal_data(SEQ, IN)
    out_t, out_c = _flatten(t(xt)), _flatten(c(to_cgrad(xt)))
    for co, to in zip(out_c, out_t):
        assert_same(co, to, rtol=1e-5, atol=1e-5)


def test_state_dict_keys_and_init_bounds():
    c = cgrad.nn.LSTM(IN, HID, num_layers=2, bidirectional=True)
    t = torch.nn.LSTM(IN, HID, num_layers=2, bidirectional=True)
    assert list(c.state_dict()) == list(t.state_dict())
    for (name, pc), (_, pt) in zip(c.state_dict().items(), t.state_dict().items()):
        assert tuple(pc.shape) == tuple(pt.shape), name
        assert float(pc.abs().max()) <= 1 / np.sqrt(HID)


CELLS = [
    lambda L: L.nn.RNNCell(IN, HID),
    lambda L: L.nn.RNNCell(IN, HID, bias=False, nonlinearity="relu"),
    lambda L: L.nn.LSTMCell(IN, HID),
    lambda L: L.nn.GRUCell(IN, HID),
]


@pytest.mark.parametrize("make", CELLS)
@pytest.mark.parametrize("batched", [True, False])
def test_cell(make, batched):
    c, t = seeded_pair(make)
    assert repr(c) == repr(t)
    lead = (BATCH,) if batched else ()
    xt, ht = normal_data(*lead, IN), normal_data(*lead, HID, seed=5)
    xc, hc = to_cgrad(xt), to_cgrad(ht)
    if isinstance(t, torch.nn.LSTMCell):
        cst = normal_data(*lead, HID, seed=6)
        t_out, c_out = list(t(xt, (ht, cst))), list(c(xc, (hc, to_cgrad(cst))))
    else:
        t_out, c_out = [t(xt, ht)], [c(xc, hc)]
    for co, to in zip(c_out, t_out):
        assert_same(co, to, rtol=1e-5, atol=1e-5)
    _backward_both(c_out, t_out)
    assert_same(xc.grad, xt.grad, rtol=1e-4, atol=1e-5)
    assert_same(hc.grad, ht.grad, rtol=1e-4, atol=1e-5)
    _compare_params(c, t)


def test_cell_without_state_starts_from_zeros():
    c, t = seeded_pair(lambda L: L.nn.GRUCell(IN, HID))
    xt = normal_data(BATCH, IN)
    assert_same(c(to_cgrad(xt)), t(xt), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.LSTM(IN, HID)(L.ones(2, 3, 4, 5)),
    lambda L: L.nn.RNN(IN, HID, nonlinearity="sigmoid"),
    lambda L: L.nn.GRU(IN, HID, dropout=1.5),
    lambda L: L.nn.LSTMCell(IN, HID)(L.ones(2, 3, 4)),
])
def test_errors_match_torch(fn):
    assert raised(lambda: fn(cgrad)) == raised(lambda: fn(torch))


def test_dropout_between_layers_matches_torch_for_the_same_seed():
    x = np.random.default_rng(0).standard_normal((SEQ, BATCH, IN)).astype(np.float32)
    outs = []
    for L in (torch, cgrad):
        L.manual_seed(1)
        m = L.nn.LSTM(IN, HID, num_layers=3, dropout=0.5)
        outs.append(m(L.tensor(x))[0].detach().numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-5, atol=1e-6)
