"""Torch's own quirks: behaviour where exact parity with torch is not sensible. This is the
one list of them; each entry matches one narrow behaviour and says why. A divergence that
matches an entry is counted under the entry's name and not reported. Never add an entry
for something that is a cgrad bug, and never one that skips an op wholesale.

Behaviour left out of the comparison altogether (not divergences, so not entries):
- warnings (torch's deprecation and "target size differs" UserWarnings): not compared;
- the sign of zero: -0.0 == 0.0 in values (torch's own fast paths disagree with its
  slow paths on it), though 1/x of such a zero still has to give the same signed inf;
- strides and contiguity of results and of .grad (torch's layout rules for gradients are
  an optimisation, not part of the API);
- exception messages: only the exception type is compared (tests/error_parity.py holds
  the message checks).
Behaviour the generator does not produce, for the same reason: writes of different values
to one place in one op (scatter_, index_put_ with repeated indices), whose winner torch
leaves unspecified (Note [No duplicate indices ...] in ops_index.py).
"""
import math
import random
import re
import warnings
from dataclasses import dataclass, replace
from typing import Callable

import cgrad
import numpy as np
import torch

from .compare import as_numpy, compare_value
from .program import DType, Ref, execute, value_at


@dataclass(frozen=True)
class Quirk:
    name: str
    reason: str
    applies: Callable  # (divergence, run) -> bool; run: check.Run (steps, tv, cv, tol)


def _made_by_double_backward(div, run):
    if div.kind != "grad_fn" or not 0 <= div.origin < len(run.steps):
        return False
    step = run.steps[div.origin]
    return step.tag == "higher-order" or (
        step.kind == "call" and step.target == "autograd" and step.kwargs.get("create_graph"))


def _made_here(div):
    """A value divergence in the output of the step just run."""
    return div.kind == "value" and div.phase == "step" and div.origin == div.step


def _gelu_of_inf(div, run):
    if not _made_here(div) or div.label != "F.gelu":
        return False
    step = run.steps[div.step]
    if step.kwargs.get("approximate", "none") != "none" or not isinstance(step.args[0], Ref):
        return False
    x = as_numpy(value_at(run.tv, step.args[0])).astype(np.float64)
    t = as_numpy(run.tv[div.step]).astype(np.float64)
    c = as_numpy(run.cv[div.step]).astype(np.float64)
    differ = ~np.isclose(t, c, rtol=run.tol[0], atol=run.tol[1], equal_nan=True)
    return bool(differ.any() and np.all(x[differ] == math.inf)
                and np.all(np.isnan(t[differ])) and np.all(c[differ] == math.inf))


def _hyperbolic_overflow_of_torchs_vector_kernel(div, run):
    """Where torch's result is inf and cgrad's finite, torch's own op on that one element
    (its scalar path) gives cgrad's value."""
    if not _made_here(div) or div.label not in (".sinh", ".cosh", "torch.sinh", "torch.cosh"):
        return False
    step = run.steps[div.step]
    source = step.target if isinstance(step.target, Ref) else step.args[0]
    if not isinstance(source, Ref):
        return False
    x = value_at(run.tv, source).detach().reshape(-1)
    t = run.tv[div.step].detach().reshape(-1)
    c = as_numpy(run.cv[div.step]).astype(np.float64).reshape(-1)
    t64 = as_numpy(t).astype(np.float64)
    differ = ~np.isclose(t64, c, rtol=run.tol[0], atol=run.tol[1], equal_nan=True)
    fn = getattr(torch, div.label.rsplit(".", 1)[1])
    for i in np.flatnonzero(differ):
        alone = float(fn(x[i:i + 1].clone())[0])
        if not (math.isinf(t64[i]) and math.isfinite(c[i]) and alone == c[i]):
            return False
    return bool(differ.any())


