"""The legacy typed constructors FloatTensor, DoubleTensor, LongTensor, IntTensor and
BoolTensor, and Tensor.type().

Note [Legacy tensor types]: as torch's, each is a class of its own (not a Tensor subclass)
whose instances are never made: calling it builds a cgrad.Tensor of its dtype, like the
legacy Tensor(*sizes) / Tensor(data) constructor, and isinstance(t, FloatTensor) asks
whether t is a Tensor of that dtype.
"""
import collections.abc

import numpy as np

from . import _C
from ._size import Size


class tensortype(type):
    """The metaclass of the legacy types: calls construct, isinstance checks the dtype."""
    __module__ = "cgrad"

    def __instancecheck__(cls, obj):
        return isinstance(obj, _C.Tensor) and obj.dtype is cls.dtype

    def __call__(cls, *args, device=None):
        if len(args) == 1 and isinstance(args[0], _C.Tensor):
            if args[0].dtype is not cls.dtype:
                raise TypeError(f"expected {cls.__name__} (got "
                                f"{_legacy_name(args[0].dtype)})")
            return _C.Tensor(args[0], device=device)
        # A plain tuple is data, a Size is sizes; a bool is no size.
        data = len(args) == 1 and (isinstance(args[0], bool) or not isinstance(args[0], (int, Size)))
        if data:
            if not isinstance(args[0], (collections.abc.Sequence, np.ndarray)):
                raise TypeError(f"new(): data must be a sequence (got {type(args[0]).__name__})")
            return _C.tensor(args[0], dtype=cls.dtype, device=device)
        shape = _C.Tensor(*args, device=device).shape  # checks the sizes as Tensor() does
        return _C.empty(shape, dtype=cls.dtype)

    def __repr__(cls):
        return f"<class 'cgrad.{cls.__name__}'>"


def _legacy_type(name, dtype):
    return tensortype(name, (), {"dtype": dtype, "__module__": "cgrad",
                                 "__doc__": f"Legacy constructor of {dtype} tensors."})


FloatTensor = _legacy_type("FloatTensor", _C.float32)
DoubleTensor = _legacy_type("DoubleTensor", _C.float64)
LongTensor = _legacy_type("LongTensor", _C.int64)
IntTensor = _legacy_type("IntTensor", _C.int32)
BoolTensor = _legacy_type("BoolTensor", _C.bool)
HalfTensor = _legacy_type("HalfTensor", _C.float16)
BFloat16Tensor = _legacy_type("BFloat16Tensor", _C.bfloat16)
ByteTensor = _legacy_type("ByteTensor", _C.uint8)
CharTensor = _legacy_type("CharTensor", _C.int8)
ShortTensor = _legacy_type("ShortTensor", _C.int16)
_BY_DTYPE = {t.dtype: t for t in (FloatTensor, DoubleTensor, LongTensor, IntTensor, BoolTensor,
                                  HalfTensor, BFloat16Tensor, ByteTensor, CharTensor,
                                  ShortTensor)}


def _legacy_name(dtype):
    return f"cgrad.{_BY_DTYPE[dtype].__name__}"


def tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """type(): the legacy type name ('cgrad.FloatTensor'); type(dtype), with a dtype, a
    legacy type or its name, converts as .to(dtype) does."""
    if dtype is None:
        return _legacy_name(self.dtype)
    if isinstance(dtype, str):
        matches = [t for t in _BY_DTYPE.values() if dtype in (f"cgrad.{t.__name__}", f"torch.{t.__name__}")]
        if not matches:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = matches[0].dtype
    elif isinstance(dtype, tensortype):
        dtype = dtype.dtype
    return self.to(dtype, non_blocking=non_blocking)


_C.Tensor.type = tensor_type
