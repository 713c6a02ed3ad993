"""Draws the README's picture of a backward graph: a small classifier's loss, drawn by
cgrad.autograd.graph.to_dot. Writes docs/mlp_graph.dot (tests/test_graph_dot.py checks
that it is what to_dot gives today) and docs/mlp_graph.svg (needs Graphviz's `dot`).

    PYTHONPATH=python python tools/draw_graph_picture.py
"""
import pathlib
import sys

import cgrad
import cgrad.nn as nn
import cgrad.nn.functional as F

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"


def classifier_graph():
    """The DOT text of a two-layer classifier's cross-entropy loss, saved tensors shown."""
    cgrad.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    x, y = cgrad.randn(16, 4), cgrad.randint(0, 3, (16,))
    loss = F.cross_entropy(model(x), y)
    return cgrad.autograd.graph.to_dot(loss, params=dict(model.named_parameters()),
                                       show_saved=True)


def main():
    dot = classifier_graph()
    (DOCS / "mlp_graph.dot").write_text(dot)
    print(dot.render(DOCS / "mlp_graph.svg", format="svg"), file=sys.stderr)


if __name__ == "__main__":
    main()
