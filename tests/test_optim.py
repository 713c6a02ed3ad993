"""cgrad.optim against torch.optim: 50-step trajectories from identical weights, for every
option (Note [Optimizer rounding]); state_dict layout; errors.

SGD agrees bit for bit. Adam, AdamW, RMSprop and Adagrad take a square root, which torch
computes with MKL's vector math, not correctly rounded (about 1 in 6 float32 results is
one ulp off, 1 in 80 for float64); cgrad's is correctly rounded, so those trajectories
agree to float rounding: the tolerances below are a few ulps of drift over 50 steps."""
import numpy as np
import pytest

import cgrad

torch = pytest.importorskip("torch")
from error_parity import check_error  # noqa: E402

STEPS = 50

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, maximize=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("Adam", dict(lr=0.01, betas=(0.4, 0.7), eps=1e-3)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.5)),
    ("AdamW", dict(lr=0.01, amsgrad=True, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, alpha=0.3, eps=1e-4)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.1)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True, eps=1e-3)),
]
IDS = [f"{name}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'default'}"
       for name, kw in CONFIGS]


def make_weights(dtype):
    rng = np.random.default_rng(0)
    # Sizes not a multiple of any vector width, and one non-contiguous leaf.
    return [rng.standard_normal(s).astype(dtype) for s in [(7, 5), (13,), (3, 1, 2), (37,)]]


def gradient(p):
    """A deterministic gradient of the parameter's values, the same in both libraries."""
    return (np.sin(3 * p) + np.float32(0.25) * p - np.float32(0.1)).astype(p.dtype)


def leaves(lib, arrays):
    out = []
    for i, a in enumerate(arrays):
        if i == 0:  # a transposed (non-contiguous) leaf
            t = lib.tensor(np.ascontiguousarray(a.T)).t()
            out.append(t.detach().requires_grad_())
        else:
            out.append(lib.tensor(a).requires_grad_())
    return out


def run(lib, name, kwargs, arrays, steps=STEPS):
    params = leaves(lib, arrays)
    opt = getattr(lib.optim, name)(params, **kwargs)
    for step in range(steps):
        for i, p in enumerate(params):
            # One parameter sits out every third step (grad None), as unused weights do.
            p.grad = None if (i == 2 and step % 3 == 1) else lib.tensor(
                gradient(p.detach().numpy()))
        opt.step()
    return params, opt


def as_numpy(value):
    return value.detach().numpy() if hasattr(value, "detach") else value


def assert_agree(name, dtype, got, want):
    if name == "SGD":
        np.testing.assert_array_equal(got, want)
    elif dtype == np.float32:
        np.testing.assert_allclose(got, want, rtol=3e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=IDS)
def test_trajectory_matches_torch(name, kwargs, dtype):
    arrays = make_weights(dtype)
    got, got_opt = run(cgrad, name, kwargs, arrays)
    want, want_opt = run(torch, name, kwargs, arrays)
    for g, w in zip(got, want):
        assert_agree(name, dtype, g.detach().numpy(), w.detach().numpy())
    got_state, want_state = got_opt.state_dict(), want_opt.state_dict()
    assert got_state["param_groups"] == want_state["param_groups"]
    assert got_state["state"].keys() == want_state["state"].keys()
    for key, want_entry in want_state["state"].items():
        assert list(got_state["state"][key]) == list(want_entry)
        for field, value in want_entry.items():
            got_value = got_state["state"][key][field]
            assert str(got_value.dtype) == str(value.dtype).replace("torch.", "cgrad.")
            assert_agree(name, dtype, as_numpy(got_value), as_numpy(value))


@pytest.mark.parametrize("name,kwargs", CONFIGS[1:2] + CONFIGS[8:9] + CONFIGS[14:15]
                         + CONFIGS[20:21] + CONFIGS[23:24], ids=lambda x: str(x))
def test_load_state_dict_from_torch_then_continue(name, kwargs):
    arrays = make_weights(np.float32)
    want, want_opt = run(torch, name, kwargs, arrays, steps=10)
    # cgrad resumes from torch's weights and optimizer state.
    params = [cgrad.tensor(w.detach().numpy()).requires_grad_() for w in want]
    opt = getattr(cgrad.optim, name)(params, **kwargs)
    saved = want_opt.state_dict()
    converted = {"param_groups": saved["param_groups"],
                 "state": {k: {f: cgrad.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v
                               for f, v in entry.items()} for k, entry in saved["state"].items()}}
    opt.load_state_dict(converted)
    for step in range(10):
        for p, w in zip(params, want):
            p.grad = cgrad.tensor(gradient(p.detach().numpy()))
            w.grad = torch.tensor(gradient(w.detach().numpy()))
        opt.step()
        want_opt.step()
    for p, w in zip(params, want):
        assert_agree(name, np.float32, p.detach().numpy(), w.detach().numpy())


