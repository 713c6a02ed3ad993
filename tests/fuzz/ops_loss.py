"""Op rows: losses (mse, l1, cross_entropy with class indices or probabilities, weight,
ignore_index and label_smoothing, nll, binary_cross_entropy and its logits form)."""
from .gen import is_float, nested

REDUCTIONS = (None, "mean", "sum", "none")


def float_input(g, pred=lambda t: True):
    ref = g.pick(lambda t: is_float(t) and pred(t))
    if ref is None or g.rng.random() < 0.25:
        return None
    return ref


def with_reduction(g, kwargs):
    reduction = g.rng.choice(REDUCTIONS)
    if reduction is not None:
        kwargs["reduction"] = reduction
    return kwargs


def gen_pointwise_loss(g):
    rng = g.rng
    a = float_input(g) or g.tensor(dtype=g.dtype(float_only=True))
    s = tuple(g.val(a).shape)
    shape = s if rng.random() < 0.9 else g.broadcast_shape(s)  # torch warns, broadcasts
    b = g.tensor(shape, g.dtype_name_of(a))
    x, y = (b, a) if rng.random() < 0.2 else (a, b)
    return g.call("F", rng.choice(("mse_loss", "l1_loss")), x, y, **with_reduction(g, {}))


def class_input(g):
    """Logits/log-probabilities of shape (C,), (N, C) or (N, C, d)."""
    a = float_input(g, lambda t: 1 <= t.dim() <= 3)
    if a is None:
        ndim = g.rng.choices((1, 2, 3), (2, 6, 2))[0]
        a = g.tensor(g.shape(ndim), g.dtype(float_only=True))
    return a


def class_targets(g, s, kwargs):
    """Class-index targets for an input of shape `s`, some equal to ignore_index."""
    rng = g.rng
    n_classes = s[1] if len(s) >= 2 else s[0]
    target_shape = () if len(s) == 1 else (s[0],) + tuple(s[2:])
    ignore = kwargs.get("ignore_index", -100)
    everything_ignored = "ignore_index" in kwargs and rng.random() < 0.25

    def draw(_):
        if everything_ignored or rng.random() < 0.15:
            return ignore
        if rng.random() < 0.02 or n_classes == 0:
            return n_classes  # out of range
        return rng.randrange(n_classes)
    return g.emit_data(nested(target_shape, draw), "int64")


def gen_class_loss(g):
    rng = g.rng
    name = rng.choice(("cross_entropy", "cross_entropy", "nll_loss"))
    a = class_input(g)
    if name == "nll_loss" and rng.random() < 0.5:
        a = g.call("F", "log_softmax", a, dim=1 if g.val(a).dim() > 1 else 0)
    s = tuple(g.val(a).shape)
    n_classes = s[1] if len(s) >= 2 else s[0]
    kwargs = {}
    if rng.random() < 0.3:
        kwargs["weight"] = g.tensor((n_classes,), g.dtype_name_of(a), kind="positive",
                                    requires_grad=rng.random() < 0.2)
    if rng.random() < 0.3:
        kwargs["ignore_index"] = rng.choice((-1, 0, n_classes - 1 if n_classes else 0))
    if name == "cross_entropy" and rng.random() < 0.25:
        kwargs["label_smoothing"] = rng.choice((0.1, 0.5, 1.0))
    with_reduction(g, kwargs)
    if name == "cross_entropy" and rng.random() < 0.3:  # class probabilities
        target = g.tensor(s, g.dtype_name_of(a), kind="prob", requires_grad=False)
    else:
        target = class_targets(g, s, kwargs)
    return g.call("F", name, a, target, **kwargs)


def gen_binary_loss(g):
    rng = g.rng
    logits = rng.random() < 0.5
    a = float_input(g) or g.tensor(dtype=g.dtype(float_only=True))
    if not logits:
        if rng.random() < 0.8:
            a = g.op(a, "sigmoid")
        elif rng.random() < 0.5:
            a = g.tensor(tuple(g.val(a).shape), g.dtype_name_of(a), kind="prob")
    s = tuple(g.val(a).shape)
    target = g.tensor(s, g.dtype_name_of(a), kind="prob", requires_grad=rng.random() < 0.1)
    kwargs = {}
    if rng.random() < 0.2:
        kwargs["weight"] = g.tensor(g.broadcast_shape(s, grow=False), g.dtype_name_of(a),
                                    kind="positive", requires_grad=False)
    if logits and rng.random() < 0.2:
        kwargs["pos_weight"] = g.tensor(s[-1:], g.dtype_name_of(a), kind="positive",
                                        requires_grad=False)
    with_reduction(g, kwargs)
    name = "binary_cross_entropy_with_logits" if logits else "binary_cross_entropy"
    return g.call("F", name, a, target, **kwargs)


ROWS = [
    ("pointwise_loss", 2, gen_pointwise_loss),
    ("class_loss", 4, gen_class_loss),
    ("binary_loss", 2, gen_binary_loss),
]
