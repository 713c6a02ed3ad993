"""Identity, Linear and Bilinear."""
from __future__ import annotations

from typing import Any, Optional

import math

from ... import _C
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module
from ..._C import Tensor


class Identity(Module):
    """Returns its input; ignores any constructor arguments, as torch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


def _register_weight_and_bias(module, weight_shape, bias, device, dtype):
    # Uninitialized storage; reset_parameters fills it, as torch.
    module.weight = Parameter(_C.empty(weight_shape, device=device, dtype=dtype))
    if bias:
        module.bias = Parameter(_C.empty(weight_shape[0], device=device, dtype=dtype))
    else:
        module.register_parameter("bias", None)
    module.reset_parameters()


def _uniform_fan_in_bias(bias, weight):
    # torch's bias init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)), 0 when fan_in is 0.
    fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
    init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x W^T + b, with torch's default initialization."""

    __constants__ = ["in_features", "out_features"]
    weight: Parameter
    bias: Optional[Parameter]

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        _register_weight_and_bias(self, (out_features, in_features), bias, device, dtype)

    def reset_parameters(self) -> None:
        # Note [Linear init]: kaiming_uniform_ with a=sqrt(5) gives U(-1/sqrt(fan_in),
        # 1/sqrt(fan_in)) for the weight; torch keeps this spelling and so its random draws,
        # weight first, then bias.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            _uniform_fan_in_bias(self.bias, self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under its own name: MultiheadAttention's out_proj is one, as torch's (its
    repr says so)."""


class Bilinear(Module):
    """y_k = x1^T A_k x2 + b_k."""

    __constants__ = ["in1_features", "in2_features", "out_features"]
    weight: Parameter
    bias: Optional[Parameter]

    def __init__(self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features = in1_features
        self.in2_features = in2_features
        self.out_features = out_features
        _register_weight_and_bias(self, (out_features, in1_features, in2_features), bias, device,
                                  dtype)

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.size(1))
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
