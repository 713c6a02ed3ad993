"""Running a program in torch and in cgrad side by side, and collecting the divergences.

# Note [Lockstep replay]:
# Both libraries run the program step by step, torch first, from fresh values. After
# each step: if either raised, both must have raised the same exception type, and the
# program stops there. Otherwise the step's result (or the tensor it wrote, for in-place
# steps) is compared at once; a hard divergence (wrong value, shape, dtype,
# requires_grad, a missing or spurious error) stops the program, because everything after
# it would differ too; soft ones (is_leaf, grad_fn name) are recorded and the run goes
# on. A hard difference explained by one of torch's quirks (quirks.py) stops it too. At the end every value is compared again (in-place writes must show through every
# view and base made earlier) and so is the .grad of every leaf and retained non-leaf.
"""
import warnings

import cgrad
import torch

from .compare import (SOFT_KINDS, Divergence, attribute, compare_tensor, compare_value,
                      describe, tolerance)
from .program import Ref, execute, fmt, value_at
from .quirks import quirk_for

TORCH_TENSOR, CGRAD_TENSOR = torch.Tensor, cgrad.Tensor


class Outcome:
    def __init__(self):
        self.divergences = []   # Divergence, in the order seen
        self.quirks = []        # names of QUIRKS that explained a difference
        self.explained = False  # a hard difference was a quirk: what follows would differ

    def hard(self):
        return [d for d in self.divergences if d.kind not in SOFT_KINDS]

    def over(self):
        return self.explained or bool(self.hard())


def subject_of(step, index):
    """The Ref whose value a step makes or writes; None for steps that do neither."""
    if step.out:
        return Ref(index)
    if step.kind in ("iop", "setitem"):
        return step.args[0]
    if step.kind == "call" and isinstance(step.target, Ref) and step.name.endswith("_") \
            and step.name != "requires_grad_":
        return step.target
    return None


def run_step(step, lib, values):
    """(None, error) or (value, None); `values` gets the value appended either way."""
    try:
        value = execute(step, lib, values)
    except Exception as e:  # noqa: BLE001 - every error is a result to compare
        values.append(None)
        return None, e
    values.append(value)
    return value, None


def error_divergence(step, index, t_err, c_err, t_val, c_val):
    if t_err is not None and c_err is not None:
        if type(t_err).__name__ == type(c_err).__name__:
            return None
        kind = "error-type"
    else:
        kind = "missing-error" if t_err is not None else "spurious-error"
    t_text = describe(t_err if t_err is not None else t_val)
    c_text = describe(c_err if c_err is not None else c_val)
    return Divergence(kind, index, f"v{index}" if step.out else "step", step.label(),
                      f"torch {t_text}; cgrad {c_text}", t_text, c_text, origin=index)


def uses_float32(value):
    items = value if isinstance(value, (tuple, list)) else (value,)
    return any(isinstance(t, TORCH_TENSOR) and t.dtype == torch.float32 for t in items)


class Run:
    """One lockstep run: the program, both libraries' values so far, what was found.
    Quirk filters (quirks.py) read it to decide whether a divergence is torch's quirk."""

    def __init__(self, steps):
        self.steps = steps
        self.tv, self.cv = [], []   # torch's and cgrad's values, aligned with steps
        self.float32 = False
        self.outcome = Outcome()
        self.before = None  # (torch copy, cgrad copy) of what the current step writes

    def snapshot(self, step, i):
        """Keeps copies of the tensor an in-place step is about to write (for quirks.py)."""
        ref = subject_of(step, i)
        self.before = None
        if ref is None or ref.step == i or ref.item is not None:
            return
        try:
            self.before = (self.tv[ref.step].detach().clone(),
                           self.cv[ref.step].detach().clone())
        except Exception:  # noqa: BLE001 - only a quirk filter reads it
            pass

    @property
    def tol(self):
        return tolerance(self.float32)

    def record(self, div):
        quirk = quirk_for(div, self)
        if quirk is not None:
            self.outcome.quirks.append(quirk)
            self.outcome.explained |= div.kind not in SOFT_KINDS
        else:
            self.outcome.divergences.append(div)

    def compare(self, ref, t, c, end=None):
        """Records what differs between torch's `t` and cgrad's `c`, the value at `ref`;
        `end`: the index for end-of-program checks (None: right after step ref.step)."""
        step = end if end is not None else len(self.tv) - 1
        for kind, detail in compare_value(t, c, self.tol, TORCH_TENSOR, CGRAD_TENSOR):
            self.record(Divergence(kind, step, fmt(ref), self.steps[ref.step].label(),
                                   detail, describe(t), describe(c),
                                   "end" if end is not None else "step", ref.step))


