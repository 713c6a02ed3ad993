"""Cutting a divergent program down to a small one with the same divergence.

# Note [Minimizing]:
# Delta debugging over steps: drop chunks of steps, halving the chunk size down to one
# step; a chunk is dropped together with every step that reads it (so every candidate is
# a valid program), and a candidate is kept when it still shows the same divergence
# (same kind, at a value made by the same op; Divergence.same_as). Then steps are
# bypassed: the readers of a step's value read one of its inputs instead (`v5 = v3 + v4`
# goes, and whoever read v5 reads v3), which cuts chains that plain dropping cannot (the
# closing loss is a chain of sums). Then each step is simplified in place: a leaf loses
# requires_grad, a strided input becomes contiguous, a dim shrinks to size 1, a keyword
# argument or a no_grad block goes; and steps are dropped once more. Every candidate
# costs one lockstep run (a few ms), so a budget caps the runs.
"""
from dataclasses import replace

import numpy as np

from .program import Zeros, map_refs, renumber

BUDGET = 400


def without(steps, drop):
    """`steps` minus the indices in `drop` and every step that reads a dropped one,
    with references renumbered."""
    drop = set(drop)
    for i, step in enumerate(steps):
        if i not in drop and any(r.step in drop for r in step.refs()):
            drop.add(i)
    mapping, kept = {}, []
    for i, step in enumerate(steps):
        if i not in drop:
            mapping[i] = len(kept)
            kept.append(step)
    return [renumber(s, mapping) for s in kept]


def bypass(steps, k, source):
    """`steps` without step k, its readers reading Ref `source` instead; None where a
    reader takes one item of k's tuple value."""
    if any(r.step == k and r.item is not None for s in steps[k + 1:] for r in s.refs()):
        return None
    rewired = [map_refs(s, lambda r: source if r.step == k else r) for s in steps]
    return without(rewired, [k])


def bypass_steps(steps, keeps, within_budget):
    k = len(steps) - 1
    while k >= 0 and within_budget():
        step = steps[k]
        if step.out and step.kind != "tensor":
            for source in dict.fromkeys(r for r in step.refs()):
                candidate = bypass(steps, k, source)
                if candidate is not None and within_budget() and keeps(candidate):
                    steps = candidate
                    break
        k = min(k, len(steps)) - 1
    return steps


def apply_layout(data, dtype, layout):
    """The data a strided input holds, as nested lists for a contiguous tensor."""
    np_dtype = {"float32": np.float64, "float64": np.float64, "int64": np.int64,
                "int32": np.int64, "bool": np.bool_}[dtype]
    arr = np.zeros(data.shape) if isinstance(data, Zeros) else np.array(data, dtype=np_dtype)
    for method, args in layout:
        if method == "t":
            arr = arr.T
        elif method == "transpose":
            arr = np.swapaxes(arr, *args)
        elif method == "getitem":
            arr = arr[args]
        elif method == "expand":
            arr = np.broadcast_to(arr, args)
        else:
            return None
    return Zeros(arr.shape) if arr.size == 0 else arr.tolist()


def shrink(data, dim):
    """`data` with dim `dim` cut to its first element."""
    if isinstance(data, Zeros):
        return None
    arr = np.array(data, dtype=object)
    if arr.ndim <= dim or arr.shape[dim] <= 1:
        return None
    return np.take(arr, [0], axis=dim).tolist()


def simplifications(step):
    """Simpler versions of one step, simplest first."""
    if step.no_grad:
        yield replace(step, no_grad=False)
    if step.kind == "tensor":
        data, dtype, requires_grad, layout = step.args
        if requires_grad:
            yield replace(step, args=(data, dtype, False, layout))
        if layout:
            flat = apply_layout(data, dtype, layout)
            if flat is not None:
                yield replace(step, args=(flat, dtype, requires_grad, []))
        else:
            for dim in range(0 if isinstance(data, Zeros) else np.ndim(data)):
                smaller = shrink(data, dim)
                if smaller is not None:
                    yield replace(step, args=(smaller, dtype, requires_grad, layout))
    for key in step.kwargs:
        yield replace(step, kwargs={k: v for k, v in step.kwargs.items() if k != key})


def minimize(steps, target, run, budget=BUDGET):
    """A shorter program for which `run(program)` (a list of Divergences) still holds one
    that is `target.same_as`."""
    runs = 0

    def keeps(candidate):
        nonlocal runs
        runs += 1
        return any(target.same_as(d) for d in run(candidate))

    steps = drop_steps(list(steps), keeps, lambda: runs < budget)
    steps = bypass_steps(steps, keeps, lambda: runs < budget)
    i = 0
    while i < len(steps) and runs < budget:
        for simpler in simplifications(steps[i]):
            candidate = steps[:i] + [simpler] + steps[i + 1:]
            if runs < budget and keeps(candidate):
                steps = candidate
                break  # simplify the same step again (several dims, several kwargs)
        else:
            i += 1
    return drop_steps(steps, keeps, lambda: runs < budget)


def drop_steps(steps, keeps, within_budget):
    chunk = max(1, len(steps) // 2)
    while chunk >= 1:
        i = len(steps) - chunk
        while i >= 0 and within_budget():
            candidate = without(steps, range(i, i + chunk))
            if len(candidate) < len(steps) and keeps(candidate):
                steps = candidate
                i = min(i, len(steps)) - chunk
            else:
                i -= chunk
        if chunk == 1:
            break
        chunk //= 2
    return steps