def _backward_of_nan_by_kernel_path(div, run):
    """The program takes elu or hardswish of a NaN, and torch's backward of that input gives
    another result than the same backward taken one element at a time."""
    if not (div.kind == "grad" or div.kind == "value" and div.label == "autograd.grad"):
        return False
    for step in run.steps[:div.step]:
        if (step.kind != "call" or step.label() not in ("F.elu", "F.hardswish")
                or not isinstance(step.args[0], Ref)):
            continue
        x = value_at(run.tv, step.args[0]).detach()
        if not x.dtype.is_floating_point or not x.isnan().any():
            continue
        if step.label() == "F.elu":
            alpha = step.kwargs.get("alpha", 1.0)
            def backward(g, v):
                return torch.ops.aten.elu_backward(g, alpha, 1, 1, False, v)
        else:
            backward = torch.ops.aten.hardswish_backward
        whole = backward(torch.ones_like(x), x).flatten()
        alone = torch.stack([backward(torch.ones(1, dtype=x.dtype), e.view(1))[0]
                             for e in x.flatten()]) if x.numel() else whole
        if not torch.equal(whole.isnan(), alone.isnan()):
            return True
    return False


def _empty_dims(step, names=("var", "std", "var_mean", "std_mean")):
    return step.kind == "call" and step.name in names and (
        step.kwargs.get("dim", None) == () or () in step.args)


def _logsumexp_over_no_dims(div, run):
    return (div.kind == "missing-error" and div.phase == "step"
            and _empty_dims(run.steps[div.step], ("logsumexp",))
            and "doesn't match the broadcast shape" in div.torch)


def _refused_by_torchs_backward(message):
    def applies(div, run):
        return (div.kind == "missing-error" and message in div.torch
                and div.label in (".backward", "autograd.grad"))
    return applies


def _fill_with_an_unrepresentable_tensor(div, run):
    """cgrad refuses what torch's fill_ converts unchecked."""
    return (div.kind == "spurious-error" and div.label == ".fill_"
            and "cannot be converted to type" in div.cgrad)


def _clamp_broadcast_backward(div, run):
    """torch's backward refuses a clamp whose tensor bounds broadcast its input larger."""
    if not _refused_by_torchs_backward("doesn't match the broadcast shape")(div, run):
        return False
    for i, step in enumerate(run.steps[:div.step]):
        if step.kind == "call" and step.name in ("clamp", "clip") and step.out:
            source = step.args[0] if step.target == "torch" else step.target
            if isinstance(source, Ref) and isinstance(run.tv[i], torch.Tensor):
                value = run.tv[source.step]
                if source.item is not None:  # one output of a multi-output op (unbind ...)
                    value = value[source.item] if isinstance(value, (tuple, list)) else None
                shape = getattr(value, "shape", None)
                if shape is not None and shape != run.tv[i].shape:
                    return True
    return False


def _addmv_of_an_empty_matrix(div, run):
    """torch's addmv gives input's shape where the matrix has no elements."""
    if div.kind != "shape" or div.label not in ("torch.addmv", ".addmv"):
        return False
    step = run.steps[div.step]
    mat = step.args[1] if step.target == "torch" else step.args[0]
    return isinstance(mat, Ref) and value_at(run.tv, mat).numel() == 0


def _addr_backward_of_two_dtypes(div, run):
    """torch's addr backward refuses factors of another dtype than the gradient."""
    if not (div.kind == "missing-error" and div.label in (".backward", "autograd.grad")
            and "addmv input tensors must have the same dtype" in div.torch):
        return False
    for step in run.steps[:div.step]:
        if step.kind == "call" and step.name == "addr":
            refs = [a for a in ((step.target,) + tuple(step.args)) if isinstance(a, Ref)]
            if len({value_at(run.tv, r).dtype for r in refs}) > 1:
                return True
    return False


def _var_over_no_dims(div, run):
    """The gradient divergence goes away when var/std(dim=()) (or var_mean/std_mean's)
    become dim=None, which computes the same forward."""
    if not (div.kind == "grad" or div.kind == "value" and div.label == "autograd.grad"):
        return False
    if not any(_empty_dims(s) for s in run.steps):
        return False
    from .check import check  # check.py imports this module

    def no_dims(step):
        if not _empty_dims(step):
            return step
        return replace(step, args=tuple(None if a == () else a for a in step.args),
                       kwargs={k: (None if k == "dim" else v) for k, v in step.kwargs.items()})
    return not any(div.same_as(d) for d in check([no_dims(s) for s in run.steps]).divergences)


