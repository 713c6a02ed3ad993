"""The op registry: the README's op list is generated from it and current, and every
registered op is exercised somewhere in the test suite."""
import re
from pathlib import Path

import cgrad
from cgrad import _op_table

ROOT = Path(__file__).resolve().parents[1]


def registered_names():
    names = set()
    for entry in cgrad._C._op_registry().values():
        for kind in ("functions", "methods", "nn.functional", "linalg"):
            names.update(n for n in entry[kind] if not n.startswith("__"))
    return names


def test_readme_op_list_is_generated_and_current():
    text = (ROOT / "README.md").read_text()
    start = text.index(_op_table.BEGIN) + len(_op_table.BEGIN)
    stop = text.index(_op_table.END)
    assert text[start:stop].strip() == _op_table.markdown().strip(), (
        "README.md's op list is stale: run `python -m cgrad._op_table`")


def test_every_registered_op_is_tested():
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    untested = sorted(n for n in registered_names()
                      if not re.search(rf"[.\s(\[\"']{re.escape(n)}\b", sources))
    assert not untested, f"ops without a test that calls them: {untested}"


def test_every_area_registers_something():
    registry = cgrad._C._op_registry()
    assert len(registry) >= 8
    for area, entry in registry.items():
        assert any(entry.values()), area


# Ops with no gradient to check: factories, random draws, predicates, comparisons and
# integer-valued results (torch gives them no grad_fn, or one that raises).
NOT_DIFFERENTIABLE = {
    "arange", "empty", "empty_like", "eye", "from_numpy", "full", "full_like", "ones",
    "linspace", "logspace",
    "ones_like", "zeros", "zeros_like", "rand", "rand_like", "randn", "randn_like",
    "tensor", "manual_seed", "bernoulli", "bernoulli_", "normal", "normal_", "randint",
    "randint_like", "randperm", "uniform_", "eq", "ne", "lt", "le", "gt", "ge", "isnan",
    "isinf", "isfinite", "logical_and", "logical_or", "logical_xor", "logical_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "floor_divide",
    "floor_divide_", "bitwise_and_", "bitwise_or_", "bitwise_xor_", "bitwise_not_", "logical_not_", "nonzero", "all", "any",
    "argmax", "argmin", "argwhere", "Generator", "initial_seed",
    "seed", "get_rng_state", "set_rng_state", "random_", "exponential_", "multinomial",
    "isclose", "allclose", "equal", "count_nonzero", "argsort", "signbit", "isposinf",
    "isneginf", "isreal", "detach_",
    # in-place forms torch cannot differentiate (their backward raises)
    "acosh_", "asinh_", "atanh_", "arccosh_", "arcsinh_", "arctanh_",
    "unique", "unique_consecutive", "searchsorted", "bucketize", "isin",
    "_check_non_constant_pad",  # a check of F.pad's arguments
}
# The binary table's rows without a gradient (comparisons, logical, bitwise, integer ops;
# Note [Pointwise op tables]), with their in-place forms.
NOT_DIFFERENTIABLE |= {r["name"] + suffix for r in cgrad._C._pointwise_ops()
                       if r["family"] in ("binary", "comparison")
                       and (r["node"] is None or "NotImplemented" in r["node"])
                       for suffix in ("", "_")}


def test_every_differentiable_op_has_a_float64_gradcheck():
    sources = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_gradcheck*.py"))
    unchecked = sorted(n for n in registered_names() - NOT_DIFFERENTIABLE
                       if not re.search(rf"[.\s(\[\"']{re.escape(n)}\b", sources))
    assert not unchecked, f"differentiable ops without a gradcheck case: {unchecked}"
