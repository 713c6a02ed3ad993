"""Runs a worker script on 2 MPI ranks and collects what each rank pickled.

The tests skip where mpirun (Open MPI) or mpi4py is missing, except in CI (CI=true),
where .ci/run installs both and a skip would hide a broken setup. They run on 2 ranks
with one thread each (OMP_NUM_THREADS=1), so 2 cores hold them without oversubscribing.
"""
import importlib.util
import os
import pickle
import shutil
import subprocess
import sys

import pytest

import cgrad

WORKERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "workers")


def _missing():
    if shutil.which("mpirun") is None:
        return "mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)"
    if importlib.util.find_spec("mpi4py") is None:
        return "mpi4py is not installed (pip install 'cgrad[distributed]')"
    return None


def require_mpi():
    if os.environ.get("CGRAD_SANITIZED"):
        # The preloaded sanitizer runtimes would instrument mpirun and Open MPI as well;
        # the plain run covers these tests, and the C++ they reach is the ordinary suite's.
        pytest.skip("not run under the sanitizers (tests/run_sanitized.sh)")
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must run the distributed tests: {reason}")
    pytest.skip(reason)


def launch(worker, out_dir, *args, ranks=2, timeout=120):
    """Runs tests/distributed/workers/`worker` on `ranks` ranks with (out_dir, *args) as
    arguments; returns the CompletedProcess (stdout and stderr merged)."""
    require_mpi()
    env = dict(os.environ)
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(cgrad.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([package_root, env.get("PYTHONPATH", "")])
    env.update(OMP_NUM_THREADS="1", OMPI_ALLOW_RUN_AS_ROOT="1",
               OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    command = ["mpirun", "-n", str(ranks), "--oversubscribe", sys.executable,
               os.path.join(WORKERS, worker), str(out_dir), *map(str, args)]
    return subprocess.run(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=timeout)


def launch_ok(worker, out_dir, *args, ranks=2, timeout=120):
    """launch() that must succeed; returns each rank's pickled results, by rank."""
    done = launch(worker, out_dir, *args, ranks=ranks, timeout=timeout)
    assert done.returncode == 0, done.stdout[-4000:]
    results = []
    for rank in range(ranks):
        with open(os.path.join(out_dir, f"rank{rank}.pkl"), "rb") as f:
            results.append(pickle.load(f))
    return results