def _empty_batched_matmul_of_two_dtypes(div, run):
    """torch gave an empty result where cgrad refused the mixed dtypes."""
    if div.kind != "spurious-error" or div.phase != "step":
        return False
    result = run.tv[div.step]
    return (div.label in ("torch.bmm", ".bmm", "torch.matmul", ".matmul", "@")
            and isinstance(result, torch.Tensor) and result.numel() == 0
            and "expected scalar type" in div.cgrad)


def _floor_divide_of_a_view_loses_other(div, run):
    if not (div.kind == "spurious-error" and div.label in (".backward", "autograd.grad")
            and "derivative for aten::floor_divide" in div.cgrad):
        return False
    for step in run.steps[:div.step]:
        if (step.kind == "call" and step.name == "floor_divide_"
                or step.kind == "iop" and step.name == "//="):
            written = step.target if step.kind == "call" else step.args[0]
            value = run.tv[written.step]
            value = value if written.item is None else value[written.item]
            if isinstance(value, torch.Tensor) and value._is_view():
                return True
    return False


def _nudged(steps, rng):
    """The program with every float32 number of its tensor literals moved by up to
    NUDGE_ULPS units in the last place, at random (for _gradient_below_float32_noise)."""
    def nudge(x):
        if isinstance(x, list):
            return [nudge(i) for i in x]
        if isinstance(x, float) and math.isfinite(x) and x != 0.0:
            y = np.float32(x)
            for _ in range(rng.randint(0, NUDGE_ULPS)):
                y = np.nextafter(y, np.float32(math.copysign(math.inf, rng.random() - 0.5)))
            return float(y)
        return x
    return [replace(s, args=(nudge(s.args[0]),) + s.args[1:])
            if s.kind == "tensor" and s.args[1] == "float32" else s for s in steps]


def _gradient_below_float32_noise(div, run):
    """Where the gradients differ, torch's own gradient moves as far when the program's
    float32 numbers move by an ulp or two: the program does not fix those elements to
    float32 precision (a gradient made by cancellation, x / x, is mostly rounding)."""
    if div.kind != "grad" or not run.float32:
        return False
    match = re.fullmatch(r"v(\d+)(?:\[(\d+)\])?\.grad", div.what)
    if not match:
        return False
    ref = Ref(int(match[1]), None if match[2] is None else int(match[2]))
    t, c = (value_at(values, ref).grad for values in (run.tv, run.cv))
    if t is None or c is None or t.shape != c.shape:
        return False
    t, c = as_numpy(t).astype(np.float64), as_numpy(c).astype(np.float64)
    finite = np.isfinite(t) & np.isfinite(c)
    if not np.array_equal(finite, np.isfinite(t)) or not np.array_equal(t[~finite], c[~finite],
                                                                        equal_nan=True):
        return False  # NaN or inf at other places is never rounding
    rng = random.Random(div.what)
    spread = np.zeros_like(t)
    for _ in range(NUDGES):
        values = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for step in _nudged(run.steps, rng):
                    values.append(execute(step, torch, values))
            nudged = as_numpy(value_at(values, ref).grad).astype(np.float64)
        except Exception:  # noqa: BLE001 - then it is not this quirk
            return False
        with np.errstate(invalid="ignore"):
            spread = np.fmax(spread, np.abs(nudged - t))
    rtol, atol = run.tol
    scale = max(1.0, float(np.max(np.abs(t[finite]), initial=0.0)))
    allowed = rtol * np.abs(t) + atol * scale + NOISE_FACTOR * spread
    return bool(np.all(np.abs(c - t)[finite] <= allowed[finite]))


NUDGE_ULPS, NUDGES, NOISE_FACTOR = 2, 8, 2.0


def _widened(x):
    """An argument with every float32 dtype named in it made float64."""
    if isinstance(x, DType):
        return DType("float64") if x.name == "float32" else x
    if isinstance(x, Ref):
        return x
    if isinstance(x, list):
        return [_widened(i) for i in x]
    if isinstance(x, tuple):
        return tuple(_widened(i) for i in x)
    return x


