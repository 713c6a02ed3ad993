"""Op rows on autograd state (detach into a new leaf, requires_grad_, retain_grad), and the
closing phase of every program: backward, autograd.grad, or a second-order gradient.

# Note [The closing backward]:
# The outputs to differentiate are reduced to one scalar with fixed random weights,
# loss = sum_k (out_k * w_k).sum(), so every element of every chosen output gets a
# distinct upstream gradient (a plain .sum() would hide wrong permutations/transposes).
# Those steps are ordinary program steps, so the minimizer can drop them too. The closing
# call is, by chance: loss.backward() (then every leaf's .grad is compared),
# out.backward(w) with an explicit gradient, two backward calls (with and without
# retain_graph), autograd.grad over every leaf (allow_unused), or autograd.grad with
# create_graph=True followed by a backward through the gradients (a second order). That
# last loss adds (leaf * 0).sum() for every leaf, so that whether a first-order gradient
# happens to require grad (an artefact of how a backward formula is written: torch's
# relu gradient does, a mask product would not) does not decide whether it raises.
"""
from .gen import is_float


def gen_detach_leaf(g):
    """A new leaf from an existing tensor: detach().requires_grad_(), or .data-style."""
    rng = g.rng
    a = g.pick(is_float) or g.tensor(dtype="float32")
    leaf = g.method(a, rng.choice(("detach", "detach", "clone")))
    return g.call(leaf, "requires_grad_", *((rng.random() < 0.9,) if rng.random() < .3 else ()),
                  out=False)


def gen_grad_flags(g):
    rng = g.rng
    r = rng.random()
    if r < 0.5:
        a = g.pick(lambda t: t.requires_grad and not t.is_leaf)
        if a is not None:
            return g.call(a, "retain_grad", out=False)
    a = g.pick() or g.tensor()
    flag = rng.random() < 0.7
    return g.call(a, "requires_grad_", flag, out=False)


def differentiable_outputs(g):
    return g.tensors(lambda t: t.requires_grad and is_float(t))


def leaves(g):
    return g.tensors(lambda t: t.is_leaf and t.requires_grad)


def weights_for(g, ref):
    """Fixed random weights of the shape and dtype of the tensor at `ref`."""
    return g.tensor(g.shape_of(ref), g.dtype_name_of(ref), requires_grad=False,
                    kind="plain", contiguous=True)


def weighted_loss(g, outs, tag=""):
    """sum_k (out_k * w_k).sum() as program steps; Note [The closing backward]."""
    total = None
    for ref in outs:
        term = g.call(g.binop("*", ref, weights_for(g, ref), tag=tag), "sum", tag=tag)
        total = term if total is None else g.binop("+", total, term, tag=tag)
    return total


def gen_backward(g):
    """Note [The closing backward]."""
    rng = g.rng
    outs = differentiable_outputs(g)
    if not outs:
        return
    recent = sorted(outs, key=lambda r: -r.step)[:4]
    chosen = rng.sample(recent, rng.randint(1, min(3, len(recent))))
    mode = rng.choices(("backward", "gradient", "twice", "grad", "double"),
                       (55, 10, 5, 18, 12))[0]
    if mode == "gradient" and len(chosen) == 1:
        return g.call(chosen[0], "backward", weights_for(g, chosen[0]), out=False)
    loss = weighted_loss(g, chosen)
    inputs = leaves(g)
    if mode in ("backward", "gradient"):
        if inputs and rng.random() < 0.15:  # only some leaves get .grad
            subset = rng.sample(inputs, rng.randint(1, len(inputs)))
            return g.call(loss, "backward", out=False, inputs=subset)
        return g.call(loss, "backward", out=False)
    if mode == "twice":
        g.call(loss, "backward", out=False, retain_graph=rng.random() < 0.7)
        return g.call(loss, "backward", out=False)
    if not inputs:
        return g.call(loss, "backward", out=False)
    if mode == "grad":
        if rng.random() < 0.25:  # raises when a leaf is not used
            return g.call("autograd", "grad", loss, inputs)
        return g.call("autograd", "grad", loss, inputs, allow_unused=True)
    grads = g.call("autograd", "grad", loss, inputs, create_graph=True, allow_unused=True)
    firsts = [r for r in g.tensors(lambda t: t.requires_grad) if r.step == grads.step]
    total = weighted_loss(g, firsts, tag="higher-order") if firsts else None
    for leaf in inputs:
        zero = g.call(g.binop("*", leaf, 0.0), "sum")
        total = zero if total is None else g.binop("+", total, zero, tag="higher-order")
    return g.call(total, "backward", out=False)


ROWS = [
    ("detach_leaf", 2, gen_detach_leaf),
    ("grad_flags", 2, gen_grad_flags),
]
