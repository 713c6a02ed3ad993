"""Op rows: views (view/reshape, transposes, select/narrow/basic indexing, squeeze and
unsqueeze, expand, flatten, split/chunk/unbind, detach) and joins (cat, stack)."""
import math

from .gen import MAX_NUMEL
from .ops_math import any_tensor

HUGE = (2**31, 2**40, 2**62, 2**63 - 1)


def factor_shape(g, numel, bad_p=0.03):
    """A random shape with `numel` elements, -1 in one place at times; rarely a wrong one."""
    rng = g.rng
    if rng.random() < bad_p:
        return (numel + 1,) if numel else (2, 3)
    if numel == 0:
        shape = list(g.shape(rng.randint(1, 3), zero_p=0))
        shape[rng.randrange(len(shape))] = 0
        return tuple(shape)
    shape = []
    rest = numel
    while rest > 1 and len(shape) < 4:
        divisors = [d for d in range(2, rest + 1) if rest % d == 0]
        d = rng.choice(divisors)
        shape.append(d)
        rest //= d
    shape.append(rest)
    shape = [s for s in shape if s != 1 or rng.random() < 0.3]
    rng.shuffle(shape)
    if shape and rng.random() < 0.3:
        shape[rng.randrange(len(shape))] = -1
    return tuple(shape)


def sizes_args(g, ref, name, shape):
    """`t.view(2, 3)`, `t.view((2, 3))` or `torch.reshape(t, (2, 3))`."""
    if g.rng.random() < 0.5 and shape:
        return g.call(ref, name, *shape)
    if name == "reshape" and g.rng.random() < 0.5:
        return g.call("torch", "reshape", ref, shape)
    return g.call(ref, name, shape)


def basic_index(g, shape):
    """A basic index for a tensor of `shape`: ints, slices (with steps), None, Ellipsis."""
    rng = g.rng
    nd = len(shape)
    k = rng.randint(0, nd) if nd else 0
    ellipsis = rng.random() < 0.2
    dims = list(shape[nd - k:]) if ellipsis else list(shape[:k])
    parts = []
    for n in dims:
        if rng.random() < 0.1:
            parts.append(None)
        r = rng.random()
        if r < 0.35:
            if rng.random() < 0.03 or n == 0:
                parts.append(n + rng.randint(0, 1))   # out of range: IndexError
            else:
                parts.append(rng.randrange(-n, n))
        else:
            start = rng.choice((None, None, rng.randint(-n - 1, n + 1)))
            stop = rng.choice((None, rng.randint(-n - 1, n + 1)))
            step = rng.choice((None, None, 1, 2, 3))
            parts.append(slice(start, stop, step))
    if ellipsis:
        parts.insert(0, Ellipsis)
    if rng.random() < 0.1:
        parts.insert(rng.randint(0, len(parts)), None)
    if len(parts) == 1 and rng.random() < 0.6:
        return parts[0]
    return tuple(parts)


VIEW_OPS = {  # name: weight
    "view": 6, "reshape": 4, "transpose": 4, "t": 1, "T": 1, "mT": 2, "permute": 3,
    "movedim": 2, "select": 3, "narrow": 2, "getitem": 10, "unsqueeze": 3, "squeeze": 3,
    "expand": 3, "expand_as": 1, "flatten": 2, "unflatten": 1, "split": 3, "chunk": 2,
    "unbind": 2, "detach": 1, "contiguous": 2, "clone": 2, "data": 1, "diagonal": 2,
}
# Ops whose result always shares memory with their input.
ALWAYS_VIEWS = ("view", "transpose", "t", "mT", "permute", "movedim", "select", "narrow",
                "getitem", "unsqueeze", "squeeze", "expand", "split", "chunk", "unbind",
                "diagonal")


