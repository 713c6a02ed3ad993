"""The autograd surface tools rely on, against torch 2.13: node classes (type names,
modules, reprs, isinstance Node) over whole graphs, custom Functions (setup_context,
needs_input_grad, set_materialize_grads, mark_non_differentiable, once_differentiable,
keyword arguments), grad-mode decorators, Tensor._is_view/_base and is_tensor.

Each case is `fn(lib)` returning plain data, run once per library; the library's own name
in module paths is written `LIB` so that both read alike."""
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import outcome  # noqa: E402

X = np.array([[0.5, -1.5, 2.0], [1.0, 0.25, -0.75]], dtype=np.float32)
W = np.array([[0.2, -0.4], [1.1, 0.3], [-0.6, 0.9]], dtype=np.float32)


def neutral(value, lib):
    """`value` with addresses dropped and the library's name written LIB."""
    if isinstance(value, (list, tuple)):
        return type(value)(neutral(v, lib) for v in value)
    if isinstance(value, dict):
        return {k: neutral(v, lib) for k, v in value.items()}
    if isinstance(value, str):
        value = re.sub(r" at 0x[0-9a-f]+", "", value)
        return re.sub(rf"\b{lib.__name__}\.", "LIB.", value)
    if isinstance(value, lib.Tensor):
        return ("tensor", value.tolist(), value.requires_grad)
    return value


def same_in_both(fn):
    ours, theirs = neutral(fn(cgrad), cgrad), neutral(fn(torch), torch)
    assert ours == theirs


def surface_case(id, fn):
    return pytest.param(fn, id=id)


def leaf(lib, values=X):
    return lib.tensor(values, requires_grad=True)


# ---- node classes ----

def walk(root):
    """Every node reachable from `root`, depth first, each once."""
    seen, order, stack = set(), [], [root]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        order.append(fn)
        stack.extend(f for f, _ in reversed(fn.next_functions))
    return order


def describe_graph(lib, y):
    return [(type(fn).__name__, type(fn).__module__, repr(fn), fn.name(),
             isinstance(fn, lib.autograd.graph.Node), [nr for _, nr in fn.next_functions],
             "variable" in dir(fn), hasattr(fn, "variable"))
            for fn in walk(y.grad_fn)]


def exp_function(lib):
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, g):
            y, = ctx.saved_tensors
            return g * y
    return Exp


GRAPHS = [
    surface_case("arithmetic", lambda L, x, w: ((x * 2 + 1) / 3 - x).sum()),
    surface_case("mlp", lambda L, x, w: L.nn.functional.mse_loss(
        (x @ w).tanh(), L.zeros(2, 2))),
    surface_case("views", lambda L, x, w: (x.t()[1:].reshape(-1)[0] ** 2)),
    surface_case("reductions", lambda L, x, w: x.softmax(1).max() + x.norm() + x.mean(0).sum()),
    surface_case("custom_function", lambda L, x, w: exp_function(L).apply(x * w.sum()).sum()),
    surface_case("multi_output", lambda L, x, w: L.cat(x.split(1, 1)[::2], 1).sum()),
]


@pytest.mark.parametrize("fn", GRAPHS)
def test_every_node_of_a_graph_has_torchs_class(fn):
    same_in_both(lambda L: describe_graph(L, fn(L, leaf(L), leaf(L, W))))


def test_nodes_of_one_name_share_one_class():
    for lib in (torch, cgrad):
        x = leaf(lib)
        assert type((x * 2).grad_fn) is type((x * 3).grad_fn)
        assert type((x * 2).grad_fn) is not type((x + 2).grad_fn)
        assert issubclass(type((x * 2).grad_fn), lib.autograd.graph.Node)


def test_node_class_survives_its_python_object():
    # The wrapper of a node may be dropped and made again: it comes back with its class.
    def fn(lib):
        y = leaf(lib).exp()
        names = []
        for _ in range(3):
            names.append(type(y.grad_fn).__name__)
            names.append(type(y.grad_fn.next_functions[0][0]).__name__)
        return names
    same_in_both(fn)


def test_missing_node_attribute_raises_attribute_error():
    same_in_both(lambda L: outcome(lambda L: (leaf(L) * 2).grad_fn.no_such_thing, L))
    same_in_both(lambda L: outcome(lambda L: (leaf(L) * 2).grad_fn._saved_nothing, L))
    same_in_both(lambda L: hasattr((leaf(L) * 2).grad_fn, "variable"))


def test_tensor_repr_names_custom_function_nodes():
    same_in_both(lambda L: repr(exp_function(L).apply(leaf(L))))


# ---- custom Functions ----

