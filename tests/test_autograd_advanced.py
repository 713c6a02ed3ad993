"""torch.autograd beyond backward(), against torch 2.13: autograd.grad / backward,
higher-order gradients, functional transforms, hooks, custom Functions, checks, modes,
anomaly detection and introspection."""
import gc
import weakref

import numpy as np
import pytest

import cgrad

torch = pytest.importorskip("torch")

rng = np.random.default_rng(7)
X = rng.uniform(-1.5, 1.5, 4)
W = rng.uniform(-1.0, 1.0, (3, 4))


def leaf(lib, values, dtype="float64"):
    return lib.tensor(np.asarray(values), dtype=getattr(lib, dtype), requires_grad=True)


def close(ours, theirs, rtol=1e-9):
    if isinstance(theirs, (tuple, list)):
        assert len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            close(o, t, rtol)
        return
    if theirs is None:
        assert ours is None
        return
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=rtol,
                               atol=1e-12)


def both(fn):
    return fn(cgrad), fn(torch)


# ---- autograd.grad and autograd.backward ----

def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    def fn(lib):
        x = leaf(lib, X)
        y = (x.sin() * x).sum()
        g = lib.autograd.grad(y, x)
        return g, x.grad
    (g_ours, none_ours), (g_theirs, none_theirs) = both(fn)
    close(g_ours, g_theirs)
    assert none_ours is None and none_theirs is None


def test_grad_with_grad_outputs_and_several_inputs():
    def fn(lib):
        x, w = leaf(lib, X), leaf(lib, W)
        y = (w * x).tanh()
        return lib.autograd.grad(y, (x, w), grad_outputs=lib.ones(3, 4, dtype=lib.float64))
    close(*both(fn))


def test_grad_through_non_leaf_inputs():
    def fn(lib):
        x = leaf(lib, X)
        h = x * 2
        y = (h.exp() * h).sum()
        return lib.autograd.grad(y, h)
    close(*both(fn))


@pytest.mark.parametrize("case", ["unused", "no_grad_input"])
def test_grad_errors(case):
    def fn(lib):
        x, z = leaf(lib, X), leaf(lib, X)
        y = (x * 2).sum()
        if case == "unused":
            return lib.autograd.grad(y, (x, z))
        return lib.autograd.grad(y, lib.ones(2))
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError):
            fn(lib)


def test_allow_unused_and_materialize_grads():
    def fn(lib):
        x, z = leaf(lib, X), leaf(lib, X)
        y = (x * 2).sum()
        a = lib.autograd.grad(y, (x, z), allow_unused=True, retain_graph=True)
        b = lib.autograd.grad(y, (x, z), materialize_grads=True)
        return a, b
    (a_ours, b_ours), (a_theirs, b_theirs) = both(fn)
    close(a_ours, a_theirs)
    close(b_ours, b_theirs)


def test_autograd_backward_and_backward_inputs():
    def fn(lib):
        x, w = leaf(lib, X), leaf(lib, W)
        y = (w * x).sum(1)
        lib.autograd.backward([y], [lib.ones(3, dtype=lib.float64)], retain_graph=True)
        first = (x.grad.clone(), w.grad.clone())
        x.grad = None
        w.grad = None
        y.sum().backward(inputs=[x])
        return first, x.grad, w.grad
    (f_o, x_o, w_o), (f_t, x_t, w_t) = both(fn)
    close(f_o, f_t)
    close(x_o, x_t)
    assert w_o is None and w_t is None


# ---- higher-order gradients ----