def test_training_a_small_model_through_autograd():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((16, 3)).astype(np.float32), rng.standard_normal((16, 1)).astype(np.float32)
    w0, b0 = rng.standard_normal((3, 1)).astype(np.float32), np.zeros(1, np.float32)
    losses = {}
    for lib in (cgrad, torch):
        w, b = lib.tensor(w0).requires_grad_(), lib.tensor(b0).requires_grad_()
        opt = lib.optim.Adam([w, b], lr=0.05)
        X, Y = lib.tensor(x), lib.tensor(y)
        history = []
        for _ in range(STEPS):
            def closure():
                opt.zero_grad()
                loss = ((X @ w + b - Y) ** 2).mean()
                loss.backward()
                return loss
            history.append(opt.step(closure).item())
        losses[lib.__name__] = history
    np.testing.assert_allclose(losses["cgrad"], losses["torch"], rtol=1e-5, atol=1e-6)
    assert losses["cgrad"][-1] < losses["cgrad"][0]


def test_param_groups_and_repr():
    for lib in (cgrad, torch):
        a, b = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
        opt = lib.optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
        opt.add_param_group({"params": [lib.zeros(1, requires_grad=True)], "nesterov": True})
        if lib is torch:
            want = (repr(opt), opt.state_dict())
        else:
            got = (repr(opt), opt.state_dict())
    assert got == want


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    results = []
    for lib in (cgrad, torch):
        p = lib.ones(3, requires_grad=True)
        (p * 2).sum().backward()
        opt = lib.optim.SGD([p])
        opt.zero_grad(set_to_none=set_to_none)
        results.append(None if p.grad is None else p.grad.tolist())
    assert results[0] == results[1]


BAD_CALLS = [
    lambda lib: lib.optim.SGD([]),
    lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True)),
    lambda lib: lib.optim.SGD([{"params": {lib.zeros(2, requires_grad=True)}}]),
    lambda lib: lib.optim.SGD([1.0]),
    lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2]),
    lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=-1),
    lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], momentum=-0.5),
    lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True)], nesterov=True),
    lambda lib: lib.optim.Adam([lib.zeros(2, requires_grad=True)], betas=(1.0, 0.9)),
    lambda lib: lib.optim.Adam([lib.zeros(2, requires_grad=True)], betas=(0.9, -0.1)),
    lambda lib: lib.optim.Adam([lib.zeros(2, requires_grad=True)], eps=-1),
    lambda lib: lib.optim.AdamW([lib.zeros(2, requires_grad=True)], weight_decay=-1),
    lambda lib: lib.optim.RMSprop([lib.zeros(2, requires_grad=True)], alpha=-1),
    lambda lib: lib.optim.Adagrad([lib.zeros(2, requires_grad=True)], lr_decay=-1),
    lambda lib: lib.optim.Adagrad([lib.zeros(2, requires_grad=True)],
                                  initial_accumulator_value=-1),
]


@pytest.mark.parametrize("index", range(len(BAD_CALLS)))
def test_errors_match_torch(index):
    check_error(BAD_CALLS[index])


def test_parameter_in_two_groups():
    for lib in (cgrad, torch):
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p])
        with pytest.raises(ValueError, match="some parameters appear in more than one"):
            opt.add_param_group({"params": [p]})


def test_step_updates_version_and_keeps_leaves():
    p = cgrad.ones(4, requires_grad=True)
    saved = p * 1
    p.grad = cgrad.ones(4)
    cgrad.optim.Adam([p]).step()
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert p._version == 1
    del saved


def test_mismatched_grad_shape_raises():
    # Tensor.grad refuses a wrong shape; the fused step checks again on its own.
    p = cgrad.ones(4, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"sgd: grad of shape \[3\] does not match"):
        cgrad._C._optim.sgd_step([p], [cgrad.ones(3)], [None], lr=0.1, momentum=0.0,
                                 dampening=0.0, weight_decay=0.0, nesterov=False,
                                 maximize=False)
