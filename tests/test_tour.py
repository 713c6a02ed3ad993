"""The README's demonstration: PyTorch's autograd tutorial prints as it does in torch."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

TOUR = Path(__file__).resolve().parents[1] / "examples" / "autograd_tour.py"
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")
NUMBER = re.compile(r"-?\d+\.?\d*(e[+-]\d+)?")


def run(source):
    done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return ADDRESS.sub(" at 0x?>", done.stdout).splitlines()


def cgrad_lines():
    return run(TOUR.read_text())


def test_tour_prints_the_tutorial_values():
    lines = "\n".join(cgrad_lines())
    for expected in [
        "tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)",
        "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)\n<AddBackward0 object at 0x?>",
        "tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) "
        "tensor(27., grad_fn=<MeanBackward0>)",
        "False\nTrue\n<SumBackward0 object at 0x?>",
        "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])",
        "True\nTrue\nFalse",
        "array([ 0,  1,  0, -1,  0], dtype=int32)\narray([ 1,  0, -1,  0,  1], dtype=int32)",
    ]:
        assert expected in lines


def test_tour_matches_torch_line_by_line():
    pytest.importorskip("torch")
    source = TOUR.read_text().replace("import cgrad as torch", "import torch")
    source = source.replace("from cgrad.autograd", "from torch.autograd")
    ours, theirs = cgrad_lines(), run(source)
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        if mine != reference:
            # Only the lines that print random values may differ, and only in the digits.
            assert shape_of(mine) == shape_of(reference), (mine, reference)


def shape_of(line):
    return re.sub(r"\s+", "", NUMBER.sub("N", line))  # column padding follows the digits