@pytest.mark.parametrize("f", [
    lambda L, x: (x ** 3).sum(),
    lambda L, x: (x.sin() * x.exp()).sum(),
    lambda L, x: x.tanh().pow(2).sum(),
    lambda L, x: (x.sigmoid() * x).mean(),
    lambda L, x: (x.unsqueeze(1) * x.unsqueeze(0)).sum(),
    lambda L, x: x.norm(),
])
def test_second_and_third_derivatives(f):
    def fn(lib):
        x = leaf(lib, X)
        g, = lib.autograd.grad(f(lib, x), x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x, create_graph=True)
        if not g2.requires_grad:  # a constant second derivative: torch stops here too
            return g, g2, lib.zeros_like(x)
        g3, = lib.autograd.grad(g2.sum(), x, allow_unused=True)
        return g, g2, g3 if g3 is not None else lib.zeros_like(x)
    close(*both(fn), rtol=1e-7)


def test_hessian_vector_product_by_double_backward():
    def fn(lib):
        x = leaf(lib, X)
        v = lib.tensor(np.arange(4.0))
        g, = lib.autograd.grad((x.exp() * x.sin()).sum(), x, create_graph=True)
        hv, = lib.autograd.grad((g * v).sum(), x)
        return hv
    close(*both(fn))


def test_gradient_penalty_training_step():
    def fn(lib):
        w = leaf(lib, W)
        x = leaf(lib, X)
        out = (w * x).tanh().sum()
        gx, = lib.autograd.grad(out, x, create_graph=True)
        penalty = ((gx.norm() - 1) ** 2)
        loss = out + 10 * penalty
        loss.backward()
        return w.grad
    close(*both(fn), rtol=1e-8)


def test_create_graph_backward_makes_differentiable_grads():
    def fn(lib):
        x = leaf(lib, X)
        (x ** 3).sum().backward(create_graph=True)
        gx = x.grad
        x.grad = None
        gx.sum().backward()
        return gx.requires_grad, x.grad
    (rg_o, g_o), (rg_t, g_t) = both(fn)
    assert rg_o and rg_t
    close(g_o, g_t)


# ---- autograd.functional ----

@pytest.mark.parametrize("name,args", [
    ("vjp", lambda L: (lambda x: x.exp() * 2, leaf(L, X), L.ones(4, dtype=L.float64))),
    ("jvp", lambda L: (lambda x: x.exp() * x, leaf(L, X), L.ones(4, dtype=L.float64))),
    ("jacobian", lambda L: (lambda x: x.sin() * x.sum(), leaf(L, X))),
    ("jacobian", lambda L: (lambda x, w: (w * x).tanh(), (leaf(L, X), leaf(L, W)))),
    ("hessian", lambda L: (lambda x: (x.exp() * x.cos()).sum(), leaf(L, X))),
    ("hvp", lambda L: (lambda x: (x ** 4).sum(), leaf(L, X), L.tensor(np.arange(4.0)))),
    ("vhp", lambda L: (lambda x: (x.sin() * x).sum(), leaf(L, X), L.tensor(np.arange(4.0)))),
])
def test_functional(name, args):
    def fn(lib):
        return getattr(lib.autograd.functional, name)(*args(lib))
    ours, theirs = both(fn)

    def flatten(x):
        if isinstance(x, (tuple, list)):
            return [y for item in x for y in flatten(item)]
        return [x]
    close(flatten(ours), flatten(theirs), rtol=1e-8)


# ---- hooks ----

def test_tensor_hooks_observe_and_replace():
    def fn(lib):
        seen = []
        x = leaf(lib, X)
        hx = x.register_hook(lambda g: g * 10)
        y = x * 2
        y.register_hook(lambda g: seen.append(g.clone()))
        z = y.exp()
        z.register_hook(lambda g: g + 1)
        z.sum().backward()
        first = x.grad.clone()
        hx.remove()
        x.grad = None
        (x * 3).sum().backward()
        return first, seen[0], x.grad
    close(*both(fn))


def test_retain_grad():
    def fn(lib):
        x = leaf(lib, X)
        y = x.exp()
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        (y * y).sum().backward()
        return y.retains_grad, y.grad, x.is_leaf and not x.retains_grad
    (r_o, g_o, l_o), (r_t, g_t, l_t) = both(fn)
    assert r_o and r_t and l_o and l_t
    close(g_o, g_t)


