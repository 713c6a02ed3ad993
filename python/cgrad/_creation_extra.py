"""Factories and grids built from cgrad's own ops: meshgrid, cartesian_prod, as_tensor,
asarray, empty_strided, tril_indices and triu_indices, with torch's signatures, dtypes and
errors."""
import warnings

import numpy as np

from . import _C
from ._device import check_device as _check_cpu

__all__ = ["meshgrid", "cartesian_prod", "as_tensor", "asarray", "empty_strided", "tril_indices", "triu_indices"]


def check_device(device):
    if device is not None:
        _check_cpu(device)


def meshgrid(*tensors, indexing=None):
    """Grids over 0-d or 1-d tensors: output i varies along dimension i ('ij') or, with
    'xy', the first two dimensions swapped (Cartesian, as numpy's default). Each output
    is a view of its input, expanded (ExpandBackward0, as torch's)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if indexing is None:
        warnings.warn("cgrad.meshgrid: in an upcoming release, it will be required to pass "
                      "the indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError('cgrad.meshgrid: indexing must be one of "xy" or "ij", but '
                           f"received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() > 1:
            raise RuntimeError("cgrad.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got a tensor of shape {list(t.shape)}")
        if t.dtype is not tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:  # 'xy' is 'ij' over the first two inputs exchanged, outputs exchanged back
        tensors = (tensors[1], tensors[0]) + tensors[2:]
    shape = [t.numel() for t in tensors]
    grids = []
    for i, t in enumerate(tensors):
        view_shape = [1] * len(tensors)
        view_shape[i] = shape[i]
        grids.append(t.view(view_shape).expand(shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one row each, the last tensor's
    varying fastest: the 'ij' meshgrid flattened and stacked as columns (StackBackward0,
    as torch's). One tensor is returned itself."""
    for i, t in enumerate(tensors):
        if not isinstance(t, _C.Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.dim() != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return _C.stack([grid.flatten() for grid in meshgrid(*tensors, indexing="ij")], 1)


def _numpy_dtype_matches(array, dtype):
    return dtype is None or repr(dtype).split(".")[-1] == array.dtype.name


def as_tensor(data, dtype=None, device=None):
    """data as a tensor, sharing memory where it can: a tensor of the asked dtype is
    returned as it is (still in its graph), another dtype is converted with .to(dtype);
    a numpy array of the asked dtype shares its memory; anything else is copied."""
    check_device(device)
    if isinstance(data, _C.Tensor):
        return data if dtype is None or data.dtype is dtype else data.to(dtype)
    if isinstance(data, np.ndarray) and _numpy_dtype_matches(data, dtype):
        return _C.from_numpy(data)
    return _C.tensor(data, dtype=dtype)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """obj as a tensor, as torch.asarray: shares memory with a tensor or numpy array when
    the dtype allows and copy is not True; copy=False raises where it cannot share.
    requires_grad, when given, is set on the result (obj itself when it is returned)."""
    check_device(device)
    shareable = isinstance(obj, _C.Tensor) or isinstance(obj, np.ndarray)
    if copy is False:
        if not shareable:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        source = obj.dtype if isinstance(obj, _C.Tensor) else _C.from_numpy(obj).dtype
        if dtype is not None and dtype is not source:
            raise ValueError(f"can't alias tensor with dtype '{_torch_name(source)}' into "
                             f"dtype '{_torch_name(dtype)}'.")
    if isinstance(obj, _C.Tensor):
        if requires_grad is None and obj.requires_grad:
            warnings.warn("cgrad.asarray: unspecified requires_grad now defaults to "
                          "obj.requires_grad instead of False. Pass requires_grad=False "
                          "explicitly to get the old behavior and silence this warning.",
                          UserWarning, stacklevel=2)
        result = obj if dtype is None or obj.dtype is dtype else obj.to(dtype)
        if copy and result is obj:
            result = obj.clone()
    elif isinstance(obj, np.ndarray) and not copy and _numpy_dtype_matches(obj, dtype):
        result = _C.from_numpy(obj)
    else:
        result = _C.tensor(obj, dtype=dtype)
    if requires_grad is not None:
        result.requires_grad_(requires_grad)
    return result


def _torch_name(dtype):
    """torch's C++ name of a dtype, as its messages spell it ('Float', 'Long')."""
    return {"bool": "Bool", "int32": "Int", "int64": "Long", "float32": "Float",
            "float64": "Double", "uint8": "Byte", "int8": "Char", "int16": "Short",
            "float16": "Half", "bfloat16": "BFloat16"}[repr(dtype).split(".")[-1]]


def _ints(value, op, arg, position):
    if not isinstance(value, (tuple, list)) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise TypeError(f"{op}(): argument '{arg}' (position {position}) must be tuple of "
                        f"ints, not {type(value).__name__}")
    return list(value)


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialised tensor with the given sizes and strides, over a storage just large
    enough for the furthest element."""
    check_device(device)
    sizes, strides = _ints(size, "empty_strided", "size", 1), _ints(stride, "empty_strided", "stride", 2)
    if len(sizes) != len(strides):
        raise RuntimeError(f"dimensionality of sizes ({len(sizes)}) must match dimensionality "
                           f"of strides ({len(strides)})")
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {sizes}")
    if any(st < 0 for st in strides):
        raise RuntimeError("Storage size calculation overflowed with sizes="
                           f"{sizes} and strides={strides}")
    needed = 0 if 0 in sizes else 1 + sum((s - 1) * st for s, st in zip(sizes, strides))
    storage = _C.empty(needed, dtype=dtype)
    result = _C._tensor_over(storage, sizes, strides, 0)
    if requires_grad:
        result.requires_grad_(True)
    return result


def _triangle_indices(op, row, col, offset, dtype, device, lower):
    check_device(device)
    for position, (name, value) in enumerate((("row", row), ("col", col), ("offset", offset)), 1):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{op}(): argument '{name}' (position {position}) must be int, not "
                            f"{type(value).__name__}")
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    if dtype not in (_C.int64, _C.int32):
        raise NotImplementedError(f"\"{op}\" not implemented for '{_torch_name(dtype)}'")
    # Row-major order of the kept (row, column) pairs, as torch lists them.
    pick = np.tril_indices if lower else np.triu_indices
    rows, cols = pick(row, offset, col) if row and col else (np.zeros(0), np.zeros(0))
    # (contiguous: an empty numpy stack has zero strides, which a conversion would keep)
    return _C.tensor(np.ascontiguousarray(np.stack([rows, cols]), dtype=np.int64),
                     dtype=dtype) if len(rows) else _C.zeros((2, 0), dtype=dtype)


def tril_indices(row, col, offset=0, *, dtype=_C.int64, device=None, layout=None):
    """The 2 x N indices of the lower triangle (on and below diagonal `offset`)."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, device, lower=True)


def triu_indices(row, col, offset=0, *, dtype=_C.int64, device=None, layout=None):
    """The 2 x N indices of the upper triangle (on and above diagonal `offset`)."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device, lower=False)
