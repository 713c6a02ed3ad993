"""cgrad.autograd.backward and cgrad.autograd.grad: the engine's two entry points."""
from .. import _C


def _as_tuple(x):
    return (x,) if isinstance(x, _C.Tensor) else tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates d(tensors)/d(leaves), weighted by grad_tensors, into the leaves' .grad
    (only into `inputs`' when given)."""
    tensors = _as_tuple(tensors)
    if grad_tensors is not None:
        grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    _C._run_backward(tensors, grad_tensors, retain_graph, create_graph,
                     None if inputs is None else _as_tuple(inputs))


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of `outputs` w.r.t. each of `inputs`, as a tuple; no .grad is
    touched. With create_graph=True the result is itself differentiable."""
    outputs, inputs = _as_tuple(outputs), _as_tuple(inputs)
    if grad_outputs is not None:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(outputs):
            raise RuntimeError(f"grad requires one grad_output per output: got "
                               f"{len(grad_outputs)} for {len(outputs)} outputs")
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    grads = _C._run_grad(outputs, inputs, grad_outputs, retain_graph, create_graph,
                         allow_unused)
    if materialize_grads:
        grads = tuple(_C.zeros_like(i) if g is None else g for g, i in zip(grads, inputs))
    return grads
