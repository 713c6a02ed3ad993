"""The pointwise binary and comparison table (binary_ops.def, Note [Pointwise op tables]):
every row and alias has a parity case, a float64 gradcheck when differentiable (its
in-place form too), torch's node name, exactly the in-place variants torch has, and a
docstring; every operator the table binds is torch's. The in-place variants and the
operators are compared with torch here."""
import operator

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import B, H, I, P, R, case, check  # noqa: E402
from table_tests import mentions, sources  # noqa: E402

ROWS = [r for r in cgrad._C._pointwise_ops() if r["family"] in ("binary", "comparison")]
ROW_IDS = [r["name"] for r in ROWS]
OPERATORS = cgrad._C._pointwise_operators()


def root_of(row):
    return row["alias_of"] or row["name"]


# Inputs inside each op's domain, by the row (or aliased row) name: (self, other) makers.
FLOATS = (lambda *s, **k: R(*s, **k), lambda *s, **k: P(*s, **k))
INTEGERS = (lambda *s, **k: I(*s, **{"dtype": np.int64, **k}),
            lambda *s, **k: I(*s, low=1, high=4, **{"dtype": np.int64, **k}))
DOMAIN = {
    "bitwise_and": INTEGERS, "bitwise_or": INTEGERS, "bitwise_xor": INTEGERS,
    "gcd": INTEGERS, "lcm": INTEGERS,
    "bitwise_left_shift": INTEGERS, "bitwise_right_shift": INTEGERS,
    "eq": (H, H), "ne": (H, H), "lt": (H, H), "le": (H, H), "gt": (H, H), "ge": (H, H),
    "pow": (P, R),
}
INTEGRAL = {"bitwise_and", "bitwise_or", "bitwise_xor", "gcd", "lcm", "bitwise_left_shift",
            "bitwise_right_shift"}


def makers(row):
    return DOMAIN.get(root_of(row), FLOATS)


def test_every_row_has_a_parity_case():
    parity = sources("test_*parity*.py") + sources("test_math_functions.py")
    assert not [n for n in ROW_IDS if not mentions(parity, n)]


def test_every_differentiable_row_has_a_float64_gradcheck():
    gradchecks = sources("test_gradcheck*.py")
    differentiable = [r for r in ROWS if r["node"] and "NotImplemented" not in r["node"]]
    missing = [r["name"] for r in differentiable if r["node"] and not mentions(gradchecks, r["name"])]
    missing += [r["name"] + "_" for r in differentiable if r["inplace_method"]
                and not mentions(gradchecks, r["name"] + "_")]
    assert not missing, f"rows without a float64 gradcheck: {missing}"


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_has_the_variants_torch_has(row):
    name = row["name"]
    assert hasattr(torch, name) and hasattr(torch.Tensor, name)
    assert hasattr(cgrad, name) and hasattr(cgrad.Tensor, name)
    assert row["inplace_method"] == hasattr(torch.Tensor, name + "_")
    assert row["inplace_function"] == hasattr(torch, name + "_")
    assert hasattr(cgrad.Tensor, name + "_") == row["inplace_method"]
    assert hasattr(cgrad, name + "_") == row["inplace_function"]


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_has_docstrings(row):
    name = row["name"]
    callables = [getattr(cgrad, name), getattr(cgrad.Tensor, name)]
    if row["inplace_method"]:
        callables.append(getattr(cgrad.Tensor, name + "_"))
    if row["inplace_function"]:
        callables.append(getattr(cgrad, name + "_"))
    assert all(c.__doc__ and name in c.__doc__ for c in callables)


def node_name(t):
    return type(t.grad_fn).__name__ if t.grad_fn is not None else None


def torch_node(name):
    """torch's class name for a node name (torch::autograd::NotImplemented -> NotImplemented)."""
    return name.split("::")[-1] if name else None


@pytest.mark.parametrize("row", [r for r in ROWS if r["family"] == "binary"],
                         ids=[r["name"] for r in ROWS if r["family"] == "binary"])
def test_row_node_is_torchs(row):
    a_maker, b_maker = makers(row)
    a, b = a_maker(4, dtype=np.float64), b_maker(4, dtype=np.float64)
    grad = root_of(row) not in INTEGRAL
    if not grad:
        a, b = a_maker(4), b_maker(4)
    outs = []
    for lib in (torch, cgrad):
        x = lib.tensor(a, requires_grad=grad)
        y = lib.tensor(b, requires_grad=grad)
        outs.append(node_name(getattr(lib, row["name"])(x, y)))
    assert outs[0] == outs[1] == torch_node(row["node"])


