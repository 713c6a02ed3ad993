"""Module full backward hooks (torch's register_full_backward_hook / _pre_hook).

The module's tensor inputs and outputs pass through an identity autograd Function
(`BackwardHookFunction`, whose node torch users see as BackwardHookFunctionBackward). The
output node's backward sees grad_output first: the pre-hooks may replace it. The input
node's backward then sees grad_input: the hooks get both and may replace grad_input. When
no input requires grad, the hooks fire at the output node with grad_input all None."""
import warnings

from ... import _C
from ...autograd.function import Function

Tensor = _C.Tensor

_NO_INPUT_GRAD_WARNING = (
    "Full backward hook is firing when gradients are computed with respect to module outputs "
    "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
    "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.")


class BackwardHookFunction(Function):
    @staticmethod
    def forward(ctx, on_backward, *tensors):
        ctx.on_backward = on_backward
        ctx.mark_non_differentiable(*[t for t in tensors if not t.requires_grad])
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return (None, *ctx.on_backward(grads))


def _checked(result, expected, what, hook_kind):
    if len(result) != expected:
        raise RuntimeError(f"Backward {hook_kind} returned an invalid number of {what}, got "
                           f"{len(result)}, but expected {expected}")
    return tuple(result)


class BackwardHookCall:
    """One call of a module with backward hooks: wraps its inputs, then its outputs."""

    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = list(hooks.values())
        self.pre_hooks = list(pre_hooks.values())
        self.n_inputs = 0
        self.input_positions = None    # None: no input requires grad
        self.grad_outputs = None

    def wrap_inputs(self, args):
        self.n_inputs = len(args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        if not _C.is_grad_enabled() or not any(args[i].requires_grad for i in positions):
            return args
        self.input_positions = positions
        wrapped = BackwardHookFunction.apply(self._on_input_grads, *(args[i] for i in positions))
        args = list(args)
        for i, tensor in zip(positions, wrapped):
            args[i] = tensor
        return tuple(args)

    def wrap_outputs(self, result):
        single = isinstance(result, Tensor)
        outputs = (result,) if single else result
        if not isinstance(outputs, (tuple, list)):
            return result
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor)]
        if not _C.is_grad_enabled() or not any(outputs[i].requires_grad for i in positions):
            return result
        self.output_positions = positions
        self.output_requires_grad = [outputs[i].requires_grad for i in positions]
        wrapped = BackwardHookFunction.apply(self._on_output_grads,
                                             *(outputs[i] for i in positions))
        if single:
            return wrapped[0]
        rebuilt = list(outputs)
        for i, tensor in zip(positions, wrapped):
            rebuilt[i] = tensor
        return type(outputs)(rebuilt)

    def _on_output_grads(self, grads):
        grads = tuple(g if needed else None for g, needed in zip(grads, self.output_requires_grad))
        for hook in self.pre_hooks:
            result = hook(self.module, grads)
            if result is not None:
                grads = _checked(result, len(grads), "grad_output", "pre hook")
        self.grad_outputs = grads
        if self.input_positions is None and self.hooks:
            warnings.warn(_NO_INPUT_GRAD_WARNING, UserWarning, stacklevel=2)
            grad_inputs = (None,) * self.n_inputs
            for hook in self.hooks:
                result = hook(self.module, grad_inputs, grads)
                if result is not None and any(g is not None for g in result):
                    raise RuntimeError("Backward hook for Modules where no input requires "
                                       "gradient should always return None or None for all "
                                       "gradients.")
            self.grad_outputs = None
        return grads

    def _on_input_grads(self, grads):
        grad_inputs = [None] * self.n_inputs
        for i, g in zip(self.input_positions, grads):
            grad_inputs[i] = g
        grad_inputs = tuple(grad_inputs)
        for hook in self.hooks:
            result = hook(self.module, grad_inputs, self.grad_outputs)
            if result is not None:
                grad_inputs = _checked(result, self.n_inputs, "grad_input", "hook")
        self.grad_outputs = None
        return tuple(grad_inputs[i] for i in self.input_positions)