def test_post_accumulate_grad_hook():
    def fn(lib):
        calls = []
        x = leaf(lib, X)
        x.register_post_accumulate_grad_hook(lambda t: calls.append(t.grad.clone()))
        (x * x).sum().backward()
        return calls[0]
    close(*both(fn))


def test_node_hooks():
    def fn(lib):
        x = leaf(lib, X)
        y = x * 3
        seen = {}

        def post(grad_inputs, grad_outputs):
            seen["post"] = (grad_inputs[0].clone(), grad_outputs[0].clone())

        def pre(grad_outputs):
            return (grad_outputs[0] * 2,)

        y.grad_fn.register_hook(post)
        handle = y.grad_fn.register_prehook(pre)
        y.sum().backward(retain_graph=True)
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        y.sum().backward()
        return first, x.grad, seen["post"]
    close(*both(fn))


def test_gradients_summed_at_a_shared_input_leave_kept_ones_alone():
    # Several paths meet at y; the engine may sum their gradients in place only when no
    # one else holds them. Hooks that keep (not clone) what they see must keep its value.
    def fn(lib):
        x = leaf(lib, X)
        y = x * 2
        c, b, a = y * y, y.exp(), y * 3  # a's node runs first: its gradient opens y's sum
        kept = {}

        def keep(name):
            def hook(*grads):
                g = grads[0]
                kept[name] = g[0] if isinstance(g, tuple) else g  # a node hook: (grad_inputs, ...)
            return hook
        a.grad_fn.register_hook(keep("a"))
        b.grad_fn.register_hook(keep("b"))
        y.register_hook(keep("y"))
        (a + b + c).sum().backward()
        return kept["a"], kept["b"], kept["y"], x.grad
    close(*both(fn))


def test_post_hooks_see_none_for_gradients_the_task_does_not_need():
    # Note [Gradients a graph task needs]: grad(y, [x]) and backward(inputs=[x]) compute
    # no gradient toward w, so a node's post-hook sees None there, as torch's does.
    def seen(lib):
        x, w = leaf(lib, X[:2]), leaf(lib, X[2:])
        out = []
        for run in (lambda y: lib.autograd.grad(y.sum(), [x]),
                    lambda y: y.sum().backward(inputs=[x]),
                    lambda y: lib.autograd.grad(y.sum(), [x, w]),
                    lambda y: y.sum().backward()):
            y = x * w
            y.grad_fn.register_hook(lambda gi, go: out.append(tuple(g is None for g in gi)))
            run(y)
        return out
    assert seen(cgrad) == seen(torch) == [(False, True), (False, True), (False, False),
                                          (False, False)]


def test_hooks_on_ints_raise():
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError):
            lib.ones(2).register_hook(lambda g: g)


# ---- custom Functions ----

def make_functions(lib):
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

    class ScaleAndShift(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, shift):
            ctx.scale = scale
            ctx.flags = ctx.needs_input_grad
            return x * scale + shift, x > 0

        @staticmethod
        def backward(ctx, g, g_index):
            return g * ctx.scale, None, g.sum().reshape(1)

    class TwoOutputs(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, ga, gb):
            total = None
            for g, k in ((ga, 2), (gb, 3)):
                if g is not None:
                    total = g * k if total is None else total + g * k
            return total

    return Exp, ScaleAndShift, TwoOutputs


def test_custom_function_forward_backward_and_name():
    def fn(lib):
        Exp, _, _ = make_functions(lib)
        x = leaf(lib, X)
        y = Exp.apply(x)
        y.sum().backward()
        return y.grad_fn.name(), y, x.grad
    (n_o, y_o, g_o), (n_t, y_t, g_t) = both(fn)
    assert n_o == n_t == "ExpBackward"
    close(y_o, y_t)
    close(g_o, g_t)


