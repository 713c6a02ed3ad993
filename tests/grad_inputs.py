"""Shared inputs for the gradient checks: float64 leaves of seeded uniform values.

Gradient checks need no torch, so these live apart from parity.py (which skips without it).
"""
import numpy as np

import cgrad


def leaf(*shape, low=-2.0, high=2.0, seed=0):
    """A float64 leaf that requires grad, uniform in [low, high); the same shape and seed
    give the same values, and different ones different values."""
    rng = np.random.default_rng([seed, len(shape), *shape])
    return cgrad.tensor(rng.uniform(low, high, size=shape), dtype=cgrad.float64,
                        requires_grad=True)


def positive(*shape, seed=0):
    """A leaf of values in [0.5, 2), for ops defined on positive inputs (log, sqrt, ...)."""
    return leaf(*shape, low=0.5, high=2.0, seed=seed)


def inplace(method, *args, **kwargs):
    """f(x) = (x * 1).method(*args, **kwargs): the in-place op `method` run on a non-leaf (a
    leaf that requires grad refuses in-place ops), returning the written tensor."""
    def fn(x):
        y = x * 1
        getattr(y, method)(*args, **kwargs)
        return y
    return fn
