"""Reproducers (a program as a standalone snippet) and the run summary."""
from collections import Counter

from .compare import KINDS, Divergence
from .program import render

ERROR_KINDS = ("crash", "timeout", "missing-error", "spurious-error", "error-type")


def program_source(steps):
    lines = []
    for i, step in enumerate(steps):
        lines += render(step, i)
    return lines


def reproducer(steps, div, seed, index):
    """A snippet that runs as is in cgrad and, with `import torch`, in torch."""
    where = "at the end of the program" if div.phase == "end" else f"at step {div.step}"
    head = [
        f"# cgrad fuzz, seed {seed} index {index}: {div.kind} in {div.what} "
        f"(made by {div.label}), {where}",
        f"# {div.detail}",
        f"# torch: {div.torch}",
        f"# cgrad: {div.cgrad}",
        "import cgrad as torch  # or: import torch",
        "F = torch.nn.functional",
    ]
    tail = [] if div.kind in ERROR_KINDS or div.what == "step" else [f"print({div.what})"]
    return "\n".join(head + program_source(steps) + tail)


def summarize(results, elapsed, quirk_counts, lacks=()):
    """The text printed after a run: counts by kind, every kind+op with its count and
    first program, then one minimized reproducer per distinct signature."""
    kinds, by_op, first = Counter(), Counter(), {}
    groups = {}
    for r in results:
        for d in r["divs"]:
            kinds[d["kind"]] += 1
            sig = Divergence(**d).signature()
            by_op[sig] += 1
            first.setdefault(sig, r["index"])
        for rep in r.get("repros", []):
            group = groups.setdefault(rep["signature"], {"count": 0, "repro": rep})
            group["count"] += 1
            if len(rep["text"]) < len(group["repro"]["text"]):
                group["repro"] = rep
    divergent = sum(1 for r in results if r["divs"])
    rate = len(results) / elapsed if elapsed > 0 else 0.0
    lines = [f"{len(results)} programs in {elapsed:.1f} s ({rate:.0f}/s): "
             f"{divergent} with divergences"]
    lines += [f"  {kind}: {kinds[kind]}" for kind in KINDS if kinds[kind]]
    if quirk_counts:
        lines.append("torch quirks ignored (tests/fuzz/quirks.py):")
        lines += [f"  {n} x {name}" for name, n in quirk_counts.most_common()]
    if lacks:
        lines.append("not generated, cgrad lacks: " + ", ".join(f"Tensor.{n}" for n in lacks))
    if by_op:
        lines.append("divergences by kind and op (count, first program):")
        lines += [f"  {n:5d}  {sig}  (index {first[sig]})" for sig, n in sorted(by_op.items())]
    for sig, group in sorted(groups.items()):
        lines.append("")
        lines.append(f"==== {sig}  ({group['count']} minimized example(s))")
        lines.append(group["repro"]["text"])
    return "\n".join(lines)
