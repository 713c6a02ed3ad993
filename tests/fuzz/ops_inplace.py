"""Op rows: in-place writes (`add_`, `+=`, setitem, `copy_`, `fill_`, `zero_`, `clamp_`,
unary `exp_`..., `masked_fill_`, `index_add_`, `scatter_`) on leaves, outputs, views of
outputs and views of views; and the scenario of writing a base after views were taken.

# Note [Aim writes at view families]:
# Most autograd bugs around in-place ops show up only when the written tensor is a view,
# or has views that are used afterwards (the views' grad_fn must be rebuilt, CopySlices
# must route the gradient). Targets are therefore weighted towards views and bases of
# views, and away from leaves that require grad (a write there just raises). The
# `view_then_write` row builds the pattern on purpose: a non-leaf base, one or two views
# of it (some made under no_grad, some tuple outputs of split/unbind), a write to the
# base or one of the views, then a use of another one.
"""
import torch

from .gen import holds, usable
from .ops_index import adv_index, unique_along
from .ops_autograd import weights_for
from .ops_math import operand
from .ops_shape import ALWAYS_VIEWS, basic_index, gen_view
from .program import Ref, Step

UNARY_INPLACE = (
    "exp_ sigmoid_ relu_ neg_ abs_ sqrt_ tanh_ sin_ cos_ log_ floor_ round_ sign_ trunc_ "
    "reciprocal_ zero_ ceil_ frac_ expm1_ log1p_ rsqrt_"
).split()
BINARY_INPLACE = (
    "add_ sub_ mul_ div_ pow_ fmod_ remainder_ floor_divide_ atan2_ clamp_min_ clamp_max_"
).split()
IOPS = ("+=", "-=", "*=", "/=", "**=", "//=", "%=")
IOP_WEIGHTS = (5, 3, 5, 3, 1, 1, 1)


def family_weight(g):
    """Pick weights for write targets, Note [Aim writes at view families]."""
    values = [g.val(r) for r in g.tensors()]
    bases = {id(v._base) for v in values if v._base is not None}

    def weight(t):
        w = 1.0
        if t._base is not None:
            w *= 3
        if id(t) in bases:
            w *= 3
        if holds(lambda u: u.is_leaf and u.requires_grad, t):
            w *= 0.25
        return w
    return weight


def write(g, target):
    """Emits one random in-place write to the tensor at `target`."""
    rng = g.rng
    t = g.val(target)
    dtype = g.dtype_name_of(target)
    r = rng.random()
    if r < 0.2:
        name = rng.choice(UNARY_INPLACE)
        return g.call(target, name, out=False)
    if r < 0.45:
        name = rng.choice(BINARY_INPLACE)
        kwargs = {"alpha": rng.choice((2, -1))} if name in ("add_", "sub_") and \
            rng.random() < 0.15 else {}
        return g.call(target, name, operand(g, target, into=True), out=False, **kwargs)
    if r < 0.6 and target.item is None:
        symbol = rng.choices(IOPS, IOP_WEIGHTS)[0]
        return g.emit(Step("iop", symbol, (target, operand(g, target, into=True)), out=False))
    if r < 0.75:
        return setitem(g, target)
    if r < 0.83:
        src_shape = g.broadcast_shape(t.shape, grow=False)
        src = g.tensor(src_shape, dtype if rng.random() < 0.6 else g.dtype())
        return g.call(target, "copy_", src, out=False)
    if r < 0.88:
        value = g.scalar(like=t) if rng.random() < 0.7 else g.tensor((), g.dtype())
        return g.call(target, "fill_", value, out=False)
    if r < 0.92:
        kwargs = {"min": g.number()} if rng.random() < 0.7 else {}
        if rng.random() < 0.5 or not kwargs:
            kwargs["max"] = g.number()
        return g.call(target, rng.choice(("clamp_", "clip_")), out=False, **kwargs)
    if r < 0.95:
        mask = g.tensor(g.broadcast_shape(t.shape, grow=False), "bool")
        return g.call(target, "masked_fill_", mask, g.scalar(like=t), out=False)
    if r < 0.97:
        kwargs = {"dtype": g.dtype_arg()} if rng.random() < 0.1 else {}
        return g.call(target, rng.choice(("cumsum_", "cumprod_")), g.dim(t.dim()), out=False,
                      **kwargs)
    return scatter_like(g, target, t, dtype)


