"""from_numpy of arrays torch treats specially: a read-only array is shared with a
UserWarning given once per process, a non-native byte order is torch's ValueError.
Each case runs in a fresh process, since the warning is given once."""
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")

SCRIPT = textwrap.dedent("""
    import sys, warnings
    import numpy as np
    lib = __import__(sys.argv[1])
    a = np.arange(3.0, dtype=np.float32)
    a.flags.writeable = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = lib.from_numpy(a)
        lib.from_numpy(a)   # once per process
        lib.tensor(a)       # a copy: no warning
    print(len(caught), caught[0].category.__name__)
    print(caught[0].message.args[0].split(" (Triggered internally")[0])
    print(t.data_ptr() == a.__array_interface__["data"][0])
    try:
        lib.from_numpy(np.arange(3, dtype=">f4"))
    except Exception as e:
        print(type(e).__name__, e)
""")


def run(lib):
    done = subprocess.run([sys.executable, "-c", SCRIPT, lib], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_read_only_and_byte_swapped_arrays_as_torch():
    ours = run("cgrad")
    assert ours == run("torch")
    assert ours.startswith("1 UserWarning\nThe given NumPy array is not writable")
    assert "ValueError given numpy array has byte order different" in ours


def test_a_warning_made_an_error_raises_it():
    script = ("import warnings, numpy as np, cgrad\n"
              "warnings.simplefilter('error')\n"
              "a = np.zeros(2); a.flags.writeable = False\n"
              "try:\n    cgrad.from_numpy(a)\nexcept UserWarning as e:\n    print('raised')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "raised", done.stderr[-2000:]
