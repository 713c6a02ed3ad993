"""conv1d / conv2d: the C++ convolution, with the two cases torch routes elsewhere.

- padding='same' whose total padding is odd in some dim (even kernel, odd dilation): torch
  pads the input explicitly (a ConstantPadNdBackward0 node, with a warning), one extra
  element on the right, then convolves with the symmetric left padding.
- integer tensors: torch's CPU convolution takes every integer dtype. Note [Integer
  convolution]: cgrad convolves them in float64 and converts back, exact while every
  partial sum stays within 2**53 (float64's integer range); beyond that torch wraps around
  and cgrad rounds. uint8/int8/int16 products and sums always stay within it; their
  results go back through int64, so they wrap as torch's do.
"""
import warnings

from .. import _C
from .._C import _nn as _impl

__all__ = ["conv1d", "conv2d"]

_INTEGER = (_C.int32, _C.int64, _C.uint8, _C.int8, _C.int16)
# torch's dilated integer convolution is int64's alone (the names are its error's).
_NO_DILATED = {_C.int32: "Int", _C.uint8: "Byte", _C.int8: "Char", _C.int16: "Short"}
_SAME_COPY_WARNING = ("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created")


def _asymmetric_same(input, weight, dilation, dims):
    """The left padding per dim and F.pad's list for the extra right element, or None
    when 'same' is symmetric in every dim."""
    dilation = tuple(dilation) if isinstance(dilation, (tuple, list)) else (dilation,) * dims
    if len(dilation) != dims or weight.dim() != dims + 2:
        return None                  # malformed: the C++ op names the problem
    left, extra = [], []
    for d, k in zip(dilation, weight.shape[2:]):
        total = d * (k - 1)
        left.append(total // 2)
        extra.append(total - 2 * (total // 2))
    if not any(extra):
        return None
    pad = []
    for e in reversed(extra):
        pad += [0, e]
    return tuple(left), pad


def _warn_once():
    # torch warns about the copy once per process (TORCH_WARN_ONCE).
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(_SAME_COPY_WARNING, UserWarning, stacklevel=4)


_warned = False


def _unit(stride):
    """Strided 'same' is refused by the C++ op, which names the problem."""
    return all(s == 1 for s in stride) if isinstance(stride, (tuple, list)) else stride == 1


def _dilated(dilation):
    return any(d != 1 for d in (dilation if isinstance(dilation, (tuple, list)) else (dilation,)))


def _convolve(op, dims, input, weight, bias, stride, padding, dilation, groups):
    if (isinstance(padding, str) and padding == "same" and isinstance(weight, _C.Tensor)
            and _unit(stride)):
        asymmetric = _asymmetric_same(input, weight, dilation, dims)
        if asymmetric is not None:
            _warn_once()
            padding, extra = asymmetric
            input = _C._nn.pad(input, extra, "constant", None)
    if (isinstance(input, _C.Tensor) and input.dtype in _INTEGER
            and isinstance(weight, _C.Tensor) and weight.dtype == input.dtype
            and (bias is None or (isinstance(bias, _C.Tensor) and bias.dtype == input.dtype))):
        as_double = [None if t is None else t.to(_C.float64) for t in (input, weight, bias)]
        out = op(*as_double, stride, padding, dilation, groups)  # (its argument checks first)
        if input.dtype in _NO_DILATED and _dilated(dilation):
            raise NotImplementedError(
                f"\"slow_conv_dilated<>\" not implemented for '{_NO_DILATED[input.dtype]}'")
        # (a float64 sum beyond int32 would not wrap into a small integer; int64's does)
        return out.to(_C.int64).to(input.dtype)
    return op(input, weight, bias, stride, padding, dilation, groups)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor

    1-D cross-correlation of (N, C_in, L) or (C_in, L) input with (C_out, C_in / groups,
    k) weights; padding is a number, a tuple, 'valid' or 'same'."""
    return _convolve(_impl.conv1d, 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor

    2-D cross-correlation of (N, C_in, H, W) or (C_in, H, W) input with (C_out, C_in /
    groups, kH, kW) weights; padding is a number, a pair, 'valid' or 'same'."""
    return _convolve(_impl.conv2d, 2, input, weight, bias, stride, padding, dilation, groups)

