"""A fuzz program as data: a list of steps, each one Python statement that runs the same
way against `torch` or `cgrad`. This file holds the step records, the interpreter that runs
a step against a library, and the renderer that writes a step as source.

# Note [Programs are data]:
# A program is a plain list of `Step`s whose arguments are constants, references to the
# values of earlier steps (`Ref`) and dtype names (`DType`). Nothing in a step refers to a
# library, so one program runs unchanged against torch and against cgrad, can be cut down
# step by step by the minimizer, and prints as a snippet that runs under `import torch`
# and under `import cgrad as torch` alike. A step is one statement of that snippet; the
# interpreter below and `render` must stay two readings of the same statement.
"""
import math
import operator
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple, Optional


class Ref(NamedTuple):
    """The value made by step `step`; `item` picks one tensor of a tuple result (split)."""
    step: int
    item: Optional[int] = None


class Zeros(NamedTuple):
    """The data of a tensor with no elements: nested lists cannot spell shape (2, 0, 3)."""
    shape: tuple


class DType(NamedTuple):
    """A dtype argument, by torch's attribute name ("float32", "int64", ...)."""
    name: str


# Step kinds (what `args` holds for each):
#   tensor  : (data, dtype name, requires_grad, layout) -> vK = torch.tensor(...)<layout>
#             data: nested lists of numbers, or Zeros(shape) for an empty tensor;
#             layout: [(method, args)] applied in order, "getitem" for an index
#   call    : target "torch" | "F" | "autograd" | Ref (a method call), name, args, kwargs
#   binop   : (a, b) with `name` an operator symbol ("+", "@", "<=", ...)
#   unop    : (a,) with `name` "-" or "~"
#   iop     : (target Ref, b) with `name` an augmented symbol ("+=", ...); makes no value
#   getitem : (a, index)
#   attr    : (a,) with `name` a property ("mT", "T", "data")
#   setitem : (target Ref, index, value); makes no value
# A step whose `out` is False makes no new value (in-place calls, backward, setitem).
BINOPS = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow, "@": operator.matmul,
    "&": operator.and_, "|": operator.or_, "^": operator.xor, "==": operator.eq,
    "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
    ">=": operator.ge,
}
IOPS = {
    "+=": operator.iadd, "-=": operator.isub, "*=": operator.imul, "/=": operator.itruediv,
    "**=": operator.ipow, "//=": operator.ifloordiv, "%=": operator.imod,
    "&=": operator.iand, "|=": operator.ior, "^=": operator.ixor,
}
UNOPS = {"-": operator.neg, "~": operator.invert}


@dataclass(frozen=True)
class Step:
    kind: str
    name: str = ""
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    target: Any = None          # for "call": "torch" | "F" | "autograd" | Ref
    out: bool = True            # makes a new value v<index>
    no_grad: bool = False       # runs inside `with torch.no_grad():`
    tag: str = ""               # generator's note on what the step is for (see quirks)

    def refs(self):
        """Every Ref this step reads, in argument order."""
        found = []
        _collect_refs((self.target, self.args, tuple(self.kwargs.values())), found)
        return found

    def label(self):
        """A short name of the operation, used to group divergences ("add_", "F.softmax")."""
        if self.kind == "call":
            prefix = {"torch": "torch.", "F": "F.", "autograd": "autograd."}
            return prefix.get(self.target, ".") + self.name
        if self.kind in ("binop", "unop", "iop"):
            return self.name
        if self.kind == "attr":
            return "." + self.name
        if self.kind == "tensor":
            return "tensor" + ("".join("." + m for m, _ in self.args[3]))
        return self.kind


def _collect_refs(x, found):
    if isinstance(x, Ref):
        found.append(x)
    elif isinstance(x, (list, tuple)) and not isinstance(x, DType):
        for item in x:
            _collect_refs(item, found)
    elif isinstance(x, slice):
        _collect_refs((x.start, x.stop, x.step), found)