def gen_view(g, a=None, names=None):
    """Emits one view/shape op on `a` (a random tensor if None), chosen among `names`."""
    rng = g.rng
    a = a if a is not None else any_tensor(g)
    s = g.shape_of(a)
    nd = len(s)
    names = [n for n in (names or VIEW_OPS) if n not in g.lacks]
    name = rng.choices(names, [VIEW_OPS[n] for n in names])[0]
    if name in ("view", "reshape"):
        return sizes_args(g, a, name, factor_shape(g, math.prod(s)))
    if name == "transpose":
        return g.op(a, rng.choice(("transpose", "transpose", "swapaxes", "swapdims")),
                    g.dim(nd), g.dim(nd))
    if name == "t":
        return g.op(a, "t")
    if name in ("T", "mT", "data"):
        return g.attr(a, name)
    if name == "permute":
        perm = list(range(nd))
        rng.shuffle(perm)
        perm = [p - nd if rng.random() < 0.2 else p for p in perm]
        if rng.random() < 0.03:
            perm = perm[:-1] if perm else [0]
        if rng.random() < 0.5 and perm:
            return g.call(a, "permute", *perm)
        return g.op(a, "permute", tuple(perm))
    if name == "movedim":
        return g.op(a, rng.choice(("movedim", "moveaxis")), g.dim(nd), g.dim(nd))
    if name == "select":
        d = g.dim(nd)
        n = s[d] if -nd <= d < nd else 1
        return g.op(a, "select", d, rng.randint(-n, n) if n else 0)
    if name == "narrow":
        d = g.dim(nd)
        n = s[d] if -nd <= d < nd else 1
        start = rng.randint(-n, n) if rng.random() < 0.9 else n + 1
        length = rng.randint(0, max(0, n - (start % n if n and start < 0 else start)))
        return g.op(a, "narrow", d, start, length)
    if name == "getitem":
        return g.getitem(a, basic_index(g, s))
    if name == "unsqueeze":
        return g.op(a, "unsqueeze", g.dim(nd + 1))
    if name == "squeeze":
        r = rng.random()
        if r < 0.4 or nd == 0:
            return g.op(a, "squeeze")
        if r < 0.8:
            return g.op(a, "squeeze", g.dim(nd))
        return g.op(a, "squeeze", tuple(sorted({g.dim(nd, bad_p=0) for _ in range(2)})))
    if name == "expand":
        return gen_expand(g, a, s)
    if name == "expand_as":
        shape = expanded_shape(g, s)
        if math.prod(shape) > MAX_NUMEL:  # `other` holds data: keep it small
            shape = tuple(s)
        other = g.tensor(shape, requires_grad=False)
        return g.method(a, "expand_as", other)
    if name == "flatten":
        if rng.random() < 0.3:
            return g.op(a, "flatten")
        return g.op(a, "flatten", g.dim(nd), g.dim(nd))
    if name == "unflatten":
        d = g.dim(nd)
        n = s[d] if -nd <= d < nd else 4
        return g.op(a, "unflatten", d, factor_shape(g, n))
    if name == "split":
        d = g.dim(nd)
        n = s[d] if -nd <= d < nd else 2
        if rng.random() < 0.5:
            sizes = rng.randint(1, 3) if rng.random() > 0.03 else 0
        else:
            sizes = []
            while sum(sizes) < n:
                sizes.append(rng.randint(0, n - sum(sizes)))
            if rng.random() < 0.05 or not sizes:
                sizes.append(1)
        return g.op(a, "split", sizes, d)
    if name == "chunk":
        return g.op(a, "chunk", rng.randint(1, 4) if rng.random() > 0.03 else 0, g.dim(nd))
    if name == "unbind":
        return g.op(a, "unbind", g.dim(nd))
    if name == "diagonal":
        kwargs = {}
        if rng.random() < 0.5:
            kwargs["offset"] = rng.randint(-2, 2)
        if nd >= 2 and rng.random() < 0.5:
            kwargs["dim1"], kwargs["dim2"] = g.dim(nd), g.dim(nd)
        return g.op(a, "diagonal", **kwargs)
    return g.op(a, name, forms=("method",))  # detach, contiguous, clone


def expanded_shape(g, s):
    """A shape `s` expands to: its 1-dims grown, new leading dims."""
    lead = g.shape(g.rng.choice((0, 0, 1, 2)))
    return lead + tuple(g.size() if n == 1 else n for n in s)


def gen_expand(g, a, s):
    rng = g.rng
    target = list(expanded_shape(g, s))
    lead = len(target) - len(s)
    for i in range(lead, len(target)):
        if rng.random() < 0.3:
            target[i] = -1
    if rng.random() < 0.04 and target:
        target[0] = rng.choice(HUGE)
        if lead == 0:
            target.insert(0, rng.choice(HUGE))
    if rng.random() < 0.02:
        target = target[1:]  # fewer dims than the tensor: RuntimeError
    if rng.random() < 0.15:
        return g.op(a, "broadcast_to", tuple(target))
    if rng.random() < 0.5:
        return g.call(a, "expand", *target)
    return g.call(a, "expand", tuple(target))


def gen_join(g):
    rng = g.rng
    a = any_tensor(g)
    s = g.shape_of(a)
    nd = len(s)
    stack = rng.random() < 0.35
    d = g.dim(nd + 1) if stack else g.dim(nd)
    parts = [a]
    for _ in range(rng.randint(0, 2)):
        shape = list(s)
        if not stack and shape and -nd <= d < nd:
            shape[d] = g.size()
        if rng.random() < 0.04 and shape:
            shape[rng.randrange(len(shape))] += 1
        if rng.random() < 0.05:
            shape = [0]  # cat skips 1-d empty tensors
        dtype = g.dtype_name_of(a) if rng.random() < 0.8 else g.dtype()
        ref = None
        if rng.random() < 0.3:
            ref = g.pick(lambda u, shape=shape: tuple(u.shape) == tuple(shape))
        parts.append(ref if ref is not None else g.tensor(tuple(shape), dtype))
    rng.shuffle(parts)
    seq = parts if rng.random() < 0.7 else tuple(parts)
    name = "stack" if stack else rng.choice(("cat", "cat", "concat"))
    if rng.random() < 0.3:
        return g.call("torch", name, seq, d)
    return g.call("torch", name, seq, dim=d)


ROWS = [
    ("view", 22, gen_view),
    ("join", 4, gen_join),
]
