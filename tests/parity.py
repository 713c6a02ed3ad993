"""Shared helpers for the torch-parity tests, one line per case.

Each case is `fn(lib, *inputs)` run once with torch and once with cgrad on the same
numpy data; `check` compares values, dtypes, grad_fn names and the gradients of every
input that requires grad after backward with a random upstream gradient.
"""
import math
import sys
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

INF = math.inf
_generators = {}


def _rng():
    """The generator of the test module that is building its cases: one per module, seeded
    by its name, so a module's data does not depend on which modules were collected first."""
    frame = sys._getframe(1)
    while frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    module = frame.f_globals.get("__name__", "")
    if module not in _generators:
        _generators[module] = np.random.default_rng(zlib.crc32(module.encode()))
    return _generators[module]


# ---- inputs: numpy arrays (or Python scalars), the same data for both libraries ----

def R(*shape, dtype=np.float32, low=-2.0, high=2.0):
    """Uniform floats."""
    return np.asarray(_rng().uniform(low, high, shape), dtype=dtype)


def P(*shape, dtype=np.float32):
    """Positive floats (log, sqrt, pow bases)."""
    return R(*shape, dtype=dtype, low=0.5, high=2.0)


def H(*shape, dtype=np.float32):
    """Small whole numbers as floats: comparisons with ties, relu/abs away from 0."""
    return np.asarray(_rng().integers(-2, 3, shape), dtype=dtype)


def I(*shape, dtype=np.int64, low=-5, high=6):
    return np.asarray(_rng().integers(low, high, shape), dtype=dtype)


def B(*shape):
    return np.asarray(_rng().integers(0, 2, shape), dtype=np.bool_)


def U(*shape, dtype=np.float32):
    """Inside (-1, 1): asin, acos, atanh-like domains."""
    return R(*shape, dtype=dtype, low=-0.95, high=0.95)


def arr(*values, dtype=np.float32):
    """The given values (special values: NaN, inf, signed zeros) as one array."""
    return np.array(values, dtype=dtype)


def T(arr):
    """A non-contiguous (transposed) view of `arr`."""
    return arr.T


def F(lib):
    """The library's nn.functional, for cases written once for both."""
    return lib.nn.functional


def lib_dtype_name(dtype):
    return str(dtype).split(".")[-1]


def make(lib, x, requires_grad):
    if not isinstance(x, np.ndarray):
        return x  # Python scalar
    # Strided arrays go through from_numpy so the tensor keeps numpy's strides.
    t = lib.tensor(x) if x.flags.c_contiguous else lib.from_numpy(x)
    if requires_grad and x.dtype.kind == "f":
        t.requires_grad_(True)
    return t


def assert_same(c, t, what, rtol, atol):
    assert isinstance(c, cgrad.Tensor), f"{what}: cgrad returned {type(c).__name__}"
    assert lib_dtype_name(c.dtype) == lib_dtype_name(t.dtype), f"{what}: dtype"
    assert tuple(c.shape) == tuple(t.shape), f"{what}: shape"
    c_np, t_np = c.detach().numpy(), t.detach().numpy()
    if c_np.dtype.kind == "f":
        np.testing.assert_allclose(c_np, t_np, rtol=rtol, atol=atol, err_msg=what)
    else:
        np.testing.assert_array_equal(c_np, t_np, err_msg=what)


def tolerances(*tensors):
    if any(t.dtype == torch.float32 for t in tensors):
        return 3e-5, 1e-5
    return 1e-10, 1e-12


def outputs_of(out):
    """The tensors an op returned: one, or a tuple/list of them (split, max with dim)."""
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check(fn, *inputs, grad=True):
    """Runs fn in both libraries on `inputs` (numpy arrays / scalars) and compares."""
    t_in = [make(torch, x, grad) for x in inputs]
    c_in = [make(cgrad, x, grad) for x in inputs]
    t_outs, c_outs = outputs_of(fn(torch, *t_in)), outputs_of(fn(cgrad, *c_in))
    assert len(c_outs) == len(t_outs), "number of outputs"
    for k, (c_out, t_out) in enumerate(zip(c_outs, t_outs)):
        rtol, atol = tolerances(t_out)
        assert_same(c_out, t_out, f"forward[{k}]", rtol, atol)
        t_name = t_out.grad_fn.name() if t_out.grad_fn is not None else None
        c_name = c_out.grad_fn.name() if c_out.grad_fn is not None else None
        assert c_name == t_name, f"grad_fn[{k}]"
        assert c_out.requires_grad == t_out.requires_grad, f"requires_grad[{k}]"
    differentiable = [k for k, t in enumerate(t_outs) if t.requires_grad]
    if not differentiable:
        return
    rng = np.random.default_rng(0)  # per case, so a case reruns alike on its own
    upstream = [np.asarray(rng.standard_normal(tuple(t_outs[k].shape)),
                           dtype=t_outs[k].detach().numpy().dtype) for k in differentiable]
    for lib, outs in ((torch, t_outs), (cgrad, c_outs)):
        if len(differentiable) == 1:
            outs[differentiable[0]].backward(lib.tensor(upstream[0]))
            continue
        # Several outputs: backward through sum_k <out_k, upstream_k> at once.
        total = None
        for k, u in zip(differentiable, upstream):
            term = (outs[k] * lib.tensor(u)).sum()
            total = term if total is None else total + term
        total.backward()
    for i, (c, t) in enumerate(zip(c_in, t_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if t.grad is None:  # torch leaves some gradients undefined (norm p=0)
                assert c.grad is None, f"grad of input {i}: torch has none"
                continue
            assert c.grad is not None, f"grad of input {i} missing"
            # A float64 input's gradient that flowed through float32 outputs carries
            # float32 rounding (e.g. summed in a different order), so it gets their tolerance.
            rtol, atol = tolerances(t.grad, *(t_outs[k] for k in differentiable))
            assert_same(c.grad, t.grad, f"grad of input {i}", 10 * rtol, 10 * atol)


def case(id, fn, *inputs, grad=True):
    return pytest.param(fn, inputs, grad, id=id)


def outcome(fn, lib):
    """fn(lib)'s result, or the type and message of what it raised, for comparing the two
    libraries' behaviour whichever it is."""
    try:
        return fn(lib)
    except Exception as e:  # noqa: BLE001 - the type and message are what we compare
        return ("raised", type(e).__name__, str(e))
