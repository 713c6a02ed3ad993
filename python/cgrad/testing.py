"""cgrad.testing.assert_close: torch.testing.assert_close's checks, tolerances and messages.

Note [assert_close]: a pair is compared by kind: tensors (or numpy arrays) with tensors,
Python numbers with Python numbers, sequences and mappings item by item. Tensors must
agree in shape, then dtype (unless check_dtype=False, which promotes both), then strides
(only with check_stride=True); values are close when |actual - expected| <= atol + rtol *
|expected|, infinities equal themselves and NaN equals NaN only with equal_nan=True. The
default tolerances are torch's for the dtype (the larger of the two dtypes' when they
differ); integers and bools compare exactly. A failure raises AssertionError whose text
says how many elements differ and where the largest differences are, as torch's does.
"""
import collections.abc
import numbers

import numpy as np

from . import _C

__all__ = ["assert_close"]

# torch's default (rtol, atol) per dtype; anything not listed compares exactly.
_DEFAULT_TOLERANCES = {"float16": (1e-3, 1e-5), "bfloat16": (1.6e-2, 1e-5),
                       "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}


class _Mismatch(Exception):
    """A failed comparison: the message and the path of the items that led to it."""

    def __init__(self, message, path=""):
        super().__init__(message)
        self.message, self.path = message, path


def _dtype_name(dtype):
    return repr(dtype).split(".")[-1]


def _tolerances(dtype_names, rtol, atol):
    if (rtol is None) != (atol is None):
        raise ValueError("Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'rtol' if rtol is None else 'atol'}.")
    if rtol is not None:
        return rtol, atol
    pairs = [_DEFAULT_TOLERANCES.get(n, (0.0, 0.0)) for n in dtype_names] or [(0.0, 0.0)]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _close_mask(actual, expected, rtol, atol, equal_nan):
    """Elementwise closeness of two numpy arrays of one dtype."""
    if actual.dtype.kind != "f":
        return actual == expected
    with np.errstate(invalid="ignore", over="ignore"):
        close = actual == expected  # infinities of one sign, and exact matches
        finite = np.isfinite(actual) & np.isfinite(expected)
        close |= finite & (np.abs(actual - expected) <= atol + rtol * np.abs(expected))
    if equal_nan:
        close |= np.isnan(actual) & np.isnan(expected)
    return close


def _differences(actual, expected):
    """|actual - expected| and that relative to |expected|, in torch's dtypes: the arrays'
    own for floats; for integers (and bools, counted as integers) exact absolute
    differences and relative ones in the default float dtype."""
    if actual.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            absolute = np.abs(actual - expected)
            return absolute, absolute / np.abs(expected)
    actual, expected = actual.astype(np.int64), expected.astype(np.int64)
    absolute = np.abs(actual - expected)
    with np.errstate(invalid="ignore", divide="ignore"):
        default = _dtype_name(_C.get_default_dtype())
        relative = absolute.astype(default) / np.abs(expected).astype(default)
    return absolute, relative


def _number(value):
    """A numpy scalar as the Python number torch prints."""
    return value.item() if isinstance(value, np.generic) else value


def _allowed(tolerance, equal):
    return "" if equal else f" (up to {tolerance} allowed)"


def _scalar_message(actual, expected, rtol, atol):
    """torch's message for two single values (Python numbers, or 0-d tensors' items)."""
    equal = rtol == 0 and atol == 0
    try:
        absolute = abs(actual - expected)
    except TypeError:  # bools
        absolute = abs(int(actual) - int(expected))
    if expected != 0:
        relative = absolute / abs(expected)
    else:
        relative = float("nan") if absolute == 0 or absolute != absolute else float("inf")
    return (f"Scalars are not {'equal' if equal else 'close'}!\n\n"
            f"Expected {expected} but got {actual}.\n"
            f"Absolute difference: {absolute}{_allowed(atol, equal)}\n"
            f"Relative difference: {relative}{_allowed(rtol, equal)}")


def _array_message(actual, expected, close, rtol, atol):
    equal = rtol == 0 and atol == 0
    absolute, relative = _differences(actual, expected)
    absolute, relative = np.where(close, 0, absolute), np.where(close, 0, relative)
    mismatched, total = int((~close).sum()), close.size
    lines = [f"Tensor-likes are not {'equal' if equal else 'close'}!", "",
             f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})"]
    for label, diff, tolerance in (("absolute", absolute, atol), ("relative", relative, rtol)):
        flat = int(np.argmax(diff.reshape(-1)))  # NaN counts as the largest, as torch's max
        index = tuple(int(i) for i in np.unravel_index(flat, diff.shape))
        lines.append(f"Greatest {label} difference: {_number(diff.reshape(-1)[flat])} at index "
                     f"{index}{_allowed(tolerance, equal)}")
    return "\n".join(lines)


def _attribute_mismatch(name, actual, expected):
    return _Mismatch(f"The values for attribute '{name}' do not match: {actual} != {expected}.")


