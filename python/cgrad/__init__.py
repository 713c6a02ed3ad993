"""cgrad: a small, fast autograd library with PyTorch's Python API.

    import cgrad as torch
"""
from . import _C
from ._C import (  # noqa: F401
    Tensor, abs, add, arange, bool, cos, div, dtype, empty, empty_like, eq, exp, eye,
    float32, float64, from_numpy, full, full_like, ge, gt, int32, int64, is_grad_enabled, le,
    log, lt, manual_seed, mean, mul, ne, neg, norm, ones, ones_like, pow, rand, rand_like, randn,
    randn_like, reciprocal, relu, sigmoid, sign, sin, sqrt, sub, sum, tanh, tensor, where,
    zeros, zeros_like,
)
from . import _tensor_repr  # noqa: F401  (installs Tensor.__repr__)
from ._size import Size
from ._tensor_str import get_printoptions, set_printoptions
from . import autograd
from .autograd import enable_grad, no_grad, set_grad_enabled

_C._set_size_class(Size)

# torch's dtype aliases
float = float32
double = float64
long = int64
int = int32

__version__ = "0.1.0"
