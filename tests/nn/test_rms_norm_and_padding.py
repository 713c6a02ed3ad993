"""rms_norm / RMSNorm, the padding modules, Softmax2d, CosineSimilarity and
PairwiseDistance against torch: values, gradients (first and second order), the graph's
node names, reprs and errors."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import assert_same, raised, to_cgrad  # noqa: E402


def node_chain(fn):
    """The grad_fn names of a graph, depth first, as one list (a node reached twice is
    listed twice: these graphs are small)."""
    names, stack = [], [fn]
    while stack:
        node = stack.pop()
        if node is None:
            continue
        names.append(node.name())
        stack.extend(n for n, _ in reversed(node.next_functions))
    return names


def data(*shape, seed=0, dtype=np.float32, offset=0.0):
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype) + offset,
                        requires_grad=True)


RMS_CASES = [
    ((3, 4), (4,), True, None),
    ((2, 3, 5), (3, 5), True, None),
    ((2, 3, 5), [5], False, 1e-3),
    ((4, 6), (6,), True, 0.5),
    ((1, 1, 8), (8,), False, None),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,normalized,affine,eps", RMS_CASES)
def test_rms_norm_matches_torch(shape, normalized, affine, eps, dtype):
    xt = data(*shape, dtype=dtype)
    wt = data(*normalized if isinstance(normalized, tuple) else normalized, seed=1,
              dtype=dtype) if affine else None
    xc = to_cgrad(xt)
    wc = to_cgrad(wt) if affine else None
    yt = torch.nn.functional.rms_norm(xt, normalized, wt, eps)
    yc = cgrad.nn.functional.rms_norm(xc, normalized, wc, eps)
    rtol, atol = (1e-5, 1e-6) if dtype == np.float32 else (1e-12, 1e-13)
    assert_same(yc, yt, rtol, atol)
    assert node_chain(yc.grad_fn) == node_chain(yt.grad_fn)
    g = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    # create_graph: the first gradients are themselves graphs, differentiated once more.
    gt = torch.autograd.grad(yt, [xt] + ([wt] if affine else []), torch.tensor(g),
                             create_graph=True)
    gc = cgrad.autograd.grad(yc, [xc] + ([wc] if affine else []), cgrad.tensor(g),
                             create_graph=True)
    for c, t in zip(gc, gt):
        assert_same(c, t, 10 * rtol, 10 * atol)
    (sum(t.pow(2).sum() for t in gt)).backward()
    (sum(c.pow(2).sum() for c in gc)).backward()
    assert_same(xc.grad, xt.grad, 100 * rtol, 100 * atol)


def test_rms_norm_default_eps_is_the_dtypes_epsilon():
    # A zero row: the result is 0 / sqrt(eps), and its gradient 1 / sqrt(eps).
    for dtype in (torch.float32, torch.float64):
        xt = torch.zeros(2, 3, dtype=dtype, requires_grad=True)
        xc = cgrad.zeros(2, 3, dtype=getattr(cgrad, str(dtype).split(".")[-1]),
                         requires_grad=True)
        torch.nn.functional.rms_norm(xt, (3,)).sum().backward()
        cgrad.nn.functional.rms_norm(xc, (3,)).sum().backward()
        assert_same(xc.grad, xt.grad, 1e-6, 0)


def test_rms_norm_saves_what_torch_saves():
    xt, xc = data(3, 4), None
    xc = to_cgrad(xt)
    yt = torch.nn.functional.rms_norm(xt, (4,), eps=0.25)
    yc = cgrad.nn.functional.rms_norm(xc, (4,), eps=0.25)
    add_t = yt.grad_fn.next_functions[1][0].next_functions[0][0]
    add_c = yc.grad_fn.next_functions[1][0].next_functions[0][0]
    assert add_c.name() == add_t.name() == "AddBackward1"
    mean_t, mean_c = add_t.next_functions[0][0], add_c.next_functions[0][0]
    assert mean_c._saved_dim == mean_t._saved_dim
    assert mean_c._saved_keepdim == mean_t._saved_keepdim


@pytest.mark.parametrize("args", [
    ((5,),), ((2, 3, 4),), ((4,), "w5"), ((),), ((4,), "w4_f64"), 4, ((3, 4),),
])
def test_rms_norm_errors_match_torch(args):
    def run(lib):
        x = lib.ones(3, 4)
        if isinstance(args, int):
            return lib.nn.functional.rms_norm(x, args)
        shape, *rest = args
        weight = None
        if rest == ["w5"]:
            weight = lib.ones(5)
        elif rest == ["w4_f64"]:
            weight = lib.ones(4, dtype=lib.float64)
        with warnings.catch_warnings():  # the mixed-dtype warning comes once per process
            warnings.simplefilter("ignore")
            out = lib.nn.functional.rms_norm(x, shape, weight)
        return tuple(out.shape), repr(out.dtype).split(".")[-1], out.grad_fn is None
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch))
    if raised(lambda: run(torch)) is None:
        assert run(cgrad) == run(torch)


@pytest.mark.parametrize("dtype", ["int64", "bool", "int32"])
def test_rms_norm_refuses_integer_input_as_torch(dtype):
    def run(lib):
        return lib.nn.functional.rms_norm(lib.ones(3, 4, dtype=getattr(lib, dtype)), (4,))
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch))


@pytest.mark.parametrize("make", [
    lambda L: L.nn.RMSNorm(4), lambda L: L.nn.RMSNorm([4]),
    lambda L: L.nn.RMSNorm((3, 4), eps=1e-5), lambda L: L.nn.RMSNorm(4, 1e-6, False),
])
def test_rms_norm_module(make):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    assert c.eps == t.eps and c.normalized_shape == t.normalized_shape
    if t.weight is not None:
        with torch.no_grad():
            t.weight.copy_(torch.linspace(0.5, 1.5, t.weight.numel()).reshape(t.weight.shape))
        c.load_state_dict({"weight": to_cgrad(t.weight.detach())})
    xt = data(2, 3, 4, seed=5)
    xc = to_cgrad(xt)
    yt, yc = t(xt), c(xc)
    assert_same(yc, yt)
    yt.sum().backward()
    yc.sum().backward()
    assert_same(xc.grad, xt.grad, 1e-4, 1e-5)
    if t.weight is not None:
        assert_same(c.weight.grad, t.weight.grad, 1e-4, 1e-5)


PADS = [
    (lambda L: L.nn.ZeroPad1d(2), (2, 3, 4)),
    (lambda L: L.nn.ZeroPad1d((1, 0)), (3, 4)),
    (lambda L: L.nn.ZeroPad2d((1, 2, 0, 3)), (1, 2, 3, 4)),
    (lambda L: L.nn.ZeroPad2d(1), (2, 3, 4)),
    (lambda L: L.nn.ZeroPad3d(1), (1, 2, 2, 3, 2)),
    (lambda L: L.nn.ConstantPad1d(2, 3.5), (2, 3, 4)),
    (lambda L: L.nn.ConstantPad2d((1, 0, 2, 0), 1), (2, 3, 4)),
    (lambda L: L.nn.ConstantPad3d(1, -1.0), (1, 2, 2, 3, 2)),
    (lambda L: L.nn.ConstantPad2d((-1, 1, 0, 0), 2.0), (2, 3, 4)),
    (lambda L: L.nn.ReflectionPad1d(2), (2, 3, 4)),
    (lambda L: L.nn.ReflectionPad2d((1, 1, 2, 0)), (1, 2, 3, 4)),
    (lambda L: L.nn.ReflectionPad3d(1), (1, 2, 2, 3, 3)),
    (lambda L: L.nn.ReplicationPad1d(3), (2, 3, 4)),
    (lambda L: L.nn.ReplicationPad2d(1), (1, 2, 3, 4)),
    (lambda L: L.nn.ReplicationPad3d((1, 0, 1, 0, 0, 2)), (1, 2, 2, 3, 3)),
    (lambda L: L.nn.CircularPad1d(1), (2, 3, 4)),
    (lambda L: L.nn.CircularPad2d((1, 2, 0, 1)), (1, 2, 3, 4)),
    (lambda L: L.nn.CircularPad3d(1), (1, 2, 2, 3, 3)),
]


@pytest.mark.parametrize("make,shape", PADS)
def test_padding_module(make, shape):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    assert [type(c).__name__ for _ in [0]] == [type(t).__name__]
    assert type(c).__mro__[1].__name__ == type(t).__mro__[1].__name__  # ZeroPad is a ConstantPad
    assert c.padding == t.padding
    xt = data(*shape, seed=3)
    xc = to_cgrad(xt)
    yt, yc = t(xt), c(xc)
    assert_same(yc, yt)
    assert yc.grad_fn.name() == yt.grad_fn.name()
    g = np.random.default_rng(4).standard_normal(tuple(yt.shape)).astype(np.float32)
    yt.backward(torch.tensor(g))
    yc.backward(cgrad.tensor(g))
    assert_same(xc.grad, xt.grad)


@pytest.mark.parametrize("make,shape", [
    (lambda L: L.nn.CircularPad1d(1), (4,)),
    (lambda L: L.nn.CircularPad2d(1), (4, 4)),
    (lambda L: L.nn.CircularPad3d(1), (2, 2, 2)),
    (lambda L: L.nn.ReflectionPad2d(1), (4,)),
    (lambda L: L.nn.ReflectionPad1d(4), (2, 3)),
    (lambda L: L.nn.ZeroPad2d((1, 2, 3)), (2, 3, 4)),
])
def test_padding_module_errors_match_torch(make, shape):
    def run(lib):
        return tuple(make(lib)(lib.ones(*shape)).shape)
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch)) is not None


@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 3, 4, 5)])
def test_softmax2d(shape):
    c, t = cgrad.nn.Softmax2d(), torch.nn.Softmax2d()
    assert repr(c) == repr(t)
    xt = data(*shape, seed=6)
    xc = to_cgrad(xt)
    yt, yc = t(xt), c(xc)
    assert_same(yc, yt)
    assert yc.grad_fn.name() == yt.grad_fn.name()
    yt.pow(2).sum().backward()
    yc.pow(2).sum().backward()
    assert_same(xc.grad, xt.grad)


@pytest.mark.parametrize("shape", [(4,), (2, 3, 4, 5, 6)])
def test_softmax2d_refuses_other_ranks_as_torch(shape):
    def run(lib):
        return lib.nn.Softmax2d()(lib.ones(*shape))
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch)) is not None


@pytest.mark.parametrize("make", [
    lambda L: L.nn.CosineSimilarity(), lambda L: L.nn.CosineSimilarity(dim=0, eps=1e-3),
    lambda L: L.nn.PairwiseDistance(), lambda L: L.nn.PairwiseDistance(p=1.0, keepdim=True),
    lambda L: L.nn.PairwiseDistance(3, 1e-3),
])
def test_distance_modules(make):
    c, t = make(cgrad), make(torch)
    assert repr(c) == repr(t)
    for name in type(t).__constants__:
        assert getattr(c, name) == getattr(t, name)
    at, bt = data(4, 5, seed=7), data(4, 5, seed=8)
    ac, bc = to_cgrad(at), to_cgrad(bt)
    yt, yc = t(at, bt), c(ac, bc)
    assert_same(yc, yt)
    assert yc.grad_fn.name() == yt.grad_fn.name()
    yt.sum().backward()
    yc.sum().backward()
    assert_same(ac.grad, at.grad, 1e-4, 1e-5)
    assert_same(bc.grad, bt.grad, 1e-4, 1e-5)


@pytest.mark.parametrize("a_shape,b_shape,p,keepdim", [
    ((4, 5), (4, 5), 2.0, False), ((4, 5), (5,), 1.0, True), ((3,), (3,), 2.0, False),
    ((2, 1, 5), (3, 5), 3.0, False), ((4, 5), (4, 5), float("inf"), False),
    ((4, 5), (4, 5), 0.5, True),
])
def test_pairwise_distance_is_torchs_composite(a_shape, b_shape, p, keepdim):
    # torch's ATen composite: at::norm (NormBackward1) of x1 - x2 + eps (AddBackward1).
    at, bt = data(*a_shape, seed=9), data(*b_shape, seed=10)
    ac, bc = to_cgrad(at), to_cgrad(bt)
    yt = torch.nn.functional.pairwise_distance(at, bt, p, 1e-6, keepdim)
    yc = cgrad.nn.functional.pairwise_distance(ac, bc, p, 1e-6, keepdim)
    assert_same(yc, yt, 1e-5, 1e-6)
    assert node_chain(yc.grad_fn) == node_chain(yt.grad_fn)
    for name in ("_saved_p", "_saved_dim", "_saved_keepdim"):
        assert getattr(yc.grad_fn, name) == getattr(yt.grad_fn, name)
        assert type(getattr(yc.grad_fn, name)) is type(getattr(yt.grad_fn, name))
    yt.sum().backward()
    yc.sum().backward()
    assert_same(ac.grad, at.grad, 1e-4, 1e-5)
    assert_same(bc.grad, bt.grad, 1e-4, 1e-5)
    assert cgrad.pairwise_distance(ac, bc, p).shape == torch.pairwise_distance(at, bt, p).shape


@pytest.mark.parametrize("shape,pad", [
    ((4,), (1, 1, 1, 1)), ((2, 3), (1, 1, 1, 1, 1, 1)), ((4,), (1, 1)),
    ((2, 3, 4, 5, 6, 7), (1, 1)), ((2, 3, 4), (1, 2, 3)),
])
@pytest.mark.parametrize("mode", ["circular", "reflect", "replicate"])
def test_non_constant_pad_checks_ranks_as_torch(shape, pad, mode):
    # circular padding once accepted any rank and returned a wrongly shaped result.
    def run(lib):
        return tuple(lib.nn.functional.pad(lib.ones(*shape), pad, mode).shape)
    assert raised(lambda: run(cgrad)) == raised(lambda: run(torch)) is not None
