"""The legacy autograd.Variable: calling it returns a plain Tensor, as in torch."""
from .. import _C


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, _C.Tensor)


class Variable(metaclass=_VariableMeta):
    """``Variable(t, requires_grad=False)``: a leaf Tensor sharing ``t``'s memory."""

    def __new__(cls, data, requires_grad=False):
        if not isinstance(data, _C.Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


class _ImperativeEngine:
    """The autograd engine, as `Variable._execution_engine` shows it."""

    def queue_callback(self, callback):
        """Runs `callback()` once the backward pass now running has run every node (on
        the thread that runs the pass); queued from a hook or a custom Function's
        backward. Outside a backward pass it raises RuntimeError."""
        _C._queue_callback(callback)


Variable._execution_engine = _ImperativeEngine()
