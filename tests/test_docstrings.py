"""Every public callable has a docstring (Note [Docstrings]).

A new op fails here until it has one: an entry in python/cgrad/_docs/<area>.py for a
function bound in C++ (or the docstring of its table row), its own docstring for one
written in Python.
"""
import ast
import inspect
import re

import pytest

import cgrad
import cgrad.autograd
import cgrad.linalg
import cgrad.nn.functional as F
from cgrad import _docs


def public_callables():
    """(label, object, name) of every public function, class, method and property."""
    out = []
    for name in dir(cgrad):
        value = getattr(cgrad, name)
        if not name.startswith("_") and callable(value) and not inspect.ismodule(value):
            out.append((f"cgrad.{name}", value, name))
    for name in dir(cgrad.Tensor):
        if not name.startswith("_"):
            value = cgrad.Tensor.__dict__.get(name)
            if not isinstance(value, property):
                value = getattr(cgrad.Tensor, name)
            out.append((f"Tensor.{name}", value, name))
    modules = [F, cgrad.linalg, cgrad.autograd, cgrad.autograd.functional, cgrad.autograd.graph]
    for module in modules:
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if callable(value) and not inspect.ismodule(value):
                out.append((f"{module.__name__}.{name}", value, name))
    return out


CALLABLES = public_callables()


def test_the_docs_apply_without_problems():
    # No entry naming something that is not bound, nothing documented twice.
    assert _docs.PROBLEMS == []


@pytest.mark.parametrize("label,value,name", CALLABLES, ids=[c[0] for c in CALLABLES])
def test_public_callable_has_a_docstring(label, value, name):
    doc = (getattr(value, "__doc__", None) or "").strip()
    assert doc, f"{label} has no docstring: add it to cgrad._docs (or to its Python source)"
    if not cgrad._C._signatures(value):
        return  # written in Python: its own docstring
    # Bound in C++: torch-form signature lines, then the text; not pybind11's signature.
    head, _, body = doc.partition("\n\n")
    assert body.strip(), f"{label}: only a signature, no text (add a cgrad._docs entry)"
    own_name = getattr(value, "__name__", name)
    for line in head.split("\n"):
        assert line.startswith(own_name + "("), f"{label}: {line!r} is not a signature line"
        assert "cgrad._C." not in line and ": object" not in line, \
            f"{label}: pybind11's signature {line!r}; write torch's form in cgrad._docs"


def signature_lines():
    out = []
    for area in (_docs.torch_functions.DOCS, _docs.torch_functions.CLASSES,
                 _docs.tensor_methods.DOCS, _docs.nn_functional.DOCS, _docs.linalg.DOCS,
                 _docs.linalg.TOP_LEVEL):
        for entry in _docs.parse(area).values():
            out += entry.signatures
    return out


@pytest.mark.parametrize("line", signature_lines())
def test_signature_lines_are_python(line):
    # The stub generator reads them: a valid parameter list and return annotation.
    name, _, returns = line.partition(" -> ")
    ast.parse(f"def {name}: pass")
    if returns:
        ast.parse(returns, mode="eval")


def test_documented_parameters_are_accepted():
    # Each parameter a signature line names is one the binding takes (unless it reads
    # *args/**kwargs itself, or it is out=, which the call checks add: Note [out= arguments]).
    # Aliases and pybind11's reserved names aside, a typo or a stale parameter fails here.
    bad = []
    for owner, area in ((cgrad._C, _docs.torch_functions.DOCS),
                        (cgrad._C._nn, _docs.nn_functional.DOCS),
                        (cgrad.linalg, _docs.linalg.DOCS), (cgrad._C, _docs.linalg.TOP_LEVEL),
                        (cgrad.Tensor, _docs.tensor_methods.DOCS)):
        for name, entry in _docs.parse(area).items():
            value = getattr(owner, name, None)
            bound = cgrad._C._signatures(value) if value is not None else []
            if not bound or any("*args" in s or "**kwargs" in s for s in bound):
                continue
            accepted = set(re.findall(r"(\w+)(?::| =|,|\))", " ".join(bound)))
            for line in entry.signatures:
                params = _docs.split_signature(line)[1]
                if "/" in params:  # positional-only: the names are only labels
                    params = params[params.index("/") + 1:]
                for param in params:
                    pname = param.split("=")[0].strip().lstrip("*")
                    if pname and pname not in accepted | {"out", "self"}:
                        bad.append(f"{name}: {pname}")
    assert bad == []


def test_help_shows_the_summary():
    assert cgrad.add.__doc__.startswith("add(input, other, *, alpha=1, out=None) -> Tensor\n\n")
    method = cgrad.Tensor.add.__doc__
    assert method.startswith("add(other, *, alpha=1) -> Tensor\n\n") and "cgrad.add()" in method
    assert "In-place version of Tensor.add()" in cgrad.Tensor.add_.__doc__
    assert cgrad.Tensor.shape.__doc__ and cgrad.Tensor.__doc__


def test_pybind11_signatures_stay_readable():
    # The call checks parse them from pybind11's records, not from __doc__.
    assert any("alpha" in s for s in cgrad._C._signatures(cgrad.add))
    assert cgrad._C._signatures(cgrad.Size) == []
