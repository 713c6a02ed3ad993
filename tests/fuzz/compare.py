"""Comparing one value of torch with the same value of cgrad: divergence records, the
checks of a tensor (type, shape, dtype, values, requires_grad, is_leaf, grad_fn) and the
float tolerances.

# Note [Tolerances]:
# Elementwise float ops are exactly rounded in both libraries, so they agree bit for bit;
# reductions, matmul and vectorized transcendentals (exp, tanh, ... within about 1 ulp)
# do not, and a program chains up to a dozen of them. Finite values therefore match when
# |c - t| <= rtol * |t| + atol * scale, where scale is the largest finite |t| in the
# tensor (at least 1): an absolute error relative to the tensor's own magnitude covers
# the cancellation in a sum of terms of that size. Any float32 in the program sets float32
# tolerances for every value, float64 included (a float64 value computed from float32
# rounding carries float32 error). NaN and inf must sit at the same places, infinities
# with the same sign; the sign of zero is not compared (QUIRKS in quirks.py).
"""
import math
from dataclasses import asdict, dataclass

import numpy as np

# kinds, most severe first; the soft ones do not stop a program (check.py)
KINDS = ("crash", "timeout", "fuzzer-error", "missing-error", "spurious-error",
         "error-type", "type", "shape", "dtype", "value", "grad", "requires_grad",
         "is_leaf", "grad_fn")
SOFT_KINDS = ("is_leaf", "grad_fn")

FLOAT32_TOL = (1e-4, 1e-5)
FLOAT64_TOL = (1e-9, 1e-12)
MAX_COMPARED = 1 << 16   # elements; bigger values (huge expands) compare metadata only


@dataclass
class Divergence:
    kind: str
    step: int          # the step at which it was seen (len(program) for end-of-program)
    what: str          # the expression that differs: "v3", "v3[1]", "v0.grad"
    label: str         # the op that made the value ("add_", "F.cross_entropy", "grad")
    detail: str        # what differs, in words
    torch: str         # short descriptions of both results
    cgrad: str
    phase: str = "step"   # "step": right after the step; "end": after the whole program
    origin: int = -1      # the step that made the value (its leaf, for a gradient)

    def same_as(self, other):
        """Whether `other` is the same divergence, for the minimizer."""
        return (self.kind, self.label, self.phase) == (other.kind, other.label, other.phase)

    def signature(self):
        return f"{self.kind} {self.label}" + (" (end)" if self.phase == "end" else "")

    def to_dict(self):
        return asdict(self)


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


def attribute(t, name):
    """t.<name> (grad_fn: its name(), and its class's name where that differs, as for a
    custom Function's node), or "raises <Error>" where reading it raises (torch: is_leaf
    and grad_fn of a view whose base was written after split/unbind)."""
    try:
        value = getattr(t, name)
    except Exception as e:  # noqa: BLE001
        return f"raises {type(e).__name__}"
    if name == "grad_fn" and value is not None:
        kind = type(value).__name__
        return value.name() if kind == value.name() else f"{value.name()} ({kind})"
    return value


def grad_fn_name(t):
    return attribute(t, "grad_fn")


def as_numpy(t):
    t = t.detach()
    if getattr(t, "_is_zerotensor", None) is not None and t._is_zerotensor():
        return t.numpy(force=True)  # torch's efficient zeros (sgn's gradient) refuse numpy()
    return t.numpy()


def describe(x, limit=6):
    """A short text of a result for reports."""
    if x is None:
        return "None"
    if isinstance(x, BaseException):
        return f"{type(x).__name__}: {str(x).splitlines()[0][:200] if str(x) else ''}"
    if isinstance(x, (tuple, list)):
        return type(x).__name__ + "(" + ", ".join(describe(i, limit) for i in x) + ")"
    if hasattr(x, "dtype") and hasattr(x, "shape"):
        shape = tuple(x.shape)
        text = f"{dtype_name(x)}{list(shape)}"
        if readable(shape):
            arr = as_numpy(x)
            text += " " + np.array2string(arr.reshape(-1)[:limit], precision=6, separator=", ")
            if arr.size > limit:
                text = text[:-1] + ", ...]"
        fn = grad_fn_name(x)
        flags = [f"grad_fn={fn}"] if fn is not None else []
        if fn is None and attribute(x, "requires_grad") is True:
            flags.append("requires_grad=True")
        return text + (" " + " ".join(flags) if flags else "")
    return repr(x)


