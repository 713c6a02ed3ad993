"""cgrad.optim on float16 and bfloat16 parameters against torch.optim: every option of
tests/test_optim.py, 20 steps, bit for bit (Note [Reduced-float optimizer steps]); the
state (exp_avg, momentum_buffer, ...) in the parameter's dtype and the step counter in
float32, as torch keeps them."""
import numpy as np
import pytest

import cgrad
from test_optim import CONFIGS, IDS, make_weights

torch = pytest.importorskip("torch")

STEPS = 20
DTYPES = ["float16", "bfloat16"]


def gradient(lib, p):
    """A deterministic gradient computed in float32, the same in both libraries."""
    x = p.detach().float().numpy()
    with np.errstate(invalid="ignore"):  # Adam's eps=1e-8 is 0 in float16: NaN, as in torch
        return lib.tensor(np.sin(3 * x) + np.float32(0.25) * x - np.float32(0.1)).to(p.dtype)


def run(lib, name, kwargs, dtype):
    params = []
    for i, a in enumerate(make_weights(np.float32)):
        if i == 0:  # a transposed (non-contiguous) leaf
            t = lib.tensor(np.ascontiguousarray(a.T)).to(getattr(lib, dtype)).t()
        else:
            t = lib.tensor(a).to(getattr(lib, dtype))
        params.append(t.detach().requires_grad_())
    opt = getattr(lib.optim, name)(params, **kwargs)
    for step in range(STEPS):
        for i, p in enumerate(params):
            p.grad = None if (i == 2 and step % 3 == 1) else gradient(lib, p)
        opt.step()
    return params, opt


def bits(t):
    return t.detach().float().numpy()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_reduced_float_trajectory_matches_torch_bit_for_bit(name, kwargs, dtype):
    got, got_opt = run(cgrad, name, kwargs, dtype)
    want, want_opt = run(torch, name, kwargs, dtype)
    for g, w in zip(got, want):
        assert str(g.dtype) == str(w.dtype).replace("torch.", "cgrad.")
        np.testing.assert_array_equal(bits(g), bits(w))
    got_state, want_state = got_opt.state_dict()["state"], want_opt.state_dict()["state"]
    assert got_state.keys() == want_state.keys()
    for key, want_entry in want_state.items():
        assert list(got_state[key]) == list(want_entry)
        for field, value in want_entry.items():
            got_value = got_state[key][field]
            assert str(got_value.dtype) == str(value.dtype).replace("torch.", "cgrad.")
            np.testing.assert_array_equal(bits(got_value), bits(value))


def test_reduced_float_step_bumps_versions():
    p = cgrad.ones(4, dtype=cgrad.float16, requires_grad=True)
    p.grad = cgrad.ones(4, dtype=cgrad.float16)
    opt = cgrad.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    opt.step()
    assert p._version == 2 and p.is_leaf
    assert opt.state[p]["momentum_buffer"]._version == 1


LAYOUT_CONFIGS = [("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
                  ("Adam", dict(lr=0.01, weight_decay=0.1)),
                  ("RMSprop", dict(lr=0.01, momentum=0.5, weight_decay=0.1)),
                  ("Adagrad", dict(lr=0.1, weight_decay=0.1))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kwargs", LAYOUT_CONFIGS, ids=[c[0] for c in LAYOUT_CONFIGS])
def test_reduced_float_layouts_match_torch(name, kwargs, dtype):
    # A long parameter (vectorized blocks and a tail) and a transposed one whose gradient
    # is contiguous (torch's scalar loop throughout; Note [Reduced-float layouts]).
    rng = np.random.default_rng(2)
    big, wide = rng.standard_normal(1001).astype(np.float32), rng.standard_normal((6, 9))
    results = []
    for lib in (cgrad, torch):
        params = [lib.tensor(big).to(getattr(lib, dtype)).requires_grad_(),
                  lib.tensor(wide.astype(np.float32)).to(getattr(lib, dtype)).t()
                  .detach().requires_grad_()]
        opt = getattr(lib.optim, name)(params, **kwargs)
        for _ in range(10):
            for p in params:
                p.grad = gradient(lib, p).contiguous()
            opt.step()
        results.append([bits(p) for p in params])
    for g, w in zip(*results):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", DTYPES)
def test_reduced_float_long_parameter_split_among_threads(dtype):
    # Above torch's grain size (32768) each thread's chunk has its own scalar tail; with
    # the same thread count in both libraries the steps agree bit for bit.
    rng = np.random.default_rng(3)
    weights = rng.standard_normal(70001).astype(np.float32)
    saved = torch.get_num_threads(), cgrad.get_num_threads()
    results = []
    try:
        for lib in (cgrad, torch):
            lib.set_num_threads(2)
            p = lib.tensor(weights).to(getattr(lib, dtype)).requires_grad_()
            opt = lib.optim.SGD([p], lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)
            for _ in range(3):
                p.grad = gradient(lib, p)
                opt.step()
            results.append(bits(p))
    finally:
        torch.set_num_threads(saved[0])
        cgrad.set_num_threads(saved[1])
    np.testing.assert_array_equal(results[0], results[1])
