"""The differential fuzzer (tests/fuzz/) on a fixed seed: a few hundred short autograd
programs run in cgrad and in torch, compared step by step; any divergence fails the test
with its minimized reproducers. CGRAD_FUZZ_COUNT sets the number of programs (default
300), CGRAD_FUZZ_SEED the seed; `python -m tests.fuzz` runs any number on demand."""
import os
import time
from collections import Counter

import pytest

torch = pytest.importorskip("torch")
from fuzz.pool import Pool  # noqa: E402
from fuzz.report import summarize  # noqa: E402
from fuzz.runner import LACKS  # noqa: E402

COUNT = int(os.environ.get("CGRAD_FUZZ_COUNT", "300"))
SEED = os.environ.get("CGRAD_FUZZ_SEED", "suite")


def test_fuzz_programs_match_torch():
    # Programs run in a forked child, so a crash in cgrad fails this test, not the suite;
    # a failing run minimizes only its first few divergences, to stay fast.
    pool = Pool(SEED, jobs=1, per_signature=1, max_minimized=6, timeout=20.0)
    start = time.monotonic()
    results = pool.run(range(COUNT))
    elapsed = time.monotonic() - start
    assert len(results) == COUNT
    if any(r["divs"] for r in results):
        quirks = Counter(q for r in results for q in r["quirks"])
        pytest.fail(f"fuzz seed {SEED!r}: cgrad and torch diverge\n"
                    + summarize(results, elapsed, quirks, sorted(LACKS)), pytrace=False)


# ---- the fuzzer's own machinery (these pass whatever cgrad does) ----

@pytest.mark.filterwarnings("ignore")
def test_programs_print_as_they_run():
    # Note [Programs are data]: the interpreter and the rendered snippet are two readings
    # of one program; run both in torch and compare every value they leave.
    import numpy as np
    from fuzz.generate import generate
    from fuzz.program import execute
    from fuzz.report import program_source

    def arrays(value):
        items = value if isinstance(value, (tuple, list)) else [value]
        return [t.detach().numpy() for t in items if isinstance(t, torch.Tensor)
                and t.numel() < 10**5 and max(t.shape, default=0) < 10**5]

    for index in range(30):
        steps = generate("print", index, LACKS)
        values, error = [], None
        for step in steps:
            try:
                values.append(execute(step, torch, values))
            except Exception as e:  # noqa: BLE001 - the program's last step may raise
                error = e
                values.append(None)
                break
        namespace = {"torch": torch, "F": torch.nn.functional}
        source = "\n".join(program_source(steps))
        if error is None:
            exec(source, namespace)
        else:
            with pytest.raises(type(error)):
                exec(source, namespace)
        for i, value in enumerate(values):
            if f"v{i}" in namespace and value is not None:
                for a, b in zip(arrays(value), arrays(namespace[f"v{i}"])):
                    assert np.array_equal(a, b, equal_nan=True), (index, i, source)


def test_a_crash_costs_one_program_and_comes_back_minimized(monkeypatch):
    # A stand-in crash: the child kills itself when cgrad is about to run a matmul.
    import signal

    import fuzz.pool
    import fuzz.runner
    from fuzz.check import check
    matmuls = ("@", "torch.matmul")  # in programs 7 and 9 of seed "c2"

    def crashing_check(steps, progress=None):
        def on_step(i, lib):
            if progress:
                progress(i, lib)
            if lib == "cgrad" and i < len(steps) and steps[i].label() in matmuls:
                os.kill(os.getpid(), signal.SIGSEGV)
        return check(steps, on_step)

    monkeypatch.setattr(fuzz.runner, "check", crashing_check)
    monkeypatch.setattr(fuzz.pool, "check", crashing_check)
    results = Pool("c2", per_signature=1, max_minimized=0).run(range(12))
    assert [r["index"] for r in results] == list(range(12))
    ours = [r for r in results if r["divs"] and r["divs"][0]["kind"] == "crash"
            and r["divs"][0]["label"] in matmuls]  # (cgrad's own crashes aside)
    assert ours, "no program of the 12 reached a matmul: pick another seed"
    # Under AddressSanitizer (tests/run_sanitized.sh) the SIGSEGV is ASan's to report,
    # and abort_on_error turns it into SIGABRT.
    signal_name = "SIGABRT" if os.environ.get("CGRAD_SANITIZED") else "SIGSEGV"
    assert all(signal_name in r["divs"][0]["detail"] for r in ours), [
        r["divs"][0]["detail"] for r in ours]
    minimized = [rep["text"] for r in ours for rep in r["repros"]]
    assert minimized and all(len(text.splitlines()) < 20 for text in minimized)


# ---- the float64 judge of rounding differences (quirks.py, _as_accurate_as_torch) ----

