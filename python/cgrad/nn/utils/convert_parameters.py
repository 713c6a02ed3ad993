"""parameters_to_vector and vector_to_parameters."""
from ... import _C
from ..modules.module import _typename


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-D tensor (in the graph)."""
    return _C.cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Points each parameter's .data at its slice of `vec` (shares memory, as torch)."""
    if not isinstance(vec, _C.Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {_typename(vec)}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view(param.shape).data
        pointer += n
