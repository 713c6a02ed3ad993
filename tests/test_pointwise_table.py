"""The pointwise unary table (Note [Pointwise op tables]): every row has a parity case, a
float64 gradcheck when differentiable, torch's node name, and exactly the in-place
variants torch has; the in-place variants themselves are compared with torch here.
The binary and comparison table: tests/test_binary_table.py."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402
from parity import B, I, P, R, case, check  # noqa: E402
from table_tests import mentions, sources  # noqa: E402

ROWS = [r for r in cgrad._C._pointwise_ops() if r["family"] == "unary"]
ROW_IDS = [r["name"] for r in ROWS]


def U(*shape, dtype=np.float32):
    return R(*shape, dtype=dtype, low=-0.9, high=0.9)


# Inputs inside each op's domain (default: uniform in [-2, 2]).
DOMAIN = {"log": P, "log2": P, "log10": P, "log1p": P, "sqrt": P, "rsqrt": P,
          "reciprocal": P, "asin": U, "arcsin": U, "acos": U, "arccos": U,
          "bitwise_not": lambda *s: I(*s), "logical_not": lambda *s: B(*s),
          "acosh": lambda *s, dtype=np.float32: P(*s, dtype=dtype) + 0.6, "arccosh": P,
          "atanh": U, "arctanh": U, "erfinv": U}
INTEGRAL = {"bitwise_not", "logical_not"}  # integer and bool inputs
ZERO_TENSOR_GRAD = {"sgn"}  # torch's gradient is a ZeroTensor, which numpy cannot read


def test_every_row_has_a_parity_case():
    parity = sources("test_*parity*.py") + sources("test_math_functions.py")
    assert not [n for n in ROW_IDS if not mentions(parity, n)]


def test_every_differentiable_row_has_a_float64_gradcheck():
    gradchecks = sources("test_gradcheck*.py")
    missing = [r["name"] for r in ROWS if r["node"] and not mentions(gradchecks, r["name"])]
    missing += [r["name"] + "_" for r in ROWS if r["node"] and r["inplace_method"]
                and r["inplace_differentiable"] and not mentions(gradchecks, r["name"] + "_")]
    assert not missing, f"rows without a float64 gradcheck: {missing}"


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_has_the_inplace_variants_torch_has(row):
    name = row["name"] + "_"
    assert row["inplace_method"] == hasattr(torch.Tensor, name)
    assert row["inplace_function"] == hasattr(torch, name)
    assert hasattr(cgrad.Tensor, name) == row["inplace_method"]
    assert hasattr(cgrad, name) == row["inplace_function"]


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_row_node_is_torchs(row):
    x = np.linspace(0.1, 0.9, 4)
    grad = row["name"] not in INTEGRAL  # (bitwise_not has no floating kernel)
    x = x if grad else np.arange(4)
    t = getattr(torch, row["name"])(torch.tensor(x, requires_grad=grad))
    c = getattr(cgrad, row["name"])(cgrad.tensor(x, requires_grad=grad))
    expected = type(t.grad_fn).__name__ if t.grad_fn is not None else None
    assert row["node"] == expected
    assert (type(c.grad_fn).__name__ if c.grad_fn is not None else None) == expected


def inplace_cases():
    for r in ROWS:
        n, mk = r["name"], DOMAIN.get(r["name"], R)
        grad = n not in ZERO_TENSOR_GRAD and r["inplace_differentiable"]
        if not r["inplace_method"]:
            continue
        yield case(f"{n}_method", lambda L, a, n=n: getattr(a.clone(), n + "_")(), mk(3, 4),
                   grad=grad)
        if n not in INTEGRAL:
            yield case(f"{n}_method_float64", lambda L, a, n=n: getattr(a.clone(), n + "_")(),
                       mk(5, dtype=np.float64), grad=grad)
            yield case(f"{n}_strided", lambda L, a, n=n: getattr(a.clone().t(), n + "_")(),
                       mk(3, 4), grad=grad)
        if r["inplace_function"]:
            yield case(f"{n}_function", lambda L, a, n=n: getattr(L, n + "_")(a.clone()), mk(2, 3),
                       grad=grad)


@pytest.mark.parametrize("fn,inputs,grad", inplace_cases())
def test_inplace_variant_matches_torch(fn, inputs, grad):
    check(fn, *inputs, grad=grad)


@pytest.mark.parametrize("row", [r for r in ROWS if not r["inplace_differentiable"]],
                         ids=lambda r: r["name"])
def test_inplace_variant_without_derivative_is_recorded_as_torchs(row):
    # torch records acosh_ under AcoshBackward1, whose backward raises.
    outcomes = []
    for L in (torch, cgrad):
        x = L.tensor([1.5, 2.0], requires_grad=True)
        y = getattr(x * 1, row["name"] + "_")()
        with pytest.raises(NotImplementedError) as error:
            y.sum().backward()
        outcomes.append((type(y.grad_fn).__name__, str(error.value)))
    assert outcomes[1] == outcomes[0]


def test_inplace_function_refuses_a_number():
    for lib in (torch, cgrad):
        with pytest.raises(TypeError, match=r"sin_\(\): argument 'input' \(position 1\) must be Tensor, not int"):
            lib.sin_(1)
