"""Conv and pooling modules against torch: reprs, parameter shapes and init ranges,
outputs, grad_fn names, gradients of input and parameters, constructor errors."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, copy_weights, raised, to_cgrad  # noqa: E402

CONV_MODULES = [
    (lambda L: L.nn.Conv2d(1, 8, 3), (2, 1, 9, 8)),
    (lambda L: L.nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, dilation=(1, 2), groups=2), (2, 4, 9, 8)),
    (lambda L: L.nn.Conv2d(3, 4, 3, padding="same", bias=False), (2, 3, 6, 5)),
    (lambda L: L.nn.Conv2d(3, 4, 3, padding="valid"), (3, 6, 5)),
    (lambda L: L.nn.Conv1d(3, 5, 3, stride=2, padding=1), (2, 3, 9)),
    (lambda L: L.nn.Conv1d(4, 4, 3, groups=4, dilation=2, bias=False), (4, 10)),
    (lambda L: L.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"), (2, 2, 5, 6)),
    (lambda L: L.nn.Conv2d(2, 3, (2, 3), padding=(1, 2), padding_mode="replicate"), (2, 5, 4)),
    (lambda L: L.nn.Conv2d(2, 3, 4, padding="same", dilation=2, padding_mode="circular"),
     (1, 2, 7, 8)),
    (lambda L: L.nn.Conv2d(2, 2, 3, padding="valid", padding_mode="reflect"), (1, 2, 5, 5)),
    (lambda L: L.nn.Conv1d(3, 2, 4, padding="same", padding_mode="replicate"), (2, 3, 9)),
    (lambda L: L.nn.Conv1d(3, 2, 3, stride=2, padding=2, padding_mode="circular"), (2, 3, 9)),
]


@pytest.mark.parametrize("make, shape", CONV_MODULES)
def test_conv_module_matches_torch(make, shape):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    assert [(n, tuple(p.shape)) for n, p in c.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in t.named_parameters()]
    copy_weights(t, c)
    xt = torch.tensor(np.random.default_rng(1).standard_normal(shape).astype(np.float32),
                      requires_grad=True)
    xc = to_cgrad(xt)
    yc, yt = c(xc), t(xt)
    assert_same(yc, yt, rtol=1e-4, atol=1e-5)
    assert type(yc.grad_fn).__name__ == type(yt.grad_fn).__name__
    g = np.random.default_rng(2).standard_normal(tuple(yt.shape)).astype(np.float32)
    yc.backward(cgrad.tensor(g))
    yt.backward(torch.tensor(g))
    assert_same(xc.grad, xt.grad, rtol=1e-4, atol=1e-5)
    for (name, pc), (_, pt) in zip(c.named_parameters(), t.named_parameters()):
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-4)


def test_conv_default_init_range():
    # kaiming_uniform_(a=sqrt(5)) and the bias both draw from U(+-1/sqrt(fan_in)).
    conv = cgrad.nn.Conv2d(4, 64, 3, groups=2)
    bound = 1 / math.sqrt(2 * 3 * 3)
    for p in (conv.weight, conv.bias):
        values = p.detach().numpy()
        assert values.min() >= -bound and values.max() <= bound
        assert values.max() - values.min() > bound  # spread over the range, not constant


def test_conv_padding_amounts_match_torch():
    for args in [dict(padding=(1, 2)), dict(padding="same", kernel_size=4, dilation=3),
                 dict(padding="valid")]:
        kwargs = dict(kernel_size=3, padding_mode="reflect") | args
        c, t = cgrad.nn.Conv2d(1, 1, **kwargs), torch.nn.Conv2d(1, 1, **kwargs)
        assert c._reversed_padding_repeated_twice == list(t._reversed_padding_repeated_twice)


@pytest.mark.parametrize("make", [
    lambda L: L.nn.Conv2d(3, 4, 3, groups=2),
    lambda L: L.nn.Conv2d(4, 3, 3, groups=2),
    lambda L: L.nn.Conv2d(4, 4, 3, groups=0),
    lambda L: L.nn.Conv2d(4, 4, 3, stride=2, padding="same"),
])
def test_conv_module_errors_match_torch(make):
    assert raised(lambda: make(cgrad)) == raised(lambda: make(torch))


def test_conv_module_bad_padding_strings():
    # torch lists the choices as a set, in an order that changes between runs.
    for L in (cgrad, torch):
        with pytest.raises(ValueError, match=r"Invalid padding string 'foo', should be one of \{'"):
            L.nn.Conv2d(4, 4, 3, padding="foo")
        with pytest.raises(ValueError, match=r"padding_mode must be one of \{.*\}, but got padding_mode='foo'"):
            L.nn.Conv2d(4, 4, 3, padding_mode="foo")


POOL_MODULES = [
    (lambda L: L.nn.MaxPool2d(2), (2, 3, 6, 6)),
    (lambda L: L.nn.MaxPool2d(3, 2, 1, ceil_mode=True), (2, 3, 7, 6)),
    (lambda L: L.nn.MaxPool2d((2, 3), dilation=2, return_indices=True), (3, 9, 9)),
    (lambda L: L.nn.MaxPool1d(3, 2), (2, 3, 9)),
    (lambda L: L.nn.AvgPool2d(2), (2, 3, 6, 6)),
    (lambda L: L.nn.AvgPool2d(3, 2, 1, count_include_pad=False, ceil_mode=True), (2, 3, 7, 6)),
    (lambda L: L.nn.AvgPool2d(2, divisor_override=3), (3, 4, 4)),
    (lambda L: L.nn.AvgPool1d(3, padding=1), (2, 3, 9)),
    (lambda L: L.nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 6)),
    (lambda L: L.nn.AdaptiveAvgPool2d(1), (2, 3, 7, 6)),
    (lambda L: L.nn.AdaptiveAvgPool2d((None, 3)), (2, 3, 7, 6)),
    (lambda L: L.nn.AdaptiveMaxPool2d(2), (2, 3, 7, 6)),
    (lambda L: L.nn.AdaptiveMaxPool2d((3, 2), return_indices=True), (2, 3, 7, 6)),
]


@pytest.mark.parametrize("make, shape", POOL_MODULES)
def test_pool_module_matches_torch(make, shape):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    xt = torch.tensor(np.random.default_rng(3).standard_normal(shape).astype(np.float32),
                      requires_grad=True)
    xc = to_cgrad(xt)
    yc, yt = c(xc), t(xt)
    if isinstance(yt, tuple):
        assert_same(yc[1], yt[1])
        yc, yt = yc[0], yt[0]
    assert_same(yc, yt)
    assert type(yc.grad_fn).__name__ == type(yt.grad_fn).__name__
    yc.sum().backward()
    yt.sum().backward()
    assert_same(xc.grad, xt.grad)


def test_small_cnn_trains_as_torch():
    def net(L):
        return L.nn.Sequential(L.nn.Conv2d(1, 4, 3, padding=1), L.nn.ReLU(), L.nn.MaxPool2d(2),
                               L.nn.Conv2d(4, 8, 3), L.nn.ReLU(), L.nn.AdaptiveAvgPool2d(1),
                               L.nn.Flatten(), L.nn.Linear(8, 3))
    c, t = net(cgrad), net(torch)
    assert repr(c) == repr(t)
    copy_weights(t, c)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((5, 1, 10, 10)).astype(np.float32)
    y = rng.integers(0, 3, 5)
    lc = cgrad.nn.functional.cross_entropy(c(cgrad.tensor(x)), cgrad.tensor(y))
    lt = torch.nn.functional.cross_entropy(t(torch.tensor(x)), torch.tensor(y))
    assert_same(lc, lt)
    lc.backward()
    lt.backward()
    for (name, pc), (_, pt) in zip(c.named_parameters(), t.named_parameters()):
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-5)
