"""One program end to end, inside a worker: generate it, check it, minimize what diverges,
write the reproducers; the result is a JSON-able dict for the parent (pool.py)."""
import traceback
from collections import Counter

import cgrad

from .check import check
from .compare import SOFT_KINDS, Divergence
from .generate import generate, lacking
from .minimize import minimize
from .report import reproducer

LACKS = lacking(cgrad)


def signature(div, steps):
    """Kind, op and the ops of the (minimized) program: one finding per signature."""
    ops = sorted({s.label() for s in steps if s.kind != "tensor"})
    return f"{div.signature()} | {' '.join(ops)}"


def worth_minimizing(divergences):
    """The first hard divergence and the first soft one (each its own finding)."""
    hard = [d for d in divergences if d.kind not in SOFT_KINDS]
    soft = [d for d in divergences if d.kind in SOFT_KINDS]
    return hard[:1] + soft[:1]


def fuzzer_error(index, where):
    text = traceback.format_exc(limit=6)
    div = Divergence("fuzzer-error", 0, where, where, text.strip().splitlines()[-1], text, "")
    return {"index": index, "steps": 0, "divs": [div.to_dict()], "quirks": [],
            "repros": [{"signature": f"fuzzer-error in {where}", "text": text}]}


# What the slot holds while a program is being generated: the generator runs each step
# in torch, so a child that dies then was killed by torch, not cgrad.
GENERATING = "generating"


class Runner:
    """Runs programs of one seed; minimizes the first `per_signature` examples of each
    kind+op it sees, `max_minimized` in all. `slot`: a ProgramSlot that gets each
    program about to run, so that the parent can tell which one killed the process."""

    def __init__(self, seed, minimize=True, per_signature=2, max_minimized=None, slot=None):
        self.seed = seed
        self.minimize = minimize
        self.per_signature = per_signature
        self.max_minimized = max_minimized
        self.slot = slot
        self.seen = Counter()

    def check(self, steps):
        if self.slot is not None:
            self.slot.put(steps)
        return check(steps)

    def program(self, index):
        return generate(self.seed, index, LACKS)

    def run(self, index):
        if self.slot is not None:  # generating runs torch alone (Note [Crash isolation])
            self.slot.put(GENERATING)
        try:
            steps = self.program(index)
        except Exception:  # noqa: BLE001 - a generator bug is reported, not fatal
            return fuzzer_error(index, "generate")
        try:
            outcome = self.check(steps)
        except Exception:  # noqa: BLE001
            return fuzzer_error(index, "check")
        result = {"index": index, "steps": len(steps),
                  "divs": [d.to_dict() for d in outcome.divergences],
                  "quirks": outcome.quirks, "repros": []}
        for div in worth_minimizing(outcome.divergences) if self.minimize else []:
            if not self.wants(div):
                continue
            self.seen[div.signature()] += 1
            try:
                result["repros"].append(self.reproduce(steps, div, index))
            except Exception:  # noqa: BLE001
                error = fuzzer_error(index, "minimize")
                result["divs"] += error["divs"]
                result["repros"] += error["repros"]
        return result

    def wants(self, div):
        """Whether to minimize `div`: the first few of its kind+op, within the cap."""
        if self.seen[div.signature()] >= self.per_signature:
            return False
        return self.max_minimized is None or sum(self.seen.values()) < self.max_minimized

    def reproduce(self, steps, div, index):
        small = minimize(steps, div, lambda p: self.check(p).divergences)
        final = next((d for d in self.check(small).divergences if div.same_as(d)), div)
        return {"signature": signature(final, small),
                "text": reproducer(small, final, self.seed, index)}