class Recorder:
    """What a Function saw, per library."""
    def __init__(self):
        self.events = []

    def __call__(self, *what):
        self.events.append(what)


def grads_seen(grads):
    return [None if g is None else ("zeros" if not g.abs().sum().item() else "values")
            for g in grads]


def run_setup_context_style(lib):
    seen = Recorder()

    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(x, k=2.0):
            seen("forward", lib.is_grad_enabled())
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            seen("setup_context", len(inputs), inputs[1], lib.is_grad_enabled(),
                 ctx.needs_input_grad, output.requires_grad)
            ctx.save_for_backward(inputs[0])
            ctx.k = inputs[1]

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            seen("backward", x.shape == g.shape)
            return g * ctx.k, None

    x = leaf(lib)
    y = Scale.apply(x)
    z = Scale.apply(x, k=3.0)
    (y + z).sum().backward()
    return seen.events, x.grad, type(y.grad_fn).__name__, y.grad_fn.k, z.grad_fn.k


def run_ctx_style_with_keywords(lib):
    seen = Recorder()

    class Affine(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, shift=None):
            seen(ctx.needs_input_grad)
            out = x * scale
            return out if shift is None else out + shift

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, g.sum(0) if ctx.needs_input_grad[-1] else None

    x, b = leaf(lib), leaf(lib, X[0])
    outs = [Affine.apply(x, 2.0), Affine.apply(x, scale=2.0), Affine.apply(x=x, scale=2.0),
            Affine.apply(x, 2.0, shift=b)]
    sum(o.sum() for o in outs).backward()
    return seen.events, x.grad, b.grad


def run_needs_input_grad(lib):
    seen = Recorder()

    class Probe(lib.autograd.Function):
        @staticmethod
        def forward(ctx, *args):
            seen(ctx.needs_input_grad)
            return args[0] * 1

        @staticmethod
        def backward(ctx, g):
            seen("backward", ctx.needs_input_grad)
            return (g,) + (None,) * (len(ctx.needs_input_grad) - 1)

    x, c = leaf(lib), lib.tensor(X)
    Probe.apply(x, c, 3, None, "s").sum().backward()
    Probe.apply(c, x)
    with lib.no_grad():
        Probe.apply(x, c)
    return seen.events


def run_materialize_grads(lib, materialize):
    seen = Recorder()

    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            seen(grads_seen((ga, gb)))
            return gb * 3 if ga is None else ga * 2

    x = leaf(lib)
    a, b = Two.apply(x)
    b.sum().backward()
    return seen.events, x.grad


