"""The areas that release the GIL through the shared helpers (Note [GIL release]) besides
those test_fast_paths.py covers: search, joins, clone, in-place ops, backward. Each
caller on four Python threads must still get exactly its serial result."""
import numpy as np

import cgrad
from test_fast_paths import N_LARGE, same_bits_from_threads, threads, values  # noqa: F401


def test_search_joins_and_clone_from_python_threads(threads):  # noqa: F811
    cgrad.set_num_threads(2)
    xs = [values((N_LARGE,), np.float32) for _ in range(2)]
    edges = cgrad.linspace(-4, 4, 97)

    ops = [
        lambda t: t.round().unique(),
        lambda t: t.round().unique(return_counts=True)[1],
        lambda t: t.round().unique_consecutive(),
        lambda t: cgrad.searchsorted(edges, t),
        lambda t: cgrad.bucketize(t, edges, right=True),
        lambda t: cgrad.cat([t, t.flip(0)]),
        lambda t: cgrad.stack([t, -t], 1),
        lambda t: t.clone(),
    ]
    same_bits_from_threads([(op, x) for op in ops for x in xs])


def test_inplace_ops_and_backward_from_python_threads(threads):  # noqa: F811
    cgrad.set_num_threads(2)
    xs = [values((N_LARGE,), np.float32) for _ in range(2)]

    def written(method, *args, **kwargs):
        def fn(t):
            y = t.clone()
            getattr(y, method)(*args, **kwargs)
            return y
        return fn

    def grad_of(t):
        leaf = t.detach().requires_grad_()
        (leaf * leaf).sum().backward()
        return leaf.grad

    ops = [
        written("add_", 1.5),
        written("sub_", 0.25, alpha=2),
        written("mul_", 3.0),
        written("div_", 7.0),
        written("pow_", 2),
        written("fill_", 2.0),
        written("zero_"),
        written("copy_", cgrad.ones(N_LARGE)),
        grad_of,
    ]
    same_bits_from_threads([(op, x) for op in ops for x in xs])
