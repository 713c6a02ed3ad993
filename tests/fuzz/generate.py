"""Program generation: the ops table (one row per op family, with its weight) and the loop
that draws 3-12 rows, then the closing backward, from random.Random(f"{seed}:{index}").

# Note [Invalid steps on purpose]:
# Rows mostly make valid arguments, and sometimes invalid ones (a wrong inner size, a dim
# out of range, an index past the end, a write to a leaf that requires grad). When torch
# raises on a step during generation, the step is kept as the program's last one with
# probability KEEP_ERROR (both libraries must then raise the same exception type), and
# otherwise dropped, and another row is drawn. Errors in the closing backward (a graph
# freed by the first backward, a saved tensor modified in place) are always kept: they are
# the errors autograd users meet.
"""
import random

from . import ops_autograd, ops_index, ops_inplace, ops_linalg, ops_loss, ops_math, ops_shape
from .gen import Gen, StepFailed

ROWS = (ops_math.ROWS + ops_linalg.ROWS + ops_shape.ROWS + ops_index.ROWS
        + ops_inplace.ROWS + ops_loss.ROWS + ops_autograd.ROWS)
ROW_WEIGHTS = [w for _, w, _ in ROWS]

KEEP_ERROR = 0.25
NO_GRAD_ROW = 0.05       # chance that a whole row runs inside torch.no_grad()
MIN_OPS, MAX_OPS = 3, 12

# Tensor methods used only where the library under test has them: a missing method is
# a known gap, not something to rediscover in every program (the CLI lists them).
OPTIONAL_METHODS = ("diagonal",)


def lacking(lib):
    return frozenset(n for n in OPTIONAL_METHODS if not hasattr(lib.Tensor, n))


def generate(seed, index, lacks=frozenset(), n_ops=None):
    """The program (a list of Steps) for (seed, index)."""
    rng = random.Random(f"{seed}:{index}")
    g = Gen(rng, lacks)
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        g.tensor(dtype=g.dtype(float_only=rng.random() < 0.8))
    n_ops = n_ops if n_ops is not None else rng.randint(MIN_OPS, MAX_OPS)
    done = attempts = 0
    while done < n_ops and attempts < 4 * n_ops:
        attempts += 1
        _, _, row = rng.choices(ROWS, ROW_WEIGHTS)[0]
        mark = len(g.steps)
        g.no_grad = rng.random() < NO_GRAD_ROW
        try:
            row(g)
        except StepFailed:
            if rng.random() < KEEP_ERROR:
                return g.steps
            g.truncate(mark)
            continue
        finally:
            g.no_grad = False
        done += 1
    try:
        ops_autograd.gen_backward(g)
    except StepFailed:
        pass  # kept: Note [Invalid steps on purpose]
    return g.steps
