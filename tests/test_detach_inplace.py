"""detach_ (method and function) against torch: the tensor itself leaves the graph; views
refuse with torch's RuntimeError."""
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from error_parity import check_error, error_case  # noqa: E402


def state(L, make, use_function=False):
    x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = make(L, x)
    returned = L.detach_(y) if use_function else y.detach_()
    return (returned is y, y.requires_grad, y.grad_fn is None, y.is_leaf, y._version,
            y.tolist())


MAKERS = {
    "non_leaf": lambda L, x: x * 2,
    "leaf": lambda L, x: x,
    "no_grad_tensor": lambda L, x: L.ones(3),
    "detached": lambda L, x: x.detach(),
}


@pytest.mark.parametrize("name", sorted(MAKERS))
@pytest.mark.parametrize("use_function", [False, True])
def test_detach_inplace_matches_torch(name, use_function):
    assert state(cgrad, MAKERS[name], use_function) == state(torch, MAKERS[name], use_function)


def test_detached_tensor_stops_gradients():
    got = []
    for L in (torch, cgrad):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.detach_()
        z = y * x
        z.sum().backward()
        got.append((x.grad.tolist(), y.retains_grad, type(z.grad_fn).__name__))
    assert got[0] == got[1]


def test_optimizer_zero_grad_detaches_a_grad_with_history():
    for L in (torch, cgrad):
        p = L.ones(2, requires_grad=True)
        p.grad = L.ones(2, requires_grad=True) * 3
        L.optim.SGD([p]).zero_grad(set_to_none=False)
        assert p.grad.grad_fn is None and not p.grad.requires_grad
        assert p.grad.tolist() == [0.0, 0.0]


ERRORS = [
    error_case("view_of_graph", lambda L: (L.ones(3, requires_grad=True) * 2)[:2].detach_()),
    error_case("view_of_plain", lambda L: L.ones(4)[:2].detach_()),
    error_case("view_function", lambda L: L.detach_(L.ones(2, 2).t())),
]


@pytest.mark.parametrize("fn,match", ERRORS)
def test_error_matches_torch(fn, match):
    check_error(fn, match)
