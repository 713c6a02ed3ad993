"""Activation and loss modules against torch: reprs, outputs, grad_fn names, gradients."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, raised, to_cgrad  # noqa: E402

ACTIVATIONS = [
    lambda L: L.nn.ReLU(), lambda L: L.nn.GELU(), lambda L: L.nn.GELU(approximate="tanh"),
    lambda L: L.nn.Tanh(), lambda L: L.nn.Sigmoid(), lambda L: L.nn.SiLU(),
    lambda L: L.nn.Softmax(dim=1), lambda L: L.nn.Softmax(-1), lambda L: L.nn.LogSoftmax(1),
    lambda L: L.nn.LeakyReLU(), lambda L: L.nn.LeakyReLU(0.2), lambda L: L.nn.ELU(),
    lambda L: L.nn.ELU(alpha=0.5), lambda L: L.nn.Softplus(), lambda L: L.nn.Softplus(2, 1.5),
    lambda L: L.nn.Hardtanh(), lambda L: L.nn.Hardtanh(-0.5, 2), lambda L: L.nn.ReLU6(),
    lambda L: L.nn.Hardsigmoid(), lambda L: L.nn.Hardswish(), lambda L: L.nn.Softsign(),
    lambda L: L.nn.Tanhshrink(), lambda L: L.nn.Softmin(1), lambda L: L.nn.LogSigmoid(),
    lambda L: L.nn.Softshrink(), lambda L: L.nn.Softshrink(1), lambda L: L.nn.Hardshrink(0.3),
]


@pytest.mark.parametrize("make", ACTIVATIONS)
def test_activation(make):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    x = np.random.default_rng(4).standard_normal((3, 4)).astype(np.float32)
    xt = torch.tensor(x, requires_grad=True)
    xc = to_cgrad(xt)
    yc, yt = c(xc), t(xt)
    assert_same(yc, yt)
    assert type(yc.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    yc.backward(cgrad.tensor(g))
    yt.backward(torch.tensor(g))
    assert_same(xc.grad, xt.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("make", [lambda L: L.nn.ReLU(inplace=True),
                                  lambda L: L.nn.LeakyReLU(0.1, inplace=True),
                                  lambda L: L.nn.ELU(inplace=True),
                                  lambda L: L.nn.SiLU(inplace=True),
                                  lambda L: L.nn.Hardtanh(-1, 0.5, inplace=True),
                                  lambda L: L.nn.ReLU6(inplace=True),
                                  lambda L: L.nn.Hardsigmoid(inplace=True),
                                  lambda L: L.nn.Hardswish(inplace=True)])
def test_inplace_activation(make):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    x = np.linspace(-2, 2, 8, dtype=np.float32)
    xc, xt = cgrad.tensor(x), torch.tensor(x)
    assert c(xc) is xc and t(xt) is xt
    assert_same(xc, xt)


def test_softmax_without_dim_warns_as_torch():
    for L in (cgrad, torch):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            L.nn.Softmax()(L.ones(2, 3))


def logits(rng, n=6, k=4):
    return rng.standard_normal((n, k)).astype(np.float32)


LOSSES = [
    (lambda L: L.nn.MSELoss(), "regression"),
    (lambda L: L.nn.MSELoss(reduction="sum"), "regression"),
    (lambda L: L.nn.L1Loss(), "regression"),
    (lambda L: L.nn.L1Loss(reduction="none"), "regression"),
    (lambda L: L.nn.CrossEntropyLoss(), "class"),
    (lambda L: L.nn.CrossEntropyLoss(weight=L.tensor([1.0, 2.0, 0.5, 1.0])), "class"),
    (lambda L: L.nn.CrossEntropyLoss(ignore_index=1), "class"),
    (lambda L: L.nn.CrossEntropyLoss(label_smoothing=0.2), "class"),
    (lambda L: L.nn.CrossEntropyLoss(reduction="sum"), "class"),
    (lambda L: L.nn.CrossEntropyLoss(), "probabilities"),
    (lambda L: L.nn.NLLLoss(), "log_probs"),
    (lambda L: L.nn.NLLLoss(weight=L.tensor([1.0, 2.0, 0.5, 1.0]), reduction="none"), "log_probs"),
    (lambda L: L.nn.BCELoss(), "binary_probs"),
    (lambda L: L.nn.BCELoss(weight=L.tensor([0.5, 1.0, 2.0, 1.0])), "binary_probs"),
    (lambda L: L.nn.BCEWithLogitsLoss(), "binary_logits"),
    (lambda L: L.nn.BCEWithLogitsLoss(pos_weight=L.tensor([1.0, 3.0, 0.5, 2.0])), "binary_logits"),
    (lambda L: L.nn.MSELoss(size_average=False), "regression"),
    (lambda L: L.nn.SmoothL1Loss(), "regression"),
    (lambda L: L.nn.SmoothL1Loss(beta=0.5, reduction="none"), "regression"),
    (lambda L: L.nn.SmoothL1Loss(beta=0.0), "regression"),
    (lambda L: L.nn.SmoothL1Loss(reduction="sum", beta=2.0), "regression"),
    (lambda L: L.nn.HuberLoss(), "regression"),
    (lambda L: L.nn.HuberLoss(delta=0.3, reduction="none"), "regression"),
    (lambda L: L.nn.HuberLoss(reduction="sum", delta=2.0), "regression"),
]


def loss_inputs(kind):
    rng = np.random.default_rng(6)
    x = logits(rng)
    if kind == "regression":
        return x, rng.standard_normal(x.shape).astype(np.float32)
    if kind == "class":
        return x, rng.integers(0, 4, 6)
    if kind == "probabilities":
        p = np.exp(rng.standard_normal(x.shape))
        return x, (p / p.sum(1, keepdims=True)).astype(np.float32)
    if kind == "log_probs":
        return x - np.log(np.exp(x).sum(1, keepdims=True)), rng.integers(0, 4, 6)
    if kind == "binary_probs":
        return 1 / (1 + np.exp(-x)), (rng.random(x.shape) > 0.5).astype(np.float32)
    return x, (rng.random(x.shape) > 0.5).astype(np.float32)


@pytest.mark.filterwarnings("ignore:size_average and reduce args:UserWarning")
@pytest.mark.parametrize("make,kind", LOSSES)
def test_loss(make, kind):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    assert c.reduction == t.reduction
    assert list(c.state_dict()) == list(t.state_dict())
    x, y = loss_inputs(kind)
    xt = torch.tensor(x, requires_grad=True)
    xc = to_cgrad(xt)
    lc, lt = c(xc, cgrad.tensor(y)), t(xt, torch.tensor(y))
    assert_same(lc, lt, rtol=1e-5, atol=1e-6)
    assert type(lc.grad_fn).__name__ == type(lt.grad_fn).__name__
    lc.sum().backward()
    lt.sum().backward()
    assert_same(xc.grad, xt.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("call", [
    lambda L: L.nn.functional.smooth_l1_loss(L.tensor([1, 2]), L.tensor([1, 3])),
    lambda L: L.nn.functional.huber_loss(L.tensor([1, 2]), L.tensor([1, 3])),
    lambda L: L.nn.functional.smooth_l1_loss(L.ones(2), L.ones(2), beta=-1.0),
    lambda L: L.nn.functional.huber_loss(L.ones(2), L.ones(2), delta=0.0),
])
def test_quadratic_then_linear_loss_errors(call):
    c, t = [raised(lambda: call(L)) for L in (cgrad, torch)]
    assert c == t

