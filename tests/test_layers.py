"""The C++ include graph follows the layers of the README's Design section
(tools/check_layers.py): no upward include, no binding reaching into cpp/src."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_layers  # noqa: E402


def test_no_upward_include():
    assert check_layers.violations() == []


def test_allowed_exceptions_are_still_needed():
    # An exception that no longer matches an include is dead: remove it from the list.
    edges = set()
    for path in check_layers.CPP.rglob("*"):
        if path.suffix in check_layers.SOURCE_SUFFIXES and path.is_file():
            rel = path.relative_to(ROOT).as_posix()
            for name in check_layers.INCLUDE_RE.findall(path.read_text()):
                target = check_layers.resolve(path, name)
                if target is not None:
                    edges.add((rel, target.relative_to(ROOT).as_posix()))
    assert sorted(set(check_layers.ALLOWED) - edges) == []


def test_check_reports_an_upward_include(tmp_path, monkeypatch):
    # The checker itself: a kernel that includes an op header is caught.
    fake = tmp_path / "cpp"
    (fake / "src" / "kernels").mkdir(parents=True)
    (fake / "include" / "cgrad" / "ops").mkdir(parents=True)
    (fake / "include" / "cgrad" / "ops" / "unary.h").write_text("#pragma once\n")
    (fake / "src" / "kernels" / "bad.cpp").write_text('#include "cgrad/ops/unary.h"\n')
    monkeypatch.setattr(check_layers, "ROOT", tmp_path)
    monkeypatch.setattr(check_layers, "CPP", fake)
    assert check_layers.violations() == [
        "cpp/src/kernels/bad.cpp (kernels) includes cpp/include/cgrad/ops/unary.h (ops)"]


def test_script_exit_status():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "check_layers.py")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
