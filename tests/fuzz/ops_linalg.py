"""Op rows: the matmul family (mm, bmm, matmul/@, mv, dot, outer, einsum, addmm, addmv,
addr, baddbmm, addbmm, linear)."""

EINSUM = (
    "ij,jk->ik", "ij->ji", "ii->i", "ii->", "bij,bjk->bik", "i,i->", "i,j->ij", "ij->",
    "ij,ij->ij", "...ij->...ji", "ij,kj->ik", "ijk->kji", "ij,j->i", "bi,bi->b",
)


def operand_of(g, shape, dtype, wrong_p=0.03):
    """A new operand of `shape`; rarely one inner size off, or another dtype."""
    rng = g.rng
    shape = list(shape)
    if shape and rng.random() < wrong_p:
        shape[rng.randrange(len(shape))] += 1
    if rng.random() < 0.05:
        dtype = g.dtype()
    return g.tensor(tuple(shape), dtype)


def matrix(g, ndim):
    """An existing tensor with `ndim` dims (float or not), else a new one."""
    ref = g.pick(lambda t: t.dim() == ndim)
    if ref is None or g.rng.random() < 0.2:
        ref = g.tensor(g.shape(ndim), g.dtype(float_only=True))
    return ref


def gen_matmul(g):
    rng = g.rng
    name = rng.choices(
        ("mm", "bmm", "matmul", "@", "mv", "dot", "outer", "einsum", "addmm", "linear",
         "addmv", "addr", "baddbmm", "addbmm"),
        (3, 2, 4, 4, 2, 2, 1, 4, 2, 3, 1, 1, 2, 1))[0]
    if name == "einsum":
        return gen_einsum(g)
    if name in ("mm", "addmm", "mv", "addmv"):
        a = matrix(g, 2)
    elif name in ("bmm", "baddbmm", "addbmm"):
        a = matrix(g, 3)
    elif name in ("dot", "outer", "addr"):
        a = matrix(g, 1)
    else:
        a = matrix(g, rng.choice((1, 2, 2, 3, 4)))
    t = g.val(a)
    dtype = g.dtype_name_of(a)
    s = tuple(t.shape)
    if name == "mm":
        return g.op(a, "mm", operand_of(g, (s[1], g.size()), dtype))
    if name == "addmm":
        b = operand_of(g, (s[1], g.size()), dtype)
        n_m = (s[0], g.val(b).shape[1])
        bias = g.tensor(g.broadcast_shape(n_m), dtype)
        kwargs = {}
        if rng.random() < 0.4:
            kwargs = {"beta": rng.choice((0, 1, 0.5)), "alpha": rng.choice((1, 2, -1))}
        return g.op(bias, "addmm", a, b, **kwargs)
    if name == "bmm":
        return g.op(a, "bmm", operand_of(g, (s[0], s[2], g.size()), dtype))
    if name in ("addmv", "addr", "baddbmm", "addbmm"):
        return added_product(g, name, a, s, dtype)
    if name == "mv":
        return g.op(a, "mv", operand_of(g, (s[1],), dtype))
    if name == "dot":
        return g.op(a, "dot", operand_of(g, s, dtype))
    if name == "outer":
        return g.op(a, rng.choice(("outer", "ger")), operand_of(g, (g.size(),), dtype))
    if name == "linear":
        out_features = g.size()
        weight = operand_of(g, (out_features, s[-1]), dtype)
        bias = None
        if rng.random() < 0.6:
            bias = g.tensor(rng.choice(((out_features,), ())), dtype)
        return g.call("F", "linear", a, weight, bias) if bias is not None or rng.random() < .5 \
            else g.call("F", "linear", a, weight)
    # matmul / @: every rank pairing torch allows, batch dims broadcast
    k = s[-1]
    r = rng.random()
    if r < 0.25:
        other = (k,)
    elif r < 0.6 or len(s) < 2:
        other = (k, g.size())
    else:
        batch = g.broadcast_shape(s[:-2]) if len(s) > 2 else (g.size(),)
        other = tuple(batch) + (k, g.size())
    b = operand_of(g, other, dtype)
    x, y = (a, b)
    if rng.random() < 0.2 and len(other) >= 2:  # the other side: (…, n, k) @ a
        b = operand_of(g, other[:-2] + (g.size(), s[0] if len(s) == 1 else s[-2]), dtype)
        x, y = b, a
    if name == "@":
        return g.binop("@", x, y)
    return g.call("torch", "matmul", x, y)


def added_product(g, name, a, s, dtype):
    """beta * input + alpha * a (x) b, input of a shape that broadcasts to the product."""
    rng = g.rng
    if name == "addmv":
        b = operand_of(g, (s[1],), dtype)
        result = (s[0],)
    elif name == "addr":
        b = operand_of(g, (g.size(),), dtype)
        result = (s[0], g.val(b).shape[0])
    else:
        b = operand_of(g, (s[0], s[2], g.size()), dtype)
        n = g.val(b).shape[-1]
        result = (s[0], s[1], n) if name == "baddbmm" else (s[1], n)
    bias = g.tensor(g.broadcast_shape(result, grow=False), dtype)
    kwargs = {}
    if rng.random() < 0.4:
        kwargs = {"beta": rng.choice((0, 1, 0.5)), "alpha": rng.choice((1, 2, -1))}
    return g.op(bias, name, a, b, **kwargs)


def gen_einsum(g):
    rng = g.rng
    eq = rng.choice(EINSUM)
    lhs = eq.split("->")[0].split(",")
    sizes = {}
    operands = []
    for i, spec in enumerate(lhs):
        letters = spec.replace("...", "")
        ellipsis = "..." in spec
        ref = None
        if i == 0 and not ellipsis:
            ref = g.pick(lambda t: t.dim() == len(letters) and t.is_floating_point())
            if ref is not None:
                shape = g.val(ref).shape
                if all(sizes.setdefault(c, n) == n for c, n in zip(letters, shape)):
                    operands.append(ref)
                    continue
                sizes.clear()
        shape = tuple(sizes.setdefault(c, g.size()) for c in letters)
        if ellipsis:
            shape = g.shape(rng.randint(0, 2)) + shape
        dtype = g.dtype_name_of(operands[0]) if operands else g.dtype(float_only=True)
        operands.append(g.tensor(shape, dtype))
    return g.call("torch", "einsum", eq, *operands)


ROWS = [("matmul", 10, gen_matmul)]