def test_custom_function_non_tensor_args_and_needs_input_grad():
    def fn(lib):
        _, ScaleAndShift, _ = make_functions(lib)
        x, shift = leaf(lib, X), leaf(lib, [0.5])
        out, _ = ScaleAndShift.apply(x, 3.0, shift)
        out.sum().backward()
        return x.grad, shift.grad
    close(*both(fn))


def test_custom_function_several_outputs_without_materialized_grads():
    def fn(lib):
        _, _, TwoOutputs = make_functions(lib)
        x = leaf(lib, X)
        a, b = TwoOutputs.apply(x)
        a.sum().backward()
        return x.grad
    close(*both(fn))


def test_custom_function_backward_is_differentiable():
    def fn(lib):
        Exp, _, _ = make_functions(lib)
        x = leaf(lib, X)
        g, = lib.autograd.grad(Exp.apply(x).sum(), x, create_graph=True)
        g2, = lib.autograd.grad(g.sum(), x)
        return g2
    close(*both(fn))


def test_custom_function_saved_tensor_modified_in_place():
    def fn(lib):
        class Square(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return 2 * g * x
        x = leaf(lib, X)
        h = x * 1
        y = Square.apply(h)
        h.add_(1)
        y.sum().backward()
    for lib in (torch, cgrad):
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            fn(lib)


def test_custom_function_mark_non_differentiable_and_once_differentiable():
    def fn(lib):
        class SortLike(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 0).long()
                ctx.mark_non_differentiable(idx)
                return x * 2, idx

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g, _):
                return g * 2
        x = leaf(lib, X)
        y, idx = SortLike.apply(x)
        y.sum().backward()
        return idx.requires_grad, x.grad
    (r_o, g_o), (r_t, g_t) = both(fn)
    assert r_o is r_t is False
    close(g_o, g_t)


# ---- checks ----

def test_gradcheck_and_gradgradcheck():
    x = leaf(cgrad, X)
    assert cgrad.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    assert cgrad.autograd.gradgradcheck(lambda t: (t.sin() * t).tanh(), (x,))
    wrong = cgrad.autograd.gradcheck(lambda t: t * t.detach(), (x,), raise_exception=False)
    assert wrong is False
    with pytest.raises(cgrad.autograd.GradcheckError, match="input 0, element"):
        cgrad.autograd.gradcheck(lambda t: t * t.detach(), (x,))


# ---- modes ----

def test_inference_mode():
    def fn(lib):
        x = leaf(lib, X)
        with lib.inference_mode():
            y = x * 2
            inside = (y.requires_grad, y.is_inference(), lib.is_inference_mode_enabled())

        @lib.inference_mode()
        def f(t):
            return t * 3
        z = f(x)
        return inside, (z.requires_grad, z.is_inference()), x.is_inference()
    assert fn(cgrad) == fn(torch)


def test_inference_tensors_are_refused_by_autograd():
    for lib in (torch, cgrad):
        with lib.inference_mode():
            t = lib.ones(3)
        x = leaf(lib, [1.0, 2.0, 3.0], dtype="float32")
        with pytest.raises(RuntimeError, match="Inference tensors"):
            x * t
        with pytest.raises(RuntimeError, match="[Ii]nplace update to inference tensor"):
            t.add_(1)


def test_factories_with_requires_grad_inside_no_grad_make_leaves():
    def fn(lib):
        with lib.no_grad():
            w = lib.zeros(3, requires_grad=True)
        return w.requires_grad, w.is_leaf
    assert fn(cgrad) == fn(torch) == (True, True)


def test_anomaly_detection_names_the_node_and_the_forward_line():
    def run(lib):
        x = leaf(lib, [0.0])
        with lib.autograd.detect_anomaly():
            y = x / x  # noqa: the line the forward trace must show
            y.sum().backward()
    with pytest.raises(RuntimeError, match="DivBackward0.*returned nan"):
        with pytest.warns(UserWarning):
            run(torch)
    with pytest.raises(RuntimeError, match=r"(?s)DivBackward0.*returned nan.*y = x / x"):
        run(cgrad)
    assert not cgrad.autograd.is_anomaly_enabled()


