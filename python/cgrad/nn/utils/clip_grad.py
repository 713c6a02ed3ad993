"""clip_grad_norm_ and clip_grad_value_, with torch's formulas (foreach is accepted and
ignored: there is one implementation)."""
import math

from ... import _C
from ...autograd import no_grad


def _grads_of(parameters):
    if isinstance(parameters, _C.Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(t, norm_type):
    a = t.abs()
    if norm_type == math.inf:
        return a.max() if a.numel() else _C.zeros((), dtype=t.dtype)
    if norm_type == -math.inf:
        return a.min()
    if norm_type == 0:
        return (a != 0).sum().to(t.dtype)
    if norm_type == 1:
        return a.sum()
    if norm_type == 2:
        return (a * a).sum().sqrt()
    return (a ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scales the gradients in place so their joint norm is at most max_norm; returns
    the norm before clipping."""
    with no_grad():
        grads = _grads_of(parameters)
        max_norm = float(max_norm)
        norm_type = float(norm_type)
        if not grads:
            return _C.tensor(0.0)
        norms = [_vector_norm(g, norm_type) for g in grads]
        total_norm = _vector_norm(_C.stack(norms), norm_type)
        if error_if_nonfinite and not math.isfinite(total_norm.item()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        clip_coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.dtype))
        return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamps every gradient in place to [-clip_value, clip_value]."""
    with no_grad():
        clip_value = float(clip_value)
        for g in _grads_of(parameters):
            g.clamp_(min=-clip_value, max=clip_value)
