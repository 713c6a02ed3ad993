"""Checks that cgrad's C++ sources include only headers of their own layer or of the
layers below it (the README's Design section names the layers).

    python tools/check_layers.py        # prints each upward include; exit status 1 if any

Every C++ file under cpp/ (but cpp/tests, white-box tests that may include anything) is
given a layer by its path (`layer_of`); each `#include "..."` is resolved as the compiler
resolves it (the including file's folder, then cpp/include, then cpp/src) and the
included header's layer must be one the includer may use (`MAY_INCLUDE`). The bindings
see only the public headers in cpp/include (cpp/src is a PRIVATE include directory of
cgrad_core in CMakeLists.txt), so a binding that reaches into cpp/src fails here too.
An include that cannot be resolved is reported: it would hide an edge.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CPP = ROOT / "cpp"
SOURCE_SUFFIXES = {".h", ".cpp", ".inc"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# Lowest first. Each layer may include its own headers and those listed.
MAY_INCLUDE = {
    # Tensors, storage, shapes, dtypes, the allocator, threads, and the grad/inference
    # mode flags (a tensor records at construction whether inference mode is on).
    "core": {"core"},
    # Raw loops over typed buffers: no autograd, no ops, no Python.
    "kernels": {"core", "kernels"},
    # The graph's types: Node, Edge, saved tensors, hooks, anomaly mode.
    "graph": {"core", "graph"},
    # Ops check, promote, call kernels and record graph nodes; the view/in-place history
    # helpers (autograd/views.h, copy_slices.h) are part of this layer, as ops use them.
    "ops": {"core", "kernels", "graph", "ops"},
    # The engine, and the implementations of the graph types (a node's gradient
    # accumulation and a view's regenerated grad_fn run ops).
    "autograd": {"core", "graph", "ops", "autograd"},
    # pybind11 code: public headers only (checked separately: nothing from cpp/src).
    "bindings": {"core", "graph", "ops", "autograd", "bindings"},
}

# Headers of cpp/include/cgrad/autograd/ by layer (the folder holds three layers).
AUTOGRAD_HEADER_LAYERS = {
    "grad_mode.h": "core",
    "node.h": "graph",
    "node_vector.h": "graph",
    "saved_slots.h": "graph",
    "saved_slots.def": "graph",
    "saved_values.h": "graph",
    "anomaly_mode.h": "graph",
    "views.h": "ops",
    "copy_slices.h": "ops",
    "engine.h": "autograd",
}

# (includer, included) -> why the upward include stays. Keep this list short.
ALLOWED: dict[tuple[str, str], str] = {
}


def layer_of(path: Path) -> str | None:
    rel = path.relative_to(CPP).as_posix()
    if rel.startswith("tests/"):
        return None
    if rel.startswith("bindings/"):
        return "bindings"
    if rel.startswith("src/kernels/"):
        return "kernels"
    if rel.startswith("src/ops/") or rel.startswith("include/cgrad/ops"):
        return "ops"  # include/cgrad/ops.h and include/cgrad/ops/*
    if rel.startswith("src/autograd/"):
        return "autograd"
    if rel.startswith("include/cgrad/autograd/"):
        name = path.name
        if name not in AUTOGRAD_HEADER_LAYERS:
            raise SystemExit(f"check_layers: give {rel} a layer in AUTOGRAD_HEADER_LAYERS")
        return AUTOGRAD_HEADER_LAYERS[name]
    if rel.startswith("src/") or rel.startswith("include/cgrad/"):
        return "core"
    raise SystemExit(f"check_layers: no layer for cpp/{rel}")


def resolve(includer: Path, name: str) -> Path | None:
    search = [includer.parent, CPP / "include", CPP / "src"]
    for folder in search:
        candidate = folder / name
        if candidate.is_file():
            return candidate.resolve()
    return None


def violations() -> list[str]:
    found = []
    for path in sorted(CPP.rglob("*")):
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        layer = layer_of(path)
        if layer is None:
            continue
        rel = path.relative_to(ROOT).as_posix()
        for name in INCLUDE_RE.findall(path.read_text()):
            target = resolve(path, name)
            if target is None:
                found.append(f'{rel}: #include "{name}" resolves to no file under cpp/')
                continue
            target_rel = target.relative_to(ROOT).as_posix()
            if (rel, target_rel) in ALLOWED:
                continue
            if layer == "bindings" and target_rel.startswith("cpp/src/"):
                found.append(f"{rel} ({layer}) includes the private header {target_rel}")
                continue
            target_layer = layer_of(target)
            if target_layer not in MAY_INCLUDE[layer]:
                found.append(f"{rel} ({layer}) includes {target_rel} ({target_layer})")
    return found


def main() -> int:
    found = violations()
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} include(s) against the layering (README, Design)", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
