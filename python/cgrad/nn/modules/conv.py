"""Conv1d and Conv2d: the C++ conv1d / conv2d with torch's parameters, init and repr."""
from __future__ import annotations

from typing import Any, Optional, Tuple, Union

import math

from .. import functional as F
from .. import init
from .linear import _register_weight_and_bias, _uniform_fan_in_bias
from .module import Module
from ..parameter import Parameter
from ..._C import Tensor

_PADDING_MODES = ["zeros", "reflect", "replicate", "circular"]


def _ntuple(value: Any, n: int) -> Tuple[Any, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    """Shared by Conv1d and Conv2d; `_dims` is the number of spatial dims."""

    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding",
                     "in_channels", "out_channels", "kernel_size"]
    _dims = 2
    weight: Parameter
    bias: Optional[Parameter]

    def __init__(self, in_channels: int, out_channels: int,
                 kernel_size: Union[int, Tuple[int, ...]], stride: Union[int, Tuple[int, ...]] = 1,
                 padding: Union[int, Tuple[int, ...], str] = 0,
                 dilation: Union[int, Tuple[int, ...]] = 1, groups: int = 1, bias: bool = True,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        strides = _ntuple(stride, n)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in strides):
                raise ValueError("padding='same' is not supported for strided convolutions")
        if padding_mode not in _PADDING_MODES:
            # torch prints a set here (its order varies between runs).
            modes = "{" + ", ".join(repr(m) for m in _PADDING_MODES) + "}"
            raise ValueError(f"padding_mode must be one of {modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _ntuple(kernel_size, n)
        self.stride = strides
        self.padding = padding if isinstance(padding, str) else _ntuple(padding, n)
        self.dilation = _ntuple(dilation, n)
        self.transposed = False
        self.output_padding = (0,) * n
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._pad_amounts()
        _register_weight_and_bias(self, (out_channels, in_channels // groups, *self.kernel_size),
                                  bias, device, dtype)

    def reset_parameters(self) -> None:
        # torch's default: kaiming_uniform_(a=sqrt(5)), i.e. U(+-1/sqrt(fan_in)), then the
        # bias from the same range; weight drawn first, so the random streams agree.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            _uniform_fan_in_bias(self.bias, self.weight)

    def _pad_amounts(self):
        """F.pad's list (last dim first, left then right) for the non-zero padding modes;
        'same' puts the odd element on the right, as torch's."""
        amounts = []
        for i in reversed(range(self._dims)):
            if self.padding == "valid":
                left = right = 0
            elif self.padding == "same":
                total = self.dilation[i] * (self.kernel_size[i] - 1)
                left, right = total // 2, total - total // 2
            else:
                left = right = self.padding[i]
            amounts += [left, right]
        return amounts

    def forward(self, input: Tensor) -> Tensor:
        conv = F.conv1d if self._dims == 1 else F.conv2d
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                    self.groups)

    def extra_repr(self) -> str:
        n = self._dims
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):  # a padding string always shows
            s += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-d convolution over [N, C, L] (or [C, L]) inputs."""

    _dims = 1


class Conv2d(_ConvNd):
    """2-d convolution over [N, C, H, W] (or [C, H, W]) inputs."""

    _dims = 2
