"""Variable._execution_engine.queue_callback: callbacks that run after the backward pass,
as torch's, the same script run in both libraries."""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402


def trace(lib):
    """What happens, in order, when hooks queue callbacks (and a callback queues one)."""
    events = []
    w = lib.tensor([1.0, 2.0], requires_grad=True)
    b = lib.tensor([3.0], requires_grad=True)
    engine = lib.autograd.Variable._execution_engine

    def late():
        events.append(("late", w.grad.tolist()))

    def final():
        events.append(("final", w.grad.tolist(), b.grad.tolist()))
        engine.queue_callback(late)

    def hook(grad):
        events.append(("hook", grad.tolist()))
        engine.queue_callback(final)

    w.register_hook(hook)
    b.register_post_accumulate_grad_hook(lambda p: events.append(("post", p.grad.tolist())))
    ((w * w).sum() + b.sum() * 2).backward()
    events.append("returned")
    return events


def test_order_as_torch():
    assert trace(cgrad) == trace(torch)


def test_outside_backward_raises_as_torch():
    for lib in (cgrad, torch):
        with pytest.raises(RuntimeError, match="Final callbacks can only be installed during "
                                               "backward pass."):
            lib.autograd.Variable._execution_engine.queue_callback(lambda: None)


def test_runs_for_autograd_grad_and_reentrant_passes():
    for lib in (cgrad, torch):
        events = []
        engine = lib.autograd.Variable._execution_engine

        class Reentrant(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * 2

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                with lib.enable_grad():
                    inner = x.detach().requires_grad_()
                    y = (inner * 3).sum()
                    y.register_hook(lambda g: engine.queue_callback(lambda: events.append("inner")))
                    y.backward()
                engine.queue_callback(lambda: events.append("outer"))
                return grad * 2 + inner.grad

        x = lib.tensor([1.0], requires_grad=True)
        (g,) = lib.autograd.grad(Reentrant.apply(x).sum(), x)
        events.append(g.item())
        assert events == ["inner", "outer", 5.0], lib.__name__


def test_a_raising_callback_propagates():
    x = cgrad.ones(1, requires_grad=True)

    def hook(grad):
        cgrad.autograd.Variable._execution_engine.queue_callback(lambda: 1 / 0)
    handle = x.register_hook(hook)
    with pytest.raises(ZeroDivisionError):
        (x * 2).sum().backward()
    handle.remove()
    (x * 2).sum().backward()  # the engine is usable again: no callback left queued
    assert x.grad.item() == 4.0
