"""cgrad.autograd.graph.to_dot (Note [Graph picture]): the same DOT text for a cgrad graph
as for the same torch graph (to_dot reads tensors by what they offer, so it draws both),
saved tensors and parameter names included; rendering with Graphviz's `dot`; deep
graphs; and the README's picture kept up to date."""
import importlib.util
import pathlib
import re
import shutil

import numpy as np
import pytest

import cgrad
from cgrad.autograd.graph import DotSource, to_dot

torch = pytest.importorskip("torch")
ROOT = pathlib.Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is not installed")

rng = np.random.default_rng(3)
X = rng.standard_normal((6, 4)).astype(np.float32)
Y = np.array([0, 2, 1, 1, 0, 2])


def classifier(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.Tanh(), lib.nn.Linear(5, 3))
    loss = lib.nn.functional.cross_entropy(model(lib.tensor(X)), lib.tensor(Y))
    return loss, dict(model.named_parameters())


def shared_input(lib):  # one leaf used twice by one node, and by two nodes
    w = lib.tensor(X, requires_grad=True)
    return (w * w + w.exp()).sum(), {"w": w}


def two_outputs(lib):
    w = lib.tensor(X, requires_grad=True)
    a, b = w.split(3)
    return (a.mean(), b.sigmoid()), {"w": w}


def custom_function(lib):
    class Cube(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 3 * x * x * g

    w = lib.tensor(X, requires_grad=True)
    return Cube.apply(w.tanh()).sum(), {}  # an unnamed leaf


def views_and_float64(lib):
    w = lib.tensor(X.astype(np.float64), requires_grad=True)
    return (w.t() @ w)[1:, :2].reshape(-1).norm(), {"weights": w}


BUILDS = [pytest.param(b, id=b.__name__)
          for b in (classifier, shared_input, two_outputs, custom_function, views_and_float64)]


@pytest.mark.parametrize("show_saved", [False, True])
@pytest.mark.parametrize("build", BUILDS)
def test_to_dot_draws_cgrad_graphs_as_the_same_torch_graph(build, show_saved):
    ours, theirs = build(cgrad), build(torch)
    assert to_dot(*ours, show_saved=show_saved) == to_dot(*theirs, show_saved=show_saved)


def test_to_dot_names_leaves_and_shows_shapes_dtypes_and_saved_bytes():
    loss, params = classifier(cgrad)
    dot = to_dot(loss, params=params, show_saved=True)
    assert isinstance(dot, DotSource) and isinstance(dot, str)
    assert dot.startswith("digraph {") and dot.rstrip().endswith("}")
    assert '"0.weight\\n(5, 4) float32"' in dot
    assert '"() float32"' in dot  # the loss
    assert "ReluBackward0" not in dot and "TanhBackward0\\nresult: (6, 5) float32, 120 B" in dot
    assert "NllLossBackward0" in dot and "LogSoftmaxBackward0" in dot
    plain = to_dot(loss)
    assert "0.weight" not in plain and "result:" not in plain and "saved for" not in plain


def test_saved_tensors_freed_by_backward_are_left_out_as_torch_does():
    for lib in (cgrad, torch):
        loss, params = classifier(lib)
        loss.backward()
        assert "result:" not in to_dot(loss, params, show_saved=True)
    assert to_dot(*classifier(cgrad), show_saved=True) != to_dot(loss, params, show_saved=True)


def test_a_leaf_or_a_tensor_without_history_is_drawn_alone():
    w = cgrad.ones(2, requires_grad=True)
    assert re.findall(r"\t(\S+) -> (\S+)", to_dot(w, {"w": w})) == [("n0", "out0")]
    assert "->" not in to_dot(cgrad.ones(2))


def test_a_deep_graph_is_drawn_without_recursion():
    x = cgrad.ones(1, requires_grad=True)
    y = x
    for _ in range(20000):
        y = y * 1.0
    dot = to_dot(y)
    assert dot.count("MulBackward0") == 20000 and dot.count("->") == 20001


def test_bad_arguments_raise_type_errors():
    with pytest.raises(TypeError, match="to_dot: expected a Tensor"):
        to_dot(3)
    with pytest.raises(TypeError, match="to_dot: expected a Tensor"):
        to_dot([cgrad.ones(1), "x"])
    with pytest.raises(TypeError, match="params must be a dict"):
        to_dot(cgrad.ones(1), params=[1])


@needs_dot
@pytest.mark.parametrize("fmt,magic", [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_render_writes_the_picture(tmp_path, fmt, magic):
    dot = to_dot(*classifier(cgrad), show_saved=True)
    path = tmp_path / f"graph.{fmt}"
    assert dot.render(path, format=fmt) == str(path)
    assert path.read_bytes().startswith(magic)
    if fmt == "svg":
        assert "0.weight" in path.read_text() and "AddmmBackward0" in path.read_text()


@needs_dot
def test_render_reports_a_format_dot_does_not_know(tmp_path):
    with pytest.raises(ValueError, match="render: dot failed for format 'nosuch'"):
        to_dot(cgrad.ones(1)).render(tmp_path / "g", format="nosuch")


def test_render_without_dot_says_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="Graphviz's `dot` program is not on PATH"):
        to_dot(cgrad.ones(1)).render(tmp_path / "g.svg")


def test_the_readme_picture_is_what_to_dot_draws_today():
    spec = importlib.util.spec_from_file_location(
        "draw_graph_picture", ROOT / "tools" / "draw_graph_picture.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.classifier_graph() == (ROOT / "docs" / "mlp_graph.dot").read_text(), \
        "docs/mlp_graph.dot is stale: run tools/draw_graph_picture.py"
    assert (ROOT / "docs" / "mlp_graph.svg").exists()
    assert "docs/mlp_graph.svg" in (ROOT / "README.md").read_text()
