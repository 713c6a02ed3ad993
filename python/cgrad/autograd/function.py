"""Custom differentiable functions: subclass Function with static forward/backward."""
import functools
import inspect

from .. import _C
from .grad_mode import no_grad
from .graph import Node

# torch's message for differentiating through a backward marked @once_differentiable.
_TWICE = "trying to differentiate twice a function that was marked with @once_differentiable"


class FunctionCtx:
    """What a custom Function's forward (or setup_context) and backward get as `ctx`.

    The defaults below are class attributes; what a Function sets lands on its ctx. No
    slots of its own: a node class (BackwardCFunction) must keep Node's layout."""

    __slots__ = ()
    to_save = ()
    non_differentiable = ()
    dirty_tensors = ()
    materialize_grads = True
    needs_input_grad = ()
    _input_is_tensor = ()

    def save_for_backward(self, *tensors):
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, _C.Tensor):
                raise TypeError("save_for_backward can only save variables, but argument "
                                f"{i} is of type {type(t).__name__}")
        self.to_save = tensors

    def mark_non_differentiable(self, *tensors):
        """These outputs get requires_grad=False; backward still receives a (zero or None)
        gradient for each of them."""
        self.non_differentiable = tensors

    def set_materialize_grads(self, value):
        """False: backward gets None, not zeros, for outputs no gradient flowed into."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """These inputs were modified in place by forward; each must also be returned, and
        its history becomes this Function's (Note [Function outputs], function.cpp)."""
        self.dirty_tensors = tensors


class BackwardCFunction(Node, FunctionCtx):
    """The graph node of one custom Function call, which is also the call's ctx (Note
    [Function nodes are their ctx], function.cpp). Each Function has a subclass of its
    own, `<Name>Backward`, made by FunctionMeta."""

    __slots__ = ()  # Node's layout, so a node's wrapper can take this class
    _forward_cls = None

    @property
    def saved_tensors(self):
        return _C._saved_tensors(self)

    def _run_backward(self, grads):
        result = self._forward_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(self.needs_input_grad)
        if len(result) > n_inputs and all(r is None for r in result[n_inputs:]):
            result = result[:n_inputs]  # torch allows trailing Nones
        if len(result) != n_inputs:
            raise RuntimeError(f"function {type(self).__name__} returned an incorrect number "
                               f"of gradients (expected {n_inputs}, got {len(result)})")
        # The graph has edges to tensor inputs only, as torch's: drop the other slots.
        grads = []
        for i, (grad, is_tensor) in enumerate(zip(result, self._input_is_tensor)):
            if is_tensor:
                grads.append(grad)
            elif grad is not None:
                raise RuntimeError(f"function {type(self).__name__} returned a gradient "
                                   f"different than None at position {i + 1}, but the "
                                   "corresponding forward input was not a Variable")
        return grads


class FunctionMeta(type):
    """Gives each Function subclass its node class, `<Name>Backward`, as torch does."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,),
                                 {"__slots__": (), "_forward_cls": cls})


def _bound_arguments(forward, args, kwargs, with_ctx):
    """The call's arguments in forward's order, so that tensors passed by keyword are
    inputs too. setup_context style (no ctx) binds strictly and fills in defaults, as
    torch; the ctx style leaves an unbindable call for forward itself to reject."""
    signature = inspect.signature(forward)
    if with_ctx:
        try:
            bound = signature.bind(None, *args, **kwargs)
        except TypeError:
            return args, kwargs
        return bound.args[1:], bound.kwargs
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args, bound.kwargs


class Function(metaclass=FunctionMeta):
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

        y = Exp.apply(x)        # type(y.grad_fn).__name__ == "ExpBackward"

    Or, in the setup_context style, `forward(x)` takes no ctx and
    `setup_context(ctx, inputs, output)` saves what backward needs.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        with_ctx = cls.setup_context is Function.setup_context
        if kwargs or not with_ctx:
            args, kwargs = _bound_arguments(cls.forward, args, kwargs, with_ctx)
        ctx = _C._function_ctx(cls._backward_cls)
        ctx._input_is_tensor = tuple(isinstance(a, _C.Tensor) for a in args)
        ctx.needs_input_grad = tuple(isinstance(a, _C.Tensor) and a.requires_grad for a in args)
        with no_grad():
            if with_ctx:
                result = cls.forward(ctx, *args, **kwargs)
            else:
                result = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, result)
        outputs = result if isinstance(result, tuple) else (result,)
        inputs = [a for a in args if isinstance(a, _C.Tensor)]
        input_ids = {id(a) for a in inputs}
        dirty = {id(t) for t in ctx.dirty_tensors}
        if not dirty <= {id(o) for o in outputs}:
            raise RuntimeError("Some elements marked as dirty during the forward method were "
                               "not returned as output. The inputs that are modified inplace "
                               "must all be outputs of the Function.")
        tensors = [o for o in outputs if isinstance(o, _C.Tensor)]
        for t in ctx.dirty_tensors:
            _C._mark_modified(t)
        if not (_C.is_grad_enabled() and any(ctx.needs_input_grad)):
            # Nothing to record; an input returned as is still comes back as a view of it.
            wrapped = iter([_C._view_as_self(t) if id(t) in input_ids and id(t) not in dirty
                            else t for t in tensors])
        else:
            non_differentiable = {id(t) for t in ctx.non_differentiable}
            wrapped = iter(_C._function_attach(
                ctx, inputs, tensors, [id(t) not in non_differentiable for t in tensors],
                [id(t) in input_ids for t in tensors], [id(t) in dirty for t in tensors],
                list(ctx.to_save)))
            # The node now holds the saved tensors; ctx keeping them too would tie outputs
            # to their own node in a cycle.
            for name in ("to_save", "non_differentiable", "dirty_tensors"):
                ctx.__dict__.pop(name, None)
        outputs = tuple(next(wrapped) if isinstance(o, _C.Tensor) else o for o in outputs)
        return outputs if isinstance(result, tuple) else outputs[0]


def once_differentiable(backward):
    """Marks a backward as not differentiable again: it runs without recording a graph,
    and differentiating its result (under create_graph) raises."""
    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with no_grad():
            result = backward(ctx, *grads)
        if not (_C.is_grad_enabled() and
                any(isinstance(g, _C.Tensor) and g.requires_grad for g in grads)):
            return result
        if not isinstance(result, tuple):
            return _C._delayed_error(_TWICE, (result,))[0]
        return _C._delayed_error(_TWICE, result)
    return wrapper
