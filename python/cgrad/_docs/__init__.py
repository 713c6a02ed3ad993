"""The docstrings of everything bound in C++, one text per area, applied at import.

See Note [Docstrings] in cpp/bindings/docstrings.cpp. Each area module holds one text of
entries:

    add(input, other, *, alpha=1, out=None) -> Tensor
        input + alpha * other, broadcasting the two.

One or more signature lines (one per overload) in torch's form, each a valid Python
parameter list, then the indented text; a property is `name: Type`. The signatures are
also what tools/generate_stubs.py types the .pyi stubs from.

Derived, so that each op is written once:
  - a Tensor method without an entry of its own, named as a function with an entry
    (x.add and cgrad.add), takes the function's text and its signatures without `input`
    and `out`;
  - an in-place variant without an entry (x.add_, cgrad.exp2_) takes the text "In-place
    version of ..." and the signatures of the op it updates in place.
Problems (an entry naming nothing, a callable documented twice) do not stop the import:
they are collected in PROBLEMS, which tests/test_docstrings.py requires to be empty.
"""
import re
import textwrap

from . import linalg, nn_functional, tensor_methods, torch_functions

PROBLEMS = []

_OVERLOAD_NUMBER = re.compile(r"^\d+\. ")
_ANNOTATED = re.compile(r"[(,] ?\*{0,2}\w+: ")
_HEADER = re.compile(r"^(\w+)(?:(\(.*\))(?:\s*->\s*(.+))?|:\s*(.+))$")


class Entry:
    """One documented name: its signature lines (or its type, for a property) and text."""

    def __init__(self, name):
        self.name = name
        self.signatures = []  # "name(params) -> Return"
        self.attribute_type = None  # "Size" for `shape: Size`
        self.body = ""

    def docstring(self):
        if self.attribute_type is not None:
            return self.body
        return "\n".join(self.signatures) + "\n\n" + self.body


def parse(text):
    """{name: Entry} of an area's text."""
    entries = {}
    current, body = None, []

    def finish():
        if current is not None:
            current.body = textwrap.dedent("\n".join(body)).strip()

    for line in text.strip("\n").split("\n"):
        if not line.strip():
            body.append("")
            continue
        if line[0].isspace():
            body.append(line)
            continue
        match = _HEADER.match(line.strip())
        if not match:
            raise ValueError(f"cgrad._docs: not a signature line: {line!r}")
        name = match.group(1)
        if current is not None and current.name == name and not "".join(body).strip():
            current.signatures.append(line.strip())  # another overload
            continue
        finish()
        if name in entries:
            raise ValueError(f"cgrad._docs: {name} has two entries")
        current, body = Entry(name), []
        entries[name] = current
        if match.group(4) is not None:
            current.attribute_type = match.group(4)
        else:
            current.signatures.append(line.strip())
    finish()
    return entries


def split_signature(signature):
    """("add", ["input", "other", "*", "alpha=1"], "Tensor") of a signature line."""
    name, rest = signature.split("(", 1)
    depth, params, start = 0, [], 0
    for i, c in enumerate(rest):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                params.append(rest[start:i])
                tail = rest[i + 1:]
                break
            depth -= 1
        elif c == "," and depth == 0:
            params.append(rest[start:i])
            start = i + 1
    params = [p.strip() for p in params if p.strip()]
    returns = tail.split("->", 1)[1].strip() if "->" in tail else None
    return name, params, returns


def join_signature(name, params, returns):
    while params and params[-1] == "*":  # a bare * with nothing after it
        params = params[:-1]
    text = f"{name}({', '.join(params)})"
    return f"{text} -> {returns}" if returns else text


def method_signature(signature):
    """The method form of a function's signature line, or None if it has no `input`."""
    name, params, returns = split_signature(signature)
    if not params or params[0] != "input":
        return None
    kept = [p for p in params[1:] if p.split("=")[0] != "out"]
    return join_signature(name, kept, returns)