@pytest.mark.parametrize("row", [r for r in ROWS if r["family"] == "comparison"],
                         ids=[r["name"] for r in ROWS if r["family"] == "comparison"])
def test_comparison_nodes_are_torchs(row):
    for lib in (torch, cgrad):  # the result is Bool: nothing recorded
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        assert getattr(lib, row["name"])(x, x.detach()).grad_fn is None
    names = []
    for lib in (torch, cgrad):  # in place into a floating tensor: the row's node
        x = lib.tensor([1.0, 2.0], requires_grad=True).clone()
        names.append(node_name(getattr(x, row["name"] + "_")(lib.tensor([2.0, 2.0]))))
    assert names[0] == names[1] == torch_node(row["inplace_node"])


def inplace_cases():
    for r in ROWS:
        if not r["inplace_method"]:
            continue
        n = r["name"]
        mk_a, mk_b = makers(r)
        ip = n + "_"
        g = not (r["node"] and "NotImplemented" in r["node"])  # backward raises in both
        if root_of(r) in INTEGRAL:
            yield case(f"{ip}method", lambda L, a, b, ip=ip: getattr(a.clone(), ip)(b),
                       mk_a(3, 4), mk_b(3, 4))
            yield case(f"{ip}bcast", lambda L, a, b, ip=ip: getattr(a.clone(), ip)(b),
                       mk_a(3, 4), mk_b(4))
            continue
        yield case(f"{ip}method", lambda L, a, b, ip=ip: getattr(a.clone(), ip)(b),
                   mk_a(3, 4), mk_b(3, 4), grad=g)
        yield case(f"{ip}float64", lambda L, a, b, ip=ip: getattr(a.clone(), ip)(b),
                   mk_a(5, dtype=np.float64), mk_b(5, dtype=np.float64), grad=g)
        yield case(f"{ip}strided_bcast", lambda L, a, b, ip=ip: getattr(a.clone().t(), ip)(b),
                   mk_a(4, 3), mk_b(4), grad=g)
        if r["operands"] != "tensors":
            yield case(f"{ip}number", lambda L, a, ip=ip: getattr(a.clone(), ip)(1.5), mk_a(5),
                       grad=g)
        if r["inplace_function"]:
            yield case(f"{ip}function", lambda L, a, b, ip=ip: getattr(L, ip)(a.clone(), b),
                       mk_a(2, 3), mk_b(2, 3), grad=g)


@pytest.mark.parametrize("fn,inputs,grad", inplace_cases())
def test_inplace_variant_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


def test_every_operator_is_torchs_and_computes_its_row():
    for dunder, name in OPERATORS:
        assert hasattr(torch.Tensor, dunder), dunder
        assert getattr(cgrad.Tensor, dunder) is not getattr(object, dunder, None), dunder


def operator_cases():
    ints = lambda *s: I(*s, low=1, high=5)  # noqa: E731 (positive: shifts and divisors)
    for dunder, name in OPERATORS:
        mk = ints if name in INTEGRAL or name in ("floor_divide", "remainder") else H
        if dunder.startswith("__i"):
            op = getattr(operator, dunder.strip("_"))
            yield case(dunder, lambda L, a, b, op=op: op(a.clone(), b), mk(3, 4), mk(4))
        elif dunder.startswith("__r") and dunder not in ("__rshift__",):
            op = getattr(operator, "__" + dunder[3:])
            yield case(dunder, lambda L, a, op=op: op(3, a), mk(3, 4))
        else:
            op = getattr(operator, dunder)
            yield case(dunder, lambda L, a, b, op=op: op(a, b), mk(3, 4), mk(4))


@pytest.mark.parametrize("fn,inputs,grad", operator_cases())
def test_operator_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("row", [r for r in ROWS if r["inplace_method"] and r["operands"] == "tensors"],
                         ids=[r["name"] for r in ROWS if r["inplace_method"] and r["operands"] == "tensors"])
def test_tensor_only_inplace_refuses_a_number(row):
    name, arg = row["name"] + "_", row["other_name"]
    for lib in (torch, cgrad):
        with pytest.raises(TypeError, match=rf"{name}\(\): argument '{arg}' \(position 1\) must be Tensor, not float"):
            getattr(lib.ones(2), name)(0.5)
