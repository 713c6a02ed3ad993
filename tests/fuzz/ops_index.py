"""Op rows: advanced indexing (index tensors, lists, masks), gather/scatter, index_select,
index_add, nonzero; and the index helpers the in-place rows share.

# Note [No duplicate indices where torch is nondeterministic]:
# Writing different values to one position twice (scatter_, index_put_/setitem with a
# repeated index and a tensor value) leaves an unspecified winner in torch, so those
# writes get distinct indices. Accumulating forms (scatter_add, index_add) and reads
# (gather, index_select, getitem) get repeats freely.
"""
from .gen import nested
from .ops_math import any_tensor


def distinct_indices(g, n, k):
    """k distinct indices into a dim of size n (k <= n), some written negative."""
    picks = g.rng.sample(range(n), k)
    return [p - n if g.rng.random() < 0.2 else p for p in picks]


def unique_along(g, index_shape, dim, n):
    """Data of `index_shape`: along `dim`, each line holds distinct values < n."""
    lines = {}

    def draw(pos):
        key = pos[:dim] + pos[dim + 1:]
        if key not in lines:
            lines[key] = g.rng.sample(range(n), index_shape[dim])
        return lines[key][pos[dim]]
    return nested(index_shape, draw)


def adv_index(g, ref, distinct=False):
    """An advanced index for the tensor at `ref`: a mask, an index tensor, a list of ints,
    or one of them combined with slices/ints/None/Ellipsis. `distinct`: no position is
    picked twice (for writes, Note [No duplicate indices ...])."""
    rng = g.rng
    t = g.val(ref)
    s = tuple(t.shape)
    nd = len(s)
    r = rng.random()
    if r < 0.25 or nd == 0:  # a boolean mask over the leading dims
        k = rng.randint(1, nd) if nd else 0
        if rng.random() < 0.4 and k == nd:
            return g.binop(rng.choice((">", "<")), ref, g.number())
        return g.tensor(s[:k], "bool")
    d = rng.randrange(nd)
    n = s[d]
    if distinct:
        k = rng.randint(0, n)
        idx = distinct_indices(g, n, k)
        if n and rng.random() < 0.03:
            idx = [n]  # out of range: IndexError
        idx_arg = idx if rng.random() < 0.4 else g.emit_data(idx, "int64")
    else:
        shape = g.shape(rng.choice((0, 1, 1, 2)), zero_p=0.05)
        idx_arg = g.index_tensor(shape, n, low=-n) if n else g.index_tensor(shape, 1)
        if rng.random() < 0.3 and len(shape) == 1:
            idx_arg = [rng.randrange(-n, n) if n else 0 for _ in range(shape[0])]
    parts = [slice(None)] * d + [idx_arg]
    if not distinct and rng.random() < 0.3 and d + 1 < nd:  # a second index: broadcast
        second = g.index_tensor(g.shape(rng.randint(0, 1), zero_p=0), s[d + 1] or 1)
        parts.append(second)
    elif rng.random() < 0.3 and d + 1 < nd:
        parts.append(rng.randrange(s[d + 1]) if s[d + 1] else slice(None))
    if d > 0 and rng.random() < 0.3:
        parts[0] = Ellipsis if d == 1 else parts[0]
    if rng.random() < 0.1:
        parts.insert(0, None)
    return parts[0] if len(parts) == 1 else tuple(parts)


def gen_getitem_adv(g):
    a = any_tensor(g)
    return g.getitem(a, adv_index(g, a))


def gen_gather_family(g):
    rng = g.rng
    a = any_tensor(g)
    s = g.shape_of(a)
    nd = len(s)
    name = rng.choice(("gather", "index_select", "scatter", "scatter_add", "index_add",
                       "nonzero"))
    if name == "nonzero":
        return g.op(a, "nonzero")
    d = g.dim(nd)
    dd = d % nd if nd and -nd <= d < nd else 0
    n = s[dd] if nd else 1
    if name == "index_select":
        k = rng.randint(0, 4)
        idx = g.index_tensor((k,) if rng.random() < 0.9 else (), n)
        return g.op(a, "index_select", d, idx)
    if name == "index_add":
        k = rng.randint(0, 4)
        idx = g.index_tensor((k,), n)
        src_shape = list(s) or [1]
        src_shape[dd] = k
        src = g.tensor(tuple(src_shape[:nd] if nd else ()), g.dtype_name_of(a))
        kwargs = {"alpha": rng.choice((2, -1))} if rng.random() < 0.2 else {}
        return g.op(a, "index_add", d, idx, src, **kwargs)
    # gather / scatter: an index no larger than the input in every dim but `d`
    index_shape = tuple(rng.randint(0, x) for x in s)
    if name == "gather":
        if index_shape:
            index_shape = index_shape[:dd] + (rng.randint(0, 4),) + index_shape[dd + 1:]
        idx = g.index_tensor(index_shape, n)
        return g.op(a, "gather", d, idx)
    if name == "scatter":
        if index_shape and index_shape[dd] > n:
            index_shape = index_shape[:dd] + (n,) + index_shape[dd + 1:]
        data = unique_along(g, index_shape, dd, n) if index_shape else rng.randrange(max(n, 1))
        idx = g.emit_data(data, "int64")
    else:
        idx = g.index_tensor(index_shape, n)
    if name == "scatter" and rng.random() < 0.3:
        return g.op(a, "scatter", d, idx, value=g.number(dtype=g.dtype_name_of(a)))
    src = g.tensor(index_shape, g.dtype_name_of(a))
    return g.op(a, name, d, idx, src)


ROWS = [
    ("getitem_adv", 5, gen_getitem_adv),
    ("gather_family", 5, gen_gather_family),
]
