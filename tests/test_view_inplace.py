"""Views and in-place writes against torch: a view taken before its base (or another view
of it) is written follows the new history; forbidden writes raise torch's errors.

Each case is a program `fn(L, x, z)` over two leaves; it returns the tensor to
differentiate. Values, grad_fn names, the leaves' gradients and errors must match torch.
"""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

X = np.array([1.0, 2.0, 3.0, 4.0], dtype=np.float32)
Z = np.array([0.5, -1.5, 2.5, 3.5], dtype=np.float32)
W = np.array([5.0, 7.0, 11.0, 13.0], dtype=np.float32)


def run(lib, fn):
    x = lib.tensor(X, requires_grad=True)
    z = lib.tensor(Z, requires_grad=True)
    try:
        out = fn(lib, x, z)
        name = out.grad_fn.name() if out.grad_fn is not None else None
        value = out.detach().numpy().copy()
        weights = lib.tensor(np.resize(W, out.shape).astype(np.float32))
        (out * weights).sum().backward()
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return ("error", type(e), str(e))
    grads = [None if t.grad is None else t.grad.numpy().copy() for t in (x, z)]
    return ("ok", value, name, grads)


def check(fn):
    t, c = run(torch, fn), run(cgrad, fn)
    if t[0] == "error":
        assert c[0] == "error", f"torch raised {t[1].__name__}: {t[2]}; cgrad did not"
        assert c[1] is t[1] and c[2] == t[2]
        return
    assert c[0] == "ok", f"cgrad raised {c[1].__name__}: {c[2]}"
    np.testing.assert_allclose(c[1], t[1], rtol=1e-5, atol=1e-6, err_msg="value")
    assert c[2] == t[2], "grad_fn"
    for i, (cg, tg) in enumerate(zip(c[3], t[3])):
        assert (cg is None) == (tg is None), f"grad {i} presence"
        if tg is not None:
            np.testing.assert_allclose(cg, tg, rtol=1e-5, atol=1e-6, err_msg=f"grad {i}")


def base_then_view_used(L, x, z):
    y = x * 1
    v = y[0]
    y.mul_(2)
    return v * 3


def view_written_then_base_used(L, x, z):
    y = (x * 1)[1:]
    y[0] = z[0]
    return y


def two_views_one_written(L, x, z):
    y = x * 1
    a, b = y[:2], y[2:]
    a.mul_(z[:2])
    return b * a.sum()


def view_of_view_after_base_write(L, x, z):
    y = x * 1
    w = y[1:][::2]
    y.add_(z)
    return w


def view_of_view_written(L, x, z):
    y = x * 1
    y[1:][0].mul_(z[0])
    return y


def iadd_after_view(L, x, z):
    y = x * 1
    v = y.view(2, 2)
    y += z
    return v.reshape(4)


def setitem_all_after_view(L, x, z):
    y = x * 1
    v = y[::2]
    y[...] = z * 2
    return v


def einsum_view_after_write(L, x, z):
    y = (x * 1).view(2, 2)
    v = L.einsum("ij->ji", y)
    y.mul_(z.view(2, 2))
    return v.reshape(4)


def expanded_view_after_write(L, x, z):
    y = x[:1] * 1
    e = y.expand(3, 4)
    y.mul_(z[0])
    return e.sum(0)


def transposed_base(L, x, z):
    y = (x * 1).view(2, 2).t()
    v = y[0]
    y.mul_(z.view(2, 2))
    return v


def retain_grad_on_view(L, x, z):
    y = x * 1
    v = y[1:]
    v.retain_grad()
    y.mul_(z)
    out = v * 1
    out.sum().backward(retain_graph=True)
    return v.grad


def retain_grad_after_own_write(L, x, z):
    y = x * 1
    y.retain_grad()
    y.mul_(z)
    y.sum().backward(retain_graph=True)
    return y.grad