# ---- introspection and lifetime ----

def test_next_functions_variable_and_metadata():
    x = leaf(cgrad, X)
    y = x * 2
    acc, nr = y.grad_fn.next_functions[0]
    assert acc.name() == "torch::autograd::AccumulateGrad" and acc.variable is x and nr == 0
    y.grad_fn.metadata["tag"] = 5
    assert y.grad_fn.metadata == {"tag": 5}


def test_dropping_the_output_frees_the_graph():
    gc.collect()  # cycles left by earlier tests would otherwise be freed mid-count
    x = leaf(cgrad, X)
    tensors, nodes = cgrad._C._live_objects()
    h = x.exp()
    out = (h * 2).sum()
    probe = weakref.ref(h)  # tensors support weak references
    del h
    assert cgrad._C._live_objects()[1] == nodes + 4  # exp, mul, sum and x's accumulator
    del out
    gc.collect()
    assert probe() is None
    assert cgrad._C._live_objects() == (tensors, nodes)


def test_live_counts_follow_objects_across_threads():
    # Each thread counts in its own slot (Note [Live counts]): graphs made in threads that
    # have exited, and freed here, must still bring the totals back.
    import threading
    x = leaf(cgrad, X)
    keep = x * 2  # holds x's accumulator, so the threads add only their own nodes
    gc.collect()
    before = cgrad._C._live_objects()
    made = []

    def work():
        made.append((x * 2).exp())

    for _ in range(3):
        t = threading.Thread(target=work)
        t.start()
        t.join()
    assert cgrad._C._live_objects()[1] == before[1] + 3 * 2  # mul and exp per thread
    made.clear()
    gc.collect()
    assert cgrad._C._live_objects() == before
    del keep


def test_saved_tensors_are_released_after_backward():
    x = leaf(cgrad, X)
    y = (x * 1).exp()
    tensors_before = cgrad._C._live_objects()[0]
    y.sum().backward()  # frees exp's saved output (a detached alias)
    assert cgrad._C._live_objects()[0] < tensors_before
    with pytest.raises(RuntimeError, match="second time"):
        y.sum().backward()


def test_hooks_that_capture_their_tensor_are_collectable():
    x = leaf(cgrad, X)
    gc.collect()
    before = cgrad._C._live_objects()
    for _ in range(5):
        y = x * 2
        y.register_hook(lambda g, y=y: g * y.sum())  # closure -> y -> grad_fn -> closure
        y.grad_fn.metadata["self"] = y
        z = x.exp()
        z.register_hook(lambda g: g + z.sum())
        del y, z
    assert cgrad._C._live_objects() != before
    gc.collect()
    assert cgrad._C._live_objects() == before


@pytest.mark.parametrize("expr,attrs", [
    (lambda L, x, w: x * w, ["_saved_self", "_saved_other"]),
    (lambda L, x, w: x / w, ["_saved_self", "_saved_other"]),
    (lambda L, x, w: x.exp(), ["_saved_result"]),
    (lambda L, x, w: x.sin(), ["_saved_self"]),
    (lambda L, x, w: x.tanh(), ["_saved_result"]),
    (lambda L, x, w: x ** w, ["_saved_self", "_saved_exponent", "_saved_result"]),
    (lambda L, x, w: x ** 2, ["_saved_self"]),
])
def test_saved_tensors_readable_as_in_torch(expr, attrs):
    def fn(lib):
        x, w = leaf(lib, [1.0, 2.0]), leaf(lib, [3.0, 0.5])
        node = expr(lib, x, w).grad_fn
        return [getattr(node, a) for a in attrs]
    close(*both(fn))
    with pytest.raises(AttributeError):
        (leaf(cgrad, [1.0]) * 2).grad_fn._saved_nothing
