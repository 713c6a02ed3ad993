"""gradcheck: compares backward's gradients with central finite differences in float64."""
import numpy as np

from .. import _C
from .grad_mode import no_grad


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
    with no_grad():
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = [o.numpy().astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
            flat[j] = orig - eps
            minus = [o.numpy().astype(np.float64).reshape(-1) for o in _outputs(func, inputs)]
            flat[j] = orig
            rows.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    return np.array(rows)


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
