"""F.leaky_relu / F.elu with inplace=True while recording (Note [In-place activations
save the result]): torch's LeakyReluBackward1 / EluBackward1, the saved result, gradients
of first and second order, and torch's errors for a negative slope or alpha."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

X = [1.5, -2.0, 0.0, 3.0, -0.25, float("nan")]

CASES = [
    ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("leaky_relu", {"negative_slope": 0.0}), ("elu", {}), ("elu", {"alpha": 0.5}),
    ("elu", {"alpha": 0.0}),
]


def run(L, name, kw, order, loss):
    """The node's name, its saved result, the written input's identity, and gradients."""
    x = L.tensor(X, dtype=L.float64, requires_grad=True)
    y = x * 1
    z = getattr(L.nn.functional, name)(y, inplace=True, **kw)
    node = type(z.grad_fn).__name__
    saved = z.grad_fn._saved_result.detach().numpy().copy()
    (g,) = L.autograd.grad((z * z if loss == "square" else z).sum(), x, create_graph=order > 1)
    out = [node, z is y, saved, g.detach().numpy()]
    if order > 1:
        (gg,) = L.autograd.grad(g.sum(), x)
        out.append(gg.numpy())
    return out


@pytest.mark.parametrize("name, kw", CASES, ids=lambda c: str(c))
@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("loss", ["sum", "square"])
def test_inplace_activation_as_torch(name, kw, order, loss):
    got, expected = run(cgrad, name, kw, order, loss), run(torch, name, kw, order, loss)
    assert got[:2] == expected[:2]
    for a, b in zip(got[2:], expected[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("module", ["LeakyReLU", "ELU"])
def test_module_inplace_records_torchs_node(module):
    names = []
    for L in (torch, cgrad):
        y = L.tensor(X, requires_grad=True) * 1
        names.append(type(getattr(L.nn, module)(inplace=True)(y).grad_fn).__name__)
    assert names[0] == names[1]


@pytest.mark.parametrize("name, kw", [("leaky_relu", {"negative_slope": -0.5}),
                                      ("elu", {"alpha": -1.0})])
def test_negative_slope_raises_torchs_error_in_backward(name, kw):
    errors = []
    for L in (torch, cgrad):
        y = L.tensor(X, requires_grad=True) * 1
        z = getattr(L.nn.functional, name)(y, inplace=True, **kw)  # forward is fine
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        errors.append(str(e.value))
    assert errors[0] == errors[1]


def test_gradcheck_through_the_inplace_forms():
    for name, kw in CASES:
        def f(x):
            return getattr(cgrad.nn.functional, name)(x * 1, inplace=True, **kw)
        x = cgrad.tensor([1.5, -2.0, 3.0, -0.25], dtype=cgrad.float64, requires_grad=True)
        assert cgrad.autograd.gradcheck(f, (x,))
        assert cgrad.autograd.gradgradcheck(f, (x,))
