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
  the message checks);
- `type(t.grad_fn).__name__`: cgrad has none yet; grad_fn.name() is compared.
"""
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Quirk:
    name: str
    reason: str
    applies: Callable  # (divergence, steps) -> bool


def _made_by_double_backward(div, steps):
    if div.kind != "grad_fn" or not 0 <= div.origin < len(steps):
        return False
    step = steps[div.origin]
    return step.tag == "higher-order" or (
        step.kind == "call" and step.target == "autograd" and step.kwargs.get("create_graph"))


QUIRKS = [
    Quirk(
        "grad_fn names inside a double-backward graph",
        "with create_graph=True the gradients' graph is made of whatever ops each "
        "backward formula is written with (torch: its derivatives.yaml; cgrad: its own "
        "ops), so node names there are implementation details; values and gradients of "
        "that graph are still compared.",
        _made_by_double_backward,
    ),
]


def quirk_for(div, steps):
    """The name of the quirk that explains `div`, or None."""
    for quirk in QUIRKS:
        if quirk.applies(div, steps):
            return quirk.name
    return None
