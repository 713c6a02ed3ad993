"""copy.copy, copy.deepcopy and pickle of tensors, with torch's behaviour.

A tensor is rebuilt over its whole storage from its sizes, strides and storage offset, so
a view keeps its layout. copy.deepcopy copies each storage once per call (tensors that
shared one share its copy); pickle writes each tensor's storage bytes; copy.copy gives a
new tensor over the same storage. requires_grad and Python attributes come along;
`.grad` only with deepcopy.
"""
import copy

import numpy as np

from . import _C

_DTYPES = ("float32", "float64", "int64", "int32", "bool", "float16", "uint8", "int8", "int16")


def _dtype_name(t):
    return repr(t.dtype).split(".")[-1]


class _Storage:
    """A tensor's whole storage as the argument of `_rebuild_tensor`: copy.copy passes it
    on as is (the copy shares memory); pickle writes its bytes."""

    __slots__ = ("flat",)

    def __init__(self, flat):
        self.flat = flat  # a 1-D tensor over the whole storage

    def __reduce__(self):
        return _storage_from_bytes, (self.flat.numpy().tobytes(), _dtype_name(self.flat))


def _storage_from_bytes(data, dtype_name):
    if dtype_name not in _DTYPES:
        raise RuntimeError(f"cannot unpickle a tensor of dtype {dtype_name!r}")
    values = np.frombuffer(data, dtype=np.dtype(dtype_name)).copy()
    return _Storage(_C.from_numpy(values))


def _rebuild_tensor(storage, sizes, strides, offset, requires_grad):
    t = _C._tensor_over(storage.flat, list(sizes), list(strides), offset)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_ex(t, protocol):
    args = (_Storage(_C._storage_flat(t)), tuple(t.shape), t.stride(), t.storage_offset(),
            t.requires_grad)
    if t.__dict__:
        return _rebuild_tensor, args, t.__dict__
    return _rebuild_tensor, args


def _deepcopy(t, memo):
    if not t.is_leaf:
        raise RuntimeError(
            "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
            "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
            "because of a torch.nn.utils.weight_norm usage, see "
            "https://github.com/pytorch/pytorch/pull/103001")
    # One copy per storage in this deepcopy call. The key is the storage's address, valid
    # while the original lives: memo keeps it alive, as copy does for what it copies.
    key = ("cgrad storage", _C._storage_key(t))
    if key not in memo:
        memo[key] = _C._storage_flat(t).clone()
        memo.setdefault(id(memo), []).append(t)
    new = _C._tensor_over(memo[key], list(t.shape), list(t.stride()), t.storage_offset())
    if t.requires_grad:
        new.requires_grad_(True)
    if t.grad is not None:
        new.grad = copy.deepcopy(t.grad, memo)
    if t.__dict__:
        new.__dict__.update(copy.deepcopy(t.__dict__, memo))
    return new


_C.Tensor.__reduce_ex__ = _reduce_ex
_C.Tensor.__deepcopy__ = _deepcopy
