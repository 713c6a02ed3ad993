"""The generator's context: what op rows use to look at the values made so far, to make
random shapes, data and scalars, and to emit steps.

# Note [Generate against torch]:
# Rows choose their arguments by looking at real torch values: each emitted step runs in
# torch at once, so a row knows the shape, dtype and autograd state of every earlier
# value without a shape-inference model of every op. Generation therefore depends only
# on (seed, index) and torch, never on cgrad. The program is then replayed from scratch
# in both libraries for the comparison (check.py), so whatever generation did to its own
# torch values (a step that raised and was dropped may have written half its output) never
# leaks into what is compared.
"""
import math
from dataclasses import replace

import torch

from .program import DType, Ref, Step, Zeros, execute, resolve

FLOAT_DTYPES = ("float32", "float64")
INT_DTYPES = ("int64", "int32")
ALL_DTYPES = FLOAT_DTYPES + INT_DTYPES + ("bool",)

# Tensors bigger than this are never fed to later steps (huge expands are views only).
MAX_NUMEL = 4096
SPECIAL_FLOATS = (0.0, -0.0, float("inf"), -float("inf"), float("nan"), 1e30, -1e-30, 88.0)
BIG_INTS = (2**60 + 1, -(2**60) - 3, 2**62, 2**63 - 1, -(2**63))


def nested(shape, draw):
    """Nested lists of `shape` filled by draw(position), or Zeros(shape) when empty."""
    shape = tuple(shape)
    if 0 in shape:
        return Zeros(shape)
    if max(shape, default=0) > MAX_NUMEL or math.prod(shape) > 16 * MAX_NUMEL:
        raise ValueError(f"will not generate data of shape {shape}")  # a generator bug

    def build(prefix):
        if len(prefix) == len(shape):
            return draw(prefix)
        return [build(prefix + (i,)) for i in range(shape[len(prefix)])]
    return build(())


def usable(t):
    """Small enough to feed to later steps (a huge expand is a view only)."""
    return t.numel() <= MAX_NUMEL and max(t.shape, default=0) <= MAX_NUMEL


def dtype_name(t):
    return str(t.dtype).split(".")[-1]


def is_float(t):
    return t.dtype in (torch.float32, torch.float64)


def holds(pred, t):
    """pred(t), False where torch raises: reading is_leaf or grad_fn of a view whose base
    was written after a multi-output op (split, unbind) raises."""
    try:
        return bool(pred(t))
    except RuntimeError:
        return False


class StepFailed(Exception):
    """A step raised in torch while being generated."""

    def __init__(self, error):
        super().__init__(repr(error))
        self.error = error


