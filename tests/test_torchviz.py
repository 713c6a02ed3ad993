"""torchviz on cgrad graphs, with only its import changed: make_dot (with saved tensors and
node attributes shown) builds the same DOT graph for a cgrad graph as for the same torch
graph — the same labels, colours and edges, the nodes' attribute tables included (saved
tensors and non-tensor values: `alpha`, `dim`, sizes); node ids (Python ids) differ, so
graphs are compared up to renaming them."""
import hashlib
import re
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("graphviz")
torchviz_dot = pytest.importorskip("torchviz.dot")
import cgrad  # noqa: E402

rng = np.random.default_rng(7)
X, W1, B1, W2, B2 = (rng.standard_normal(s).astype(np.float32)
                     for s in ((4, 3), (5, 3), (5,), (2, 5), (2,)))
TARGET = rng.standard_normal((4, 2)).astype(np.float32)


def params(lib):
    return {name: lib.tensor(value, requires_grad=True)
            for name, value in (("w1", W1), ("b1", B1), ("w2", W2), ("b2", B2))}


def mlp(lib):
    p = params(lib)
    F = lib.nn.functional
    hidden = F.linear(lib.tensor(X), p["w1"], p["b1"]).tanh()
    return F.mse_loss(F.linear(hidden, p["w2"], p["b2"]), lib.tensor(TARGET)), p


def elementwise(lib):
    p = params(lib)
    w = p["w1"]
    return ((w * w.exp()).sigmoid() / (w.relu().cos())).sin(), {"w1": w}


def custom_function(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    p = params(lib)
    return Square.apply(p["w1"].tanh()).sum() * p["b1"].sum(), p


def view_output(lib):
    p = params(lib)
    return (p["w2"] @ p["w1"]).tanh()[1:, 0], p


def indexing(lib):
    p = params(lib)
    w = p["w1"]
    picked = w[lib.tensor([0, 2, 4]), lib.tensor([1, 0, 2])]
    return picked.sum() + w[:, lib.tensor([2, 0])].tanh().sum(), {"w1": w}


def multi_output(lib):
    p = params(lib)
    parts = p["w1"].split(2)
    return (parts[0].sum(), parts[1].mean()), p


def make_dot(lib, build, **options):
    """torchviz's make_dot, with torchviz's own `torch` (and Variable) being `lib`."""
    out, named = build(lib)
    saved = torchviz_dot.torch, torchviz_dot.Variable
    torchviz_dot.torch, torchviz_dot.Variable = lib, lib.autograd.Variable
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torchviz's warning about a version below 1.9
            return torchviz_dot.make_dot(out, params=named, **options)
    finally:
        torchviz_dot.torch, torchviz_dot.Variable = saved


NODE = re.compile(r"\t(\S+) \[label=(.*?)(?: fillcolor=(\S+))?\]\s*$", re.S)
EDGE = re.compile(r"\t(\S+) -> (\S+)(?: \[(.*)\])?\s*$", re.S)

def label_text(raw):
    return raw[1:-1] if raw.startswith('"') else raw


def comparable_label(label, colour):
    """A node's label; a backward node's (no colour) as its name and attribute table."""
    if colour is not None:
        return label
    name, *table = label.split("\n")
    rows = [tuple(part.strip() for part in line.split(":", 1)) for line in table[1:]]
    return name, tuple(sorted(rows))


def graph_of(dot):
    """(declarations per node id, edges) of a DOT source."""
    declared, edges = {}, []
    for statement in dot.body:
        edge = EDGE.match(statement)
        if edge:
            edges.append((edge.group(1), edge.group(2), edge.group(3)))
            continue
        node = NODE.match(statement)
        assert node, f"unparsed DOT statement {statement!r}"
        colour = node.group(3)
        label = comparable_label(label_text(node.group(2)), colour)
        declared.setdefault(node.group(1), []).append((label, colour))
    return declared, edges


def canonical(dot, rounds=4):
    """The graph up to renaming node ids: each node is named by its declarations refined by
    its neighbours' names (a few rounds of Weisfeiler-Lehman), and the graph is the sorted
    list of its named nodes and named edges."""
    declared, edges = graph_of(dot)
    ids = set(declared) | {e[0] for e in edges} | {e[1] for e in edges}
    def digest(value):
        return hashlib.sha1(repr(value).encode()).hexdigest()[:16]

    first = {i: repr(declared.get(i, [])) for i in ids}
    name = {i: digest(first[i]) for i in ids}
    for _ in range(rounds):
        name = {i: digest((name[i],
                           sorted((name[b], a) for s, b, a in edges if s == i),
                           sorted((name[s], a) for s, b, a in edges if b == i)))
                for i in ids}
    return (sorted((first[i], name[i]) for i in ids),
            sorted((first[s], first[b], name[s], name[b], a) for s, b, a in edges))


BUILDS = [pytest.param(b, id=b.__name__)
          for b in (mlp, elementwise, custom_function, view_output, indexing, multi_output)]


@pytest.mark.parametrize("build", BUILDS)
def test_make_dot_with_saved_tensors_as_torch(build):
    ours = make_dot(cgrad, build, show_saved=True)
    theirs = make_dot(torch, build, show_saved=True)
    assert canonical(ours) == canonical(theirs)


@pytest.mark.parametrize("build", BUILDS)
def test_make_dot_with_attributes_and_saved_tensors_as_torch(build):
    ours = make_dot(cgrad, build, show_attrs=True, show_saved=True)
    theirs = make_dot(torch, build, show_attrs=True, show_saved=True)
    assert canonical(ours) == canonical(theirs)
    declared, _ = graph_of(ours)  # the attribute tables were there to compare
    assert any(label[1] for labels in declared.values() for label, colour in labels
               if colour is None)
