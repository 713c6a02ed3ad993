"""Op rows: pointwise math (unary, binary with broadcasting and Python scalars, casts,
where/clamp/lerp/masked_fill), reductions with dim/keepdim, softmax and activations."""
from .gen import is_float
from .program import DType, Ref

UNARY = (
    "abs neg exp expm1 log log2 log10 log1p sqrt rsqrt sin cos tan tanh sinh cosh asin "
    "acos atan sigmoid erf reciprocal relu sign floor ceil round trunc frac isnan isinf "
    "isfinite logical_not bitwise_not"
).split()

# name -> operator symbol (None: no operator form)
BINARY = {
    "add": "+", "sub": "-", "mul": "*", "div": "/", "floor_divide": "//", "remainder": "%",
    "pow": "**", "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=",
    "bitwise_and": "&", "bitwise_or": "|", "bitwise_xor": "^", "maximum": None,
    "minimum": None, "atan2": None, "fmod": None, "logical_and": None, "logical_or": None,
    "logical_xor": None,
}
BINARY_WEIGHTS = [6 if n in ("add", "sub", "mul", "div") else 1 for n in BINARY]


def any_tensor(g):
    return g.pick() or g.tensor()


def operand(g, a, scalar_p=0.3, into=False):
    """The other operand of a binary op with `a`: a Python scalar, an existing tensor that
    broadcasts with `a`, or a new tensor of a broadcasting shape. `into`: the operand of
    an in-place op on `a`, so it should broadcast to `a`'s shape."""
    rng = g.rng
    t = g.val(a)
    r = rng.random()
    if r < scalar_p:
        return g.scalar(like=t)
    if r < scalar_p + 0.25:
        ref = g.pick(lambda u: broadcasts(u.shape, t.shape, into))
        if ref is not None:
            return ref
    dtype = g.dtype_name_of(a) if rng.random() < 0.75 else g.dtype()
    return g.tensor(g.broadcast_shape(t.shape, grow=not into), dtype)


def broadcasts(s1, s2, into=False):
    """Whether shape s1 broadcasts with s2 (into=True: to s2)."""
    if into and len(s1) > len(s2):
        return False
    for x, y in zip(reversed(s1), reversed(s2)):
        if x != y and x != 1 and (y != 1 or into):
            return False
    return True


def gen_unary(g):
    a = any_tensor(g)
    name = g.rng.choice(UNARY)
    if name == "neg" and g.rng.random() < 0.4:
        return g.emit_unop("-", a)
    if name == "bitwise_not" and g.rng.random() < 0.4:
        return g.emit_unop("~", a)
    if name == "round" and g.rng.random() < 0.2:
        return g.op(a, "round", decimals=g.rng.randint(-1, 2))
    return g.op(a, name)


def gen_cast(g):
    a = any_tensor(g)
    rng = g.rng
    if rng.random() < 0.5:
        return g.method(a, rng.choice(("float", "double", "long", "int", "bool")))
    return g.method(a, "to", g.dtype_arg(float_only=False))


def gen_to_python(g):
    """Python numbers out of a tensor: item() (one element, else an error), tolist()."""
    a = g.pick(lambda t: t.numel() <= 1) if g.rng.random() < 0.7 else None
    return g.method(a or any_tensor(g), g.rng.choice(("item", "tolist")))


def gen_binary(g):
    rng = g.rng
    a = any_tensor(g)
    name = rng.choices(list(BINARY), BINARY_WEIGHTS)[0]
    b = operand(g, a)
    x, y = (b, a) if rng.random() < 0.2 else (a, b)
    symbol = BINARY[name]
    kwargs = {}
    if name in ("add", "sub") and rng.random() < 0.15:
        kwargs["alpha"] = rng.choice((2, -1, 0.5, 0))
    if name == "div" and rng.random() < 0.25:
        kwargs["rounding_mode"] = rng.choice((None, "trunc", "floor"))
    form = rng.random()
    if symbol and not kwargs and form < 0.55:
        return g.binop(symbol, x, y)
    if form < 0.8 or not isinstance(x, Ref):
        return g.call("torch", name, x, y, **kwargs)
    return g.call(x, name, y, **kwargs)


def gen_lerp(g):
    a = g.pick(is_float) or g.tensor(dtype="float32")
    end = operand(g, a, scalar_p=0.0)
    weight = round(g.rng.uniform(-0.5, 1.5), 2) if g.rng.random() < 0.6 else operand(g, a, 0)
    return g.op(a, "lerp", end, weight)


