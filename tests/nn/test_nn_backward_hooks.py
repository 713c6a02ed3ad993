"""Module.register_full_backward_hook / register_full_backward_pre_hook against torch:
what the hooks see (grad_input, grad_output), what their results change, the node the
module's output gets, the warning when no input requires grad, and the errors."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from nn_helpers import raised, seeded_pair  # noqa: E402


def _shapes_and_values(grads):
    return [None if g is None else (tuple(g.shape), np.round(g.detach().numpy(), 5).tolist())
            for g in grads]


def _run(lib, module, inputs, hooks=(), pre_hooks=()):
    """Calls module on inputs with the hooks; returns what every hook saw, the output's
    node name and the inputs' and parameters' gradients."""
    seen = []
    for make in pre_hooks:
        module.register_full_backward_pre_hook(make(lib, seen))
    for make in hooks:
        module.register_full_backward_hook(make(lib, seen))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = module(*inputs)
        first = out[0] if isinstance(out, tuple) else out
        node = type(first.grad_fn).__name__
        (first * lib.arange(first.numel(), dtype=first.dtype).reshape(first.shape)).sum().backward()
    grads = [a.grad for a in inputs if isinstance(a, lib.Tensor)]
    grads += [p.grad for p in module.parameters()]
    return (seen, node, _shapes_and_values(grads),
            [str(w.message) for w in caught if "Full backward hook" in str(w.message)])


def record(lib, seen):
    def hook(module, grad_input, grad_output):
        seen.append(("hook", _shapes_and_values(grad_input), _shapes_and_values(grad_output)))
    return hook


def scale_inputs(lib, seen):
    def hook(module, grad_input, grad_output):
        return tuple(None if g is None else g * 10 for g in grad_input)
    return hook


def double_outputs(lib, seen):
    def pre_hook(module, grad_output):
        seen.append(("pre", _shapes_and_values(grad_output)))
        return tuple(None if g is None else g * 2 for g in grad_output)
    return pre_hook


class TwoInputs:
    """forward(x, k, y) = x * k + y: a tensor that requires grad, a number, a tensor that
    does not."""

    @staticmethod
    def make(lib):
        class M(lib.nn.Module):
            def forward(self, x, k, y):
                return x * k + y, y * 2
        return M()


def _inputs(lib, x_grad=True):
    x = lib.tensor([1.0, -2.0], requires_grad=x_grad)
    return x, 3, lib.ones(3, 1)


def _row(lib, grad=True):
    return lib.tensor([[1.0, -2.0]], requires_grad=grad)


CASES = {
    "linear, recorded": (lambda L: L.nn.Linear(2, 3), lambda L: (_row(L),),
                         [record], []),
    "linear, grad_input replaced": (lambda L: L.nn.Linear(2, 3),
                                    lambda L: (_row(L),),
                                    [scale_inputs, record], [double_outputs]),
    "mixed inputs and outputs": (TwoInputs.make, _inputs, [record, scale_inputs],
                                 [double_outputs]),
    "no input requires grad": (lambda L: L.nn.Linear(2, 3),
                               lambda L: (_row(L, grad=False),),
                               [record], [double_outputs]),
    "sequential": (lambda L: L.nn.Sequential(L.nn.Linear(2, 4), L.nn.Tanh(), L.nn.Linear(4, 1)),
                   lambda L: (_row(L),), [record, scale_inputs], []),
}


@pytest.mark.parametrize("case", list(CASES))
def test_full_backward_hooks_match_torch(case):
    make, inputs, hooks, pre_hooks = CASES[case]
    c, t = seeded_pair(make)
    assert _run(cgrad, c, inputs(cgrad), hooks, pre_hooks) == \
        _run(torch, t, inputs(torch), hooks, pre_hooks)


def test_removed_and_prepended_hooks():
    def run(lib):
        order = []
        m = lib.nn.Linear(2, 2)
        first = m.register_full_backward_hook(lambda *a: order.append("first"))
        m.register_full_backward_hook(lambda *a: order.append("second"))
        m.register_full_backward_hook(lambda *a: order.append("front"), prepend=True)
        m.register_full_backward_pre_hook(lambda *a: order.append("pre"))
        x = lib.ones(1, 2, requires_grad=True)
        m(x).sum().backward()
        first.remove()
        m(x).sum().backward()
        return order
    assert run(cgrad) == run(torch)


def _wrong_count(lib):
    m = lib.nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
    m(lib.ones(1, 2, requires_grad=True)).sum().backward()


def _wrong_pre_count(lib):
    m = lib.nn.Linear(2, 2)
    m.register_full_backward_pre_hook(lambda mod, go: (go[0], go[0]))
    m(lib.ones(1, 2, requires_grad=True)).sum().backward()


def _value_without_input_grad(lib):
    m = lib.nn.Linear(2, 2)
    m.register_full_backward_hook(lambda mod, gi, go: (lib.ones(1, 2),))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m(lib.ones(1, 2)).sum().backward()


@pytest.mark.parametrize("fn", [_wrong_count, _wrong_pre_count, _value_without_input_grad])
def test_hook_errors_match_torch(fn):
    got, expected = raised(lambda: fn(cgrad)), raised(lambda: fn(torch))
    assert expected is not None and got == expected
