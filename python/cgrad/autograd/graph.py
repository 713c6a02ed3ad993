"""cgrad.autograd.graph: the backward graph's node type.

Every `grad_fn` and `next_functions` entry is an instance of a subclass of `Node` named
after it (`MulBackward0`, `AccumulateGrad`, a custom Function's `<Name>Backward`), so
`isinstance(fn, Node)` holds and `type(fn).__name__` is the node's name. `to_dot` draws
the graph (Note [Graph picture] in _graph_dot.py).
"""
from .._C import Node
from ._graph_dot import DotSource, to_dot

__all__ = ["DotSource", "Node", "to_dot"]
