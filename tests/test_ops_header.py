"""cgrad/ops.h gathers every area's op header, so that the bindings (and any user of
the core) see all ops through one include."""
import re
from pathlib import Path

INCLUDE = Path(__file__).resolve().parent.parent / "cpp" / "include"
# Not differentiable ops: the optimizer steps run outside autograd (their header says why).
NOT_OPS = {"cgrad/ops/optim.h"}


def test_ops_h_includes_every_op_header():
    included = set(re.findall(r'#include "(cgrad/ops/[^"]+)"', (INCLUDE / "cgrad" / "ops.h").read_text()))
    headers = {p.relative_to(INCLUDE).as_posix() for p in (INCLUDE / "cgrad" / "ops").glob("*.h")}
    assert sorted(headers - included - NOT_OPS) == []
    assert sorted(included & NOT_OPS) == []
