"""nn.functional's losses that torch builds out of ordinary ops: kl_div, margin_ranking_loss,
hinge_embedding_loss, soft_margin_loss, cosine_embedding_loss, triplet_margin_loss,
poisson_nll_loss, gaussian_nll_loss, multilabel_soft_margin_loss.

Each is composed in the order and form of torch's own composite (ATen's Loss.cpp, or
torch/nn/functional.py), so the values, gradients and recorded nodes follow torch's: kl_div
is SubBackward0(XlogyBackward0, MulBackward0), 'batchmean' DivBackward0 of SumBackward0.

A C++ composite's `tensor + number` / `tensor * number` is torch's Scalar overload
(AddBackward1, SubBackward1, MulBackward1, one input), where Python's operators record the
Tensor overload (AddBackward0(t, None)): _add_number, _sub_number and _mul_number call the
Scalar overloads cgrad binds for this.

Note [Nodes cgrad cannot record from Python]: one of torch's nodes has no route in cgrad,
and its loss records a stand-in with the same values and gradients: soft_margin_loss is
one node in torch (SoftMarginLossBackward0, a native op with its own backward); here it is
its forward formula, log1p(exp(-input * target)).
"""
import math
import warnings

from .. import _C
from .._C import _nn as _impl
from ..autograd.grad_mode import no_grad
from ._functional_layers import pairwise_distance

__all__ = ["kl_div", "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "cosine_embedding_loss", "triplet_margin_loss", "poisson_nll_loss",
           "gaussian_nll_loss", "multilabel_soft_margin_loss"]

# ATen's EPSILON for cosine_embedding_loss is a C++ float: 1e-12 rounded to float32.
_COSINE_EPSILON = 9.999999960041972e-13


# ---- reductions: torch's _Reduction rules and ATen's apply_loss_reduction ----

def _legacy_reduction(size_average, reduce, stacklevel=3):
    """The reduction the deprecated size_average / reduce flags stand for (None counts as
    True), with torch's deprecation warning."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        reduction = "mean"
    elif reduce:
        reduction = "sum"
    else:
        reduction = "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", stacklevel=stacklevel)
    return reduction


def _checked_reduction(reduction, stacklevel=3):
    """torch's get_enum: 'none', 'mean' or 'sum', with 'elementwise_mean' a deprecated
    spelling of 'mean'; anything else is a ValueError."""
    if reduction in ("none", "mean", "sum"):
        return reduction
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=stacklevel)
        return "mean"
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _resolve(size_average, reduce, reduction):
    """The reduction a loss was asked for, by the legacy flags where either is given."""
    # (stacklevel 4: the warnings point at the loss's caller, one frame further out)
    if size_average is not None or reduce is not None:
        return _checked_reduction(_legacy_reduction(size_average, reduce, 4), 4)
    return _checked_reduction(reduction, 4)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# ---- the nodes torch records that cgrad's Python API cannot (Note [Nodes cgrad cannot
# record from Python]) ----

def _add_number(t, number):
    return _impl._add_scalar(t, number)  # AddBackward1, as ATen's t.add(Scalar)


def _sub_number(t, number):
    return _impl._sub_scalar(t, number)  # SubBackward1


def _mul_number(t, number):
    return _impl._mul_scalar(t, number)  # MulBackward1


def _number_minus(number, t):
    """`number - t` as ATen's C++ operator computes it, empty_like(t).fill_(number).sub_(t):
    SubBackward0(None, t), in t's dtype (a fractional number is truncated for integer t)."""
    return _C.empty_like(t).fill_(number).sub_(t)


def _broadcast_shape(a, b):
    """The broadcast of shapes a and b, None where they do not broadcast."""
    out = []
    for k in range(1, max(len(a), len(b)) + 1):
        x = a[-k] if k <= len(a) else 1
        y = b[-k] if k <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return out[::-1]


# ---- the losses ----

