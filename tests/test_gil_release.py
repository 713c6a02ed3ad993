"""The areas that release the GIL through the shared helpers (Note [GIL release]) besides
those test_fast_paths.py covers: search, joins, clone, subscripts, in-place ops, backward,
factories and random fills. Each caller on four Python threads must still get exactly its
serial result."""
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
        lambda t: t[cgrad.arange(N_LARGE - 1, -1, -3)],
        lambda t: t[t > 0],
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

    def assigned(index, value):
        def fn(t):
            y = t.clone()
            y[index(t) if callable(index) else index] = value(t) if callable(value) else value
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
        assigned(slice(None, None, 2), 7.0),
        assigned(slice(1, None, 2), lambda t: t[::2][: N_LARGE // 2].neg()),
        assigned(lambda t: t > 1, 0.0),
        assigned(lambda t: cgrad.arange(0, N_LARGE, 5), lambda t: t[::5] * 2),
    ]
    same_bits_from_threads([(op, x) for op in ops for x in xs])


def test_factories_and_random_fills_from_python_threads(threads):  # noqa: F811
    # Factories and random fills run without the GIL; a generator= argument is chosen per
    # thread, so each seeded draw gives its serial values whatever the others do.
    cgrad.set_num_threads(2)
    xs = [values((N_LARGE,), np.float32)]

    def seeded(seed):
        return cgrad.Generator().manual_seed(seed)

    def filled(method, *args, seed):
        def fn(t):
            y = t.clone()
            getattr(y, method)(*args, generator=seeded(seed))
            return y
        return fn

    ops = [
        lambda t: cgrad.zeros(N_LARGE) + t,
        lambda t: cgrad.ones_like(t) * t,
        lambda t: cgrad.full((N_LARGE,), 2.5) - t,
        lambda t: cgrad.full_like(t, -1.0, dtype=cgrad.float64),
        lambda t: cgrad.rand(N_LARGE, generator=seeded(1)),
        lambda t: cgrad.randn_like(t, generator=seeded(2)),
        lambda t: cgrad.bernoulli(t.abs().clamp(0, 1).nan_to_num(0.5), generator=seeded(3)),
        filled("uniform_", -2.0, 2.0, seed=4),
        filled("normal_", 1.0, 3.0, seed=5),
        filled("exponential_", 2.0, seed=6),
        filled("random_", 0, 100, seed=7),
    ]
    same_bits_from_threads([(op, x) for op in ops for x in xs])
