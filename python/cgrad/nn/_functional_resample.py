"""nn.functional's resizing: interpolate and its deprecated spellings (upsample,
upsample_nearest, upsample_bilinear).

interpolate only checks and normalizes its arguments, as torch's does, then calls one
C++ op: an upsample_* of cgrad._C._nn (torch._C._nn's names and signatures) or, for
mode='area', adaptive average pooling.
"""
import warnings

import numpy as np

from .. import _C
from .._C import _nn as _impl

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear"]

_MODES = "nearest | linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact"
# (mode, spatial dims) -> the op and whether it takes align_corners.
_OPS = {
    ("nearest", 1): (_impl.upsample_nearest1d, False),
    ("nearest", 2): (_impl.upsample_nearest2d, False),
    ("nearest", 3): (_impl.upsample_nearest3d, False),
    ("nearest-exact", 1): (_impl._upsample_nearest_exact1d, False),
    ("nearest-exact", 2): (_impl._upsample_nearest_exact2d, False),
    ("nearest-exact", 3): (_impl._upsample_nearest_exact3d, False),
    ("linear", 1): (_impl.upsample_linear1d, True),
    ("bilinear", 2): (_impl.upsample_bilinear2d, True),
    ("trilinear", 3): (_impl.upsample_trilinear3d, True),
    ("bicubic", 2): (_impl.upsample_bicubic2d, True),
}
_AREA = {1: _impl.adaptive_avg_pool1d, 2: _impl.adaptive_avg_pool2d, 3: _impl.adaptive_avg_pool3d}
_NEEDS = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _is_integer(x):
    if isinstance(x, (int, np.integer)):
        return True
    return isinstance(x, _C.Tensor) and not x.is_floating_point()


def _check_length(input, values, dim, subject, label, form):
    if len(values) != dim:
        raise ValueError(
            f"Input and {subject} must have the same number of spatial dimensions, but got input "
            f"with spatial dimensions of {list(input.shape[2:])} and {label} {values}. Please "
            f"provide input tensor in (N, C, d1, d2, ...,dK) format and {form} format.")


def _sizes_and_scales(input, size, scale_factor, dim):
    """(output_size, scale_factors): exactly one of them a list, as torch checks them."""
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            _check_length(input, size, dim, "output", "output size of", "output size in (o1, o2, ...,oK)")
            if not all(_is_integer(x) for x in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            return size, None
        return [size for _ in range(dim)], None
    if scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            _check_length(input, scale_factor, dim, "scale_factor", "scale_factor of shape",
                          "scale_factor in (s1, s2, ...,sK)")
            return None, scale_factor
        return None, [scale_factor for _ in range(dim)]
    raise ValueError("either size or scale_factor should be defined")


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None, antialias=False) -> Tensor

    Resizes input (N, C, *spatial) to `size` or by `scale_factor` with the given mode
    (nearest, nearest-exact, linear, bilinear, bicubic, trilinear, area); a given scale
    factor also sets the sampling step unless recompute_scale_factor. cgrad: antialias
    and mode='lanczos' are not implemented (NotImplementedError), nor uint8 input for the
    linear and cubic modes."""
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    output_size, scale_factors = _sizes_and_scales(input, size, scale_factor, dim)
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    # 'area' is adaptive pooling, which takes sizes only.
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.size(i + 2) * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and input.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes "
                         "and requires a 4-D tensor as input")
    if (mode, dim) in _OPS:
        op, takes_align = _OPS[(mode, dim)]
        if antialias:
            raise NotImplementedError(f"cgrad: interpolate with antialias=True (mode '{mode}') "
                                      "is not implemented")
        if takes_align:
            return op(input, output_size, align_corners, scale_factors)
        return op(input, output_size, scale_factors)
    if mode == "area" and dim in _AREA:
        return _AREA[dim](input, output_size)
    if mode == "lanczos" and dim == 2:
        if align_corners:
            raise ValueError("Lanczos mode does not support align_corners=True")
        if not antialias:
            raise ValueError("Lanczos mode requires antialias=True")
        raise NotImplementedError("cgrad: interpolate with mode 'lanczos' is not implemented")
    if mode in _NEEDS and dim in (1, 2, 3):
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs "
                                  f"{_NEEDS[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{input.dim()}D) for the modes: {_MODES} (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None) -> Tensor

    Deprecated spelling of interpolate (warns, as torch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """upsample_nearest(input, size=None, scale_factor=None) -> Tensor

    Deprecated: interpolate(..., mode='nearest') (warns, as torch)."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """upsample_bilinear(input, size=None, scale_factor=None) -> Tensor

    Deprecated: interpolate(..., mode='bilinear', align_corners=True) (warns, as torch)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