_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release.")


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False) -> Tensor

    Pointwise KL divergence target * (log(target) - input) of log-probabilities input
    (target given as log-probabilities with log_target), reduced by 'none', 'sum', 'mean'
    (over every element; warns) or 'batchmean' (the sum over the batch size)."""
    if size_average is not None or reduce is not None:
        mode = _checked_reduction(_legacy_reduction(size_average, reduce))
    else:
        if reduction == "mean":
            warnings.warn(_KL_MEAN_WARNING, stacklevel=2)
        mode = "sum" if reduction == "batchmean" else _checked_reduction(reduction)
    if not (input.is_floating_point() and target.is_floating_point()):
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        output = target.exp() * (target - input)
    else:
        output = _C.xlogy(target, target) - target * input
    reduced = _reduce(output, mode)
    # torch divides whenever 'batchmean' was asked for, even when the legacy flags chose
    # the reduction
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size(0)
    return reduced


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean') -> Tensor

    max(0, -target * (input1 - input2) + margin): input1 should rank above input2 where
    target is 1 and below it where target is -1. The three must have the same number of
    dims (they broadcast)."""
    mode = _resolve(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got "
            f"sizes: input1: {input1.size()}, input2: {input2.size()}, target: "
            f"{target.size()} ")
    # margin is a C++ double in torch: an integer input gives a float result
    output = _add_number(-target * (input1 - input2), float(margin)).clamp_min_(0)
    return _reduce(output, mode)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction='mean') -> Tensor

    input where target is 1, max(0, margin - input) where target is -1 (both where it is
    neither)."""
    mode = _resolve(size_average, reduce, reduction)
    zeros = _C.zeros_like(input)
    margin_clamp = _number_minus(margin, input).clamp_min_(0)
    output_margin = _C.where(target != 1, margin_clamp, zeros)
    output_self = _C.where(target != -1, input, zeros)
    return _reduce(output_margin + output_self, mode)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean') -> Tensor

    log(1 + exp(-target * input)), a two-class logistic loss for targets of 1 and -1. The
    result has input's shape and dtype: target must broadcast to input."""
    mode = _resolve(size_average, reduce, reduction)
    # torch's op has no gradient for target and refuses one that requires grad
    if target.requires_grad and _C.is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with "
                           "respect to argument 'target'. This input cannot have "
                           "requires_grad True.")
    # ATen writes -input * target into a tensor shaped and typed as input (neg, then mul_
    # in place): the same shape check, and the same dtype, as that in-place multiply.
    shape = _broadcast_shape(list(input.shape), list(target.shape))
    if shape is not None and shape != list(input.shape):
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the "
                           f"broadcast shape {shape}")
    scaled = (-input).mul_(target)
    if not scaled.is_floating_point():
        scaled.exp_()  # torch's in-place exp of an integer input: its dtype error
    # exp and log1p out of place: exp's saved result must stay unmodified for backward
    loss = scaled.exp().log1p()
    return _reduce(loss, mode)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction='mean') -> Tensor

    1 - cos(input1, input2) where target is 1, max(0, cos(input1, input2) - margin) where
    it is -1; rows of 2-D inputs with a 1-D target, or 1-D inputs with a 0-D target."""
    mode = _resolve(size_average, reduce, reduction)
    targ_dim = target.dim()
    if targ_dim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    wanted = 2 if targ_dim == 1 else 1
    if input1.dim() != wanted or input2.dim() != wanted:
        raise RuntimeError(f"{targ_dim}D target tensor expects {wanted}D input tensors, but "
                           f"found inputs with sizes {list(input1.shape)} and "
                           f"{list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(targ_dim)
    mag_square1 = _add_number((input1 * input1).sum(targ_dim), _COSINE_EPSILON)
    mag_square2 = _add_number((input2 * input2).sum(targ_dim), _COSINE_EPSILON)
    denom = (mag_square1 * mag_square2).sqrt_()
    cos = prod_sum / denom
    zeros = _C.zeros_like(cos)
    pos = _number_minus(1, cos)
    neg = _sub_number(cos, float(margin)).clamp_min_(0)
    output_pos = _C.where(target == 1, pos, zeros)
    output_neg = _C.where(target == -1, neg, zeros)
    return _reduce(output_pos + output_neg, mode)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-06, swap=False, size_average=None, reduce=None, reduction='mean') -> Tensor

    max(0, d(anchor, positive) - d(anchor, negative) + margin), d the pairwise p-norm
    distance along the last dim; with swap, d(anchor, negative) is replaced by
    d(positive, negative) where that is smaller."""
    mode = _resolve(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a_dim, p_dim, n_dim = anchor.dim(), positive.dim(), negative.dim()
    if not a_dim == p_dim == n_dim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a_dim}D, "
                           f"positive {p_dim}D, and negative {n_dim}D inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        dist_neg = _C.min(dist_neg, pairwise_distance(positive, negative, p, eps))
    output = _C.clamp_min(_add_number(dist_pos, float(margin)) - dist_neg, 0)
    return _reduce(output, mode)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-08, reduce=None, reduction='mean') -> Tensor

    Negative log likelihood of target under Poisson(rate): exp(input) - target * input for
    a log rate (log_input), else input - target * log(input + eps); full adds Stirling's
    approximation of log(target!) where target > 1."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    # (no 'elementwise_mean' here: torch checks the three names itself)
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * _add_number(input, eps).log()
    if full:
        stirling_term = (target * target.log() - target
                         + _mul_number(_mul_number(target, 2 * math.pi).log(), 0.5))
        loss += stirling_term.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """gaussian_nll_loss(input, target, var, full=False, eps=1e-06, reduction='mean') -> Tensor

    Negative log likelihood of target under Normal(input, var): 0.5 * (log(var) +
    (input - target)**2 / var), var clamped to at least eps (outside autograd), plus
    0.5 * log(2 pi) with full. var is a float, a tensor of input's shape, or one with one
    dim of size 1 (or without the last dim)."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * _C.ones_like(input)
    elif _C.any(var < 0):  # (an int var is refused here, by any, as in torch)
        raise ValueError("var has negative entry/entries")
    in_shape, var_shape = tuple(input.shape), tuple(var.shape)
    if var_shape != in_shape:
        if in_shape[:-1] == var_shape:
            # one variance per row: a trailing dim of 1 to broadcast over the last dim
            var = _C.unsqueeze(var, -1)
        elif not (input.dim() == var.dim()
                  and sum(v for i, v in zip(in_shape, var_shape) if i != v) == 1):
            # (sum of var's sizes where they differ from input's: one dim of size 1 passes)
            raise ValueError("var is of incorrect size")
    if reduction != "none" and reduction != "mean" and reduction != "sum":
        raise ValueError(reduction + " is not valid")
    # the clamp is not recorded: var's gradient, taken at the clamped values, passes it as
    # if it were not there
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (_C.log(var) + (input - target) ** 2 / var)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction='mean') -> Tensor

    Per-class logistic loss -(target * log(sigmoid(input)) + (1 - target) *
    log(sigmoid(-input))), times weight, averaged over the last (class) dim."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * _impl.logsigmoid(input) + (1 - target) * _impl.logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    if input.dim() == 0:  # torch's input.size(-1) on a 0-d tensor (cgrad's answers 0)
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == "none":
        return loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    # (torch checks the reduction only now, after the loss is computed)
    raise ValueError(reduction + " is not valid")
