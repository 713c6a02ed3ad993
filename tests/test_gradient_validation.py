"""Gradients that hooks and custom Functions hand back are validated as torch validates
them: a hook may not change a gradient's shape or dtype, a Function's gradient must
broadcast from its input's shape (and is summed back) and is cast to its dtype."""
import functools

import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def outcome(fn, lib):
    try:
        return ("ok", fn(lib).tolist())
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return (type(e).__name__, str(e).replace("torch.", "cgrad."))


def leaf_hook(make):
    def fn(L):
        x = L.ones(2, requires_grad=True)
        x.register_hook(lambda g: make(L))
        (x * 2).sum().backward()
        return x.grad
    return fn


def nonleaf_hook(make):
    def fn(L):
        x = L.ones(2, requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: make(L))
        (y * 3).sum().backward()
        return x.grad
    return fn


def node_prehook(make):
    def fn(L):
        x = L.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_prehook(lambda grads: (make(L),))
        y.sum().backward()
        return x.grad
    return fn


def node_posthook(make):
    def fn(L):
        x = L.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (make(L), None))
        y.sum().backward()
        return x.grad
    return fn


def function_backward(make):
    def fn(L):
        class F(L.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 1

            @staticmethod
            def backward(ctx, g):
                return make(L)
        x = L.ones(2, requires_grad=True)
        F.apply(x).sum().backward()
        return x.grad
    return fn


VALUES = {
    "same": lambda L: L.full((2,), 3.0),
    "longer": lambda L: L.ones(3),
    "same_numel": lambda L: L.ones(1, 2),
    "broadcastable": lambda L: L.ones(1),
    "scalar": lambda L: L.tensor(1.0),
    "float64": lambda L: L.ones(2, dtype=L.float64),
    "int64": lambda L: L.ones(2, dtype=L.int64),
    "not_a_tensor": lambda L: 5,
}
KINDS = {"leaf_hook": leaf_hook, "nonleaf_hook": nonleaf_hook, "node_prehook": node_prehook,
         "node_posthook": node_posthook, "function_backward": function_backward}
CASES = [(k, v) for k in KINDS for v in VALUES
         if not (k == "function_backward" and v in ("int64", "not_a_tensor"))]


@pytest.mark.parametrize("kind,value", CASES, ids=[f"{k}-{v}" for k, v in CASES])
def test_matches_torch(kind, value):
    fn = KINDS[kind](VALUES[value])
    assert outcome(fn, cgrad) == outcome(fn, torch)


class Resize:
    def __call__(self, g):
        return self.lib.ones(3)


@pytest.mark.parametrize("make_hook", [
    lambda L: Resize(),
    lambda L: functools.partial(lambda unused, g: L.ones(3), 0),
], ids=["callable_object", "partial"])
def test_unnamed_hook_in_message(make_hook):
    def fn(L):
        hook = make_hook(L)
        if isinstance(hook, Resize):
            hook.lib = L
        x = L.ones(2, requires_grad=True)
        x.register_hook(hook)
        (x * 2).sum().backward()
        return x.grad
    assert outcome(fn, cgrad) == outcome(fn, torch)


def test_posthook_cannot_fill_a_missing_gradient():
    def fn(L):
        x = L.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_hook(lambda gi, go: (L.ones(2), L.ones(2)))
        y.sum().backward()
        return x.grad
    assert outcome(fn, cgrad) == outcome(fn, torch)


def test_posthook_wrong_count():
    def fn(L):
        x = L.ones(2, requires_grad=True)
        y = x * 2
        y.grad_fn.register_hook(lambda gi, go: (L.ones(2),))
        y.sum().backward()
        return x.grad
    assert outcome(fn, cgrad)[0] == outcome(fn, torch)[0]
