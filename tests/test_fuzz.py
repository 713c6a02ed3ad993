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