class Gen:
    def __init__(self, rng, lacks=frozenset()):
        self.rng = rng
        self.lacks = lacks       # op names the library under test lacks (generate.py)
        self.no_grad = False     # emit the next steps inside `with torch.no_grad():`
        self.steps = []
        self.values = []   # torch values of the steps, aligned with self.steps

    # ---- emitting ----

    def emit(self, step):
        """Appends `step`, runs it in torch; returns a Ref to its value (None if it makes
        none). Raises StepFailed when torch raises."""
        if self.no_grad and not step.no_grad:
            step = replace(step, no_grad=True)
        self.steps.append(step)
        self.values.append(None)
        try:
            value = execute(step, torch, self.values)
        except Exception as e:  # noqa: BLE001 - any torch error is a generation outcome
            raise StepFailed(e) from None
        self.values[-1] = value
        return Ref(len(self.steps) - 1) if step.out else None

    def truncate(self, n):
        del self.steps[n:]
        del self.values[n:]

    def call(self, target, name, *args, out=True, no_grad=False, tag="", **kwargs):
        return self.emit(Step("call", name, tuple(args), kwargs, target=target, out=out,
                              no_grad=no_grad, tag=tag))

    def method(self, ref, name, *args, **kwargs):
        return self.call(ref, name, *args, **kwargs)

    def op(self, ref, name, *args, forms=("method", "torch"), **kwargs):
        """`ref.name(...)` or `torch.name(ref, ...)`, whichever form the dice pick."""
        form = self.rng.choice(forms)
        if form == "torch":
            return self.call("torch", name, ref, *args, **kwargs)
        if form == "F":
            return self.call("F", name, ref, *args, **kwargs)
        return self.call(ref, name, *args, **kwargs)

    def binop(self, symbol, a, b, **kw):
        return self.emit(Step("binop", symbol, (a, b), **kw))

    def emit_unop(self, symbol, a):
        return self.emit(Step("unop", symbol, (a,)))

    def attr(self, ref, name):
        return self.emit(Step("attr", name, (ref,)))

    def getitem(self, ref, index, **kw):
        return self.emit(Step("getitem", args=(ref, index), **kw))

    # ---- looking at values ----

    def resolve(self, x):
        """An argument with its Refs replaced by torch values."""
        return resolve(x, torch, self.values)

    def val(self, ref):
        v = self.values[ref.step]
        return v if ref.item is None else v[ref.item]

    def dtype_name_of(self, ref):
        return dtype_name(self.val(ref))

    def shape_of(self, ref):
        return tuple(self.val(ref).shape)

    def tensors(self, pred=None):
        """Refs to every usable tensor made so far (tuple results give one Ref each)."""
        found = []
        for i, (step, v) in enumerate(zip(self.steps, self.values)):
            if not step.out or v is None:
                continue
            if isinstance(v, torch.Tensor):
                items = [(Ref(i), v)]
            elif isinstance(v, (tuple, list)):
                items = [(Ref(i, k), t) for k, t in enumerate(v) if isinstance(t, torch.Tensor)]
            else:
                continue
            for ref, t in items:
                if usable(t) and (pred is None or holds(pred, t)):
                    found.append(ref)
        return found

    def pick(self, pred=None, weight=None):
        """A random usable tensor, recent ones likelier; None if there is none."""
        refs = self.tensors(pred)
        if not refs:
            return None
        n = len(self.steps)
        weights = [(3.0 if r.step >= n - 3 else 1.0) * (weight(self.val(r)) if weight else 1.0)
                   for r in refs]  # `weight` must not raise: see holds()
        return self.rng.choices(refs, weights)[0]

    # ---- making shapes, data, scalars ----

    def size(self, zero_p=0.05, one_p=0.2, high=5):
        r = self.rng.random()
        if r < zero_p:
            return 0
        if r < zero_p + one_p:
            return 1
        return self.rng.randint(2, high)

    def shape(self, ndim=None, **kw):
        if ndim is None:
            ndim = self.rng.choices((0, 1, 2, 3, 4), (10, 25, 35, 20, 10))[0]
        return tuple(self.size(**kw) for _ in range(ndim))

    def dtype(self, float_only=False):
        if float_only:
            return self.rng.choices(FLOAT_DTYPES, (85, 15))[0]
        return self.rng.choices(ALL_DTYPES, (70, 10, 10, 5, 5))[0]

    def dim(self, ndim, bad_p=0.03):
        """A dim of a tensor with `ndim` dims, often negative; rarely out of range."""
        if self.rng.random() < bad_p:
            return self.rng.choice((ndim, -ndim - 1, 5))
        span = max(ndim, 1)
        d = self.rng.randrange(span)
        return d - span if self.rng.random() < 0.4 else d

    def broadcast_shape(self, shape, bad_p=0.04, grow=True):
        """A shape that broadcasts against `shape` (rarely one that does not); with
        grow=False one that broadcasts *to* `shape` (for in-place operands). () where the
        shape's data, doubled by a strided layout, would be more than a generated tensor
        may hold (a chain of broadcasts grows shapes)."""
        out = self._broadcast_shape(shape, bad_p, grow)
        return out if math.prod(out) <= 8 * MAX_NUMEL and max(out, default=0) <= MAX_NUMEL // 2 else ()

    def _broadcast_shape(self, shape, bad_p, grow):
        rng = self.rng
        shape = list(shape)
        r = rng.random()
        if r < bad_p and shape and any(s > 1 for s in shape):
            i = rng.choice([i for i, s in enumerate(shape) if s > 1])
            shape[i] += 1
            return tuple(shape)
        if r < 0.3:
            return tuple(shape)
        if r < 0.45:
            return ()
        if r < 0.7:  # drop leading dims
            return tuple(shape[rng.randint(0, len(shape)):])
        if r < 0.9 or not grow:  # some dims become 1
            return tuple(1 if rng.random() < 0.5 else s for s in shape)
        return tuple(self.size() for _ in range(rng.randint(1, 2))) + tuple(shape)

    def number(self, kind="normal", dtype="float32"):
        rng = self.rng
        if dtype == "bool":
            return rng.random() < 0.5
        if dtype in INT_DTYPES:
            if kind == "normal" and dtype == "int64" and rng.random() < 0.02:
                return rng.choice(BIG_INTS[:2])
            return rng.randint(-4, 5) if kind != "positive" else rng.randint(1, 5)
        if kind == "positive":
            return round(rng.uniform(0.1, 3.0), 2)
        if kind == "prob":
            return round(rng.uniform(0.01, 0.99), 2)
        return round(rng.uniform(-3.0, 3.0), 2)

    def data(self, shape, dtype, kind="normal"):
        """Data for torch.tensor(data, dtype=...): nested lists, or Zeros when empty."""
        rng = self.rng
        if dtype in FLOAT_DTYPES and kind == "plain":  # no specials, few ties
            return nested(shape, lambda _: round(rng.uniform(-3.0, 3.0), 2))
        if dtype in FLOAT_DTYPES and kind == "normal":
            style = rng.random()
            if style < 0.2:  # whole numbers: ties for max/sort, exact zeros for relu/abs
                return nested(shape, lambda _: float(rng.randint(-2, 2)))
            if style < 0.24:  # a few inf/nan/huge/tiny among ordinary values
                return nested(shape, lambda _: rng.choice(SPECIAL_FLOATS)
                              if rng.random() < 0.3 else round(rng.uniform(-3, 3), 2))
            return nested(shape, lambda _: round(rng.uniform(-3.0, 3.0), 2))
        return nested(shape, lambda _: self.number(kind, dtype))

    def scalar(self, like=None):
        """A Python scalar operand: int, float or bool, rarely a special value."""
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            return rng.choice(BIG_INTS + (2**64,))
        if r < 0.06:
            return rng.choice((float("inf"), -float("inf"), float("nan"), 0.0, -0.0))
        if r < 0.1:
            return rng.random() < 0.5
        if r < 0.5 or (like is not None and not is_float(like) and r < 0.75):
            return rng.randint(-3, 3)
        return round(rng.uniform(-3.0, 3.0), 2)

    def layout(self, shape):
        """A recipe that gives a tensor of `shape` non-contiguous strides or an offset:
        (shape of the data to create, [(method, args), ...]). Contiguous most of the time."""
        rng = self.rng
        r = rng.random()
        shape = tuple(shape)
        nd = len(shape)
        if r < 0.7 or nd == 0:
            return shape, []
        if r < 0.82 and nd >= 2:
            a, b = sorted(rng.sample(range(nd), 2))
            data_shape = list(shape)
            data_shape[a], data_shape[b] = shape[b], shape[a]
            if nd == 2 and rng.random() < 0.5:
                return tuple(data_shape), [("t", ())]
            return tuple(data_shape), [("transpose", (a, b))]
        if r < 0.92:
            d = rng.randrange(nd)
            data_shape = list(shape)
            data_shape[d] = 2 * shape[d]
            index = (slice(None),) * d + (slice(None, None, 2),)
            return tuple(data_shape), [("getitem", index)]
        if r < 0.96 and any(s > 1 for s in shape):
            d = rng.choice([i for i, s in enumerate(shape) if s > 1])
            data_shape = list(shape)
            data_shape[d] = 1
            return tuple(data_shape), [("expand", shape)]
        data_shape = (shape[0] + 1,) + shape[1:]
        return data_shape, [("getitem", (slice(1, None),))]

    def tensor(self, shape=None, dtype=None, requires_grad=None, kind="normal",
               contiguous=False):
        """Emits a new leaf tensor; unspecified properties are random."""
        if shape is None:
            shape = self.shape()
        if dtype is None:
            dtype = self.dtype()
        if requires_grad is None:
            requires_grad = dtype in FLOAT_DTYPES and self.rng.random() < 0.7
        data_shape, layout = (tuple(shape), []) if contiguous else self.layout(shape)
        data = self.data(data_shape, dtype, kind)
        return self.emit(Step("tensor", args=(data, dtype, bool(requires_grad), layout)))

    def emit_data(self, data, dtype, requires_grad=False):
        """Emits a contiguous tensor of the given nested-list data."""
        return self.emit(Step("tensor", args=(data, dtype, requires_grad, [])))

    def index_tensor(self, shape, high, low=0, bad_p=0.02):
        """An int64 index tensor with values in [low, high), rarely one out of range."""
        rng = self.rng

        def draw(_):
            if rng.random() < bad_p or high <= low:
                return high + rng.randint(0, 2)
            return rng.randrange(low, high)
        return self.emit_data(nested(shape, draw), "int64")

    def dtype_arg(self, float_only=True):
        return DType(self.dtype(float_only=float_only))
