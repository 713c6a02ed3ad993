"""gradcheck: compares backward's gradients with central finite differences in float64."""
import numpy as np

from .. import _C
from .engine import grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(func, inputs):
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, _C.Tensor)]


def _numerical_jacobian(func, inputs, i, eps):
    """d(outputs)/d(inputs[i]) by central differences: one row per input element."""
    values = inputs[i].detach().numpy()  # shares memory: perturb in place
    if not values.flags.c_contiguous:
        raise ValueError("gradcheck needs contiguous inputs")
    flat = values.reshape(-1)
    rows = []
    # Grad mode stays on: func may itself differentiate (gradgradcheck).
    for j in range(flat.size):
        orig = flat[j]
        flat[j] = orig + eps
        plus = [_values(o) for o in _outputs(func, inputs)]
        flat[j] = orig - eps
        minus = [_values(o) for o in _outputs(func, inputs)]
        flat[j] = orig
        rows.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    return np.array(rows)


def _values(t):
    return t.detach().numpy().astype(np.float64).reshape(-1)


def _analytical_jacobian(func, inputs, i):
    """Same layout as _numerical_jacobian, from one backward per output element."""
    outputs = _outputs(func, inputs)
    sizes = [o.numel() for o in outputs]
    jac = np.zeros((inputs[i].numel(), sum(sizes)))
    col = 0
    for k, out in enumerate(outputs):
        for e in range(sizes[k]):
            seed = np.zeros(sizes[k])
            seed[e] = 1.0
            for t in inputs:
                if isinstance(t, _C.Tensor) and t.requires_grad:
                    t.grad = None
            if out.requires_grad:
                outs = _outputs(func, inputs)
                grad = _C.tensor(seed.reshape(out.shape), dtype=out.dtype)
                outs[k].backward(grad)
                g = inputs[i].grad
                if g is not None:
                    jac[:, col] = g.numpy().reshape(-1)
            col += 1
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when backward agrees with finite differences for every input that requires
    grad. Inputs that require grad must be float64. On a mismatch, raises GradcheckError
    naming the input, the element and both values (or returns False)."""
    inputs = _as_tuple(inputs)
    for i, t in enumerate(inputs):
        if not (isinstance(t, _C.Tensor) and t.requires_grad):
            continue
        if t.dtype is not _C.float64:
            raise ValueError(f"gradcheck: input {i} requires grad but is {t.dtype}; use float64")
        numerical = _numerical_jacobian(func, inputs, i, eps)
        analytical = _analytical_jacobian(func, inputs, i)
        bad = ~np.isclose(analytical, numerical, rtol=rtol, atol=atol)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            message = (
                f"Jacobian mismatch for output element {col} with respect to input {i}, "
                f"element {row}: analytical {analytical[row, col]!r} vs numerical "
                f"{numerical[row, col]!r} ({bad.sum()} of {bad.size} entries differ)"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True):
    """gradcheck of the backward pass itself: the gradient of func, as a function of the
    inputs and of the upstream gradients, against finite differences."""
    inputs = _as_tuple(inputs)
    outputs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(_C.tensor(rng.standard_normal(tuple(o.shape)), dtype=_C.float64,
                                       requires_grad=True) for o in outputs)
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    differentiable = [i for i, t in enumerate(inputs)
                      if isinstance(t, _C.Tensor) and t.requires_grad]

    def first_derivatives(*args):
        xs, gs = args[:n], args[n:]
        outs = [o for o in _outputs(func, xs) if o.requires_grad]
        wrt = [xs[i] for i in differentiable]
        grads = grad(outs, wrt, gs[:len(outs)], create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)

