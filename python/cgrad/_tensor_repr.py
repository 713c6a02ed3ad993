"""Connects the C++ Tensor to the printing rules in _tensor_str."""
from . import _C
from ._tensor_str import format_tensor


def tensor_repr(t):
    # Printing must not record a graph nor trip over requires_grad in .numpy().
    values = t.detach().numpy()
    try:
        grad_fn = t.grad_fn
        grad_fn_name = None if grad_fn is None else type(grad_fn).__name__
    except RuntimeError:
        # A view whose history may not follow its base's new one (written since): torch
        # prints it with grad_fn=<Invalid> rather than raise.
        grad_fn_name = "Invalid"
    return format_tensor(
        values,
        repr(t.dtype).split(".")[1],
        requires_grad=t.requires_grad and grad_fn_name is None,
        grad_fn_name=grad_fn_name,
        default_float=repr(_C.get_default_dtype()).split(".")[1],
    )


_C.Tensor.__repr__ = tensor_repr
_C.Tensor.__str__ = tensor_repr


def tensor_format(t, spec):
    # As torch: a 0-d tensor formats as its Python number (f"{loss:.4f}"); any other
    # takes only the empty spec, giving its repr.
    if t.dim() == 0:
        return t.item().__format__(spec)
    if spec:
        raise TypeError("unsupported format string passed to Tensor.__format__")
    return str(t)


_C.Tensor.__format__ = tensor_format