def test_the_float64_judge_excuses_rounding_and_not_a_wrong_value():
    import numpy as np
    from fuzz.quirks import _closer_to_exact
    tol = (1e-4, 1e-5)
    exact = np.array([1.0, 2.0, 3.0])
    # cgrad about as far from the exact value as torch is: rounding
    assert _closer_to_exact(np.array([1.0, 2.01, 3.0]), np.array([1.0, 1.99, 3.0]), exact, tol)
    # torch exact, cgrad off: a wrong value, never excused
    assert not _closer_to_exact(exact, np.array([1.0, 2.01, 3.0]), exact, tol)
    # cgrad NaN where the exact value is finite: never rounding
    assert not _closer_to_exact(np.array([1.0, 2.01, 3.0]), np.array([1.0, np.nan, 3.0]), exact, tol)
    # torch overflowed to inf, cgrad has the exact value
    assert _closer_to_exact(np.array([1.0, np.inf, 3.0]), exact, exact, tol)
    # the exact value is 0/0: both float32 runs give noise around it
    assert _closer_to_exact(np.array([0.35]), np.array([-0.35]), np.array([np.nan]), tol)


@pytest.mark.filterwarnings("ignore")
def test_a_gradient_made_of_rounding_is_judged_by_the_float64_run():
    # softmax(x ** 3).sum() is 1 for every x, so its gradient is 0 and the gradient of
    # that gradient is pure float32 rounding, which torch and cgrad round differently
    from fuzz.check import check
    from fuzz.program import Ref, Step
    steps = [
        Step("tensor", args=([[[[2.0], [1.0]], [[2.0], [2.0]]]], "float32", True, [])),
        Step("tensor", args=([3], "int64", False, [])),
        Step("binop", "**", args=(Ref(0), Ref(1))),
        Step("call", "softmax", args=(Ref(2),), kwargs={"dim": 1}, target="torch"),
        Step("call", "sum", target=Ref(3)),
        Step("call", "grad", args=(Ref(4), [Ref(0)]), kwargs={"create_graph": True},
             target="autograd"),
        Step("getitem", args=(Ref(5), 0)),
        Step("call", "sum", target=Ref(6)),
        Step("call", "backward", target=Ref(7), out=False),
    ]
    outcome = check(steps)
    assert not outcome.hard()
    # (on this project's machines the two differ, and only the judge explains it)
    assert set(outcome.quirks) <= {"float32 rounding where cgrad is as close to the exact "
                                   "value as torch", "grad_fn names inside a double-backward graph"}
    # the same program in float64 has nothing to excuse: the judge needs float32
    wide = [Step("tensor", args=(s.args[0], "float64") + s.args[2:]) if s.kind == "tensor"
            and s.args[1] == "float32" else s for s in steps]
    assert not check(wide).hard()


def test_a_cancelling_float32_sum_is_judged_by_its_rounding_bound():
    import cgrad
    from fuzz.check import Run
    from fuzz.compare import Divergence
    from fuzz.program import DType, Ref, Step
    from fuzz.quirks import _sum_within_its_rounding_bound
    big = 2 ** 60
    steps = [Step("tensor", args=([4, big + 1, 3, -big - 3, 1], "int64", False, [])),
             Step("call", "mean", target=Ref(0), kwargs={"dtype": DType("float32")})]

    def judged(cgrad_value):
        run = Run(steps)
        run.tv = [torch.tensor(steps[0].args[0]), None]
        run.tv[1] = run.tv[0].mean(dtype=torch.float32)
        run.cv = [None, cgrad.tensor(cgrad_value)]
        div = Divergence("value", 1, "v1", ".mean", "", "", "", "step", 1)
        return _sum_within_its_rounding_bound(div, run)

    torchs = float(torch.tensor(steps[0].args[0]).mean(dtype=torch.float32))
    # any order of adding 2**60 and the small terms is within the bound ...
    assert judged(torchs + 1.6)
    # ... a result off by far more than float32 summation can explain is not
    assert not judged(torchs + 2.0 ** 40)


def test_torchs_early_overflow_of_vector_sinh_is_judged_by_its_scalar_path():
    import math

    import cgrad
    from fuzz.check import Run
    from fuzz.compare import Divergence
    from fuzz.program import Ref, Step
    from fuzz.quirks import _hyperbolic_overflow_of_torchs_vector_kernel
    data = [710.2] + [1.0] * 15
    steps = [Step("tensor", args=(data, "float64", False, [])), Step("call", "sinh", target=Ref(0))]

    def judged(cgrad_values):
        run = Run(steps)
        run.tv = [torch.tensor(data, dtype=torch.float64)]
        run.tv.append(run.tv[0].sinh())
        run.cv = [None, cgrad.tensor(cgrad_values, dtype=cgrad.float64)]
        div = Divergence("value", 1, "v1", ".sinh", "", "", "", "step", 1)
        return _hyperbolic_overflow_of_torchs_vector_kernel(div, run)

    right = [math.sinh(x) for x in data]
    if not math.isinf(float(torch.tensor(data, dtype=torch.float64).sinh()[0])):
        pytest.skip("this CPU's torch kernel does not overflow early")
    assert judged(right)
    assert not judged([right[0] / 2] + right[1:])