def gen_where(g):
    rng = g.rng
    a = any_tensor(g)
    t = g.val(a)
    if rng.random() < 0.5:
        cond = g.binop(rng.choice((">", "<=", "==")), a, g.number())
    else:
        cond = g.tensor(g.broadcast_shape(t.shape), "bool")
    other = operand(g, a)
    x, y = (other, a) if rng.random() < 0.3 else (a, other)
    return g.call("torch", "where", cond, x, y)


def gen_clamp(g):
    rng = g.rng
    a = any_tensor(g)
    bound = lambda: g.number() if rng.random() < 0.7 else operand(g, a, 0)  # noqa: E731
    which = rng.random()
    if which < 0.2:
        return g.op(a, rng.choice(("clamp_min", "clamp_max")), bound())
    kwargs = {}
    if which < 0.8 or rng.random() < 0.5:
        kwargs["min"] = bound()
    if which >= 0.5 or not kwargs:
        kwargs["max"] = bound()
    if rng.random() < 0.05:
        kwargs = {}  # torch: at least one of min and max must be given
    return g.op(a, rng.choice(("clamp", "clamp", "clip")), **kwargs)


def gen_masked_fill(g):
    rng = g.rng
    a = any_tensor(g)
    t = g.val(a)
    if rng.random() < 0.4:
        mask = g.binop(">", a, g.number())
    else:
        mask = g.tensor(g.broadcast_shape(t.shape, bad_p=0.02), "bool")
    if rng.random() < 0.7:
        value = g.scalar(like=t)
    else:
        value = g.tensor((), rng.choice(("float32", "float32", "float64", "int64")))
    return g.op(a, "masked_fill", mask, value)


# ---- reductions ----

def dims_arg(g, ndim, allow_tuple=True, allow_none=True):
    """dim= for a reduction: None, one dim or a tuple of distinct dims (rarely repeated)."""
    rng = g.rng
    r = rng.random()
    if allow_none and r < 0.25:
        return None
    if not allow_tuple or r < 0.7 or ndim == 0:
        return g.dim(ndim)
    k = rng.randint(0, ndim) if rng.random() < 0.9 else ndim + 1
    dims = [g.dim(ndim, bad_p=0) for _ in range(k)]
    if rng.random() < 0.9:
        dims = list(dict.fromkeys(d % ndim for d in dims))  # distinct
    return tuple(dims)


def reduce_call(g, a, name, dim, keepdim=None, **kwargs):
    """`a.name(dim, keepdim)` written in one of the ways torch accepts."""
    rng = g.rng
    if dim is None and keepdim is None:
        return g.op(a, name, **kwargs)
    if rng.random() < 0.3 and dim is not None:
        args = (dim,) if keepdim is None else (dim, keepdim)
        return g.op(a, name, *args, **kwargs)
    kw = {"dim": dim}
    if keepdim is not None:
        kw["keepdim"] = keepdim
    return g.op(a, name, **kw, **kwargs)


def keepdim(g):
    return g.rng.choice((None, True, False))