def renumber(step, mapping):
    """The step with every Ref's step index passed through `mapping` (old -> new)."""
    return map_refs(step, lambda ref: Ref(mapping[ref.step], ref.item))


def map_refs(step, fn):
    """The step with every Ref replaced by fn(Ref)."""
    if step.kind == "tensor":
        return step  # constants only

    def sub(x):
        if isinstance(x, Ref):
            return fn(x)
        if isinstance(x, (DType, Zeros)):
            return x
        if isinstance(x, list):
            return [sub(i) for i in x]
        if isinstance(x, tuple):
            return tuple(sub(i) for i in x)
        if isinstance(x, slice):
            return slice(sub(x.start), sub(x.stop), sub(x.step))
        return x
    return replace(step, target=sub(step.target), args=sub(step.args),
                   kwargs={k: sub(v) for k, v in step.kwargs.items()})


# ---- running a step ----

def value_at(values, ref):
    """The value `ref` names among the values of the steps run so far."""
    v = values[ref.step]
    return v if ref.item is None else v[ref.item]


def resolve(x, lib, values):
    if isinstance(x, Ref):
        v = values[x.step]
        return v if x.item is None else v[x.item]
    if isinstance(x, DType):
        return getattr(lib, x.name)
    if isinstance(x, list):
        return [resolve(i, lib, values) for i in x]
    if isinstance(x, tuple):
        return tuple(resolve(i, lib, values) for i in x)
    if isinstance(x, slice):
        return slice(resolve(x.start, lib, values), resolve(x.stop, lib, values),
                     resolve(x.step, lib, values))
    return x


def make_tensor(lib, data, dtype, requires_grad, layout):
    if isinstance(data, Zeros):
        t = lib.zeros(data.shape, dtype=getattr(lib, dtype))
    else:
        t = lib.tensor(data, dtype=getattr(lib, dtype))
    for method, args in layout:
        t = getattr(t, method)(*args) if method != "getitem" else t[args]
    if requires_grad:
        t.requires_grad_()
    return t


def execute(step, lib, values):
    """Runs one step against `lib` (torch or cgrad); returns its value (None if `out` is
    False). `values` holds the values of the earlier steps."""
    guard = lib.no_grad() if step.no_grad else nullcontext()
    with guard:
        return _run(step, lib, values)


def _run(step, lib, values):
    kind = step.kind
    if kind == "tensor":
        return make_tensor(lib, *step.args)
    args = resolve(step.args, lib, values)
    if kind == "call":
        kwargs = {k: resolve(v, lib, values) for k, v in step.kwargs.items()}
        if step.target == "torch":
            fn = getattr(lib, step.name)
        elif step.target == "F":
            fn = getattr(lib.nn.functional, step.name)
        elif step.target == "autograd":
            fn = getattr(lib.autograd, step.name)
        else:
            fn = getattr(resolve(step.target, lib, values), step.name)
        result = fn(*args, **kwargs)
        return result if step.out else None
    if kind == "binop":
        return BINOPS[step.name](*args)
    if kind == "unop":
        return UNOPS[step.name](*args)
    if kind == "getitem":
        return args[0][args[1]]
    if kind == "attr":
        return getattr(args[0], step.name)
    if kind == "setitem":
        args[0][args[1]] = args[2]
        return None
    if kind == "iop":
        # `v += b` rebinds v to what __iadd__ returns; in-place ops return v itself, and
        # the name must follow if a library ever returned a new tensor.
        ref = step.args[0]
        result = IOPS[step.name](args[0], args[1])
        if ref.item is None:
            values[ref.step] = result
        return None
    raise ValueError(f"unknown step kind {kind!r}")


# ---- writing a step as source ----

def fmt_number(x):
    if isinstance(x, bool) or isinstance(x, int):
        return repr(x)
    if isinstance(x, float):
        if math.isnan(x):
            return "float('nan')"
        if math.isinf(x):
            return "float('inf')" if x > 0 else "-float('inf')"
        return repr(x)
    raise TypeError(type(x))


