"""Tensor.untyped_storage() and Tensor.storage(): read-only windows on the memory a tensor
(and every view of it) lives in, with torch's storage queries.

Note [Storage views]: a storage object holds a 1-D tensor over the whole buffer (from
_C._storage_flat), so it keeps the memory alive and reads what the tensors write. It
offers what code reads from torch's storages (sizes, bytes, pointers, elements, tolist);
building tensors on a storage (Tensor.set_) is not offered.
"""
import warnings

import numpy as np

from . import _C
from ._device import device

_CPU = device("cpu")


def _format_elements(values):
    return "\n".join(f" {v}" for v in values) or " "


class UntypedStorage:
    """The bytes of a tensor's storage."""

    def __init__(self, flat):
        self._flat = flat

    def _bytes(self):
        return self._flat.numpy().reshape(-1).view(np.uint8)

    def nbytes(self):
        return self._flat.numel() * self._flat.element_size()

    def size(self):
        return self.nbytes()

    __len__ = size

    def element_size(self):
        return 1

    def data_ptr(self):
        return self._flat.data_ptr()

    @property
    def device(self):
        return _CPU

    def tolist(self):
        return self._bytes().tolist()

    def __getitem__(self, index):
        return self._bytes()[index].tolist()

    def __repr__(self):
        return (f"{_format_elements(self.tolist())}\n"
                f"[cgrad.storage.UntypedStorage(device=cpu) of size {self.nbytes()}]")


class TypedStorage:
    """The elements of a tensor's storage, in its dtype (deprecated in torch, as here)."""

    def __init__(self, flat):
        self._flat = flat

    @property
    def dtype(self):
        return self._flat.dtype

    @property
    def device(self):
        return _CPU

    def size(self):
        return self._flat.numel()

    __len__ = size

    def nbytes(self):
        return self._flat.numel() * self._flat.element_size()

    def element_size(self):
        return self._flat.element_size()

    def data_ptr(self):
        return self._flat.data_ptr()

    def untyped(self):
        return UntypedStorage(self._flat)

    @property
    def _untyped_storage(self):
        return self.untyped()

    def tolist(self):
        return self._flat.tolist()

    def __getitem__(self, index):
        return self._flat.tolist()[index]

    def __repr__(self):
        return (f"{_format_elements(self.tolist())}\n[cgrad.storage.TypedStorage("
                f"dtype={self.dtype}, device=cpu) of size {self.size()}]")


def untyped_storage(self):
    """The bytes this tensor (and every view sharing its memory) lives in."""
    return UntypedStorage(_C._storage_flat(self))


_warned_typed_storage = False  # torch warns once per process


def storage(self):
    """The storage in this tensor's dtype (deprecated: use untyped_storage())."""
    global _warned_typed_storage
    if not _warned_typed_storage:
        _warned_typed_storage = True
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and "
                      "UntypedStorage will be the only storage class. This should only matter "
                      "to you if you are using storages directly.  To access UntypedStorage "
                      "directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=2)
    return TypedStorage(_C._storage_flat(self))


_C.Tensor.untyped_storage = untyped_storage
_C.Tensor.storage = storage
