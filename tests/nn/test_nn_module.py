"""nn.Module against torch, one line per case: registration, traversal, state_dict and
its errors, modes, hooks, conversion and repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, copy_weights, raised, to_cgrad  # noqa: E402


def normalized(result):
    """Error text with cgrad's spelling of shared names mapped to torch's."""
    if result is None or result[1] is None:
        return result
    kind, message = result
    return kind, message.replace("cgrad.", "torch.")


def both(fn):
    return normalized(fn(cgrad)), normalized(fn(torch))


def make_net(L):
    """A small net with a buffer, a non-persistent buffer, a shared and a None member."""

    class Block(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = L.nn.Linear(3, 4)
            self.register_buffer("running", L.zeros(4))
            self.register_buffer("scratch", L.ones(2), persistent=False)
            self.scale = L.nn.Parameter(L.tensor(2.0))
            self.register_parameter("unused", None)

        def forward(self, x):
            return self.lin(x) * self.scale + self.running

    class Net(L.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.act = L.nn.Tanh()
            self.head = L.nn.Linear(4, 2, bias=False)
            self.alias = self.act  # the same module twice

        def forward(self, x):
            return self.head(self.act(self.block(x)))

    return Net()


def nets():
    t = make_net(torch)
    c = make_net(cgrad)
    copy_weights(t, c)
    return c, t


def test_traversal_names_match():
    c, t = nets()
    assert [n for n, _ in c.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in c.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert [n for n, _ in c.named_modules()] == [n for n, _ in t.named_modules()]
    assert ([n for n, _ in c.named_modules(remove_duplicate=False)]
            == [n for n, _ in t.named_modules(remove_duplicate=False)])
    assert [n for n, _ in c.named_children()] == [n for n, _ in t.named_children()]
    assert ([n for n, _ in c.named_parameters(prefix="m", recurse=False)]
            == [n for n, _ in t.named_parameters(prefix="m", recurse=False)])
    assert ([n for n, _ in c.block.named_parameters(prefix="x")]
            == [n for n, _ in t.block.named_parameters(prefix="x")])
    assert len(list(c.parameters())) == len(list(t.parameters()))
    assert len(list(c.children())) == len(list(t.children()))
    assert len(list(c.modules())) == len(list(t.modules()))


def test_shared_parameter_listed_once_unless_asked():
    for L in (cgrad, torch):
        m = L.nn.Module()
        m.a = L.nn.Linear(2, 2)
        m.b = L.nn.Linear(2, 2)
        m.b.weight = m.a.weight
        assert len(list(m.parameters())) == 3
        assert len(list(m.named_parameters(remove_duplicate=False))) == 4


def test_state_dict_keys_values_and_metadata():
    c, t = nets()
    cs, ts = c.state_dict(), t.state_dict()
    assert list(cs) == list(ts)
    for k in ts:
        assert_same(cs[k], ts[k])
        assert not cs[k].requires_grad and type(cs[k]) is cgrad.Tensor
    assert cs._metadata == ts._metadata
    kept = c.state_dict(keep_vars=True)
    assert kept["block.scale"] is c.block.scale
    assert list(c.state_dict(prefix="p.")) == list(t.state_dict(prefix="p."))


def test_forward_and_parameter_grads_match():
    c, t = nets()
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    yc = c(cgrad.tensor(x))
    yt = t(torch.tensor(x))
    assert_same(yc, yt)
    assert type(yc.grad_fn).__name__ == type(yt.grad_fn).__name__
    yc.sum().backward()
    yt.sum().backward()
    for (nc, pc), (nt, pt) in zip(c.named_parameters(), t.named_parameters()):
        assert nc == nt
        assert_same(pc.grad, pt.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("edit", [
    lambda sd, L: sd.pop("head.weight"),
    lambda sd, L: sd.__setitem__("extra.key", L.zeros(1)),
    lambda sd, L: sd.__setitem__("block.nothing", L.zeros(1)),
    lambda sd, L: sd.__setitem__("block.unused", L.zeros(1)),
    lambda sd, L: sd.__setitem__("block.scratch", L.zeros(2)),
    lambda sd, L: sd.__setitem__("head.weight", L.zeros(3, 3)),
    lambda sd, L: sd.__setitem__("block.lin.bias", 5),
    lambda sd, L: (sd.pop("block.running"), sd.__setitem__("zzz", L.zeros(1))),
])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_results_and_errors(edit, strict):
    def run(L):
        net = make_net(L)
        sd = net.state_dict()
        edit(sd, L)
        return repr(net.load_state_dict(sd, strict=strict))
    c, t = both(lambda L: raised(lambda: run(L)) or ("ok", run(L)))
    assert c == t


def test_load_state_dict_copies_values_in_place():
    c, t = nets()
    w = c.head.weight
    c.load_state_dict({k: v * 0 + 1 for k, v in c.state_dict().items()})
    assert c.head.weight is w and w.tolist() == [[1.0] * 4] * 2
    assert repr(c.load_state_dict(c.state_dict())) == "<All keys matched successfully>"


def test_load_state_dict_rejects_non_mappings():
    c, t = both(lambda L: raised(lambda: L.nn.Linear(1, 1).load_state_dict([1])))
    assert c[0] == t[0] and c[1].replace("cgrad", "torch") == t[1]


@pytest.mark.parametrize("action", [
    lambda L, m: m.register_buffer(3, None),
    lambda L, m: m.register_buffer("a.b", None),
    lambda L, m: m.register_buffer("", None),
    lambda L, m: m.register_buffer("training", None),
    lambda L, m: m.register_buffer("x", [1]),
    lambda L, m: m.register_parameter(1.5, None),
    lambda L, m: m.register_parameter("a.b", None),
    lambda L, m: m.register_parameter("", None),
    lambda L, m: m.register_parameter("forward", None),
    lambda L, m: m.register_parameter("w", L.ones(2)),
    lambda L, m: m.register_parameter("w", L.nn.Parameter(L.ones(2)) * 2),
    lambda L, m: m.add_module("x", 3),
    lambda L, m: m.add_module(3, L.nn.Tanh()),
    lambda L, m: m.add_module("a.b", L.nn.Tanh()),
    lambda L, m: m.add_module("", L.nn.Tanh()),
    lambda L, m: m.add_module("eval", L.nn.Tanh()),
    lambda L, m: m.register_module("sub", L.nn.Tanh()),
    lambda L, m: m.get_submodule("lin.nothing"),
    lambda L, m: m.get_submodule("lin.weight"),
    lambda L, m: m.get_submodule("missing"),
    lambda L, m: m.get_parameter("lin.weight").shape,
    lambda L, m: m.get_parameter("lin.nope"),
    lambda L, m: m.get_parameter("lin"),
    lambda L, m: m.get_buffer("buf").shape,
    lambda L, m: m.get_buffer("lin.weight"),
    lambda L, m: setattr(m, "lin", 3),
    lambda L, m: setattr(m, "p", L.ones(1)),
    lambda L, m: setattr(m, "buf", "text"),
    lambda L, m: m.nothing,
    lambda L, m: m.train("yes"),
    lambda L, m: L.nn.Module()(1),
    lambda L, m: L.nn.Module(3),
    lambda L, m: L.nn.Module(x=3),
    lambda L, m: m.to(L.int64),
])
def test_registration_errors(action):
    def run(L):
        m = L.nn.Module()
        m.lin = L.nn.Linear(2, 2)
        m.p = L.nn.Parameter(L.ones(1))
        m.register_buffer("buf", L.zeros(3))
        out = action(L, m)
        return None if out is None or isinstance(out, L.nn.Module) else repr(out)
    c, t = both(lambda L: raised(lambda: run(L)) or ("ok", run(L)))
    assert c == t


def test_setattr_moves_names_between_kinds_and_delattr():
    for L in (cgrad, torch):
        m = L.nn.Module()
        m.x = L.nn.Parameter(L.ones(1))
        with pytest.raises(TypeError):
            m.x = L.nn.Tanh()  # a parameter's name takes only a Parameter or None
        m.x = None
        assert m._parameters["x"] is None
        del m.x
        m.x = L.nn.Tanh()
        assert "x" not in m._parameters and "x" in m._modules
        m.x = None
        assert m._modules["x"] is None
        m.register_buffer("b", L.ones(1))
        m.b = L.zeros(2)
        assert m._buffers["b"].tolist() == [0.0, 0.0]
        del m.b
        del m.x
        m.y = 3
        del m.y
        assert not hasattr(m, "b") and not hasattr(m, "y") and not hasattr(m, "x")


def test_dir_lists_members():
    c, t = nets()
    assert set(dir(t)) - set(dir(c)) <= {n for n in dir(t) if n.startswith("_")} | {
        n for n in dir(t) if not hasattr(c, n)}
    for name in ("block", "act", "head", "forward", "state_dict"):
        assert name in dir(c)
    assert "weight" in dir(c.head)


def test_train_eval_and_requires_grad():
    c, t = nets()
    for m in (c, t):
        assert m.eval() is m
        assert not any(x.training for x in m.modules())
        m.train()
        assert all(x.training for x in m.modules())
        m.block.train(False)
        assert m.training and not m.block.lin.training
        assert m.requires_grad_(False) is m
        assert not any(p.requires_grad for p in m.parameters())


def test_zero_grad():
    for L in (cgrad, torch):
        m = L.nn.Linear(3, 2)
        m(L.ones(1, 3)).sum().backward()
        w = m.weight.grad
        m.zero_grad(set_to_none=False)
        assert m.weight.grad is w and w.abs().sum().item() == 0
        m.zero_grad()
        assert m.weight.grad is None and m.bias.grad is None


def test_apply_visits_children_first():
    for L in (cgrad, torch):
        seen = []
        m = L.nn.Sequential(L.nn.Linear(1, 1), L.nn.Sequential(L.nn.Tanh()))
        assert m.apply(lambda mod: seen.append(type(mod).__name__)) is m
        assert seen == ["Linear", "Tanh", "Sequential", "Sequential"]


def test_to_double_float_keep_parameter_objects():
    c, t = nets()
    c(cgrad.ones(2, 3)).sum().backward()
    w = c.head.weight
    assert c.double() is c and c.head.weight is w
    assert c.head.weight.dtype == cgrad.float64 and c.head.weight.grad.dtype == cgrad.float64
    assert c.block.running.dtype == cgrad.float64
    y = c(cgrad.ones(2, 3, dtype=cgrad.float64))
    assert y.dtype == cgrad.float64
    c.to(cgrad.float32)
    assert w.dtype == cgrad.float32 and w.requires_grad and w.is_leaf
    assert c.to("cpu") is c and c.to(cgrad.ones(1, dtype=cgrad.float64)) is c
    assert w.dtype == cgrad.float64
    assert c.float().cpu() is c


def test_forward_pre_hooks_and_forward_hooks():
    for L in (cgrad, torch):
        m = L.nn.Linear(2, 2)
        calls = []
        h1 = m.register_forward_pre_hook(lambda mod, args: (args[0] * 0,))
        h2 = m.register_forward_hook(lambda mod, args, out: calls.append(out.shape) or out + 1)
        h3 = m.register_forward_hook(lambda mod, args, kwargs, out: calls.append("kw"),
                                     with_kwargs=True, prepend=True)
        y = m(L.ones(1, 2))
        assert calls == ["kw", (1, 2)]
        assert (y - m.bias - 1).abs().sum().item() < 1e-6
        for h in (h1, h2, h3):
            h.remove()
        calls.clear()
        m(L.ones(1, 2))
        assert calls == []
        m.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] + 1,), kwargs),
                                    with_kwargs=True)
        assert m(L.zeros(1, 2)).tolist() == m.forward(L.ones(1, 2)).tolist()


def test_always_call_hook_runs_when_forward_raises():
    for L in (cgrad, torch):
        m = L.nn.Linear(2, 2)
        calls = []
        m.register_forward_hook(lambda *a: calls.append("always"), always_call=True)
        with pytest.raises(RuntimeError):
            m(L.ones(1, 3))
        assert calls == ["always"]


def test_repr_matches():
    c, t = nets()
    assert repr(c) == repr(t)

    def extra(L):
        class WithExtra(L.nn.Module):
            def extra_repr(self):
                return "a=1\nb=2"
        m = WithExtra()
        m.sub = L.nn.ReLU()
        return repr(m), repr(WithExtra()), repr(L.nn.Module())
    assert extra(cgrad) == extra(torch)


def test_deepcopy_of_a_module():
    c, _ = nets()
    d = copy.deepcopy(c)
    assert type(d.head.weight) is cgrad.nn.Parameter
    assert d.alias is d.act
    with cgrad.no_grad():
        d.head.weight.zero_()
    assert c.head.weight.abs().sum().item() > 0


def test_load_state_dict_assign():
    for L in (cgrad, torch):
        m = L.nn.Linear(2, 1)
        w = L.ones(1, 2)
        m.load_state_dict({"weight": w, "bias": L.zeros(1)}, assign=True)
        assert type(m.weight).__name__ == "Parameter" and m.weight.requires_grad


def test_state_dict_round_trip_between_libraries():
    c, t = nets()
    t2 = make_net(torch)
    t2.load_state_dict({k: torch.tensor(v.numpy()) for k, v in c.state_dict().items()})
    for k, v in t2.state_dict().items():
        assert_same(to_cgrad(v), t.state_dict()[k])
    assert isinstance(c.state_dict(), OrderedDict)