def fmt(x, lib="torch"):
    """Source text of an argument."""
    if isinstance(x, Ref):
        return f"v{x.step}" if x.item is None else f"v{x.step}[{x.item}]"
    if isinstance(x, DType):
        return f"{lib}.{x.name}"
    if isinstance(x, (bool, int, float)):
        return fmt_number(x)
    if isinstance(x, str):
        return repr(x)
    if x is None:
        return "None"
    if x is Ellipsis:
        return "..."
    if isinstance(x, slice):
        return "slice(" + ", ".join(fmt(v) for v in (x.start, x.stop, x.step)) + ")"
    if isinstance(x, list):
        return "[" + ", ".join(fmt(i) for i in x) + "]"
    if isinstance(x, tuple):
        inner = ", ".join(fmt(i) for i in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    raise TypeError(f"cannot write {x!r}")


def fmt_index(index):
    """An index as written between brackets: slices as a:b:c, tuples without parentheses."""
    def one(i):
        if isinstance(i, slice):
            parts = ["" if v is None else fmt(v) for v in (i.start, i.stop, i.step)]
            text = ":".join(parts[:2]) + (":" + parts[2] if i.step is not None else "")
            return text
        return fmt(i)
    if isinstance(index, tuple) and not isinstance(index, (Ref, DType)):
        if len(index) == 0:
            return "()"
        # x[(a,)] is x[a] for every index but a list, which alone would read as a tuple
        comma = "," if len(index) == 1 and isinstance(index[0], list) else ""
        return ", ".join(one(i) for i in index) + comma
    return one(index)


def fmt_call_args(args, kwargs):
    parts = [fmt(a) for a in args] + [f"{k}={fmt(v)}" for k, v in kwargs.items()]
    return ", ".join(parts)


def render(step, index):
    """The statement(s) of step `index`, as source lines."""
    lhs = f"v{index} = " if step.out else ""
    kind = step.kind
    if kind == "tensor":
        data, dtype, requires_grad, layout = step.args
        if isinstance(data, Zeros):
            text = f"torch.zeros({fmt(tuple(data.shape))}, dtype=torch.{dtype})"
        else:
            text = f"torch.tensor({fmt_data(data)}, dtype=torch.{dtype})"
        for method, args in layout:
            if method == "getitem":
                text += f"[{fmt_index(args)}]"
            else:
                text += f".{method}({', '.join(fmt(a) for a in args)})"
        if requires_grad:
            text += ".requires_grad_()"
        line = lhs + text
    elif kind == "call":
        target = {"torch": "torch", "F": "F", "autograd": "torch.autograd"}.get(step.target)
        if target is None:
            target = fmt(step.target)
        line = f"{lhs}{target}.{step.name}({fmt_call_args(step.args, step.kwargs)})"
    elif kind == "binop":
        line = f"{lhs}{fmt(step.args[0])} {step.name} {fmt(step.args[1])}"
    elif kind == "unop":
        line = f"{lhs}{step.name}{fmt(step.args[0])}"
    elif kind == "iop":
        line = f"{fmt(step.args[0])} {step.name} {fmt(step.args[1])}"
    elif kind == "getitem":
        line = f"{lhs}{fmt(step.args[0])}[{fmt_index(step.args[1])}]"
    elif kind == "attr":
        line = f"{lhs}{fmt(step.args[0])}.{step.name}"
    elif kind == "setitem":
        line = f"{fmt(step.args[0])}[{fmt_index(step.args[1])}] = {fmt(step.args[2])}"
    else:
        raise ValueError(kind)
    if step.no_grad:
        return ["with torch.no_grad():", "    " + line]
    return [line]


def fmt_data(data):
    if isinstance(data, list):
        return "[" + ", ".join(fmt_data(d) for d in data) + "]"
    return fmt_number(data)
