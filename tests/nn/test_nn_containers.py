"""Containers, Identity, Flatten, Unflatten and Linear against torch."""
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, copy_weights, raised, to_cgrad  # noqa: E402


def both(fn):
    # cgrad prints its dtypes as cgrad.float32; everything else must read as torch's.
    def normalized(r):
        return r if r[1] is None else (r[0], str(r[1]).replace("cgrad.", "torch."))
    return normalized(fn(cgrad)), normalized(fn(torch))


def seq(L):
    return L.nn.Sequential(L.nn.Linear(3, 4), L.nn.ReLU(), L.nn.Linear(4, 2))


def test_sequential_forward_grads_and_repr():
    t, c = seq(torch), seq(cgrad)
    copy_weights(t, c)
    assert repr(c) == repr(t)
    x = np.random.default_rng(1).standard_normal((6, 3)).astype(np.float32)
    yc, yt = c(cgrad.tensor(x)), t(torch.tensor(x))
    assert_same(yc, yt)
    yc.pow(2).mean().backward()
    yt.pow(2).mean().backward()
    for pc, pt in zip(c.parameters(), t.parameters()):
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("op", [
    lambda L, s: len(s),
    lambda L, s: type(s[0]).__name__,
    lambda L, s: type(s[-1]).__name__,
    lambda L, s: repr(s[1:]),
    lambda L, s: repr(s[::-1]),
    lambda L, s: [type(m).__name__ for m in s],
    lambda L, s: repr(s.append(L.nn.Tanh())),
    lambda L, s: repr(s.insert(1, L.nn.Sigmoid())),
    lambda L, s: repr(s.extend([L.nn.Tanh()])),
    lambda L, s: (s.__delitem__(0), repr(s))[1],
    lambda L, s: (s.__delitem__(slice(0, 2)), repr(s))[1],
    lambda L, s: (s.__setitem__(1, L.nn.GELU()), repr(s))[1],
    lambda L, s: repr(s.pop(1)) + repr(s),
    lambda L, s: repr(s + L.nn.Sequential(L.nn.Tanh())),
    lambda L, s: s[3],
    lambda L, s: s[-4],
    lambda L, s: s + 1,
    lambda L, s: repr(L.nn.Sequential(OrderedDict([("a", L.nn.ReLU()), ("b", L.nn.Tanh())]))),
    lambda L, s: list(s.state_dict()),
])
def test_sequential_list_operations(op):
    c, t = both(lambda L: raised(lambda: op(L, seq(L))) or ("ok", op(L, seq(L))))
    if c[0] == "ValueError":  # the message names the other operand's type
        c = (c[0], c[1].replace("cgrad", "torch"))
    assert c == t


def mlist(L):
    return L.nn.ModuleList([L.nn.Linear(2, 2), L.nn.ReLU(), L.nn.ReLU(), L.nn.Tanh()])


@pytest.mark.parametrize("op", [
    lambda L, m: repr(m),
    lambda L, m: len(m),
    lambda L, m: repr(m[1:3]),
    lambda L, m: repr(m[-1]),
    lambda L, m: m[9],
    lambda L, m: repr(m.append(L.nn.ReLU())),
    lambda L, m: repr(m.extend([L.nn.Sigmoid(), L.nn.Sigmoid()])),
    lambda L, m: (m.insert(0, L.nn.GELU()), repr(m))[1],
    lambda L, m: (m.__delitem__(1), repr(m))[1],
    lambda L, m: (m.__setitem__(-1, L.nn.ELU()), repr(m))[1],
    lambda L, m: repr(m.pop(0)) + repr(m),
    lambda L, m: repr(m + L.nn.ModuleList([L.nn.Tanh()])),
    lambda L, m: m.extend(3),
    lambda L, m: [n for n, _ in m.named_parameters()],
    lambda L, m: m(1),
    lambda L, m: repr(L.nn.ModuleList()),
])
def test_module_list(op):
    c, t = both(lambda L: raised(lambda: op(L, mlist(L))) or ("ok", op(L, mlist(L))))
    assert c == t


def mdict(L):
    return L.nn.ModuleDict({"lin": L.nn.Linear(2, 3), "act": L.nn.ReLU()})


@pytest.mark.parametrize("op", [
    lambda L, d: repr(d),
    lambda L, d: (len(d), list(d), list(d.keys()), "lin" in d),
    lambda L, d: [type(v).__name__ for v in d.values()],
    lambda L, d: [k for k, _ in d.items()],
    lambda L, d: (d.__setitem__("z", L.nn.Tanh()), repr(d))[1],
    lambda L, d: (d.update([("q", L.nn.Tanh())]), repr(d))[1],
    lambda L, d: (d.__delitem__("lin"), repr(d))[1],
    lambda L, d: repr(d.pop("act")) + repr(d),
    lambda L, d: (d.clear(), repr(d))[1],
    lambda L, d: d["nope"],
    lambda L, d: d.update(3),
    lambda L, d: d.update([("a", L.nn.Tanh(), 1)]),
    lambda L, d: d.update([3]),
    lambda L, d: [n for n, _ in d.named_parameters()],
])
def test_module_dict(op):
    c, t = both(lambda L: raised(lambda: op(L, mdict(L))) or ("ok", op(L, mdict(L))))
    assert c == t


