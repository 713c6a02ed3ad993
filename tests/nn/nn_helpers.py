"""Shared helpers of the nn tests: moving weights and inputs between torch and cgrad and
comparing the results."""
import numpy as np

import cgrad


def to_cgrad(t, requires_grad=None):
    """A cgrad tensor with torch tensor t's values and dtype."""
    out = cgrad.tensor(t.detach().numpy().copy())
    if requires_grad if requires_grad is not None else t.requires_grad:
        out.requires_grad_(True)
    return out


def copy_weights(torch_module, cgrad_module):
    """Loads torch_module's state into cgrad_module (same keys on both sides)."""
    state = {k: to_cgrad(v) for k, v in torch_module.state_dict().items()}
    cgrad_module.load_state_dict(state)


def assert_same(c, t, rtol=1e-5, atol=1e-6):
    """cgrad tensor c equals torch tensor t in shape, dtype and values."""
    assert tuple(c.shape) == tuple(t.shape)
    assert repr(c.dtype).split(".")[-1] == repr(t.dtype).split(".")[-1]
    np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)


def raised(fn):
    """(exception type name, message) of what fn() raises, None if it returns."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the type is what is compared
        return type(e).__name__, str(e)
    return None
