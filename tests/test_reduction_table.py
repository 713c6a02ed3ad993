"""The reduction table (reduction_ops.def, Note [Reduction table]): every row has a parity
case, a float64 gradcheck when torch records a node for it, torch's node names (without
and with a dim), and a docstring in torch's form on the function and the method."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from table_tests import mentions, sources  # noqa: E402

ROWS = cgrad._C._reduction_ops()
ROW_IDS = [r["name"] for r in ROWS]


def test_every_row_has_a_parity_case():
    parity = sources("test_*parity*.py")
    assert not [n for n in ROW_IDS if not mentions(parity, n)]


def test_every_differentiable_row_has_a_float64_gradcheck():
    gradchecks = sources("test_gradcheck*.py")
    missing = [r["name"] for r in ROWS if r["node"] and not mentions(gradchecks, r["name"])]
    assert not missing, f"rows without a float64 gradcheck: {missing}"


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_has_docstrings(row):
    name = row["name"]
    for c in (getattr(cgrad, name), getattr(cgrad.Tensor, name)):
        head, _, body = (c.__doc__ or "").partition("\n\n")
        assert body.strip() and all(line.startswith(name + "(") for line in head.split("\n"))


# One call without a dim and one with, for each form; the node names are read from both.
CALLS = {
    "kDimsOmittable": (lambda L, x: (), lambda L, x: (1,)),
    "kDimOmittable": (lambda L, x: (), lambda L, x: (1,)),
    "kDimsOrAll": (lambda L, x: (), lambda L, x: (1,)),
    "kDimsRequired": (lambda L, x: ((0, 1),), lambda L, x: (1,)),
    "kOptionalDims": (lambda L, x: (), lambda L, x: (1,)),
    "kOptionalDimsDtype": (lambda L, x: (), lambda L, x: (1,)),
    "kOptionalDim": (lambda L, x: (), lambda L, x: (1,)),
    "kVariance": (lambda L, x: (), lambda L, x: (1,)),
    "kScanDtype": (lambda L, x: (0,), lambda L, x: (1,)),
    "kScan": (lambda L, x: (0,), lambda L, x: (1,)),
    "kCountDims": (lambda L, x: (), lambda L, x: (1,)),
}


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_nodes_are_torchs(row):
    x = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    names = []
    for args in CALLS[row["form"]]:
        per_lib = []
        for L in (torch, cgrad):
            t = L.tensor(x, requires_grad=True)
            y = getattr(L, row["name"])(t, *args(L, t))
            per_lib.append(type(y.grad_fn).__name__ if y.grad_fn is not None else None)
        assert per_lib[1] == per_lib[0]
        names.append(per_lib[0])
    assert names == [row["node"], row["node_dims"]]


# A form's siblings (Note [Reduction table]): kVariance rows give name_mean, kScanDtype
# rows the in-place name_; each as torch's.
def assert_close_to_torch(run):
    """run(L, t) -> (exact part, arrays...) for t a float64 leaf; cgrad's equals torch's."""
    x = np.linspace(0.1, 0.9, 6).reshape(2, 3)
    theirs, mine = (run(L, L.tensor(x, requires_grad=True)) for L in (torch, cgrad))
    assert mine[0] == theirs[0]
    for a, b in zip(mine[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    return mine[0]


@pytest.mark.parametrize("row", [r for r in ROWS if r["form"] == "kVariance"],
                         ids=lambda r: r["name"])
def test_variance_row_has_its_mean_sibling(row):
    def run(L, t):
        spread, mean = getattr(L, row["name"] + "_mean")(t, 1)
        (spread.sum() * 2 + mean.sum()).backward()
        one_node = spread.grad_fn is mean.grad_fn
        return ((type(spread.grad_fn).__name__, one_node), spread.tolist(), mean.tolist(),
                t.grad.tolist())
    assert assert_close_to_torch(run) == (row["node"].replace("Backward", "MeanBackward"), True)


@pytest.mark.parametrize("row", [r for r in ROWS if r["form"] == "kScanDtype"],
                         ids=lambda r: r["name"])
def test_scan_row_has_its_inplace_sibling(row):
    def run(L, t):
        y = t * 1
        written = getattr(y, row["name"] + "_")(1)
        y.sum().backward()
        return (type(y.grad_fn).__name__, written is y), y.tolist(), t.grad.tolist()
    assert assert_close_to_torch(run)[1]
