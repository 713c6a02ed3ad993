"""unfold / fold: torch.nn.functional's wrappers over the C++ im2col / col2im.

Each size argument goes through torch's _pair: an iterable becomes a tuple of its items
(so a 0-d tensor raises torch's TypeError), anything else is repeated twice; the C++
parser then refuses non-int items in torch's words.
"""
from collections.abc import Iterable

from .._C import Tensor, _nn as _impl

__all__ = ["unfold", "fold"]


def _pair(value):
    # (a Tensor iterates through __getitem__, which abc.Iterable does not see)
    if isinstance(value, Tensor):
        if value.dim() == 0:
            raise TypeError("iteration over a 0-d tensor")
        return tuple(value)
    return tuple(value) if isinstance(value, Iterable) else (value, value)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor

    Extracts sliding local blocks of (N, C, H, W) or (C, H, W) input into columns:
    (N, C * kh * kw, L), L the number of blocks. The inverse-shaped fold sums them back."""
    return _impl.im2col(input, _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor

    Combines (N, C * kh * kw, L) or (C * kh * kw, L) columns of sliding blocks into an
    (N, C, *output_size) tensor, summing where blocks overlap."""
    return _impl.col2im(input, _pair(output_size), _pair(kernel_size), _pair(dilation),
                        _pair(padding), _pair(stride))
