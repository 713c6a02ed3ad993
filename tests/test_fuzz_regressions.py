"""Programs the differential fuzzer (tests/fuzz) once found diverging from torch, kept as
regression cases. Each is source run once with `torch` bound to torch and once to cgrad;
it sets `out` (a tensor, or a tuple of tensors and None) and may set `leaves`, whose
gradients are compared after `out` was differentiated by the program itself. An error
must be raised by both, with the same type.
"""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

CASES = {
    "moveaxis_of_0d": """
x = torch.tensor(1.0, requires_grad=True)
out = x.moveaxis(-1, -1) * 2
out.backward()
leaves = [x]
""",
    "movedim_of_0d_out_of_range": """
out = torch.tensor(1.0).movedim(1, 0)
""",
    "unflatten_of_0d": """
out = torch.tensor(0.58).unflatten(0, (2, 2))
""",
    "split_with_sizes_of_0d": """
out = torch.split(torch.tensor(2.62, dtype=torch.float64), [0, 1, 0, 0, 0, 1], 0)
""",
    "mT_of_0d": """
out = torch.tensor(-2.07).mT + 1
""",
    "requires_grad_on_non_leaf": """
x = torch.tensor([[1.0], [-1.0]], requires_grad=True)
y = (x * 1).view(1, 2).clone()
y.requires_grad_()
out = y * 3
out.sum().backward()
leaves = [x]
""",
    # Note [A leaf that stopped being one]
    "leaf_moved_into_the_graph_interior": """
v0 = torch.tensor(1.99).requires_grad_()
v1 = torch.sigmoid(v0)
v0.requires_grad_(False)
v0.pow_(v1)
v1.backward()
out = v0
""",
    "leaf_that_stopped_requiring_grad_gets_none": """
x = torch.tensor([1.0, 2.0], requires_grad=True)
w = torch.tensor([3.0, 4.0], requires_grad=True)
y = (x * w).sum()
x.requires_grad_(False)
y.backward()
out = (x, w.grad)
leaves = [x, w]
""",
    "requires_grad_false_on_non_leaf": """
x = torch.tensor([1.0], requires_grad=True)
(x * 1).requires_grad_(False)
out = x
""",
    "no_grad_flatten_view_differentiated": """
v0 = torch.tensor([[-1.0, 2.0], [1.0, -2.0]], dtype=torch.float64, requires_grad=True)
with torch.no_grad():
    v1 = v0.flatten(0, 1)
v3 = v1.mean().var()
out = torch.autograd.grad((v1 * 2).sum() + v3 * 1.76, [v0, v1], allow_unused=True)
""",
}


def run(lib, source):
    scope = {"torch": lib, "F": lib.nn.functional}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(source, scope)
    except Exception as e:  # noqa: BLE001 - the error itself is compared
        return ("error", type(e).__name__)
    out = scope["out"]
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    leaves = scope.get("leaves", [])
    return ("ok", [describe(o) for o in outs], [describe(t.grad) for t in leaves])


def describe(t):
    if t is None:
        return None
    return (str(t.dtype).split(".")[-1], tuple(t.shape), bool(t.requires_grad),
            t.detach().numpy().copy())


def same(c, t):
    if c is None or t is None:
        return c is None and t is None
    if c[:3] != t[:3]:
        return False
    return np.allclose(c[3], t[3], rtol=1e-5, atol=1e-6, equal_nan=True)


@pytest.mark.parametrize("name", list(CASES))
def test_matches_torch(name):
    t, c = run(torch, CASES[name]), run(cgrad, CASES[name])
    assert c[0] == t[0], f"torch: {t}, cgrad: {c}"
    if t[0] == "error":
        assert c[1] == t[1]
        return
    for kind in (1, 2):
        assert len(c[kind]) == len(t[kind])
        for a, b in zip(c[kind], t[kind]):
            assert same(a, b), f"torch: {b}, cgrad: {a}"