def _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride):
    if tuple(actual.shape) != tuple(expected.shape):
        raise _attribute_mismatch("shape", actual.shape, expected.shape)
    if isinstance(actual, np.ndarray):
        names = [actual.dtype.name, expected.dtype.name]
        if check_dtype and actual.dtype != expected.dtype:
            raise _attribute_mismatch("dtype", actual.dtype, expected.dtype)
        common = np.promote_types(actual.dtype, expected.dtype)
        a, e = actual.astype(common), expected.astype(common)
        zero_dim = False
    else:
        names = [_dtype_name(actual.dtype), _dtype_name(expected.dtype)]
        if check_dtype and actual.dtype is not expected.dtype:
            raise _attribute_mismatch("dtype", actual.dtype, expected.dtype)
        if check_stride and actual.stride() != expected.stride():
            raise _attribute_mismatch("stride()", actual.stride(), expected.stride())
        common = _C.promote_types(actual.dtype, expected.dtype)
        # (numpy has no bfloat16; its values are exact in float32)
        wide = _C.float32 if common is _C.bfloat16 else common
        a = actual.detach().to(common).to(wide).numpy()
        e = expected.detach().to(common).to(wide).numpy()
        zero_dim = actual.dim() == 0
    rtol, atol = _tolerances(names, rtol, atol)
    close = _close_mask(a, e, rtol, atol, equal_nan)
    if close.all():
        return
    if zero_dim:
        raise _Mismatch(_scalar_message(a.item(), e.item(), rtol, atol))
    raise _Mismatch(_array_message(a, e, close, rtol, atol))


def _compare_numbers(actual, expected, rtol, atol, equal_nan):
    actual, expected = _number(actual), _number(expected)
    if type(actual) is not type(expected):
        raise _Mismatch(f"The (d)types do not match: {type(actual)} != {type(expected)}.")
    if isinstance(actual, bool):
        if actual is not expected:
            raise _Mismatch(f"Booleans mismatch: {actual} is not {expected}")
        return
    kind = "float64" if isinstance(actual, float) else "int64"
    rtol, atol = _tolerances([kind], rtol, atol)
    a, e = np.array(actual), np.array(expected)
    if not _close_mask(a, e, rtol, atol, equal_nan).all():
        raise _Mismatch(_scalar_message(actual, expected, rtol, atol))


def _is_sequence(x):
    return isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes))


def _is_number(x):
    return isinstance(x, (numbers.Number, np.bool_)) and not isinstance(x, np.ndarray)


def _compare(actual, expected, options):
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for i, (a, e) in enumerate(zip(actual, expected)):
            _compare_item(a, e, f"[{i}]", options)
        return
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            raise _Mismatch("The keys of the mappings do not match:\n"
                            f"Missing keys in the actual mapping: {sorted(missing, key=repr)}\n"
                            f"Additional keys in the actual mapping: {sorted(extra, key=repr)}")
        for k in actual:
            _compare_item(actual[k], expected[k], f"[{k!r}]", options)
        return
    rtol, atol, equal_nan, check_dtype, check_stride, allow_subclasses = options
    tensors = _tensor_pair(actual, expected, allow_subclasses)
    if tensors:
        _compare_tensors(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride)
    elif actual is None and expected is None:
        return
    elif _is_number(actual) and _is_number(expected):
        _compare_numbers(actual, expected, rtol, atol, equal_nan)
    else:
        raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} "
                        f"and {type(expected)}.")


def _tensor_pair(actual, expected, allow_subclasses):
    for kind in (_C.Tensor, np.ndarray):
        if isinstance(actual, kind) and isinstance(expected, kind):
            return allow_subclasses or type(actual) is type(expected)
    return False


def _compare_item(actual, expected, step, options):
    try:
        _compare(actual, expected, options)
    except _Mismatch as mismatch:
        raise _Mismatch(mismatch.message, step + mismatch.path) from None


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Asserts that actual and expected are close (Note [assert_close]).

    Tensors must match in shape and dtype (and strides with check_stride=True); values
    must satisfy |actual - expected| <= atol + rtol * |expected|, with the dtype's default
    rtol and atol unless both are given. Sequences and mappings compare item by item.
    msg replaces the failure message, or, when callable, maps it to a new one.
    Raises AssertionError on a mismatch, TypeError for inputs that cannot be compared.
    """
    del check_device, check_layout  # one device and one layout: nothing to differ
    _tolerances([], rtol, atol)  # both or neither, checked before any comparison
    options = (rtol, atol, equal_nan, check_dtype, check_stride, allow_subclasses)
    try:
        _compare(actual, expected, options)
    except _Mismatch as mismatch:
        message = mismatch.message
        if mismatch.path:
            message += f"\n\nThe failure occurred for item {mismatch.path}"
        if isinstance(msg, str):
            message = msg
        elif callable(msg):
            message = msg(message)
        raise AssertionError(message) from None