def inplace_entry(name, base, base_label):
    entry = Entry(name)
    for signature in base.signatures:
        _, params, _ = split_signature(signature)
        params = [p for p in params if p.split("=")[0] != "out"]
        entry.signatures.append(join_signature(name, params, "Tensor"))
    entry.body = f"In-place version of {base_label}: writes the result into the input and returns it."
    return entry


def entry_from_doc(name, doc):
    """The Entry of a docstring in this format (one set from a table row in C++), or None."""
    head, _, body = (doc or "").strip().partition("\n\n")
    signatures = head.split("\n")
    # pybind11's own signatures carry annotations (`input: cgrad._C.Tensor`); torch's do not.
    if not body or not all(s.startswith(name + "(") and not _ANNOTATED.search(s)
                           for s in signatures):
        return None
    entry = Entry(name)
    entry.signatures, entry.body = signatures, body
    return entry


def cpp_docstring(obj, name):
    """Text given to a pybind11 binding in C++, beyond the signatures pybind11 writes."""
    lines = (getattr(obj, "__doc__", None) or "").split("\n")
    return "\n".join(line for line in lines if line != "Overloaded function."
                     and not _OVERLOAD_NUMBER.sub("", line).startswith(name + "(")).strip()


def _set(owner, name, entry):
    from .. import _C

    where = f"{getattr(owner, '__name__', owner)}.{name}"
    target = owner.__dict__.get(name) if isinstance(owner, type) else getattr(owner, name, None)
    if target is None:
        PROBLEMS.append(f"{where}: documented in cgrad._docs but not bound")
        return
    if isinstance(owner, type) and not isinstance(target, property):
        target = getattr(owner, name)  # the function behind an instancemethod
    if _C._signatures(target):
        if cpp_docstring(target, name) and entry_from_doc(name, target.__doc__) is None:
            PROBLEMS.append(f"{where}: has a docstring in C++ as well as in cgrad._docs")
            return
    elif (getattr(target, "__doc__", None) or "").strip():
        PROBLEMS.append(f"{where}: has a docstring in its source as well as in cgrad._docs")
        return
    try:
        _C._add_docstr(target, entry.docstring())
    except ValueError as e:
        PROBLEMS.append(str(e))


def apply():
    import cgrad
    from .. import _C

    for owner, text in ((_C, torch_functions.DOCS), (_C, torch_functions.CLASSES),
                        (_C._nn, nn_functional.DOCS), (cgrad.linalg, linalg.DOCS),
                        (_C, linalg.TOP_LEVEL)):
        for name, entry in parse(text).items():
            _set(owner, name, entry)

    # Every documented function, from the texts here or from a table row in C++.
    functions = {}
    for name in dir(_C):
        if not name.startswith("_") and callable(getattr(_C, name)):
            entry = entry_from_doc(name, getattr(_C, name).__doc__)
            if entry:
                functions[name] = entry

    # In-place functions (cgrad.exp2_).
    for name in dir(_C):
        if name.endswith("_") and not name.startswith("_") and name[:-1] in functions \
                and name not in functions:
            _set(_C, name, inplace_entry(name, functions[name[:-1]], f"cgrad.{name[:-1]}()"))

    # Tensor: its own entries, then methods from functions, then in-place methods.
    tensor = cgrad.Tensor
    methods = parse(tensor_methods.DOCS)
    for name, entry in functions.items():
        if name in methods or name not in tensor.__dict__:
            continue
        if entry_from_doc(name, getattr(tensor, name).__doc__):
            continue  # documented in C++ by a table row
        derived = Entry(name)
        derived.signatures = [s for s in map(method_signature, entry.signatures) if s]
        if not derived.signatures:
            continue
        derived.body = f"{entry.body}\n\nThe method form of cgrad.{name}()."
        methods[name] = derived
    for name in list(tensor.__dict__):
        if name.endswith("_") and not name.startswith("_") and name not in methods \
                and name[:-1] in methods and not entry_from_doc(name, getattr(tensor, name).__doc__):
            methods[name] = inplace_entry(name, methods[name[:-1]], f"Tensor.{name[:-1]}()")
    for name, entry in methods.items():
        _set(tensor, name, entry)