@pytest.mark.parametrize("op", [
    lambda L: repr(L.nn.ParameterList([L.nn.Parameter(L.ones(2, 3)), L.ones(2)])),
    lambda L: repr(L.nn.ParameterList([L.ones(2, dtype=L.float64)])[0]),
    lambda L: len(L.nn.ParameterList([L.ones(1)]).append(L.ones(2))),
    lambda L: [n for n, _ in L.nn.ParameterList([L.ones(1), L.ones(2)]).named_parameters()],
    lambda L: L.nn.ParameterList([L.ones(1)])(1),
    lambda L: L.nn.ParameterList([L.ones(1)])[4],
    lambda L: repr(L.nn.ParameterDict({"b": L.ones(2), "a": L.nn.Parameter(L.zeros(3))})),
    lambda L: list(L.nn.ParameterDict({"b": L.ones(2), "a": L.ones(1)}).keys()),
    lambda L: [n for n, _ in L.nn.ParameterDict(
        OrderedDict([("b", L.ones(2)), ("a", L.ones(1))])).named_parameters()],
    lambda L: type(L.nn.ParameterDict({"w": L.ones(2)})["w"]).__name__,
    lambda L: L.nn.ParameterDict({"w": L.ones(2)})[0],
    lambda L: "w" in L.nn.ParameterDict({"w": L.ones(2)}),
    lambda L: repr(L.nn.ParameterDict({"w": L.ones(2)}).pop("w")),
    lambda L: L.nn.ParameterDict({"w": L.ones(1)})(1),
])
def test_parameter_containers(op):
    c, t = both(lambda L: raised(lambda: op(L)) or ("ok", op(L)))
    assert c == t


@pytest.mark.parametrize("make,shape", [
    (lambda L: L.nn.Identity(3, flag=True), (2, 3)),
    (lambda L: L.nn.Flatten(), (2, 3, 4)),
    (lambda L: L.nn.Flatten(0, 1), (2, 3, 4)),
    (lambda L: L.nn.Flatten(-2), (2, 3, 4)),
    (lambda L: L.nn.Unflatten(1, (2, 3)), (4, 6, 2)),
    (lambda L: L.nn.Unflatten(-1, (3, -1)), (4, 6)),
])
def test_shape_modules(make, shape):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    yc, yt = c(cgrad.tensor(x, requires_grad=True)), t(torch.tensor(x, requires_grad=True))
    assert_same(yc, yt)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_linear(bias, dtype):
    t = torch.nn.Linear(5, 3, bias=bias, dtype=getattr(torch, dtype))
    c = cgrad.nn.Linear(5, 3, bias=bias, dtype=getattr(cgrad, dtype))
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    assert c.weight.dtype == getattr(cgrad, dtype)
    copy_weights(t, c)
    x = np.random.default_rng(2).standard_normal((4, 2, 5)).astype(dtype)
    xt = torch.tensor(x, requires_grad=True)
    xc = to_cgrad(xt)
    yc, yt = c(xc), t(xt)
    assert_same(yc, yt)
    assert type(yc.grad_fn).__name__ == type(yt.grad_fn).__name__
    yc.sum().backward()
    yt.sum().backward()
    assert_same(xc.grad, xt.grad)
    for pc, pt in zip(c.parameters(), t.parameters()):
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-5)


def test_linear_default_init_is_within_torch_bounds():
    m = cgrad.nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound  # U(-b, b) has std b/sqrt(3)


def test_bilinear():
    t = torch.nn.Bilinear(3, 4, 2)
    c = cgrad.nn.Bilinear(3, 4, 2)
    assert repr(c) == repr(t)
    copy_weights(t, c)
    rng = np.random.default_rng(3)
    x1 = rng.standard_normal((5, 3)).astype(np.float32)
    x2 = rng.standard_normal((5, 4)).astype(np.float32)
    yc = c(cgrad.tensor(x1), cgrad.tensor(x2))
    yt = t(torch.tensor(x1), torch.tensor(x2))
    assert_same(yc, yt, rtol=1e-4, atol=1e-5)
    yc.sum().backward()
    yt.sum().backward()
    for pc, pt in zip(c.parameters(), t.parameters()):
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-5)


def test_linear_gradcheck_float64():
    m = cgrad.nn.Linear(3, 2, dtype=cgrad.float64)
    x = cgrad.randn(4, 3, dtype=cgrad.float64, requires_grad=True)
    assert cgrad.autograd.gradcheck(lambda x, w, b: cgrad.nn.functional.linear(x, w, b),
                                    (x, m.weight, m.bias))