def _in_float64(steps):
    """The program with float32 replaced by float64 wherever it names it: tensor literals
    (their numbers are float32 values, so exact in float64), dtype arguments and .float()."""
    widened = []
    for s in steps:
        if s.kind == "tensor":
            s = replace(s, args=(s.args[0], "float64") + s.args[2:]) if s.args[1] == "float32" else s
        elif s.kind == "call" and s.name == "float" and isinstance(s.target, Ref):
            s = replace(s, name="double")
        else:
            s = replace(s, args=_widened(s.args), kwargs={k: _widened(v) for k, v in s.kwargs.items()})
        widened.append(s)
    return widened


def _tensors_of(value):
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _closer_to_exact(t, c, r, tol):
    """Whether cgrad's `c` is as good as torch's `t` at every element where they differ,
    judged by `r`, the same value computed in float64 (all three float64 arrays)."""
    rtol, atol = tol
    finite_t = np.isfinite(t)
    scale = max(1.0, float(np.max(np.abs(t[finite_t]), initial=0.0)))
    with np.errstate(invalid="ignore"):
        same_kind = (np.isnan(t) == np.isnan(c)) & (np.isinf(t) == np.isinf(c))
        differ = ~same_kind | (np.isinf(t) & (t != c)) | \
            (finite_t & (np.abs(c - t) > rtol * np.abs(t) + atol * scale))
        allowed = rtol * np.abs(r) + atol * scale
        # cgrad has the exact value to float32 tolerance (NaN and inf included) ...
        exact = np.where(np.isfinite(r), np.abs(c - r) <= allowed,
                         (np.isnan(r) & np.isnan(c)) | (np.isinf(r) & (c == r)))
        # ... or all three are finite and cgrad is about as close to it as torch ...
        err_t = np.abs(t - r)
        as_close = np.isfinite(c) & finite_t & np.isfinite(r) & \
            (np.abs(c - r) <= ERROR_FACTOR * err_t + allowed)
        # ... or the exact value is undefined (0/0 in float64) where float32 rounding
        # stepped around the singularity in both libraries.
        singular = np.isnan(r) & np.isfinite(t) & np.isfinite(c)
    return bool(np.all(~differ | exact | as_close | singular))


def _as_accurate_as_torch(div, run):
    """The program run again in torch in float64 gives the exact value (to float32 use)
    of what differs; cgrad is at least as close to it as torch, so the difference is how
    each rounds float32, not a wrong value. Both must agree on NaN and inf, or cgrad's
    must be the exact one's."""
    if div.kind not in ("value", "grad") or not run.float32:
        return False
    match = re.fullmatch(r"v(\d+)(?:\[(\d+)\])?(\.grad)?", div.what)
    if not match:
        return False
    ref = Ref(int(match[1]), None if match[2] is None else int(match[2]))
    upto = len(run.steps) if div.phase == "end" else div.step + 1
    values = []
    default = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for step in _in_float64(run.steps[:upto]):
                values.append(execute(step, torch, values))
        exact = value_at(values, ref)
    except Exception:  # noqa: BLE001 - then it is not this quirk
        return False
    finally:
        torch.set_default_dtype(default)
    t, c = value_at(run.tv, ref), value_at(run.cv, ref)
    if match[3]:
        t, c, exact = t.grad, c.grad, exact.grad
    triples = list(zip(_tensors_of(t), _tensors_of(c), _tensors_of(exact)))
    if len(triples) != len(_tensors_of(c)) or len(triples) != len(_tensors_of(exact)):
        return False
    for ti, ci, ri in triples:
        if ti is None or ci is None or ri is None:
            if not (ti is None and ci is None and ri is None):
                return False
            continue
        if not all(isinstance(x, torch.Tensor) for x in (ti, ri)) or \
                not isinstance(ci, cgrad.Tensor) or ti.shape != ri.shape or \
                tuple(ci.shape) != tuple(ti.shape) or not ti.is_floating_point():
            return False
        arrays = [as_numpy(x).astype(np.float64) for x in (ti, ci, ri)]
        if not _closer_to_exact(*arrays, run.tol):
            return False
    return True


