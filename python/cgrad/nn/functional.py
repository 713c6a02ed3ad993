"""cgrad.nn.functional: activations, linear and losses, as torch.nn.functional.

Every function is bound from C++ (the `_C._nn` submodule): one Python->C++ call each.
"""
from .._C import _nn as _impl

globals().update({name: getattr(_impl, name) for name in dir(_impl) if not name.startswith("_")})
__all__ = [name for name in dir(_impl) if not name.startswith("_")]

# ---- layers written over cgrad ops (dropout, embedding, pad, attention, ...) ----
from ._functional_layers import *  # noqa: E402,F401,F403
from ._functional_layers import __all__ as _layer_names  # noqa: E402

__all__ += _layer_names

# ---- convolutions: the C++ op, with torch's asymmetric-'same' and integer routes ----
from ._functional_conv import conv1d, conv2d  # noqa: E402,F401