def gen_reduce(g):
    rng = g.rng
    a = any_tensor(g)
    nd = g.val(a).dim()
    name = rng.choices(
        ("sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "var",
         "std", "norm", "logsumexp", "cumsum", "cumprod", "all", "any", "count_nonzero",
         "var_mean", "std_mean", "aminmax"),
        (8, 6, 3, 3, 2, 4, 3, 2, 1, 3, 3, 3, 3, 3, 2, 1, 1, 1, 2, 2, 1))[0]
    kd = keepdim(g)
    if name in ("sum", "mean"):
        kwargs = {"dtype": g.dtype_arg()} if rng.random() < 0.1 else {}
        return reduce_call(g, a, name, dims_arg(g, nd), kd, **kwargs)
    if name == "prod":
        kwargs = {"dtype": g.dtype_arg()} if rng.random() < 0.1 else {}
        return reduce_call(g, a, name, dims_arg(g, nd, allow_tuple=False), kd, **kwargs)
    if name in ("amax", "amin", "logsumexp"):
        dim = dims_arg(g, nd, allow_none=name != "logsumexp")
        return reduce_call(g, a, name, () if dim is None else dim, kd)
    if name in ("max", "min"):
        r = rng.random()
        if r < 0.3:
            return g.op(a, name)
        if r < 0.4:  # the elementwise form, torch.max(a, b)
            return g.op(a, name, operand(g, a, scalar_p=0))
        return reduce_call(g, a, name, g.dim(nd), kd)
    if name in ("argmax", "argmin", "all", "any"):
        return reduce_call(g, a, name, dims_arg(g, nd, allow_tuple=False), kd)
    if name in ("var", "std", "var_mean", "std_mean"):
        kwargs = {}
        r = rng.random()
        if r < 0.3:
            kwargs["correction"] = rng.choice((0, 1, 2))
        elif r < 0.5:
            kwargs["unbiased"] = rng.random() < 0.5
        if name.endswith("_mean"):  # functions only, (spread, mean)
            dim = dims_arg(g, nd)
            if dim is not None:
                kwargs["dim"] = dim
            if kd is not None:
                kwargs["keepdim"] = kd
            return g.op(a, name, forms=("torch",), **kwargs)
        return reduce_call(g, a, name, dims_arg(g, nd), kd, **kwargs)
    if name == "count_nonzero":  # no keepdim
        dim = dims_arg(g, nd)
        return g.op(a, name) if dim is None else g.op(a, name, dim=dim)
    if name == "aminmax":  # keyword-only dim and keepdim
        kwargs = {"dim": g.dim(nd)} if rng.random() < 0.6 else {}
        if kd is not None:
            kwargs["keepdim"] = kd
        return g.op(a, name, **kwargs)
    if name == "norm":
        p = rng.choice((None, None, 1, 2, 3, 0.5, 0, float("inf"), -float("inf"), "fro"))
        kwargs = {} if p is None else {"p": p}
        return reduce_call(g, a, name, dims_arg(g, nd), kd, **kwargs)
    kwargs = {"dtype": g.dtype_arg()} if rng.random() < 0.1 else {}
    return g.op(a, name, g.dim(nd), **kwargs)  # cumsum, cumprod


def gen_softmax(g):
    rng = g.rng
    a = g.pick(is_float) or g.tensor(dtype="float32")
    name = rng.choice(("softmax", "log_softmax"))
    kwargs = {"dtype": DType("float64")} if rng.random() < 0.1 else {}
    dim = g.dim(g.val(a).dim())
    if rng.random() < 0.3:
        return g.op(a, name, dim, forms=("method", "torch", "F"), **kwargs)
    return g.op(a, name, dim=dim, forms=("method", "torch", "F"), **kwargs)


def gen_activation(g):
    rng = g.rng
    a = g.pick(is_float) or g.tensor(dtype="float32")
    name = rng.choice(("relu", "gelu", "silu", "elu", "leaky_relu", "softplus", "sigmoid",
                       "tanh", "hardtanh", "relu6", "hardsigmoid", "hardswish", "softsign",
                       "tanhshrink", "logsigmoid", "softshrink", "hardshrink"))
    kwargs = {}
    if name == "hardtanh" and rng.random() < 0.5:
        kwargs["min_val"], kwargs["max_val"] = rng.choice(((-0.5, 0.5), (0.0, 2.0), (-2, 1)))
    if name in ("hardtanh", "relu6", "hardsigmoid", "hardswish") and rng.random() < 0.3:
        kwargs["inplace"] = True
    if name in ("softshrink", "hardshrink") and rng.random() < 0.5:
        kwargs["lambd"] = rng.choice((0.0, 0.25, 1.0))
    if name == "gelu" and rng.random() < 0.5:
        kwargs["approximate"] = rng.choice(("none", "tanh"))
    elif name == "elu" and rng.random() < 0.5:
        kwargs["alpha"] = rng.choice((0.5, 1.0, 2.0, -0.5))
    elif name == "leaky_relu" and rng.random() < 0.5:
        kwargs["negative_slope"] = rng.choice((0.01, 0.2, -0.5))
    if name in ("relu", "elu", "leaky_relu") and rng.random() < 0.3:
        kwargs["inplace"] = True  # elu/leaky_relu then save their result
    elif name == "softplus" and rng.random() < 0.5:
        kwargs["beta"] = rng.choice((1, 2, 0.5))
        if rng.random() < 0.5:
            kwargs["threshold"] = rng.choice((1, 20))
    return g.call("F", name, a, **kwargs)


ROWS = [
    ("unary", 10, gen_unary),
    ("cast", 2, gen_cast),
    ("to_python", 1, gen_to_python),
    ("binary", 16, gen_binary),
    ("lerp", 1, gen_lerp),
    ("where", 2, gen_where),
    ("clamp", 2, gen_clamp),
    ("masked_fill", 2, gen_masked_fill),
    ("reduce", 12, gen_reduce),
    ("softmax", 3, gen_softmax),
    ("activation", 3, gen_activation),
]
