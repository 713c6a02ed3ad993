"""cgrad.autograd.functional: vjp, jvp, jacobian, hessian, vhp and hvp, with torch's
signatures, built on autograd.grad (jvp by the double-backward trick)."""
from .. import _C
from .engine import grad
from .grad_mode import enable_grad


def _as_tuple(x):
    return ((x,), False) if isinstance(x, _C.Tensor) else (tuple(x), True)


def _prepare(inputs, create_graph):
    # Fresh leaves, or views that keep the caller's graph when it is to be extended.
    return tuple(i.view(i.shape) if create_graph and i.requires_grad
                 else i.detach().requires_grad_(True) for i in inputs)


def _fill_none(grads, like):
    return tuple(_C.zeros_like(x) if g is None else g for g, x in zip(grads, like))


def _finish(values, create_graph):
    return tuple(v if create_graph else v.detach() for v in values)


def _unwrap(values, is_tuple):
    return values if is_tuple else values[0]


def _default_v(outputs, what):
    if len(outputs) != 1 or outputs[0].numel() != 1:
        raise RuntimeError(f"The vector v can only be None if the user-provided function "
                           f"returns a single Tensor with a single element ({what}).")
    return (_C.ones_like(outputs[0]),)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T J): the vector-Jacobian product."""
    inputs, in_tuple = _as_tuple(inputs)
    inputs = _prepare(inputs, create_graph)
    with enable_grad():
        outputs, out_tuple = _as_tuple(func(*inputs))
        v = _default_v(outputs, "vjp") if v is None else _as_tuple(v)[0]
        grads = grad(outputs, inputs, v, create_graph=create_graph, allow_unused=True)
    return (_unwrap(_finish(outputs, create_graph), out_tuple),
            _unwrap(_finish(_fill_none(grads, inputs), create_graph), in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), J v): the Jacobian-vector product, by differentiating a vjp."""
    inputs, in_tuple = _as_tuple(inputs)
    inputs = _prepare(inputs, create_graph)
    if v is None:
        if len(inputs) != 1 or inputs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided "
                               "function is a single Tensor with a single element.")
        v = (_C.ones_like(inputs[0]),)
    else:
        v = _as_tuple(v)[0]
    with enable_grad():
        outputs, out_tuple = _as_tuple(func(*inputs))
        dummies = tuple(_C.zeros_like(o).requires_grad_(True) for o in outputs)
        vjps = grad(outputs, inputs, dummies, create_graph=True, allow_unused=True)
        used = [(g, x) for g, x in zip(vjps, v) if g is not None]
        if used:
            jvps = grad([g for g, _ in used], dummies, [x for _, x in used],
                        create_graph=create_graph, allow_unused=True)
        else:
            jvps = (None,) * len(outputs)
    return (_unwrap(_finish(outputs, create_graph), out_tuple),
            _unwrap(_finish(_fill_none(jvps, outputs), create_graph), out_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """d func(*inputs) / d inputs: for each output and input a tensor of shape
    output.shape + input.shape (nested tuples when either side is a tuple)."""
    inputs, in_tuple = _as_tuple(inputs)
    inputs = _prepare(inputs, create_graph)
    with enable_grad():
        outputs, out_tuple = _as_tuple(func(*inputs))
        result = []
        for out in outputs:
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for k in range(flat.numel()):
                grads = grad(flat[k], inputs, retain_graph=True, create_graph=create_graph,
                             allow_unused=True)
                for i, g in enumerate(_fill_none(grads, inputs)):
                    rows[i].append(g)
            per_input = []
            for i, x in enumerate(inputs):
                j = (_C.stack(rows[i]) if rows[i] else _C.zeros(0, *x.shape, dtype=x.dtype))
                per_input.append(j.reshape(tuple(out.shape) + tuple(x.shape)))
            result.append(_finish(per_input, create_graph))
    result = [_unwrap(r, in_tuple) for r in result]
    return _unwrap(tuple(result), out_tuple)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar function: jacobian of its gradient."""
    inputs_tuple, in_tuple = _as_tuple(inputs)

    def gradient(*xs):
        out = func(*xs)
        if not isinstance(out, _C.Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor "
                               "with a single element.")
        return grad(out, xs, create_graph=True, allow_unused=True)

    def gradient_filled(*xs):
        return _fill_none(gradient(*xs), xs)

    result = jacobian(gradient_filled, inputs_tuple, create_graph=create_graph)
    if in_tuple:
        return result
    return result[0][0]


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), v^T H) for a scalar function."""
    inputs, in_tuple = _as_tuple(inputs)
    inputs = _prepare(inputs, create_graph)
    v = _as_tuple(v)[0] if v is not None else None
    with enable_grad():
        out = func(*inputs)
        if not isinstance(out, _C.Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to vhp/hvp should return a single Tensor "
                               "with a single element.")
        if v is None:
            if len(inputs) != 1 or inputs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the input to the "
                                   "user-provided function is a single Tensor with a single "
                                   "element.")
            v = (_C.ones_like(inputs[0]),)
        g = _fill_none(grad(out, inputs, create_graph=True, allow_unused=True), inputs)
        hv = grad(g, inputs, v, create_graph=create_graph, allow_unused=True)
    return (_finish((out,), create_graph)[0],
            _unwrap(_finish(_fill_none(hv, inputs), create_graph), in_tuple))


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """(func(*inputs), H v); the Hessian is symmetric, so this is vhp's product."""
    return vhp(func, inputs, v, create_graph, strict)
