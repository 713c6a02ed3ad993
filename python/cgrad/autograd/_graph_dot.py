"""The backward graph as a Graphviz picture: `cgrad.autograd.graph.to_dot`.

Note [Graph picture]: the picture is drawn from what a user can reach in Python (a
tensor's `grad_fn`, `next_functions`, `AccumulateGrad.variable`, the `_saved_*`
attributes), the way torchviz draws torch's graphs, so it shows what `backward()` will
run. Edges point the way data flows in the forward pass, from the leaves to the outputs.
A leaf's AccumulateGrad node is drawn as the leaf itself (its parameter name, shape and
dtype): it is the one node per leaf, and a box per parameter reads better than a box
per accumulator. The walk is a loop over a stack, so a graph of any depth can be drawn.
Node ids are numbered in the order of the walk, so the same graph gives the same text.
Tensors are recognised by what they offer (`grad_fn`, `shape`, `dtype`), not by class,
so the same function draws a torch graph too: the tests compare the two texts.
"""
import shutil
import subprocess

__all__ = ["DotSource", "to_dot"]

OUTPUT_COLOUR = "#c5e8b7"
LEAF_COLOUR = "#bcd8f5"
NODE_COLOUR = "#e8e8e8"


class DotSource(str):
    """Graphviz DOT text that can draw itself with Graphviz's `dot` program."""

    def render(self, path, format="svg"):
        """render(path, format='svg') -> str

        Writes the picture to `path` in `format` ('svg', 'png', 'pdf' or any other
        format `dot -T` takes) and returns `path`. Needs Graphviz's `dot` on PATH.
        """
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("render: Graphviz's `dot` program is not on PATH "
                               "(install Graphviz, e.g. apt-get install graphviz)")
        done = subprocess.run([dot, f"-T{format}", "-o", str(path)], input=str(self),
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise ValueError(f"render: dot failed for format {format!r}: "
                             f"{done.stderr.strip()}")
        return str(path)

    def _repr_svg_(self):  # drawn inline in Jupyter when Graphviz is there
        dot = shutil.which("dot")
        if dot is None:
            return None
        done = subprocess.run([dot, "-Tsvg"], input=str(self), capture_output=True,
                              text=True)
        return done.stdout if done.returncode == 0 else None


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def describe(tensor):
    """'(4, 3) float32' for a tensor."""
    shape = tuple(tensor.shape)
    dims = "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"
    return f"{dims} {str(tensor.dtype).rsplit('.', 1)[-1]}"


def is_tensor(value):
    return all(hasattr(value, a) for a in ("grad_fn", "requires_grad", "shape", "dtype",
                                           "data_ptr"))


def tensor_bytes(tensor):
    return tensor.numel() * tensor.element_size()


def saved_tensors(fn):
    """(name, tensor) for each tensor a node keeps for its backward, in name order; none
    once backward has freed them."""
    found = []
    for attribute in sorted(a for a in dir(fn) if a.startswith("_saved_")):
        try:
            value = getattr(fn, attribute)
        except RuntimeError:  # freed by a backward without retain_graph
            continue
        values = value if isinstance(value, (tuple, list)) else (value,)
        for i, item in enumerate(values):
            if is_tensor(item):
                name = attribute[len("_saved_"):]
                found.append((name if len(values) == 1 else f"{name}[{i}]", item))
    return found


def to_dot(tensors, params=None, show_saved=False):
    """to_dot(tensors, params=None, show_saved=False) -> DotSource

    The backward graph that produced `tensors` as Graphviz DOT text: one box per
    backward node (torch's node name, as `grad_fn.name()`), one per leaf that requires
    grad (named by `params`, with its shape and dtype) and one per output (shape and
    dtype). The result is a `str`; its `.render(path, format='svg')` draws it with
    Graphviz's `dot`.

    Args:
        tensors (Tensor or sequence of Tensors): the outputs whose graph is drawn.
        params (dict, optional): names for leaves, e.g.
            ``dict(model.named_parameters())``.
        show_saved (bool): also list in each node the tensors it saved for backward,
            with their shapes, dtypes and bytes, and the graph's total saved bytes.
    """
    if is_tensor(tensors):
        outputs = (tensors,)
    elif isinstance(tensors, (tuple, list)):
        outputs = tuple(tensors)
    else:
        raise TypeError(f"to_dot: expected a Tensor or a sequence of Tensors, "
                        f"got {type(tensors).__name__}")
    for t in outputs:
        if not is_tensor(t):
            raise TypeError(f"to_dot: expected a Tensor or a sequence of Tensors, "
                            f"got {type(t).__name__}")
    if params is not None and not isinstance(params, dict):
        raise TypeError(f"to_dot: params must be a dict of names to Tensors, "
                        f"got {type(params).__name__}")
    names = {id(p): name for name, p in (params or {}).items()}

    ids = {}  # id(node or leaf) -> DOT id
    # A node's Python object lives only while referenced, and a dead one's id can be
    # reused: every object given an id is kept here until the walk ends.
    seen = []
    lines, edges = [], []
    saved_storage = {}  # (data_ptr, bytes) -> bytes, to count shared saved tensors once

    def leaf_box(leaf):
        key = id(leaf)
        if key not in ids:
            seen.append(leaf)
            ids[key] = f"n{len(ids)}"
            label = describe(leaf)
            if key in names:
                label = f"{names[key]}\n{label}"
            lines.append(f"\t{ids[key]} [label={quoted(label)} fillcolor=\"{LEAF_COLOUR}\"]")
        return ids[key]

    def node_box(fn, stack):
        """The DOT id of a node or leaf, declaring it (and queueing its inputs) once."""
        if type(fn).__name__ == "AccumulateGrad":
            return leaf_box(fn.variable)
        key = id(fn)
        if key not in ids:
            seen.append(fn)
            ids[key] = f"n{len(ids)}"
            label = fn.name()
            if show_saved:
                for name, t in saved_tensors(fn):
                    label += f"\n{name}: {describe(t)}, {format_bytes(tensor_bytes(t))}"
                    saved_storage[(t.data_ptr(), tensor_bytes(t))] = tensor_bytes(t)
            lines.append(f"\t{ids[key]} [label={quoted(label)} fillcolor=\"{NODE_COLOUR}\"]")
            stack.append(fn)
        return ids[key]

    stack = []
    for i, out in enumerate(outputs):
        out_id = f"out{i}"
        label = describe(out)
        if id(out) in names:
            label = f"{names[id(out)]}\n{label}"
        lines.append(f"\t{out_id} [label={quoted(label)} fillcolor=\"{OUTPUT_COLOUR}\"]")
        if out.grad_fn is not None:
            edges.append(f"\t{node_box(out.grad_fn, stack)} -> {out_id}")
        elif out.requires_grad:
            edges.append(f"\t{leaf_box(out)} -> {out_id}")
    while stack:
        fn = stack.pop()
        for next_fn, _ in fn.next_functions:
            if next_fn is not None:
                edges.append(f"\t{node_box(next_fn, stack)} -> {ids[id(fn)]}")

    header = ["digraph {",
              '\tgraph [fontname="Helvetica" fontsize=12]',
              '\tnode [shape=box style="filled,rounded" fontname="Helvetica" fontsize=11]']
    if show_saved:
        total = format_bytes(sum(saved_storage.values()))
        header.append(f"\tgraph [label={quoted('saved for backward: ' + total)} labelloc=t]")
    return DotSource("\n".join(header + lines + edges + ["}"]) + "\n")


def format_bytes(n):
    """'48 B', '1.5 KiB', ... '2.0 GiB'."""
    if n < 1024:
        return f"{n} B"
    for unit in ("KiB", "MiB", "GiB"):
        n /= 1024
        if n < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}"
