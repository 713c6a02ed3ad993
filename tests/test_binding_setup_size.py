"""No binding setup function (init_*, def_*, or one taking the module or the Tensor
class) in cpp/bindings is over 80 lines (tools/check_binding_setup_size.py)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import check_binding_setup_size as check  # noqa: E402


def test_no_setup_function_over_the_limit():
    assert check.oversized() == []


def test_every_area_init_is_measured():
    # The parser finds each init_* that module.cpp calls (a parser that found nothing
    # would pass the test above).
    module = (check.BINDINGS / "module.cpp").read_text()
    called = set(re.findall(r"\b(init_\w+)\(", module))
    found = {name for path in check.BINDINGS.glob("*.cpp") for name, _, _ in check.setup_functions(path)}
    assert sorted(called - found) == []


def test_check_reports_a_long_setup_function(tmp_path, monkeypatch):
    # Braces in comments and strings are not counted; a long init_ and a long function
    # taking the module are reported, a long helper that binds nothing is not.
    body = "".join(f'  m.def("f{i}", [] {{ return "}}"; }});  // }}\n' for i in range(80))
    (tmp_path / "area.cpp").write_text(
        "namespace cgrad::bindings {\n"
        f"void init_area(py::module_& m) {{\n{body}}}\n"
        f"static void bind_more(py::module_& m) {{\n{body}}}\n"
        f"int helper(int x) {{\n{body}}}\n"
        "void init_short(py::module_& m) {\n  m.def(\"g\", [] { return R\"({)\"; });\n}\n"
        "}  // namespace cgrad::bindings\n")
    monkeypatch.setattr(check, "ROOT", tmp_path)
    monkeypatch.setattr(check, "BINDINGS", tmp_path)
    assert check.oversized() == [
        "area.cpp:2: init_area is 82 lines (at most 80)",
        "area.cpp:84: bind_more is 82 lines (at most 80)"]


def test_script_exit_status():
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "check_binding_setup_size.py")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
