"""The activation table (activation_ops.def, Note [Activation table]): every nn.functional
row has a parity case, a float64 gradcheck, torch's node name, torch's parameters and
inplace=, and a docstring in torch's form; every backward row (gelu_backward & co.) has a
second-order gradcheck of the op it differentiates and torch's node name."""
import inspect

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from table_tests import mentions, sources  # noqa: E402
from test_gradcheck_elementwise import SECOND_ORDER  # noqa: E402

ROWS = cgrad._C._activation_ops()
FUNCTIONS = [r for r in ROWS if r["kind"] != "backward"]  # cgrad.nn.functional's
BACKWARDS = [r for r in ROWS if r["kind"] == "backward"]
ACTIVATIONS = [r for r in ROWS if r["kind"] == "activation"]


def ids(rows):
    return [r["name"] for r in rows]


def test_every_function_has_a_parity_case():
    parity = sources("test_*parity*.py")
    assert not [n for n in ids(FUNCTIONS) if not mentions(parity, n)]


def test_every_function_has_a_float64_gradcheck():
    gradchecks = sources("test_gradcheck*.py")
    assert not [n for n in ids(FUNCTIONS) if not mentions(gradchecks, n)]


NO_SECOND_DERIVATIVE = "torch::autograd::NotImplemented"  # torch's node for a missing formula


@pytest.mark.parametrize("row", BACKWARDS, ids=ids(BACKWARDS))
def test_backward_row_has_a_second_order_gradcheck(row):
    assert row["of"] in ids(FUNCTIONS)
    if row["node"] != NO_SECOND_DERIVATIVE:
        assert row["of"] in SECOND_ORDER


@pytest.mark.parametrize("row", [r for r in BACKWARDS if r["node"] == NO_SECOND_DERIVATIVE],
                         ids=lambda r: r["name"])
def test_second_derivative_torch_lacks_raises_its_error(row):
    errors = []
    for L in (torch, cgrad):
        x = L.tensor(X, requires_grad=True)
        (g,) = L.autograd.grad(getattr(L.nn.functional, row["of"])(x).sum(), x,
                               create_graph=True)
        with pytest.raises(RuntimeError) as info:
            g.sum().backward()
        errors.append(str(info.value))
    assert errors[1] == errors[0] == f"derivative for aten::{row['name']} is not implemented"


def parameter_names(header):
    """The parameter names of a signature line such as "gelu(input, approximate = 'none')"."""
    params = header[header.index("(") + 1:header.index(")")]
    return [p.split("=")[0].split(":")[0].strip() for p in params.split(",") if p.strip()]


def torch_parameters(fn):
    try:
        return list(inspect.signature(fn).parameters)
    except ValueError:  # a builtin (gelu, softplus): its docstring's signature line
        return parameter_names(fn.__doc__.strip().split("\n")[0])


@pytest.mark.parametrize("row", FUNCTIONS, ids=ids(FUNCTIONS))
def test_row_has_torchs_parameters_and_docstring(row):
    name = row["name"]
    expected = ["input", *row.get("params", [])]
    if row["inplace"] != "kNoInplace":
        expected.append("inplace")
    assert torch_parameters(getattr(torch.nn.functional, name)) == expected
    fn = getattr(cgrad.nn.functional, name)
    assert [parameter_names(s) for s in cgrad._C._signatures(fn)] == [expected]
    head, _, body = (fn.__doc__ or "").partition("\n\n")
    assert body.strip() and head.startswith(name + "(") and parameter_names(head) == expected


X = np.array([-1.5, -0.25, 0.5, 2.0])


@pytest.mark.parametrize("row", ACTIVATIONS, ids=ids(ACTIVATIONS))
def test_row_node_is_torchs(row):
    names = []
    for L in (torch, cgrad):
        y = getattr(L.nn.functional, row["name"])(L.tensor(X, requires_grad=True))
        names.append(type(y.grad_fn).__name__)
    assert names == [row["node"], row["node"]]


INPLACE_KIND = {r["name"]: r["inplace"] for r in FUNCTIONS}


@pytest.mark.parametrize("row", BACKWARDS, ids=ids(BACKWARDS))
def test_backward_row_node_is_torchs(row):
    # Where inplace=True saves the result, its double backward records the same node
    # (elu's from elu_backward_of_result).
    saves_result = INPLACE_KIND[row["of"]] == "kInplaceSavesResult"
    for inplace in (False, True) if saves_result else (False,):
        names = []
        for L in (torch, cgrad):
            x = L.tensor(X, requires_grad=True)
            fn = getattr(L.nn.functional, row["of"])
            y = fn(x.clone(), inplace=True) if inplace else fn(x)
            (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
            names.append(g.grad_fn.name())
        assert names == [row["node"], row["node"]], inplace


@pytest.mark.parametrize("row", [r for r in FUNCTIONS if r["inplace"] != "kNoInplace"],
                         ids=lambda r: r["name"])
def test_inplace_kind_is_torchs(row):
    # kInplace: torch records the out-of-place op's node for inplace=True, as we do;
    # kInplaceSavesResult: torch records another node, saving the result, as we do.
    f = getattr(torch.nn.functional, row["name"])
    out = f(torch.tensor(X, requires_grad=True) * 1, inplace=True)
    plain = f(torch.tensor(X, requires_grad=True))
    same_node = type(out.grad_fn).__name__ == type(plain.grad_fn).__name__
    assert same_node == (row["inplace"] == "kInplace")
    x = cgrad.tensor(X, requires_grad=True) * 1
    fn = getattr(cgrad.nn.functional, row["name"])
    assert type(fn(x, inplace=True).grad_fn).__name__ == type(out.grad_fn).__name__
