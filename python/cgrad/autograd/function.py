"""Custom differentiable functions: subclass Function with static forward/backward."""
import functools

from .. import _C
from .grad_mode import no_grad


class FunctionCtx:
    """The `ctx` passed to forward and backward."""

    def __init__(self):
        self.to_save = ()
        self.needs_input_grad = ()
        self._non_differentiable = set()
        self._materialize_grads = True
        self._node = None  # set by the graph node only while backward runs
        self._backward = None

    def save_for_backward(self, *tensors):
        for t in tensors:
            if t is not None and not isinstance(t, _C.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{len(self.to_save)} is of type {type(t).__name__}")
        self.to_save = tensors

    @property
    def saved_tensors(self):
        if self._node is None:
            raise RuntimeError("saved_tensors can only be read inside backward")
        return _C._saved_tensors(self._node)

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable.update(id(t) for t in tensors)

    def set_materialize_grads(self, value):
        self._materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        raise NotImplementedError("mark_dirty (in-place custom Functions) is not supported")

    def _run_backward(self, grads):
        result = self._backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(self.needs_input_grad)
        if len(result) > n_inputs and all(r is None for r in result[n_inputs:]):
            result = result[:n_inputs]  # torch allows trailing Nones
        return result


class Function:
    """Base class of custom autograd functions:

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                y, = ctx.saved_tensors
                return grad * y

        y = Exp.apply(x)        # y.grad_fn.name() == "ExpBackward"
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args):
        ctx = FunctionCtx()
        ctx._backward = cls.backward
        ctx.needs_input_grad = tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args)
        with no_grad():
            result = cls.forward(ctx, *args)
        outputs = result if isinstance(result, tuple) else (result,)
        if not (_C.is_grad_enabled() and any(ctx.needs_input_grad)):
            return result
        inputs = [a if isinstance(a, _C.Tensor) else None for a in args]
        # An input returned as is becomes a new tensor over the same memory, as in torch,
        # so that the input's own history is left alone.
        input_ids = {id(a) for a in inputs if a is not None}
        outputs = tuple(o.detach() if isinstance(o, _C.Tensor) and id(o) in input_ids else o
                        for o in outputs)
        tensors = [o for o in outputs if isinstance(o, _C.Tensor)]
        differentiable = [id(o) not in ctx._non_differentiable for o in tensors]
        _C._function_node(cls.__name__ + "Backward", ctx, inputs, tensors, differentiable,
                          list(ctx.to_save))
        ctx.to_save = ()
        return outputs if isinstance(result, tuple) else outputs[0]


def once_differentiable(backward):
    """Marks a backward as not differentiable again: it runs without recording a graph."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            return backward(ctx, *grads)
    return wrapper