ERROR_FACTOR = 4.0


def _sum_within_its_rounding_bound(div, run):
    """A float32 sum or mean whose results differ by less than the error bound of
    summing in float32, n * u * sum(|x|) over the n terms (the mean's divided by n): the
    terms cancel to far below their size, so which order adds them decides the result."""
    if div.kind != "value" or div.phase != "step":
        return False
    step = run.steps[div.step]
    if step.kind != "call" or step.name not in ("sum", "mean") or not step.out:
        return False
    source = step.target if isinstance(step.target, Ref) else (step.args[0] if step.args else None)
    if not isinstance(source, Ref):
        return False
    x, t, c = value_at(run.tv, source), run.tv[div.step], run.cv[div.step]
    if not isinstance(t, torch.Tensor) or t.dtype != torch.float32 or x.numel() == 0:
        return False
    terms = x.detach().to(torch.float32).to(torch.float64).abs()
    n = x.numel() // max(t.numel(), 1)
    bound = n * 2.0 ** -24 * float(terms.sum())
    if step.name == "mean":
        bound /= n
    t64, c64 = (as_numpy(v).astype(np.float64) for v in (t, c))
    if not (np.isfinite(t64).all() and np.isfinite(c64).all() and math.isfinite(bound)):
        return False
    return bool(np.all(np.abs(t64 - c64) <= bound))


def _as_torch(value):
    if isinstance(value, cgrad.Tensor):  # (reading grad_fn may raise: split's outputs)
        return torch.from_numpy(as_numpy(value).copy())
    if isinstance(value, (tuple, list)):
        return type(value)(_as_torch(v) for v in value)
    return value


def _same_as_torch_on_cgrads_inputs(div, run):
    """torch, run on cgrad's inputs to this step, gives cgrad's output: the op agrees, and
    only rounding differences in its inputs (within tolerance up to here) differ. For an
    in-place step the written tensor's inputs are its copies from before (Run.snapshot)."""
    if div.kind not in ("value", "shape") or div.phase != "step":
        return False
    step = run.steps[div.step]
    refs = step.refs()
    if not refs or (not step.out and (run.before is None or div.origin == div.step)):
        return False
    values = list(run.tv[:div.step]) + [None]
    target = None if step.out else Ref(div.origin)
    t_in = [(run.tv[r.step], run.cv[r.step]) for r in refs if r != target]
    if target is not None:
        t_in.append(run.before)
    if all(_bitwise_same(t, c) for t, c in t_in):
        return False  # same inputs, different output: the op itself differs
    for r in refs:
        values[r.step] = _as_torch(run.cv[r.step])
    if target is not None:
        values[target.step] = _as_torch(run.before[1])
    try:
        result = execute(step, torch, values)
    except Exception:  # noqa: BLE001 - then it is not this quirk
        return False
    expected, got = (result, run.cv[div.step]) if step.out else \
        (values[target.step], run.cv[target.step])
    found = compare_value(expected, got, run.tol, torch.Tensor, cgrad.Tensor)
    return not any(kind in ("value", "shape", "dtype", "type") for kind, _ in found)


def _bitwise_same(t, c):
    if isinstance(t, (tuple, list)):
        return isinstance(c, (tuple, list)) and len(t) == len(c) and all(
            _bitwise_same(a, b) for a, b in zip(t, c))
    if isinstance(t, torch.Tensor):
        return as_numpy(t).tobytes() == as_numpy(c).tobytes()
    return t == c


