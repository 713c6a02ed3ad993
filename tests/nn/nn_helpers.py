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


def seeded_pair(make):
    """(cgrad module, torch module) from make(lib), the torch one seeded and its weights
    copied into the cgrad one."""
    import torch
    torch.manual_seed(0)
    t = make(torch)
    c = make(cgrad)
    copy_weights(t, c)
    return c, t


def normal_data(*shape, seed=1):
    """A float32 torch tensor of standard normal values that requires grad."""
    import torch
    return torch.tensor(np.random.default_rng(seed).standard_normal(shape).astype(np.float32),
                        requires_grad=True)


def check_call(c, t, args, keywords=lambda L: {}, rtol=1e-5, atol=1e-5, grad_rtol=1e-4,
               grad_atol=1e-5):
    """Calls torch module t on the torch tensors `args` and cgrad module c on copies of them
    (one copy per distinct tensor: where torch gets the same tensor twice, so does cgrad),
    each with the keyword arguments keywords(lib). Compares the outputs (a tensor, or a
    tuple with Nones) in values and grad_fn names, then, after a backward from a random
    upstream gradient, the gradients of the inputs and of every parameter."""
    import torch
    copies = {}
    c_args = [copies.setdefault(id(a), to_cgrad(a)) for a in args]
    t_out, c_out = t(*args, **keywords(torch)), c(*c_args, **keywords(cgrad))
    if not isinstance(t_out, tuple):
        t_out, c_out = (t_out,), (c_out,)
    assert len(c_out) == len(t_out)
    rng = np.random.default_rng(7)
    t_loss = c_loss = 0
    for k, (co, to) in enumerate(zip(c_out, t_out)):
        if to is None:
            assert co is None, f"output {k}"
            continue
        assert_same(co, to, rtol, atol)
        assert type(co.grad_fn).__name__ == type(to.grad_fn).__name__, f"grad_fn of output {k}"
        g = rng.standard_normal(tuple(to.shape)).astype(to.detach().numpy().dtype)
        t_loss = t_loss + (to * torch.tensor(g)).sum()
        c_loss = c_loss + (co * cgrad.tensor(g)).sum()
    t_loss.backward()
    c_loss.backward()
    for a in args:
        if a.requires_grad:
            assert_same(copies[id(a)].grad, a.grad, grad_rtol, grad_atol)
    c_params, t_params = dict(c.named_parameters()), dict(t.named_parameters())
    assert list(c_params) == list(t_params)
    for name, pt in t_params.items():
        if pt.grad is None:
            assert c_params[name].grad is None, name
        else:
            assert_same(c_params[name].grad, pt.grad, grad_rtol, grad_atol)


def check_seeded_init(make):
    """(cgrad module, torch module) from make(lib), each built after manual_seed(0):
    asserts equal reprs, state_dict keys in the same order, and values bit for bit (torch's
    draws in torch's order)."""
    import torch
    torch.manual_seed(0)
    t = make(torch)
    cgrad.manual_seed(0)
    c = make(cgrad)
    assert repr(c) == repr(t)
    t_state, c_state = t.state_dict(), c.state_dict()
    assert list(c_state) == list(t_state)
    for key, value in t_state.items():
        np.testing.assert_array_equal(c_state[key].numpy(), value.numpy(), err_msg=key)
    return c, t