def write_into_plain_zeros_view(L, x, z):
    a = L.zeros(4)
    v = a[1:3]
    v.copy_(z[:2])
    return a + 0


def view_of_plain_tensor_after_base_takes_grad(L, x, z):
    a = L.zeros(4)
    v = a[:2]
    a.mul_(x)
    return v


def infinite_gradient_inside_written_view(L, x, z):
    y = x * L.tensor([1.0, 1.0, 1.0, 0.0])
    y[2:].mul_(2)
    return 1 / y


def infinite_gradient_outside_written_view(L, x, z):
    y = x * L.tensor([0.0, 1.0, 1.0, 1.0])
    y[2:].mul_(2)
    return 1 / y


def double_backward_through_view_write(L, x, z):
    y = x * x
    y[1:3].mul_(z[:2])
    (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
    return g


def alias_subscript_is_not_self(L, x, z):
    v = x[...]
    v.requires_grad_(False)
    return x * 1


def expand_to_same_shape_records(L, x, z):
    return x.expand(4) * 1


def expand_to_same_shape_node(L, x, z):
    return x.expand(4)


def subscript_full_tuple(L, x, z):
    return x.view(2, 2)[0:2, :]


def subscript_lone_full_slice(L, x, z):
    return x[:]


def subscript_ellipsis(L, x, z):
    return x[...]


def inplace_on_cross_entropy_none(L, x, z):
    loss = L.nn.functional.cross_entropy((x * z).view(2, 2), L.tensor([0, 1]), reduction="none")
    loss.mul_(L.tensor([2.0, 3.0]))
    return loss


def inplace_on_nll_loss_none(L, x, z):
    logp = L.log_softmax((x * z).view(2, 2), dim=1)
    loss = L.nn.functional.nll_loss(logp, L.tensor([1, 0]), reduction="none")
    loss[0] = loss[1] * 2
    return loss


def no_grad_view_used_with_grad(L, x, z):
    with L.no_grad():
        v = x[:2]
    return v * z[:2] + v


def no_grad_view_differentiated(L, x, z):
    with L.no_grad():
        v = x[:2]
    return L.autograd.grad((v * z[:2]).sum(), v)[0]


def no_grad_view_as_root(L, x, z):
    with L.no_grad():
        v = x[:2]
    v.backward(L.ones(2))
    return z * 1


def unused_input_named_by_index(L, x, z):
    return L.autograd.grad((x * 2).sum(), [x, z])[0]


# ---- forbidden writes ----

def write_view_made_under_no_grad(L, x, z):
    y = x * 1
    with L.no_grad():
        v = y[:2]
    v.mul_(2)
    return y


def view_made_under_no_grad_after_base_write(L, x, z):
    y = x * 1
    with L.no_grad():
        v = y[:2]
    y.mul_(2)
    return v


def view_of_no_grad_view_written(L, x, z):
    y = x * 1
    with L.no_grad():
        v = y[:3]
    w = v[:2]
    w.mul_(2)
    return y


def no_grad_view_of_plain_tensor_written_with_grad(L, x, z):
    a = L.zeros(4)
    with L.no_grad():
        v = a[:2]
    v.mul_(z[:2])
    return a


def no_grad_view_written_under_no_grad(L, x, z):
    y = x * 1
    with L.no_grad():
        v = y[:2]
        v.mul_(2)
    return y


def unbind_output_written(L, x, z):
    y = x * 1
    a, b, c, d = y.unbind()
    a.mul_(2)
    return y


def split_output_written(L, x, z):
    y = x * 1
    a, b = y.split(2)
    a.mul_(2)
    return y


def split_with_sizes_output_written(L, x, z):
    y = x * 1
    a, b = y.split([1, 3])
    b.add_(1)
    return y


def chunk_output_written(L, x, z):
    y = x * 1
    a, b = y.chunk(2)
    a += z[:2]
    return y


def view_of_split_output_written(L, x, z):
    y = x * 1
    a, b = y.split(2)
    a[:1].mul_(2)
    return y


def split_output_read_after_base_write(L, x, z):
    y = x * 1
    a, b = y.split(2)
    y.mul_(2)
    return a


def split_of_plain_tensor_written_with_grad(L, x, z):
    a, b = L.zeros(4).split(2)
    a.mul_(z[:2])
    return a


def split_of_plain_tensor_written_without_grad(L, x, z):
    t = L.zeros(4)
    a, b = t.split(2)
    a.add_(1)
    return t * x


def view_of_leaf_written(L, x, z):
    x[:2].mul_(2)
    return x


CASES = [
    base_then_view_used, view_written_then_base_used, two_views_one_written,
    view_of_view_after_base_write, view_of_view_written, iadd_after_view,
    setitem_all_after_view, einsum_view_after_write, expanded_view_after_write,
    transposed_base, retain_grad_on_view, retain_grad_after_own_write,
    write_into_plain_zeros_view, view_of_plain_tensor_after_base_takes_grad,
    infinite_gradient_inside_written_view, infinite_gradient_outside_written_view,
    double_backward_through_view_write, alias_subscript_is_not_self,
    expand_to_same_shape_records, expand_to_same_shape_node, subscript_full_tuple,
    subscript_lone_full_slice, subscript_ellipsis, inplace_on_cross_entropy_none,
    inplace_on_nll_loss_none, no_grad_view_used_with_grad, no_grad_view_differentiated,
    no_grad_view_as_root, unused_input_named_by_index,
    write_view_made_under_no_grad, view_made_under_no_grad_after_base_write,
    view_of_no_grad_view_written, no_grad_view_of_plain_tensor_written_with_grad,
    no_grad_view_written_under_no_grad, unbind_output_written, split_output_written,
    split_with_sizes_output_written, chunk_output_written, view_of_split_output_written,
    split_output_read_after_base_write, split_of_plain_tensor_written_with_grad,
    split_of_plain_tensor_written_without_grad, view_of_leaf_written,
]


@pytest.mark.parametrize("fn", CASES, ids=[f.__name__ for f in CASES])
def test_matches_torch(fn):
    check(fn)


def test_issue_example_gradient():
    # The fuzzer's first find: the view v must see y's doubling.
    x = cgrad.tensor([1.0, 2, 3], requires_grad=True)
    y = x * 1
    v = y[0]
    y.mul_(2)
    (v * cgrad.tensor([5.0, 7, 11])).sum().backward()
    assert x.grad.tolist() == [46.0, 0.0, 0.0]
    assert v.grad_fn.name() == "AsStridedBackward0"


def test_infinite_gradient_stays_infinite():
    x = cgrad.tensor([1.0, 0.0], requires_grad=True)
    y = x * 1
    y[1:].mul_(2)
    (1 / y).sum().backward()
    assert x.grad[1].item() == -math.inf


@pytest.mark.parametrize("make", [
    lambda L: L.from_numpy(np.arange(12, dtype=np.float32).reshape(3, 4).T.copy().T),
    lambda L: L.from_numpy(np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]),
], ids=["transposed", "strided"])
def test_write_through_view_of_non_contiguous_base(make):
    def program(L):
        base = make(L)
        w = L.tensor(np.linspace(-1, 1, 12, dtype=np.float32).reshape(base.shape),
                     requires_grad=True)
        y = base
        y.mul_(w)  # the base takes w's history
        v = y[1:, :2]
        v.mul_(3)
        out = (y * L.tensor(np.arange(12, dtype=np.float32).reshape(base.shape))).sum()
        out.backward()
        return w.grad.numpy().copy(), y.detach().numpy().copy()
    tg, ty = program(torch)
    cg, cy = program(cgrad)
    np.testing.assert_allclose(cy, ty, rtol=1e-6)
    np.testing.assert_allclose(cg, tg, rtol=1e-6)