def check(steps, progress=None):
    """Runs `steps` in both libraries; the Outcome lists what differs. `progress(i, lib)`
    is called before each step runs in each library (pool.py: where a crash happened)."""
    run = Run(steps)
    progress = progress or (lambda i, lib: None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, step in enumerate(steps):
            run.snapshot(step, i)
            progress(i, "torch")
            t_val, t_err = run_step(step, torch, run.tv)
            progress(i, "cgrad")
            c_val, c_err = run_step(step, cgrad, run.cv)
            if t_err is not None or c_err is not None:
                div = error_divergence(step, i, t_err, c_err, t_val, c_val)
                if div is not None:
                    run.record(div)
                return run.outcome
            ref = subject_of(step, i)
            if ref is None:
                continue
            t, c = value_at(run.tv, ref), value_at(run.cv, ref)
            run.float32 = run.float32 or uses_float32(t_val) or uses_float32(t)
            run.compare(ref, t, c)
            if run.outcome.over():
                return run.outcome
        progress(len(steps), "end")
        check_end(run)
    return run.outcome


def check_end(run):
    """Every value again, then every leaf's (and retained non-leaf's) gradient."""
    steps, end = run.steps, len(run.steps)
    reported = {(d.kind, d.what) for d in run.outcome.divergences}
    pairs = []  # (Ref, torch tensor, cgrad value), each torch tensor once
    ids = set()
    for i, (t, c) in enumerate(zip(run.tv, run.cv)):
        if not steps[i].out:
            continue
        items = [(Ref(i), t, c)]
        if isinstance(t, (tuple, list)):
            items = [(Ref(i, k), ti, c[k] if isinstance(c, (tuple, list)) and k < len(c)
                      else None) for k, ti in enumerate(t)]
        for ref, ti, ci in items:
            if isinstance(ti, TORCH_TENSOR) and id(ti) not in ids:
                ids.add(id(ti))
                pairs.append((ref, ti, ci))
    before = len(run.outcome.divergences)
    for ref, t, c in pairs:
        run.compare(ref, t, c, end)
    run.outcome.divergences[before:] = [d for d in run.outcome.divergences[before:]
                                        if (d.kind, d.what) not in reported]
    for ref, t, c in pairs:
        if run.outcome.explained:
            return
        if not (attribute(t, "is_leaf") is True and t.requires_grad or t.retains_grad):
            continue
        if not isinstance(c, CGRAD_TENSOR):
            continue  # reported above as a type divergence
        what = fmt(ref) + ".grad"
        t_grad, c_grad = t.grad, c.grad
        if (t_grad is None) != (c_grad is None):
            run.record(Divergence("grad", end, what, "grad", "None vs a tensor",
                                  describe(t_grad), describe(c_grad), "end", ref.step))
            continue
        if t_grad is None:
            continue
        for kind, detail in compare_tensor(t_grad, c_grad, run.tol, CGRAD_TENSOR):
            if kind in ("value", "shape", "dtype", "type"):
                run.record(Divergence("grad", end, what, "grad", f"{kind}: {detail}",
                                      describe(t_grad), describe(c_grad), "end", ref.step))
                break
