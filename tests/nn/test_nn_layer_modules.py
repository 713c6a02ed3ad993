"""Embedding, LayerNorm, BatchNorm1d/2d and Dropout modules against torch: reprs,
state_dict keys, outputs, grad_fn names, gradients and running statistics."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, normal_data, raised, seeded_pair, to_cgrad  # noqa: E402


def _forward_backward(c, t, xt, xc=None):
    xc = to_cgrad(xt) if xc is None else xc
    yt, yc = t(xt), c(xc)
    assert_same(yc, yt, rtol=1e-5, atol=1e-5)
    assert type(yc.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = np.random.default_rng(9).standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    yc.backward(cgrad.tensor(g))
    if xt.requires_grad:
        assert_same(xc.grad, xt.grad, rtol=1e-4, atol=1e-5)
    for (name, pc), (_, pt) in zip(c.named_parameters(), t.named_parameters()):
        if pt.requires_grad:
            assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-5), name


MODULES = [
    (lambda L: L.nn.LayerNorm(5), (3, 5)),
    (lambda L: L.nn.LayerNorm([2, 5], eps=1e-3), (3, 2, 5)),
    (lambda L: L.nn.LayerNorm(5, elementwise_affine=False), (3, 5)),
    (lambda L: L.nn.LayerNorm(5, bias=False), (2, 3, 5)),
    (lambda L: L.nn.BatchNorm1d(4), (6, 4)),
    (lambda L: L.nn.BatchNorm1d(4, affine=False), (3, 4, 5)),
    (lambda L: L.nn.BatchNorm1d(4, momentum=None), (6, 4)),
    (lambda L: L.nn.BatchNorm1d(4, track_running_stats=False), (6, 4)),
    (lambda L: L.nn.BatchNorm2d(3), (2, 3, 4, 4)),
    (lambda L: L.nn.BatchNorm2d(3, bias=False), (2, 3, 2, 2)),
    (lambda L: L.nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), (2, 3, 2, 5)),
    (lambda L: L.nn.BatchNorm3d(3), (2, 3, 2, 3, 4)),
    (lambda L: L.nn.BatchNorm3d(2, affine=False, momentum=None), (3, 2, 1, 2, 2)),
]


@pytest.mark.parametrize("make, shape", MODULES)
@pytest.mark.parametrize("training", [True, False])
def test_module_matches_torch(make, shape, training):
    c, t = seeded_pair(make)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    c.train(training)
    t.train(training)
    for step in range(2):  # twice: the running statistics feed the second step
        _forward_backward(c, t, normal_data(*shape, seed=step))
    for (name, bc), (_, bt) in zip(c.named_buffers(), t.named_buffers()):
        if bt.dtype == torch.int64:
            assert int(bc) == int(bt), name
        else:
            assert_same(bc, bt, rtol=1e-5, atol=1e-6), name


def test_embedding_module():
    c, t = seeded_pair(lambda L: L.nn.Embedding(10, 3, padding_idx=2))
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    idx = torch.tensor([[1, 2, 4], [2, 9, 1]])
    _forward_backward(c, t, idx, cgrad.tensor(idx.numpy()))
    np.testing.assert_array_equal(cgrad.nn.Embedding(4, 2, padding_idx=1).weight[1].detach().numpy(),
                                  np.zeros(2, np.float32))


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained(freeze):
    w = np.arange(12, dtype=np.float32).reshape(4, 3)
    c = cgrad.nn.Embedding.from_pretrained(cgrad.tensor(w), freeze=freeze, padding_idx=0)
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=0)
    assert repr(c) == repr(t)
    assert c.weight.requires_grad == t.weight.requires_grad
    idx = np.array([0, 3, 1])
    assert_same(c(cgrad.tensor(idx)), t(torch.tensor(idx)))


@pytest.mark.parametrize("make", [lambda L: L.nn.Embedding(5, 2, max_norm=1.0),
                                  lambda L: L.nn.Embedding(5, 2, norm_type=1.0, sparse=False)])
def test_embedding_reprs(make):
    assert repr(make(cgrad)) == repr(make(torch))


def test_dropout_module():
    for L in (torch, cgrad):
        m = L.nn.Dropout(0.3)
        assert repr(m) == "Dropout(p=0.3, inplace=False)"
        x = L.ones(20, 20)
        y = m(x)
        assert np.isin(y.numpy(), np.float32([0, 1 / 0.7])).all()
        m.eval()
        assert m(x) is x


@pytest.mark.parametrize("fn", [
    lambda L: L.nn.Dropout(1.5),
    lambda L: L.nn.BatchNorm1d(3)(L.ones(2, 3, 4, 5)),
    lambda L: L.nn.BatchNorm2d(3)(L.ones(2, 3)),
    lambda L: L.nn.BatchNorm3d(3)(L.ones(2, 3, 4, 5)),
    lambda L: L.nn.BatchNorm1d(3)(L.ones(1, 3)),
    lambda L: L.nn.LayerNorm(4)(L.ones(2, 5)),
    lambda L: L.nn.Embedding(4, 2, padding_idx=5),
])
def test_errors_match_torch(fn):
    got, expected = raised(lambda: fn(cgrad)), raised(lambda: fn(torch))
    assert got is not None and got[0] == expected[0]
    assert got[1] == expected[1].replace("torch.Size", "cgrad.Size")


@pytest.mark.parametrize("make", [
    lambda L: L.nn.LSTM(4, 6, num_layers=2, bidirectional=True),
    lambda L: L.nn.GRU(3, 5, bias=False),
    lambda L: L.nn.RNNCell(3, 5),
    lambda L: L.nn.GRUCell(3, 5),
    lambda L: L.nn.LSTMCell(3, 5),
    lambda L: L.nn.Embedding(7, 3, padding_idx=2),
    lambda L: L.nn.LayerNorm(4),
    lambda L: L.nn.BatchNorm2d(3),
])
def test_same_seed_same_initial_weights(make):
    torch.manual_seed(5)
    cgrad.manual_seed(5)
    t, c = make(torch), make(cgrad)
    assert list(c.state_dict()) == list(t.state_dict())
    for (name, vc), (_, vt) in zip(c.state_dict().items(), t.state_dict().items()):
        np.testing.assert_array_equal(vc.numpy(), vt.numpy(), err_msg=name)
