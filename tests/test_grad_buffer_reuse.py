"""MulBackward0 may write g * other into the incoming gradient's memory when nothing else can
see it (Note [Gradients scaled in place]): every gradient a user can see stays as torch's."""
import numpy as np
import torch

import cgrad

X = np.random.default_rng(3).uniform(0.5, 1.5, (3, 40000)).astype(np.float32)


def chain(L, seen):
    """x * 1.5 * 2.0 * x, with the intermediate gradients kept by a hook, retain_grad and
    a post-hook; returns x.grad and what was kept, as arrays."""
    x = L.tensor(X, requires_grad=True)
    a = x * 1.5
    a.register_hook(lambda g: seen.append(g))
    b = a * 2.0
    b.retain_grad()
    c = b * 1.25
    c.grad_fn.register_hook(lambda grad_inputs, grad_outputs: seen.extend(grad_outputs))
    (c * x).sum().backward()
    return [x.grad.numpy(), b.grad.numpy()] + [g.detach().numpy() for g in seen]


def test_gradients_users_see_are_torch_s():
    ours, theirs = chain(cgrad, []), chain(torch, [])
    assert len(ours) == len(theirs) == 4
    for got, want in zip(ours, theirs):
        np.testing.assert_array_equal(got, want)


def test_reused_buffer_gives_the_out_of_place_bits():
    x = cgrad.tensor(X, requires_grad=True)
    y = x
    for i in range(6):
        y = y * 1.001 if i % 2 == 0 else y + 0.5
    y.sum().backward()
    want = np.ones_like(X)
    for _ in range(3):
        want = want * np.float32(1.001)
    np.testing.assert_array_equal(x.grad.numpy(), want)


def test_create_graph_keeps_every_gradient():
    x = cgrad.tensor(X[:, :5].copy(), requires_grad=True)
    (g,) = cgrad.autograd.grad((x * 3.0 * x).sum(), x, create_graph=True)
    (gg,) = cgrad.autograd.grad(g.sum(), x)
    np.testing.assert_array_equal(g.detach().numpy(), np.float32(3.0) * X[:, :5] * 2)
    np.testing.assert_array_equal(gg.numpy(), np.full_like(X[:, :5], 6.0))
