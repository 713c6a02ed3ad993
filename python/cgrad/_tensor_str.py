"""Text form of tensors, laid out exactly as PyTorch's ``repr`` lays it out.

The formatter works on a numpy copy of the tensor's data so that it does not
depend on the tensor class itself.
"""

import math

import numpy as np

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

_options = {**_PROFILES["default"], "sci_mode": None}

# dtypes that torch leaves out of the repr because tensor(...) would infer them
# from the printed values: the default float dtype (get_default_dtype), int64 and bool;
# from a bare [] only the default float dtype is inferred.
_INFERRED_DTYPES = ("int64", "bool")
_PREFIX = "tensor("
_ELLIPSIS = "..."


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set the print options; same arguments and semantics as torch.set_printoptions."""
    if profile in _PROFILES:
        _options.update(_PROFILES[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            _options[name] = value
    # torch resets sci_mode on every call, so an omitted argument means "auto".
    _options["sci_mode"] = sci_mode


def get_printoptions():
    """Return a copy of the current print options."""
    return dict(_options)


def format_tensor(values, dtype_name, *, requires_grad=False, grad_fn_name=None,
                  default_float="float32"):
    """Return what ``repr`` of a tensor holding ``values`` prints.

    ``values`` is a numpy array with the tensor's data and shape, ``dtype_name``
    the tensor's dtype's name ("float32", "int64", "bool", ...),
    ``default_float`` the default dtype's name (get_default_dtype).
    """
    values = np.asarray(values)
    indent = len(_PREFIX)
    summarize = values.ndim > 0 and values.size > _options["threshold"]
    if values.size == 0:
        body = "[]"
    elif summarize and _options["edgeitems"] == 0:
        body = "[" + _ELLIPSIS + "]"
    else:
        sample = _summarized(values) if summarize else values
        formatter = _ElementFormatter(sample, dtype_name)
        body = _format_block(values, formatter, indent, summarize)
    suffixes = []
    # The shape is printed whenever the values do not show it: for empty
    # tensors other than tensor([]), and always when edgeitems is 0.
    if values.shape != (0,) and (values.size == 0 or _options["edgeitems"] == 0):
        suffixes.append(f"size={tuple(values.shape)}")
    inferred_dtypes = (default_float,) + (() if values.size == 0 else _INFERRED_DTYPES)
    if dtype_name not in inferred_dtypes:
        suffixes.append(f"dtype=cgrad.{dtype_name}")
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _append_suffixes(_PREFIX + body, suffixes, indent) + ")"


def _summarized(values):
    """Keep only the edge items of every long dimension: the part that gets printed."""
    edge = _options["edgeitems"]
    for axis, size in enumerate(values.shape):
        if size > 2 * edge:
            kept = np.r_[0:edge, size - edge:size]
            values = np.take(values, kept, axis=axis)
    return values


class _ElementFormatter:
    """Chooses one notation and one column width for every element of a tensor."""

    def __init__(self, sample, dtype_name):
        self.is_float = dtype_name in ("float32", "float64", "float16", "bfloat16")
        self.int_mode = True
        self.sci_mode = False
        if not self.is_float:
            self.width = max(len(self._format_plain(v)) for v in sample.reshape(-1).tolist())
            return
        # Only nonzero finite values decide the notation and the width, so nan,
        # inf and zeros never widen the columns.
        self.width = 1
        flat = sample.reshape(-1)
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if nonzero_finite.size == 0:
            return
        magnitudes = np.abs(nonzero_finite)
        # Python floats: the ratio may overflow to inf, which numpy would warn about.
        largest, smallest = float(magnitudes.max()), float(magnitudes.min())
        wide_range = largest / smallest > 1000.0 or largest > 1e8
        if np.all(nonzero_finite == np.ceil(nonzero_finite)):
            self.sci_mode = bool(wide_range)
        else:
            self.int_mode = False
            self.sci_mode = bool(wide_range or smallest < 1e-4)
        if _options["sci_mode"] is not None:
            self.sci_mode = _options["sci_mode"]
        self.width = max(len(self._format_plain(v)) for v in nonzero_finite.tolist())

    def _format_plain(self, value):
        if not self.is_float or not math.isfinite(value):
            return str(value)
        precision = _options["precision"]
        if self.sci_mode:
            return f"{value:.{precision}e}"
        if self.int_mode:
            return f"{value:.0f}."
        return f"{value:.{precision}f}"

    def format(self, value):
        return self._format_plain(value).rjust(self.width)


def _format_block(values, formatter, indent, summarize):
    """Format ``values`` whose opening bracket sits at column ``indent``."""
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        return _format_row(values, formatter, indent, summarize)
    edge = _options["edgeitems"]
    count = values.shape[0]
    if summarize and count > 2 * edge:
        indices = [*range(edge), None, *range(count - edge, count)]
    else:
        indices = range(count)
    blocks = [_ELLIPSIS if i is None else _format_block(values[i], formatter, indent + 1, summarize)
              for i in indices]
    # Sub-blocks of higher dimensions are set apart by (ndim - 2) blank lines.
    separator = "," + "\n" * (values.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(blocks) + "]"


def _format_row(values, formatter, indent, summarize):
    edge = _options["edgeitems"]
    if summarize and values.shape[0] > 2 * edge:
        # The ellipsis takes the place of one element when wrapping lines.
        cells = ([formatter.format(v) for v in values[:edge].tolist()] + [" " + _ELLIPSIS]
                 + [formatter.format(v) for v in values[-edge:].tolist()])
    else:
        cells = [formatter.format(v) for v in values.tolist()]
    per_line = max(1, math.floor((_options["linewidth"] - indent) / (formatter.width + 2)))
    lines = [", ".join(cells[i:i + per_line]) for i in range(0, len(cells), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _append_suffixes(text, suffixes, indent):
    """Append ``, name=value`` suffixes, starting a new line where one would overflow."""
    linewidth = _options["linewidth"]
    # Mirror torch's bookkeeping so lines break where torch breaks them: it
    # starts two characters above the real length of the last line.
    line_length = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if line_length + len(suffix) + 2 > linewidth:
            text += ",\n" + " " * indent + suffix
            line_length = indent + len(suffix)
        else:
            text += ", " + suffix
            line_length += len(suffix) + 2
    return text