def run_non_differentiable(lib):
    seen = Recorder()

    class SortLike(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, scaled = x * 2, x * 3
            index = x.argmax(1)
            ctx.mark_non_differentiable(index, scaled)
            return values, index, scaled

        @staticmethod
        def backward(ctx, g_values, g_index, g_scaled):
            seen(grads_seen((g_values, g_index, g_scaled)), g_index.dtype == lib.int64)
            return g_values * 2

    x = leaf(lib)
    values, index, scaled = SortLike.apply(x)
    flags = [(t.requires_grad, t.grad_fn is None, t.is_leaf) for t in (values, index, scaled)]
    values.sum().backward()
    return flags, seen.events, x.grad


def once_differentiable_square(lib, seen):
    """x * x, whose backward is marked once_differentiable and tells `seen` the grad mode
    it ran in and whether its incoming gradient requires grad."""
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            seen(lib.is_grad_enabled(), g.requires_grad)
            return 2 * x * g
    return Square


def run_once_differentiable(lib):
    seen = Recorder()
    Square = once_differentiable_square(lib, seen)
    x = leaf(lib)
    y = Square.apply(x)
    first, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
    return seen.events, first.detach(), Square.backward.__name__


def run_once_differentiable_twice(lib):
    Square = once_differentiable_square(lib, Recorder())
    x = leaf(lib)
    y = Square.apply(x)
    g, = lib.autograd.grad((y * y).sum(), x, create_graph=True)
    node = g.grad_fn
    description = (type(node).__name__, node.name(), g.requires_grad,
                   [type(f).__name__ for f, _ in node.next_functions])
    return description, outcome(lambda L: g.sum().backward(), lib)


def run_once_differentiable_first_order_create_graph(lib):
    seen = Recorder()
    x = leaf(lib)
    g, = lib.autograd.grad(once_differentiable_square(lib, seen).apply(x).sum(), x,
                           create_graph=True)
    return g, seen.events  # the seed does not require grad: no Error node, a plain result


def run_ctx_is_grad_fn(lib):
    ctxs = []

    class Keep(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctxs.append(ctx)
            ctx.note = "kept"
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            ctxs.append(ctx)
            return g * 2

    x = leaf(lib)
    y = Keep.apply(x)
    node = y.grad_fn
    facts = [node is ctxs[0], node.note, node.needs_input_grad, len(node.saved_tensors),
             node.saved_tensors[0] is x, isinstance(node, lib.autograd.function.FunctionCtx),
             isinstance(node, lib.autograd.graph.Node), type(node).__qualname__,
             Keep._backward_cls is type(node), type(node)._forward_cls is Keep]
    del node
    y.sum().backward()
    facts.append(ctxs[1].note)
    return facts


def run_bad_calls(lib):
    class NoCtx(lib.autograd.Function):
        @staticmethod
        def forward(x):
            return x * 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g

    class WithCtx(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g, g

    class SaveInt(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    x = leaf(lib)
    return [outcome(lambda L: NoCtx.apply(), lib),
            outcome(lambda L: NoCtx.apply(x, 1, 2), lib),
            outcome(lambda L: WithCtx.apply(), lib),
            outcome(lambda L: WithCtx.apply(x).sum().backward(), lib),
            outcome(lambda L: SaveInt.apply(x), lib)]


FUNCTION_CASES = [
    surface_case("setup_context_style", run_setup_context_style),
    surface_case("ctx_style_with_keywords", run_ctx_style_with_keywords),
    surface_case("needs_input_grad", run_needs_input_grad),
    surface_case("materialize_grads_on", lambda L: run_materialize_grads(L, True)),
    surface_case("materialize_grads_off", lambda L: run_materialize_grads(L, False)),
    surface_case("mark_non_differentiable", run_non_differentiable),
    surface_case("once_differentiable", run_once_differentiable),
    surface_case("once_differentiable_twice", run_once_differentiable_twice),
    surface_case("once_differentiable_create_graph",
                 run_once_differentiable_first_order_create_graph),
    surface_case("ctx_is_grad_fn", run_ctx_is_grad_fn),
    surface_case("bad_calls", run_bad_calls),
]


@pytest.mark.parametrize("fn", FUNCTION_CASES)
def test_custom_function_behaves_as_torch(fn):
    same_in_both(fn)


def test_custom_function_graph_is_freed_without_the_collector():
    import gc

    class Keep(cgrad.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.extra = x * 1
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = leaf(cgrad)
    gc.collect()
    gc.disable()
    try:
        before = cgrad._C._live_objects()
        for _ in range(10):
            y = Keep.apply(x)
            assert y.grad_fn.extra is not None
            del y
        assert cgrad._C._live_objects() == before
    finally:
        gc.enable()


# ---- grad mode as decorators ----

def decorated(lib, make_decorator):
    x = leaf(lib)

    def body():
        return (x * 2).requires_grad, lib.is_grad_enabled(), lib.is_inference_mode_enabled()
    return make_decorator(body)


def generator_steps(lib, decorator):
    x = leaf(lib)

    @decorator
    def steps():
        for _ in range(2):
            yield (x * 2).requires_grad, lib.is_grad_enabled()

    gen = steps()
    first = next(gen)
    between = lib.is_grad_enabled()
    return first, between, next(gen), list(gen), lib.is_grad_enabled()


def set_grad_enabled_uses(lib):
    results = [lib.set_grad_enabled(False) is not None, lib.is_grad_enabled()]
    lib.set_grad_enabled(True)
    with lib.set_grad_enabled(False):
        results.append(lib.is_grad_enabled())
    results.append(lib.is_grad_enabled())
    deco = lib.set_grad_enabled(False)
    results.append(lib.is_grad_enabled())  # decorating restores the mode at once

    @deco
    def f():
        return lib.is_grad_enabled()
    results += [f(), lib.is_grad_enabled()]
    return results


def class_decoration(lib):
    class Probe:
        def __init__(self):
            self.mode = lib.is_grad_enabled()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = lib.no_grad()(Probe)
    return made().mode, [w.category.__name__ for w in caught]


GRAD_MODE_CASES = [
    surface_case("bare_no_grad", lambda L: decorated(L, L.no_grad)()),
    surface_case("no_grad_call", lambda L: decorated(L, L.no_grad())()),
    surface_case("bare_enable_grad_in_no_grad",
                 lambda L: L.no_grad()(decorated(L, L.enable_grad))()),
    surface_case("bare_inference_mode", lambda L: decorated(L, L.inference_mode)()),
    surface_case("inference_mode_false", lambda L: decorated(L, L.inference_mode(False))()),
    surface_case("inference_mode_false_inside",
                 lambda L: L.inference_mode()(decorated(L, L.inference_mode(False)))()),
    surface_case("inference_mode_false_in_no_grad",
                 lambda L: L.no_grad()(decorated(L, L.inference_mode(False)))()),
    surface_case("set_grad_enabled_decorator",
                 lambda L: decorated(L, L.set_grad_enabled(False))()),
    surface_case("wraps", lambda L: [(f.__name__, f.__doc__) for f in (
        L.no_grad(print), L.no_grad(len), L.enable_grad()(abs), L.inference_mode(len))]),
    surface_case("generator_no_grad", lambda L: generator_steps(L, L.no_grad())),
    surface_case("generator_bare_no_grad", lambda L: generator_steps(L, L.no_grad)),
    surface_case("generator_inference", lambda L: generator_steps(L, L.inference_mode())),
    surface_case("set_grad_enabled_uses", set_grad_enabled_uses),
    surface_case("set_grad_enabled_not_bool",
                 lambda L: [outcome(lambda L: L.set_grad_enabled(v), L) for v in (None, "yes", 1)]),
    surface_case("class_decoration", class_decoration),
    surface_case("method", lambda L: type("M", (), {"f": L.no_grad()(
        lambda self, x: (x * 2).requires_grad)})().f(leaf(L))),
    surface_case("enter_returns_none",
                 lambda L: [c.__enter__() for c in (L.no_grad(), L.enable_grad())]),
]


@pytest.mark.parametrize("fn", GRAD_MODE_CASES)
def test_grad_mode_decorators_behave_as_torch(fn):
    try:
        same_in_both(fn)
    finally:
        cgrad.set_grad_enabled(True)
        torch.set_grad_enabled(True)


def test_decorated_generator_sees_thrown_exceptions_and_close():
    def fn(lib):
        seen = []

        @lib.no_grad()
        def steps():
            try:
                yield 1
            except ValueError:
                seen.append(("caught", lib.is_grad_enabled()))
                yield 2
            finally:
                seen.append(("closed", lib.is_grad_enabled()))

        gen = steps()
        next(gen)
        seen.append(gen.throw(ValueError("x")))
        gen.close()
        seen.append(lib.is_grad_enabled())
        return seen
    same_in_both(fn)


# ---- views and tensor checks ----

VIEW_CASES = [
    surface_case("leaf", lambda L, b: b),
    surface_case("view", lambda L, b: b.view(3, 4)),
    surface_case("reshape_of_contiguous", lambda L, b: b.reshape(2, 6)),
    surface_case("view_of_view", lambda L, b: b.view(3, 4)[1]),
    surface_case("transpose", lambda L, b: b.view(3, 4).t()),
    surface_case("slice", lambda L, b: b[2:]),
    surface_case("select", lambda L, b: b[1]),
    surface_case("unsqueeze", lambda L, b: b.unsqueeze(0)),
    surface_case("split", lambda L, b: b.split(4)[1]),
    surface_case("detach", lambda L, b: b.detach()),
    surface_case("data", lambda L, b: b.data),
    surface_case("clone", lambda L, b: b.clone()),
    surface_case("arithmetic", lambda L, b: b * 2),
    surface_case("contiguous_copy", lambda L, b: b.view(3, 4).t().contiguous()),
    surface_case("from_numpy", lambda L, b: L.from_numpy(np.ones(3))),
    surface_case("matmul_3d", lambda L, b: L.ones(2, 3, 4) @ L.ones(2, 4, 5)),
]


@pytest.mark.parametrize("fn", VIEW_CASES)
def test_is_view_and_base_as_torch(fn):
    def facts(lib):
        base = lib.arange(12.0)
        t = fn(lib, base)
        return t._is_view(), t._base is base, t._base is None
    same_in_both(facts)


def test_base_of_a_differentiable_view():
    def fn(lib):
        x = leaf(lib)
        v = (x * 2)[0]
        return v._is_view(), type(v._base.grad_fn).__name__, x[0]._base is x
    same_in_both(fn)


@pytest.mark.parametrize("obj", [lambda L: L.ones(2), lambda L: L.tensor(3),
                                 lambda L: 3, lambda L: [L.ones(1)], lambda L: None,
                                 lambda L: np.ones(2), lambda L: L.ones(2).grad_fn])
def test_is_tensor(obj):
    same_in_both(lambda L: L.is_tensor(obj(L)))


def test_enable_grad_inside_inference_mode_records_nothing():
    def run(L):
        x = L.ones(2, requires_grad=True)
        with L.inference_mode(), L.enable_grad():
            y = x * 2
            return L.is_grad_enabled(), y.requires_grad, y.grad_fn is None
    assert run(cgrad) == run(torch)
