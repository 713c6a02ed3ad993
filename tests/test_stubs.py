"""The .pyi stubs: up to date with the live module, valid, and enough for typed user code.

mypy is a test-only dependency (pyproject's `test` extra): where it is missing locally these
tests skip; in CI (CI set) they fail instead.
"""
import os
import runpy
import subprocess
import sys
import tempfile

import pytest

import cgrad

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PYTHON_DIR = os.path.join(REPO, "python")
EXAMPLE = os.path.join(REPO, "tests", "typing", "typed_example.py")
NN_OPTIM_EXAMPLE = os.path.join(REPO, "tests", "typing", "typed_nn_optim.py")
STUBS = [os.path.join(PYTHON_DIR, "cgrad", p) for p in (
    "_C.pyi", "__init__.pyi", os.path.join("nn", "functional.pyi"),
    os.path.join("linalg", "__init__.pyi"))]


def environment():
    """The environment in which a subprocess imports the cgrad this test imported (the
    installed one in CI, the source tree with its built _C in development)."""
    env = dict(os.environ)
    found = os.path.dirname(os.path.dirname(os.path.abspath(cgrad.__file__)))
    env["PYTHONPATH"] = found + os.pathsep + env.get("PYTHONPATH", "")
    return env


def mypy(*args):
    try:
        import mypy  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("mypy is not installed (pip install mypy, or .[test])")
    # The repository's stubs, found through MYPYPATH (mypy needs no built _C), so cgrad's
    # own modules are part of the run: report only the files named
    # (follow-imports=silent), not the insides of nn and optim.
    env = dict(os.environ)
    env["MYPYPATH"] = PYTHON_DIR
    # mypy loads no cgrad extension: the sanitizer runtimes tests/run_sanitized.sh preloads
    # for cgrad are not for it.
    env.pop("LD_PRELOAD", None)
    with tempfile.TemporaryDirectory() as cache:
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--no-incremental", "--cache-dir", cache,
             "--follow-imports=silent", "--python-version", "3.10", *args],
            capture_output=True, text=True, env=env, cwd=REPO)
    return result.returncode, result.stdout + result.stderr


def test_committed_stubs_are_up_to_date():
    result = subprocess.run([sys.executable, os.path.join(REPO, "tools", "generate_stubs.py"),
                             "--check"], capture_output=True, text=True, env=environment())
    assert result.returncode == 0, result.stdout + result.stderr


def test_py_typed_marker_and_stubs_ship():
    # Beside the imported package: in CI that is the installed wheel.
    package = os.path.dirname(os.path.abspath(cgrad.__file__))
    for name in ("py.typed", "_C.pyi", "__init__.pyi", os.path.join("nn", "functional.pyi"),
                 os.path.join("linalg", "__init__.pyi")):
        assert os.path.exists(os.path.join(package, name)), name


def test_typed_example_passes_mypy():
    # Strict, except that returning what a module call gives is allowed: Module.__call__
    # returns Any, as torch's does.
    code, output = mypy("--strict", "--no-warn-return-any", EXAMPLE)
    assert code == 0, output


def test_typed_nn_optim_example_passes_strict_mypy():
    # nn and optim are annotated: layers, containers, Module's methods, the optimizers and
    # no_grad type-check under --strict with no relaxation.
    code, output = mypy("--strict", NN_OPTIM_EXAMPLE)
    assert code == 0, output


def test_mypy_sees_nn_and_optim_types(tmp_path):
    # Not Any: wrong arguments to a layer or an optimizer are errors.
    program = tmp_path / "wrong_nn.py"
    program.write_text("from cgrad import nn, optim\n\nlayer = nn.Linear('4', 2)\n"
                       "sgd = optim.SGD(layer.parameters(), lr='fast')\n"
                       "n: str = layer.in_features\n")
    code, output = mypy(str(program))
    assert code == 1 and output.count("error:") == 3, output


def test_stubs_themselves_pass_mypy():
    code, output = mypy(*STUBS)
    assert code == 0, output


def test_mypy_catches_a_wrong_type(tmp_path):
    # The stubs are not Any throughout: a wrong argument is an error.
    program = tmp_path / "wrong.py"
    program.write_text("import cgrad\n\nx: str = cgrad.ones(2)\ncgrad.ones(2).sum(keepdim='no')\n")
    code, output = mypy(str(program))
    assert code == 1 and output.count("error:") == 2, output


def test_typed_example_runs():
    accuracy = runpy.run_path(EXAMPLE)["train"]()
    assert 0.0 <= accuracy <= 1.0


def test_typed_nn_optim_example_runs():
    loss = runpy.run_path(NN_OPTIM_EXAMPLE)["train"]()
    assert 0.0 < loss < 10.0
