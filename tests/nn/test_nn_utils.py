"""nn.utils (gradient clipping, parameter vectors) against torch."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, raised  # noqa: E402


def grads_pair(scale=1.0):
    rng = np.random.default_rng(7)
    values = [rng.standard_normal(s).astype(np.float32) * scale for s in [(3, 4), (4,), (2, 2)]]
    out = []
    for L in (cgrad, torch):
        params = [L.nn.Parameter(L.tensor(v)) for v in values]
        for p, v in zip(params, values):
            p.grad = L.tensor(v[::-1].copy() * 2)
        params.append(L.nn.Parameter(L.ones(2)))  # no grad: skipped
        out.append(params)
    return out


@pytest.mark.parametrize("max_norm,norm_type", [
    (1.0, 2.0), (100.0, 2), (0.5, 1), (0.3, math.inf), (0.7, 3.0), (2.0, "inf"),
])
def test_clip_grad_norm(max_norm, norm_type):
    pc, pt = grads_pair()
    nc = cgrad.nn.utils.clip_grad_norm_(pc, max_norm, norm_type)
    nt = torch.nn.utils.clip_grad_norm_(pt, max_norm, norm_type)
    assert_same(nc, nt)
    for a, b in zip(pc, pt):
        if b.grad is None:
            assert a.grad is None
        else:
            assert_same(a.grad, b.grad)


def test_clip_grad_norm_edge_cases():
    for L in (cgrad, torch):
        assert L.nn.utils.clip_grad_norm_([L.nn.Parameter(L.ones(2))], 1.0).item() == 0.0
        p = L.nn.Parameter(L.ones(2))
        p.grad = L.tensor([3.0, 4.0])
        assert L.nn.utils.clip_grad_norm_(p, 1.0).item() == 5.0
        assert p.grad.grad_fn is None
    c, t = [raised(lambda: _nonfinite(L)) for L in (cgrad, torch)]
    assert c == t


def _nonfinite(L):
    p = L.nn.Parameter(L.ones(2))
    p.grad = L.tensor([float("inf"), 1.0])
    L.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    pc, pt = grads_pair()
    assert cgrad.nn.utils.clip_grad_value_(pc, 0.5) is None
    torch.nn.utils.clip_grad_value_(pt, 0.5)
    for a, b in zip(pc[:3], pt[:3]):
        assert_same(a.grad, b.grad)


def test_parameters_to_vector_and_back():
    for L in (cgrad, torch):
        m = L.nn.Linear(3, 2)
        v = L.nn.utils.parameters_to_vector(m.parameters())
        assert tuple(v.shape) == (8,) and type(v.grad_fn).__name__ == "CatBackward0"
        new = L.arange(8.0)
        L.nn.utils.vector_to_parameters(new, m.parameters())
        assert m.weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
        assert m.bias.tolist() == [6.0, 7.0]
        assert type(m.weight).__name__ == "Parameter"
    c, t = [raised(lambda: L.nn.utils.vector_to_parameters([1.0], [])) for L in (cgrad, torch)]
    assert c == t
