"""full() with every dtype and kind of fill value against torch: the inferred or given
dtype, the stored values (casts, infinities, NaN, overflow) and errors, one line per case."""
import itertools
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
import cgrad  # noqa: E402

DTYPES = [None, "bool", "int32", "int64", "float32", "float64"]
FILLS = [True, False, 0, 3, -7, 2**40, 2.5, -0.0, math.inf, -math.inf, math.nan, 1e40, np.float32(1.5), np.int64(4)]


def outcome(lib, dtype, fill):
    try:
        r = lib.full((2, 3), fill, dtype=None if dtype is None else getattr(lib, dtype))
    except Exception as e:  # noqa: BLE001  (compared by type)
        return type(e)
    return str(r.dtype).split(".")[-1], np.asarray(r.tolist()).tobytes()


@pytest.mark.parametrize("dtype, fill", list(itertools.product(DTYPES, FILLS)), ids=str)
def test_full(dtype, fill):
    assert outcome(cgrad, dtype, fill) == outcome(torch, dtype, fill)


@pytest.mark.parametrize("dtype", DTYPES)
def test_full_follows_the_default_dtype(dtype):
    cgrad.set_default_dtype(cgrad.float64)
    torch.set_default_dtype(torch.float64)
    try:
        assert outcome(cgrad, dtype, 0.1) == outcome(torch, dtype, 0.1)
    finally:
        cgrad.set_default_dtype(cgrad.float32)
        torch.set_default_dtype(torch.float32)
