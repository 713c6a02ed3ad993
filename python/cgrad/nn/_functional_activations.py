"""nn.functional's activations written over other ones, recording the nodes torch's
record: relu6 is hardtanh on [0, 6] (HardtanhBackward0); softsign, tanhshrink and
softmin are compositions in torch too (DivBackward0, SubBackward0, SoftmaxBackward0)."""
import warnings

from .._C import _nn as _impl

__all__ = ["relu6", "softsign", "tanhshrink", "softmin"]


def relu6(input, inplace=False):
    """relu6(input, inplace=False) -> Tensor

    min(max(x, 0), 6) elementwise: hardtanh on [0, 6]."""
    return _impl.hardtanh(input, 0.0, 6.0, inplace)


def softsign(input):
    """softsign(input) -> Tensor

    x / (1 + |x|) elementwise."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """tanhshrink(input) -> Tensor

    x - tanh(x) elementwise."""
    return input - input.tanh()


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmin(input, dim=None, _stacklevel=3, dtype=None) -> Tensor

    softmax(-x) along dim. Without dim, torch's legacy choice (0 for 0-, 1- and 3-d
    inputs, else 1) with its deprecation warning."""
    if dim is None:
        warnings.warn("Implicit dimension choice for softmin has been deprecated. Change the "
                      "call to include dim=X as an argument.", stacklevel=max(_stacklevel - 1, 1))
        dim = 0 if input.dim() in (0, 1, 3) else 1
    return _impl.softmax(-input, dim, dtype=dtype)
