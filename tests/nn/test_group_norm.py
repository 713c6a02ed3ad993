"""group_norm / GroupNorm against torch: values, gradients (first and second order), the
node torch records and what it shows, module reprs, and errors."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, raised, to_cgrad  # noqa: E402


def data(*shape, seed=0, dtype=np.float32, offset=0.0):
    values = np.random.default_rng(seed).standard_normal(shape).astype(dtype) + offset
    return torch.tensor(values, requires_grad=True)


CASES = [
    ((2, 6, 4, 3), 3, True), ((2, 6, 4, 3), 6, True), ((2, 6, 4, 3), 1, False),
    ((3, 4), 2, True), ((2, 4, 5), 2, True), ((1, 4, 2, 2, 2), 4, True), ((2, 8, 3), 4, False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,groups,affine", CASES)
def test_group_norm_matches_torch(shape, groups, affine, dtype):
    xt = data(*shape, dtype=dtype, offset=3.0)
    wt = data(shape[1], seed=1, dtype=dtype) if affine else None
    bt = data(shape[1], seed=2, dtype=dtype) if affine else None
    xc = to_cgrad(xt)
    wc, bc = (to_cgrad(wt), to_cgrad(bt)) if affine else (None, None)
    yt = torch.nn.functional.group_norm(xt, groups, wt, bt, 1e-3)
    yc = cgrad.nn.functional.group_norm(xc, groups, wc, bc, 1e-3)
    rtol, atol = (1e-4, 1e-5) if dtype == np.float32 else (1e-10, 1e-12)
    assert_same(yc, yt, rtol, atol)
    assert yc.grad_fn.name() == yt.grad_fn.name() == "NativeGroupNormBackward0"
    for name in ("_saved_N", "_saved_C", "_saved_HxW", "_saved_group", "_saved_eps"):
        assert getattr(yc.grad_fn, name) == getattr(yt.grad_fn, name), name
    for name in ("_saved_result1", "_saved_result2"):
        assert_same(getattr(yc.grad_fn, name), getattr(yt.grad_fn, name), rtol, atol)
    inputs_t = [xt] + ([wt, bt] if affine else [])
    inputs_c = [xc] + ([wc, bc] if affine else [])
    g = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    # First order alone: the fused kernels (Note [Group norm passes]).
    for c, t in zip(cgrad.autograd.grad(yc, inputs_c, cgrad.tensor(g), retain_graph=True),
                    torch.autograd.grad(yt, inputs_t, torch.tensor(g), retain_graph=True)):
        assert_same(c, t, 10 * rtol, 10 * atol)
    # With create_graph: the recorded formulas.
    gt = torch.autograd.grad(yt, inputs_t, torch.tensor(g), create_graph=True)
    gc = cgrad.autograd.grad(yc, inputs_c, cgrad.tensor(g), create_graph=True)
    for c, t in zip(gc, gt):
        assert_same(c, t, 10 * rtol, 10 * atol)
    # Second order: the first gradients differentiated again.
    sum(t.pow(2).sum() for t in gt).backward()
    sum(c.pow(2).sum() for c in gc).backward()
    for c, t in zip(inputs_c, inputs_t):
        assert (c.grad is None) == (t.grad is None)  # bias's gradient does not depend on it
        if t.grad is not None:
            assert_same(c.grad, t.grad, 100 * rtol, 100 * atol)


def test_group_norm_without_weight_has_torchs_next_functions():
    xt = data(2, 4, 3)
    yt = torch.nn.functional.group_norm(xt, 2)
    yc = cgrad.nn.functional.group_norm(to_cgrad(xt), 2)
    assert [n is None for n, _ in yc.grad_fn.next_functions] == \
        [n is None for n, _ in yt.grad_fn.next_functions] == [False, True, True]


@pytest.mark.parametrize("args", [
    ((2, 6, 4, 3), 4), ((6,), 3), ((2, 6, 4), 3, "w5"), ((2, 6, 4), 3, None, "b5"),
    ((2, 6, 4), 0), ((2, 4), -2), ((1, 3), 3), ((1, 3, 1), 3), ((1, 4, 1, 1), 4),
    ((2, 6, 4), 3, "w2d"), ((2, 6, 4), 3, "w6", "b5"),
])
def test_group_norm_errors_match_torch(args):
    shape, groups, *params = args
    def run(lib):
        weight = bias = None
        if params and params[0] == "w5":
            weight = lib.ones(5)
        if params and params[0] == "w2d":
            weight = lib.ones(2, 3)
        if params and params[0] == "w6":
            weight = lib.ones(6)
        if len(params) > 1 and params[1] == "b5":
            bias = lib.ones(5)
        return tuple(lib.nn.functional.group_norm(lib.ones(*shape), groups, weight, bias).shape)
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch)) is not None


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_group_norm_refuses_integers_as_torch(dtype):
    def run(lib):
        return lib.nn.functional.group_norm(lib.ones(2, 4, 3, dtype=getattr(lib, dtype)), 2)
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch)) is not None


@pytest.mark.parametrize("make", [
    lambda L: L.nn.GroupNorm(3, 6), lambda L: L.nn.GroupNorm(2, 4, eps=1e-3, affine=False),
    lambda L: L.nn.GroupNorm(1, 4, bias=False), lambda L: L.nn.GroupNorm(4, 4),
])
def test_group_norm_module(make):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    for name in type(t).__constants__:
        assert getattr(c, name) == getattr(t, name)
    if t.weight is not None:
        with torch.no_grad():
            t.weight.copy_(torch.linspace(0.5, 1.5, t.num_channels))
            if t.bias is not None:
                t.bias.copy_(torch.linspace(-1, 1, t.num_channels))
        c.load_state_dict({k: to_cgrad(v) for k, v in t.state_dict().items()})
    xt = data(2, t.num_channels, 3, 2, seed=4)
    xc = to_cgrad(xt)
    yt, yc = t(xt), c(xc)
    assert_same(yc, yt, 1e-4, 1e-5)
    yt.pow(3).sum().backward()
    yc.pow(3).sum().backward()
    assert_same(xc.grad, xt.grad, 1e-3, 1e-4)
    for pc, pt in zip(c.parameters(), t.parameters()):
        assert_same(pc.grad, pt.grad, 1e-3, 1e-4)


def test_group_norm_module_checks_divisibility_as_torch():
    assert raised(lambda: cgrad.nn.GroupNorm(4, 6)) == raised(lambda: torch.nn.GroupNorm(4, 6))


def test_group_norm_of_a_non_contiguous_input():
    # Not the kernels' layout: the recorded formulas, same values.
    xt = data(4, 6, 5, seed=6).transpose(0, 2)  # [5, 6, 4]
    wt, bt = data(6, seed=7), data(6, seed=8)
    xc = to_cgrad(xt.detach()).requires_grad_(True)
    wc, bc = to_cgrad(wt), to_cgrad(bt)
    yt = torch.nn.functional.group_norm(xt, 3, wt, bt)
    yc = cgrad.nn.functional.group_norm(xc, 3, wc, bc)
    assert_same(yc, yt, 1e-4, 1e-5)
    yt.pow(2).sum().backward()
    yc.pow(2).sum().backward()
    assert_same(wc.grad, wt.grad, 1e-3, 1e-4)
    assert_same(bc.grad, bt.grad, 1e-3, 1e-4)
