"""nn.init against torch: gains, fans and their errors exactly; distributions
statistically (the random streams themselves are the `rng` work)."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import raised  # noqa: E402


def both(fn):
    return fn(cgrad), fn(torch)


@pytest.mark.parametrize("args", [
    ("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
    ("leaky_relu", 0.2), ("leaky_relu", 3), ("leaky_relu", True), ("leaky_relu", "x"),
    ("selu",), ("softmax",),
])
def test_calculate_gain(args):
    c, t = both(lambda L: raised(lambda: L.nn.init.calculate_gain(*args))
                or L.nn.init.calculate_gain(*args))
    assert c == t


@pytest.mark.parametrize("shape", [(3,), (4, 5), (4, 5, 3), (2, 3, 4, 5), (0, 3)])
def test_fans(shape):
    c, t = both(lambda L: raised(lambda: L.nn.init._calculate_fan_in_and_fan_out(L.empty(shape)))
                or L.nn.init._calculate_fan_in_and_fan_out(L.empty(shape)))
    assert c == t


@pytest.mark.parametrize("call", [
    lambda L, t: L.nn.init.kaiming_uniform_(t, mode="fan_middle"),
    lambda L, t: L.nn.init.kaiming_normal_(t, nonlinearity="softmax"),
    lambda L, t: L.nn.init.xavier_uniform_(t[0]),
    lambda L, t: L.nn.init.eye_(t.unsqueeze(0)),
    lambda L, t: L.nn.init.orthogonal_(t[0]),
])
def test_init_errors(call):
    c, t = both(lambda L: raised(lambda: call(L, L.empty(4, 5))))
    assert c == t


def test_initializers_return_their_tensor_and_record_no_graph():
    for name, args in [("uniform_", ()), ("normal_", ()), ("constant_", (0.5,)), ("ones_", ()),
                       ("zeros_", ()), ("eye_", ()), ("xavier_uniform_", ()),
                       ("xavier_normal_", ()), ("kaiming_uniform_", ()),
                       ("kaiming_normal_", ()), ("trunc_normal_", ()), ("orthogonal_", ())]:
        p = cgrad.nn.Parameter(cgrad.empty(6, 4))
        assert getattr(cgrad.nn.init, name)(p, *args) is p, name
        assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_deterministic_values():
    p = cgrad.empty(3, 4)
    assert cgrad.nn.init.constant_(p, 2.5).tolist() == [[2.5] * 4] * 3
    assert cgrad.nn.init.zeros_(p).abs().sum().item() == 0
    assert cgrad.nn.init.ones_(p).sum().item() == 12
    assert cgrad.nn.init.eye_(p).tolist() == torch.nn.init.eye_(torch.empty(3, 4)).tolist()


N = (400, 500)


def sample(name, *args, **kwargs):
    t = cgrad.empty(*N)
    getattr(cgrad.nn.init, name)(t, *args, **kwargs)
    return t.numpy().astype(np.float64)


@pytest.mark.parametrize("name,kwargs,bound", [
    ("uniform_", {"a": -0.5, "b": 2.0}, None),
    ("xavier_uniform_", {"gain": 2.0}, 2.0 * math.sqrt(6 / sum(N))),
    ("kaiming_uniform_", {"a": math.sqrt(5)}, 1 / math.sqrt(N[1])),
    ("kaiming_uniform_", {"mode": "fan_out", "nonlinearity": "relu"},
     math.sqrt(3) * math.sqrt(2) / math.sqrt(N[0])),
])
def test_uniform_initializers_fill_their_range(name, kwargs, bound):
    v = sample(name, **kwargs)
    lo, hi = (-0.5, 2.0) if bound is None else (-bound, bound)
    assert v.min() >= lo and v.max() <= hi
    assert abs(v.mean() - (lo + hi) / 2) < 0.01 * (hi - lo)
    assert abs(v.std() - (hi - lo) / math.sqrt(12)) < 0.01 * (hi - lo)


@pytest.mark.parametrize("name,kwargs,std", [
    ("normal_", {"mean": 1.0, "std": 0.5}, 0.5),
    ("xavier_normal_", {}, math.sqrt(2 / sum(N))),
    ("kaiming_normal_", {"nonlinearity": "relu"}, math.sqrt(2 / N[1])),
    ("kaiming_normal_", {"a": 0.2, "mode": "fan_out"}, math.sqrt(2 / 1.04 / N[0])),
])
def test_normal_initializers_have_their_std(name, kwargs, std):
    v = sample(name, **kwargs)
    assert abs(v.mean() - kwargs.get("mean", 0.0)) < 0.02 * std
    assert abs(v.std() / std - 1) < 0.02


def test_trunc_normal_matches_the_truncated_distribution():
    v = sample("trunc_normal_", mean=0.5, std=2.0, a=-1.0, b=3.0)
    assert v.min() >= -1.0 and v.max() <= 3.0
    ref = torch.nn.init.trunc_normal_(torch.empty(*N, dtype=torch.float64), 0.5, 2.0, -1.0, 3.0)
    assert abs(v.mean() - ref.mean().item()) < 0.01
    assert abs(v.std() - ref.std().item()) < 0.01


def test_trunc_normal_inverse_cdf_is_exact():
    # Same uniform draws in, same values out: the erfinv step against torch's.
    u = np.linspace(-0.999, 0.999, 2001)
    from cgrad.nn.init import _erfinv
    np.testing.assert_allclose(_erfinv(u), torch.erfinv(torch.tensor(u)).numpy(), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (3, 2, 4)])
def test_orthogonal(shape):
    t = cgrad.nn.init.orthogonal_(cgrad.empty(*shape), gain=2.0)
    m = t.numpy().reshape(shape[0], -1).astype(np.float64) / 2.0
    gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
    np.testing.assert_allclose(gram, np.eye(gram.shape[0]), atol=1e-5)


def test_zero_element_kaiming_warns_as_torch():
    for L in (cgrad, torch):
        with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
            L.nn.init.kaiming_uniform_(L.empty(0, 3))