def scatter_like(g, target, t, dtype):
    """index_add_ / scatter_ / scatter_add_ into `target`."""
    rng = g.rng
    s = tuple(t.shape)
    nd = len(s)
    d = g.dim(nd)
    dd = d % nd if nd and -nd <= d < nd else 0
    n = s[dd] if nd else 1
    name = rng.choice(("index_add_", "scatter_", "scatter_add_"))
    if name == "index_add_":
        k = rng.randint(0, 3)
        idx = g.index_tensor((k,), n)
        src_shape = list(s)
        if nd:
            src_shape[dd] = k
        return g.call(target, name, d, idx, g.tensor(tuple(src_shape), dtype), out=False)
    index_shape = tuple(rng.randint(0, x) for x in s)
    if name == "scatter_":
        data = unique_along(g, index_shape, dd, n) if nd else rng.randrange(max(n, 1))
        idx = g.emit_data(data, "int64")
        if rng.random() < 0.3:
            return g.call(target, name, d, idx, value=g.number(dtype=dtype), out=False)
    else:
        idx = g.index_tensor(index_shape, n)
    return g.call(target, name, d, idx, g.tensor(index_shape, dtype), out=False)


def setitem(g, target):
    """`target[index] = value`: basic or advanced index; a scalar or a tensor value."""
    rng = g.rng
    t = g.val(target)
    if rng.random() < 0.5:
        index = basic_index(g, tuple(t.shape))
        distinct = True
    else:
        index = adv_index(g, target, distinct=True)
        distinct = not isinstance(index, Ref) or g.val(index).dtype == torch.bool
    try:
        sub_shape = tuple(t[g.resolve(index)].shape)
    except Exception:  # noqa: BLE001 - the write will raise as well; any value will do
        sub_shape = None
    if sub_shape is None or rng.random() < 0.35 or not distinct:
        value = g.scalar(like=t)
    else:
        r = rng.random()
        dtype = g.dtype_name_of(target) if r < 0.7 else ("float32" if r < 0.9 else g.dtype())
        value = g.tensor(g.broadcast_shape(sub_shape, grow=False), dtype)
    return g.emit(Step("setitem", args=(target, index, value), out=False))


def gen_inplace(g):
    target = g.pick(weight=family_weight(g)) or g.tensor()
    if g.rng.random() < 0.12:
        g.no_grad = True
    return write(g, target)


def one_tensor(g, ref):
    """The tensor at `ref`, or one item of it when it is a tuple (split, unbind); None
    when there is none or it is too big to use (a huge expand)."""
    v = g.val(ref)
    if isinstance(v, (tuple, list)):
        if not v:
            return None
        ref = Ref(ref.step, g.rng.randrange(len(v)))
    return ref if usable(g.val(ref)) else None


def gen_view_then_write(g):
    """Note [Aim writes at view families]."""
    rng = g.rng
    base = g.pick(lambda t: t.requires_grad and not t.is_leaf)
    if base is None or rng.random() < 0.3:
        leaf = g.pick(lambda t: t.is_leaf and t.requires_grad) or g.tensor(dtype="float32")
        base = g.binop("*", leaf, 1) if rng.random() < 0.6 else g.method(leaf, "clone")
    under_no_grad = rng.random() < 0.15
    g.no_grad = under_no_grad
    v = one_tensor(g, gen_view(g, base, ALWAYS_VIEWS))
    g.no_grad = False
    if v is None:
        return None
    views = [v]
    if rng.random() < 0.4:
        v2 = one_tensor(g, gen_view(g, v, ALWAYS_VIEWS))
        if v2 is not None:
            views.append(v2)
    if rng.random() < 0.3:
        sibling = one_tensor(g, gen_view(g, base, ALWAYS_VIEWS))
        if sibling is not None:
            views.append(sibling)
    write(g, rng.choice([base] + views))
    use = rng.choice(views + [base])
    return g.binop("*", use, weights_for(g, use))


ROWS = [
    ("inplace", 12, gen_inplace),
    ("view_then_write", 8, gen_view_then_write),
]

