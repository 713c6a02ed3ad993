"""cgrad.nn.functional: activations, linear and losses, as torch.nn.functional.

Every function is bound from C++ (the `_C._nn` submodule): one Python->C++ call each.
"""
from .._C import _nn as _impl

# torch._C._nn's upsample_* stay there: torch.nn.functional reaches them through interpolate;
# so do im2col / col2im, reached through unfold / fold.
__all__ = [name for name in dir(_impl)
           if not name.startswith("_") and not name.startswith("upsample_")
           and name not in ("im2col", "col2im")]
globals().update({name: getattr(_impl, name) for name in __all__})

# ---- layers written over cgrad ops (dropout, embedding, pad, attention, ...) ----
from ._functional_layers import *  # noqa: E402,F401,F403
from ._functional_layers import __all__ as _layer_names  # noqa: E402

__all__ += _layer_names

# ---- activations over other activations (relu6, softsign, tanhshrink, softmin) ----
from ._functional_activations import *  # noqa: E402,F401,F403
from ._functional_activations import __all__ as _activation_names  # noqa: E402

__all__ += _activation_names

# ---- losses torch composes from ops (kl_div, margin and embedding losses, NLLs) ----
from ._functional_losses import *  # noqa: E402,F401,F403
from ._functional_losses import __all__ as _loss_names  # noqa: E402

__all__ += _loss_names

# ---- resizing: interpolate over the upsample_* ops ----
from ._functional_resample import *  # noqa: E402,F401,F403
from ._functional_resample import __all__ as _resample_names  # noqa: E402

__all__ += _resample_names

# ---- multi-head attention, and the mask helpers torch's layers call through F ----
from ._functional_attention import (_canonical_mask, _none_or_dtype,  # noqa: E402,F401
                                    multi_head_attention_forward)

__all__ += ["multi_head_attention_forward"]

# ---- convolutions: the C++ op, with torch's asymmetric-'same' and integer routes ----
from ._functional_conv import conv1d, conv2d  # noqa: E402,F401

# ---- unfold / fold over im2col / col2im ----
from ._functional_fold import fold, unfold  # noqa: E402,F401

__all__ += ["fold", "unfold"]