def readable(shape):
    """Whether values of this shape are compared (huge expands, even empty ones like
    (2**63 - 1, 0), only by shape: numpy cannot hold them)."""
    return math.prod(shape) <= MAX_COMPARED and max(shape, default=0) <= MAX_COMPARED


def tolerance(float32_involved):
    return FLOAT32_TOL if float32_involved else FLOAT64_TOL


def values_differ(t_arr, c_arr, tol):
    """None if the arrays match, else a short reason."""
    if t_arr.tobytes() == c_arr.tobytes():  # the usual case, and the cheapest test
        return None
    if t_arr.dtype.kind != "f":
        if np.array_equal(t_arr, c_arr):
            return None
        return _first_mismatch(t_arr, c_arr, t_arr != c_arr)
    t64, c64 = t_arr.astype(np.float64), c_arr.astype(np.float64)
    t_nan, c_nan = np.isnan(t64), np.isnan(c64)
    if not np.array_equal(t_nan, c_nan):
        return _first_mismatch(t_arr, c_arr, t_nan != c_nan, "NaN at different places: ")
    t_inf, c_inf = np.isinf(t64), np.isinf(c64)
    if not np.array_equal(t_inf, c_inf) or not np.array_equal(t64[t_inf], c64[c_inf]):
        bad = (t_inf != c_inf) | (t_inf & (np.sign(t64) != np.sign(c64)))
        return _first_mismatch(t_arr, c_arr, bad, "inf at different places: ")
    finite = ~(t_nan | t_inf)
    if not finite.any():
        return None
    rtol, atol = tol
    scale = max(1.0, float(np.max(np.abs(t64[finite]))))
    err = np.abs(t64 - c64)
    bad = finite & (err > rtol * np.abs(t64) + atol * scale)
    if bad.any():
        return _first_mismatch(t_arr, c_arr, bad)
    return None


def _first_mismatch(t_arr, c_arr, bad, prefix=""):
    pos = tuple(int(i) for i in np.argwhere(bad)[0]) if t_arr.ndim else ()
    return f"{prefix}at {list(pos)}: torch {t_arr[pos]!r}, cgrad {c_arr[pos]!r}"


def compare_tensor(t, c, tol, cgrad_tensor):
    """[(kind, detail)] of everything that differs between torch tensor `t` and cgrad's
    `c`, hardest first; empty when they match."""
    if not isinstance(c, cgrad_tensor):
        return [("type", f"cgrad gave {type(c).__name__}")]
    if tuple(c.shape) != tuple(t.shape):
        return [("shape", f"torch {list(t.shape)}, cgrad {list(c.shape)}")]
    if dtype_name(c) != dtype_name(t):
        return [("dtype", f"torch {dtype_name(t)}, cgrad {dtype_name(c)}")]
    found = []
    if readable(t.shape):
        try:
            c_arr = as_numpy(c)
        except Exception as e:  # noqa: BLE001 - cgrad cannot give its values
            return [("value", f"cgrad's values cannot be read: {type(e).__name__}: {e}")]
        reason = values_differ(as_numpy(t), c_arr, tol)
        if reason:
            found.append(("value", reason))
    for name in ("requires_grad", "is_leaf", "grad_fn"):
        t_attr, c_attr = attribute(t, name), attribute(c, name)
        if t_attr != c_attr:
            found.append((name, f"torch {t_attr}, cgrad {c_attr}"))
    return found


def compare_value(t, c, tol, torch_tensor, cgrad_tensor):
    """Like compare_tensor for any step result: a tensor, a tuple of tensors (split,
    max with dim, autograd.grad with None entries) or None."""
    if isinstance(t, torch_tensor):
        return compare_tensor(t, c, tol, cgrad_tensor)
    if isinstance(t, (tuple, list)):
        if not isinstance(c, (tuple, list)) or len(c) != len(t):
            return [("type", f"torch {describe(t)}, cgrad {describe(c)}")]
        for i, (ti, ci) in enumerate(zip(t, c)):
            found = compare_value(ti, ci, tol, torch_tensor, cgrad_tensor)
            if found:
                return [(kind, f"item {i}: {detail}") for kind, detail in found]
        return []
    if t is None:
        return [] if c is None else [("value", f"torch None, cgrad {describe(c)}")]
    if isinstance(t, (bool, int, float)):
        same = (t == c) or (isinstance(t, float) and isinstance(c, float)
                            and not values_differ(np.array(t), np.array(c), tol))
        return [] if same else [("value", f"torch {t!r}, cgrad {c!r}")]
    return []
