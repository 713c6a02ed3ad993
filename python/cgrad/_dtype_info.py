"""cgrad.finfo and cgrad.iinfo: the numerical limits of a dtype, as torch reports them.

Every cgrad dtype but bfloat16 has a numpy twin with the same IEEE or two's-complement
layout, so the numbers are numpy's; bfloat16 (float32's sign, 8 exponent bits and 7 mantissa
bits) has its numbers written out below. The names, defaults, errors and printed form are
torch's.
"""
import numpy as np

from . import _C

# bfloat16's limits, in numpy.finfo's terms: 2**-7, (2 - 2**-7) * 2**127, 2**-126, and
# 2 decimal digits of precision (resolution 10**-2).
_BFLOAT16_INFO = {"bits": 16, "eps": 2.0 ** -7, "max": (2.0 - 2.0 ** -7) * 2.0 ** 127,
                  "smallest_normal": 2.0 ** -126, "precision": 2}

# Python's number types stand for the dtypes torch gives them.
_PYTHON_TYPES = {float: _C.float64, int: _C.int64, bool: _C.bool}


def _dtype_arg(type, op, args):
    if len(args) > 0:
        raise TypeError(f"{op}() received an invalid combination of arguments - got "
                        f"({', '.join(_type_name(a) for a in (type, *args))}), but expected "
                        f"one of:\n * (cgrad.dtype type)\n * ()\n")
    if type in _PYTHON_TYPES:
        return _PYTHON_TYPES[type]
    if not isinstance(type, _C.dtype):
        raise TypeError(f"{op}(): argument 'type' (position 1) must be cgrad.dtype, not "
                        f"{_type_name(type)}")
    return type


def _type_name(obj):
    return "cgrad.dtype" if isinstance(obj, _C.dtype) else type(obj).__name__


def _name(dtype):
    return repr(dtype).split(".")[-1]


def _g(value):
    """torch prints limits with 6 significant digits, as C's %g."""
    return f"{float(value):g}"


class _Limits:
    """Equal when describing the same dtype; unhashable, as torch's."""
    __slots__ = ()

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._dtype == other._dtype

    __hash__ = None


class finfo(_Limits):
    """finfo(type=None): the limits of a floating dtype (the default dtype when omitted).

    Attributes: bits, eps, max, min, tiny, smallest_normal, resolution, dtype.
    """
    __slots__ = ("_bits", "_eps", "_max", "_min", "_tiny", "_resolution", "_dtype")

    def __init__(self, type=None, *args):
        dtype = _C.get_default_dtype() if type is None and not args else _dtype_arg(type, "finfo", args)
        if not dtype.is_floating_point:
            raise TypeError("cgrad.finfo() requires a floating point input type. Use "
                            "cgrad.iinfo to handle 'cgrad.finfo'")
        if _name(dtype) == "bfloat16":
            info = _BFLOAT16_INFO
        else:
            numpy_info = np.finfo(_name(dtype))
            info = {name: getattr(numpy_info, name)
                    for name in ("bits", "eps", "max", "smallest_normal", "precision")}
        self._bits = int(info["bits"])
        self._eps = float(info["eps"])
        self._max = float(info["max"])
        self._min = -self._max
        self._tiny = float(info["smallest_normal"])
        self._resolution = 10.0 ** -int(info["precision"])
        self._dtype = _name(dtype)

    bits = property(lambda self: self._bits, doc="Bits the type occupies.")
    eps = property(lambda self: self._eps, doc="The gap between 1.0 and the next number.")
    max = property(lambda self: self._max, doc="The largest finite number.")
    min = property(lambda self: self._min, doc="The most negative finite number.")
    tiny = property(lambda self: self._tiny, doc="The smallest positive normal number.")
    smallest_normal = property(lambda self: self._tiny, doc="The same as tiny.")
    resolution = property(lambda self: self._resolution,
                          doc="10 ** -(the decimal digits of precision).")
    dtype = property(lambda self: self._dtype, doc="The dtype's name, as a string.")

    def __repr__(self):
        return (f"finfo(resolution={_g(self._resolution)}, min={_g(self._min)}, "
                f"max={_g(self._max)}, eps={_g(self._eps)}, "
                f"smallest_normal={_g(self._tiny)}, tiny={_g(self._tiny)}, dtype={self._dtype})")


class iinfo(_Limits):
    """iinfo(type): the limits of an integer dtype. Attributes: bits, max, min, dtype."""
    __slots__ = ("_bits", "_max", "_min", "_dtype")

    def __init__(self, type, *args):
        dtype = _dtype_arg(type, "iinfo", args)
        if dtype is _C.bool:
            raise TypeError("cgrad.bool is not supported by cgrad.iinfo")
        if dtype.is_floating_point:
            raise TypeError("cgrad.iinfo() requires an integer input type. Use cgrad.finfo "
                            "to handle 'cgrad.iinfo'")
        info = np.iinfo(_name(dtype))
        self._bits = int(info.bits)
        self._max = int(info.max)
        self._min = int(info.min)
        self._dtype = _name(dtype)

    bits = property(lambda self: self._bits, doc="Bits the type occupies.")
    max = property(lambda self: self._max, doc="The largest value.")
    min = property(lambda self: self._min, doc="The smallest value.")
    dtype = property(lambda self: self._dtype, doc="The dtype's name, as a string.")

    def __repr__(self):
        return f"iinfo(min={_g(self._min)}, max={_g(self._max)}, dtype={self._dtype})"