QUIRKS = [
    Quirk(
        "grad_fn names inside a double-backward graph",
        "with create_graph=True the gradients' graph is made of whatever ops each "
        "backward formula is written with (torch: its derivatives.yaml; cgrad: its own "
        "ops), so node names there are implementation details; values and gradients of "
        "that graph are still compared.",
        _made_by_double_backward,
    ),
    Quirk(
        "rounding in an op's inputs, amplified by the op",
        "float32 reductions, matmul and transcendentals round differently in the two "
        "libraries (within tolerance); an ill-conditioned op after them (frac of a large "
        "value, floor/round/comparisons at a boundary, a difference of near-equal values) "
        "turns that into a visible difference. Filtered only when torch itself, run on "
        "cgrad's inputs to the step, gives cgrad's output.",
        _same_as_torch_on_cgrads_inputs,
    ),
    Quirk(
        "a float32 gradient below the program's own rounding noise",
        "a gradient made by cancellation (x / x, a difference of near-equal terms) is "
        "mostly rounding error, which torch and cgrad round differently (reductions in "
        "another order, sums in double). Filtered only where torch's own gradient, run "
        "again with the program's float32 numbers nudged by up to NUDGE_ULPS ulps, moves "
        "by at least 1 / NOISE_FACTOR of the difference (NaN and inf at the same places).",
        _gradient_below_float32_noise,
    ),
    Quirk(
        "F.gelu(+inf) is NaN in torch's vectorized kernel",
        "torch gives gelu(inf) = inf for a one-element tensor and NaN from three elements "
        "on (its vectorized erf path computes inf * 0); +inf is the right value.",
        _gelu_of_inf,
    ),
    Quirk(
        "torch's vectorized sinh/cosh overflow before the result does",
        "from 16 float64 elements on, torch's vectorized sinh and cosh compute exp(|x|) / 2 "
        "whole, which overflows to inf for |x| between log(DBL_MAX) = 709.78 and 710.48, "
        "where sinh and cosh are still finite (torch's own scalar path, numpy and libm give "
        "the finite value, as cgrad does). Filtered only where torch's op on that one "
        "element gives cgrad's value.",
        _hyperbolic_overflow_of_torchs_vector_kernel,
    ),
    Quirk(
        "F.elu's and F.hardswish's gradient at NaN depends on where torch's kernel takes the "
        "element",
        "torch's elu and hardswish backward give the incoming gradient at a NaN input in "
        "their scalar loops and NaN in their vectorized ones, so the gradient at a NaN "
        "depends on the tensor's size and the element's place; cgrad gives the scalar "
        "loop's value everywhere. Filtered only for gradients of programs where torch's "
        "backward of the op's own input disagrees with itself taken one element at a time.",
        _backward_of_nan_by_kernel_path,
    ),
    Quirk(
        "logsumexp over dim=() raises in torch",
        "torch.logsumexp(x, dim=()) raises 'output with shape [] doesn't match the "
        "broadcast shape [1]' for every x, where every other reduction reads dim=() as "
        "all dims (as cgrad does); filtered only with that message.",
        _logsumexp_over_no_dims,
    ),
    Quirk(
        "torch's backward of a clamp that broadcasts its input",
        "clamp(x, min=a, max=b) with tensor bounds broadcasts x to a larger shape; "
        "torch's backward then fails to fit x's gradient ('output with shape [1, 1] "
        "doesn't match the broadcast shape [2, 1]'), where the gradient is well defined "
        "(summed back to x's shape, as for any broadcasting op).",
        _clamp_broadcast_backward,
    ),
    Quirk(
        "torch's backward through a write into a self-overlapping (expanded) view",
        "torch lets fill_/copy_/... write an expanded tensor, but its backward then raises "
        "'more than one element of the written-to tensor refers to a single memory "
        "location'; there is no gradient of torch's to compare with. Filtered only in "
        "backward/autograd.grad with that message.",
        _refused_by_torchs_backward("more than one element of the written-to tensor"),
    ),
    Quirk(
        "torch's addmv of an empty matrix keeps input's shape",
        "addmv(input, mat, vec) with mat of no elements gives beta * input in input's own "
        "shape in torch (a 0-d input stays 0-d, with a resize warning), where the product "
        "has mat.size(0) elements, as cgrad gives it; filtered only for shape divergences "
        "of such an addmv.",
        _addmv_of_an_empty_matrix,
    ),
    Quirk(
        "torch's addr backward of factors of another dtype",
        "addr promotes its operands in the forward, but torch's backward multiplies the "
        "gradient by the other factor in its own dtype and raises 'addmv input tensors must "
        "have the same dtype'; cgrad promotes there too. Filtered only with that message, in "
        "a program whose addr had operands of several dtypes.",
        _addr_backward_of_two_dtypes,
    ),
    Quirk(
        "the gradient of var/std (and var_mean/std_mean) over dim=()",
        "torch reduces over every dim for dim=() in the forward, but its backward divides "
        "by (number of elements in no dims) - correction = 0, giving inf/NaN gradients; "
        "filtered only when the same program with dim=None has no such divergence.",
        _var_over_no_dims,
    ),
    Quirk(
        "torch's internal asserts in backward",
        "torch's own bugs, which it reports as 'INTERNAL ASSERT FAILED ... please report a "
        "bug to PyTorch': the backward of False ** x (PowBackward2 reads the bool Scalar "
        "as another type: 'unknown ivalue tag'), and a gradient reaching an integer tensor "
        "that fill_ gave a history ('isDifferentiableType'). There is no torch result to "
        "compare with; filtered only in backward/autograd.grad with that message.",
        _refused_by_torchs_backward("INTERNAL ASSERT FAILED"),
    ),
    Quirk(
        "torch's fill_ of an integer tensor with an unrepresentable 0-d tensor",
        "x.fill_(v) with a 0-d float tensor v that the integer dtype cannot hold (inf, "
        "NaN, 1e30) converts unchecked in torch, giving the x86 conversion's garbage "
        "(INT64_MIN for int64, 0 for uint8), while fill_ with the same Python number "
        "raises 'value cannot be converted to type ... without overflow'. cgrad raises "
        "that error for both rather than write garbage; filtered only for that error.",
        _fill_with_an_unrepresentable_tensor,
    ),
    Quirk(
        "torch's bmm skips its dtype check when the result is empty",
        "bmm (and matmul where it batches) of float64 and float32, or of a float and an "
        "int64 tensor, raises 'expected scalar type' in torch's kernel, which an empty result "
        "never runs: torch then returns an empty tensor of the second operand's dtype. "
        "mm, mv and dot check dtypes up front, empty or not, as cgrad does for all of them.",
        _empty_batched_matmul_of_two_dtypes,
    ),
    Quirk(
        "torch's floor_divide_ of a view forgets its divisor's history",
        "floor_divide has no derivative in torch (its node raises 'derivative for "
        "aten::floor_divide_ is not implemented'), but written through a view the node is "
        "wrapped in CopySlices without the divisor's edge, so a gradient with respect to a "
        "divisor that requires grad comes back None instead of raising. cgrad raises in "
        "both cases; filtered only for that message after floor_divide_ of a view.",
        _floor_divide_of_a_view_loses_other,
    ),
    Quirk(
        "a float32 sum of terms that cancel, added in another order",
        "torch sums float32 in float32, in lanes set by the CPU's vector width; cgrad sums "
        "in double lanes in a fixed order. Where the terms cancel to far below their size "
        "(int64 values near 2**60 that mean(dtype=float32) converts), neither order is "
        "exact and either may be the luckier. Filtered only for sum/mean steps whose "
        "results differ by less than the float32 summation error bound n * u * sum(|x|).",
        _sum_within_its_rounding_bound,
    ),
    Quirk(
        "float32 rounding where cgrad is as close to the exact value as torch",
        "the two libraries round float32 differently (torch sums float32 in an order set "
        "by the CPU's vector width; cgrad sums in double lanes in a fixed order), and an "
        "ill-conditioned program (cos of a large sum, a gradient made by cancellation, "
        "std of equal values) turns that into a visible difference. The same program run "
        "in torch in float64 gives the exact value; filtered only where, at every element "
        "that differs, cgrad has that value to float32 tolerance, or is within "
        "ERROR_FACTOR times torch's own error of it, or the exact value is 0/0 (NaN) "
        "where both float32 runs stepped around the singularity.",
        _as_accurate_as_torch,
    ),
]


def quirk_for(div, run):
    """The name of the quirk that explains `div`, or None."""
    for quirk in QUIRKS:
        if quirk.applies(div, run):
            return quirk.name
    return None
